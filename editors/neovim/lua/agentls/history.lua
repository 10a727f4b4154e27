-- Stored tasks: showing one task's conversation (task/get) in a read-only
-- buffer, and picking a task from the history (task/list).
local transcript = require('agentls.transcript')

local M = {}

local function err_text(err)
  return type(err) == 'table' and tostring(err.message or vim.inspect(err)) or tostring(err)
end
M.err_text = err_text

-- label is how a task reads in lists.
function M.label(t)
  return string.format('%-9s %s  (%s, %s)', tostring(t.status), transcript.one_line(t.title, 70), tostring(t.mode), tostring(t.createdAt or ''):sub(1, 16))
end

-- show opens the stored conversation of task_id; done(buf) runs after.
function M.show(session, task_id, done)
  session:request('task/get', { taskId = task_id }, function(err, result)
    if err then
      vim.notify('agentls: task/get: ' .. err_text(err), vim.log.levels.ERROR, { title = 'agentls' })
      return
    end
    local name = 'agentls://task/' .. task_id
    local buf = vim.fn.bufnr(name)
    if buf == -1 then
      buf = vim.api.nvim_create_buf(false, true)
      vim.api.nvim_buf_set_name(buf, name)
      vim.api.nvim_buf_set_option(buf, 'buftype', 'nofile')
      vim.api.nvim_buf_set_option(buf, 'bufhidden', 'wipe')
      vim.api.nvim_buf_set_option(buf, 'swapfile', false)
      vim.api.nvim_buf_set_option(buf, 'filetype', 'markdown')
      vim.api.nvim_buf_set_var(buf, 'agentls_root', session.root)
    end
    vim.api.nvim_buf_set_var(buf, 'agentls_task', task_id)
    local lines = transcript.render(result.task, result.messages, { max_output_lines = session.cfg.max_output_lines })
    vim.api.nvim_buf_set_option(buf, 'modifiable', true)
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
    vim.api.nvim_buf_set_option(buf, 'modifiable', false)
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, buf)
    if done then
      done(buf)
    end
  end)
end

-- pick lets the user choose a task of the history; on_pick(task).
function M.pick(session, prompt, on_pick)
  session:request('task/list', vim.empty_dict(), function(err, result)
    if err then
      vim.notify('agentls: task/list: ' .. err_text(err), vim.log.levels.ERROR, { title = 'agentls' })
      return
    end
    local tasks = result and result.tasks or {}
    if #tasks == 0 then
      vim.notify('agentls: no tasks in the history yet', vim.log.levels.INFO, { title = 'agentls' })
      return
    end
    vim.ui.select(tasks, { prompt = prompt, format_item = M.label, kind = 'agentls.task' }, function(t)
      if t then
        on_pick(t)
      end
    end)
  end)
end

return M
