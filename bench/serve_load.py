#!/usr/bin/env python3
"""Load on `dlg serve`, measured with wrk (Debian's `wrk`) on loopback.

Trains the Fashion-MNIST CNN for one epoch unless --weights names a file, starts
`dlg serve` on a free port, and runs wrk with single-sample JSON requests (one test image):
requests/s and p50/p99 latency at 1, 16 and 64 connections; a soak at 64 connections with
the server's resident memory sampled every few seconds; and a mixed run where one request in
ten is malformed (each must get a 4xx, no good one may fail). Prints a Markdown table.

    python3 bench/serve_load.py                       # 20 s per row, 300 s soak
    python3 bench/serve_load.py --duration 5 --soak 30  # a quick look
"""
import argparse
import json
import os
import re
import gzip
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MIXED_LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  local f = io.open(args[1], "rb"); good = f:read("*a"); f:close()
  bads = {
    '{"inputs": [[1, 2, 3]]}',
    '{"inputs": [[1, 2, 3]',
    '{"inputs": "text"}',
    '',
    '{"inputs": [[' .. string.rep("1e40,", 783) .. '1]]}',
    '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
  }
  n = 0; ok = 0; refused = 0; other = 0; sent_good = 0; sent_bad = 0
end
function request()
  n = n + 1
  local headers = { ["Content-Type"] = "application/json" }
  if n % 10 == 0 then
    sent_bad = sent_bad + 1
    return wrk.format("POST", "/v1/predict", headers, bads[(n / 10) % #bads + 1])
  end
  sent_good = sent_good + 1
  return wrk.format("POST", "/v1/predict", headers, good)
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1
  elseif status >= 400 and status < 500 then refused = refused + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local t = { ok = 0, refused = 0, other = 0, sent_good = 0, sent_bad = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  io.write(string.format("MIXED ok=%d refused=%d other=%d sent_good=%d sent_bad=%d\n",
    t.ok, t.refused, t.other, t.sent_good, t.sent_bad))
end
"""

GOOD_LUA = r"""
function init(args)
  local f = io.open(args[1], "rb"); body = f:read("*a"); f:close()
end
function request()
  return wrk.format("POST", "/v1/predict", { ["Content-Type"] = "application/json" }, body)
end
"""


def first_test_image():
    path = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
    with gzip.open(path, "rb") as f:
        data = f.read(16 + 784)
    return list(data[16:16 + 784])


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def wrk(url, connections, seconds, script, body_path):
    threads = min(connections, 2)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "10s", "-s", script, url, "--", body_path]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "99"):
        result[f"p{pct}"] = to_ms(re.search(rf"\s{pct}%\s+(\S+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non2xx"] = int(non2xx.group(1)) if non2xx else 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["socket_errors"] = sum(map(int, errors.groups())) if errors else 0
    result["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    mixed = re.search(r"MIXED (.*)", out)
    if mixed:
        result["mixed"] = {k: int(v) for k, v in (p.split("=") for p in mixed.group(1).split())}
    return result


def batch_stats(url):
    import urllib.request
    text = urllib.request.urlopen(url + "metrics").read().decode()
    total = float(re.search(r"^dlg_batch_size_sum (\S+)", text, re.M).group(1))
    count = float(re.search(r"^dlg_batch_size_count (\S+)", text, re.M).group(1))
    return total, count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dlg", default=os.path.join(ROOT, ".build/release/dlg"))
    parser.add_argument("--model", default=os.path.join(ROOT, "graphs/fashion_mnist.dlg"))
    parser.add_argument("--weights", help="weights to serve (default: train one epoch)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per row")
    parser.add_argument("--soak", type=int, default=300, help="seconds at 64 connections")
    parser.add_argument("--connections", default="1,16,64")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-wait-ms", default="2")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    work = tempfile.mkdtemp(prefix="dlg-serve-load-")
    weights = args.weights
    if weights is None:
        weights = os.path.join(work, "w.safetensors")
        print("training one epoch for the weights...", file=sys.stderr)
        subprocess.run([args.dlg, "run", args.model, "--epochs", "1", "--save", weights,
                        "--threads", str(args.threads)], check=True, stdout=subprocess.DEVNULL)
    body_path = os.path.join(work, "good.json")
    with open(body_path, "w") as f:
        json.dump({"inputs": [first_test_image()]}, f)
    good_lua, mixed_lua = os.path.join(work, "good.lua"), os.path.join(work, "mixed.lua")
    open(good_lua, "w").write(GOOD_LUA)
    open(mixed_lua, "w").write(MIXED_LUA)

    server = subprocess.Popen(
        [args.dlg, "serve", args.model, "--weights", weights, "--port", "0",
         "--threads", str(args.threads), "--max-wait-ms", args.max_wait_ms],
        stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    url = re.search(r"(http://\S+/)", line).group(1)
    print(f"# {line.strip()}", file=sys.stderr)
    rows = []
    try:
        for c in map(int, args.connections.split(",")):
            before = batch_stats(url)
            result = wrk(url, c, args.duration, good_lua, body_path)
            after = batch_stats(url)
            batches = after[1] - before[1]
            result["batch"] = (after[0] - before[0]) / batches if batches else 0
            result["connections"] = c
            result["rss"] = rss_mib(server.pid)
            rows.append(result)
            print(f"# c={c}: {result}", file=sys.stderr)

        samples = []
        stop = threading.Event()

        def sample():
            start = time.time()
            while not stop.wait(5):
                samples.append((time.time() - start, rss_mib(server.pid)))

        sampler = threading.Thread(target=sample)
        sampler.start()
        soak = wrk(url, 64, args.soak, good_lua, body_path)
        stop.set()
        sampler.join()
        mixed = wrk(url, 64, args.duration, mixed_lua, body_path)
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)

    print("| connections | requests/s | p50 ms | p99 ms | mean batch | non-2xx | socket errors | RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['connections']} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
              f"{r['batch']:.1f} | {r['non2xx']} | {r['socket_errors']} | {r['rss']:.0f} |")
    if rows:
        print(f"\n64 connections against 1: {rows[-1]['rps'] / rows[0]['rps']:.2f}x requests/s")
    first = [m for t, m in samples if t <= 60] or [0]
    last = [m for t, m in samples if t >= samples[-1][0] - 60] if samples else [0]
    print(f"\nsoak, 64 connections, {args.soak} s: {soak['rps']:.0f} requests/s, p99 "
          f"{soak['p99']:.2f} ms, {soak['requests']} requests, non-2xx {soak['non2xx']}, "
          f"socket errors {soak['socket_errors']}; RSS first minute {min(first):.0f}-"
          f"{max(first):.0f} MiB, last minute {min(last):.0f}-{max(last):.0f} MiB")
    m = mixed.get("mixed", {})
    print(f"mixed, 10% malformed: {m.get('ok', 0)} answered 200, {m.get('refused', 0)} refused "
          f"with 4xx, {m.get('other', 0)} other; sent {m.get('sent_good', 0)} good and "
          f"{m.get('sent_bad', 0)} malformed (wrk stops with requests in flight)")
    print(f"server exit status after SIGTERM: {code}")


if __name__ == "__main__":
    main()
