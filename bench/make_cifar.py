"""Writes a synthetic CIFAR-10 look-alike in the CIFAR-10 *binary* format, for benchmarks.

The real CIFAR-10 files are not always at hand (they cannot be downloaded on every machine),
but the benchmarks only need data of the right size and format that a model can learn from.
This script writes data_batch_1.bin ... data_batch_5.bin (10000 records each) and
test_batch.bin (10000 records), every record being one label byte followed by a 32x32 colour
image stored channel by channel (1024 red, 1024 green, 1024 blue bytes), like the real files.

How the images are made (all from one seed, so the output is byte-for-byte reproducible):
  * every class gets a background colour and a smooth pattern: per colour channel, a sum of
    a few low-frequency 2-D sine waves with random directions, frequencies and phases;
  * every image is its class's pattern, moved by a few pixels, with random contrast and a
    random tint, blended with a weaker pattern of another class (a distractor, so the task is
    not trivial), plus per-pixel Gaussian noise; values are clipped to 0..255.
A small CNN separates the classes well after one epoch; a constant guess scores 10%.

Usage:
  python bench/make_cifar.py [--out bench/.data/cifar-10-batches-bin] [--seed 1] [--force]
Needs NumPy (bench/peers/setup.sh puts it in bench/.venv).
"""

import argparse
import json
import os

import numpy as np

SIDE = 32            # images are SIDE x SIDE pixels
CHANNELS = 3         # red, green, blue
CLASSES = 10
RECORDS = 10000      # records per file, as in the real data set
WAVES = 3            # sine waves summed per class and channel
MAX_SHIFT = 4        # images move by up to this many pixels in each direction
NOISE = 0.15         # standard deviation of the pixel noise, on the 0..1 scale
VERSION = 3          # bump when the generator changes, so stale folders are rewritten

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "bench/.data/cifar-10-batches-bin")
FILES = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
MARKER = "synthetic.json"   # describes how the folder was made; dlg ignores it


def class_patterns(rng):
    """Returns (angles, amplitudes, colours) that define every class's pattern.

    angles[c, ch, k] is the phase of wave k at every pixel, shape (CLASSES, CHANNELS, WAVES,
    SIDE, SIDE); a shift of the image is later added as one phase offset per wave.
    """
    y, x = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
    # Integer frequencies (whole cycles across the image) from 1 to 3, random signs: smooth
    # stripes and checkers that differ between classes.
    fx = rng.integers(-3, 4, size=(CLASSES, CHANNELS, WAVES))
    fy = rng.integers(1, 4, size=(CLASSES, CHANNELS, WAVES))
    phase = rng.uniform(0, 2 * np.pi, size=(CLASSES, CHANNELS, WAVES))
    angles = (2 * np.pi / SIDE) * (fx[..., None, None] * x + fy[..., None, None] * y) \
        + phase[..., None, None]
    amplitudes = rng.uniform(0.3, 1.0, size=(CLASSES, CHANNELS, WAVES)).astype(np.float32)
    colours = rng.uniform(0.45, 0.55, size=(CLASSES, CHANNELS)).astype(np.float32)
    return angles.astype(np.float32), fx, fy, amplitudes, colours


def pattern(angles, fx, fy, amplitudes, classes, dx, dy):
    """The patterns of the given classes, moved by (dx, dy) pixels: shape (n, CHANNELS, SIDE,
    SIDE), roughly within -1..1."""
    # Moving a sine wave by (dx, dy) only changes its phase.
    shift = (2 * np.pi / SIDE) * (fx[classes] * dx[:, None, None] + fy[classes] * dy[:, None, None])
    waves = np.sin(angles[classes] - shift[..., None, None].astype(np.float32))
    waves *= amplitudes[classes][..., None, None]
    return waves.sum(axis=2) / WAVES


def make_file(rng, model, count):
    """Returns (labels, images) for one file: labels uint8 (count,), images uint8 (count,
    CHANNELS, SIDE, SIDE), i.e. already channel-major as the file stores them."""
    angles, fx, fy, amplitudes, colours = model
    labels = rng.integers(0, CLASSES, size=count)
    images = np.empty((count, CHANNELS, SIDE, SIDE), dtype=np.uint8)
    chunk = 1000   # bounds memory: the wave stack is chunk x 3 x 3 x 32 x 32 floats
    for start in range(0, count, chunk):
        c = labels[start : start + chunk]
        n = len(c)
        # The distractor: any class but the image's own, with a weight below the main one.
        other = (c + rng.integers(1, CLASSES, size=n)) % CLASSES
        weight = rng.uniform(0.0, 0.9, size=n).astype(np.float32)
        dx = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=n)
        dy = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=n)
        contrast = rng.uniform(0.15, 0.35, size=n).astype(np.float32)
        # A random tint per image and channel, larger than the differences between the
        # class colours: colour alone does not give the class away.
        tint = rng.uniform(-0.12, 0.12, size=(n, CHANNELS)).astype(np.float32)
        main = pattern(angles, fx, fy, amplitudes, c, dx, dy)
        distractor = pattern(angles, fx, fy, amplitudes, other, dx, dy)
        x = contrast[:, None, None, None] * (main + weight[:, None, None, None] * distractor)
        x += (colours[c] + tint)[..., None, None]
        x += rng.normal(0.0, NOISE, size=x.shape).astype(np.float32)
        images[start : start + n] = np.clip(np.rint(x * 255), 0, 255).astype(np.uint8)
    return labels.astype(np.uint8), images


def write_file(path, labels, images):
    """Writes records of 1 label byte + 3072 image bytes (channel-major), like CIFAR-10."""
    records = np.empty((len(labels), 1 + CHANNELS * SIDE * SIDE), dtype=np.uint8)
    records[:, 0] = labels
    records[:, 1:] = images.reshape(len(labels), -1)
    tmp = path + ".tmp"
    records.tofile(tmp)
    os.replace(tmp, path)   # never leave a half-written file under the real name


def up_to_date(out, seed):
    """True when `out` already holds this generator's output for this seed."""
    try:
        with open(os.path.join(out, MARKER)) as f:
            info = json.load(f)
    except (OSError, ValueError):
        return False
    size = RECORDS * (1 + CHANNELS * SIDE * SIDE)
    paths = [os.path.join(out, name) for name in FILES]
    return info == {"seed": seed, "version": VERSION} and all(
        os.path.isfile(p) and os.path.getsize(p) == size for p in paths)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="folder to write (created if needed)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force", action="store_true", help="rewrite even if up to date")
    args = parser.parse_args()
    if not args.force and up_to_date(args.out, args.seed):
        print(f"{args.out}: synthetic CIFAR-10 (seed {args.seed}) already there")
        return
    os.makedirs(args.out, exist_ok=True)
    # The marker goes last: an interrupted run leaves no marker and is redone next time.
    marker = os.path.join(args.out, MARKER)
    if os.path.exists(marker):
        os.remove(marker)
    # One generator for the class patterns, then one per file (seeded from the same seed and
    # the file's index), so every file is reproducible on its own.
    model = class_patterns(np.random.default_rng([args.seed, 0]))
    for index, name in enumerate(FILES, start=1):
        labels, images = make_file(np.random.default_rng([args.seed, index]), model, RECORDS)
        write_file(os.path.join(args.out, name), labels, images)
    with open(marker, "w") as f:
        json.dump({"seed": args.seed, "version": VERSION}, f)
    print(f"{args.out}: wrote synthetic CIFAR-10 (seed {args.seed}), "
          f"{5 * RECORDS} training and {RECORDS} test images")


if __name__ == "__main__":
    main()
