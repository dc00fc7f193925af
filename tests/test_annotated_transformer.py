"""Harvard NLP's "The Annotated Transformer" (2022 version, Austin Huang, Suraj Subramanian, Jonathan Sum, Khalid
Almubarak and Stella Biderman, after Sasha Rush's 2018 post; harvardnlp/annotated-transformer,
the_annotated_transformer.py) run with `import autograd_core as torch`, giving PyTorch's numbers.

The program below follows the tutorial's structure and its API calls, as a learner writes them (in our own words,
its comments and printed lines ours): the model (EncoderDecoder, Generator, `clones` with
copy.deepcopy, the hand-written LayerNorm, SublayerConnection, EncoderLayer/DecoderLayer, `subsequent_mask` with
torch.triu, `attention` with masked_fill(mask == 0, -1e9), MultiHeadedAttention's view/transpose/contiguous,
PositionwiseFeedForward, Embeddings scaled by math.sqrt(d_model), PositionalEncoding's register_buffer and
requires_grad_(False), make_model's xavier_uniform_), the untrained model's greedy decoding (inference_test), Batch
and make_std_mask, the `rate` schedule with LambdaLR, LabelSmoothing with KLDivLoss(reduction="sum"), the copy task
(data_gen, SimpleLossCompute, run_epoch with TrainState, greedy_decode) trained for a few steps, and part 3's
collate_batch (F.pad), data loaders, train_worker's loop with gradient accumulation and checkpoints
(torch.save/torch.load of the state dict), check_outputs, the attention maps' numbers, and the shared embeddings of
"Additional Components" (tied weights, trained). CPU-sized: d_model 32 (16 in part 3), a few batches of 8, two
epochs; a comment beside each changed size.

Left out: spaCy, torchtext and Multi30k (downloads: a tiny German-English corpus, `str.split` and a small Vocab class
stand in for them), the DistributedDataParallel and multi-GPU parts (mp.spawn, DistributedSampler, torch.cuda),
GPUtil, the model averaging sketch (its `m.params()` is no method of a PyTorch module either), and the altair charts
(altair and pandas are not dependencies): the data behind each chart is built from the tensors as the tutorial
builds it, as lists instead of DataFrames, and printed. Spelled differently, a documented
design difference (docs/coming-from-pytorch.md): LabelSmoothing's `x.data.clone()` and `target.data` of computed or
target tensors, whose `.data` is a NumPy array here (`x.detach().clone()`, `target`); the tutorial's other uses of
`.data` (`next_word.data[0]`, `type_as(src.data)`, `(tgt_y != pad).data.sum()`, `sloss.data * norm`) run as written.
Found on the way and fixed: the hand-written LayerNorm's `x.std(-1, keepdim=True)` had a nan gradient on a row of
equal features (PyTorch's is 0 there; tests/test_torch_edges.py).

It runs with autograd_core alone, and with PyTorch from the same draws (tests/program_harness.py: every randint,
layer initialisation, xavier_uniform_ fill and the data loader's shuffle replayed from our run; dropout's masks too)
every number it prints agrees to float32 precision, the tokens-per-second figure (a clock) aside. The penalization
example's losses are nan in both: the tutorial's `predict.log()` has log(0) = -inf where the smoothed target is 0.
"""

from __future__ import annotations

import re

import numpy as np

from program_harness import FLOAT32_RTOL, assert_runs, reported_numbers, run_both

PROGRAM = r'''
import os
from os.path import exists
import math
import copy
import time
import warnings
import torch
import torch.nn as nn
from torch.nn.functional import log_softmax, pad
from torch.optim.lr_scheduler import LambdaLR
from torch.utils.data import DataLoader

warnings.filterwarnings("ignore")
RUN_EXAMPLES = True


def show_example(fn, args=[]):
    if RUN_EXAMPLES:
        return fn(*args)


class DummyOptimizer(torch.optim.Optimizer):
    """Stands in for an optimizer while evaluating: no parameters, nothing to do."""

    def __init__(self):
        self.param_groups = [{"lr": 0}]

    def step(self):
        pass

    def zero_grad(self, set_to_none=False):
        pass


class DummyScheduler:
    def step(self):
        pass


# ---- the model ----

class EncoderDecoder(nn.Module):
    def __init__(self, encoder, decoder, src_embed, tgt_embed, generator):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.src_embed, self.tgt_embed = src_embed, tgt_embed
        self.generator = generator

    def forward(self, src, tgt, src_mask, tgt_mask):
        memory = self.encode(src, src_mask)
        return self.decode(memory, src_mask, tgt, tgt_mask)

    def encode(self, src, src_mask):
        return self.encoder(self.src_embed(src), src_mask)

    def decode(self, memory, src_mask, tgt, tgt_mask):
        return self.decoder(self.tgt_embed(tgt), memory, src_mask, tgt_mask)


class Generator(nn.Module):
    def __init__(self, d_model, vocab):
        super().__init__()
        self.proj = nn.Linear(d_model, vocab)

    def forward(self, x):
        return log_softmax(self.proj(x), dim=-1)


def clones(module, N):
    return nn.ModuleList([copy.deepcopy(module) for _ in range(N)])


class LayerNorm(nn.Module):
    """By hand, with the sample standard deviation and eps added to it."""

    def __init__(self, features, eps=1e-6):
        super().__init__()
        self.a_2 = nn.Parameter(torch.ones(features))
        self.b_2 = nn.Parameter(torch.zeros(features))
        self.eps = eps

    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        std = x.std(-1, keepdim=True)
        return self.a_2 * (x - mean) / (std + self.eps) + self.b_2


class SublayerConnection(nn.Module):
    """Normalise, run the sublayer, drop out, add the input back."""

    def __init__(self, size, dropout):
        super().__init__()
        self.norm = LayerNorm(size)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, sublayer):
        return x + self.dropout(sublayer(self.norm(x)))


class Encoder(nn.Module):
    def __init__(self, layer, N):
        super().__init__()
        self.layers = clones(layer, N)
        self.norm = LayerNorm(layer.size)

    def forward(self, x, mask):
        for layer in self.layers:
            x = layer(x, mask)
        return self.norm(x)


class EncoderLayer(nn.Module):
    def __init__(self, size, self_attn, feed_forward, dropout):
        super().__init__()
        self.size = size
        self.self_attn = self_attn
        self.feed_forward = feed_forward
        self.sublayer = clones(SublayerConnection(size, dropout), 2)

    def forward(self, x, mask):
        x = self.sublayer[0](x, lambda h: self.self_attn(h, h, h, mask))
        return self.sublayer[1](x, self.feed_forward)


class Decoder(nn.Module):
    def __init__(self, layer, N):
        super().__init__()
        self.layers = clones(layer, N)
        self.norm = LayerNorm(layer.size)

    def forward(self, x, memory, src_mask, tgt_mask):
        for layer in self.layers:
            x = layer(x, memory, src_mask, tgt_mask)
        return self.norm(x)


class DecoderLayer(nn.Module):
    def __init__(self, size, self_attn, src_attn, feed_forward, dropout):
        super().__init__()
        self.size = size
        self.self_attn = self_attn
        self.src_attn = src_attn
        self.feed_forward = feed_forward
        self.sublayer = clones(SublayerConnection(size, dropout), 3)

    def forward(self, x, memory, src_mask, tgt_mask):
        x = self.sublayer[0](x, lambda h: self.self_attn(h, h, h, tgt_mask))
        x = self.sublayer[1](x, lambda h: self.src_attn(h, memory, memory, src_mask))
        return self.sublayer[2](x, self.feed_forward)


def subsequent_mask(size):
    """(1, size, size), True on and below the diagonal: what each position may attend to."""
    upper = torch.triu(torch.ones((1, size, size)), diagonal=1).type(torch.uint8)
    return upper == 0


def example_mask():
    # the chart's rows (a list instead of a DataFrame; no altair): their numbers printed
    rows = [
        {"Subsequent Mask": subsequent_mask(20)[0][x, y].flatten(), "Window": y, "Masking": x}
        for y in range(20)
        for x in range(20)
    ]
    print("mask column 0 and 1:", [row["Subsequent Mask"] for row in rows[:40]])
    print("mask of 5:", subsequent_mask(5))


show_example(example_mask)


def attention(query, key, value, mask=None, dropout=None):
    d_k = query.size(-1)
    scores = torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(d_k)
    if mask is not None:
        scores = scores.masked_fill(mask == 0, -1e9)
    weights = scores.softmax(dim=-1)
    if dropout is not None:
        weights = dropout(weights)
    return torch.matmul(weights, value), weights


class MultiHeadedAttention(nn.Module):
    def __init__(self, h, d_model, dropout=0.1):
        super().__init__()
        assert d_model % h == 0
        self.d_k = d_model // h
        self.h = h
        self.linears = clones(nn.Linear(d_model, d_model), 4)  # queries, keys, values, output
        self.attn = None
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, query, key, value, mask=None):
        if mask is not None:
            mask = mask.unsqueeze(1)  # one mask for every head
        batch = query.size(0)
        q, k, v = [
            linear(x).view(batch, -1, self.h, self.d_k).transpose(1, 2)
            for linear, x in zip(self.linears, (query, key, value))
        ]
        x, self.attn = attention(q, k, v, mask=mask, dropout=self.dropout)
        x = x.transpose(1, 2).contiguous().view(batch, -1, self.h * self.d_k)
        return self.linears[-1](x)


class PositionwiseFeedForward(nn.Module):
    def __init__(self, d_model, d_ff, dropout=0.1):
        super().__init__()
        self.w_1 = nn.Linear(d_model, d_ff)
        self.w_2 = nn.Linear(d_ff, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.w_2(self.dropout(self.w_1(x).relu()))


class Embeddings(nn.Module):
    def __init__(self, d_model, vocab):
        super().__init__()
        self.lut = nn.Embedding(vocab, d_model)
        self.d_model = d_model

    def forward(self, x):
        return self.lut(x) * math.sqrt(self.d_model)


class PositionalEncoding(nn.Module):
    """Adds sines (even features) and cosines (odd features) of the position, at wavelengths from 2π to 10000·2π."""

    def __init__(self, d_model, dropout, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(0, max_len).unsqueeze(1)
        frequencies = torch.exp(torch.arange(0, d_model, 2) * -(math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * frequencies)
        pe[:, 1::2] = torch.cos(position * frequencies)
        self.register_buffer("pe", pe.unsqueeze(0))

    def forward(self, x):
        x = x + self.pe[:, : x.size(1)].requires_grad_(False)
        return self.dropout(x)


def example_positional():
    encoding = PositionalEncoding(20, 0)
    y = encoding.forward(torch.zeros(1, 100, 20))
    # the chart's columns, every tenth position printed
    columns = [{"embedding": y[0, :, dim], "dimension": dim, "position": list(range(100))} for dim in [4, 5, 6, 7]]
    for column in columns:
        print("dimension", column["dimension"], column["embedding"][::10])


show_example(example_positional)


def make_model(src_vocab, tgt_vocab, N=6, d_model=512, d_ff=2048, h=8, dropout=0.1):
    c = copy.deepcopy
    attn = MultiHeadedAttention(h, d_model)
    ff = PositionwiseFeedForward(d_model, d_ff, dropout)
    position = PositionalEncoding(d_model, dropout)
    encoder = Encoder(EncoderLayer(d_model, c(attn), c(ff), dropout), N)
    decoder = Decoder(DecoderLayer(d_model, c(attn), c(attn), c(ff), dropout), N)
    model = EncoderDecoder(
        encoder,
        decoder,
        nn.Sequential(Embeddings(d_model, src_vocab), c(position)),
        nn.Sequential(Embeddings(d_model, tgt_vocab), c(position)),
        Generator(d_model, tgt_vocab),
    )
    for p in model.parameters():  # Glorot's initialisation for the matrices
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    return model


def inference_test():
    model = make_model(11, 11, 2, d_model=32, d_ff=64, h=4)  # d_model 512 in the tutorial: CPU-sized here
    model.eval()
    src = torch.LongTensor([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]])
    src_mask = torch.ones(1, 1, 10)
    memory = model.encode(src, src_mask)
    ys = torch.zeros(1, 1).type_as(src)
    for _ in range(9):
        out = model.decode(memory, src_mask, ys, subsequent_mask(ys.size(1)).type_as(src.data))
        prob = model.generator(out[:, -1])
        _, next_word = torch.max(prob, dim=1)
        next_word = next_word.data[0]
        ys = torch.cat([ys, torch.empty(1, 1).type_as(src.data).fill_(next_word)], dim=1)
    print("untrained model's output:", ys)
    print("its last log-probabilities:", prob)


def run_tests():
    for _ in range(2):  # ten in the tutorial
        inference_test()


show_example(run_tests)


# ---- training ----

class Batch:
    """Source and target sentences with their masks; the target shifted by one for teacher forcing."""

    def __init__(self, src, tgt=None, pad=2):
        self.src = src
        self.src_mask = (src != pad).unsqueeze(-2)
        if tgt is not None:
            self.tgt = tgt[:, :-1]
            self.tgt_y = tgt[:, 1:]
            self.tgt_mask = self.make_std_mask(self.tgt, pad)
            self.ntokens = (self.tgt_y != pad).data.sum()

    @staticmethod
    def make_std_mask(tgt, pad):
        not_padding = (tgt != pad).unsqueeze(-2)
        return not_padding & subsequent_mask(tgt.size(-1)).type_as(not_padding.data)


class TrainState:
    step: int = 0
    accum_step: int = 0
    samples: int = 0
    tokens: int = 0


def run_epoch(data_iter, model, loss_compute, optimizer, scheduler, mode="train", accum_iter=1,
              train_state=TrainState()):
    start = time.time()
    total_tokens = total_loss = tokens = n_accum = 0
    training = mode in ("train", "train+log")
    for i, batch in enumerate(data_iter):
        out = model.forward(batch.src, batch.tgt, batch.src_mask, batch.tgt_mask)
        loss, loss_node = loss_compute(out, batch.tgt_y, batch.ntokens)
        if training:
            loss_node.backward()
            train_state.step += 1
            train_state.samples += batch.src.shape[0]
            train_state.tokens += batch.ntokens
            if i % accum_iter == 0:
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                n_accum += 1
                train_state.accum_step += 1
            scheduler.step()
        total_loss += loss
        total_tokens += batch.ntokens
        tokens += batch.ntokens
        if training and i % 40 == 1:
            lr = optimizer.param_groups[0]["lr"]
            elapsed = time.time() - start
            print("step %5d | optimizer steps %3d | loss per token %6.2f | Tokens / Sec: %7.1f | lr %6.1e"
                  % (i, n_accum, loss / batch.ntokens, tokens / elapsed, lr))
            start = time.time()
            tokens = 0
    return total_loss / total_tokens, train_state


def rate(step, model_size, factor, warmup):
    """The learning rate's factor: linear warm-up, then 1/sqrt(step); step 0 counts as 1 (LambdaLR starts there)."""
    step = max(step, 1)
    return factor * model_size ** (-0.5) * min(step ** (-0.5), step * warmup ** (-1.5))


def example_learning_schedule():
    settings = [[512, 1, 400], [512, 1, 800], [256, 1, 400]]  # warm-ups of 4000 and 8000 in the tutorial
    dummy_model = torch.nn.Linear(1, 1)
    learning_rates = []
    for setting in settings:
        optimizer = torch.optim.Adam(dummy_model.parameters(), lr=1, betas=(0.9, 0.98), eps=1e-9)
        lr_scheduler = LambdaLR(optimizer=optimizer, lr_lambda=lambda step: rate(step, *setting))
        seen = []
        for _ in range(2000):  # 20000 in the tutorial
            seen.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            lr_scheduler.step()
        learning_rates.append(seen)
    learning_rates = torch.tensor(learning_rates)
    for i, name in enumerate(["512:400", "512:800", "256:400"]):
        print("model_size:warmup", name, learning_rates[i, ::100])


example_learning_schedule()


class LabelSmoothing(nn.Module):
    """KL divergence to a smoothed target: `confidence` on the right token, the rest spread over the others but
    padding; rows whose target is padding count for nothing."""

    def __init__(self, size, padding_idx, smoothing=0.0):
        super().__init__()
        self.criterion = nn.KLDivLoss(reduction="sum")
        self.padding_idx = padding_idx
        self.confidence = 1.0 - smoothing
        self.smoothing = smoothing
        self.size = size
        self.true_dist = None

    def forward(self, x, target):
        assert x.size(1) == self.size
        # The tutorial writes x.data.clone(), and target.data below: a computed (or target) tensor's .data is its
        # NumPy array here, so x.detach() and target itself
        true_dist = x.detach().clone()
        true_dist.fill_(self.smoothing / (self.size - 2))
        true_dist.scatter_(1, target.unsqueeze(1), self.confidence)
        true_dist[:, self.padding_idx] = 0
        padded = torch.nonzero(target == self.padding_idx)
        if padded.dim() > 0:
            true_dist.index_fill_(0, padded.squeeze(), 0.0)
        self.true_dist = true_dist
        return self.criterion(x, true_dist.clone().detach())


def example_label_smoothing():
    crit = LabelSmoothing(5, 0, 0.4)
    predict = torch.FloatTensor([[0, 0.2, 0.7, 0.1, 0]] * 5)
    crit(x=predict.log(), target=torch.LongTensor([2, 1, 0, 3, 3]))
    cells = [{"target distribution": crit.true_dist[x, y].flatten(), "columns": y, "rows": x}
             for y in range(5) for x in range(5)]
    print("target distribution:", [cell["target distribution"] for cell in cells])
    print("true_dist:", crit.true_dist)


show_example(example_label_smoothing)


def loss(x, crit):
    d = x + 3
    predict = torch.FloatTensor([[0, x / d, 1 / d, 1 / d, 1 / d]])
    return crit(predict.log(), torch.LongTensor([1])).data


def penalization_visualization():
    crit = LabelSmoothing(5, 0, 0.1)
    # nan, in PyTorch too: predict's first column is log(0) = -inf where the target is 0, and 0·(-inf) is nan
    losses = [loss(x, crit) for x in range(1, 100)]
    print("penalization:", [float(v) for v in losses[::10]])


show_example(penalization_visualization)


# ---- a first example: copying random sequences ----

def data_gen(V, batch_size, nbatches):
    for _ in range(nbatches):
        data = torch.randint(1, V, size=(batch_size, 10))
        data[:, 0] = 1
        src = data.requires_grad_(False).clone().detach()
        tgt = data.requires_grad_(False).clone().detach()
        yield Batch(src, tgt, 0)


class SimpleLossCompute:
    def __init__(self, generator, criterion):
        self.generator = generator
        self.criterion = criterion

    def __call__(self, x, y, norm):
        x = self.generator(x)
        flat = x.contiguous().view(-1, x.size(-1))
        sloss = self.criterion(flat, y.contiguous().view(-1)) / norm
        return sloss.data * norm, sloss


def greedy_decode(model, src, src_mask, max_len, start_symbol):
    memory = model.encode(src, src_mask)
    ys = torch.zeros(1, 1).fill_(start_symbol).type_as(src.data)
    for _ in range(max_len - 1):
        out = model.decode(memory, src_mask, ys, subsequent_mask(ys.size(1)).type_as(src.data))
        prob = model.generator(out[:, -1])
        _, next_word = torch.max(prob, dim=1)
        next_word = next_word.data[0]
        ys = torch.cat([ys, torch.zeros(1, 1).type_as(src.data).fill_(next_word)], dim=1)
    return ys


def example_simple_model():
    V = 11
    criterion = LabelSmoothing(size=V, padding_idx=0, smoothing=0.0)
    model = make_model(V, V, N=2, d_model=32, d_ff=64, h=4)  # d_model 512 in the tutorial
    optimizer = torch.optim.Adam(model.parameters(), lr=0.5, betas=(0.9, 0.98), eps=1e-9)
    lr_scheduler = LambdaLR(
        optimizer=optimizer,
        lr_lambda=lambda step: rate(step, model_size=model.src_embed[0].d_model, factor=1.0, warmup=400),
    )
    batch_size = 8  # 80 in the tutorial, with 20 batches an epoch and 20 epochs
    for epoch in range(2):
        model.train()
        train_loss, state = run_epoch(data_gen(V, batch_size, 4), model, SimpleLossCompute(model.generator, criterion),
                                      optimizer, lr_scheduler, mode="train")
        model.eval()
        eval_loss = run_epoch(data_gen(V, batch_size, 2), model, SimpleLossCompute(model.generator, criterion),
                              DummyOptimizer(), DummyScheduler(), mode="eval")[0]
        print("epoch", epoch, "train loss", train_loss, "eval loss", eval_loss, "steps", state.step,
              "tokens", state.tokens)
    model.eval()
    src = torch.LongTensor([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]])
    src_mask = torch.ones(1, 1, src.shape[1])
    print(greedy_decode(model, src, src_mask, max_len=src.shape[1], start_symbol=0))


show_example(example_simple_model)


# ---- part 3 on a tiny German-English corpus: str.split and a small vocabulary for spaCy and torchtext ----

class Vocab:
    """What the program uses of torchtext's Vocab: tokens to ids (calling it, or indexing), ids to tokens."""

    def __init__(self, sentences, specials):
        self.itos = list(specials) + sorted({word for sentence in sentences for word in sentence.split()})
        self.stoi = {word: i for i, word in enumerate(self.itos)}

    def __call__(self, tokens):
        return [self.stoi.get(token, self.stoi["<unk>"]) for token in tokens]

    def __getitem__(self, token):
        return self.stoi[token]

    def __len__(self):
        return len(self.itos)

    def get_itos(self):
        return self.itos

    def get_stoi(self):
        return self.stoi


corpus = [
    ("ein hund läuft", "a dog runs"),
    ("eine katze schläft", "a cat sleeps"),
    ("der mann liest ein buch", "the man reads a book"),
    ("die frau singt", "the woman sings"),
    ("zwei kinder spielen im park", "two children play in the park"),
    ("ein vogel fliegt", "a bird flies"),
    ("der hund schläft", "the dog sleeps"),
    ("eine frau liest", "a woman reads"),
]
specials = ["<s>", "</s>", "<blank>", "<unk>"]
vocab_src = Vocab([de for de, _ in corpus], specials)
vocab_tgt = Vocab([en for _, en in corpus], specials)


def tokenize(text):
    return text.split()


def collate_batch(batch, src_pipeline, tgt_pipeline, src_vocab, tgt_vocab, device, max_padding=128, pad_id=2):
    bos = torch.tensor([0], device=device)
    eos = torch.tensor([1], device=device)
    sources, targets = [], []
    for de, en in batch:
        src = torch.cat([bos, torch.tensor(src_vocab(src_pipeline(de)), dtype=torch.int64, device=device), eos], 0)
        tgt = torch.cat([bos, torch.tensor(tgt_vocab(tgt_pipeline(en)), dtype=torch.int64, device=device), eos], 0)
        # a negative amount (a sentence longer than max_padding) cuts the sentence, as the tutorial warns
        sources.append(pad(src, (0, max_padding - len(src)), value=pad_id))
        targets.append(pad(tgt, (0, max_padding - len(tgt)), value=pad_id))
    return torch.stack(sources), torch.stack(targets)


def create_dataloaders(device, vocab_src, vocab_tgt, batch_size=4, max_padding=8):
    def collate_fn(batch):
        return collate_batch(batch, tokenize, tokenize, vocab_src, vocab_tgt, device, max_padding=max_padding,
                             pad_id=vocab_src.get_stoi()["<blank>"])

    train_dataloader = DataLoader(corpus, batch_size=batch_size, shuffle=True, collate_fn=collate_fn)
    valid_dataloader = DataLoader(corpus[:2], batch_size=1, shuffle=False, collate_fn=collate_fn)
    return train_dataloader, valid_dataloader


def small_model():
    return make_model(len(vocab_src), len(vocab_tgt), N=1, d_model=16, d_ff=32, h=2)  # N=6, d_model 512 there


def train_worker(config):
    device = torch.device("cpu")
    pad_idx = vocab_tgt["<blank>"]
    model = small_model()
    criterion = LabelSmoothing(size=len(vocab_tgt), padding_idx=pad_idx, smoothing=0.1)
    train_dataloader, valid_dataloader = create_dataloaders(device, vocab_src, vocab_tgt,
                                                            batch_size=config["batch_size"],
                                                            max_padding=config["max_padding"])
    optimizer = torch.optim.Adam(model.parameters(), lr=config["base_lr"], betas=(0.9, 0.98), eps=1e-9)
    lr_scheduler = LambdaLR(optimizer=optimizer,
                            lr_lambda=lambda step: rate(step, 16, factor=1, warmup=config["warmup"]))
    train_state = TrainState()
    for epoch in range(config["num_epochs"]):
        model.train()
        train_loss, train_state = run_epoch(
            (Batch(b[0], b[1], pad_idx) for b in train_dataloader), model,
            SimpleLossCompute(model.generator, criterion), optimizer, lr_scheduler, mode="train+log",
            accum_iter=config["accum_iter"], train_state=train_state)
        torch.save(model.state_dict(), "%s%.2d.pt" % (config["file_prefix"], epoch))
        model.eval()
        valid_loss, _ = run_epoch(
            (Batch(b[0], b[1], pad_idx) for b in valid_dataloader), model,
            SimpleLossCompute(model.generator, criterion), DummyOptimizer(), DummyScheduler(), mode="eval")
        print("epoch", epoch, "training", train_loss, "validation", valid_loss,
              "optimizer steps", train_state.accum_step, "samples", train_state.samples)
    torch.save(model.state_dict(), "%sfinal.pt" % config["file_prefix"])


config = {
    "batch_size": 4,
    "num_epochs": 2,
    "accum_iter": 2,
    "base_lr": 1.0,
    "max_padding": 7,  # cuts "two children play in the park" (eight tokens with <s> and </s>)
    "warmup": 30,
    "file_prefix": "multi30k_model_",
}
train_worker(config)
model = small_model()
model.load_state_dict(torch.load("multi30k_model_final.pt", map_location=torch.device("cpu")))
print("checkpoints", len([name for name in os.listdir(".") if name.startswith("multi30k_model_")]),
      exists("multi30k_model_final.pt"))


def check_outputs(valid_dataloader, model, vocab_src, vocab_tgt, n_examples=2, pad_idx=2, eos_string="</s>"):
    results = []
    for idx in range(n_examples):
        print("example", idx)
        b = next(iter(valid_dataloader))
        rb = Batch(b[0], b[1], pad_idx)
        src_tokens = [vocab_src.get_itos()[x] for x in rb.src[0] if x != pad_idx]
        tgt_tokens = [vocab_tgt.get_itos()[x] for x in rb.tgt[0] if x != pad_idx]
        print("source:", " ".join(src_tokens))
        print("target:", " ".join(tgt_tokens))
        model_out = greedy_decode(model, rb.src, rb.src_mask, 8, 0)[0]
        words = " ".join(vocab_tgt.get_itos()[x] for x in model_out if x != pad_idx)
        model_txt = words.split(eos_string, 1)[0] + eos_string
        print("decoded:", model_txt)
        results.append((rb, src_tokens, tgt_tokens, model_out, model_txt))
    return results


_, valid_dataloader = create_dataloaders(torch.device("cpu"), vocab_src, vocab_tgt, batch_size=1)
example_data = check_outputs(valid_dataloader, model, vocab_src, vocab_tgt)
print("model_out", example_data[-1][3])


# the attention maps' numbers (their charts left out)
def mtx2df(m, max_row, max_col, row_tokens, col_tokens):
    return [
        (r, c, float(m[r, c]),
         "%.3d %s" % (r, row_tokens[r] if len(row_tokens) > r else "<blank>"),
         "%.3d %s" % (c, col_tokens[c] if len(col_tokens) > c else "<blank>"))
        for r in range(m.shape[0])
        for c in range(m.shape[1])
        if r < max_row and c < max_col
    ]


def get_encoder(model, layer):
    return model.encoder.layers[layer].self_attn.attn


def get_decoder_self(model, layer):
    return model.decoder.layers[layer].self_attn.attn


def get_decoder_src(model, layer):
    return model.decoder.layers[layer].src_attn.attn


def visualize_layer(model, layer, getter_fn, ntokens, row_tokens, col_tokens):
    attn = getter_fn(model, layer)
    return [mtx2df(attn[0, head].data, ntokens, ntokens, row_tokens, col_tokens) for head in range(attn.shape[1])]


_, src_tokens, tgt_tokens, _, _ = example_data[-1]
for getter in (get_encoder, get_decoder_self, get_decoder_src):
    heads = visualize_layer(model, 0, getter, len(src_tokens), src_tokens, tgt_tokens)
    print(getter.__name__, [cell[:3] for cell in heads[1][:6]])


# Shared embeddings ("Additional Components"), on the copy task's model, whose source and target share a vocabulary;
# the tutorial's sketch names them tgt_embeddings and generator.lut, make_model tgt_embed and generator.proj
model = make_model(11, 11, N=1, d_model=16, d_ff=32, h=2)
model.src_embed[0].lut.weight = model.tgt_embed[0].lut.weight
model.generator.proj.weight = model.tgt_embed[0].lut.weight
print("shared parameters", len(list(model.parameters())), sum(p.numel() for p in model.parameters()),
      len(model.state_dict()))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.98), eps=1e-9)
criterion = LabelSmoothing(size=11, padding_idx=0, smoothing=0.1)
shared_loss, _ = run_epoch(data_gen(11, 4, 3), model, SimpleLossCompute(model.generator, criterion), optimizer,
                           DummyScheduler(), mode="train", train_state=TrainState())
print("shared embeddings loss", shared_loss, model.generator.proj.weight[:2, :4])
'''

# Lines without numbers to compare: the clock's tokens per second, and the penalization example's nan losses (nan in
# PyTorch too; compared in test_the_annotated_transformer_gives_pytorchs_numbers).
CLOCK = re.compile(r"Tokens / Sec: *[\d.]+")


def test_the_annotated_transformer_runs_with_autograd_core(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # train_worker's checkpoints
    assert_runs(PROGRAM, "annotated_transformer", show_tensors=True, ignore_lines="Tokens / Sec|penalization")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "multi30k_model_00.pt", "multi30k_model_01.pt", "multi30k_model_final.pt"]


def test_the_annotated_transformer_gives_pytorchs_numbers(tmp_path, monkeypatch):
    """Every number printed agrees with PyTorch's from the same draws (nan where PyTorch's is nan), and so do the
    decoded sentences."""
    monkeypatch.chdir(tmp_path)
    (_, ours), (_, theirs) = run_both(PROGRAM, "annotated_transformer", monkeypatch, show_tensors=True)
    ours, theirs = CLOCK.sub("", ours), CLOCK.sub("", theirs)
    message = f"ours:\n{ours}\nPyTorch:\n{theirs}"
    our_numbers, their_numbers = reported_numbers(ours), reported_numbers(theirs)
    assert len(our_numbers) == len(their_numbers) > 300, message
    np.testing.assert_allclose(our_numbers, their_numbers, rtol=FLOAT32_RTOL, atol=1.5e-4, err_msg=message)

    def sentences(printed):
        return [line for line in printed.splitlines()
                if line.startswith(("source:", "target:", "decoded:"))]
    assert sentences(ours) == sentences(theirs) and len(sentences(ours)) == 6, message
