-- Rendering of task/message Messages as Markdown lines. Pure functions: no
-- buffers, no server; the chat and history views both use them.
local M = {}

local function split(text)
  text = tostring(text or '')
  local out = {}
  for line in (text .. '\n'):gmatch('(.-)\r?\n') do
    out[#out + 1] = line
  end
  return out
end
M.split = split

-- clip keeps at most max lines of text, saying how many it dropped.
local function clip(lines, max)
  if #lines <= max then
    return lines
  end
  local out = {}
  for i = 1, max do
    out[i] = lines[i]
  end
  out[#out + 1] = string.format('… (%d more lines)', #lines - max)
  return out
end

-- one_line flattens text to a single line of at most n characters.
local function one_line(text, n)
  text = tostring(text or ''):gsub('%s+', ' ')
  if #text > n then
    text = text:sub(1, n) .. '…'
  end
  return text
end
M.one_line = one_line

-- summary names what a tool call acts on, from its arguments.
function M.tool_summary(name, input)
  if type(input) ~= 'table' then
    return ''
  end
  if name == 'new_task' then
    local where = input.background and 'background ' or ''
    return string.format('%s%s: %s', where, tostring(input.mode or 'code'), one_line(input.message, 80))
  end
  if name == 'execute_command' then
    return '`' .. one_line(input.command, 100) .. '`'
  end
  if name == 'search_files' then
    return string.format('`%s` in %s', one_line(input.regex, 60), tostring(input.path or '.'))
  end
  if name == 'wait_for_background' then
    return input.task_ids and table.concat(input.task_ids, ', ') or 'all'
  end
  if input.path then
    return tostring(input.path)
  end
  if input.question then
    return one_line(input.question, 80)
  end
  return ''
end

local status_mark = {
  pending = '…',
  approved = '▶',
  denied = '✗ denied',
  done = '✓',
  error = '✗ error',
}

-- prefix puts label before the first line.
local function labelled(label, text)
  local lines = split(text)
  lines[1] = label .. lines[1]
  return lines
end

-- lines renders one message; opts.max_output_lines bounds tool output.
function M.lines(msg, opts)
  opts = opts or {}
  local max = opts.max_output_lines or 8
  local kind = msg.kind
  local out
  if kind == 'user' then
    out = labelled('**You:** ', msg.text)
  elseif kind == 'text' then
    out = split(msg.text)
  elseif kind == 'tool' then
    local status = msg.status or 'pending'
    local head = string.format('- `%s` %s — %s', tostring(msg.name), M.tool_summary(msg.name, msg.input), status_mark[status] or status)
    head = head:gsub('  +—', ' —')
    out = { head }
    if msg.output and msg.output ~= '' and (status == 'done' or status == 'error' or status == 'denied') then
      out[#out + 1] = '  ```'
      for _, l in ipairs(clip(split(msg.output), max)) do
        out[#out + 1] = '  ' .. l
      end
      out[#out + 1] = '  ```'
    end
  elseif kind == 'question' then
    out = labelled('**Question:** ', msg.text)
    for i, s in ipairs(msg.suggestions or {}) do
      out[#out + 1] = string.format('  %d. %s', i, tostring(s))
    end
    out[#out + 1] = '  _Answer with :AgentReply {text}_'
  elseif kind == 'completion' then
    out = labelled('**Completed:** ', msg.result)
  elseif kind == 'background' then
    local head = string.format('**Background task** "%s" %s', tostring(msg.title or msg.taskId or ''), tostring(msg.status or ''))
    out = labelled(head .. (msg.result and msg.result ~= '' and ': ' or ''), msg.result or msg.text or '')
  elseif kind == 'error' then
    if msg.reminder then
      out = labelled('_Reminder to the model:_ ', msg.text)
    else
      out = labelled('**Error:** ', msg.text)
    end
  else
    out = { string.format('_(%s message)_', tostring(kind)) }
  end
  out[#out + 1] = ''
  return out
end

-- header introduces a task in the transcript.
function M.header(info)
  if not info then
    return { '## Task', '' }
  end
  local title = one_line(info.title or info.taskId, 100)
  if info.parentId then
    return { string.format('### Subtask: %s (%s)', title, tostring(info.mode or '')), '' }
  end
  return { string.format('## %s (%s)', title, tostring(info.mode or '')), '' }
end

-- render renders a whole stored conversation (task/get) of one task.
function M.render(info, messages, opts)
  local out = M.header(info)
  for _, msg in ipairs(messages or {}) do
    if not msg.partial then
      vim.list_extend(out, M.lines(msg, opts))
    end
  end
  if info and info.status then
    out[#out + 1] = string.format('_Status: %s%s_', info.status, info.error and (' — ' .. one_line(info.error, 200)) or '')
  end
  return out
end

return M
