"""Runs dlg and its PyTorch peer alternately on the same machine and prints the ratio.

Models (--model):
  fashion_mnist   graphs/fashion_mnist.dlg   vs bench/peers/fashion_mnist_cnn.py (the default)
  lenet_cifar10   graphs/lenet_cifar10.dlg   vs bench/peers/lenet_cifar10.py
  cnn_cifar10     graphs/cnn_cifar10.dlg     vs bench/peers/cnn_cifar10.py
  lstm_sentiment  graphs/lstm_sentiment.dlg  vs bench/peers/lstm_sentiment.py (8 epochs: the
                  reviews are 600 samples)
  char_transformer graphs/char_transformer.dlg vs bench/peers/char_transformer.py
  char_lstm       graphs/char_lstm.dlg       vs bench/peers/char_lstm.py (both on Debian's
                  fortunes-zh; the validation losses are printed side by side)
  all             every one, one after the other

Every round trains the model for --epochs epochs (default 1) in dlg, then in PyTorch, with the
same thread count and the round number as the seed. Both programs time their own training
loop only (samples/s and seconds come from their JSON lines); the wall time of each process,
which also covers start-up, data loading and evaluation, is shown next to it. Peak memory is
each child process's maximum resident set, from wait4, measured the same way for both: the
child is the program itself (dlg or the peer's Python), with its stdout and stderr sent to
files, no shell in between.

The CIFAR models read the CIFAR-10 binary files. The real ones are used with --cifar DIR;
otherwise bench/make_cifar.py writes a synthetic, learnable set of the same format and size to
bench/.data/cifar-10-batches-bin (once; later runs reuse it). The .dlg files name the folder
"cifar-10-batches-bin" relative to themselves, so each dlg run uses a copy of the model in a
temporary folder, next to a symlink of that name to the data. --limit N trains both programs
on the first N training samples only: since dlg has no such option, both then read a smaller
copy of the training files (the same bytes for both); the test file stays whole.

Results: bench/results/<model>.md (machine, versions, every run, medians and ratios).
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DLG = os.path.join(ROOT, ".build/release/dlg")
PYTHON = os.path.join(ROOT, "bench/.venv/bin/python")
SYNTHETIC_CIFAR = os.path.join(ROOT, "bench/.data/cifar-10-batches-bin")
CIFAR_RECORD = 1 + 32 * 32 * 3          # bytes per CIFAR-10 record: label, then the image
CIFAR_TRAIN = [f"data_batch_{i}.bin" for i in range(1, 6)]
CIFAR_TEST = "test_batch.bin"


@dataclass
class Model:
    graph: str          # the .dlg file, relative to the repository
    peer: str           # the PyTorch script, relative to the repository
    cifar: bool         # reads the CIFAR-10 binary files (else: the data path is in the file)
    epochs: int = 0     # epochs a round trains (0: --epochs)


MODELS = {
    "fashion_mnist": Model("graphs/fashion_mnist.dlg", "bench/peers/fashion_mnist_cnn.py", False),
    "lenet_cifar10": Model("graphs/lenet_cifar10.dlg", "bench/peers/lenet_cifar10.py", True),
    "cnn_cifar10": Model("graphs/cnn_cifar10.dlg", "bench/peers/cnn_cifar10.py", True),
    "lstm_sentiment": Model("graphs/lstm_sentiment.dlg", "bench/peers/lstm_sentiment.py", False, 8),
    "char_transformer": Model("graphs/char_transformer.dlg", "bench/peers/char_transformer.py",
                              False),
    "char_lstm": Model("graphs/char_lstm.dlg", "bench/peers/char_lstm.py", False),
}


@dataclass
class Run:
    framework: str      # "dlg" or "pytorch"
    round: int
    record: dict        # the last JSON line the program wrote (its last epoch)
    rss: int            # peak resident set, bytes
    wall: float         # seconds from start to exit of the process
    load: float         # the machine's 1-minute load average when the run started


def measure(command, stdout_path, stderr_path, cwd=ROOT):
    """Runs a command under wait4 with stdout and stderr sent to files.

    Returns (exit code, peak RSS in bytes, wall seconds). The child execs the command
    directly, so the peak RSS is the program's own (Linux reports ru_maxrss in KiB).
    """
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            out = os.open(stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            err = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, 1)
            os.dup2(err, 2)
            os.execvp(command[0], command)
        finally:
            os._exit(127)   # only reached when exec failed
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024, time.perf_counter() - start


def last_json_line(path):
    """The last line of a JSON Lines file, parsed; None if there is none."""
    lines = [line for line in open(path).read().splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


def dlg_parameters(graph):
    """The parameter count `dlg check` reports for a model, or None."""
    out = subprocess.run([DLG, "check", graph], cwd=ROOT, capture_output=True, text=True)
    found = re.search(r"(\d+) parameters", out.stdout + out.stderr)
    return int(found.group(1)) if found else None


# ---- CIFAR-10 data ----------------------------------------------------------------------

def cifar_folder(args):
    """The folder of CIFAR-10 binary files to use: --cifar, or the synthetic set (written by
    bench/make_cifar.py if it is not there yet)."""
    if args.cifar:
        folder = os.path.abspath(args.cifar)
        missing = [n for n in CIFAR_TRAIN + [CIFAR_TEST] if not os.path.isfile(os.path.join(folder, n))]
        if missing:
            raise SystemExit(f"{folder} lacks {', '.join(missing)}: --cifar wants the folder "
                             "of the CIFAR-10 binary version (cifar-10-batches-bin)")
        return folder
    subprocess.run([PYTHON, os.path.join(ROOT, "bench/make_cifar.py"), "--out", SYNTHETIC_CIFAR],
                   check=True)
    return SYNTHETIC_CIFAR


def limited_cifar(source, limit, target):
    """Writes to `target` a CIFAR-10 folder whose training split is the first `limit` records
    of `source`'s, spread over the five data_batch files (dlg wants all five, none empty) in
    order, so reading them one after the other gives exactly those records. The test file is
    a symlink to the original."""
    total = sum(os.path.getsize(os.path.join(source, n)) for n in CIFAR_TRAIN) // CIFAR_RECORD
    if not 5 <= limit <= total:
        raise SystemExit(f"--limit must be between 5 and {total} (the training samples there)")
    os.makedirs(target)

    def records():
        # The training records in order, one at a time, across the five files.
        for name in CIFAR_TRAIN:
            with open(os.path.join(source, name), "rb") as f:
                while record := f.read(CIFAR_RECORD):
                    yield record

    stream = records()
    for index, name in enumerate(CIFAR_TRAIN):
        count = limit * (index + 1) // 5 - limit * index // 5   # sizes differ by at most one
        with open(os.path.join(target, name), "wb") as f:
            for _ in range(count):
                f.write(next(stream))
    os.symlink(os.path.join(source, CIFAR_TEST), os.path.join(target, CIFAR_TEST))
    return target


# ---- one model ----------------------------------------------------------------------------

def quality(record):
    """What a run reached: test accuracy, or for a language model the validation loss."""
    if "test_accuracy" in record:
        return f"test acc {record['test_accuracy']:.4f}"
    return f"val loss {record.get('validation_loss', float('nan')):.4f}"


def describe(run):
    r = run.record
    return (f"{r['samples_per_second']:8.0f} samples/s  {r['seconds']:7.1f} s "
            f"(wall {run.wall:6.1f} s)  {quality(r)}  "
            f"peak RSS {run.rss / 2**20:6.0f} MiB  (load {run.load:.1f})")


def fail(what, command, stderr_path):
    """Stops with the failed program's command and the end of its stderr."""
    text = open(stderr_path, errors="replace").read()[-4000:]
    raise SystemExit(f"{what} failed: {' '.join(command)}\n--- its stderr (end) ---\n{text}")


def compare(name, args, data):
    """Runs the rounds of one model; returns (runs, summary dict)."""
    model = MODELS[name]
    graph = os.path.join(ROOT, model.graph)
    runs = []
    epochs = model.epochs or args.epochs
    print(f"== {name}: {model.graph} vs {model.peer}, {args.threads} threads, "
          + (f"batch {args.batch}, " if args.batch else "")
          + f"{epochs} epoch(s), {args.rounds} round(s)", flush=True)
    for round_ in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory(prefix=f"dlg-bench-{name}-") as tmp:
            # dlg
            if model.cifar:
                # A copy of the model next to a link named as the model's data folder.
                shutil.copy(graph, tmp)
                os.symlink(data, os.path.join(tmp, "cifar-10-batches-bin"))
                target = os.path.join(tmp, os.path.basename(graph))
            else:
                target = graph
            log = os.path.join(tmp, "dlg.jsonl")
            command = [DLG, "run", target, "--epochs", str(epochs), "--seed", str(round_),
                       "--threads", str(args.threads), "--log", log]
            if args.batch:
                command += ["--batch", str(args.batch)]
            stdout, stderr = os.path.join(tmp, "dlg.out"), os.path.join(tmp, "dlg.err")
            load = os.getloadavg()[0]
            status, rss, wall = measure(command, stdout, stderr)
            record = last_json_line(log) if os.path.exists(log) else None
            if status != 0 or record is None:
                fail(f"dlg (exit {status})", command, stderr)
            runs.append(Run("dlg", round_, record, rss, wall, load))
            print(f"round {round_} dlg:     {describe(runs[-1])}", flush=True)

            # PyTorch
            command = [PYTHON, os.path.join(ROOT, model.peer), "--epochs", str(epochs),
                       "--threads", str(args.threads), "--seed", str(round_)]
            if args.batch:
                command += ["--batch", str(args.batch)]
            if model.cifar:
                command += ["--data", data]
            stdout, stderr = os.path.join(tmp, "torch.jsonl"), os.path.join(tmp, "torch.err")
            load = os.getloadavg()[0]
            status, rss, wall = measure(command, stdout, stderr)
            record = last_json_line(stdout) if status == 0 else None
            if record is None:
                fail(f"the PyTorch peer (exit {status}; bench/peers/setup.sh makes its venv)",
                     command, stderr)
            runs.append(Run("pytorch", round_, record, rss, wall, load))
            print(f"round {round_} pytorch: {describe(runs[-1])}", flush=True)

    def median(framework, key):
        return statistics.median(key(r) for r in runs if r.framework == framework)

    summary = {
        "speed": {f: median(f, lambda r: r.record["samples_per_second"]) for f in ("dlg", "pytorch")},
        "rss": {f: max(r.rss for r in runs if r.framework == f) for f in ("dlg", "pytorch")},
        "parameters": {"dlg": dlg_parameters(model.graph),
                       "pytorch": next((r.record.get("parameters") for r in runs
                                        if r.framework == "pytorch"), None)},
    }
    summary["speed_ratio"] = summary["speed"]["dlg"] / summary["speed"]["pytorch"]
    summary["rss_ratio"] = summary["rss"]["dlg"] / summary["rss"]["pytorch"]
    p = summary["parameters"]
    summary["parameters_match"] = p["pytorch"] is None or p["dlg"] == p["pytorch"]
    if all("validation_loss" in r.record for r in runs):
        summary["validation_loss"] = {
            f: median(f, lambda r: r.record["validation_loss"]) for f in ("dlg", "pytorch")}
        v = summary["validation_loss"]
        print(f"median validation loss after {epochs} epoch(s): dlg {v['dlg']:.4f}, PyTorch "
              f"{v['pytorch']:.4f} ({100 * (v['dlg'] / v['pytorch'] - 1):+.1f}%)")
    print(f"median samples/s: dlg {summary['speed']['dlg']:.0f}, PyTorch "
          f"{summary['speed']['pytorch']:.0f}; dlg/PyTorch = {summary['speed_ratio']:.2f}x")
    print(f"peak RSS: dlg {summary['rss']['dlg'] / 2**20:.0f} MiB, PyTorch "
          f"{summary['rss']['pytorch'] / 2**20:.0f} MiB; dlg/PyTorch = {summary['rss_ratio']:.2f}x")
    print(f"parameters: dlg {p['dlg']}, PyTorch {p['pytorch'] if p['pytorch'] is not None else '?'}"
          + ("" if summary["parameters_match"] else "  <-- MISMATCH: the models differ"))
    return runs, summary


# ---- report -------------------------------------------------------------------------------

def versions(runs):
    """One line naming the compiler, BLAS, PyTorch and dlg's commit."""
    def first_line(command):
        try:
            out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            return (out.stdout.strip().splitlines() or ["?"])[0]
        except OSError:
            return "?"
    swift = first_line(["swift", "--version"])
    blas = first_line(["dpkg-query", "-W", "libopenblas0-pthread"])
    commit = first_line(["git", "describe", "--always", "--dirty"])
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(DLG)))
    torch = next((r.record.get("version", "?") for r in runs if r.framework == "pytorch"), "?")
    return f"{swift}; {blas}; torch {torch}; dlg at {commit} (binary built {built})"


def write_markdown(path, name, args, data_note, runs, summary):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    model = MODELS[name]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(f"# {name}: dlg vs PyTorch\n\n")
        f.write(f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}\n\n")
        f.write(f"Versions: {versions(runs)}\n\n")
        f.write(f"Models: `{model.graph}` vs `{model.peer}`; {args.threads} threads; "
                f"{model.epochs or args.epochs} epoch(s) per run; seed = round. {data_note}\n\n")
        f.write("samples/s and seconds cover each program's training loop only; wall is the "
                "whole process (start-up, data loading, evaluation); load is the machine's "
                "1-minute load average as the run started (it lags, and includes the previous "
                f"run; well above {args.threads} means other work shared the "
                f"{os.cpu_count()} cores and the timings are noisy).\n\n")
        f.write("| run | framework | samples/s | seconds | wall (s) | reached | "
                "peak RSS (MiB) | load |\n|---|---|---|---|---|---|---|---|\n")
        for r in runs:
            f.write(f"| {r.round} | {r.framework} | {r.record['samples_per_second']:.0f} | "
                    f"{r.record['seconds']:.1f} | {r.wall:.1f} | {quality(r.record)} | "
                    f"{r.rss / 2**20:.0f} | {r.load:.1f} |\n")
        s, p = summary, summary["parameters"]
        f.write(f"\nMedian: dlg {s['speed']['dlg']:.0f} samples/s, PyTorch "
                f"{s['speed']['pytorch']:.0f} samples/s, ratio {s['speed_ratio']:.2f}x; "
                f"peak RSS dlg {s['rss']['dlg'] / 2**20:.0f} MiB, PyTorch "
                f"{s['rss']['pytorch'] / 2**20:.0f} MiB, ratio {s['rss_ratio']:.2f}x\n\n")
        if "validation_loss" in s:
            v = s["validation_loss"]
            f.write(f"Median validation loss: dlg {v['dlg']:.4f}, PyTorch {v['pytorch']:.4f} "
                    f"({100 * (v['dlg'] / v['pytorch'] - 1):+.1f}%)\n\n")
        f.write(f"Parameters: dlg {p['dlg']}, PyTorch "
                f"{p['pytorch'] if p['pytorch'] is not None else 'not reported'}"
                f"{'' if s['parameters_match'] else ' (MISMATCH)'}\n")


def main():
    parser = argparse.ArgumentParser(description="dlg vs PyTorch, side by side.")
    parser.add_argument("--model", choices=list(MODELS) + ["all"], default="fashion_mnist")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", "2")))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=0, metavar="N",
                        help="train both at this batch size (default: each model's own)")
    parser.add_argument("--cifar", metavar="DIR",
                        help="the real CIFAR-10 binary folder (default: synthetic data)")
    parser.add_argument("--limit", type=int, default=0, metavar="N",
                        help="CIFAR models: train on the first N training samples only")
    parser.add_argument("--markdown", help="results file (one model only; default "
                        "bench/results/<model>.md)")
    args = parser.parse_args()
    names = list(MODELS) if args.model == "all" else [args.model]
    if args.markdown and len(names) > 1:
        parser.error("--markdown names one file: use it with one --model")
    if not os.path.exists(DLG):
        raise SystemExit(f"{DLG} is missing: run `swift build -c release` first")
    if not os.path.exists(PYTHON):
        raise SystemExit(f"{PYTHON} is missing: run `bash bench/peers/setup.sh` first")

    with tempfile.TemporaryDirectory(prefix="dlg-bench-data-") as scratch:
        # CIFAR data, prepared once for every CIFAR model.
        data, data_note = None, ""
        if any(MODELS[n].cifar for n in names):
            data = cifar_folder(args)
            data_note = (f"Data: the CIFAR-10 files in {data}." if args.cifar else
                         "Data: synthetic CIFAR-10 from bench/make_cifar.py (seed 1), "
                         "same format and size as the real set.")
            if args.limit:
                data = limited_cifar(data, args.limit, os.path.join(scratch, "cifar-10-batches-bin"))
                data_note += f" Training on the first {args.limit} samples only (--limit)."
        elif args.limit:
            print("note: --limit applies to the CIFAR models only", file=sys.stderr)

        summaries = {}
        for name in names:
            runs, summary = compare(name, args, data)
            path = args.markdown or os.path.join(ROOT, f"bench/results/{name}.md")
            note = data_note if MODELS[name].cifar else ""
            write_markdown(path, name, args, note, runs, summary)
            print(f"wrote {path}\n", flush=True)
            summaries[name] = summary

    if len(summaries) > 1:
        print("model            dlg/PyTorch samples/s   dlg/PyTorch peak RSS")
        for name, s in summaries.items():
            print(f"{name:16} {s['speed_ratio']:10.2f}x {s['rss_ratio']:22.2f}x")
    if not all(s["parameters_match"] for s in summaries.values()):
        raise SystemExit("parameter counts differ between dlg and a PyTorch peer (see above)")


if __name__ == "__main__":
    main()
