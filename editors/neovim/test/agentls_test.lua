-- End-to-end tests of the Neovim client against the real agentls binary,
-- driven by the script model provider.
return function(h)
  local levels = vim.log.levels
  local function call(name, args)
    return { name = name, arguments = args or vim.empty_dict() }
  end
  local function complete(result)
    return call('attempt_completion', { result = result })
  end

  h.test('a task fills the chat buffer and the window bar', function()
    h.workspace({
      conversations = {
        {
          match = '^List the files',
          turns = {
            { text = 'Let me look around the workspace.', toolCalls = { call('list_files', { path = '.' }) } },
            { text = 'All done here.', toolCalls = { complete('The workspace has a README.') } },
          },
        },
      },
    }, { ['README.md'] = '# hi\n' })
    vim.cmd('Agent List the files here')
    h.wait_root('completed')
    local lines = h.chat_lines()
    h.has_line(lines, '## List the files here (code)')
    h.has_line(lines, '**You:** List the files here')
    -- Streamed chunks replace each other: the text shows once, whole.
    h.eq(1, h.count(lines, 'Let me look around the workspace.'), 'streamed text lines')
    h.eq(0, h.count(lines, 'Let me', true) - 1, 'partial chunks left behind')
    h.has_line(lines, '- `list_files` . — ✓')
    h.has_line(lines, 'README.md')
    h.has_line(lines, '**Completed:** The workspace has a README.')
    local s = h.session()
    h.eq('markdown', vim.api.nvim_buf_get_option(s.chat.buf, 'filetype'), 'chat filetype')
    local win = s.chat:windows()[1]
    h.truthy(win, 'a window shows the chat')
    local bar = require('agentls.compat').get_bar(win)
    h.truthy(bar:find('[completed]', 1, true), 'bar shows the final state: ' .. bar)
    h.eq({}, s.stack, 'stack after completion')
  end)

  local write_script = {
    conversations = {
      {
        match = '^Write the note',
        turns = {
          { toolCalls = { call('write_to_file', { path = 'NOTES.md', content = 'hello\n' }) } },
          { toolCalls = { complete('finished') } },
        },
      },
    },
  }

  h.test('an approved write runs', function()
    local root = h.workspace(write_script)
    h.answer('Approve')
    vim.cmd('Agent Write the note')
    h.wait_root('completed')
    h.eq('hello\n', h.read(root .. '/NOTES.md'), 'NOTES.md')
    h.eq(1, #h.prompts, 'approval prompts')
    h.truthy(h.prompts[1]:find('NOTES.md', 1, true), 'prompt names the file: ' .. h.prompts[1])
    h.has_line(h.chat_lines(), '- `write_to_file` NOTES.md — ✓')
  end)

  h.test('a denied write does not run', function()
    local root = h.workspace(write_script)
    h.answer('Deny')
    vim.cmd('Agent Write the note')
    h.wait_root('completed')
    h.eq(nil, h.read(root .. '/NOTES.md'), 'NOTES.md')
    h.eq(1, #h.prompts, 'approval prompts')
    h.has_line(h.chat_lines(), '- `write_to_file` NOTES.md — ✗ denied')
  end)

  h.test('a dismissed approval denies', function()
    local root = h.workspace(write_script)
    h.answer(nil)
    vim.cmd('Agent Write the note')
    h.wait_root('completed')
    h.eq(nil, h.read(root .. '/NOTES.md'), 'NOTES.md')
    h.has_line(h.chat_lines(), '— ✗ denied')
  end)

  h.test('a background completion is notified and delivered to the parent', function()
    h.workspace({
      conversations = {
        {
          match = '^Delegate',
          turns = {
            { toolCalls = { call('new_task', { mode = 'ask', message = 'Summarise README.md', background = true }) } },
            { toolCalls = { call('ask_followup_question', { question = 'Shall I go on?', suggestions = { 'yes', 'no' } }) } },
            { toolCalls = { complete('delegated') } },
          },
        },
        {
          match = '^Summarise README',
          turns = {
            { toolCalls = { call('read_file', { path = 'README.md' }) } },
            { toolCalls = { complete('A tiny greeter.') } },
          },
        },
      },
    }, { ['README.md'] = '# greeter\n' })
    vim.cmd('Agent Delegate the summary')
    h.wait_root('waiting')
    h.wait_for('the completion notification', function()
      return #h.notes_at(levels.INFO, 'Summarise README.md') > 0
    end)
    local note = h.notes_at(levels.INFO, 'Summarise README.md')[1]
    h.truthy(note.msg:find('A tiny greeter.', 1, true), 'notification starts the result: ' .. note.msg)
    local lines = h.chat_lines()
    h.has_line(lines, '**Question:** Shall I go on?')
    h.has_line(lines, '  1. yes')
    h.has_line(lines, '- `new_task` background ask: Summarise README.md — ✓')
    -- Progress of the background task reached the client and ended.
    local s = h.session()
    local ended = false
    for _, p in pairs(s.progress) do
      ended = ended or (p.title == 'Summarise README.md' and p.done)
    end
    h.truthy(ended, 'progress ended for the background task')
    if vim.fn.exists('##LspProgress') == 0 then
      h.has_line(h.echoes, 'agentls: Summarise README.md — read_file README.md', 'progress echoes')
    end
    -- The outcome reaches the parent's stream before its next model turn.
    vim.cmd('AgentReply yes')
    h.wait_root('completed')
    h.has_line(h.chat_lines(), '**Background task** "Summarise README.md" completed: A tiny greeter.')
  end)

  h.test('a background timeout is a warning', function()
    h.workspace({
      conversations = {
        {
          match = '^Wait',
          turns = {
            { toolCalls = { call('new_task', { mode = 'ask', message = 'Never finishes', background = true }) } },
            { toolCalls = { call('wait_for_background') } },
            { toolCalls = { complete('waited') } },
          },
        },
        { match = '^Never finishes', turns = { { delayMs = 60000, toolCalls = { complete('too late') } } } },
      },
    }, {}, { background = { timeoutSeconds = 1 } })
    vim.cmd('Agent Wait for the slow one')
    h.wait_root('completed')
    h.wait_for('the timeout warning', function()
      return #h.notes_at(levels.WARN, 'Never finishes') > 0
    end)
  end)

  h.test('outcomes of two background tasks with the same title go to the right task', function()
    -- Both messages start with the same line, so both tasks have the title
    -- "Scan the tree"; the second line picks each one's conversation.
    h.workspace({
      conversations = {
        {
          match = '^Delegate twice',
          turns = {
            {
              toolCalls = {
                call('new_task', { mode = 'ask', message = 'Scan the tree\nalpha', background = true }),
                call('new_task', { mode = 'ask', message = 'Scan the tree\nbeta', background = true }),
              },
            },
            { toolCalls = { call('ask_followup_question', { question = 'Both started?' }) } },
          },
        },
        { match = '^Scan the tree\nalpha', turns = { { delayMs = 400, toolCalls = { complete('alpha result') } } } },
        { match = '^Scan the tree\nbeta', turns = { { toolCalls = { call('list_files', { path = '.' }) } }, { toolCalls = { complete('beta result') } } } },
      },
    }, { ['README.md'] = '# hi\n' })
    vim.cmd('Agent Delegate twice')
    h.wait_root('waiting')
    local s = h.session()
    local ids
    require('agentls.background').list(s, function(tasks)
      ids = {}
      for _, t in ipairs(tasks) do
        if t.title == 'Scan the tree' then
          ids[#ids + 1] = t.taskId
        end
      end
    end)
    h.wait_for('background/list', function()
      return ids ~= nil
    end)
    h.eq(2, #ids, 'background tasks titled "Scan the tree"')
    h.wait_for('both outcomes', function()
      return s.outcomes[ids[1]] ~= nil and s.outcomes[ids[2]] ~= nil
    end)
    local finished
    require('agentls.background').list(s, function(tasks)
      finished = {}
      for _, t in ipairs(tasks) do
        finished[t.taskId] = t
      end
    end)
    h.wait_for('background/list', function()
      return finished ~= nil
    end)
    for _, id in ipairs(ids) do
      h.eq('completed', finished[id].status, 'status of ' .. id)
      local which = s.outcomes[id].message:match('completed: (%a+) result')
      h.truthy(which, 'outcome names a result: ' .. s.outcomes[id].message)
      h.eq(which .. ' result', finished[id].result, 'the outcome attributed to ' .. id)
      local p = s.progress['agentls/background/' .. id]
      h.truthy(p and p.done, 'progress of ' .. id .. ' ended')
      h.eq(id, p.taskId, 'progress token names the task')
    end
    h.truthy(s.outcomes[ids[1]].message ~= s.outcomes[ids[2]].message, 'two different outcomes')
    vim.cmd('AgentCancel')
    h.wait_root('cancelled')
  end)

  h.test('background tasks are listed and cancelled from the float', function()
    h.workspace({
      conversations = {
        {
          match = '^Start slow',
          turns = {
            { toolCalls = { call('new_task', { mode = 'ask', message = 'Slow scan', background = true }) } },
            { toolCalls = { call('ask_followup_question', { question = 'Keep going?' }) } },
          },
        },
        { match = '^Slow scan', turns = { { delayMs = 120000, toolCalls = { complete('scanned') } } } },
      },
    })
    vim.cmd('Agent Start slow work')
    h.wait_root('waiting')
    vim.cmd('AgentBackground')
    local s = h.session()
    local function float_lines()
      return vim.api.nvim_buf_get_lines(s.bg_view.buf, 0, -1, false)
    end
    h.wait_for('the float to list the running task', function()
      return h.count(float_lines(), 'running   Slow scan', true) == 1
    end)
    h.eq(s.bg_view.win, vim.api.nvim_get_current_win(), 'the float has the focus')
    local row
    for i, l in ipairs(float_lines()) do
      if l:find('Slow scan', 1, true) then
        row = i
      end
    end
    vim.api.nvim_win_set_cursor(s.bg_view.win, { row, 0 })
    vim.api.nvim_feedkeys('c', 'x', false)
    h.wait_for('the float to show the task cancelled', function()
      return h.count(float_lines(), 'cancelled Slow scan', true) == 1
    end)
    -- The quickfix view lists it too.
    vim.api.nvim_feedkeys('q', 'x', false)
    h.eq(nil, s.bg_view, 'the float closed')
    vim.cmd('AgentBackground quickfix')
    h.wait_for('the quickfix list', function()
      local items = vim.fn.getqflist()
      return #items == 1 and items[1].text:find('cancelled Slow scan', 1, true) ~= nil
    end)
    vim.cmd('cclose')
    vim.cmd('AgentCancel')
    h.wait_root('cancelled')
  end)

  h.test('a question is answered and a running task cancelled', function()
    h.workspace({
      conversations = {
        {
          match = '^Ask me',
          turns = {
            { toolCalls = { call('ask_followup_question', { question = 'Which colour?', suggestions = { 'red', 'blue' } }) } },
            { toolCalls = { complete('blue it is') } },
          },
        },
        { match = '^Take forever', turns = { { delayMs = 120000, toolCalls = { complete('never') } } } },
      },
    })
    vim.cmd('Agent Ask me something')
    h.wait_root('waiting')
    h.has_line(h.chat_lines(), '  2. blue')
    vim.cmd('AgentReply blue')
    h.wait_root('completed')
    h.has_line(h.chat_lines(), '**You:** blue')
    h.has_line(h.chat_lines(), '**Completed:** blue it is')

    vim.cmd('Agent Take forever')
    h.wait_root('running')
    vim.cmd('AgentCancel')
    h.wait_root('cancelled')
    h.eq({}, h.session().stack, 'stack after cancel')
  end)

  h.test('history shows a stored task and resume continues it', function()
    h.workspace({
      conversations = {
        {
          match = '^Resumable',
          turns = {
            { toolCalls = { call('ask_followup_question', { question = 'Continue later?' }) } },
            { toolCalls = { complete('resumed fine') } },
          },
        },
      },
    })
    vim.cmd('Agent Resumable job')
    h.wait_root('waiting')
    vim.cmd('AgentCancel')
    h.wait_root('cancelled')
    local id = h.session().last_root
    h.answer(function(items)
      return items[1]
    end)
    vim.cmd('AgentHistory')
    local name = 'agentls://task/' .. id
    h.wait_for('the history buffer', function()
      return vim.fn.bufnr(name) ~= -1
    end)
    local buf = vim.fn.bufnr(name)
    local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    h.has_line(lines, '**Question:** Continue later?', 'history buffer')
    h.has_line(lines, '_Status: cancelled', 'history buffer')
    h.eq(buf, vim.api.nvim_get_current_buf(), 'the history buffer is current')
    vim.cmd('AgentResume')
    h.wait_root('completed')
    h.has_line(h.chat_lines(), '**Completed:** resumed fine')
  end)

  h.test('a server that exits is restarted into the same chat', function()
    h.workspace({
      conversations = {
        { match = '^First', turns = { { toolCalls = { complete('one') } } } },
        { match = '^Second', turns = { { toolCalls = { complete('two') } } } },
      },
    })
    vim.cmd('Agent First task')
    h.wait_root('completed')
    local first = h.session()
    local chat_buf = first.chat.buf
    first:stop()
    h.wait_for('the server to exit', function()
      return first.dead
    end)
    vim.cmd('Agent Second task')
    h.wait_root('completed')
    h.truthy(h.session() ~= first, 'a new session')
    h.eq(chat_buf, h.session().chat.buf, 'chat buffer')
    local lines = h.chat_lines()
    h.has_line(lines, '**Completed:** one')
    h.has_line(lines, '_agentls restarted_')
    h.has_line(lines, '**Completed:** two')
  end)

  h.test('a missing binary is a clear error', function()
    h.workspace({ conversations = {} }, {}, { cmd = { '/nonexistent/agentls' } })
    vim.cmd('Agent anything')
    h.eq(1, #h.notes_at(levels.ERROR, '/nonexistent/agentls'), 'error notifications')
  end)

  h.test('bad options are refused by setup', function()
    h.eq(false, require('agentls').setup({ autoApprove = { 'everything' } }), 'setup result')
    h.eq(1, #h.notes_at(levels.ERROR, 'autoApprove'), 'error notifications')
  end)

  h.test('a server that refuses initialize is reported', function()
    h.workspace({ conversations = {} }, {}, { model = { provider = 'script', script = 'missing.json' }, init_timeout_ms = 1000 })
    vim.cmd('Agent anything')
    -- Neovim 0.8+ reports the server's error through on_error; 0.7 raises
    -- it as a Lua error and the plugin's deadline reports it.
    h.wait_for('an initialize error', function()
      return #h.notes_at(levels.ERROR, 'missing.json') > 0
    end)
    h.wait_for('the task/start request to fail', function()
      return #h.notes_at(levels.ERROR, 'task/start') > 0
    end)
  end)

  h.test('approvals wait for an asynchronous vim.ui.select', function()
    local handler = require('agentls.approval').handler(function()
      return 5000
    end)
    local params = { type = 3, message = 'write?', actions = { { title = 'Approve' }, { title = 'Deny' } } }
    local select = vim.ui.select
    vim.ui.select = function(_, _, on_choice)
      vim.defer_fn(function()
        on_choice('Deny')
      end, 10)
    end
    local ok, err = pcall(function()
      -- Outside a coroutine (Neovim 0.7-0.9): the handler waits with vim.wait.
      h.eq({ title = 'Deny' }, handler(nil, params), 'answer outside a coroutine')
      -- Inside one (0.10+ runs request handlers in a coroutine): it yields.
      local answer
      coroutine.wrap(function()
        answer = handler(nil, params)
      end)()
      h.eq(nil, answer, 'answer before the choice')
      h.wait_for('the coroutine to resume', function()
        return answer ~= nil
      end)
      h.eq({ title = 'Deny' }, answer, 'answer inside a coroutine')
    end)
    vim.ui.select = select
    assert(ok, err)
  end)

  h.test('transcript renders every message kind', function()
    local t = require('agentls.transcript')
    h.eq({ '**You:** a', 'b', '' }, t.lines({ kind = 'user', text = 'a\nb' }), 'user')
    local tool = t.lines({ kind = 'tool', name = 'execute_command', input = { command = 'ls' }, status = 'error', output = '1\n2\n3' }, { max_output_lines = 2 })
    h.eq({ '- `execute_command` `ls` — ✗ error', '  ```', '  1', '  2', '  … (1 more lines)', '  ```', '' }, tool, 'tool')
    h.eq({ '**Error:** boom', '' }, t.lines({ kind = 'error', text = 'boom' }), 'error')
    h.eq({ '_(mystery message)_', '' }, t.lines({ kind = 'mystery' }), 'unknown kind')
  end)
end
