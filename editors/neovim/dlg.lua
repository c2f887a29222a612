-- dlg for Neovim 0.7 or later: the `dlg` filetype, and `dlg lsp` attached to its buffers.
-- Source it from init.lua (`dofile("/path/to/dlg/editors/neovim/dlg.lua")`) or copy it there.
-- Set vim.g.dlg_path to the binary when `dlg` is not on the PATH.
vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
  pattern = "*.dlg",
  command = "setfiletype dlg",
})
local dlg_client
vim.api.nvim_create_autocmd("FileType", {
  pattern = "dlg",
  callback = function(args)
    dlg_client = dlg_client or vim.lsp.start_client({
      name = "dlg",
      cmd = { vim.g.dlg_path or "dlg", "lsp" },
      root_dir = vim.fn.getcwd(),
    })
    vim.lsp.buf_attach_client(args.buf, dlg_client)
  end,
})
