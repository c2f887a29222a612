#!/usr/bin/env bash
# Opens a misspelled copy of graphs/fashion_mnist.dlg in a headless Neovim set up by
# editors/neovim/dlg.lua, and checks what an editor user would see from `dlg lsp`: the E201
# diagnostic on the right line, and a hover with the layer's output shape.
#
#   scripts/neovim-lsp-check.sh [path/to/dlg]     # default .build/debug/dlg
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "${1:-.build/debug/dlg}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed 's/Dense\[128, relu\]/Dence[128, relu]/' graphs/fashion_mnist.dlg > "$work/model.dlg"
cat > "$work/check.lua" <<'LUA'
local function fail(message)
  io.stderr:write(message .. "\n")
  vim.cmd("cquit 1")
end
if not vim.wait(15000, function() return #vim.diagnostic.get(0) > 0 end, 50) then
  fail("no diagnostics from dlg lsp")
end
local d = vim.diagnostic.get(0)[1]
local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
print(string.format("diagnostic %d:%d %s %s", d.lnum + 1, d.col + 1, code,
  d.message:gsub("\n", " / ")))
if code ~= "E201" or d.lnum + 1 ~= 13 or d.col + 1 ~= 10 then fail("unexpected diagnostic") end
local params = { textDocument = vim.lsp.util.make_text_document_params(),
  position = { line = 10, character = 3 } }
local answers = vim.lsp.buf_request_sync(0, "textDocument/hover", params, 10000) or {}
local hover
for _, answer in pairs(answers) do
  if answer.result then hover = answer.result.contents.value end
end
if not hover or not hover:find("N×26×26×32", 1, true) then fail("hover: " .. tostring(hover)) end
print("hover " .. hover:gsub("\n+", " / "))
io.write("\n")
vim.cmd("qall!")
LUA
nvim --headless --noplugin --cmd "let g:dlg_path = '$binary'" -u editors/neovim/dlg.lua \
  --cmd "filetype on" -c "luafile $work/check.lua" "$work/model.dlg" 2>&1
echo "neovim: ok"
