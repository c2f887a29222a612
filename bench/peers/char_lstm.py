"""The character language model of graphs/char_lstm.dlg in PyTorch, for side-by-side timing
and a validation-loss comparison.

Embedding[3000, 128] (Glorot uniform with dlg's fans), a 2-layer nn.LSTM of 256 units
(PyTorch's initialization, U(-1/16, 1/16), which is dlg's), Dense[3000] on every position
(Glorot, zero bias). The data, the validation split (the last 5% of the pieces), the loss
(mean cross-entropy over every position) and the training (AdamW with lr 0.002, epsilon 1e-7,
weight decay 0.01; the cosine schedule with 100 warm-up steps; clipping to global norm 1;
batch 32 shuffled every epoch) are char_transformer.py's, whose helpers this script uses.

Prints one JSON object per epoch with the keys dlg's --log writes, plus tokens_per_second,
the parameter count and the peak RSS so far. Only the training loop is timed.
"""

import argparse
import json
import math
import os
import resource
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from char_transformer import (DEFAULT_FILE, LENGTH, VALIDATION, VOCABULARY, cosine, dense,  # noqa: E402
                              evaluate, glorot_, held_out, load, loss_and_correct, pieces)

UNITS, LAYERS, EMBEDDING = 256, 2, 128
DLG_PARAMETERS = 2_076_600   # what `dlg check graphs/char_lstm.dlg` reports


class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCABULARY, EMBEDDING)
        glorot_(self.embed.weight, VOCABULARY, EMBEDDING)
        self.lstm = nn.LSTM(EMBEDDING, UNITS, num_layers=LAYERS, batch_first=True)
        self.out = dense(UNITS, VOCABULARY)

    def forward(self, chars):
        hidden, _ = self.lstm(self.embed(chars))
        return self.out(hidden)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", default=DEFAULT_FILE)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit-steps", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)

    ids, _ = load(args.file, LENGTH, VOCABULARY)
    x, y = pieces(ids, LENGTH)
    held = held_out(len(x), VALIDATION)
    x, y, vx, vy = x[:-held], y[:-held], x[-held:], y[-held:]
    net = CharLSTM()
    parameters = sum(p.numel() for p in net.parameters())
    assert parameters == DLG_PARAMETERS, f"{parameters} parameters, dlg has {DLG_PARAMETERS}"
    rate, warmup = 2e-3, 100
    optimizer = torch.optim.AdamW(net.parameters(), lr=rate, eps=1e-7, weight_decay=0.01)
    batches = math.ceil(len(x) / args.batch)
    total_steps = args.epochs * batches
    generator = torch.Generator().manual_seed(args.seed)
    step = 0
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(x), generator=generator)
        loss_sum, correct, samples = 0.0, 0, 0
        start = time.perf_counter()
        for b, i in enumerate(range(0, len(x), args.batch)):
            if args.limit_steps and b >= args.limit_steps:
                break
            index = order[i : i + args.batch]
            step += 1
            for group in optimizer.param_groups:
                group["lr"] = rate * cosine(step, total_steps, warmup)
            loss, right = loss_and_correct(net(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            loss_sum += loss.item() * len(index)
            correct += right
            samples += len(index)
        seconds = time.perf_counter() - start
        validation_loss, validation_accuracy = evaluate(net, vx, vy, args.batch)
        print(json.dumps({
            "framework": "pytorch", "version": torch.__version__, "model": "char_lstm",
            "threads": args.threads, "epoch": epoch,
            "train_loss": loss_sum / max(samples, 1),
            "train_accuracy": correct / max(samples * LENGTH, 1),
            "validation_loss": validation_loss, "validation_accuracy": validation_accuracy,
            "seconds": seconds, "samples_per_second": samples / seconds,
            "tokens_per_second": samples * LENGTH / seconds, "parameters": parameters,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }), flush=True)


if __name__ == "__main__":
    main()
