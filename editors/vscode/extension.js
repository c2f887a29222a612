// Starts `dlg lsp` for .dlg files; everything else comes from the server.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("dlg").get("path", "dlg");
  client = new LanguageClient(
    "dlg",
    "dlg",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "dlg" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
