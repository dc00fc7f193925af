"""One training step of Karpathy's GPT ("Let's build GPT", gpt.py): ours next to PyTorch CPU, same weights and batch.

    .venv/bin/python bench/bench_gpt.py                   # both dropout cases, CPU time of one thread
    .venv/bin/python bench/bench_gpt.py --quick           # fewer rounds
    .venv/bin/python bench/bench_gpt.py --rounds 30       # more rounds
    .venv/bin/python bench/bench_gpt.py --clock wall      # wall clock, each library's default threads (or: both)
    .venv/bin/python bench/bench_gpt.py --profile         # also: where our step's time goes, per phase and per
                                                          # primitive (forward and rule), next to PyTorch's profile
    .venv/bin/python bench/bench_gpt.py --optimizer       # only AdamW's `optimizer.step()`, foreach None/False/True

The model is the lecture's code as written (`MODEL` below, the same text as tests/test_zero_to_hero_gpt.py runs):
token and position nn.Embedding, Blocks of hand-written multi-head self-attention (one `Head` module per head:
key/query/value nn.Linear without bias, `q @ k.transpose(-2,-1) * k.shape[-1]**-0.5`, masked_fill of the causal
`tril` buffer with -inf, F.softmax, Dropout, `wei @ v`, torch.cat of the heads, a projection), FeedFoward
(Linear-ReLU-Linear-Dropout), pre-norm LayerNorm residuals, ln_f, lm_head and F.cross_entropy over (B*T, vocab).
It runs with the library's `torch`, `nn` and `F` bound to autograd_core or to PyTorch. Sizes: the lecture's
"scaled up" gpt.py shrunk to run in seconds: vocab 65, batch 16, block 32, n_embd 64, 4 heads, 4 layers (~0.2 M
parameters); dropout 0.0 and 0.2 are two cases.

One step is the lecture's loop body: `optimizer.zero_grad(set_to_none=True)`, forward (`logits, loss =
model(xb, yb)`), `loss.backward()`, `optimizer.step()` with torch.optim.AdamW(lr=1e-3), on a fixed batch. Both
libraries start from the same float32 weights (every Linear and Embedding weight overwritten with the same seeded
normal numbers of std 0.02; biases 0, LayerNorm 1 and 0, as the lecture's `_init_weights`); before timing, with
dropout 0, the losses of the first steps are checked to agree (the table flags a difference).

How it measures (as bench_layers.py): each library runs in a worker process of its own (PyTorch's ~150,000
objects would slow our cyclic garbage collector), the two take turns block by block, and the table gives the
median time per step. "cpu" is the CPU time of the calling thread (`time.thread_time`) with OpenBLAS/OMP/MKL and
torch limited to one thread: the work done, which a loaded machine disturbs little; "wall" is the wall clock with
each library's default threads.

--optimizer times `optimizer.step()` alone on the model's 94 parameters (dropout 0, the gradients of one backward
pass left in place: AdamW's work does not depend on their values), each library with foreach=None (the default:
ours steps the group over flat buffers, PyTorch's CPU default is its per-parameter loop), False and True, one worker
process per variant, CPU time of one thread, taking turns.

--profile times, in our worker, the phases of the step (zero_grad, forward, backward, step), and every primitive's
forward function and every VJP rule (wrapped with a timer: the rest of the forward and backward time is the
engine's and the modules' Python: recording nodes, un-broadcasting, accumulating); and prints PyTorch's profiler
table (self CPU time per aten op) of the same step.

Measured 2026-12-02 on the shared 2-core machine (load 8-11), numpy 2.4 (OpenBLAS), torch 2.13.0+cpu, default run
(one thread, CPU time, 15 rounds × 3 steps): dropout 0.0 ours 31.3 ms, PyTorch 35.0 ms (0.90×); dropout 0.2 ours
35.9 ms, PyTorch 43.7 ms (0.82×); the first three losses agree to 1e-5. Our step: forward 43%, backward 50%, AdamW
9%; the linear layers' BLAS products are ~40% (61 per step, 48 of them the heads' 64 -> 16 key/query/value),
softmax 8%, the engine and modules' own Python ~20% (290 nodes: ~14 µs a node forward, ~8 µs backward), AdamW's
per-parameter loop 2.9 ms (94 parameters; one flat buffer would take ~0.5 ms). Three changes this bench led to,
each measured alternating before/after in one process: linear over the (B*T, C) matrix of rows (-3.8%), softmax's
short-row maximum (-1.6%), dropout's mask in one pass (-0.16 ms); together -2.5% (dropout 0) and -3.1% (0.2).
The wall clock with default threads is not measurable on this machine: with the two cores oversubscribed, both
libraries' BLAS/OpenMP threads wait on each other (4.8 s per step for ours, 6.5 s for PyTorch's, against ~35 ms
of CPU time).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib.util
import multiprocessing as mp
import os
import statistics
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _installed(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # a finder that hides the package (the test suite's AUTOGRAD_CORE_TEST_WITHOUT=torch)
        return False


HAVE_TORCH = _installed("torch")
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}
OURS, TORCH = "autograd-core", "PyTorch CPU"
# --compiled: the same step with `model = torch.compile(model)` (loss.backward() and the optimizer outside it, as the
# lecture would write it), and with the whole step compiled
OURS_MODEL, OURS_STEP = "autograd-core, compiled model", "autograd-core, compiled step"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

SIZES = dict(vocab_size=65, batch_size=16, block_size=32, n_embd=64, n_head=4, n_layer=4, learning_rate=1e-3)
DROPOUTS = (0.0, 0.2)

# The lecture's gpt.py model, verbatim (tests/test_zero_to_hero_gpt.py runs the whole lecture with it).
MODEL = '''
class Head(nn.Module):
    """ one head of self-attention """

    def __init__(self, head_size):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)
        self.register_buffer('tril', torch.tril(torch.ones(block_size, block_size)))

        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        B,T,C = x.shape
        k = self.key(x)
        q = self.query(x)
        wei = q @ k.transpose(-2,-1) * k.shape[-1]**-0.5
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float('-inf'))
        wei = F.softmax(wei, dim=-1)
        wei = self.dropout(wei)
        v = self.value(x)
        out = wei @ v
        return out

class MultiHeadAttention(nn.Module):
    """ multiple heads of self-attention in parallel """

    def __init__(self, num_heads, head_size):
        super().__init__()
        self.heads = nn.ModuleList([Head(head_size) for _ in range(num_heads)])
        self.proj = nn.Linear(head_size * num_heads, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        out = torch.cat([h(x) for h in self.heads], dim=-1)
        out = self.dropout(self.proj(out))
        return out

class FeedFoward(nn.Module):
    """ a simple linear layer followed by a non-linearity """

    def __init__(self, n_embd):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd),
            nn.ReLU(),
            nn.Linear(4 * n_embd, n_embd),
            nn.Dropout(dropout),
        )

    def forward(self, x):
        return self.net(x)

class Block(nn.Module):
    """ Transformer block: communication followed by computation """

    def __init__(self, n_embd, n_head):
        super().__init__()
        head_size = n_embd // n_head
        self.sa = MultiHeadAttention(n_head, head_size)
        self.ffwd = FeedFoward(n_embd)
        self.ln1 = nn.LayerNorm(n_embd)
        self.ln2 = nn.LayerNorm(n_embd)

    def forward(self, x):
        x = x + self.sa(self.ln1(x))
        x = x + self.ffwd(self.ln2(x))
        return x

class GPTLanguageModel(nn.Module):

    def __init__(self):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
        self.position_embedding_table = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head=n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size)

        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        B, T = idx.shape

        tok_emb = self.token_embedding_table(idx)
        pos_emb = self.position_embedding_table(torch.arange(T, device=device))
        x = tok_emb + pos_emb
        x = self.blocks(x)
        x = self.ln_f(x)
        logits = self.lm_head(x)

        if targets is None:
            loss = None
        else:
            B, T, C = logits.shape
            logits = logits.view(B*T, C)
            targets = targets.view(B*T)
            loss = F.cross_entropy(logits, targets)

        return logits, loss
'''


def library(name):
    """(torch, nn, F) of autograd_core or of PyTorch."""
    if name == TORCH:
        import torch
        return torch, torch.nn, torch.nn.functional
    import autograd_core as torch
    import autograd_core.nn.functional as F
    from autograd_core import nn
    return torch, nn, F


def build(torch, nn, F, dropout, compiled=None, foreach=None):
    """The lecture's model with the same starting weights in both libraries, its AdamW, a fixed batch and the step.
    compiled: None, "model" (the step calls `torch.compile(model)`) or "step" (the step is compiled);
    foreach: AdamW's foreach argument."""
    namespace = dict(torch=torch, nn=nn, F=F, dropout=dropout, device="cpu", **SIZES)
    exec(compile(MODEL, "<gpt.py>", "exec"), namespace)
    torch.manual_seed(1337)
    model = namespace["GPTLanguageModel"]()
    state = {}
    for key, p in model.named_parameters():
        if key.endswith("weight") and len(p.shape) == 2:  # Linear and Embedding weights: N(0, 0.02), as the lecture
            rng = np.random.default_rng(zlib.crc32(key.encode()))
            state[key] = torch.tensor((rng.standard_normal(tuple(p.shape)) * 0.02).astype(np.float32))
    model.load_state_dict(state, strict=False)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=SIZES["learning_rate"], foreach=foreach)
    rng = np.random.default_rng(0)
    text = rng.integers(0, SIZES["vocab_size"], SIZES["batch_size"] * SIZES["block_size"] + 1)
    starts = rng.integers(0, len(text) - SIZES["block_size"], SIZES["batch_size"])
    xb = torch.tensor(np.stack([text[i:i + SIZES["block_size"]] for i in starts]))
    yb = torch.tensor(np.stack([text[i + 1:i + SIZES["block_size"] + 1] for i in starts]))

    call = torch.compile(model) if compiled == "model" else model

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits, loss = call(xb, yb)
        loss.backward()
        optimizer.step()
        return loss

    return model, optimizer, (xb, yb), torch.compile(step) if compiled == "step" else step


# ----------------------------------------------------------------------------------------------------
# Workers: one process per library, asked for blocks of steps.


def worker(name, threads, clock, pipe):
    torch, nn, F = library(name)
    if name == TORCH and threads:
        torch.set_num_threads(threads)
    tick = CLOCKS[clock]
    steps = {}
    compiled = {OURS_MODEL: "model", OURS_STEP: "step"}.get(name)
    for dropout in DROPOUTS:
        *_, step = build(torch, nn, F, dropout, compiled)
        losses = [float(step().item()) for _ in range(3)]  # also the warm-up (lazy imports, caches, recordings)
        steps[dropout] = step
        pipe.send((dropout, losses))
    pipe.send("ready")
    while True:
        message = pipe.recv()
        if message is None:
            return
        dropout, count = message
        step = steps[dropout]
        start = tick()
        for _ in range(count):
            step()
        pipe.send((tick() - start) / count)


@contextlib.contextmanager
def _blas_threads(threads):
    """The BLAS thread variables set to `threads` (None: unset, the libraries' default) while workers start (the
    BLAS libraries read them at import), then as they were."""
    saved = {v: os.environ.get(v) for v in THREAD_VARIABLES}
    for variable in THREAD_VARIABLES:
        if threads:
            os.environ[variable] = str(threads)
        else:
            os.environ.pop(variable, None)
    try:
        yield
    finally:
        for variable, value in saved.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value


def measure(rounds, block, threads, clock, compiled=False):
    libraries = [OURS] + ([OURS_MODEL, OURS_STEP] if compiled else []) + ([TORCH] if HAVE_TORCH else [])
    context = mp.get_context("spawn")
    pipes, processes, losses = {}, [], {}
    with _blas_threads(threads):
        for name in libraries:
            here, there = context.Pipe()
            process = context.Process(target=worker, args=(name, threads, clock, there), daemon=True)
            process.start()
            pipes[name], losses[name] = here, {}
            processes.append(process)
    for name in libraries:
        while (message := pipes[name].recv()) != "ready":
            losses[name][message[0]] = message[1]
    times = {(name, d): [] for name in libraries for d in DROPOUTS}
    for r in range(rounds):
        for dropout in DROPOUTS:
            for name in (libraries if r % 2 == 0 else libraries[::-1]):
                pipes[name].send((dropout, block))
                times[name, dropout].append(pipes[name].recv())
    for name in libraries:
        pipes[name].send(None)
    for process in processes:
        process.join()
    return libraries, times, losses


def table(clock, threads, rounds, block, command, compiled=False):
    libraries, times, losses = measure(rounds, block, threads, clock, compiled)
    print(f"\nclock {clock}, threads {threads or 'default'}, {rounds} rounds × {block} steps, medians "
          f"(`{command}`)\n")
    print("| step | ours (ms) | PyTorch (ms) | ours ÷ PyTorch |")
    print("|---|---:|---:|---:|")
    for dropout in DROPOUTS:
        ours = statistics.median(times[OURS, dropout]) * 1e3
        row = f"| dropout {dropout} | {ours:.2f} |"
        if HAVE_TORCH:
            theirs = statistics.median(times[TORCH, dropout]) * 1e3
            note = ""
            a, b = losses[OURS][dropout], losses[TORCH][dropout]
            if dropout == 0 and not np.allclose(a, b, rtol=1e-4, atol=1e-5):
                note = f" (LOSSES DIFFER: {a} vs {b})"
            row += f" {theirs:.2f} | {ours / theirs:.2f}×{note} |"
        else:
            row += " – | – |"
        print(row)
    if HAVE_TORCH:
        print(f"\nlosses of the first 3 steps at dropout 0: ours {losses[OURS][0.0]}, PyTorch {losses[TORCH][0.0]}")
    if compiled:
        print("\n| step | compiled model (ms) | ÷ eager | compiled step (ms) | ÷ eager | losses as eager's |")
        print("|---|---:|---:|---:|---:|---|")
        for dropout in DROPOUTS:
            eager = statistics.median(times[OURS, dropout])
            row = f"| dropout {dropout} |"
            for name in (OURS_MODEL, OURS_STEP):
                t = statistics.median(times[name, dropout])
                row += f" {t * 1e3:.2f} | {t / eager:.3f}× |"
            same = all(losses[name][dropout] == losses[OURS][dropout] for name in (OURS_MODEL, OURS_STEP))
            print(row + f" {'yes' if same else 'NO'} |")


# ----------------------------------------------------------------------------------------------------
# --optimizer: AdamW's step alone, in one worker per (library, foreach).

FOREACH = (None, False, True)


def optimizer_worker(name, foreach, pipe):
    torch, nn, F = library(name)
    if name == TORCH:
        torch.set_num_threads(1)
    model, optimizer, _, step = build(torch, nn, F, 0.0, foreach=foreach)
    for _ in range(3):  # warm-up; the last step's gradients stay for the timed steps
        step()
    optimizer.step()
    pipe.send("ready")
    while (count := pipe.recv()) is not None:
        start = time.thread_time()
        for _ in range(count):
            optimizer.step()
        pipe.send((time.thread_time() - start) / count)


def optimizer_table(rounds, block):
    variants = [(name, f) for name in [OURS] + ([TORCH] if HAVE_TORCH else []) for f in FOREACH]
    pipes, processes = {}, []
    with _blas_threads(1):
        for variant in variants:
            here, there = mp.get_context("spawn").Pipe()
            process = mp.get_context("spawn").Process(target=optimizer_worker, args=(*variant, there), daemon=True)
            process.start()
            pipes[variant] = here
            processes.append(process)
    for variant in variants:
        assert pipes[variant].recv() == "ready"
    times = {variant: [] for variant in variants}
    for r in range(rounds):
        for variant in (variants if r % 2 == 0 else variants[::-1]):
            pipes[variant].send(block)
            times[variant].append(pipes[variant].recv())
    for variant in variants:
        pipes[variant].send(None)
    for process in processes:
        process.join()
    print(f"\nAdamW's `optimizer.step()` alone (94 parameters, ~0.2 M numbers, float32), CPU time of one thread, "
          f"{rounds} rounds × {block} steps, medians (`bench/bench_gpt.py --optimizer --rounds {rounds}`)\n")
    print("| library | foreach | ms per step | ÷ ours (default) |\n|---|---|---:|---:|")
    base = statistics.median(times[OURS, None])
    for name, foreach in variants:
        t = statistics.median(times[name, foreach])
        print(f"| {name} | {foreach} | {t * 1e3:.3f} | {t / base:.2f}× |")


# ----------------------------------------------------------------------------------------------------
# --profile: where the time of our step goes.


class _Timers:
    """Adds the thread time of every wrapped call to `spent[key]` = [seconds, calls]; a call made inside another
    timed call (a rule calling a primitive) counts only in the outer one."""

    def __init__(self):
        self.spent = collections.defaultdict(lambda: [0.0, 0])
        self.depth = 0

    def wrap(self, fn, key):
        timers, spent = self, self.spent

        def timed(*args, **kwargs):
            if timers.depth:
                return fn(*args, **kwargs)
            timers.depth = 1
            start = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key][0] += time.thread_time() - start
                spent[key][1] += 1
                timers.depth = 0
        return timed


class _TimedRules:
    """A primitive's `vjps` with every rule wrapped in a timer (key (name, 'rule i'))."""

    def __init__(self, op, timers):
        self.op, self.vjps, self.timers, self.wrapped = op, op.vjps, timers, {}

    def __getitem__(self, i):
        rule = self.wrapped.get(i)
        if rule is None:
            rule = self.wrapped[i] = self.timers.wrap(self.vjps[i], (self.op.name, f"rule {i}"))
        return rule

    def __len__(self):
        return len(self.vjps)


def _phases(model, optimizer, xb, yb, steps):
    """ms per step of each phase of the step."""
    phases = collections.defaultdict(float)
    for _ in range(steps):
        t0 = time.thread_time()
        optimizer.zero_grad(set_to_none=True)
        t1 = time.thread_time()
        logits, loss = model(xb, yb)
        t2 = time.thread_time()
        loss.backward()
        t3 = time.thread_time()
        optimizer.step()
        t4 = time.thread_time()
        for phase, spent in zip(("zero_grad", "forward", "backward", "step"), (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            phases[phase] += spent * 1e3 / steps
    return phases


def profile_ours(dropout, steps):
    torch, nn, F = library(OURS)
    from autograd_core.ops.primitive import PRIMITIVES

    model, optimizer, (xb, yb), step = build(torch, nn, F, dropout)
    for _ in range(3):
        step()
    plain = sum(_phases(model, optimizer, xb, yb, steps).values())
    nodes = _count_nodes(model, xb, yb)
    timers = _Timers()
    originals = {}
    for name, op in PRIMITIVES.items():
        originals[name] = (op.forward, op.vjps, op.lazy_vjp)
        op.forward = timers.wrap(op.forward, (name, "forward"))
        if op.vjps:
            op.vjps = _TimedRules(op, timers)
        if op.lazy_vjp is not None:
            op.lazy_vjp = timers.wrap(op.lazy_vjp, (name, "rule 0 (lazy)"))
    try:
        phases = _phases(model, optimizer, xb, yb, steps)
    finally:
        for name, (forward, vjps, lazy) in originals.items():
            op = PRIMITIVES[name]
            op.forward, op.vjps, op.lazy_vjp = forward, vjps, lazy
    spent = timers.spent
    total = sum(phases.values())
    print(f"\n### ours, dropout {dropout}: {plain:.2f} ms per step (CPU time, one thread, {steps} steps; "
          f"{total:.2f} ms with the timers below), {nodes} nodes recorded per step\n")
    print("| phase | ms | share |\n|---|---:|---:|")
    for phase, ms in phases.items():
        print(f"| {phase} | {ms:.2f} | {ms / total:.0%} |")
    in_forward = sum(s for (_, kind), (s, _) in spent.items() if kind == "forward") * 1e3 / steps
    in_rules = sum(s for (_, kind), (s, _) in spent.items() if kind != "forward") * 1e3 / steps
    print(f"\nprimitives' forward functions {in_forward:.2f} ms of the forward phase's {phases['forward']:.2f} "
          f"(the rest, {phases['forward'] - in_forward:.2f} ms: modules, recording); rules {in_rules:.2f} ms of the "
          f"backward phase's {phases['backward']:.2f} (the rest, {phases['backward'] - in_rules:.2f} ms: the "
          f"engine's walk, un-broadcasting, accumulating). The timers' own cost is in the timed calls.\n")
    print("| primitive | part | calls per step | ms per step | µs per call | share |\n|---|---|---:|---:|---:|---:|")
    for (name, kind), (s, calls) in sorted(spent.items(), key=lambda item: -item[1][0])[:30]:
        print(f"| {name} | {kind} | {calls / steps:.0f} | {s * 1e3 / steps:.3f} | {s * 1e6 / max(calls, 1):.1f} | "
              f"{s * 1e3 / steps / total:.0%} |")


def _count_nodes(model, xb, yb):
    from autograd_core.engine import toposort

    _, loss = model(xb, yb)
    return len(toposort(loss))


def profile_torch(dropout, steps):
    torch, nn, F = library(TORCH)
    torch.set_num_threads(1)
    from torch.profiler import ProfilerActivity, profile

    *_, step = build(torch, nn, F, dropout)
    for _ in range(3):
        step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events) / 1e3 / steps
    print(f"\n### PyTorch, dropout {dropout}: {total:.2f} ms per step of self CPU time under the profiler "
          f"(one thread, {steps} steps; the profiler's own cost inflates every op: compare the shares)\n")
    print("| aten op | calls per step | self ms per step | share |\n|---|---:|---:|---:|")
    for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[:25]:
        ms = e.self_cpu_time_total / 1e3 / steps
        print(f"| {e.key} | {e.count / steps:.0f} | {ms:.3f} | {ms / total:.0%} |")


def _in_worker(target, *args):
    """Run target(*args) in a fresh process with one BLAS thread (printing to our stdout)."""
    with _blas_threads(1):
        process = mp.get_context("spawn").Process(target=target, args=args)
        process.start()
    process.join()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of 15")
    parser.add_argument("--rounds", type=int, help="rounds (each: one block of steps per library per case)")
    parser.add_argument("--block", type=int, default=3, help="steps per block (default 3)")
    parser.add_argument("--clock", choices=("cpu", "wall", "both"), default="cpu",
                        help="cpu (default): thread CPU time, one thread; wall: wall clock, default threads; both")
    parser.add_argument("--profile", action="store_true", help="also profile one step of each library")
    parser.add_argument("--compiled", action="store_true",
                        help="also ours with torch.compile(model) and with the step compiled")
    parser.add_argument("--profile-steps", type=int, default=20, help="steps the profiles average over")
    parser.add_argument("--optimizer", action="store_true",
                        help="only AdamW's optimizer.step(), foreach None/False/True, in both libraries")
    args = parser.parse_args(argv)
    rounds = args.rounds or (5 if args.quick else 15)
    if args.optimizer:
        optimizer_table(rounds, args.block * 10)
        return 0
    command = "bench/bench_gpt.py" + (" --quick" if args.quick else "") + (
        f" --rounds {args.rounds}" if args.rounds else "") + (f" --clock {args.clock}" if args.clock != "cpu" else "")
    command += " --compiled" if args.compiled else ""
    if not HAVE_TORCH:
        print("(PyTorch is not installed: ours alone)")
    print(f"Karpathy's GPT, one AdamW training step: vocab {SIZES['vocab_size']}, batch {SIZES['batch_size']}, "
          f"block {SIZES['block_size']}, n_embd {SIZES['n_embd']}, {SIZES['n_head']} heads, {SIZES['n_layer']} layers")
    for clock in (("cpu", "wall") if args.clock == "both" else (args.clock,)):
        table(clock, 1 if clock == "cpu" else 0, rounds, args.block, command, args.compiled)
    if args.profile:
        for dropout in DROPOUTS:
            _in_worker(profile_ours, dropout, args.profile_steps)
            if HAVE_TORCH:
                _in_worker(profile_torch, dropout, args.profile_steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
