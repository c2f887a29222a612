#!/usr/bin/env python3
"""Times dlg lsp's diagnostics: a 1,000-line model is opened, then changed 20 times (a layer
type misspelled and fixed in turn), and the time from each didChange to its
publishDiagnostics is measured over stdio.

    python3 scripts/lsp-latency.py [.build/release/dlg]
"""
import json
import subprocess
import sys
import time

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/dlg"
lines = ["neuralnet", "  x: Input[28, 28, 1]", "  f: Flatten"]
lines += [f"  d{i}: Dense[{16 + i % 8}, relu]" for i in range(990)]
lines.append("  x --> f --> " + " --> ".join(f"d{i}" for i in range(990)))
lines += ["train", "  loss softmax_cross_entropy(d989, labels)", "  batch 32"]
text = "\n".join(lines) + "\n"
uri = "file:///tmp/dlg-lsp-latency.dlg"

server = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def send(message):
    body = json.dumps(message).encode()
    server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    server.stdin.flush()


def receive():
    header = b""
    while not header.endswith(b"\r\n\r\n"):
        header += server.stdout.read(1)
    length = int(header.split(b":")[1].split(b"\r\n")[0])
    return json.loads(server.stdout.read(length))


send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})
receive()
send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
      "params": {"textDocument": {"uri": uri, "version": 1, "text": text}}})
receive()
times = []
for version in range(2, 22):
    changed = text.replace("d500: Dense", "d500: Dence" if version % 2 else "d500: Dense")
    start = time.perf_counter()
    send({"jsonrpc": "2.0", "method": "textDocument/didChange",
          "params": {"textDocument": {"uri": uri, "version": version},
                     "contentChanges": [{"text": changed}]}})
    receive()
    times.append((time.perf_counter() - start) * 1000)
send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
receive()
send({"jsonrpc": "2.0", "method": "exit"})
server.wait()
times.sort()
print(f"{len(lines)}-line model: diagnostics {times[len(times) // 2]:.1f} ms median, "
      f"{times[-1]:.1f} ms max after a change ({len(times)} changes)")
