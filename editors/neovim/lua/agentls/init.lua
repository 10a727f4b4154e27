-- agentls for Neovim: runs AI coding-agent tasks through the agentls server.
--
--   require('agentls').setup({ cmd = { 'agentls', '--stdio' }, model = {...},
--                              background = {...}, autoApprove = { 'read' } })
--
-- One server per workspace root; commands act on the root of the current
-- buffer (or of the chat/list buffer they are run from).
local config = require('agentls.config')
local compat = require('agentls.compat')
local Session = require('agentls.session')
local background = require('agentls.background')
local history = require('agentls.history')

local M = {}

local state = {
  cfg = nil,
  sessions = {}, -- root -> Session
}

local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO, { title = 'agentls' })
end

local function fail(prefix)
  return function(err)
    notify('agentls: ' .. prefix .. ': ' .. history.err_text(err), vim.log.levels.ERROR)
  end
end

-- root_for finds the workspace root of a buffer: a buffer of ours knows
-- it; a file buffer searches upwards for root markers; else the cwd.
function M.root_for(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local ok, root = pcall(vim.api.nvim_buf_get_var, bufnr, 'agentls_root')
  if ok and root then
    return root
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  local cwd = compat.uv.cwd()
  if name ~= '' and vim.api.nvim_buf_get_option(bufnr, 'buftype') == '' then
    local found = compat.find_root(vim.fn.fnamemodify(name, ':p:h'), state.cfg.root_markers)
    if found then
      return found
    end
  end
  return compat.find_root(cwd, state.cfg.root_markers) or cwd
end

-- session returns the running session of the current buffer's root,
-- starting the server when needed; nil (after a notification) on error.
function M.session(bufnr)
  if not state.cfg then
    local cfg, err = config.validate({})
    state.cfg = cfg or error(err)
  end
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local root = M.root_for(bufnr)
  local s = state.sessions[root]
  if s and s:alive() then
    return s
  end
  if s then
    s.chat:note('agentls restarted')
  end
  s = Session.new(root, state.cfg, s and s.chat)
  local id, err = s:start(bufnr)
  if not id then
    notify(err, vim.log.levels.ERROR)
    return nil
  end
  state.sessions[root] = s
  return s
end

-- sessions returns the sessions by root (for statuslines and tests).
function M.sessions()
  return state.sessions
end

-- start_task starts a task with text; opts.mode, opts.title optional.
function M.start_task(text, opts)
  opts = opts or {}
  if not text or text:match('^%s*$') then
    return notify('agentls: :Agent needs a prompt', vim.log.levels.WARN)
  end
  local s = M.session()
  if not s then
    return
  end
  s.chat:open()
  s:request('task/start', { text = text, mode = opts.mode, title = opts.title }, function(err, result)
    if err then
      if err.code == -32803 then
        return notify('agentls: a task is already active; answer it with :AgentReply or stop it with :AgentCancel', vim.log.levels.WARN)
      end
      return fail('task/start')(err)
    end
    s.last_root = result.taskId
  end)
end

-- reply answers the waiting task (top of the stack) or continues the
-- newest finished task.
function M.reply(text)
  if not text or text:match('^%s*$') then
    return notify('agentls: :AgentReply needs a text', vim.log.levels.WARN)
  end
  local s = M.session()
  if not s then
    return
  end
  local id = s:top() or s.last_root
  if not id then
    return notify('agentls: no task to reply to; start one with :Agent', vim.log.levels.WARN)
  end
  s.chat:open()
  s:request('task/reply', { taskId = id, text = text }, function(err)
    if err then
      fail('task/reply')(err)
    end
  end)
end

-- cancel cancels a task by id, or the whole foreground stack. From the
-- background quickfix list it cancels the task on the cursor line.
function M.cancel(id)
  local s = M.session()
  if not s then
    return
  end
  if (not id or id == '') and vim.bo.buftype == 'quickfix' then
    id = background.id_of(vim.api.nvim_get_current_line())
    if id then
      return background.cancel(s, id)
    end
  end
  if not id or id == '' then
    id = s.stack[1]
  end
  if not id then
    return notify('agentls: no active task to cancel', vim.log.levels.INFO)
  end
  -- Background tasks never appear in task/state; they are known from the
  -- latest background/list.
  local method = s.background_ids[id] and 'background/cancel' or 'task/cancel'
  s:request(method, { taskId = id }, function(err)
    if err then
      fail(method)(err)
    end
  end)
end

-- show_background opens the background view ('float' or 'quickfix').
function M.show_background(view)
  local s = M.session()
  if not s then
    return
  end
  if (view or s.cfg.background_view) == 'quickfix' then
    return background.quickfix(s)
  end
  background.open(s)
end

-- history picks a stored task and shows its conversation.
function M.history()
  local s = M.session()
  if s then
    history.pick(s, 'agentls task history', function(t)
      history.show(s, t.taskId)
    end)
  end
end

-- resume reopens a stored task (by id, from the buffer showing it, or
-- picked from the history) as the foreground task.
function M.resume(id)
  local s = M.session()
  if not s then
    return
  end
  if not id or id == '' then
    local ok, shown = pcall(vim.api.nvim_buf_get_var, 0, 'agentls_task')
    id = ok and shown or nil
  end
  local function go(task_id)
    s.chat:open()
    s:request('task/resume', { taskId = task_id }, function(err)
      if err then
        return fail('task/resume')(err)
      end
      s.last_root = task_id
    end)
  end
  if id then
    return go(id)
  end
  history.pick(s, 'resume which task?', function(t)
    go(t.taskId)
  end)
end

-- open_chat shows the chat buffer of the current root.
function M.open_chat()
  local s = M.session()
  if s then
    s.chat:open()
  end
end

-- statusline returns a short text for a statusline component.
function M.statusline()
  local s = state.sessions[M.root_for()]
  if not s then
    return ''
  end
  local top = s:top()
  local info = top and s.tasks[top]
  return info and string.format('agent: %s', info.status) or ''
end

-- parse_prompt reads an optional leading "mode:" ("ask: what is…").
local function parse_prompt(args)
  local mode, rest = args:match('^(%a+):%s+(.*)$')
  if mode and ({ code = true, ask = true, architect = true, orchestrator = true })[mode] then
    return rest, { mode = mode }
  end
  return args, {}
end

local function define_commands()
  local cmd = vim.api.nvim_create_user_command
  cmd('Agent', function(o)
    local text, opts = parse_prompt(o.args)
    if text == '' then
      vim.ui.input({ prompt = 'Agent task: ' }, function(input)
        if input then
          M.start_task(input, opts)
        end
      end)
      return
    end
    M.start_task(text, opts)
  end, { nargs = '*', desc = 'agentls: start a task ([mode:] prompt)' })
  cmd('AgentReply', function(o)
    M.reply(o.args)
  end, { nargs = '+', desc = 'agentls: answer or continue the task' })
  cmd('AgentCancel', function(o)
    M.cancel(o.args)
  end, { nargs = '?', desc = 'agentls: cancel the foreground task (or a task by id)' })
  cmd('AgentBackground', function(o)
    M.show_background(o.args ~= '' and o.args or nil)
  end, {
    nargs = '?',
    complete = function()
      return { 'float', 'quickfix' }
    end,
    desc = 'agentls: background tasks',
  })
  cmd('AgentHistory', function()
    M.history()
  end, { desc = 'agentls: task history' })
  cmd('AgentResume', function(o)
    M.resume(o.args)
  end, { nargs = '?', desc = 'agentls: resume a stored task' })
  cmd('AgentChat', function()
    M.open_chat()
  end, { desc = 'agentls: open the chat buffer' })
end

-- setup validates opts and defines the commands. Calling it again
-- replaces the options for servers started afterwards.
function M.setup(opts)
  local cfg, err = config.validate(opts)
  if not cfg then
    notify('agentls: setup: ' .. err, vim.log.levels.ERROR)
    return false
  end
  state.cfg = cfg
  define_commands()
  return true
end

-- stop ends every server this plugin started.
function M.stop()
  for root, s in pairs(state.sessions) do
    s:stop()
    state.sessions[root] = nil
  end
end

return M
