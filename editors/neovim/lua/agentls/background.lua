-- The background tasks of a session (background/list): a floating window
-- with status and latest progress, or the quickfix list; cancel from there.
local transcript = require('agentls.transcript')
local history = require('agentls.history')

local M = {}

local help = 'Background tasks — c: cancel  r: refresh  <CR>: show  q: close'

-- line renders one task.
function M.line(t, progress)
  local extra = ''
  if t.status == 'running' and progress and progress.message then
    extra = ' — ' .. transcript.one_line(progress.message, 50)
  elseif t.result then
    extra = ' — ' .. transcript.one_line(t.result, 60)
  elseif t.error then
    extra = ' — ' .. transcript.one_line(t.error, 60)
  end
  return string.format('%-9s %s%s  (id: %s)', t.status, transcript.one_line(t.title, 60), extra, t.taskId)
end

-- id_of finds the task id in a line rendered by M.line.
function M.id_of(text)
  return text and text:match('%(id: ([%w%-]+)%)')
end

-- progress_for finds the latest progress of a task: by its token,
-- agentls/background/<taskId>, else (a server whose tokens do not name the
-- task) by the title, which is ambiguous when two tasks share one.
local function progress_for(session, t)
  local p = session.progress['agentls/background/' .. tostring(t.taskId)]
  if p then
    return not p.done and p or nil
  end
  for _, q in pairs(session.progress) do
    if not q.taskId and q.title == t.title and not q.done then
      return q
    end
  end
end

-- list fetches the background tasks; cb(tasks) or an error notification.
function M.list(session, cb)
  session:request('background/list', vim.empty_dict(), function(err, result)
    if err then
      vim.notify('agentls: background/list: ' .. history.err_text(err), vim.log.levels.ERROR, { title = 'agentls' })
      return
    end
    local tasks = result and result.tasks or {}
    for _, t in ipairs(tasks) do
      session.background_ids[t.taskId] = t
    end
    cb(tasks)
  end)
end

-- render writes the tasks into the view's buffer.
local function render(session, tasks)
  local view = session.bg_view
  if not (view and vim.api.nvim_buf_is_valid(view.buf)) then
    return
  end
  local lines = { help }
  for _, t in ipairs(tasks) do
    lines[#lines + 1] = M.line(t, progress_for(session, t))
  end
  if #tasks == 0 then
    lines[#lines + 1] = '(no background tasks in this session)'
  end
  vim.api.nvim_buf_set_option(view.buf, 'modifiable', true)
  vim.api.nvim_buf_set_lines(view.buf, 0, -1, false, lines)
  vim.api.nvim_buf_set_option(view.buf, 'modifiable', false)
  if view.win and vim.api.nvim_win_is_valid(view.win) then
    local width = 20
    for _, l in ipairs(lines) do
      width = math.max(width, vim.fn.strdisplaywidth(l))
    end
    vim.api.nvim_win_set_config(view.win, {
      relative = 'editor',
      width = math.min(width + 1, vim.o.columns - 4),
      height = math.min(#lines, math.max(vim.o.lines - 6, 3)),
      row = 2,
      col = 2,
    })
  end
  view.tasks = tasks
end

-- Cancellation may take a moment to reach a task: after a cancel the view
-- is refreshed until the task has left queued/running, a bounded number
-- of times.
local settle_tries, settle_ms = 20, 150

local function settle(session, id, tries)
  M.list(session, function(tasks)
    render(session, tasks)
    for _, t in ipairs(tasks) do
      if t.taskId == id and (t.status == 'running' or t.status == 'queued') and tries > 1 then
        vim.defer_fn(function()
          settle(session, id, tries - 1)
        end, settle_ms)
      end
    end
  end)
end

-- cancel cancels one background task and refreshes the view.
function M.cancel(session, id)
  if not id then
    return
  end
  session:request('background/cancel', { taskId = id }, function(err)
    if err then
      vim.notify('agentls: background/cancel: ' .. history.err_text(err), vim.log.levels.ERROR, { title = 'agentls' })
    end
    settle(session, id, settle_tries)
  end)
end

-- refresh reloads the open view, if any.
function M.refresh(session)
  if session.bg_view then
    M.list(session, function(tasks)
      render(session, tasks)
    end)
  end
end

local function close(session)
  local view = session.bg_view
  session.bg_view = nil
  session.listeners.background = nil
  if view and view.win and vim.api.nvim_win_is_valid(view.win) then
    vim.api.nvim_win_close(view.win, true)
  end
end

-- open shows the floating view and keeps it fresh while it is open.
function M.open(session)
  if session.bg_view and vim.api.nvim_win_is_valid(session.bg_view.win) then
    vim.api.nvim_set_current_win(session.bg_view.win)
    return M.refresh(session)
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_option(buf, 'bufhidden', 'wipe')
  vim.api.nvim_buf_set_option(buf, 'filetype', 'agentls-background')
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { help, 'loading…' })
  vim.api.nvim_buf_set_option(buf, 'modifiable', false)
  vim.api.nvim_buf_set_var(buf, 'agentls_root', session.root)
  local win = vim.api.nvim_open_win(buf, true, {
    relative = 'editor',
    width = #help + 1,
    height = 2,
    row = 2,
    col = 2,
    style = 'minimal',
    border = 'rounded',
  })
  session.bg_view = { buf = buf, win = win, tasks = {} }

  local function current_id()
    return M.id_of(vim.api.nvim_get_current_line())
  end
  local maps = {
    c = function()
      M.cancel(session, current_id())
    end,
    r = function()
      M.refresh(session)
    end,
    ['<CR>'] = function()
      local id = current_id()
      if id then
        close(session)
        history.show(session, id)
      end
    end,
    q = function()
      close(session)
    end,
    ['<Esc>'] = function()
      close(session)
    end,
  }
  for lhs, fn in pairs(maps) do
    vim.api.nvim_buf_set_keymap(buf, 'n', lhs, '', { callback = fn, noremap = true, silent = true, nowait = true })
  end
  vim.api.nvim_create_autocmd('BufWipeout', {
    buffer = buf,
    once = true,
    callback = function()
      if session.bg_view and session.bg_view.buf == buf then
        session.bg_view = nil
        session.listeners.background = nil
      end
    end,
  })
  session.listeners.background = function(what)
    if what == 'notification' or what == 'progress' then
      M.refresh(session)
    end
  end
  M.refresh(session)
end

-- quickfix fills the quickfix list with the background tasks.
function M.quickfix(session)
  M.list(session, function(tasks)
    local items = {}
    for _, t in ipairs(tasks) do
      items[#items + 1] = { text = M.line(t, progress_for(session, t)) }
    end
    vim.fn.setqflist({}, ' ', { title = 'agentls background tasks (:AgentCancel on a line cancels it)', items = items })
    vim.cmd('botright copen')
  end)
end

return M
