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

import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from char_transformer import VOCABULARY, arguments, corpus, dense, glorot_, train  # noqa: E402

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
    args = arguments(__doc__.split("\n\n")[0])
    data, _, _ = corpus(args)
    train(CharLSTM(), data, args, 2e-3, "char_lstm", DLG_PARAMETERS)


if __name__ == "__main__":
    main()
