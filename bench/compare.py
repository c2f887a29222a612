"""Runs dlg and its peers (PyTorch, TensorFlow/Keras, TensorFlow/Keras with XLA) alternately
on the same machine and prints each ratio against the best peer.

Models (--model):
  fashion_mnist   graphs/fashion_mnist.dlg   (the default)
  lenet_cifar10   graphs/lenet_cifar10.dlg
  cnn_cifar10     graphs/cnn_cifar10.dlg
  text_conv1d     graphs/text_conv1d.dlg (20 epochs: the reviews are 600 samples)
  lstm_sentiment  graphs/lstm_sentiment.dlg  (8 epochs)
  char_transformer graphs/char_transformer.dlg
  char_lstm       graphs/char_lstm.dlg       (both on Debian's fortunes-zh; the validation
                  losses are printed side by side)
  all             every one, one after the other

The peers are bench/peers/NAME.py for PyTorch (bench/.venv) and bench/peers/keras_peer.py for
TensorFlow with and without XLA (bench/.venv-tf); bench/peers/setup.sh makes both venvs.
--peers picks some of them. Every round trains the model for --epochs epochs (default 1) in
dlg, then in each peer (the order turns by one every round), with the same thread count and
the round number as the seed; --batch takes several sizes, each its own set of rounds. Every
program times its own training loop only (samples/s and seconds come from its JSON lines):
a run's speed is the median of its epochs after the first when it trains several (the first
also traces or compiles in TensorFlow), else its one epoch. The wall time of each process,
which also covers start-up, data loading and evaluation, is shown next to it. Peak memory is
each child process's maximum resident set, from wait4, measured the same way for all: the
child is the program itself (dlg or the peer's Python), with its stdout and stderr sent to
files, no shell in between. dlg runs without OPENBLAS_CORETYPE in its environment, so that it
picks OpenBLAS's kernels itself (bench/README.md).

The CIFAR models read the CIFAR-10 binary files. The real ones are used with --cifar DIR;
otherwise bench/make_cifar.py writes a synthetic, learnable set of the same format and size to
bench/.data/cifar-10-batches-bin (once; later runs reuse it). The .dlg files name the folder
"cifar-10-batches-bin" relative to themselves, so each dlg run uses a copy of the model in a
temporary folder, next to a symlink of that name to the data. --limit N trains every program
on the first N training samples only (CIFAR-10 and Fashion-MNIST), and evaluates it on the
first N test samples: since dlg has no such option, all of them then read a smaller copy of
the files (the same bytes for all).

Results: bench/results/<model>.md (machine, versions, every run, medians and ratios).
"""

import argparse
import gzip
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
PYTHON_TF = os.path.join(ROOT, "bench/.venv-tf/bin/python")
FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
PEERS = ["pytorch", "tensorflow", "tensorflow-xla"]
SYNTHETIC_CIFAR = os.path.join(ROOT, "bench/.data/cifar-10-batches-bin")
CIFAR_RECORD = 1 + 32 * 32 * 3          # bytes per CIFAR-10 record: label, then the image
CIFAR_TRAIN = [f"data_batch_{i}.bin" for i in range(1, 6)]
CIFAR_TEST = "test_batch.bin"


@dataclass
class Model:
    graph: str          # the .dlg file, relative to the repository
    peer: str           # the PyTorch script, relative to the repository
    data: str = ""      # "cifar", "fashion_mnist", or "" (the data path in the file is kept)
    epochs: int = 0     # epochs a round trains (0: --epochs)
    keras: bool = False # bench/peers/keras_peer.py has it (TensorFlow with and without XLA)


MODELS = {
    "fashion_mnist": Model("graphs/fashion_mnist.dlg", "bench/peers/fashion_mnist_cnn.py",
                           "fashion_mnist", keras=True),
    "lenet_cifar10": Model("graphs/lenet_cifar10.dlg", "bench/peers/lenet_cifar10.py", "cifar",
                           keras=True),
    "cnn_cifar10": Model("graphs/cnn_cifar10.dlg", "bench/peers/cnn_cifar10.py", "cifar",
                         keras=True),
    "text_conv1d": Model("graphs/text_conv1d.dlg", "bench/peers/text_conv1d.py", epochs=20,
                         keras=True),
    "lstm_sentiment": Model("graphs/lstm_sentiment.dlg", "bench/peers/lstm_sentiment.py",
                            epochs=8, keras=True),
    "char_transformer": Model("graphs/char_transformer.dlg", "bench/peers/char_transformer.py",
                              keras=True),
    "char_lstm": Model("graphs/char_lstm.dlg", "bench/peers/char_lstm.py", keras=True),
}


@dataclass
class Run:
    framework: str      # "dlg" or a peer's name
    batch: int          # the batch size asked for (0: the model's own)
    round: int
    records: list       # the JSON lines the program wrote, one per epoch
    rss: int            # peak resident set, bytes
    wall: float         # seconds from start to exit of the process
    load: float         # the machine's 1-minute load average when the run started

    @property
    def record(self):
        """The last epoch's record: what the run reached."""
        return self.records[-1]

    @property
    def speed(self):
        """samples/s: the median of the epochs after the first, or the one epoch."""
        epochs = self.records[1:] or self.records
        return statistics.median(r["samples_per_second"] for r in epochs)


def dlg_environment():
    """The environment dlg runs in: this one without OPENBLAS_CORETYPE, so that dlg picks
    OpenBLAS's kernels itself, as on a machine where nothing sets it (some images pin it to
    Haswell, AVX2, on CPUs with AVX-512; the peers do not use OpenBLAS for their arithmetic)."""
    return {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}


def measure(command, stdout_path, stderr_path, cwd=ROOT, env=None):
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
            os.execvpe(command[0], command, env if env is not None else os.environ)
        finally:
            os._exit(127)   # only reached when exec failed
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024, time.perf_counter() - start


def json_lines(path):
    """The records of a JSON Lines file that are epochs (they have samples_per_second)."""
    if not os.path.exists(path):
        return []
    records = [json.loads(line) for line in open(path).read().splitlines()
               if line.startswith("{")]
    return [r for r in records if "samples_per_second" in r]


def dlg_parameters(graph):
    """The parameter count `dlg check` reports for a model, or None."""
    out = subprocess.run([DLG, "check", graph], cwd=ROOT, capture_output=True, text=True,
                         env=dlg_environment())
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
    order, so reading them one after the other gives exactly those records, and whose test
    file is the first `limit` test records (or all 10,000)."""
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
    # The test set is cut to as many records too (at most all of them): evaluating all 10,000
    # at batch 1 after every run would take longer than the training the run times.
    with open(os.path.join(source, CIFAR_TEST), "rb") as f, \
            open(os.path.join(target, CIFAR_TEST), "wb") as out:
        out.write(f.read(min(limit, 10000) * CIFAR_RECORD))
    return target


def limited_idx(source, limit, target):
    """Writes to `target` a Fashion-MNIST folder whose training files hold the first `limit`
    images and labels of `source`'s (gzip, as Debian ships them), and whose t10k files hold
    the first `limit` test samples (or all 10,000)."""
    def read(name):
        with gzip.open(os.path.join(source, name + ".gz"), "rb") as f:
            return f.read()

    images, labels = read("train-images-idx3-ubyte"), read("train-labels-idx1-ubyte")
    total = int.from_bytes(images[4:8], "big")
    if not 1 <= limit <= total:
        raise SystemExit(f"--limit must be between 1 and {total} (the training samples there)")
    os.makedirs(target)
    pixels = int.from_bytes(images[8:12], "big") * int.from_bytes(images[12:16], "big")
    count = limit.to_bytes(4, "big")
    with gzip.open(os.path.join(target, "train-images-idx3-ubyte.gz"), "wb", compresslevel=1) as f:
        f.write(images[:4] + count + images[8:16] + images[16 : 16 + limit * pixels])
    with gzip.open(os.path.join(target, "train-labels-idx1-ubyte.gz"), "wb", compresslevel=1) as f:
        f.write(labels[:4] + count + labels[8 : 8 + limit])
    # The test set is cut to as many samples too (see limited_cifar).
    images, labels = read("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte")
    tests = min(limit, int.from_bytes(images[4:8], "big"))
    count = tests.to_bytes(4, "big")
    with gzip.open(os.path.join(target, "t10k-images-idx3-ubyte.gz"), "wb", compresslevel=1) as f:
        f.write(images[:4] + count + images[8:16] + images[16 : 16 + tests * pixels])
    with gzip.open(os.path.join(target, "t10k-labels-idx1-ubyte.gz"), "wb", compresslevel=1) as f:
        f.write(labels[:4] + count + labels[8 : 8 + tests])
    return target


# ---- one model ----------------------------------------------------------------------------

def quality(record):
    """What a run reached: test accuracy, or for a language model the validation loss."""
    if "test_accuracy" in record:
        return f"test acc {record['test_accuracy']:.4f}"
    return f"val loss {record.get('validation_loss', float('nan')):.4f}"


def describe(run):
    r = run.record
    return (f"{run.speed:8.0f} samples/s  {r['seconds']:7.1f} s "
            f"(wall {run.wall:6.1f} s)  {quality(r)}  "
            f"peak RSS {run.rss / 2**20:6.0f} MiB  (load {run.load:.1f})")


def fail(what, command, stderr_path):
    """Stops with the failed program's command and the end of its stderr."""
    text = open(stderr_path, errors="replace").read()[-4000:]
    raise SystemExit(f"{what} failed: {' '.join(command)}\n--- its stderr (end) ---\n{text}")


def dlg_command(name, data, tmp, epochs, seed, batch, args):
    """dlg's command line for one run, and the file its --log goes to. A model whose data is
    prepared here runs as a copy in `tmp` that reads it."""
    model = MODELS[name]
    graph = os.path.join(ROOT, model.graph)
    if model.data == "cifar":
        # A copy of the model next to a link named as the model's data folder.
        shutil.copy(graph, tmp)
        os.symlink(data, os.path.join(tmp, "cifar-10-batches-bin"))
        graph = os.path.join(tmp, os.path.basename(graph))
    elif model.data == "fashion_mnist" and data != FASHION_MNIST:
        text = open(graph).read().replace(f'"{FASHION_MNIST}"', json.dumps(data))
        graph = os.path.join(tmp, os.path.basename(graph))
        open(graph, "w").write(text)
    log = os.path.join(tmp, "dlg.jsonl")
    command = [DLG, "run", graph, "--epochs", str(epochs), "--seed", str(seed),
               "--threads", str(args.threads), "--log", log]
    if batch:
        command += ["--batch", str(batch)]
    return command, log


def peer_command(peer, name, data, epochs, seed, batch, args):
    """A peer's command line for one run (it prints its JSON lines on stdout)."""
    model = MODELS[name]
    if peer == "pytorch":
        command = [PYTHON, os.path.join(ROOT, model.peer)]
    else:
        command = [PYTHON_TF, os.path.join(ROOT, "bench/peers/keras_peer.py"), "--model", name]
        if peer == "tensorflow-xla":
            command.append("--xla")
    command += ["--epochs", str(epochs), "--threads", str(args.threads), "--seed", str(seed)]
    if batch:
        command += ["--batch", str(batch)]
    if model.data:
        command += ["--data", data]
    return command


def peers_of(name, args):
    """The peers this model is run against: --peers, less those it has no script for."""
    return [p for p in args.peers if p == "pytorch" or MODELS[name].keras]


def compare(name, args, data, batch):
    """Runs the rounds of one model at one batch size; returns (runs, summary dict)."""
    model = MODELS[name]
    peers = peers_of(name, args)
    frameworks = ["dlg"] + peers
    runs = []
    epochs = model.epochs or args.epochs
    print(f"== {name}: {model.graph} vs {', '.join(peers)}; {args.threads} threads, "
          + (f"batch {batch}, " if batch else "")
          + f"{epochs} epoch(s), {args.rounds} round(s)", flush=True)
    for round_ in range(1, args.rounds + 1):
        # The order turns by one each round, so no program always follows the same other one.
        turn = (round_ - 1) % len(frameworks)
        for framework in frameworks[turn:] + frameworks[:turn]:
            with tempfile.TemporaryDirectory(prefix=f"dlg-bench-{name}-") as tmp:
                out, err = os.path.join(tmp, "out"), os.path.join(tmp, "err")
                if framework == "dlg":
                    command, log = dlg_command(name, data, tmp, epochs, round_, batch, args)
                    what = "dlg"
                else:
                    command, log = peer_command(framework, name, data, epochs, round_, batch,
                                                args), out
                    what = f"the {framework} peer (bench/peers/setup.sh makes its venv)"
                load = os.getloadavg()[0]
                status, rss, wall = measure(
                    command, out, err, env=dlg_environment() if framework == "dlg" else None)
                records = json_lines(log) if status == 0 else []
                if not records:
                    fail(f"{what} (exit {status})", command, err)
                runs.append(Run(framework, batch, round_, records, rss, wall, load))
                print(f"round {round_} {framework + ':':15} {describe(runs[-1])}", flush=True)

    def median(framework, key):
        return statistics.median(key(r) for r in runs if r.framework == framework)

    speed = {f: median(f, lambda r: r.speed) for f in frameworks}
    rss = {f: max(r.rss for r in runs if r.framework == f) for f in frameworks}
    best = max(peers, key=lambda p: speed[p])
    leanest = min(peers, key=lambda p: rss[p])
    # A peer whose layers keep their parameters another way (Keras's LSTM has one bias a gate
    # where dlg has two) reports the count of the same model in dlg's layout as well.
    parameters = {f: next((r.record.get("dlg_layout_parameters", r.record.get("parameters"))
                           for r in runs if r.framework == f), None)
                  for f in peers}
    parameters["dlg"] = dlg_parameters(model.graph)
    summary = {
        "batch": batch, "speed": speed, "rss": rss, "best": best, "leanest": leanest,
        "speed_ratio": speed["dlg"] / speed[best], "rss_ratio": rss["dlg"] / rss[leanest],
        "parameters": parameters,
        "parameters_match": all(v is None or v == parameters["dlg"] for v in parameters.values()),
    }
    if all("validation_loss" in r.record for r in runs):
        summary["validation_loss"] = {
            f: median(f, lambda r: r.record["validation_loss"]) for f in frameworks}
        v = summary["validation_loss"]
        print("median validation loss after " + f"{epochs} epoch(s): "
              + ", ".join(f"{f} {v[f]:.4f}" for f in frameworks))
    print("median samples/s: " + ", ".join(f"{f} {speed[f]:.0f}" for f in frameworks)
          + f"; dlg/{best} (the fastest peer) = {summary['speed_ratio']:.2f}x")
    print("peak RSS: " + ", ".join(f"{f} {rss[f] / 2**20:.0f} MiB" for f in frameworks)
          + f"; dlg/{leanest} (the leanest peer) = {summary['rss_ratio']:.2f}x")
    print("parameters: " + ", ".join(f"{f} {parameters[f] if parameters[f] is not None else '?'}"
                                     for f in frameworks)
          + ("" if summary["parameters_match"] else "  <-- MISMATCH: the models differ"))
    return runs, summary


# ---- report -------------------------------------------------------------------------------

def versions(runs):
    """One line naming the compiler, BLAS, every peer's version and dlg's commit."""
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
    peers = {}
    for r in runs:
        if r.framework != "dlg" and "version" in r.record:
            version = r.record["version"]
            peers.setdefault(version if " " in version else f"torch {version}", None)
    return f"{swift}; {blas}; {'; '.join(peers)}; dlg at {commit} (binary built {built})"


def write_markdown(path, name, args, data_note, runs, summaries):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    model = MODELS[name]
    peers = peers_of(name, args)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(f"# {name}: dlg vs {', '.join(peers)}\n\n")
        f.write(f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}\n\n")
        f.write(f"Versions: {versions(runs)}\n\n")
        f.write(f"Models: `{model.graph}`, `{model.peer}`"
                + (", `bench/peers/keras_peer.py`" if model.keras else "")
                + f"; {args.threads} threads; {model.epochs or args.epochs} epoch(s) per run; "
                f"seed = round. {data_note}\n\n")
        f.write("samples/s covers each program's training loop only (the median of its epochs "
                "after the first when it trains several); seconds is its last epoch; wall is "
                "the whole process (start-up, data loading, evaluation); load is the machine's "
                "1-minute load average as the run started (it lags, and includes the previous "
                f"run; well above {args.threads} means other work shared the "
                f"{os.cpu_count()} cores and the timings are noisy).\n\n")
        f.write("| batch | run | framework | samples/s | seconds | wall (s) | reached | "
                "peak RSS (MiB) | load |\n|---|---|---|---|---|---|---|---|---|\n")
        for r in runs:
            f.write(f"| {r.batch or 'own'} | {r.round} | {r.framework} | {r.speed:.0f} | "
                    f"{r.record['seconds']:.1f} | {r.wall:.1f} | {quality(r.record)} | "
                    f"{r.rss / 2**20:.0f} | {r.load:.1f} |\n")
        f.write("\nMedians:\n\n| batch | " + " | ".join(["dlg"] + peers)
                + " | dlg / fastest peer | dlg peak RSS / leanest peer's |\n|"
                + "---|" * (len(peers) + 4) + "\n")
        for s in summaries:
            f.write(f"| {s['batch'] or 'own'} | "
                    + " | ".join(f"{s['speed'][p]:.0f}" for p in ["dlg"] + peers)
                    + f" | {s['speed_ratio']:.2f}× ({s['best']}) | "
                    f"{s['rss_ratio']:.2f}× ({s['rss']['dlg'] / 2**20:.0f} / "
                    f"{s['rss'][s['leanest']] / 2**20:.0f} MiB, {s['leanest']}) |\n")
        for s in summaries:
            if "validation_loss" in s:
                v = s["validation_loss"]
                f.write("\nMedian validation loss: "
                        + ", ".join(f"{p} {v[p]:.4f}" for p in ["dlg"] + peers) + "\n")
        p = summaries[-1]["parameters"]
        f.write("\nParameters: " + ", ".join(
            f"{k} {v if v is not None else 'not reported'}" for k, v in p.items())
            + ("" if summaries[-1]["parameters_match"] else " (MISMATCH)") + "\n")


def prepare_data(name, args, scratch, cache):
    """The data folder a model's runs read (None when the file's own path is used), and the
    note the report gives about it. Each kind is prepared once for all models."""
    kind = MODELS[name].data
    if not kind:
        if args.limit:
            print(f"note: --limit does not apply to {name}", file=sys.stderr)
        return None, ""
    if kind in cache:
        return cache[kind]
    if kind == "cifar":
        data = cifar_folder(args)
        note = (f"Data: the CIFAR-10 files in {data}." if args.cifar else
                "Data: synthetic CIFAR-10 from bench/make_cifar.py (seed 1), "
                "same format and size as the real set.")
        if args.limit:
            data = limited_cifar(data, args.limit, os.path.join(scratch, "cifar-10-batches-bin"))
    else:
        data, note = FASHION_MNIST, f"Data: {FASHION_MNIST}."
        if args.limit:
            data = limited_idx(data, args.limit, os.path.join(scratch, "fashion-mnist"))
    if args.limit:
        note += f" Training on the first {args.limit} samples only (--limit)."
    cache[kind] = (data, note)
    return cache[kind]


def main():
    parser = argparse.ArgumentParser(description="dlg vs its peers, side by side.")
    parser.add_argument("--model", choices=list(MODELS) + ["all"], default="fashion_mnist")
    parser.add_argument("--peers", nargs="+", choices=PEERS, default=PEERS,
                        help="the peers to run (default: all; models without a Keras peer "
                             "run against PyTorch only)")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", "2")))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, nargs="+", default=[0], metavar="N",
                        help="train at these batch sizes, one after the other (default: each "
                             "model's own)")
    parser.add_argument("--cifar", metavar="DIR",
                        help="the real CIFAR-10 binary folder (default: synthetic data)")
    parser.add_argument("--limit", type=int, default=0, metavar="N",
                        help="CIFAR-10 and Fashion-MNIST: train on the first N samples only")
    parser.add_argument("--markdown", help="results file (one model only; default "
                        "bench/results/<model>.md)")
    args = parser.parse_args()
    names = list(MODELS) if args.model == "all" else [args.model]
    if args.markdown and len(names) > 1:
        parser.error("--markdown names one file: use it with one --model")
    if any(b < 0 for b in args.batch):
        parser.error("--batch wants sizes of at least 1 (or 0: the model's own)")
    if not os.path.exists(DLG):
        raise SystemExit(f"{DLG} is missing: run `swift build -c release` first")
    needs = {PYTHON: "pytorch" in args.peers,
             PYTHON_TF: any(p.startswith("tensorflow") for p in args.peers)}
    for python, needed in needs.items():
        if needed and not os.path.exists(python):
            raise SystemExit(f"{python} is missing: run `bash bench/peers/setup.sh` first")

    table = []
    with tempfile.TemporaryDirectory(prefix="dlg-bench-data-") as scratch:
        cache = {}
        for name in names:
            data, note = prepare_data(name, args, scratch, cache)
            runs, summaries = [], []
            for batch in args.batch:
                batch_runs, summary = compare(name, args, data, batch)
                runs += batch_runs
                summaries.append(summary)
                table.append((name, summary))
            path = args.markdown or os.path.join(ROOT, f"bench/results/{name}.md")
            write_markdown(path, name, args, note, runs, summaries)
            print(f"wrote {path}\n", flush=True)

    if len(table) > 1:
        print(f"{'model':16} {'batch':>5}  {'dlg / fastest peer':>26}  {'dlg RSS / leanest peer':>28}")
        for name, s in table:
            print(f"{name:16} {s['batch'] or 'own':>5}  {s['speed_ratio']:8.2f}x {s['best']:>16}  "
                  f"{s['rss_ratio']:10.2f}x {s['leanest']:>16}")
    if not all(s["parameters_match"] for _, s in table):
        raise SystemExit("parameter counts differ between dlg and a peer (see above)")


if __name__ == "__main__":
    main()
