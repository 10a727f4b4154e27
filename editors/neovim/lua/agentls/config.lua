-- Configuration of the agentls Neovim client: defaults, validation, and the
-- mapping of user options to the server's initializationOptions.
local M = {}

M.defaults = {
  -- Command that starts the server. A string is taken as the binary's path.
  cmd = { 'agentls', '--stdio' },
  -- initializationOptions.model: {provider, name, baseURL, apiKeyEnv, script}.
  model = nil,
  -- initializationOptions.background: {maxConcurrent, timeoutSeconds}.
  background = nil,
  -- Tool groups run without asking: any of 'read', 'edit', 'command'.
  autoApprove = nil,
  -- Task history directory (the server's default when nil).
  dataDir = nil,
  -- Files or directories that mark a workspace root, searched upwards.
  root_markers = { '.git', '.hg', 'go.mod', 'package.json', 'Cargo.toml', 'pyproject.toml' },
  -- Chat window: 'right', 'below' or 'current', and its size.
  chat = { position = 'right', width = 80, height = 15 },
  -- How :AgentBackground shows tasks: 'float' or 'quickfix'.
  background_view = 'float',
  -- How long an approval may stay unanswered when vim.ui.select is
  -- asynchronous and Neovim cannot suspend the request handler (0.7-0.9).
  approval_timeout_ms = 5 * 60 * 1000,
  -- How long the server may take to answer initialize.
  init_timeout_ms = 10000,
  -- Tool output lines shown in the chat per tool call.
  max_output_lines = 8,
  -- Extra environment for the server process.
  env = nil,
}

local groups = { read = true, edit = true, command = true }

-- validate checks the user's options and returns them merged over the
-- defaults, or nil and a message naming the bad option.
function M.validate(opts)
  opts = opts or {}
  if type(opts) ~= 'table' then
    return nil, 'setup() takes a table'
  end
  local cfg = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  if type(cfg.cmd) == 'string' then
    cfg.cmd = { cfg.cmd, '--stdio' }
  end
  if type(cfg.cmd) ~= 'table' or type(cfg.cmd[1]) ~= 'string' or cfg.cmd[1] == '' then
    return nil, 'cmd: expected a path or a list of strings'
  end
  if cfg.model ~= nil and type(cfg.model) ~= 'table' then
    return nil, 'model: expected a table'
  end
  if cfg.background ~= nil then
    if type(cfg.background) ~= 'table' then
      return nil, 'background: expected a table'
    end
    for _, k in ipairs({ 'maxConcurrent', 'timeoutSeconds' }) do
      local v = cfg.background[k]
      if v ~= nil and (type(v) ~= 'number' or v < 1) then
        return nil, 'background.' .. k .. ': expected a positive number'
      end
    end
  end
  if cfg.autoApprove ~= nil then
    if type(cfg.autoApprove) ~= 'table' then
      return nil, 'autoApprove: expected a list of group names'
    end
    for _, g in ipairs(cfg.autoApprove) do
      if not groups[g] then
        return nil, 'autoApprove: unknown group ' .. vim.inspect(g) .. ' (read, edit, command)'
      end
    end
  end
  if cfg.dataDir ~= nil and type(cfg.dataDir) ~= 'string' then
    return nil, 'dataDir: expected a string'
  end
  if cfg.background_view ~= 'float' and cfg.background_view ~= 'quickfix' then
    return nil, "background_view: expected 'float' or 'quickfix'"
  end
  local pos = cfg.chat.position
  if pos ~= 'right' and pos ~= 'below' and pos ~= 'current' then
    return nil, "chat.position: expected 'right', 'below' or 'current'"
  end
  return cfg
end

-- init_options builds initializationOptions, leaving out what the user did
-- not set so that the server's own defaults (flags, environment) apply.
function M.init_options(cfg)
  local o = vim.empty_dict()
  if cfg.model then
    o.model = cfg.model
  end
  if cfg.background then
    o.background = cfg.background
  end
  if cfg.autoApprove then
    -- An empty list means "approve nothing"; it must go out as [].
    o.autoApprove = #cfg.autoApprove > 0 and cfg.autoApprove or {}
  end
  if cfg.dataDir then
    o.dataDir = cfg.dataDir
  end
  return o
end

return M
