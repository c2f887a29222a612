"""The data every peer reads, with NumPy only, so the PyTorch and the TensorFlow peers (each in
its own venv) load exactly the same arrays as dlg's loaders give.

- Fashion-MNIST: the IDX files (gzip or not), scaled by 1/255, as `idx(..., scale: 1/255)`.
- CIFAR-10: the binary files, scaled by 1/255, as `cifar(..., scale: 1/255)`; NCHW as stored
  (PyTorch's layout) or NHWC (dlg's and Keras's).
- Reviews: `label<TAB>text` lines as `text(file, vocabulary: 10000, length: 100)` encodes them:
  lower-cased runs of letters and digits, the 9998 most frequent training words (ties
  alphabetical) as ids 2, 3, ... (1: any other word, 0: padding after the text).
- Characters: a text file as `chars(file, length: 64, vocabulary: 3000)` reads it (see
  `characters`), cut into pieces of 64 inputs labelled with their next characters, and the
  last pieces held out as `validation 0.05` holds them out.
"""

import gzip
import math
import os
import re
from collections import Counter

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
CIFAR = os.path.join(ROOT, "bench/.data/cifar-10-batches-bin")
REVIEWS = os.path.join(ROOT, "graphs/data")
FORTUNES_ZH = "/usr/share/games/fortunes/chinese"

SIDE, CHANNELS = 32, 3
CIFAR_RECORD = 1 + SIDE * SIDE * CHANNELS   # one label byte, then 3072 channel-major pixels


def read_idx(path):
    """The array an IDX file holds (its header's dimensions, unsigned bytes)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def idx_file(folder, name):
    """`name` in `folder`, gzipped or not, whichever is there."""
    for candidate in (name + ".gz", name):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            return path
    raise SystemExit(f"{folder} has no {name}(.gz)")


def fashion_mnist(folder, split):
    """Images (N, 28, 28) float32 in [0, 1] and labels (N,) int64 of "train" or "t10k"."""
    images = read_idx(idx_file(folder, f"{split}-images-idx3-ubyte")).astype(np.float32) / 255.0
    labels = read_idx(idx_file(folder, f"{split}-labels-idx1-ubyte")).astype(np.int64)
    return images, labels


def cifar(folder, split, layout="NCHW"):
    """Images float32 scaled by 1/255 ((N, 3, 32, 32), or (N, 32, 32, 3) for "NHWC") and
    labels (N,) int64: `train` is data_batch_1.bin ... data_batch_5.bin in that order, `test`
    is test_batch.bin."""
    names = ["test_batch.bin"] if split == "test" else [f"data_batch_{i}.bin" for i in range(1, 6)]
    paths = [os.path.join(folder, name) for name in names]
    sizes = [os.path.getsize(path) for path in paths]
    for path, size in zip(paths, sizes):
        if size == 0 or size % CIFAR_RECORD:
            raise SystemExit(f"{path}: {size} bytes is not a whole number of {CIFAR_RECORD}-byte "
                             "CIFAR-10 records")
    # One float array for the whole split, filled file by file, so the peak memory is the
    # data set plus one file's bytes (as in dlg's loader), not several full-size copies.
    count = sum(sizes) // CIFAR_RECORD
    images = np.empty((count, CHANNELS * SIDE * SIDE), dtype=np.float32)
    labels = np.empty(count, dtype=np.int64)
    start = 0
    for path in paths:
        records = np.fromfile(path, dtype=np.uint8).reshape(-1, CIFAR_RECORD)
        end = start + len(records)
        labels[start:end] = records[:, 0]
        np.multiply(records[:, 1:], np.float32(1 / 255), out=images[start:end])
        start = end
    images = images.reshape(-1, CHANNELS, SIDE, SIDE)
    if layout == "NHWC":
        images = np.ascontiguousarray(images.transpose(0, 2, 3, 1))
    return images, labels


def tokenize(text):
    return [w for w in re.split(r"[^\w]|_", text.lower()) if w]


def read_reviews(path):
    labels, texts = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            label, text = line.rstrip("\n").split("\t", 1)
            labels.append(float(label))
            texts.append(tokenize(text))
    return np.array(labels, dtype=np.float32), texts


def vocabulary(texts, size=10000):
    """Word -> id for the size - 2 most frequent words (ties alphabetical), from 2 up."""
    counts = Counter(w for words in texts for w in words)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: size - 2]
    return {w: i + 2 for i, (w, _) in enumerate(ranked)}


def encode(texts, ids, length):
    rows = np.zeros((len(texts), length), dtype=np.int64)
    for r, words in enumerate(texts):
        row = [ids.get(w, 1) for w in words[:length]]
        rows[r, : len(row)] = row
    return rows


def reviews(folder=REVIEWS, length=100, size=10000):
    """(train ids, train labels), (test ids, test labels) of reviews_{train,test}.tsv."""
    train_labels, train_texts = read_reviews(os.path.join(folder, "reviews_train.tsv"))
    test_labels, test_texts = read_reviews(os.path.join(folder, "reviews_test.tsv"))
    ids = vocabulary(train_texts, size)
    return ((encode(train_texts, ids, length), train_labels),
            (encode(test_texts, ids, length), test_labels))


# An escape: `ESC [`, parameters, then a final code point in @...~ (or the end of the text);
# or ESC and whatever one code point follows it (or nothing, at the end).
ESCAPE = re.compile(r"\x1b(?:\[[^\x40-\x7e]*[\x40-\x7e]?|.?)", re.DOTALL)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")   # all but \t (0x09) and \n (0x0A)


def clean(text):
    """CharacterDataset.clean: the text without terminal escape sequences and without control
    characters other than newline and tab."""
    return CONTROL.sub("", ESCAPE.sub("", text))


def characters(path, length, vocabulary):
    """(ids of the cleaned text as int64, the vocabulary as {character: id}) as dlg's chars()
    makes them: the file's UTF-8 (bytes that do not decode read as U+FFFD), cleaned, and the
    vocabulary - 2 most frequent code points of the whole text (ties by code point) as ids 2,
    3, ... (1: any other character)."""
    with open(path, "rb") as f:
        text = clean(f.read().decode("utf-8", errors="replace"))
    counts = Counter(text)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], ord(item[0])))
    ids = {ch: i + 2 for i, (ch, _) in enumerate(ranked[: max(vocabulary - 2, 0)])}
    # Code point -> id through one table, not a dictionary lookup per character.
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    table = np.ones(int(points.max(initial=0)) + 1, dtype=np.int64)
    for ch, i in ids.items():
        table[ord(ch)] = i
    encoded = table[points]
    if len(encoded) <= length:
        raise SystemExit(f"{path}: {len(encoded)} characters, too few for one piece of {length}")
    return encoded, ids


def pieces(ids, length):
    """Inputs ids[i*T : (i+1)*T] and targets ids[i*T+1 : (i+1)*T+1] for each piece i."""
    count = (len(ids) - 1) // length
    return (ids[: count * length].reshape(count, length),
            ids[1 : count * length + 1].reshape(count, length))


def held_out(count, fraction):
    """Dataset.split's count: round(count * fraction) (half away from zero, as Swift's
    .rounded()), at least 1 and at most count - 1."""
    product = count * fraction
    rounded = math.floor(product)
    if product - rounded >= 0.5:
        rounded += 1
    return min(max(rounded, 1), max(count - 1, 0))


def character_pieces(path=FORTUNES_ZH, length=64, vocabulary=3000, validation=0.05):
    """(training inputs, targets, validation inputs, targets) as int64 arrays, the number of
    characters and of vocabulary entries: what `chars(path, length:, vocabulary:)` with
    `validation` gives."""
    ids, table = characters(path, length, vocabulary)
    x, y = pieces(ids, length)
    held = held_out(len(x), validation)
    return (x[:-held], y[:-held], x[-held:], y[-held:]), len(ids), len(table)
