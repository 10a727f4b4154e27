-- One agentls client per workspace root: starts the server, keeps the
-- state that the server streams (tasks, foreground stack, progress) and
-- sends requests once the server is initialized.
local compat = require('agentls.compat')
local config = require('agentls.config')
local Chat = require('agentls.chat')
local approval = require('agentls.approval')
local progress = require('agentls.progress')

local Session = {}
Session.__index = Session

local levels = {
  [1] = vim.log.levels.ERROR,
  [2] = vim.log.levels.WARN,
  [3] = vim.log.levels.INFO,
  [4] = vim.log.levels.DEBUG,
}

-- Bounds the requests queued before the server is ready.
local max_pending = 100

-- new makes a session; chat is the chat of an earlier session of the same
-- root, kept so that a restarted server continues the same buffer.
function Session.new(root, cfg, chat)
  local self = setmetatable({
    root = root,
    cfg = cfg,
    client_id = nil,
    ready = false,
    dead = false,
    pending = {},
    tasks = {}, -- taskId -> TaskInfo, from task/state
    stack = {},
    last_root = nil, -- the newest foreground task without a parent
    progress = {}, -- token -> {title, message, done, taskId}
    background_ids = {}, -- taskId -> TaskInfo, from background/list
    outcomes = {}, -- taskId -> {type, message}, from window/showMessage
    listeners = {},
  }, Session)
  self.chat = chat or Chat.new({ name = 'agentls://chat/' .. root, root = root, cfg = cfg })
  self.chat.cfg = cfg
  return self
end

function Session:handlers()
  return {
    ['task/message'] = function(_, params)
      self:on_message(params)
    end,
    ['task/state'] = function(_, params)
      self:on_state(params)
    end,
    ['window/showMessage'] = function(_, params)
      self:on_show_message(params)
    end,
    ['window/showMessageRequest'] = approval.handler(function()
      return self.cfg.approval_timeout_ms
    end),
    ['$/progress'] = progress.handler(self),
  }
end

-- start spawns the server; bufnr is the buffer that vim.lsp.start attaches.
function Session:start(bufnr)
  local cmd = self.cfg.cmd
  if vim.fn.executable(cmd[1]) ~= 1 then
    return nil, string.format('agentls: cannot run %q: not found or not executable (set cmd in require("agentls").setup())', cmd[1])
  end
  local id = compat.start({
    name = 'agentls',
    cmd = cmd,
    cmd_cwd = self.root,
    cmd_env = self.cfg.env,
    root_dir = self.root,
    workspace_folders = { { uri = vim.uri_from_fname(self.root), name = self.root } },
    init_options = config.init_options(self.cfg),
    handlers = self:handlers(),
    on_init = function(client)
      -- Neovim 0.7 registers the client as active only after on_init.
      self.client_obj = client
      self.ready = true
      local queued = self.pending
      self.pending = {}
      for _, q in ipairs(queued) do
        self:request(q[1], q[2], q[3])
      end
    end,
    on_error = function(code, err)
      local detail = type(err) == 'table' and (err.message or vim.inspect(err)) or tostring(err)
      vim.notify('agentls: ' .. compat.client_error(code) .. ': ' .. detail, vim.log.levels.ERROR, { title = 'agentls' })
    end,
    on_exit = function(code)
      -- Neovim 0.7 calls on_exit in a fast event, where most of the API
      -- (and vim.notify) may not run.
      vim.schedule(function()
        self:on_exit(code)
      end)
    end,
  }, bufnr)
  if not id then
    return nil, 'agentls: the LSP client did not start'
  end
  self.client_id = id
  -- Neovim before 0.8 raises an initialize error as a plain Lua error and
  -- leaves the client half started; a deadline turns that into a clear
  -- notification and fails the queued requests.
  vim.defer_fn(function()
    if not self.ready and not self.dead then
      -- 0.7 leaves the server's error message in v:errmsg.
      local why = vim.v.errmsg:match('RPC%[Error%].-message = "(.*)"')
      vim.notify('agentls did not finish initializing: ' .. (why or 'see :messages or :LspLog'), vim.log.levels.ERROR, { title = 'agentls' })
      self:stop(true)
      self:on_exit(-1)
    end
  end, self.cfg.init_timeout_ms)
  return id
end

function Session:client()
  return self.client_obj or (self.client_id and vim.lsp.get_client_by_id(self.client_id))
end

-- alive reports whether the server can still take requests.
function Session:alive()
  if self.dead then
    return false
  end
  local c = self:client()
  return c ~= nil and not compat.is_stopped(c)
end

-- request sends method once the server is initialized; cb(err, result)
-- runs on the main loop. err is a table {code, message} or nil.
function Session:request(method, params, cb)
  cb = cb or function() end
  if self.dead then
    return cb({ code = -32099, message = 'agentls is not running' })
  end
  if not self.ready then
    if #self.pending >= max_pending then
      return cb({ code = -32099, message = 'agentls is still starting; too many queued requests' })
    end
    self.pending[#self.pending + 1] = { method, params, cb }
    return
  end
  local c = self:client()
  if not c then
    return cb({ code = -32099, message = 'agentls is not running' })
  end
  local ok = compat.request(c, method, params or vim.empty_dict(), function(err, result)
    cb(err, compat.nonil(result))
  end)
  if not ok then
    cb({ code = -32099, message = 'agentls: request ' .. method .. ' could not be sent' })
  end
end

function Session:on_exit(code)
  if self.dead then
    return
  end
  self.dead = true
  self.ready = false
  local queued = self.pending
  self.pending = {}
  for _, q in ipairs(queued) do
    q[3]({ code = -32099, message = 'agentls exited' })
  end
  if code ~= 0 and code ~= -1 then
    vim.schedule(function()
      vim.notify(string.format('agentls exited with code %d (see :LspLog)', code), vim.log.levels.ERROR, { title = 'agentls' })
    end)
  end
  self:changed('exit')
end

function Session:on_message(params)
  if type(params) ~= 'table' or type(params.message) ~= 'table' or type(params.taskId) ~= 'string' then
    return
  end
  self.chat:message(params.taskId, params.message, self.tasks[params.taskId])
  self:changed('message', params)
end

function Session:on_state(params)
  if type(params) ~= 'table' or type(params.task) ~= 'table' then
    return
  end
  local info = params.task
  self.tasks[info.taskId] = info
  self.stack = type(params.stack) == 'table' and params.stack or {}
  if not info.background and not info.parentId then
    self.last_root = info.taskId
  end
  self.chat:state(self.stack, self.tasks, info)
  self:changed('state', info)
end

function Session:on_show_message(params)
  if type(params) ~= 'table' then
    return
  end
  vim.notify(tostring(params.message or ''), levels[params.type] or vim.log.levels.INFO, { title = 'agentls' })
  local id = self:outcome_task(params)
  if id then
    self.outcomes[id] = { type = params.type, message = params.message }
  end
  self:changed('notification', params)
end

-- outcome_task finds the background task a window/showMessage outcome is
-- about: by the server's taskId extension when present, else by the quoted
-- title in the message among the tasks background/list reported (ambiguous
-- when two tasks share a title; the longest matching title wins).
function Session:outcome_task(params)
  if type(params.taskId) == 'string' and params.taskId ~= '' then
    return params.taskId
  end
  local msg = params.message
  if type(msg) ~= 'string' or not msg:find('^Background task "') then
    return nil
  end
  local best, best_len
  for id, info in pairs(self.background_ids) do
    local title = type(info) == 'table' and type(info.title) == 'string' and info.title or nil
    if title and msg:find('"' .. title .. '"', 1, true) and (not best_len or #title > best_len) then
      best, best_len = id, #title
    end
  end
  return best
end

-- changed tells listeners (the background view, User autocommands) that
-- some state changed.
function Session:changed(what, data)
  for _, fn in pairs(self.listeners) do
    pcall(fn, what, data)
  end
  if what == 'state' then
    vim.cmd('silent doautocmd <nomodeline> User AgentlsState')
  end
end

-- top returns the task at the top of the foreground stack.
function Session:top()
  return self.stack[#self.stack]
end

-- stop ends the server.
function Session:stop(force)
  local c = self:client()
  if c then
    compat.stop(c, force)
  end
end

return Session
