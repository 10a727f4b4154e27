-- A small test harness for headless Neovim: tests run one after another on
-- the main loop and wait for the real server with vim.wait.
local H = { tests = {}, notes = {}, prompts = {}, answers = {}, echoes = {} }

local counter = 0

function H.test(name, fn)
  H.tests[#H.tests + 1] = { name = name, fn = fn }
end

-- wait_for waits until cond() is true; the error names what was awaited.
function H.wait_for(what, cond, timeout_ms)
  local ok = vim.wait(timeout_ms or 15000, function()
    local good, v = pcall(cond)
    return good and v
  end, 10)
  if not ok then
    error('timed out waiting for ' .. what, 2)
  end
end

function H.eq(want, got, what)
  if not vim.deep_equal(want, got) then
    error(string.format('%s: want %s, got %s', what or 'value', vim.inspect(want), vim.inspect(got)), 2)
  end
end

function H.truthy(v, what)
  if not v then
    error((what or 'condition') .. ' is false', 2)
  end
  return v
end

-- count returns how many lines equal line (plain match when pattern).
function H.count(lines, needle, plain_find)
  local n = 0
  for _, l in ipairs(lines) do
    if (plain_find and l:find(needle, 1, true)) or (not plain_find and l == needle) then
      n = n + 1
    end
  end
  return n
end

function H.has_line(lines, needle, what)
  if H.count(lines, needle, true) == 0 then
    error(string.format('%s: no line contains %q in:\n%s', what or 'buffer', needle, table.concat(lines, '\n')), 2)
  end
end

local function write(path, text)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ':h'), 'p')
  local f = assert(io.open(path, 'w'))
  f:write(text)
  f:close()
end
H.write = write

function H.read(path)
  local f = io.open(path, 'r')
  if not f then
    return nil
  end
  local s = f:read('*a')
  f:close()
  return s
end

-- workspace makes a fresh workspace with script (a Lua table encoded as
-- the script provider's JSON) and files, cds into it and sets the plugin
-- up against it. opts are merged into the setup options.
function H.workspace(script, files, opts)
  counter = counter + 1
  local root = string.format('%s/ws%d', vim.env.AGENTLS_TEST_TMP, counter)
  vim.fn.mkdir(root .. '/.git', 'p')
  write(root .. '/script.json', vim.json.encode(script))
  for name, text in pairs(files or {}) do
    write(root .. '/' .. name, text)
  end
  vim.cmd('cd ' .. vim.fn.fnameescape(root))
  local setup = vim.tbl_deep_extend('force', {
    cmd = { vim.env.AGENTLS_BIN, '--stdio' },
    model = { provider = 'script', script = 'script.json' },
    dataDir = string.format('%s/taskdata%d', vim.env.AGENTLS_TEST_TMP, counter),
    autoApprove = { 'read' },
  }, opts or {})
  assert(require('agentls').setup(setup), 'setup failed')
  return root
end

-- session returns the plugin's session of the current workspace.
function H.session()
  return require('agentls').sessions()[require('agentls').root_for()]
end

-- task_status returns the status of the newest foreground root task.
function H.root_status()
  local s = H.session()
  local info = s and s.last_root and s.tasks[s.last_root]
  return info and info.status
end

function H.wait_root(status, timeout_ms)
  H.wait_for('the task to be ' .. status, function()
    return H.root_status() == status
  end, timeout_ms)
end

function H.chat_lines()
  local s = H.session()
  return s and s.chat:lines() or {}
end

-- answer queues the choice the next vim.ui.select call makes.
function H.answer(choice)
  H.answers[#H.answers + 1] = choice
end

function H.notes_at(level, needle)
  local found = {}
  for _, n in ipairs(H.notes) do
    if n.level == level and (not needle or n.msg:find(needle, 1, true)) then
      found[#found + 1] = n
    end
  end
  return found
end

-- install replaces the UI entry points that would block headless: the
-- stock vim.ui.select (inputlist) and vim.notify.
local function install()
  local echo = vim.api.nvim_echo
  vim.api.nvim_echo = function(chunks, history, opts)
    local text = {}
    for _, c in ipairs(chunks) do
      text[#text + 1] = c[1]
    end
    H.echoes[#H.echoes + 1] = table.concat(text)
    if vim.env.AGENTLS_TEST_ECHO then
      echo(chunks, history, opts)
    end
  end
  vim.notify = function(msg, level)
    H.notes[#H.notes + 1] = { msg = tostring(msg), level = level }
  end
  vim.ui.select = function(items, opts, on_choice)
    H.prompts[#H.prompts + 1] = opts and opts.prompt or ''
    local choice = table.remove(H.answers, 1)
    if type(choice) == 'function' then
      choice = choice(items)
    end
    on_choice(choice)
  end
end

-- reset stops every server and clears the UI between tests.
local function reset()
  require('agentls').stop()
  H.wait_for('the servers to exit', function()
    return #(vim.lsp.get_clients or vim.lsp.get_active_clients)() == 0
  end, 5000)
  vim.cmd('silent! only!')
  vim.cmd('silent! %bwipeout!')
  H.notes, H.prompts, H.answers, H.echoes = {}, {}, {}, {}
end

function H.run(out, filter)
  install()
  local passed, failed = 0, 0
  for _, t in ipairs(H.tests) do
    if not filter or filter == '' or t.name:find(filter, 1, true) then
      local ok, err = xpcall(t.fn, debug.traceback)
      local rok, rerr = pcall(reset)
      if ok and not rok then
        ok, err = false, 'cleanup: ' .. tostring(rerr)
      end
      if ok then
        passed = passed + 1
        out('ok    ' .. t.name)
      else
        failed = failed + 1
        out('FAIL  ' .. t.name .. '\n' .. tostring(err))
      end
    end
  end
  out(string.format('%d passed, %d failed', passed, failed))
  return failed
end

return H
