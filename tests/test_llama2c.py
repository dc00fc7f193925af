"""llama2.c, Karpathy's repository that trains a Llama 2 on TinyStories in PyTorch and runs it in one file of C: its
PyTorch side run on the CPU with `import autograd_core as torch`, as its README runs it (`python train.py
--vocab_source=custom --vocab_size=...`, then `python sample.py --checkpoint=out/ckpt.pt`, `python export.py`),
smaller.

The files are llama2.c's, written from memory in their idioms (as the other course tests are): model.py (ModelArgs,
RMSNorm, the RoPE tables as cos and sin, apply_rotary_emb on real numbers, repeat_kv for grouped-query attention,
Attention with its flash path and its manual path with the causal mask as a buffer, the SwiGLU FeedForward, weight
tying, the scaled init of w3 and wo, `last_loss`, configure_optimizers, estimate_mfu and generate under
`torch.inference_mode()`), train.py (its config globals and configurator.py, gradient accumulation, the GradScaler,
clip_grad_norm_, the cosine schedule with warm-up, estimate_loss, the checkpoint, `init_from = "resume"`), export.py
(legacy_export, version 1's version1_export, serialize_fp32, load_checkpoint and its command line), tokenizer.py and
sample.py. What changes: the sizes (on the command line, as the README's own small runs do), and the data:
tinystories.py's download and sentencepiece training are left out (and its pretokenize is the test's fixture, which
writes the `.bin` shards as process_shard writes them, of made-up text); its PretokDataset and Task.iter_batches run as
written over those shards. sentencepiece (not installed) is a byte-level stand-in of the same interface
(SentencePieceProcessor: vocab_size, bos_id, eos_id, pad_id, get_piece_size, encode, decode): <unk>, <s>, </s> and the
256 bytes, as a sentencepiece vocabulary with byte fallback begins. export.py's other formats (version 2's int8, the
Hugging Face export) and its Meta/Hugging Face loaders are left out. The harness runs one program at a time, so the
files a program imports (model.py, tinystories.py, export.py, tokenizer.py) stand in the place of its import lines
(tinystories.py's DATA_CACHE_DIR then joins train.py's config keys, the one trace of that).
Where PyTorch is installed, training and greedy sampling are also compared with PyTorch's from the same draws.
"""

# ruff: noqa: E501 (llama2.c's lines are as long as Karpathy wrote them)

from __future__ import annotations

import contextlib
import io
import re
import struct
import sys
import types

import numpy as np
import pytest
from program_harness import run, run_both, synthetic_text, with_our_imports

import autograd_core as ag

MODEL = '''
import math
import struct
import inspect
from dataclasses import dataclass
from typing import Any, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

@dataclass
class ModelArgs:
    # default hyperparameters for the Llama 7B model
    dim: int = 4096
    n_layers: int = 32
    n_heads: int = 32
    n_kv_heads: Optional[int] = None
    vocab_size: int = 32000
    hidden_dim: Optional[int] = None
    multiple_of: int = 256  # MLP hidden layer size will be multiple of
    norm_eps: float = 1e-5
    max_seq_len: int = 2048
    dropout: float = 0.0


class RMSNorm(torch.nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def _norm(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

    def forward(self, x):
        output = self._norm(x.float()).type_as(x)
        return output * self.weight


def precompute_freqs_cis(dim: int, end: int, theta: float = 10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].float() / dim))
    t = torch.arange(end, device=freqs.device)  # type: ignore
    freqs = torch.outer(t, freqs).float()  # type: ignore
    freqs_cos = torch.cos(freqs)  # real part
    freqs_sin = torch.sin(freqs)  # imaginary part
    return freqs_cos, freqs_sin

def reshape_for_broadcast(freqs_cis: torch.Tensor, x: torch.Tensor):
    ndim = x.ndim
    assert 0 <= 1 < ndim
    assert freqs_cis.shape == (x.shape[1], x.shape[-1])
    shape = [d if i == 1 or i == ndim - 1 else 1 for i, d in enumerate(x.shape)]
    return freqs_cis.view(shape)

def apply_rotary_emb(
    xq: torch.Tensor,
    xk: torch.Tensor,
    freqs_cos: torch.Tensor,
    freqs_sin: torch.Tensor
) -> Tuple[torch.Tensor, torch.Tensor]:

    # reshape xq and xk to match the complex representation
    xq_r, xq_i = xq.float().reshape(xq.shape[:-1] + (-1, 2)).unbind(-1)
    xk_r, xk_i = xk.float().reshape(xk.shape[:-1] + (-1, 2)).unbind(-1)

    # reshape freqs_cos and freqs_sin for broadcasting
    freqs_cos = reshape_for_broadcast(freqs_cos, xq_r)
    freqs_sin = reshape_for_broadcast(freqs_sin, xq_r)

    # apply rotation using real numbers
    xq_out_r = xq_r * freqs_cos - xq_i * freqs_sin
    xq_out_i = xq_r * freqs_sin + xq_i * freqs_cos
    xk_out_r = xk_r * freqs_cos - xk_i * freqs_sin
    xk_out_i = xk_r * freqs_sin + xk_i * freqs_cos

    # flatten last two dimensions
    xq_out = torch.stack([xq_out_r, xq_out_i], dim=-1).flatten(3)
    xk_out = torch.stack([xk_out_r, xk_out_i], dim=-1).flatten(3)

    return xq_out.type_as(xq), xk_out.type_as(xk)

def repeat_kv(x: torch.Tensor, n_rep: int) -> torch.Tensor:
    """torch.repeat_interleave(x, dim=2, repeats=n_rep)"""
    bs, slen, n_kv_heads, head_dim = x.shape
    if n_rep == 1:
        return x
    return (
        x[:, :, :, None, :]
        .expand(bs, slen, n_kv_heads, n_rep, head_dim)
        .reshape(bs, slen, n_kv_heads * n_rep, head_dim)
    )

class Attention(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.n_kv_heads = args.n_heads if args.n_kv_heads is None else args.n_kv_heads
        assert args.n_heads % self.n_kv_heads == 0
        model_parallel_size = 1
        self.n_local_heads = args.n_heads // model_parallel_size
        self.n_local_kv_heads = self.n_kv_heads // model_parallel_size
        self.n_rep = self.n_local_heads // self.n_local_kv_heads
        self.head_dim = args.dim // args.n_heads
        self.wq = nn.Linear(args.dim, args.n_heads * self.head_dim, bias=False)
        self.wk = nn.Linear(args.dim, self.n_kv_heads * self.head_dim, bias=False)
        self.wv = nn.Linear(args.dim, self.n_kv_heads * self.head_dim, bias=False)
        self.wo = nn.Linear(args.n_heads * self.head_dim, args.dim, bias=False)
        self.attn_dropout = nn.Dropout(args.dropout)
        self.resid_dropout = nn.Dropout(args.dropout)
        self.dropout = args.dropout

        # use flash attention or a manual implementation?
        self.flash = hasattr(torch.nn.functional, 'scaled_dot_product_attention')
        if not self.flash:
            print("WARNING: using slow attention. Flash Attention requires PyTorch >= 2.0")
            mask = torch.full((1, 1, args.max_seq_len, args.max_seq_len), float("-inf"))
            mask = torch.triu(mask, diagonal=1)
            self.register_buffer("mask", mask)

    def forward(
        self,
        x: torch.Tensor,
        freqs_cos: torch.Tensor,
        freqs_sin: torch.Tensor,
    ):
        bsz, seqlen, _ = x.shape

        # QKV
        xq, xk, xv = self.wq(x), self.wk(x), self.wv(x)
        xq = xq.view(bsz, seqlen, self.n_local_heads, self.head_dim)
        xk = xk.view(bsz, seqlen, self.n_local_kv_heads, self.head_dim)
        xv = xv.view(bsz, seqlen, self.n_local_kv_heads, self.head_dim)

        # RoPE relative positional embeddings
        xq, xk = apply_rotary_emb(xq, xk, freqs_cos, freqs_sin)

        # grouped multiquery attention: expand out keys and values
        xk = repeat_kv(xk, self.n_rep)  # (bs, seqlen, n_local_heads, head_dim)
        xv = repeat_kv(xv, self.n_rep)  # (bs, seqlen, n_local_heads, head_dim)

        # make heads into a batch dimension
        xq = xq.transpose(1, 2)  # (bs, n_local_heads, seqlen, head_dim)
        xk = xk.transpose(1, 2)
        xv = xv.transpose(1, 2)

        # flash implementation
        if self.flash:
            output = torch.nn.functional.scaled_dot_product_attention(xq, xk, xv, attn_mask=None, dropout_p=self.dropout if self.training else 0.0, is_causal=True)
        else:
            # manual implementation
            scores = torch.matmul(xq, xk.transpose(2, 3)) / math.sqrt(self.head_dim)
            assert hasattr(self, 'mask')
            scores = scores + self.mask[:, :, :seqlen, :seqlen]   # (bs, n_local_heads, seqlen, cache_len + seqlen)
            scores = F.softmax(scores.float(), dim=-1).type_as(xq)
            scores = self.attn_dropout(scores)
            output = torch.matmul(scores, xv)  # (bs, n_local_heads, seqlen, head_dim)

        # restore time as batch dimension and concat heads
        output = output.transpose(1, 2).contiguous().view(bsz, seqlen, -1)

        # final projection into the residual stream
        output = self.wo(output)
        output = self.resid_dropout(output)
        return output


class FeedForward(nn.Module):
    def __init__(self, dim: int, hidden_dim: int, multiple_of: int, dropout: float):
        super().__init__()
        if hidden_dim is None:
            hidden_dim = 4 * dim
            hidden_dim = int(2 * hidden_dim / 3)
            hidden_dim = multiple_of * ((hidden_dim + multiple_of - 1) // multiple_of)
        self.w1 = nn.Linear(dim, hidden_dim, bias=False)
        self.w2 = nn.Linear(hidden_dim, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden_dim, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.w2(F.silu(self.w1(x)) * self.w3(x)))


class TransformerBlock(nn.Module):
    def __init__(self, layer_id: int, args: ModelArgs):
        super().__init__()
        self.n_heads = args.n_heads
        self.dim = args.dim
        self.head_dim = args.dim // args.n_heads
        self.attention = Attention(args)
        self.feed_forward = FeedForward(
            dim=args.dim,
            hidden_dim=args.hidden_dim,
            multiple_of=args.multiple_of,
            dropout=args.dropout,
        )
        self.layer_id = layer_id
        self.attention_norm = RMSNorm(args.dim, eps=args.norm_eps)
        self.ffn_norm = RMSNorm(args.dim, eps=args.norm_eps)

    def forward(self, x, freqs_cos, freqs_sin):
        h = x + self.attention.forward(self.attention_norm(x), freqs_cos, freqs_sin)
        out = h + self.feed_forward.forward(self.ffn_norm(h))
        return out


class Transformer(nn.Module):
    last_loss: Optional[torch.Tensor]

    def __init__(self, params: ModelArgs):
        super().__init__()
        self.params = params
        self.vocab_size = params.vocab_size
        self.n_layers = params.n_layers

        self.tok_embeddings = nn.Embedding(params.vocab_size, params.dim)
        self.dropout = nn.Dropout(params.dropout)
        self.layers = torch.nn.ModuleList()
        for layer_id in range(params.n_layers):
            self.layers.append(TransformerBlock(layer_id, params))
        self.norm = RMSNorm(params.dim, eps=params.norm_eps)
        self.output = nn.Linear(params.dim, params.vocab_size, bias=False)

        # share the unembedding parameters with the embedding parameters
        self.tok_embeddings.weight = self.output.weight # https://paperswithcode.com/method/weight-tying

        # some useful precompute for the RoPE relative positional embeddings
        freqs_cos, freqs_sin = precompute_freqs_cis(self.params.dim // self.params.n_heads, self.params.max_seq_len)
        self.register_buffer("freqs_cos", freqs_cos, persistent=False)
        self.register_buffer("freqs_sin", freqs_sin, persistent=False)

        # init all weights
        self.apply(self._init_weights)
        # apply special scaled init to the residual projections, per GPT-2 paper
        for pn, p in self.named_parameters():
            if pn.endswith('w3.weight') or pn.endswith('wo.weight'):
                torch.nn.init.normal_(p, mean=0.0, std=0.02/math.sqrt(2 * params.n_layers))

        # Initialize attribute for the loss of the last forward call. This will be set if the forward is called with a targets tensor.
        self.last_loss = None

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, tokens: torch.Tensor, targets: Optional[torch.Tensor] = None) -> torch.Tensor:
        _bsz, seqlen = tokens.shape
        h = self.tok_embeddings(tokens)
        h = self.dropout(h)
        freqs_cos = self.freqs_cos[:seqlen]
        freqs_sin = self.freqs_sin[:seqlen]

        for layer in self.layers:
            h = layer(h, freqs_cos, freqs_sin)
        h = self.norm(h)

        if targets is not None:
            # if we are given some desired targets also calculate the loss
            logits = self.output(h)
            self.last_loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        else:
            # inference-time mini-optimization: only forward the output on the very last position
            logits = self.output(h[:, [-1], :]) # note: using list [-1] to preserve the time dim
            self.last_loss = None

        return logits

    def configure_optimizers(self, weight_decay, learning_rate, betas, device_type):
        # start with all of the candidate parameters
        param_dict = {pn: p for pn, p in self.named_parameters()}
        # filter out those that do not require grad
        param_dict = {pn: p for pn, p in param_dict.items() if p.requires_grad}
        # create optim groups. Any parameters that is 2D will be weight decayed, otherwise no.
        # i.e. all weight tensors in matmuls + embeddings decay, all biases and layernorms don't.
        decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
        nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
        optim_groups = [
            {'params': decay_params, 'weight_decay': weight_decay},
            {'params': nodecay_params, 'weight_decay': 0.0}
        ]
        num_decay_params = sum(p.numel() for p in decay_params)
        num_nodecay_params = sum(p.numel() for p in nodecay_params)
        print(f"num decayed parameter tensors: {len(decay_params)}, with {num_decay_params:,} parameters")
        print(f"num non-decayed parameter tensors: {len(nodecay_params)}, with {num_nodecay_params:,} parameters")
        # Create AdamW optimizer and use the fused version if it is available
        fused_available = 'fused' in inspect.signature(torch.optim.AdamW).parameters
        use_fused = fused_available and device_type == 'cuda'
        extra_args = dict(fused=True) if use_fused else dict()
        optimizer = torch.optim.AdamW(optim_groups, lr=learning_rate, betas=betas, **extra_args)
        print(f"using fused AdamW: {use_fused}")

        return optimizer

    def estimate_mfu(self, fwdbwd_per_iter, dt):
        """ estimate model flops utilization (MFU) in units of A100 bfloat16 peak FLOPS """
        # first estimate the number of flops we do per iteration.
        # see PaLM paper Appendix B as ref: https://arxiv.org/abs/2204.02311
        N = sum(p.numel() for p in self.parameters())
        cfg = self.params
        L, H, Q, T = cfg.n_layers, cfg.n_heads, cfg.dim//cfg.n_heads, cfg.max_seq_len
        flops_per_token = 6*N + 12*L*H*Q*T
        flops_per_fwdbwd = flops_per_token * T
        flops_per_iter = flops_per_fwdbwd * fwdbwd_per_iter
        # express our flops throughput as ratio of A100 bfloat16 peak flops
        flops_achieved = flops_per_iter * (1.0/dt) # per second
        flops_promised = 312e12 # A100 GPU bfloat16 peak flops is 312 TFLOPS
        mfu = flops_achieved / flops_promised
        return mfu

    @torch.inference_mode()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        """
        Take a conditioning sequence of indices idx (LongTensor of shape (b,t)) and complete
        the sequence max_new_tokens times, feeding the predictions back into the model each time.
        Most likely you'll want to make sure to be in model.eval() mode of operation for this.
        Also note this is a super inefficient version of sampling with no key/value cache.
        """
        for _ in range(max_new_tokens):
            # if the sequence context is growing too long we must crop it at block_size
            idx_cond = idx if idx.size(1) <= self.params.max_seq_len else idx[:, -self.params.max_seq_len:]
            # forward the model to get the logits for the index in the sequence
            logits = self(idx_cond)
            logits = logits[:, -1, :] # crop to just the final time step
            if temperature == 0.0:
                # "sample" the single most likely index
                _, idx_next = torch.topk(logits, k=1, dim=-1)
            else:
                # pluck the logits at the final step and scale by desired temperature
                logits = logits / temperature
                # optionally crop the logits to only the top k options
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float('Inf')
                # apply softmax to convert logits to (normalized) probabilities
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1)
            # append sampled index to the running sequence and continue
            idx = torch.cat((idx, idx_next), dim=1)

        return idx
'''

# tinystories.py's part that train.py and sample.py use (its download, train_vocab and pretokenize are left out: the
# fixture writes the shards pretokenize writes).
TINYSTORIES = '''
"""
Download, preprocess and serve the TinyStories dataset as a DataLoader.
"""

import argparse
import glob
import json
import os
import random
from typing import List
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import numpy as np
import torch
import torch.distributed as dist

DATA_CACHE_DIR = "data"

class PretokDataset(torch.utils.data.IterableDataset):
    """Loads pretokenized examples from disk and yields them as PyTorch tensors."""

    def __init__(self, split, max_seq_len, vocab_size, vocab_source):
        super().__init__()
        self.split = split
        self.max_seq_len = max_seq_len
        self.vocab_size = vocab_size
        self.vocab_source = vocab_source

    def __iter__(self):
        # get worker info within a DataLoader
        worker_info = torch.utils.data.get_worker_info()
        worker_id = worker_info.id if worker_info else 0
        # get DDP rank info
        rank = dist.get_rank() if dist.is_initialized() else 0
        # combine the worker_id and worker_rank to create a unique seed for rng
        seed = 42 + worker_id + 1337 * rank
        rng = random.Random(seed)
        print(f"Created a PretokDataset with rng seed {seed}")
        if self.vocab_source == "llama2":
            # the .bin files are right along the .json files
            bin_dir = os.path.join(DATA_CACHE_DIR, "TinyStories_all_data")
            shard_filenames = sorted(glob.glob(os.path.join(bin_dir, "*.bin")))
        elif self.vocab_source == "custom":
            # the .bin files are in tok{N} directory
            bin_dir = os.path.join(DATA_CACHE_DIR, f"tok{self.vocab_size}")
            shard_filenames = sorted(glob.glob(os.path.join(bin_dir, "*.bin")))
        # train/test split. let's use only shard 0 for test split, rest train
        shard_filenames = shard_filenames[1:] if self.split == "train" else shard_filenames[:1]
        assert len(shard_filenames)>0, f"No bin files found in {bin_dir}"
        while True:
            rng.shuffle(shard_filenames)
            for shard in shard_filenames:
                # open the dataset for reading but keep it on disk with memmap
                m = np.memmap(shard, dtype=np.uint16, mode="r")
                num_batches = len(m) // self.max_seq_len
                num_batches -= 1  # drop the last partial batch
                assert num_batches > 0, "this shard is way too small? investigate."
                ixs = list(range(num_batches))
                rng.shuffle(ixs)
                for ix in ixs:
                    start = ix * self.max_seq_len
                    end = start + self.max_seq_len + 1
                    # calling .astype will copy the data into a new numpy array, now in RAM
                    chunk = torch.from_numpy((m[start:end]).astype(np.int64))
                    x = chunk[:-1]
                    y = chunk[1:]
                    yield x, y

# -----------------------------------------------------------------------------
# public interface functions

def get_tokenizer_model_path(vocab_size):
    """
    Returns path to the sentencepiece tokenizer model for a given vocab size
    vocab_size = 0 designates the default Llama 2 tokenizer, in that case
    None is returned.
    """
    if vocab_size == 0:
        return None
    else:
        return os.path.join(DATA_CACHE_DIR, f"tok{vocab_size}.model")

class Task:

    @staticmethod
    def iter_batches(batch_size, device, num_workers=0, **dataset_kwargs):
        ds = PretokDataset(**dataset_kwargs)
        dl = torch.utils.data.DataLoader(
            ds, batch_size=batch_size, pin_memory=True, num_workers=num_workers
        )
        for x, y in dl:
            x = x.to(device, non_blocking=True)
            y = y.to(device, non_blocking=True)
            yield x, y
'''

TOKENIZER = '''
# Taken from llama code and lightly modified
# Copyright (c) Meta Platforms, Inc. and affiliates.
# This software may be used and distributed according to the terms of the Llama 2 Community License Agreement.

import os
import struct
import argparse
from typing import List

from sentencepiece import SentencePieceProcessor

TOKENIZER_MODEL = "tokenizer.model" # the llama sentencepiece tokenizer model

class Tokenizer:
    def __init__(self, tokenizer_model=None):
        model_path = tokenizer_model if tokenizer_model else TOKENIZER_MODEL
        assert os.path.isfile(model_path), model_path
        self.sp_model = SentencePieceProcessor(model_file=model_path)
        self.model_path = model_path

        # BOS / EOS token IDs
        self.n_words: int = self.sp_model.vocab_size()
        self.bos_id: int = self.sp_model.bos_id()
        self.eos_id: int = self.sp_model.eos_id()
        self.pad_id: int = self.sp_model.pad_id()
        #print(f"#words: {self.n_words} - BOS ID: {self.bos_id} - EOS ID: {self.eos_id}")
        assert self.sp_model.vocab_size() == self.sp_model.get_piece_size()

    def encode(self, s: str, bos: bool, eos: bool) -> List[int]:
        assert type(s) is str
        t = self.sp_model.encode(s)
        if bos:
            t = [self.bos_id] + t
        if eos:
            t = t + [self.eos_id]
        return t

    def decode(self, t: List[int]) -> str:
        return self.sp_model.decode(t)
'''

EXPORT = '''
"""
This script has functions and utilties for model export.
Basically, we have a bunch of versions of the model, and we
want to export them to .bin files to be read from and inferenced in C.

Among the "input" versions of PyTorch files/models:
- Official Llama 2 weights released by Meta
- Huggingface weights available on the hub
- llama2.c (this repo) trained models

Among the "output" versions of .bin files:
- v0: Legacy files of the original llama2.c repo (will eventually be DEPRECATED)
- v1-vN: Improved .bin files with a proper header, cache alignment, etc.

This script aspires to provide all of these conversions.
"""
import os
import gzip
import shutil
import struct
import argparse
import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from model import ModelArgs, Transformer

# -----------------------------------------------------------------------------
# common utilities

def serialize_fp32(file, tensor):
    """ writes one fp32 tensor to file that is open in wb mode """
    d = tensor.detach().cpu().view(-1).to(torch.float32).numpy()
    b = struct.pack(f'{len(d)}f', *d)
    file.write(b)

# -----------------------------------------------------------------------------
# legacy

def legacy_export(model, filepath):
    """ Original export of llama2.c bin files, i.e. version v0 """
    out_file = open(filepath, 'wb')

    # first write out the header
    hidden_dim = model.layers[0].feed_forward.w1.weight.shape[0]
    p = model.params
    shared_classifier = torch.equal(model.tok_embeddings.weight, model.output.weight)
    # legacy format uses negative/positive vocab size as a shared classifier flag
    if not shared_classifier:
        p.vocab_size = -p.vocab_size
    n_kv_heads = p.n_heads if p.n_kv_heads is None else p.n_kv_heads
    header = struct.pack('iiiiiii', p.dim, hidden_dim, p.n_layers, p.n_heads,
                                    n_kv_heads, p.vocab_size, p.max_seq_len)
    out_file.write(header)

    # next write out the embedding weights
    serialize_fp32(out_file, model.tok_embeddings.weight)

    # now all the layers
    # attention weights
    for layer in model.layers:
        serialize_fp32(out_file, layer.attention_norm.weight)
    for layer in model.layers:
        serialize_fp32(out_file, layer.attention.wq.weight)
    for layer in model.layers:
        serialize_fp32(out_file, layer.attention.wk.weight)
    for layer in model.layers:
        serialize_fp32(out_file, layer.attention.wv.weight)
    for layer in model.layers:
        serialize_fp32(out_file, layer.attention.wo.weight)
    # ffn weights
    for layer in model.layers:
        serialize_fp32(out_file, layer.ffn_norm.weight)
    for layer in model.layers:
        serialize_fp32(out_file, layer.feed_forward.w1.weight)
    for layer in model.layers:
        serialize_fp32(out_file, layer.feed_forward.w2.weight)
    for layer in model.layers:
        serialize_fp32(out_file, layer.feed_forward.w3.weight)
    # final rmsnorm
    serialize_fp32(out_file, model.norm.weight)
    # freqs_cis
    serialize_fp32(out_file, model.freqs_cos[:p.max_seq_len])
    serialize_fp32(out_file, model.freqs_sin[:p.max_seq_len])

    # final classifier weights
    if not shared_classifier:
        serialize_fp32(out_file, model.output.weight)

    # write to binary file
    out_file.close()
    print(f"wrote {filepath}")

# -----------------------------------------------------------------------------
# new version

def version1_export(model, filepath):
    """
    Export the model weights in full float32 .bin file to be read from C.
    This is same as legacy_export, but with a proper header.
    """
    version = 1

    out_file = open(filepath, 'wb')
    # first write out the header. the header will be 256 bytes
    # 1) write magic, which will be uint32 of "ak42" in ASCII
    out_file.write(struct.pack('I', 0x616b3432))
    # 2) write version, which will be int
    out_file.write(struct.pack('i', version))
    # 3) write the params, which will be 7 ints
    p = model.params
    hidden_dim = model.layers[0].feed_forward.w1.weight.shape[0]
    n_kv_heads = p.n_heads if p.n_kv_heads is None else p.n_kv_heads
    header = struct.pack('iiiiiii', p.dim, hidden_dim, p.n_layers, p.n_heads,
                                    n_kv_heads, p.vocab_size, p.max_seq_len)
    out_file.write(header)
    # 4) write some other flags
    shared_classifier = torch.equal(model.tok_embeddings.weight, model.output.weight)
    out_file.write(struct.pack('B', int(shared_classifier)))
    pad = 256 - out_file.tell() # pad rest with zeros; tell returns current pos
    assert pad >= 0
    out_file.write(b'\\0' * pad)

    # now let's write out all the params
    weights = [
        *[layer.attention_norm.weight for layer in model.layers],
        *[layer.ffn_norm.weight for layer in model.layers],
        model.norm.weight,
        model.tok_embeddings.weight,
        *[layer.attention.wq.weight for layer in model.layers],
        *[layer.attention.wk.weight for layer in model.layers],
        *[layer.attention.wv.weight for layer in model.layers],
        *[layer.attention.wo.weight for layer in model.layers],
        *[layer.feed_forward.w1.weight for layer in model.layers],
        *[layer.feed_forward.w2.weight for layer in model.layers],
        *[layer.feed_forward.w3.weight for layer in model.layers],
    ]
    if not shared_classifier:
        weights.append(model.output.weight)
    for w in weights:
        serialize_fp32(out_file, w)

    # write to binary file
    out_file.close()
    print(f"wrote {filepath}")

# -----------------------------------------------------------------------------
# Load / import functions

def load_checkpoint(checkpoint):

    # load the provided model checkpoint
    checkpoint_dict = torch.load(checkpoint, map_location='cpu')
    gptconf = ModelArgs(**checkpoint_dict['model_args'])
    model = Transformer(gptconf)
    state_dict = checkpoint_dict['model']
    unwanted_prefix = '_orig_mod.'
    for k,v in list(state_dict.items()):
        if k.startswith(unwanted_prefix):
            state_dict[k[len(unwanted_prefix):]] = state_dict.pop(k)
    model.load_state_dict(state_dict, strict=False)
    model.eval()
    return model

# -----------------------------------------------------------------------------
# API entrypoint

def model_export(model, filepath, version, dtype=torch.float32):
    """
    Versions docs:
    v-1:huggingface export, i.e. intended for use outside of this repo, in HF
    v0: legacy llama2.c float format, DEPRECATED
    v1: float32 export
    v2: int8 quantized Q8_0 export, similar to llama.cpp, in groups
    # TODO: add dtype export support for other versions (?)
    """
    if version == 0:
        legacy_export(model, filepath)
    elif version == 1:
        version1_export(model, filepath)
    else:
        raise ValueError(f"unknown version {version}")
'''

EXPORT_CLI = '''
# -----------------------------------------------------------------------------
# CLI entrypoint

if __name__ == "__main__":

    parser = argparse.ArgumentParser()
    parser.add_argument("filepath", type=str, help="the output filepath")
    parser.add_argument("--version", default=0, type=int, help="the version to export with")
    parser.add_argument("--dtype", type=str, help="dtype of the model (fp16, fp32)", default="fp32")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--checkpoint", type=str, help="model checkpoint, .pt file")
    args = parser.parse_args()
    dt = {"fp16": torch.float16, "fp32": torch.float32}[args.dtype]

    if args.checkpoint:
        model = load_checkpoint(args.checkpoint)

    if model is None:
        parser.error("Can't load input model!")

    # export
    model_export(model, args.filepath, args.version, args.dtype)
'''

TRAIN = '''
"""
This training script can be run both on a single gpu in debug mode,
and also in a larger training run with distributed data parallel (ddp).

To run on a single GPU small debug run, example:
$ python -m train.py --compile=False --eval_iters=10 --batch_size=8

To run with DDP on 4 gpus on 1 node, example:
$ torchrun --standalone --nproc_per_node=4 train.py

To run with DDP on 4 gpus across 2 nodes, example:
- Run on the first (master) node with example IP 123.456.123.456:
$ torchrun --nproc_per_node=8 --nnodes=2 --node_rank=0 --master_addr=123.456.123.456 --master_port=1234 train.py
- Run on the worker node:
$ torchrun --nproc_per_node=8 --nnodes=2 --node_rank=1 --master_addr=123.456.123.456 --master_port=1234 train.py
(If your cluster does not have Infiniband interconnect prepend NCCL_IB_DISABLE=1)
"""

import math
import os
import time
from contextlib import nullcontext
from datetime import datetime
from functools import partial

import torch
from model import Transformer, ModelArgs
from torch.distributed import destroy_process_group, init_process_group
from torch.nn.parallel import DistributedDataParallel as DDP

from tinystories import Task
from export import model_export

# -----------------------------------------------------------------------------
# I/O
out_dir = "out"
eval_interval = 2000
log_interval = 1
eval_iters = 100
eval_only = False  # if True, script exits right after the first eval
always_save_checkpoint = False  # if True, always save a checkpoint after each eval
init_from = "scratch"  # 'scratch' or 'resume'
# wandb logging
wandb_log = False  # disabled by default
wandb_project = "llamac"
wandb_run_name = "run" + datetime.now().strftime("%Y_%m_%d_%H_%M_%S")
# data
batch_size = 128  # if gradient_accumulation_steps > 1, this is the micro-batch size
max_seq_len = 256
vocab_source = "llama2" # llama2|custom; use Lllama 2 vocab from Meta, or custom trained
vocab_size = 32000 # the Llama 2 tokenizer has 32K tokens
# model
dim = 288
n_layers = 6
n_heads = 6
n_kv_heads = 6
multiple_of = 32
dropout = 0.0
# adamw optimizer
gradient_accumulation_steps = 4  # used to simulate larger batch sizes
learning_rate = 5e-4  # max learning rate
max_iters = 100000  # total number of training iterations
weight_decay = 1e-1
beta1 = 0.9
beta2 = 0.95
grad_clip = 1.0  # clip gradients at this value, or disable if == 0.0
# learning rate decay settings
decay_lr = True  # whether to decay the learning rate
warmup_iters = 1000  # how many steps to warm up for
# system
device = "cuda"  # examples: 'cpu', 'cuda', 'cuda:0', 'cuda:1' etc., or try 'mps' on macbooks
dtype = "bfloat16"  # float32|bfloat16|float16
compile = True  # use PyTorch 2.0 to compile the model to be faster
# -----------------------------------------------------------------------------
config_keys = [
    k
    for k, v in globals().items()
    if not k.startswith("_") and isinstance(v, (int, float, bool, str))
]
exec(open("configurator.py").read())  # overrides from command line or config file
config = {k: globals()[k] for k in config_keys}  # will be useful for logging
# -----------------------------------------------------------------------------

# fixing some hyperparams to sensible defaults
lr_decay_iters = max_iters  # should be ~= max_iters per Chinchilla
min_lr = 0.0  # minimum learning rate, should be ~= learning_rate/10 per Chinchilla

# validating checks
assert vocab_source in ["llama2", "custom"]
assert vocab_source == "custom" or vocab_size == 32000, "The vocab from Meta has 32K tokens"

# various inits, derived attributes, I/O setup
ddp = int(os.environ.get("RANK", -1)) != -1  # is this a ddp run?
if ddp:
    init_process_group(backend="nccl")
    ddp_rank = int(os.environ["RANK"])
    ddp_local_rank = int(os.environ["LOCAL_RANK"])
    ddp_world_size = int(os.environ["WORLD_SIZE"])
    device = f"cuda:{ddp_local_rank}"
    torch.cuda.set_device(device)
    master_process = ddp_rank == 0  # this process will do logging, checkpointing etc.
    seed_offset = ddp_rank  # each process gets a different seed
    # world_size number of processes will be training simultaneously, so we can scale
    # down the desired gradient accumulation iterations per process proportionally
    assert gradient_accumulation_steps % ddp_world_size == 0
    gradient_accumulation_steps //= ddp_world_size
else:
    # if not ddp, we are running on a single gpu, and one process
    master_process = True
    seed_offset = 0
    ddp_world_size = 1
tokens_per_iter = gradient_accumulation_steps * ddp_world_size * batch_size * max_seq_len
if master_process:
    print(f"tokens per iteration will be: {tokens_per_iter:,}")
    print(f"breaks down as: {gradient_accumulation_steps} grad accum steps * {ddp_world_size} processes * {batch_size} batch size * {max_seq_len} max seq len")

if master_process:
    os.makedirs(out_dir, exist_ok=True)
torch.manual_seed(1337 + seed_offset)
torch.backends.cuda.matmul.allow_tf32 = True  # allow tf32 on matmul
torch.backends.cudnn.allow_tf32 = True  # allow tf32 on cudnn
device_type = "cuda" if "cuda" in device else "cpu"  # for later use in torch.autocast
# note: float16 data type will automatically use a GradScaler
ptdtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
ctx = (
    nullcontext()
    if device_type == "cpu"
    else torch.amp.autocast(device_type=device_type, dtype=ptdtype)
)

# task-specific setup
iter_batches = partial(
    Task.iter_batches,
    batch_size=batch_size,
    max_seq_len=max_seq_len,
    vocab_size=vocab_size,
    vocab_source=vocab_source,
    device=device,
    num_workers=0,
)

# init these up here, can override if init_from='resume' (i.e. from a checkpoint)
iter_num = 0
best_val_loss = 1e9

# model init
model_args = dict(
    dim=dim,
    n_layers=n_layers,
    n_heads=n_heads,
    n_kv_heads=n_kv_heads,
    vocab_size=vocab_size,
    multiple_of=multiple_of,
    max_seq_len=max_seq_len,
    dropout=dropout,
)  # start with model_args from command line
if init_from == "scratch":
    # init a new model from scratch
    print("Initializing a new model from scratch")
    gptconf = ModelArgs(**model_args)
    model = Transformer(gptconf)
elif init_from == "resume":
    print(f"Resuming training from {out_dir}")
    # resume training from a checkpoint.
    ckpt_path = os.path.join(out_dir, "ckpt.pt")
    checkpoint = torch.load(ckpt_path, map_location=device)
    checkpoint_model_args = checkpoint["model_args"]
    # force these config attributes to be equal otherwise we can't even resume training
    # the rest of the attributes (e.g. dropout) can stay as desired from command line
    for k in ["dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "multiple_of", "max_seq_len"]:
        model_args[k] = checkpoint_model_args[k]
    # create the model
    gptconf = ModelArgs(**model_args)
    model = Transformer(gptconf)
    state_dict = checkpoint["model"]
    # fix the keys of the state dictionary :(
    # honestly no idea how checkpoints sometimes get this prefix, have to debug more
    unwanted_prefix = "_orig_mod."
    for k, v in list(state_dict.items()):
        if k.startswith(unwanted_prefix):
            state_dict[k[len(unwanted_prefix) :]] = state_dict.pop(k)
    model.load_state_dict(state_dict)
    iter_num = checkpoint["iter_num"]
    best_val_loss = checkpoint["best_val_loss"]
model.to(device)

# initialize a GradScaler. If enabled=False scaler is a no-op
scaler = torch.cuda.amp.GradScaler(enabled=(dtype == "float16"))

# optimizer
optimizer = model.configure_optimizers(weight_decay, learning_rate, (beta1, beta2), device_type)
if init_from == "resume" and "optimizer" in checkpoint:
    optimizer.load_state_dict(checkpoint["optimizer"])
checkpoint = None  # free up memory

# compile the model
if compile:
    print("compiling the model... (takes a ~minute)")
    unoptimized_model = model
    model = torch.compile(model)  # requires PyTorch 2.0

# wrap model into DDP container
if ddp:
    # Ignore the `freqs_cis` buffer so that DDP does not broadcast it at
    # construction time since NCCL does not support `ComplexFloat`
    prefix = "_orig_mod." if compile else ""
    model._ddp_params_and_buffers_to_ignore = {prefix + "freqs_cis"}
    model = DDP(model, device_ids=[ddp_local_rank])

# helps estimate an arbitrarily accurate loss over either split using many batches
@torch.no_grad()
def estimate_loss():
    out = {}
    model.eval()
    for split in ["train", "val"]:
        batch_iter = iter_batches(split=split)
        losses = torch.zeros(eval_iters)  # keep on CPU
        for k in range(eval_iters):
            X, Y = next(batch_iter)
            with ctx:
                logits = model(X, Y)
                loss = raw_model.last_loss
            losses[k] = loss.item()
        out[split] = losses.mean()
    model.train()
    return out

# learning rate decay scheduler (cosine with warmup)
def get_lr(it):
    # 1) linear warmup for warmup_iters steps
    if it < warmup_iters:
        return learning_rate * it / warmup_iters
    # 2) if it > lr_decay_iters, return min learning rate
    if it > lr_decay_iters:
        return min_lr
    # 3) in between, use cosine decay down to min learning rate
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    assert 0 <= decay_ratio <= 1
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))  # coeff ranges 0..1
    return min_lr + coeff * (learning_rate - min_lr)

# logging
if wandb_log and master_process:
    import wandb
    wandb.init(project=wandb_project, name=wandb_run_name, config=config)

# training loop
train_batch_iter = iter_batches(split="train")
X, Y = next(train_batch_iter)  # fetch the very first batch
t0 = time.time()
local_iter_num = 0  # number of iterations in the lifetime of this process
raw_model = model.module if ddp else model  # unwrap DDP container if needed
running_mfu = -1.0
while True:
    # determine and set the learning rate for this iteration
    lr = get_lr(iter_num) if decay_lr else learning_rate
    for param_group in optimizer.param_groups:
        param_group["lr"] = lr

    # evaluate the loss on train/val sets and write checkpoints
    if iter_num % eval_interval == 0 and master_process:
        losses = estimate_loss()
        print(f"step {iter_num}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")
        if wandb_log:
            try:
                wandb.log(
                    {
                        "iter": iter_num,
                        "tokens": iter_num * tokens_per_iter,
                        "loss/train": losses["train"],
                        "loss/val": losses["val"],
                        "lr": lr,
                        "mfu": running_mfu * 100,  # convert to percentage
                    }, step = iter_num
                )
            except Exception as e:
                print(f"logging to wandb failed: {e}")
        if losses["val"] < best_val_loss or always_save_checkpoint:
            best_val_loss = losses["val"]
            if iter_num > 0:
                checkpoint = {
                    "model": raw_model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "model_args": model_args,
                    "iter_num": iter_num,
                    "best_val_loss": best_val_loss,
                    "config": config,
                }
                print(f"saving checkpoint to {out_dir}")
                torch.save(checkpoint, os.path.join(out_dir, "ckpt.pt"))
                model_export(raw_model, os.path.join(out_dir, "model.bin"), version=0)
    if iter_num == 0 and eval_only:
        break

    # forward backward update, with optional gradient accumulation to simulate larger batch size
    # and using the GradScaler if data type is float16
    for micro_step in range(gradient_accumulation_steps):
        if ddp:
            # in DDP training we only need to sync gradients at the last micro step.
            # the official way to do this is with model.no_sync() context manager, but
            # I really dislike that this bloats the code and forces us to repeat code
            # looking at the source of that context manager, it just toggles this variable
            model.require_backward_grad_sync = micro_step == gradient_accumulation_steps - 1
        with ctx:
            logits = model(X, Y)
            loss = raw_model.last_loss
            loss = loss / gradient_accumulation_steps
        # immediately async prefetch next batch while model is doing the forward pass on the GPU
        X, Y = next(train_batch_iter)
        # backward pass, with gradient scaling if training in fp16
        scaler.scale(loss).backward()
    # clip the gradient
    if grad_clip != 0.0:
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    # step the optimizer and scaler if training in fp16
    scaler.step(optimizer)
    scaler.update()
    # flush the gradients as soon as we can, no need for this memory anymore
    optimizer.zero_grad(set_to_none=True)

    # timing and logging
    t1 = time.time()
    dt = t1 - t0
    t0 = t1
    if iter_num % log_interval == 0 and master_process:
        # get loss as float, scale up due to the divide above. note: this is a CPU-GPU sync point
        lossf = loss.item() * gradient_accumulation_steps
        if local_iter_num >= 5:  # let the training loop settle a bit
            mfu = raw_model.estimate_mfu(batch_size * gradient_accumulation_steps, dt)
            running_mfu = mfu if running_mfu == -1.0 else 0.9 * running_mfu + 0.1 * mfu
        print(
            f"{iter_num} | loss {lossf:.4f} | lr {lr:e} | {dt*1000:.2f}ms | mfu {running_mfu*100:.2f}%"
        )
    iter_num += 1
    local_iter_num += 1

    # termination conditions
    if iter_num > max_iters:
        break

if ddp:
    destroy_process_group()
'''

CONFIGURATOR = '''
"""
Poor Man's Configurator. Probably a terrible idea. Example usage:
$ python train.py config/override_file.py --batch_size=32
this will first run config/override_file.py, then override batch_size to 32

The code in this file will be run as follows from e.g. train.py:
>>> exec(open('configurator.py').read())

So it's not a Python module, it's just shuttling this code away from train.py
The code in this script then overrides the globals()

I know people are not going to love this, I just really dislike configuration
complexity and having to prepend config. to every single variable. If someone
comes up with a better simple Python solution I am all ears.
"""

import sys
from ast import literal_eval

for arg in sys.argv[1:]:
    if '=' not in arg:
        # assume it's the name of a config file
        assert not arg.startswith('--')
        config_file = arg
        print(f"Overriding config with {config_file}:")
        with open(config_file) as f:
            print(f.read())
        exec(open(config_file).read())
    else:
        # assume it's a --key=value argument
        assert arg.startswith('--')
        key, val = arg.split('=')
        key = key[2:]
        if key in globals():
            try:
                # attempt to eval it it (e.g. if bool, number, or etc)
                attempt = literal_eval(val)
            except (SyntaxError, ValueError):
                # if that goes wrong, just use the string
                attempt = val
            # ensure the types match ok
            assert type(attempt) == type(globals()[key])
            # cross fingers
            print(f"Overriding: {key} = {attempt}")
            globals()[key] = attempt
        else:
            raise ValueError(f"Unknown config key: {key}")
'''

SAMPLE = '''
"""
Sample from the trained model with PyTorch
"""
import os
import pickle
from contextlib import nullcontext
import torch
from model import ModelArgs, Transformer
from tokenizer import Tokenizer

from tinystories import get_tokenizer_model_path

# -----------------------------------------------------------------------------
checkpoint = 'out/ckpt.pt'
start = "" # or "<|endoftext|>" or etc. Can also specify a file, use as: "FILE:prompt.txt"
num_samples = 1 # number of samples to draw
max_new_tokens = 100 # number of tokens generated in each sample
temperature = 1.0 # 1.0 = no change, < 1.0 = less random, > 1.0 = more random, in predictions
top_k = 300 # retain only the top_k most likely tokens, clamp others to have 0 probability
tokenizer = "" # override the tokenizer model path
seed = 1337
device = 'cuda' if torch.cuda.is_available() else 'cpu' # examples: 'cpu', 'cuda', 'cuda:0', 'cuda:1', etc.
#dtype = 'bfloat16' if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else 'float16' # 'float32' or 'bfloat16' or 'float16'
dtype = "float32"
compile = False # use PyTorch 2.0 to compile the model to be faster
exec(open('configurator.py').read()) # overrides from command line or config file
# -----------------------------------------------------------------------------

torch.manual_seed(seed)
torch.cuda.manual_seed(seed)
torch.backends.cuda.matmul.allow_tf32 = True # allow tf32 on matmul
torch.backends.cudnn.allow_tf32 = True # allow tf32 on cudnn
device_type = 'cuda' if 'cuda' in device else 'cpu' # for later use in torch.autocast
ptdtype = {'float32': torch.float32, 'bfloat16': torch.bfloat16, 'float16': torch.float16}[dtype]
ctx = nullcontext() if device_type == 'cpu' else torch.amp.autocast(device_type=device_type, dtype=ptdtype)

# init from a model saved in a specific directory
checkpoint_dict = torch.load(checkpoint, map_location=device)
gptconf = ModelArgs(**checkpoint_dict['model_args'])
model = Transformer(gptconf)
state_dict = checkpoint_dict['model']
unwanted_prefix = '_orig_mod.'
for k,v in list(state_dict.items()):
    if k.startswith(unwanted_prefix):
        state_dict[k[len(unwanted_prefix):]] = state_dict.pop(k)
model.load_state_dict(state_dict, strict=False)

model.eval()
model.to(device)
if compile:
    print("Compiling the model...")
    model = torch.compile(model) # requires PyTorch 2.0 (optional)

# load the tokenizer
vocab_source = checkpoint_dict["config"].get("vocab_source", "llama2")
vocab_size = gptconf.vocab_size
if tokenizer:
    # a specific tokenizer is provided, use it
    tokenizer_model = tokenizer
else:
    # let's try to find the tokenizer model automatically. bit gross here...
    query_vocab_size = 0 if vocab_source == "llama2" else vocab_size
    tokenizer_model = get_tokenizer_model_path(vocab_size=query_vocab_size)
enc = Tokenizer(tokenizer_model=tokenizer_model)

# encode the beginning of the prompt
if start.startswith('FILE:'):
    with open(start[5:], 'r', encoding='utf-8') as f:
        start = f.read()
start_ids = enc.encode(start, bos=True, eos=False)
x = (torch.tensor(start_ids, dtype=torch.long, device=device)[None, ...])

# run generation
with torch.no_grad():
    with ctx:
        for k in range(num_samples):
            y = model.generate(x, max_new_tokens, temperature=temperature, top_k=top_k)
            print(enc.decode(y[0].tolist()))
            print('---------------')
'''


class SentencePieceProcessor:
    """sentencepiece's SentencePieceProcessor as tokenizer.py uses it, on bytes: <unk> 0, <s> 1, </s> 2, then the 256
    bytes (a sentencepiece vocabulary with byte fallback begins so); decode drops the special pieces."""

    def __init__(self, model_file):
        self.model_file = model_file

    def vocab_size(self):
        return 259

    get_piece_size = vocab_size

    def bos_id(self):
        return 1

    def eos_id(self):
        return 2

    def pad_id(self):
        return -1

    def encode(self, s):
        return [3 + b for b in s.encode("utf-8")]

    def decode(self, ids):
        return bytes(i - 3 for i in ids if i >= 3).decode("utf-8", errors="replace")


VOCAB_SIZE = 259


def as_run(program, flash=True):
    """`program` (train.py, sample.py or export.py) with the files it imports in the place of its import lines; with
    flash=False, model.py takes its manual attention path (an older PyTorch's: the causal mask as a buffer)."""
    model = MODEL if flash else MODEL.replace("self.flash = hasattr(torch.nn.functional, 'scaled_dot_product_attention')",
                                              "self.flash = False")
    export = EXPORT.replace("from model import ModelArgs, Transformer\n", "")
    for old, new in [("from model import Transformer, ModelArgs\n", model), ("from model import ModelArgs, Transformer\n", model),
                     ("from tokenizer import Tokenizer\n", TOKENIZER), ("from tinystories import Task\n", TINYSTORIES),
                     ("from tinystories import get_tokenizer_model_path\n", TINYSTORIES),
                     ("from export import model_export\n", export)]:
        program = program.replace(old, new)
    return program


@pytest.fixture(autouse=True)
def _llama2c_checkout(tmp_path, monkeypatch):
    """llama2.c's folder in a temporary directory, the current one: configurator.py, the custom tokenizer's model file
    (data/tok259.model, which the sentencepiece stand-in only needs to exist) and the shards tinystories.py's
    pretokenize writes (data/tok259/data00.bin the validation one): each story's tokens after a BOS, uint16. The
    stories are made-up text, four sentences each."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "sentencepiece", types.SimpleNamespace(SentencePieceProcessor=SentencePieceProcessor))
    (tmp_path / "configurator.py").write_text(CONFIGURATOR)
    shards = tmp_path / "data" / f"tok{VOCAB_SIZE}"
    shards.mkdir(parents=True)
    (tmp_path / "data" / f"tok{VOCAB_SIZE}.model").write_bytes(b"a sentencepiece model")
    enc, lines = SentencePieceProcessor("data/tok259.model"), synthetic_text(600).splitlines()
    stories = [" ".join(lines[i:i + 4]) for i in range(0, len(lines), 4)]
    for shard, part in enumerate(np.array_split(np.arange(len(stories)), [25, 90])):
        all_tokens = []
        for i in part:  # process_shard: enc.encode(text.strip(), bos=True, eos=False)
            all_tokens.extend([enc.bos_id()] + enc.encode(stories[i].strip()))
        (shards / f"data{shard:02d}.bin").write_bytes(np.array(all_tokens, dtype=np.uint16).tobytes())


# The README's small run on the CPU, smaller: a 2-layer model of width 32 with 4 query heads sharing 2 key/value heads,
# 8 x 32 tokens a micro-step, two micro-steps a step, evaluations on 4 batches.
CPU_RUN = ["train.py", "--device=cpu", "--compile=False", "--vocab_source=custom", f"--vocab_size={VOCAB_SIZE}",
           "--batch_size=8", "--max_seq_len=32", "--dim=32", "--n_layers=2", "--n_heads=4", "--n_kv_heads=2",
           "--multiple_of=16", "--gradient_accumulation_steps=2", "--learning_rate=5e-3", "--eval_iters=4",
           "--warmup_iters=5"]
EVAL = re.compile(r"^step (\d+): train loss ([\d.]+), val loss ([\d.]+)$", re.M)
ITER = re.compile(r"^(\d+) \| loss ([\d.]+) \| lr ([\d.e+-]+) \| [\d.]+ms \| mfu (-?[\d.]+)%$", re.M)


def run_ours(program, argv, monkeypatch, name="train.py"):
    monkeypatch.setattr(sys, "argv", argv)
    return run(with_our_imports(as_run(program)), name)


def evals(printed):
    return [(int(step), float(train), float(val)) for step, train, val in EVAL.findall(printed)]


def iters(printed):
    return [(int(i), float(loss), float(lr)) for i, loss, lr, _ in ITER.findall(printed)]


def read_legacy_bin(path):
    """A .bin of version 0 read as run.c's read_checkpoint and memory_map_weights read it: the Config header (seven
    int32s: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative vocab_size means the
    classifier is not shared), then the float32 weights; the config and the weights by run.c's names."""
    data = np.fromfile(path, dtype=np.float32)
    dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len = struct.unpack("iiiiiii", path.read_bytes()[:28])
    shared_weights = vocab_size > 0
    vocab_size, head_size = abs(vocab_size), dim // n_heads
    ptr, weights = 7, {}

    def take(name, *shape):
        nonlocal ptr
        size = int(np.prod(shape))
        weights[name] = data[ptr:ptr + size].reshape(shape)
        ptr += size
    take("token_embedding_table", vocab_size, dim)
    take("rms_att_weight", n_layers, dim)
    take("wq", n_layers, n_heads * head_size, dim)
    take("wk", n_layers, n_kv_heads * head_size, dim)
    take("wv", n_layers, n_kv_heads * head_size, dim)
    take("wo", n_layers, dim, n_heads * head_size)
    take("rms_ffn_weight", n_layers, dim)
    take("w1", n_layers, hidden_dim, dim)
    take("w2", n_layers, dim, hidden_dim)
    take("w3", n_layers, hidden_dim, dim)
    take("rms_final_weight", dim)
    take("freq_cis_real", seq_len, head_size // 2)  # what run.c skips: the RoPE tables of older versions
    take("freq_cis_imag", seq_len, head_size // 2)
    if not shared_weights:
        take("wcls", vocab_size, dim)
    assert ptr == len(data), (ptr, len(data))  # nothing after the classifier
    config = dict(dim=dim, hidden_dim=hidden_dim, n_layers=n_layers, n_heads=n_heads, n_kv_heads=n_kv_heads,
                  vocab_size=vocab_size, seq_len=seq_len, shared_weights=shared_weights)
    return config, weights


# run.c's names for a layer's weights, by their names in model.py's state_dict
LAYER_WEIGHTS = {"rms_att_weight": "attention_norm.weight", "wq": "attention.wq.weight", "wk": "attention.wk.weight",
                 "wv": "attention.wv.weight", "wo": "attention.wo.weight", "rms_ffn_weight": "ffn_norm.weight",
                 "w1": "feed_forward.w1.weight", "w2": "feed_forward.w2.weight", "w3": "feed_forward.w3.weight"}


def assert_weights_are_the_models(weights, state_dict, n_layers):
    """Every weight read from a .bin is the state_dict's tensor of that name, bit for bit."""
    arrays = {k: np.asarray(v.detach().numpy() if hasattr(v, "detach") else v) for k, v in state_dict.items()}
    np.testing.assert_array_equal(weights["token_embedding_table"], arrays["tok_embeddings.weight"])
    np.testing.assert_array_equal(weights["rms_final_weight"], arrays["norm.weight"])
    for name, key in LAYER_WEIGHTS.items():
        np.testing.assert_array_equal(weights[name], np.stack([arrays[f"layers.{i}.{key}"] for i in range(n_layers)]),
                                      err_msg=name)


def printed_text(printed):
    """What a program printed without configurator.py's "Overriding: ..." lines."""
    return "".join(line for line in printed.splitlines(keepends=True) if not line.startswith("Overriding: "))


def test_trains_saves_exports_resumes_and_samples(tmp_path, monkeypatch):
    _, printed = run_ours(TRAIN, CPU_RUN + ["--max_iters=24", "--eval_interval=12"], monkeypatch)
    assert "tokens per iteration will be: 512" in printed and "breaks down as: 2 grad accum steps * 1 processes * 8 batch size * 32 max seq len" in printed, printed
    assert "num decayed parameter tensors: 15, with 32,864 parameters" in printed, printed  # 259 x 32 tied, counted once
    assert "num non-decayed parameter tensors: 5, with 160 parameters" in printed and "using fused AdamW: False" in printed, printed
    steps = evals(printed)
    assert [s for s, _, _ in steps] == [0, 12, 24], printed
    assert steps[0][2] == pytest.approx(np.log(VOCAB_SIZE), abs=0.05), printed  # 259 logits, about equal at first
    assert steps[-1][2] < steps[1][2] < steps[0][2] and steps[-1][2] < steps[0][2] - 2.0, printed  # and it learns
    losses = iters(printed)
    assert [i for i, _, _ in losses] == list(range(25)), printed
    assert np.mean([loss for _, loss, _ in losses[-5:]]) < losses[0][1] - 2.0, printed
    # get_lr: a linear warm-up from 0 over 5 steps, then a cosine from 5e-3 down to 0 at max_iters
    expected = [5e-3 * it / 5 if it < 5 else 0.5 * (1 + np.cos(np.pi * (it - 5) / 19)) * 5e-3 for it in range(25)]
    np.testing.assert_allclose([lr for _, _, lr in losses], expected, rtol=1e-6, atol=1e-12)
    assert printed.count("saving checkpoint to out") == 2 and printed.count("wrote out/model.bin") == 2, printed

    # The checkpoint of step 24 (its validation loss was the best), as train.py saved it
    checkpoint = ag.load(tmp_path / "out" / "ckpt.pt")
    assert set(checkpoint) == {"model", "optimizer", "model_args", "iter_num", "best_val_loss", "config"}
    assert checkpoint["iter_num"] == 24 and f"{checkpoint['best_val_loss'].item():.4f}" == f"{steps[-1][2]:.4f}"
    assert checkpoint["model_args"] == dict(dim=32, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=VOCAB_SIZE,
                                            multiple_of=16, max_seq_len=32, dropout=0.0)
    assert checkpoint["config"]["vocab_source"] == "custom" and checkpoint["config"]["max_iters"] == 24
    assert "freqs_cos" not in checkpoint["model"]  # a buffer registered with persistent=False
    assert len(checkpoint["optimizer"]["state"]) == 20 and checkpoint["optimizer"]["param_groups"][0]["lr"] == 0.0

    # model.bin, exported with it: what run.c reads is the checkpoint's weights, the classifier shared
    config, weights = read_legacy_bin(tmp_path / "out" / "model.bin")
    assert config == dict(dim=32, hidden_dim=96, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=VOCAB_SIZE, seq_len=32,
                          shared_weights=True)  # hidden_dim: 32 * 4 * 2 / 3 = 85, up to a multiple of 16
    assert_weights_are_the_models(weights, checkpoint["model"], 2)
    positions, frequencies = np.arange(32)[:, None], 10000.0 ** (-np.arange(0, 8, 2) / 8)
    np.testing.assert_allclose(weights["freq_cis_real"], np.cos(positions * frequencies), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(weights["freq_cis_imag"], np.sin(positions * frequencies), rtol=1e-5, atol=1e-6)

    # Resuming: the checkpoint's model, optimizer and step; its first evaluation is the one before saving, to the digit
    _, resumed = run_ours(TRAIN, CPU_RUN + ["--max_iters=32", "--eval_interval=8", "--init_from=resume"], monkeypatch)
    assert "Resuming training from out" in resumed, resumed
    again = evals(resumed)
    assert [s for s, _, _ in again] == [24, 32] and again[0] == steps[-1], (printed, resumed)
    assert [i for i, _, _ in iters(resumed)] == list(range(24, 33)), resumed
    assert again[1][2] < again[0][2], resumed

    # sample.py: the checkpoint's model continues a prompt, drawing from its 10 most likely tokens
    argv = ["sample.py", "--checkpoint=out/ckpt.pt", "--num_samples=2", "--max_new_tokens=24", "--start=the king",
            "--top_k=10"]
    namespace, samples = run_ours(SAMPLE, argv, monkeypatch, "sample.py")
    texts = printed_text(samples).split("---------------\n")
    assert len(texts) == 3 and texts[2] == "" and all(t.startswith("the king") for t in texts[:2]), samples
    assert tuple(namespace["y"].shape) == (1, 1 + 8 + 24) and namespace["start_ids"][0] == 1, samples  # <s> first
    assert texts[0] != texts[1] and set("".join(texts)) <= set(synthetic_text(600)), samples  # the stories' characters


def model_namespace(flash=True):
    """model.py's names, and what it printed."""
    return run(with_our_imports(as_run("from model import ModelArgs, Transformer\n", flash)), "model.py")


def test_flash_and_manual_attention_give_the_same_logits():
    (fast, _), (slow, _) = model_namespace(), model_namespace(flash=False)
    args = dict(dim=32, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=40, multiple_of=16, max_seq_len=16)
    ag.manual_seed(0)
    model = fast["Transformer"](fast["ModelArgs"](**args))
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        manual = slow["Transformer"](slow["ModelArgs"](**args))
    assert printed.getvalue() == "WARNING: using slow attention. Flash Attention requires PyTorch >= 2.0\n" * 2
    missing, unexpected = manual.load_state_dict(model.state_dict(), strict=False)
    assert sorted(missing) == ["layers.0.attention.mask", "layers.1.attention.mask"] and unexpected == []
    mask = manual.layers[0].attention.mask
    assert tuple(mask.shape) == (1, 1, 16, 16) and np.array_equal(np.isinf(mask.numpy()[0, 0]), np.triu(np.ones((16, 16)), 1) > 0)
    tokens = ag.randint(0, 40, (3, 12))
    targets = tokens.roll(-1, 1)
    targets[:, -1] = -1  # ignore_index=-1: the last position has no target
    logits, manual_logits = model(tokens, targets), manual(tokens, targets)
    assert tuple(logits.shape) == (3, 12, 40)
    np.testing.assert_allclose(manual_logits.detach().numpy(), logits.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert manual.last_loss.item() == pytest.approx(model.last_loss.item(), rel=1e-6)
    # the loss over the targets that are not -1
    flat, kept = logits.detach().numpy()[:, :-1].reshape(-1, 40), tokens.roll(-1, 1).numpy()[:, :-1].reshape(-1)
    log_probs = flat - np.log(np.exp(flat - flat.max(-1, keepdims=True)).sum(-1, keepdims=True)) - flat.max(-1, keepdims=True)
    assert model.last_loss.item() == pytest.approx(-log_probs[np.arange(len(kept)), kept].mean(), rel=1e-5)
    # the same gradients through both paths
    model.last_loss.backward()
    manual.last_loss.backward()
    for (name, p), q in zip(model.named_parameters(), manual.parameters(), strict=True):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-7, err_msg=name)
    # inference: only the last position's logits, the same as the training forward's there
    last = model(tokens)
    assert tuple(last.shape) == (3, 1, 40) and model.last_loss is None
    np.testing.assert_allclose(last.detach().numpy()[:, 0], logits.detach().numpy()[:, -1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(manual(tokens).detach().numpy(), last.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_model_pieces_do_what_their_names_say():
    namespace, _ = model_namespace()
    precompute_freqs_cis, apply_rotary_emb = namespace["precompute_freqs_cis"], namespace["apply_rotary_emb"]
    # RoPE on real numbers is the complex product of Meta's code: each pair (x[2i], x[2i+1]) turned by pos * theta_i
    cos, sin = precompute_freqs_cis(8, 6)
    xq, xk = ag.randn(2, 6, 4, 8), ag.randn(2, 6, 2, 8)
    rq, rk = apply_rotary_emb(xq, xk, cos, sin)
    angles = np.arange(6)[:, None] * 10000.0 ** (-np.arange(0, 8, 2) / 8)
    for x, r in ((xq, rq), (xk, rk)):
        z = x.numpy()[..., 0::2] + 1j * x.numpy()[..., 1::2]
        turned = z * np.exp(1j * angles)[None, :, None, :]
        np.testing.assert_allclose(r.numpy(), np.stack([turned.real, turned.imag], -1).reshape(x.shape), rtol=1e-5, atol=1e-6)
    # repeat_kv is repeat_interleave over the heads
    kv = ag.randn(2, 5, 3, 4)
    np.testing.assert_array_equal(namespace["repeat_kv"](kv, 2).numpy(), np.repeat(kv.numpy(), 2, axis=2))
    # RMSNorm: x / sqrt(mean(x²) + eps), times its weight
    norm, x = namespace["RMSNorm"](8, eps=1e-5), ag.randn(3, 8)
    expected = x.numpy() / np.sqrt((x.numpy() ** 2).mean(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(norm(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    # the SwiGLU's hidden size: 2/3 of 4 * dim, rounded up to multiple_of; the scaled init of w3 and wo
    model = namespace["Transformer"](namespace["ModelArgs"](dim=64, n_layers=8, n_heads=4, vocab_size=50, multiple_of=32, max_seq_len=8))
    assert tuple(model.layers[0].feed_forward.w1.weight.shape) == (192, 64)  # int(2 * 256 / 3) = 170, then 192
    assert model.tok_embeddings.weight is model.output.weight
    stds = {name: p.detach().numpy().std() for name, p in model.named_parameters() if p.dim() == 2}
    assert all(0.0045 < stds[n] < 0.0055 for n in stds if n.endswith(("w3.weight", "wo.weight"))), stds  # 0.02 / 4
    assert all(0.018 < stds[n] < 0.022 for n in stds if n.endswith(("w1.weight", "wq.weight", "tok_embeddings.weight"))), stds
    # generate: top_k=1 at temperature 1 is greedy decoding (temperature 0), whatever the draws
    model.eval()
    idx = ag.tensor([[1, 5, 9]])
    greedy = model.generate(idx, 6, temperature=0.0)
    assert tuple(greedy.shape) == (1, 9) and greedy[:, :3].tolist() == [[1, 5, 9]]
    assert model.generate(idx, 6, temperature=1.0, top_k=1).tolist() == greedy.tolist()
    mfu = model.estimate_mfu(4, 1.0)
    N = sum(p.numel() for p in model.parameters())
    assert mfu == pytest.approx((6 * N + 12 * 8 * 4 * 16 * 8) * 8 * 4 / 312e12)


def test_export_formats_place_every_weight(tmp_path, monkeypatch):
    namespace, _ = model_namespace()
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(with_our_imports(EXPORT.replace("from model import ModelArgs, Transformer\n", "")), "export.py", "exec"), namespace)
    args = dict(dim=32, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=40, multiple_of=16, max_seq_len=16)
    model = namespace["Transformer"](namespace["ModelArgs"](**args))

    # a checkpoint as train.py saves it (its state_dict under "_orig_mod.", as a compiled model's), exported by
    # export.py's command line in version 1
    (tmp_path / "out").mkdir()
    ag.save({"model": {"_orig_mod." + k: v for k, v in model.state_dict().items()}, "model_args": args,
             "iter_num": 1, "config": {}}, tmp_path / "out" / "ckpt.pt")
    monkeypatch.setattr(sys, "argv", ["export.py", "out/model_v1.bin", "--version=1", "--checkpoint=out/ckpt.pt"])
    _, printed = run(with_our_imports(as_run(EXPORT + EXPORT_CLI)), "export.py")
    assert printed == "wrote out/model_v1.bin\n", printed
    data = (tmp_path / "out" / "model_v1.bin").read_bytes()
    assert struct.unpack("I", data[:4]) == (0x616B3432,) and data[:4] == b"24ka"  # "ak42" as a little-endian uint32
    assert struct.unpack("i7iB", data[4:37]) == (1, 32, 96, 2, 4, 2, 40, 16, 1) and data[37:256] == bytes(219)
    floats, arrays = np.frombuffer(data[256:], dtype=np.float32), model.state_dict()
    order = [*(f"layers.{i}.attention_norm.weight" for i in range(2)), *(f"layers.{i}.ffn_norm.weight" for i in range(2)),
             "norm.weight", "tok_embeddings.weight",
             *(f"layers.{i}.{w}.weight" for w in ("attention.wq", "attention.wk", "attention.wv", "attention.wo",
                                                  "feed_forward.w1", "feed_forward.w2", "feed_forward.w3") for i in range(2))]
    np.testing.assert_array_equal(floats, np.concatenate([arrays[k].reshape(-1) for k in order]))

    # version 0 (legacy_export, as train.py writes model.bin) with the classifier shared: a positive vocab size
    namespace["model_export"](model, str(tmp_path / "shared.bin"), version=0)
    config, weights = read_legacy_bin(tmp_path / "shared.bin")
    assert config["vocab_size"] == 40 and config["shared_weights"] and "wcls" not in weights
    assert_weights_are_the_models(weights, model.state_dict(), 2)

    # and untied (a fine-tuned classifier of its own): a negative vocab size, the classifier written last
    with ag.no_grad():
        model.output.weight = ag.nn.Parameter(model.output.weight.detach().clone() * 2)
    namespace["model_export"](model, str(tmp_path / "untied.bin"), version=0)
    assert struct.unpack("i", (tmp_path / "untied.bin").read_bytes()[20:24]) == (-40,)
    config, weights = read_legacy_bin(tmp_path / "untied.bin")
    assert not config["shared_weights"] and config["vocab_size"] == 40
    np.testing.assert_array_equal(weights["wcls"], model.output.weight.detach().numpy())
    np.testing.assert_array_equal(weights["token_embedding_table"], model.tok_embeddings.weight.detach().numpy())
    with pytest.raises(ValueError, match="unknown version 3"):
        namespace["model_export"](model, str(tmp_path / "v3.bin"), version=3)


@pytest.mark.filterwarnings("ignore:`torch.cuda.amp.GradScaler:FutureWarning")  # PyTorch's, on its older name
@pytest.mark.filterwarnings("ignore:'pin_memory' argument is set as true:UserWarning")  # PyTorch's, without a GPU
def test_training_and_greedy_sampling_reproduce_pytorch_from_the_same_start(monkeypatch):
    """Every loss and learning rate train.py prints (evaluations and iterations) is PyTorch's, from the same draws (the
    layers' and nn.init's initial weights; the batches come from the dataset's random.Random(42), the same in both),
    and so is every weight at the end, in float32; then sample.py's greedy continuation of a prompt from the
    checkpoint (the one PyTorch's run saved last) is PyTorch's, and so are its model's logits."""
    monkeypatch.setattr(sys, "argv", CPU_RUN + ["--max_iters=10", "--eval_interval=5"])
    (ours, our_printed), (theirs, their_printed) = run_both(as_run(TRAIN), "train.py", monkeypatch)
    message = f"{our_printed}\n{their_printed}"
    assert len(evals(our_printed)) == 3 and len(iters(our_printed)) == 11, our_printed
    np.testing.assert_allclose(evals(our_printed), evals(their_printed), rtol=0, atol=1.01e-4, err_msg=message)
    np.testing.assert_allclose(iters(our_printed), iters(their_printed), rtol=1e-6, atol=1.01e-4, err_msg=message)
    their_weights = {k: v.numpy() for k, v in theirs["raw_model"].state_dict().items()}
    our_weights = ours["raw_model"].state_dict()  # (and our Dropouts' generator states, which PyTorch's lack)
    for name, weight in their_weights.items():
        np.testing.assert_allclose(our_weights[name], weight, rtol=1e-3, atol=2e-5, err_msg=name)

    monkeypatch.setattr(sys, "argv", ["sample.py", "--checkpoint=out/ckpt.pt", "--max_new_tokens=12", "--start=a dog",
                                      "--temperature=0.0"])
    (ours, our_printed), (theirs, their_printed) = run_both(as_run(SAMPLE), "sample.py", monkeypatch)
    assert our_printed == their_printed and printed_text(our_printed).startswith("a dog"), (our_printed, their_printed)
    with ag.no_grad():
        our_logits = ours["model"](ours["x"]).numpy()
    np.testing.assert_allclose(our_logits, theirs["model"](theirs["x"]).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_stories_are_served_as_pretokenize_wrote_them():
    """tinystories.py's Task.iter_batches over the shards: (x, y) batches of int64 token ids, y one ahead of x, every
    row a piece of a shard; the validation split only shard 0; the same batches again from a new iterator (the
    dataset's rng is seeded the same)."""
    namespace, printed = run(with_our_imports(as_run("from tinystories import Task\n")), "tinystories.py")
    batches = namespace["Task"].iter_batches(split="train", batch_size=4, device="cpu", max_seq_len=16, vocab_size=VOCAB_SIZE,
                                             vocab_source="custom")
    shard0 = np.fromfile(f"data/tok{VOCAB_SIZE}/data00.bin", dtype=np.uint16).astype(np.int64)
    train = np.concatenate([np.fromfile(f"data/tok{VOCAB_SIZE}/data0{i}.bin", dtype=np.uint16) for i in (1, 2)])
    rows = set()
    for _ in range(3):
        x, y = next(batches)
        assert tuple(x.shape) == tuple(y.shape) == (4, 16) and x.dtype == ag.int64
        np.testing.assert_array_equal(x.numpy()[:, 1:], y.numpy()[:, :-1])
        rows.update(tuple(r) for r in x.numpy())
    text = train.astype(np.int64).tobytes()
    assert all(np.array(r, dtype=np.int64).tobytes() in text for r in rows)  # pieces of the training shards
    val = namespace["Task"].iter_batches(split="val", batch_size=4, device="cpu", max_seq_len=16,
                                         vocab_size=VOCAB_SIZE, vocab_source="custom")
    x, y = next(val)
    starts = [int(np.flatnonzero(np.all(np.lib.stride_tricks.sliding_window_view(shard0, 16) == r, axis=1))[0])
              for r in x.numpy()]
    assert all(s % 16 == 0 for s in starts)  # the chunks begin at multiples of max_seq_len
    again = namespace["Task"].iter_batches(split="val", batch_size=4, device="cpu", max_seq_len=16,
                                           vocab_size=VOCAB_SIZE, vocab_source="custom")
    np.testing.assert_array_equal(next(again)[0].numpy(), x.numpy())
