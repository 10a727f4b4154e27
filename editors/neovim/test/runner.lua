-- Loads the plugin and the test files, runs every test and quits with a
-- non-zero code when one fails. Run through run.sh.
local function out(s)
  io.stdout:write(s .. '\n')
  io.stdout:flush()
end

local ok, err = xpcall(function()
  vim.opt.runtimepath:prepend(vim.env.AGENTLS_PLUGIN_DIR)
  vim.o.columns, vim.o.lines = 200, 50
  -- Anything stuck beyond this ends the run as a failure.
  vim.defer_fn(function()
    out('runner: watchdog fired; a test hung')
    vim.cmd('cquit 3')
  end, tonumber(vim.env.AGENTLS_TEST_WATCHDOG_MS or 240000))

  local h = dofile(vim.env.AGENTLS_TEST_DIR .. '/harness.lua')
  local files = vim.fn.glob(vim.env.AGENTLS_TEST_DIR .. '/*_test.lua', false, true)
  table.sort(files)
  for _, f in ipairs(files) do
    dofile(f)(h)
  end
  local failed = h.run(out, vim.env.AGENTLS_TEST_FILTER)
  vim.cmd(failed == 0 and 'qall!' or 'cquit 1')
end, debug.traceback)

if not ok then
  out('runner error: ' .. tostring(err))
  vim.cmd('cquit 2')
end
