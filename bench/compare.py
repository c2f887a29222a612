"""Runs dlg and its PyTorch peer alternately on the same machine and prints the ratio.

Each run trains the Fashion-MNIST CNN for one epoch with the same thread count. Peak memory is
each child process's maximum resident set (from wait4), measured the same way for both.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def peak_rss(command):
    """Runs a command, output discarded, under wait4; returns (exit code, peak RSS bytes)."""
    pid = os.fork()
    if pid == 0:
        os.chdir(ROOT)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execvp(command[0], command)
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", "2")))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--markdown", default=os.path.join(ROOT, "bench/results/fashion_mnist.md"))
    args = parser.parse_args()
    dlg = os.path.join(ROOT, ".build/release/dlg")
    python = os.path.join(ROOT, "bench/.venv/bin/python")
    if not os.path.exists(dlg):
        raise SystemExit(f"{dlg} is missing: run `swift build -c release` first")
    rows = []
    for round_ in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "dlg.jsonl")
            dlg_cmd = [dlg, "run", "graphs/fashion_mnist.dlg", "--epochs", "1", "--seed", str(round_),
                       "--threads", str(args.threads), "--log", log]
            status, rss = peak_rss(dlg_cmd)
            if status != 0:
                subprocess.run(dlg_cmd, cwd=ROOT)
                raise SystemExit(f"dlg failed (exit {status}); its output is above")
            record = json.loads(open(log).read().splitlines()[-1])
            rows.append(("dlg", round_, record, rss))
            print(f"round {round_} dlg:     {record['samples_per_second']:7.0f} samples/s  "
                  f"{record['seconds']:6.1f} s  test acc {record['test_accuracy']:.4f}  "
                  f"peak RSS {rss / 2**20:6.0f} MiB", flush=True)
            torch_log = os.path.join(tmp, "torch.jsonl")
            torch_cmd = ["sh", "-c", f"{python} bench/peers/fashion_mnist_cnn.py --epochs 1 "
                         f"--threads {args.threads} --seed {round_} > {torch_log}"]
            status, rss = peak_rss(torch_cmd)
            if status != 0:
                raise SystemExit("the PyTorch peer failed: run bench/peers/setup.sh, then the peer by hand")
            record = json.loads(open(torch_log).read().splitlines()[-1])
            rows.append(("pytorch", round_, record, rss))
            print(f"round {round_} pytorch: {record['samples_per_second']:7.0f} samples/s  "
                  f"{record['seconds']:6.1f} s  test acc {record['test_accuracy']:.4f}  "
                  f"peak RSS {rss / 2**20:6.0f} MiB", flush=True)
    median = {name: statistics.median(r[2]["samples_per_second"] for r in rows if r[0] == name)
              for name in ("dlg", "pytorch")}
    memory = {name: max(r[3] for r in rows if r[0] == name) for name in ("dlg", "pytorch")}
    ratio = median["dlg"] / median["pytorch"]
    print(f"median samples/s: dlg {median['dlg']:.0f}, PyTorch {median['pytorch']:.0f}; "
          f"dlg/PyTorch = {ratio:.2f}x")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    blas = subprocess.run(["dpkg-query", "-W", "libopenblas0-pthread"], capture_output=True, text=True).stdout.strip()
    torch_version = next(r[2].get("version", "?") for r in rows if r[0] == "pytorch")
    os.makedirs(os.path.dirname(args.markdown), exist_ok=True)
    with open(args.markdown, "w") as f:
        f.write(f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}\n\n")
        f.write(f"Versions: {swift}; {blas}; torch {torch_version}\n\n")
        f.write("| run | framework | samples/s | seconds | test accuracy | peak RSS (MiB) |\n|---|---|---|---|---|---|\n")
        for name, round_, record, rss in rows:
            f.write(f"| {round_} | {name} | {record['samples_per_second']:.0f} | {record['seconds']:.1f} | "
                    f"{record['test_accuracy']:.4f} | {rss / 2**20:.0f} |\n")
        f.write(f"\nMedian: dlg {median['dlg']:.0f} samples/s, PyTorch {median['pytorch']:.0f} samples/s, "
                f"ratio {ratio:.2f}x; peak RSS dlg {memory['dlg'] / 2**20:.0f} MiB, "
                f"PyTorch {memory['pytorch'] / 2**20:.0f} MiB\n")
    print(f"wrote {args.markdown}")


if __name__ == "__main__":
    main()
