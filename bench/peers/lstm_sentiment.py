"""The bidirectional-LSTM text classifier of graphs/lstm_sentiment.dlg in PyTorch, for
side-by-side timing.

Embedding(10000, 32) with Glorot-uniform weights (dlg's fans: 10000 in, 32 out), a
bidirectional nn.LSTM of 32 units per direction (PyTorch's own initialization, U(-1/sqrt(32),
1/sqrt(32)), which is dlg's), the forward loop's state after the last step joined with the
backward loop's state after the first (h_n), Linear(64, 1) with Glorot weights and a zero bias;
binary cross-entropy on the logit; Adam (lr 0.003, epsilon 1e-7 as dlg's default), gradients
clipped to global norm 1, batch 32 shuffled every epoch.

Data as dlg's `text(file, vocabulary: 10000, length: 100)` reads it: `label<TAB>text` lines,
lower-cased runs of letters and digits, the 9998 most frequent words of the training file
(ties alphabetical) as ids 2, 3, ... (1: any other word, 0: padding after the text), cut or
padded to 100 words.

Prints one JSON object per epoch with the keys dlg's --log writes (plus tokens_per_second,
the parameter count and the peak RSS so far). Only the training loop is timed.
"""

import argparse
import json
import os
import resource
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402  (the data readers every peer shares, next to this file)


class Model(nn.Module):
    def __init__(self, vocabulary=10000, dims=32, units=32):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, dims)
        nn.init.xavier_uniform_(self.embed.weight)
        self.rnn = nn.LSTM(dims, units, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * units, 1)
        nn.init.xavier_uniform_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, words):
        _, (h, _) = self.rnn(self.embed(words))
        return self.out(torch.cat([h[0], h[1]], dim=1)).squeeze(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--length", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)

    (x, y), (tx, ty) = datasets.reviews(length=args.length)
    x, y, tx, ty = (torch.from_numpy(a) for a in (x, y, tx, ty))

    net = Model()
    parameters = sum(p.numel() for p in net.parameters())
    optimizer = torch.optim.Adam(net.parameters(), lr=0.003, eps=1e-7)
    loss_fn = nn.BCEWithLogitsLoss()
    generator = torch.Generator().manual_seed(args.seed)
    for epoch in range(1, args.epochs + 1):
        net.train()
        order = torch.randperm(len(x), generator=generator)
        total, seen = 0.0, 0
        start = time.perf_counter()
        for b in range(0, len(x), args.batch):
            index = order[b:b + args.batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[index]), y[index])
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            total += loss.item() * len(index)
            seen += len(index)
        seconds = time.perf_counter() - start
        net.eval()
        with torch.no_grad():
            logits = net(tx)
            test_loss = loss_fn(logits, ty).item()
            test_accuracy = ((logits > 0).float() == ty).float().mean().item()
        print(json.dumps({
            "epoch": epoch, "train_loss": total / seen, "test_loss": test_loss,
            "test_accuracy": test_accuracy, "seconds": seconds,
            "samples_per_second": seen / seconds,
            "tokens_per_second": seen * args.length / seconds, "parameters": parameters,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }), flush=True)


if __name__ == "__main__":
    main()
