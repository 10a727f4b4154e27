-- $/progress of background tasks. The stock handler keeps Neovim's own
-- progress state (and fires LspProgress on 0.10+, LspProgressUpdate on
-- older releases) so statusline plugins see it; where no LspProgress event
-- exists a compact echo stands in.
local M = {}

local has_event = vim.fn.exists('##LspProgress') == 1

-- handler returns a $/progress handler that also records the latest
-- message of each token in session.progress, with the background task id
-- the token names.
function M.handler(session)
  return function(err, result, ctx, config)
    local stock = vim.lsp.handlers['$/progress']
    if stock then
      pcall(stock, err, result, ctx, config)
    end
    if type(result) ~= 'table' or type(result.value) ~= 'table' then
      return
    end
    local v = result.value
    local entry = session.progress[result.token] or {}
    -- The server names a background task's token after its id.
    if type(result.token) == 'string' then
      entry.taskId = entry.taskId or result.token:match('^agentls/background/(.+)$')
    end
    if v.kind == 'begin' then
      entry.title = v.title
      entry.message = v.message
    elseif v.kind == 'report' then
      entry.message = v.message or entry.message
    elseif v.kind == 'end' then
      entry.message = v.message
      entry.done = true
    end
    session.progress[result.token] = entry
    if not has_event then
      local text = string.format('agentls: %s%s', entry.title or '', entry.message and (' — ' .. entry.message) or '')
      if #text > vim.v.echospace and vim.v.echospace > 4 then
        text = text:sub(1, vim.v.echospace - 1) .. '…'
      end
      vim.api.nvim_echo({ { text, 'Comment' } }, false, {})
    end
    session:changed('progress')
  end
end

return M
