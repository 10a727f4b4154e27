-- Compatibility between Neovim 0.7 (vim.lsp.start_client, client.request
-- as a closure) and current releases (vim.lsp.start, client:request).
local M = {}

-- uv is libuv's binding: vim.uv from 0.10, vim.loop before.
M.uv = vim.uv or vim.loop

-- client_error names an LSP client error code.
function M.client_error(code)
  local names = vim.lsp.client_errors or (vim.lsp.rpc and vim.lsp.rpc.client_errors) or {}
  return names[code] or tostring(code)
end

function M.has(feature)
  return vim.fn.has(feature) == 1
end

-- request sends an LSP request on a client object.
function M.request(client, method, params, handler)
  if M.has('nvim-0.11') then
    return client:request(method, params, handler)
  end
  return client.request(method, params, handler)
end

-- stop stops a client.
function M.stop(client, force)
  if M.has('nvim-0.11') then
    return client:stop(force)
  end
  return client.stop(force)
end

function M.is_stopped(client)
  if M.has('nvim-0.11') then
    return client:is_stopped()
  end
  return client.is_stopped()
end

-- start starts an LSP client for config and returns its id. The plugin
-- keeps one client per root itself: its handlers belong to one session, so
-- vim.lsp.start must never hand back another session's client.
-- vim.lsp.start attaches bufnr; agentls ignores document notifications.
function M.start(config, bufnr)
  if vim.lsp.start then
    return vim.lsp.start(config, {
      bufnr = bufnr,
      reuse_client = function()
        return false
      end,
    })
  end
  return vim.lsp.start_client(config)
end

-- set_bar shows text in a window's winbar (0.8+) or statusline (0.7).
function M.set_bar(win, text)
  local escaped = text:gsub('%%', '%%%%')
  if M.has('nvim-0.8') then
    vim.api.nvim_win_set_option(win, 'winbar', escaped)
  else
    vim.api.nvim_win_set_option(win, 'statusline', escaped)
  end
end

function M.get_bar(win)
  if M.has('nvim-0.8') then
    return vim.api.nvim_win_get_option(win, 'winbar')
  end
  return vim.api.nvim_win_get_option(win, 'statusline')
end

-- nonil turns JSON null (vim.NIL) into nil.
function M.nonil(v)
  if v == vim.NIL then
    return nil
  end
  return v
end

-- find_root searches upwards from path for one of markers and returns the
-- directory holding it, or nil.
function M.find_root(path, markers)
  local dir = path
  while dir and dir ~= '' do
    for _, m in ipairs(markers) do
      if M.uv.fs_stat(dir .. '/' .. m) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return nil
    end
    dir = parent
  end
  return nil
end

return M
