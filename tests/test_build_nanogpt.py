"""build-nanogpt, Karpathy's repository that follows the "Let's reproduce GPT-2 (124M)" lecture: its train_gpt2.py run
on the CPU with `import autograd_core as torch`, as its README's `python train_gpt2.py` runs it on a computer without a
GPU, smaller.

train_gpt2.py and the two functions of hellaswag.py it imports are written from memory in their idioms (as the other
course tests are): GPT-2's model with `F.scaled_dot_product_attention` and weight tying, `configure_optimizers` (AdamW
parameter groups, the `inspect.signature` check for `fused`), DataLoaderLite over fineweb.py's `.npy` shards, gradient
accumulation under `torch.autocast(device_type, dtype=torch.bfloat16)`, `clip_grad_norm_`, the cosine schedule set per
group, the validation loss, the HellaSwag evaluation (`get_most_likely_row`), top-k sampling with its own
`torch.Generator`, the log file, and the checkpoint with the model's `GPTConfig` in it. What changes: the sizes (a line
each, `SMALLER`); hellaswag.py's functions stand in the place of train_gpt2.py's import of them (the harness runs one
program at a time), without its download (the test writes the validation file) and its GPT-2 evaluation
(transformers); tiktoken's GPT-2 encoding, which downloads its tables, is a byte-level stand-in of the same interface
(`get_encoding("gpt2")`, `encode`, `encode_ordinary`, `decode`, `_special_tokens`); fineweb.py (Hugging Face's
datasets; no torch) is replaced by shards of made-up text written as it writes them. Where PyTorch is installed, the
training run is also compared with PyTorch's from the same starting numbers.
"""

# ruff: noqa: E501 (train_gpt2.py's lines are as long as Karpathy wrote them)

from __future__ import annotations

import json
import re
import sys
import types

import numpy as np
import pytest
from program_harness import run, run_both, synthetic_text, with_our_imports

import autograd_core as ag

TRAIN_GPT2 = r'''
import os
import math
import time
import inspect
from dataclasses import dataclass
import torch
import torch.nn as nn
from torch.nn import functional as F
from hellaswag import render_example, iterate_examples
# -----------------------------------------------------------------------------

class CausalSelfAttention(nn.Module):

    def __init__(self, config):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        # key, query, value projections for all heads, but in a batch
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
        # output projection
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.c_proj.NANOGPT_SCALE_INIT = 1
        # regularization
        self.n_head = config.n_head
        self.n_embd = config.n_embd

    def forward(self, x):
        B, T, C = x.size() # batch size, sequence length, embedding dimensionality (n_embd)
        # calculate query, key, values for all heads in batch and move head forward to be the batch dim
        # nh is "number of heads", hs is "head size", and C (number of channels) = nh * hs
        # e.g. in GPT-2 (124M), n_head=12, hs=64, so nh*hs=C=768 channels in the Transformer
        qkv = self.c_attn(x)
        q, k, v = qkv.split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) # (B, nh, T, hs)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) # (B, nh, T, hs)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True) # flash attention
        y = y.transpose(1, 2).contiguous().view(B, T, C) # re-assemble all head outputs side by side
        # output projection
        y = self.c_proj(y)
        return y

class MLP(nn.Module):

    def __init__(self, config):
        super().__init__()
        self.c_fc    = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.gelu    = nn.GELU(approximate='tanh')
        self.c_proj  = nn.Linear(4 * config.n_embd, config.n_embd)
        self.c_proj.NANOGPT_SCALE_INIT = 1

    def forward(self, x):
        x = self.c_fc(x)
        x = self.gelu(x)
        x = self.c_proj(x)
        return x

class Block(nn.Module):

    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x

@dataclass
class GPTConfig:
    block_size: int = 1024 # max sequence length
    vocab_size: int = 50257 # number of tokens: 50,000 BPE merges + 256 bytes tokens + 1 <|endoftext|> token
    n_layer: int = 12 # number of layers
    n_head: int = 12 # number of heads
    n_embd: int = 768 # embedding dimension

class GPT(nn.Module):

    def __init__(self, config):
        super().__init__()
        self.config = config

        self.transformer = nn.ModuleDict(dict(
            wte = nn.Embedding(config.vocab_size, config.n_embd),
            wpe = nn.Embedding(config.block_size, config.n_embd),
            h = nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f = nn.LayerNorm(config.n_embd),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)

        # weight sharing scheme
        self.transformer.wte.weight = self.lm_head.weight

        # init params
        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            std = 0.02
            if hasattr(module, 'NANOGPT_SCALE_INIT'):
                std *= (2 * self.config.n_layer) ** -0.5
            torch.nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        # idx is of shape (B, T)
        B, T = idx.size()
        assert T <= self.config.block_size, f"Cannot forward sequence of length {T}, block size is only {self.config.block_size}"
        # forward the token and posisition embeddings
        pos = torch.arange(0, T, dtype=torch.long, device=idx.device) # shape (T)
        pos_emb = self.transformer.wpe(pos) # position embeddings of shape (T, n_embd)
        tok_emb = self.transformer.wte(idx) # token embeddings of shape (B, T, n_embd)
        x = tok_emb + pos_emb
        # forward the blocks of the transformer
        for block in self.transformer.h:
            x = block(x)
        # forward the final layernorm and the classifier
        x = self.transformer.ln_f(x)
        logits = self.lm_head(x) # (B, T, vocab_size)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    def configure_optimizers(self, weight_decay, learning_rate, device_type):
        # start with all of the candidate parameters (that require grad)
        param_dict = {pn: p for pn, p in self.named_parameters()}
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
        if master_process:
            print(f"num decayed parameter tensors: {len(decay_params)}, with {num_decay_params:,} parameters")
            print(f"num non-decayed parameter tensors: {len(nodecay_params)}, with {num_nodecay_params:,} parameters")
        # Create AdamW optimizer and use the fused version if it is available
        fused_available = 'fused' in inspect.signature(torch.optim.AdamW).parameters
        use_fused = fused_available and device_type == "cuda"
        if master_process:
            print(f"using fused AdamW: {use_fused}")
        optimizer = torch.optim.AdamW(optim_groups, lr=learning_rate, betas=(0.9, 0.95), eps=1e-8, fused=use_fused)
        return optimizer

# -----------------------------------------------------------------------------
import tiktoken
import numpy as np

def load_tokens(filename):
    npt = np.load(filename)
    npt = npt.astype(np.int32) # added after video
    ptt = torch.tensor(npt, dtype=torch.long)
    return ptt

class DataLoaderLite:
    def __init__(self, B, T, process_rank, num_processes, split):
        self.B = B
        self.T = T
        self.process_rank = process_rank
        self.num_processes = num_processes
        assert split in {'train', 'val'}

        # get the shard filenames
        data_root = "edu_fineweb10B"
        shards = os.listdir(data_root)
        shards = [s for s in shards if split in s]
        shards = sorted(shards)
        shards = [os.path.join(data_root, s) for s in shards]
        self.shards = shards
        assert len(shards) > 0, f"no shards found for split {split}"
        if master_process:
            print(f"found {len(shards)} shards for split {split}")
        self.reset()

    def reset(self):
        # state, init at shard zero
        self.current_shard = 0
        self.tokens = load_tokens(self.shards[self.current_shard])
        self.current_position = self.B * self.T * self.process_rank

    def next_batch(self):
        B, T = self.B, self.T
        buf = self.tokens[self.current_position : self.current_position+B*T+1]
        x = (buf[:-1]).view(B, T) # inputs
        y = (buf[1:]).view(B, T) # targets
        # advance the position in the tensor
        self.current_position += B * T * self.num_processes
        # if loading the next batch would be out of bounds, advance to next shard
        if self.current_position + (B * T * self.num_processes + 1) > len(self.tokens):
            self.current_shard = (self.current_shard + 1) % len(self.shards)
            self.tokens = load_tokens(self.shards[self.current_shard])
            self.current_position = B * T * self.process_rank
        return x, y

# -----------------------------------------------------------------------------
# helper function for HellaSwag eval
# takes tokens, mask, and logits, returns the index of the completion with the lowest loss

def get_most_likely_row(tokens, mask, logits):
    # evaluate the autoregressive loss at all positions
    shift_logits = (logits[..., :-1, :]).contiguous()
    shift_tokens = (tokens[..., 1:]).contiguous()
    flat_shift_logits = shift_logits.view(-1, shift_logits.size(-1))
    flat_shift_tokens = shift_tokens.view(-1)
    shift_losses = F.cross_entropy(flat_shift_logits, flat_shift_tokens, reduction='none')
    shift_losses = shift_losses.view(tokens.size(0), -1)
    # now get the average loss just for the completion region (where mask == 1), in each row
    shift_mask = (mask[..., 1:]).contiguous() # we must shift mask, so we start at the last prompt token
    masked_shift_losses = shift_losses * shift_mask
    # sum and divide by the number of 1s in the mask
    sum_loss = masked_shift_losses.sum(dim=1)
    avg_loss = sum_loss / shift_mask.sum(dim=1)
    # now we have a loss for each of the 4 completions
    # the one with the lowest loss should be the most likely
    pred_norm = avg_loss.argmin().item()
    return pred_norm

# -----------------------------------------------------------------------------
# simple launch:
# python train_gpt2.py
# DDP launch for e.g. 8 GPUs:
# torchrun --standalone --nproc_per_node=8 train_gpt2.py

# run the training loop
from torch.distributed import init_process_group, destroy_process_group
from torch.nn.parallel import DistributedDataParallel as DDP
import torch.distributed as dist

# set up DDP (distributed data parallel).
# torchrun command sets the env variables RANK, LOCAL_RANK, and WORLD_SIZE
ddp = int(os.environ.get('RANK', -1)) != -1 # is this a ddp run?
if ddp:
    # use of DDP atm demands CUDA, we set the device appropriately according to rank
    assert torch.cuda.is_available(), "for now i think we need CUDA for DDP"
    init_process_group(backend='nccl')
    ddp_rank = int(os.environ['RANK'])
    ddp_local_rank = int(os.environ['LOCAL_RANK'])
    ddp_world_size = int(os.environ['WORLD_SIZE'])
    device = f'cuda:{ddp_local_rank}'
    torch.cuda.set_device(device)
    master_process = ddp_rank == 0 # this process will do logging, checkpointing etc.
else:
    # vanilla, non-DDP run
    ddp_rank = 0
    ddp_local_rank = 0
    ddp_world_size = 1
    master_process = True
    # attempt to autodetect device
    device = "cpu"
    if torch.cuda.is_available():
        device = "cuda"
    elif hasattr(torch.backends, "mps") and torch.backends.mps.is_available():
        device = "mps"
    print(f"using device: {device}")

# added after video, pytorch can be serious about it's device vs. device_type distinction
device_type = "cuda" if device.startswith("cuda") else "cpu"

torch.manual_seed(1337)
if torch.cuda.is_available():
    torch.cuda.manual_seed(1337)

enc = tiktoken.get_encoding("gpt2")

total_batch_size = 524288 # 2**19, ~0.5M, in number of tokens
B = 64 # micro batch size
T = 1024 # sequence length
assert total_batch_size % (B * T * ddp_world_size) == 0, "make sure total_batch_size is divisible by B * T * ddp_world_size"
grad_accum_steps = total_batch_size // (B * T * ddp_world_size)
if master_process:
    print(f"total desired batch size: {total_batch_size}")
    print(f"=> calculated gradient accumulation steps: {grad_accum_steps}")

train_loader = DataLoaderLite(B=B, T=T, process_rank=ddp_rank, num_processes=ddp_world_size, split="train")
val_loader = DataLoaderLite(B=B, T=T, process_rank=ddp_rank, num_processes=ddp_world_size, split="val")

torch.set_float32_matmul_precision('high')

# create model
model = GPT(GPTConfig(vocab_size=50304))
# model = GPT.from_pretrained("gpt2") # or init from OpenAI GPT-2
model.to(device)
use_compile = False # torch.compile interferes with HellaSwag eval and Generation. TODO fix
if use_compile:
    model = torch.compile(model)
if ddp:
    model = DDP(model, device_ids=[ddp_local_rank])
raw_model = model.module if ddp else model # always contains the "raw" unwrapped model

max_lr = 6e-4
min_lr = max_lr * 0.1
warmup_steps = 715
max_steps = 19073 # 19,073 steps is ~1 epoch, if data is 10B tokens and batch size 0.5M tokens
def get_lr(it):
    # 1) linear warmup for warmup_iters steps
    if it < warmup_steps:
        return max_lr * (it+1) / warmup_steps
    # 2) if it > lr_decay_iters, return min learning rate
    if it > max_steps:
        return min_lr
    # 3) in between, use cosine decay down to min learning rate
    decay_ratio = (it - warmup_steps) / (max_steps - warmup_steps)
    assert 0 <= decay_ratio <= 1
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio)) # coeff starts at 1 and goes to 0
    return min_lr + coeff * (max_lr - min_lr)

# optimize!
optimizer = raw_model.configure_optimizers(weight_decay=0.1, learning_rate=6e-4, device_type=device_type)

# create the log directory we will write checkpoints to and log to
log_dir = "log"
os.makedirs(log_dir, exist_ok=True)
log_file = os.path.join(log_dir, f"log.txt")
with open(log_file, "w") as f: # open for writing to clear the file
    pass

for step in range(max_steps):
    t0 = time.time()
    last_step = (step == max_steps - 1)

    # once in a while evaluate our validation loss
    if step % 250 == 0 or last_step:
        model.eval()
        val_loader.reset()
        with torch.no_grad():
            val_loss_accum = 0.0
            val_loss_steps = 20
            for _ in range(val_loss_steps):
                x, y = val_loader.next_batch()
                x, y = x.to(device), y.to(device)
                with torch.autocast(device_type=device_type, dtype=torch.bfloat16):
                    logits, loss = model(x, y)
                loss = loss / val_loss_steps
                val_loss_accum += loss.detach()
        if ddp:
            dist.all_reduce(val_loss_accum, op=dist.ReduceOp.AVG)
        if master_process:
            print(f"validation loss: {val_loss_accum.item():.4f}")
            with open(log_file, "a") as f:
                f.write(f"{step} val {val_loss_accum.item():.4f}\n")
            if step > 0 and (step % 5000 == 0 or last_step):
                # optionally write model checkpoints
                checkpoint_path = os.path.join(log_dir, f"model_{step:05d}.pt")
                checkpoint = {
                    'model': raw_model.state_dict(),
                    'config': raw_model.config,
                    'step': step,
                    'val_loss': val_loss_accum.item()
                }
                # you might also want to add optimizer.state_dict() and
                # rng seeds etc., if you wanted to more exactly resume training
                torch.save(checkpoint, checkpoint_path)

    # once in a while evaluate hellaswag
    if (step % 250 == 0 or last_step) and (not use_compile):
        num_correct_norm = 0
        num_total = 0
        for i, example in enumerate(iterate_examples("val")):
            # only process examples where i % ddp_world_size == ddp_rank
            if i % ddp_world_size != ddp_rank:
                continue
            # render the example into tokens and labels
            _, tokens, mask, label = render_example(example)
            tokens = tokens.to(device)
            mask = mask.to(device)
            # get the logits
            with torch.no_grad():
                with torch.autocast(device_type=device_type, dtype=torch.bfloat16):
                    logits, loss = model(tokens)
                pred_norm = get_most_likely_row(tokens, mask, logits)
            num_total += 1
            num_correct_norm += int(pred_norm == label)
        # reduce the stats across all processes
        if ddp:
            num_total = torch.tensor(num_total, dtype=torch.long, device=device)
            num_correct_norm = torch.tensor(num_correct_norm, dtype=torch.long, device=device)
            dist.all_reduce(num_total, op=dist.ReduceOp.SUM)
            dist.all_reduce(num_correct_norm, op=dist.ReduceOp.SUM)
            num_total = num_total.item()
            num_correct_norm = num_correct_norm.item()
        acc_norm = num_correct_norm / num_total
        if master_process:
            print(f"HellaSwag accuracy: {num_correct_norm}/{num_total}={acc_norm:.4f}")
            with open(log_file, "a") as f:
                f.write(f"{step} hella {acc_norm:.4f}\n")

    # once in a while generate from the model (except step 0, which is noise)
    if ((step > 0 and step % 250 == 0) or last_step) and (not use_compile):
        model.eval()
        num_return_sequences = 4
        max_length = 32
        tokens = enc.encode("Hello, I'm a language model,")
        tokens = torch.tensor(tokens, dtype=torch.long)
        tokens = tokens.unsqueeze(0).repeat(num_return_sequences, 1)
        xgen = tokens.to(device)
        sample_rng = torch.Generator(device=device)
        sample_rng.manual_seed(42 + ddp_rank)
        while xgen.size(1) < max_length:
            # forward the model to get the logits
            with torch.no_grad():
                with torch.autocast(device_type=device_type, dtype=torch.bfloat16):
                    logits, loss = model(xgen) # (B, T, vocab_size)
                # take the logits at the last position
                logits = logits[:, -1, :] # (B, vocab_size)
                # get the probabilities
                probs = F.softmax(logits, dim=-1)
                # do top-k sampling of 50 (huggingface pipeline default)
                # topk_probs here becomes (5, 50), topk_indices is (5, 50)
                topk_probs, topk_indices = torch.topk(probs, 50, dim=-1)
                # select a token from the top-k probabilities
                # note: multinomial does not demand the input to sum to 1
                ix = torch.multinomial(topk_probs, 1, generator=sample_rng) # (B, 1)
                # gather the corresponding indices
                xcol = torch.gather(topk_indices, -1, ix) # (B, 1)
                # append to the sequence
                xgen = torch.cat((xgen, xcol), dim=1)
        # print the generated text
        for i in range(num_return_sequences):
            tokens = xgen[i, :max_length].tolist()
            decoded = enc.decode(tokens)
            print(f"rank {ddp_rank} sample {i}: {decoded}")

    # do one step of the optimization
    model.train()
    optimizer.zero_grad()
    loss_accum = 0.0
    for micro_step in range(grad_accum_steps):
        x, y = train_loader.next_batch()
        x, y = x.to(device), y.to(device)
        # added after video, this field is also used by the forward pass.
        if ddp:
            model.require_backward_grad_sync = (micro_step == grad_accum_steps - 1)
        with torch.autocast(device_type=device_type, dtype=torch.bfloat16):
            logits, loss = model(x, y)
        # we have to scale the loss to account for gradient accumulation,
        # because the gradients just add on each successive backward().
        # addition of gradients corresponds to a SUM in the objective, but
        # instead of a SUM we want MEAN. Scale the loss here so it comes out right
        loss = loss / grad_accum_steps
        loss_accum += loss.detach()
        loss.backward()
    if ddp:
        dist.all_reduce(loss_accum, op=dist.ReduceOp.AVG)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    # determine and set the learning rate for this iteration
    lr = get_lr(step)
    for param_group in optimizer.param_groups:
        param_group['lr'] = lr
    optimizer.step()
    if device_type == "cuda":
        torch.cuda.synchronize() # wait for the GPU to finish work
    t1 = time.time()
    dt = t1 - t0 # time difference in seconds
    tokens_processed = train_loader.B * train_loader.T * grad_accum_steps * ddp_world_size
    tokens_per_sec = tokens_processed / dt
    if master_process:
        print(f"step {step:5d} | loss: {loss_accum.item():.6f} | lr {lr:.4e} | norm: {norm:.4f} | dt: {dt*1000:.2f}ms | tok/sec: {tokens_per_sec:.2f}")
        with open(log_file, "a") as f:
            f.write(f"{step} train {loss_accum.item():.6f}\n")

if ddp:
    destroy_process_group()
'''

# hellaswag.py's part that train_gpt2.py uses: download (its download_file, requests and tqdm are left out: the test
# writes the file first), render_example and iterate_examples (its GPT-2 evaluation with transformers is left out).
HELLASWAG = r'''
import os
import json
import tiktoken
import torch
import torch.nn as nn
from torch.nn import functional as F

# -----------------------------------------------------------------------------
DATA_CACHE_DIR = os.path.join(os.path.dirname(__file__), "hellaswag")

hellaswags = {
    "train": "https://raw.githubusercontent.com/rowanz/hellaswag/master/data/hellaswag_train.jsonl",
    "val": "https://raw.githubusercontent.com/rowanz/hellaswag/master/data/hellaswag_val.jsonl",
    "test": "https://raw.githubusercontent.com/rowanz/hellaswag/master/data/hellaswag_test.jsonl",
}

enc = tiktoken.get_encoding("gpt2")

def download(split):
    """Downloads HellaSwag DATA_CACHE_DIR"""
    os.makedirs(DATA_CACHE_DIR, exist_ok=True)
    data_url = hellaswags[split]
    data_filename = os.path.join(DATA_CACHE_DIR, f"hellaswag_{split}.jsonl")
    if not os.path.exists(data_filename):
        print(f"Downloading {data_url} to {data_filename}...")
        download_file(data_url, data_filename)

def render_example(example):
    """
    Given the example as a dictionary, render it as three torch tensors:
    - tokens (the tokens of context + completion, of size 4xN, as there are always 4 candidates)
    - mask (is 1 in the region of the candidate completion, where we evaluate likelihoods)
    - label (the index of the correct completion, which we hope has the highest likelihood)
    """
    ctx = example["ctx"]
    label = example["label"]
    endings = example["endings"]

    # data needed to reproduce this eval on the C size
    data = {
        "label": label,
        "ctx_tokens": None,
        "ending_tokens": [],
    }

    # gather up all the tokens
    ctx_tokens = enc.encode(ctx)
    data["ctx_tokens"] = ctx_tokens
    tok_rows = []
    mask_rows = []
    for end in endings:
        end_tokens = enc.encode(" " + end) # note: prepending " " because GPT-2 tokenizer
        tok_rows.append(ctx_tokens + end_tokens)
        mask_rows.append([0]*len(ctx_tokens) + [1]*len(end_tokens))
        data["ending_tokens"].append(end_tokens)

    # have to be careful during the collation because the number of tokens in each row can differ
    max_len = max(len(row) for row in tok_rows)
    tokens = torch.zeros((4, max_len), dtype=torch.long)
    mask = torch.zeros((4, max_len), dtype=torch.long)
    for i, (tok_row, mask_row) in enumerate(zip(tok_rows, mask_rows)):
        tokens[i, :len(tok_row)] = torch.tensor(tok_row)
        mask[i, :len(mask_row)] = torch.tensor(mask_row)

    return data, tokens, mask, label

def iterate_examples(split):
    # there are 10,042 examples in total in val
    download(split)
    with open(os.path.join(DATA_CACHE_DIR, f"hellaswag_{split}.jsonl"), "r") as f:
        for line in f:
            example = json.loads(line)
            yield example
'''

# The lecture's run at a size a CPU takes in seconds: a 2-layer model of width 32 on 4 × 32 tokens a micro-step, two
# micro-steps a step (gradient accumulation), 60 steps, and each evaluation every 25 steps.
SMALLER = [("total_batch_size = 524288", "total_batch_size = 256"), ("B = 64 #", "B = 4 #"), ("T = 1024 #", "T = 32 #"),
           ("GPT(GPTConfig(vocab_size=50304))",
            "GPT(GPTConfig(block_size=64, vocab_size=320, n_layer=2, n_head=2, n_embd=32))"),
           ("max_steps = 19073", "max_steps = 60"), ("warmup_steps = 715", "warmup_steps = 10"),
           ("step % 250", "step % 25"), ("val_loss_steps = 20", "val_loss_steps = 4")]


class BytesEncoding:
    """tiktoken's GPT-2 encoding as train_gpt2.py, hellaswag.py and fineweb.py use it, on bytes: token i < 256 is the
    byte i, 256 is <|endoftext|> (GPT-2's tables are a download away)."""

    _special_tokens = {"<|endoftext|>": 256}

    def encode_ordinary(self, text):
        return list(text.encode("utf-8"))

    encode = encode_ordinary

    def decode(self, tokens):
        return bytes(t for t in tokens if t < 256).decode("utf-8", errors="replace")


def as_run(program, replacements=()):
    """train_gpt2.py with hellaswag.py's functions in the place of its import of them (run as text, the program has
    no __file__: the folder is the current one), smaller (SMALLER) and with `replacements`."""
    hellaswag = HELLASWAG.replace("os.path.dirname(__file__)", "os.getcwd()")
    program = program.replace("from hellaswag import render_example, iterate_examples\n", hellaswag)
    for old, new in [*SMALLER, *replacements]:
        assert old in program, old
        program = program.replace(old, new)
    return program


@pytest.fixture(autouse=True)
def _build_nanogpt_checkout(tmp_path, monkeypatch):
    """The repository's folder in a temporary directory, the current one: the shards fineweb.py writes (the first
    `edufineweb_val_000000.npy`, the rest train; uint16 tokens, each document after an <|endoftext|>), of made-up
    text, and hellaswag's validation file (made-up examples of its format), with tiktoken's stand-in importable."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "tiktoken", types.SimpleNamespace(get_encoding=lambda name: BytesEncoding()))
    enc, lines = BytesEncoding(), synthetic_text(400).splitlines()
    tokens = []
    for doc in range(0, len(lines), 4):  # fineweb.py's tokenize(doc): [eot] + the document's tokens, as uint16
        tokens += [enc._special_tokens["<|endoftext|>"]] + enc.encode_ordinary("\n".join(lines[doc:doc + 4]))
    tokens = np.array(tokens, dtype=np.uint16)
    (tmp_path / "edu_fineweb10B").mkdir()
    for index, shard in enumerate(np.array_split(tokens, [2000, 6500])):
        np.save(tmp_path / "edu_fineweb10B" / f"edufineweb_{'val' if index == 0 else 'train'}_{index:06d}", shard)
    (tmp_path / "hellaswag").mkdir()
    examples = [{"ctx": "the king finds", "label": i % 4, "endings": ["the green tree.", "a dog calls", "her",
                                                                    "the moon and the queen."]} for i in range(6)]
    (tmp_path / "hellaswag" / "hellaswag_val.jsonl").write_text("".join(json.dumps(e) + "\n" for e in examples))
    # train_gpt2.py sets the process-wide `set_float32_matmul_precision('high')`: later tests on this worker
    # (test_amp's default) must see the default again.
    precision = ag.get_float32_matmul_precision()
    yield
    ag.set_float32_matmul_precision(precision)


STEP = re.compile(r"step +(\d+) \| loss: ([\d.]+) \| lr ([\d.e+-]+) \| norm: ([\d.]+) \| dt: ")


def test_trains_evaluates_samples_and_checkpoints_on_a_cpu(tmp_path, monkeypatch):
    from autograd_core import amp

    monkeypatch.setattr(amp, "_SAID", [])  # the warning comes once per process: not yet, whatever ran before here
    with pytest.warns(UserWarning, match=r"autocast: .* run at full precision, not in torch.bfloat16"):
        namespace, printed = run(with_our_imports(as_run(TRAIN_GPT2)), "train_gpt2.py")
    for line in ("using device: cpu", "total desired batch size: 256", "=> calculated gradient accumulation steps: 2",
                 "found 1 shards for split val", "found 2 shards for split train", "using fused AdamW: False",
                 "num decayed parameter tensors: 10, with 36,864 parameters",
                 "num non-decayed parameter tensors: 18, with 896 parameters"):
        assert line in printed, (line, printed)
    steps = [(int(s), float(loss), float(lr), float(norm)) for s, loss, lr, norm in STEP.findall(printed)]
    assert [s[0] for s in steps] == list(range(60)), printed
    assert steps[0][1] == pytest.approx(np.log(320), abs=0.1), printed  # 320 logits, about equal at first
    assert steps[-1][1] < steps[0][1] - 1.0, printed                       # and it learns
    assert steps[0][2] == pytest.approx(6e-4 / 10, rel=1e-4) and steps[9][2] == pytest.approx(6e-4), printed  # warm-up
    assert steps[-1][2] == pytest.approx(6e-5 + 0.5 * (1 + np.cos(np.pi * 49 / 50)) * 5.4e-4, rel=1e-4), printed
    validation = [float(v) for v in re.findall(r"validation loss: ([\d.]+)", printed)]
    assert len(validation) == 4 and validation[-1] < validation[0] - 1.0, printed  # steps 0, 25, 50 and the last
    assert re.findall(r"HellaSwag accuracy: (\d+)/(\d+)=", printed) == [(m, "6") for m in re.findall(
        r"HellaSwag accuracy: (\d+)/", printed)] and printed.count("HellaSwag accuracy") == 4, printed
    samples = re.findall(r"rank 0 sample (\d): (.*)", printed)
    assert [int(i) for i, _ in samples] == [0, 1, 2, 3] * 3, printed  # at steps 25, 50 and the last
    assert all(text.startswith("Hello, I'm a language model,") for _, text in samples), printed

    log = (tmp_path / "log" / "log.txt").read_text().splitlines()
    assert log[:3] == [f"0 val {validation[0]:.4f}", log[1], f"0 train {steps[0][1]:.6f}"] and log[1].startswith(
        "0 hella "), log
    assert log[-1] == f"59 train {steps[-1][1]:.6f}" and len(log) == 60 + 4 + 4, log

    # The checkpoint holds the model's GPTConfig: loading it needs the class allowed, as with PyTorch 2.6 and later.
    path = tmp_path / "log" / "model_00059.pt"
    GPT, GPTConfig, model = namespace["GPT"], namespace["GPTConfig"], namespace["raw_model"]
    with pytest.raises(Exception, match=r"GPTConfig, which is not allowed.*add_safe_globals"):
        ag.load(path)
    with ag.serialization.safe_globals([GPTConfig]):
        checkpoint = ag.load(path)
    assert checkpoint["config"] == model.config and checkpoint["step"] == 59
    assert checkpoint["val_loss"] == pytest.approx(validation[-1], abs=5e-5)
    again = GPT(checkpoint["config"])  # the model as it was at the last evaluation (the last step's update came after)
    again.load_state_dict(checkpoint["model"])
    val_loader = namespace["val_loader"]
    val_loader.reset()
    with ag.no_grad():
        losses = [again(*val_loader.next_batch())[1].item() for _ in range(4)]
    assert np.mean(losses) == pytest.approx(checkpoint["val_loss"], rel=1e-6)


@pytest.mark.filterwarnings("ignore:autocast")
def test_training_reproduces_pytorch_from_the_same_start(monkeypatch):
    """Every loss, gradient norm and learning rate train_gpt2.py prints, its validation losses, HellaSwag counts and
    samples are PyTorch's, from the same draws (the layers' and nn.init's initial weights, multinomial's samples), in
    float32, for 30 steps. Both with autocast off: PyTorch's autocast on the CPU computes linear layers in bfloat16,
    which NumPy lacks (ours computes them at full precision and warns). PyTorch's torch.save cannot pickle a
    GPTConfig defined by a program run as text (pickle finds a class by its module's name): no checkpoint here."""
    program = as_run(TRAIN_GPT2, [("max_steps = 60", "max_steps = 30"),
                                  ("torch.save(checkpoint, checkpoint_path)", "pass"),
                                  ("dtype=torch.bfloat16)", "dtype=torch.bfloat16, enabled=False)")])
    (_, ours), (_, theirs) = run_both(program, "train_gpt2.py", monkeypatch)
    our_steps, their_steps = (np.array(STEP.findall(printed), dtype=float) for printed in (ours, theirs))
    assert our_steps.shape == their_steps.shape == (30, 4), (ours, theirs)
    np.testing.assert_allclose(our_steps, their_steps, rtol=2e-4, atol=2e-5, err_msg=f"{ours}\n{theirs}")
    for pattern in (r"validation loss: ([\d.]+)", r"HellaSwag accuracy: (\S+)", r"rank 0 sample \d: (.*)"):
        assert re.findall(pattern, ours) == re.findall(pattern, theirs), (pattern, ours, theirs)
