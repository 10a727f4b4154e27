-- The chat buffer of one session: the live task/message stream of its
-- foreground tasks, rendered as Markdown, with the foreground stack and the
-- top task's state in the window bar.
--
-- Each message is an entry that owns a run of lines; a message that is
-- updated (streamed text, tool status) replaces only its own lines.
local transcript = require('agentls.transcript')
local compat = require('agentls.compat')

local Chat = {}
Chat.__index = Chat

-- Bounds the entries kept in memory; older ones stay in the buffer but can
-- no longer be updated in place.
local max_entries = 5000

function Chat.new(opts)
  return setmetatable({
    name = opts.name,
    root = opts.root,
    cfg = opts.cfg,
    buf = nil,
    entries = {}, -- {key, count}
    index = {}, -- key -> position in entries
    last_task = nil,
    bar = 'agentls',
  }, Chat)
end

-- buffer returns the chat buffer, creating it when needed.
function Chat:buffer()
  if self.buf and vim.api.nvim_buf_is_valid(self.buf) then
    return self.buf
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, self.name)
  vim.api.nvim_buf_set_option(buf, 'buftype', 'nofile')
  vim.api.nvim_buf_set_option(buf, 'bufhidden', 'hide')
  vim.api.nvim_buf_set_option(buf, 'swapfile', false)
  vim.api.nvim_buf_set_option(buf, 'filetype', 'markdown')
  vim.api.nvim_buf_set_option(buf, 'modifiable', false)
  vim.api.nvim_buf_set_var(buf, 'agentls_root', self.root)
  self.buf = buf
  self.entries, self.index, self.last_task = {}, {}, nil
  return buf
end

-- windows lists the windows showing the chat buffer.
function Chat:windows()
  local wins = {}
  if not (self.buf and vim.api.nvim_buf_is_valid(self.buf)) then
    return wins
  end
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_buf(win) == self.buf then
      wins[#wins + 1] = win
    end
  end
  return wins
end

-- open shows the chat buffer, in an existing window when there is one.
function Chat:open()
  local buf = self:buffer()
  local wins = self:windows()
  if #wins > 0 then
    return wins[1]
  end
  local c = self.cfg.chat
  if c.position == 'right' then
    vim.cmd('botright vsplit')
    vim.api.nvim_win_set_width(0, c.width)
  elseif c.position == 'below' then
    vim.cmd('botright split')
    vim.api.nvim_win_set_height(0, c.height)
  end
  local win = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_buf(win, buf)
  vim.api.nvim_win_set_option(win, 'wrap', true)
  vim.api.nvim_win_set_option(win, 'linebreak', true)
  compat.set_bar(win, self.bar)
  return win
end

function Chat:set_lines(first, last, lines)
  local buf = self:buffer()
  vim.api.nvim_buf_set_option(buf, 'modifiable', true)
  vim.api.nvim_buf_set_lines(buf, first, last, false, lines)
  vim.api.nvim_buf_set_option(buf, 'modifiable', false)
end

-- append adds an entry at the end; the buffer's first line is the empty
-- line a new buffer starts with, replaced by the first entry.
function Chat:append(key, lines)
  local buf = self:buffer()
  local total = vim.api.nvim_buf_line_count(buf)
  if #self.entries == 0 and total == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == '' then
    self:set_lines(0, 1, lines)
  else
    self:set_lines(total, total, lines)
  end
  self.entries[#self.entries + 1] = { key = key, count = #lines }
  if key then
    self.index[key] = #self.entries
  end
  if #self.entries > max_entries then
    self:forget(math.floor(max_entries / 2))
  end
  self:follow()
end

-- forget drops the oldest n entries from memory (not from the buffer).
function Chat:forget(n)
  local kept, index = { { key = nil, count = 0 } }, {}
  for i = 1, n do
    kept[1].count = kept[1].count + self.entries[i].count
  end
  for i = n + 1, #self.entries do
    kept[#kept + 1] = self.entries[i]
    if self.entries[i].key then
      index[self.entries[i].key] = #kept
    end
  end
  self.entries, self.index = kept, index
end

-- update replaces the lines of the entry with key.
function Chat:update(key, lines)
  local pos = self.index[key]
  if not pos then
    return self:append(key, lines)
  end
  local start = 0
  for i = 1, pos - 1 do
    start = start + self.entries[i].count
  end
  local e = self.entries[pos]
  self:set_lines(start, start + e.count, lines)
  e.count = #lines
  self:follow()
end

-- follow scrolls the chat windows the user is not in to the newest line;
-- the window with the cursor is left where the user put it.
function Chat:follow()
  local total = vim.api.nvim_buf_line_count(self.buf)
  for _, win in ipairs(self:windows()) do
    if win ~= vim.api.nvim_get_current_win() then
      vim.api.nvim_win_set_cursor(win, { total, 0 })
    end
  end
end

-- message renders one task/message notification.
function Chat:message(task_id, msg, info)
  if task_id ~= self.last_task then
    self.last_task = task_id
    self:append(nil, transcript.header(info or { taskId = task_id }))
  end
  local key = task_id .. '/' .. tostring(msg.id)
  self:update(key, transcript.lines(msg, { max_output_lines = self.cfg.max_output_lines }))
end

-- note adds a line of the client's own (not from the stream).
function Chat:note(text)
  self:append(nil, { '_' .. text .. '_', '' })
end

-- state shows the foreground stack and the top task's status.
function Chat:state(stack, tasks, latest)
  local parts = {}
  for _, id in ipairs(stack) do
    local info = tasks[id]
    parts[#parts + 1] = info and transcript.one_line(info.title, 30) or id:sub(1, 8)
  end
  local top = stack[#stack] and tasks[stack[#stack]]
  if top then
    self.bar = string.format('agentls: %s [%s]  stack: %s', transcript.one_line(top.title, 40), top.status, table.concat(parts, ' › '))
  elseif latest then
    self.bar = string.format('agentls: %s [%s]', transcript.one_line(latest.title, 40), latest.status)
  else
    self.bar = 'agentls: idle'
  end
  for _, win in ipairs(self:windows()) do
    compat.set_bar(win, self.bar)
  end
end

-- lines returns the buffer's text (for tests and callers).
function Chat:lines()
  if not (self.buf and vim.api.nvim_buf_is_valid(self.buf)) then
    return {}
  end
  return vim.api.nvim_buf_get_lines(self.buf, 0, -1, false)
end

return Chat
