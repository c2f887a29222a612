"""The character language model of graphs/char_transformer.dlg in PyTorch, for side-by-side
timing and a validation-loss comparison.

Model (as stdlib/transformer.dlg's TransformerDecoderBlock): Embedding[3000, 128], a learned
positional table [64, 128] added to every sample, 4 pre-norm decoder blocks (LayerNorm ->
causal 4-head self-attention -> Add; LayerNorm -> Dense 512 + tanh-GELU -> Dense 128 -> Add),
a final LayerNorm and Dense[3000]. Weights start as in dlg: Glorot (Xavier) uniform with dlg's
fans (the embedding 3000 x 128, the positional table 64 x 128, every projection in x out),
zero biases, LayerNorm gamma 1 and beta 0, epsilon 1e-5. As in dlg the key projection has no
bias (the softmax cancels it), so the parameter count is dlg's: 1,572,024.

The q, k and v projections are one [384, 128] weight (three Xavier-initialized 128 x 128
blocks, each with dlg's limit sqrt(6 / 256)) applied by a single GEMM, with the bias
[b_q, 0, b_v]: the same function and parameters as three separate projections, but faster.
Attention is computed explicitly by default: one baddbmm for the scaled scores plus the
additive causal mask (-inf above the diagonal), a softmax, a bmm with v. In a 1-thread
forward+backward micro-benchmark of the attention core ([32, 4, 64, 32]) that was the fastest
variant: about 7.0 ms against 7.4 ms for F.scaled_dot_product_attention(is_causal=True) and
8.5 ms for matmul + masked_fill; across the whole step (about 260 ms, mostly the Dense layers
and the 3000-way softmax) the difference is within noise. `--attention sdpa` uses SDPA.

Data as dlg's `chars(file, length: 64, vocabulary: 3000)` reads it: the file's UTF-8 (bytes
that are not read as U+FFFD), terminal escape sequences and control characters but newline and
tab removed, the 2998 most frequent code points of the whole cleaned text (ties by code point)
as ids 2, 3, ... (1: any other character), cut into consecutive pieces of 64 inputs labelled
with their next characters. `validation 0.05` holds out the last 5% of the pieces.

Training as the train section says: mean softmax cross-entropy over all positions, AdamW (lr
1e-3, betas 0.9/0.999, epsilon 1e-7, weight decay 0.01 on every parameter), the cosine
schedule with 100 warm-up steps (the factor for 1-based step s applied to step s's update),
gradients clipped to global norm 1, batch 32 shuffled every epoch, the last partial batch kept.
(dlg folds Adam's bias corrections into the step size and epsilon, as Kingma & Ba section 2
do; that is algebraically PyTorch's update. Its clipping, like clip_grad_norm_, scales by
max_norm / (norm + 1e-6) when the norm exceeds 1.)
dlg's shuffle uses its own generator, so the batches differ; the loss curves should agree
statistically, not bit for bit.

Prints one JSON object per epoch with the keys dlg's --log writes (plus tokens_per_second and
a few identifying keys), with the parameter count and the peak RSS so far. Only the training
loop is timed: the data is encoded and in memory as tensors before the clock starts, and the
validation pass happens after it stops.

    bench/.venv/bin/python bench/peers/char_transformer.py --threads 2
    bench/.venv/bin/python bench/peers/char_transformer.py --limit-steps 5 --epochs 1 --threads 1
"""

import argparse
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402  (the data readers every peer shares, next to this file)

DEFAULT_FILE = datasets.FORTUNES_ZH
LENGTH, VOCABULARY, WIDTH, HEADS, FF, BLOCKS = 64, 3000, 128, 4, 512, 4
VALIDATION = 0.05
DLG_PARAMETERS = 1_572_024   # what `dlg check graphs/char_transformer.dlg` reports

def glorot_(tensor, fan_in, fan_out):
    limit = math.sqrt(6 / (fan_in + fan_out))
    with torch.no_grad():
        return tensor.uniform_(-limit, limit)


def dense(inputs, outputs):
    """nn.Linear initialized as dlg's Dense: Glorot uniform, zero bias."""
    layer = nn.Linear(inputs, outputs)
    glorot_(layer.weight, inputs, outputs)
    nn.init.zeros_(layer.bias)
    return layer


class CausalSelfAttention(nn.Module):
    """dlg's MultiHeadAttention[heads, causal: true] on [N, T, D]: q, k, v projections (no key
    bias), scaled dot products, softmax over the past, heads joined and projected back."""

    def __init__(self, width, heads, explicit):
        super().__init__()
        self.heads, self.key_dim, self.explicit = heads, width // heads, explicit
        self.qkv_weight = nn.Parameter(torch.empty(3 * width, width))
        for part in self.qkv_weight.data.split(width):   # three independent Glorot blocks
            glorot_(part, width, width)
        self.q_bias = nn.Parameter(torch.zeros(width))
        self.v_bias = nn.Parameter(torch.zeros(width))
        self.register_buffer("k_bias", torch.zeros(width), persistent=False)
        self.out = dense(width, width)

    def forward(self, x):
        n, t, d = x.shape
        bias = torch.cat([self.q_bias, self.k_bias, self.v_bias])
        qkv = F.linear(x, self.qkv_weight, bias).view(n, t, 3, self.heads, self.key_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)   # each [N, heads, T, key_dim]
        if self.explicit:
            # softmax(q k^T / sqrt(key_dim) + mask) v, the mask -inf above the diagonal; one
            # baddbmm for the scaled, masked scores.
            mask = torch.full((t, t), float("-inf"), device=x.device).triu(1)
            scores = torch.baddbmm(mask, q.reshape(-1, t, self.key_dim),
                                   k.reshape(-1, t, self.key_dim).transpose(1, 2),
                                   alpha=1 / math.sqrt(self.key_dim))
            heads = (torch.softmax(scores, dim=-1) @ v.reshape(-1, t, self.key_dim)).view(
                n, self.heads, t, self.key_dim)
        else:
            heads = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(heads.transpose(1, 2).reshape(n, t, d))


def layer_norm(width):
    return nn.LayerNorm(width, eps=1e-5)   # gamma 1, beta 0


class DecoderBlock(nn.Module):
    """stdlib/transformer.dlg's TransformerDecoderBlock[width, heads, ff] (pre-norm)."""

    def __init__(self, width, heads, ff, explicit):
        super().__init__()
        self.norm1 = layer_norm(width)
        self.attn = CausalSelfAttention(width, heads, explicit)
        self.norm2 = layer_norm(width)
        self.ff1 = dense(width, ff)
        self.ff2 = dense(ff, width)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.ff2(F.gelu(self.ff1(self.norm2(x)), approximate="tanh"))


class CharTransformer(nn.Module):
    def __init__(self, explicit=True):
        super().__init__()
        self.embed = nn.Embedding(VOCABULARY, WIDTH)
        glorot_(self.embed.weight, VOCABULARY, WIDTH)
        self.pos = nn.Parameter(glorot_(torch.empty(LENGTH, WIDTH), LENGTH, WIDTH))
        self.dec = nn.Sequential(*[DecoderBlock(WIDTH, HEADS, FF, explicit) for _ in range(BLOCKS)])
        self.norm = layer_norm(WIDTH)
        self.out = dense(WIDTH, VOCABULARY)

    def forward(self, chars):
        return self.out(self.norm(self.dec(self.embed(chars) + self.pos)))


def cosine(step, total, warmup):
    """dlg's cosine(warmup:) factor on the learning rate for the 1-based step of a run of
    `total` steps: linear from 0 over the warm-up, then a half cosine from 1 down to 0."""
    if step < warmup:
        return step / max(warmup, 1)
    return 0.5 * (1 + math.cos(math.pi * min((step - warmup) / max(total - warmup, 1), 1)))


def loss_and_correct(logits, y):
    flat = logits.reshape(-1, logits.shape[-1])
    loss = F.cross_entropy(flat, y.reshape(-1))   # the mean over all positions
    return loss, (flat.detach().argmax(1) == y.reshape(-1)).sum().item()


def evaluate(net, x, y, batch):
    """Mean cross-entropy and per-position accuracy without gradients, at the training batch
    size as dlg evaluates; each batch's mean loss weighted by its number of samples."""
    net.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            loss, right = loss_and_correct(net(x[i : i + batch]), y[i : i + batch])
            loss_sum += loss.item() * len(x[i : i + batch])
            correct += right
    net.train()
    return loss_sum / len(x), correct / y.numel()


def arguments(description, extra=None):
    """The flags both character peers take; `extra(parser)` adds a peer's own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--file", default=DEFAULT_FILE)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit-steps", type=int, default=0,
                        help="stop each epoch after N steps (0: the whole epoch); the schedule "
                             "still counts the full run's steps")
    if extra:
        extra(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)
    return args


def corpus(args):
    """(training inputs, targets, validation inputs, targets) as dlg's chars() and
    `validation 0.05` make them, and the number of characters and of vocabulary entries."""
    arrays, characters, vocabulary = datasets.character_pieces(
        args.file, LENGTH, VOCABULARY, VALIDATION)
    return tuple(torch.from_numpy(a) for a in arrays), characters, vocabulary


def train(net, data, args, rate, name, dlg_parameters, describe=""):
    """Trains as the .dlg files' train sections say (AdamW with weight decay 0.01 and epsilon
    1e-7, the cosine schedule with 100 warm-up steps, clipping to norm 1, batch shuffled every
    epoch) and prints one JSON object per epoch."""
    x, y, vx, vy = data
    parameters = sum(p.numel() for p in net.parameters())
    assert parameters == dlg_parameters, f"{parameters} parameters, dlg has {dlg_parameters}"
    warmup = 100
    optimizer = torch.optim.AdamW(net.parameters(), lr=rate, betas=(0.9, 0.999), eps=1e-7,
                                  weight_decay=0.01)
    batches = math.ceil(len(x) / args.batch)
    total_steps = args.epochs * batches
    # stderr, so stdout stays one JSON object per line.
    print(f"{name}: {parameters} parameters, {len(x)} training and {len(vx)} validation "
          f"pieces, {batches} batches an epoch{describe}", file=sys.stderr, flush=True)
    generator = torch.Generator().manual_seed(args.seed)
    step = 0
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(x), generator=generator)   # a new shuffle every epoch
        loss_sum, correct, samples, steps = 0.0, 0, 0, 0
        start = time.perf_counter()
        for b, i in enumerate(range(0, len(x), args.batch)):
            if args.limit_steps and b >= args.limit_steps:
                break
            index = order[i : i + args.batch]
            xb, yb = x[index], y[index]
            step += 1
            for group in optimizer.param_groups:
                group["lr"] = rate * cosine(step, total_steps, warmup)
            loss, right = loss_and_correct(net(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            loss_value = loss.item()
            if step == 1:
                print(f"first step loss {loss_value:.4f} (ln {VOCABULARY} = "
                      f"{math.log(VOCABULARY):.4f})", file=sys.stderr, flush=True)
            loss_sum += loss_value * len(index)
            correct += right
            samples += len(index)
            steps += 1
        seconds = time.perf_counter() - start
        validation_loss, validation_accuracy = evaluate(net, vx, vy, args.batch)
        print(json.dumps({
            "framework": "pytorch", "version": torch.__version__, "model": name,
            "threads": args.threads, "epoch": epoch, "steps": steps,
            "train_loss": loss_sum / max(samples, 1),
            "train_accuracy": correct / max(samples * LENGTH, 1),
            "validation_loss": validation_loss, "validation_accuracy": validation_accuracy,
            "seconds": seconds, "samples_per_second": samples / seconds,
            "tokens_per_second": samples * LENGTH / seconds, "parameters": parameters,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }), flush=True)


def main():
    args = arguments(
        __doc__.split("\n\n")[0],
        lambda parser: parser.add_argument(
            "--attention", choices=["explicit", "sdpa"], default="explicit",
            help="explicit: baddbmm + mask + softmax (the faster on CPU here); "
                 "sdpa: F.scaled_dot_product_attention(is_causal=True)"))
    data, characters, vocabulary = corpus(args)
    net = CharTransformer(explicit=args.attention == "explicit")
    train(net, data, args, 1e-3, "char_transformer", DLG_PARAMETERS,
          f", {characters} characters, {vocabulary} in the vocabulary, "
          f"attention {args.attention}")


if __name__ == "__main__":
    main()
