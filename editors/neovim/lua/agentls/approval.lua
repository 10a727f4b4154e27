-- Answers window/showMessageRequest (tool approvals) through vim.ui.select.
--
-- Neovim 0.10+ runs server-request handlers in a coroutine, so the handler
-- can wait for an asynchronous vim.ui.select (dressing.nvim, telescope) by
-- yielding. Older releases need the answer before the handler returns: the
-- stock vim.ui.select answers at once; an asynchronous one is waited for
-- with vim.wait up to approval_timeout_ms, after which the call is denied
-- (the server treats a null answer as Deny).
local M = {}

-- handler returns a showMessageRequest handler for a session.
function M.handler(get_timeout)
  return function(_, params)
    params = params or {}
    local actions = params.actions
    if type(actions) ~= 'table' or #actions == 0 then
      -- Nothing to choose from: show the message, answer null.
      vim.notify(tostring(params.message or ''), vim.log.levels.INFO, { title = 'agentls' })
      return vim.NIL
    end
    local titles = {}
    for i, a in ipairs(actions) do
      titles[i] = a.title
    end

    local answered, choice = false, nil
    local co, is_main = coroutine.running()
    local suspended = false
    local function on_choice(item)
      if answered then
        return
      end
      answered, choice = true, item
      if suspended then
        suspended = false
        coroutine.resume(co)
      end
    end
    vim.ui.select(titles, { prompt = tostring(params.message or 'agentls') .. ' ', kind = 'agentls.approval' }, on_choice)

    if not answered then
      if co and not is_main then
        suspended = true
        coroutine.yield()
      else
        vim.wait(get_timeout(), function()
          return answered
        end, 50)
      end
    end
    if choice == nil then
      return vim.NIL
    end
    for _, a in ipairs(actions) do
      if a.title == choice then
        return a
      end
    end
    return vim.NIL
  end
end

return M
