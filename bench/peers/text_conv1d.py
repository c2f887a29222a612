"""The Conv1D text classifier of graphs/text_conv1d.dlg in PyTorch, for side-by-side timing.

Embedding(10000, 16) with Glorot-uniform weights (dlg's fans: 10000 in, 16 out), Conv1D 32@5
+ ReLU (valid), MaxPool1D 2, global max pooling, Dense 16 + ReLU, Dense 1 (the logit; dlg's
sigmoid with binary cross-entropy is the same loss); Adam (lr 1e-3, epsilon 1e-7 as dlg's
default); batch 32 shuffled every epoch; 163137 parameters, as `dlg check` reports. Data as
dlg's `text(file, vocabulary: 10000, length: 100)` reads graphs/data/reviews_*.tsv
(bench/peers/datasets.py).

  bench/.venv/bin/python bench/peers/text_conv1d.py [--epochs 20] [--batch 32]

Prints one JSON object per epoch with the keys dlg's --log writes. Only the training loop is
timed.
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
    def __init__(self, vocabulary=10000, dims=16, filters=32, hidden=16):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, dims)
        self.conv = nn.Conv1d(dims, filters, 5)
        self.pool = nn.MaxPool1d(2)
        self.fc = nn.Linear(filters, hidden)
        self.out = nn.Linear(hidden, 1)
        nn.init.xavier_uniform_(self.embed.weight)
        for layer in (self.conv, self.fc, self.out):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, words):
        x = self.embed(words).transpose(1, 2)          # [N, 16, 100]: channels first
        x = self.pool(torch.relu(self.conv(x)))        # [N, 32, 48]
        x = x.amax(dim=2)                              # global max pooling: [N, 32]
        return self.out(torch.relu(self.fc(x))).squeeze(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    (x, y), (tx, ty) = datasets.reviews()
    x, y, tx, ty = (torch.from_numpy(a) for a in (x, y, tx, ty))

    net = Model()
    parameters = sum(p.numel() for p in net.parameters())
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.BCEWithLogitsLoss()
    for epoch in range(1, args.epochs + 1):
        net.train()
        order = torch.randperm(len(x))
        total, correct = 0.0, 0
        start = time.perf_counter()
        for b in range(0, len(x), args.batch):
            index = order[b : b + args.batch]
            logits = net(x[index])
            loss = loss_fn(logits, y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
            correct += ((logits > 0).float() == y[index]).sum().item()
        seconds = time.perf_counter() - start
        net.eval()
        with torch.no_grad():
            logits = net(tx)
            test_loss = loss_fn(logits, ty).item()
            test_accuracy = ((logits > 0).float() == ty).float().mean().item()
        print(json.dumps({
            "framework": "pytorch", "version": torch.__version__, "model": "text_conv1d",
            "parameters": parameters, "threads": args.threads, "epoch": epoch,
            "train_loss": total / len(x), "train_accuracy": correct / len(x),
            "test_loss": test_loss, "test_accuracy": test_accuracy, "seconds": seconds,
            "samples_per_second": len(x) / seconds,
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        }), flush=True)


if __name__ == "__main__":
    main()
