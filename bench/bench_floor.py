"""How fast could a graph engine written in Python on NumPy be? The leanest one, next to ours.

    .venv/bin/python bench/bench_floor.py                  # W4 and W2's fixed cost, CPU time, one thread
    .venv/bin/python bench/bench_floor.py --rounds 60
    .venv/bin/python bench/bench_floor.py --phases         # and W2 small's five phases, ours against the lean engine

Issue #12 asks eager W4 (1,000 small ops, bench_engine.py's per-op) to run 2× faster than PyTorch and eager W2's
step (bench_mlp.py) within 1.05× of hand-written NumPy. What remains of both is Python per node. This benchmark
measures the floor under that Python: `Lean` below is a reverse-mode engine with nothing but the chain rule (a node
keeps its data, parents, rule, creation number and gradient; the backward pass takes nodes youngest first, as ours
does, through a max-heap (on W4 as fast as sorting them once); rules called with the node). It has none of what our
engine does per node besides: grad mode, module scopes and compile/forward-mode tracers looked up per operation;
every node's gradient kept in `.grad` (micrograd's pictures read them); each rule's result fitted to its input's
shape and dtype (broadcasting, mixed dtypes); an undo log, so that a pass that raises leaves no partial gradient;
version checks after in-place changes; hooks; freeing saved parameters. The numbers it computes are the same.

Workloads, in one process, taking turns round by round (CPU time of this thread, one BLAS thread, medians):
  W4          x, y of 10 float64 elements; 333 × (z = (z + y) * y; z = tanh z); sum; backward
  W2 small    bench_mlp.py's step (forward, mean cross-entropy, backward, SGD) on an MLP 8-8-8-4, batch 4: the
              arithmetic is almost nothing, so each engine's time above the hand-written step is its fixed cost
              (as bench_step_overhead.py measures it)
  W2          the same step at bench_mlp.py's sizes (784-256-128-10, batch 128), and an estimate of ours with the
              lean engine's fixed cost (ours minus W2 small's difference between ours and the lean engine): where
              issue #12's "eager W2 ≤ 1.05× hand-written NumPy" stands against a Python engine with nothing but the
              chain rule
against bare NumPy (W4, the same arithmetic with every intermediate kept) and the hand-written step (W2). PyTorch
stays out of this process (importing it slows every Python engine's garbage collection):
`bench_engine.py --only per-op` runs the lean engine's W4 next to PyTorch's, each in a process of its own.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import numpy as np  # noqa: E402

# bench_engine.py and bench_mlp.py (which imports autograd_core) are imported where used: bench_engine.py's worker
# for the lean engine imports this file, and keeps its process free of other engines' objects.

# ----------------------------------------------------------------------------------------------------
# The leanest engine: a node, five operations with their rules, and the backward pass.

_next_index = itertools.count().__next__


class Lean:
    """A node: data, parents, the rule giving each parent's gradient, a creation number, and .grad (leaves)."""

    __slots__ = ("data", "parents", "rule", "index", "grad", "pending")

    def __init__(self, data, parents=(), rule=None):
        self.data, self.parents, self.rule = data, parents, rule
        self.index = _next_index()
        self.grad = self.pending = None

    def __add__(self, other):
        return Lean(self.data + other.data, (self, other), _add_rule)

    def __mul__(self, other):
        return Lean(self.data * other.data, (self, other), _mul_rule)

    def tanh(self):
        return Lean(np.tanh(self.data), (self,), _tanh_rule)

    def relu(self):
        return Lean(np.maximum(self.data, 0), (self,), _relu_rule)

    def sum(self):
        return Lean(np.add.reduce(self.data, axis=None), (self,), _sum_rule)

    def backward(self):
        """The chain rule from this node: the youngest node that has received a gradient goes next."""
        self.pending = np.ones_like(self.data)
        heap = [(-self.index, self)]
        pop, push = heapq.heappop, heapq.heappush
        while heap:
            node = pop(heap)[1]
            g, node.pending = node.pending, None
            if node.rule is None:
                node.grad = g if node.grad is None else node.grad + g  # a leaf
                continue
            for parent, gp in zip(node.parents, node.rule(node, g)):
                if parent.pending is None:
                    parent.pending = gp
                    push(heap, (-parent.index, parent))
                else:
                    parent.pending = parent.pending + gp


def _add_rule(node, g):
    return g, g


def _mul_rule(node, g):
    x, y = node.parents
    return g * y.data, g * x.data


def _tanh_rule(node, g):
    return (g * (1 - node.data * node.data),)


def _relu_rule(node, g):
    return (g * (node.parents[0].data > 0),)


def _sum_rule(node, g):
    return (np.broadcast_to(g, node.parents[0].data.shape),)


def lean_linear(x, weight, bias):
    return Lean(x.data @ weight.data.T + bias.data, (x, weight, bias), _linear_rule)


def _linear_rule(node, g):
    x, weight, _ = node.parents
    return g @ weight.data, g.T @ x.data, g.sum(axis=0)


def _cross_entropy_rule(node, g):
    z = node.parents[0].data
    labels = node.labels
    shifted = z - z.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1
    p *= g / len(labels)
    return (p,)


class _LeanLoss(Lean):
    __slots__ = ("labels",)


def lean_loss(z, labels):
    """Mean cross-entropy of logits z (N, C) against integer labels (N,)."""
    shifted = z.data - z.data.max(axis=1, keepdims=True)
    s = np.exp(shifted).sum(axis=1, keepdims=True)
    node = _LeanLoss(np.mean(np.log(s[:, 0]) - shifted[np.arange(len(labels)), labels]), (z,), _cross_entropy_rule)
    node.labels = labels
    return node


class LeanMLP:
    """bench_mlp's network and step on the lean engine: linear nodes, ReLU nodes, one loss node, SGD."""

    def __init__(self, weights, lr):
        self.params = [(Lean(w.copy()), Lean(b.copy())) for w, b in weights]
        self.lr = lr

    def step(self, x, y):
        self.zero_grad()
        loss = lean_loss(self.forward(x), y)
        loss.backward()
        self.update()
        return loss.data

    def zero_grad(self):
        for w, b in self.params:
            w.grad = b.grad = None

    def forward(self, x):
        h = Lean(x)  # (a leaf like any: the lean engine computes its gradient too, which ours skips for data)
        for i, (w, b) in enumerate(self.params):
            h = lean_linear(h, w, b)
            if i < len(self.params) - 1:
                h = h.relu()
        return h

    def update(self):
        lr = self.lr
        for w, b in self.params:
            w.data -= lr * w.grad
            b.data -= lr * b.grad


# ----------------------------------------------------------------------------------------------------
# The workloads.


def w4_steps():
    import bench_engine

    rng = np.random.default_rng(0)
    x0, y0 = rng.standard_normal(10), rng.standard_normal(10)
    return {"ours": bench_engine.per_op(bench_engine.OURS), "lean engine": lean_w4(x0, y0),
            "bare NumPy": bench_engine.per_op("bare NumPy")}


def lean_w4(x0, y0):
    """bench_engine.py's per-op workload on the lean engine (bench_engine.py runs it next to PyTorch's)."""

    from bench_engine import w4_chain

    def run():
        x, y = Lean(x0), Lean(y0)
        w4_chain(x, y).sum().backward()
        return x.grad, y.grad

    return run


W2_SMALL = (8, 8, 8, 4), 4  # sizes and batch: the fixed cost per step
W2_FULL = (784, 256, 128, 10), 128  # bench_mlp.py's own


def w2_steps(sizes=W2_SMALL):
    import bench_mlp

    bench_mlp.SIZES, bench_mlp.BATCH = sizes
    weights = bench_mlp.initial_weights()
    x, y = bench_mlp.make_batch()
    steps = {"ours": bench_mlp.Ours(weights).step, "lean engine": LeanMLP(weights, bench_mlp.LR).step,
             "NumPy by hand": bench_mlp.NumpyMLP(weights).step}
    losses = {name: float(step(x, y)) for name, step in steps.items()}
    assert max(losses.values()) - min(losses.values()) < 1e-4, losses  # the same network, the same numbers
    return {name: (lambda step=step: step(x, y)) for name, step in steps.items()}


PHASES = ("zero_grad", "forward", "loss", "backward", "optimizer step")


def w2_phases():
    """W2 small's step on ours and on the lean engine, each returning the CPU time of its five phases (ns)."""
    import bench_mlp
    from autograd_core.nn.functional import cross_entropy

    bench_mlp.SIZES, bench_mlp.BATCH = (8, 8, 8, 4), 4
    weights = bench_mlp.initial_weights()
    x, y = bench_mlp.make_batch()
    ours, lean = bench_mlp.Ours(weights), LeanMLP(weights, bench_mlp.LR)
    return {"ours": _phased(ours.opt.zero_grad, ours.model, cross_entropy, ours.opt.step, x, y),
            "lean engine": _phased(lean.zero_grad, lean.forward, lean_loss, lean.update, x, y)}


def _phased(zero_grad, forward, loss_of, update, x, y):
    """A training step from its parts, returning the CPU time of each of its five phases (ns)."""
    clock = time.thread_time_ns

    def step():
        t0 = clock()
        zero_grad()
        t1 = clock()
        logits = forward(x)
        t2 = clock()
        loss = loss_of(logits, y)
        t3 = clock()
        loss.backward()
        t4 = clock()
        update()
        t5 = clock()
        return t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4

    return step


def _taking_turns(steps, rounds, block, timed):
    """After a warm-up block each, `rounds` rounds in which each step runs one block in turn; `timed(step, block)`
    runs a block and returns the list of times it adds. {name: every time}."""
    for step in steps.values():
        for _ in range(block):
            step()
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            times[name] += timed(step, block)
    return times


def measure_phases(steps, rounds, block):
    """Each phased step's median time per phase (ns), over every step taken."""
    times = _taking_turns(steps, rounds, block, lambda step, block: [step() for _ in range(block)])
    return {name: [statistics.median(t[i] for t in ts) for i in range(len(PHASES))] for name, ts in times.items()}


def _block_time(step, block):
    start = time.thread_time()
    for _ in range(block):
        step()
    return [(time.thread_time() - start) / block]


def measure(steps, rounds, block):
    """Each step's median time (s), over the blocks' mean times."""
    return {name: statistics.median(t) for name, t in _taking_turns(steps, rounds, block, _block_time).items()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--phases", action="store_true",
                   help="also time W2 small's five phases in ours and in the lean engine (a clock read between them)")
    args = p.parse_args(argv)
    w4 = measure(w4_steps(), args.rounds, 3)
    print(f"W4: 1,000 small ops, forward and backward; CPU time, one thread, {args.rounds} rounds; medians\n")
    print("| engine | ms | ÷ lean engine |")
    print("|---|---:|---:|")
    for name, t in w4.items():
        print(f"| {name} | {t * 1e3:.3f} | {t / w4['lean engine']:.2f}× |")
    w2 = measure(w2_steps(), args.rounds, 50)
    hand = w2["NumPy by hand"]
    print(f"\nW2's step on an MLP 8-8-8-4, batch 4 (the fixed cost per step); {args.rounds} rounds × 50 steps\n")
    print("| engine | µs per step | above the hand-written step (µs) |")
    print("|---|---:|---:|")
    for name, t in w2.items():
        print(f"| {name} | {t * 1e6:.1f} | {(t - hand) * 1e6:.1f} |")
    full = measure(w2_steps(W2_FULL), max(args.rounds // 4, 5), 10)
    at_floor = full["ours"] - (w2["ours"] - w2["lean engine"])
    print(f"\nW2 itself (MLP 784-256-128-10, batch 128); {max(args.rounds // 4, 5)} rounds × 10 steps\n")
    print("| engine | ms per step | ÷ NumPy by hand |")
    print("|---|---:|---:|")
    for name, t in {**full, "ours with the lean engine's fixed cost (estimate)": at_floor}.items():
        print(f"| {name} | {t * 1e3:.3f} | {t / full['NumPy by hand']:.3f}× |")
    print("\n(The estimate takes W2 small's difference between ours and the lean engine, the Python a step costs "
          "above the chain rule itself, off ours: ours with nothing but the chain rule in Python. The lean engine "
          "itself is slower at this size: its operations allocate every result, where ours add in place.)")
    if args.phases:
        phases = measure_phases(w2_phases(), args.rounds, 300)
        print(f"\nW2 small's phases, µs (medians of {args.rounds} rounds × 300 steps; clock reads between them)\n")
        print("| phase | ours | lean engine | ours − lean |")
        print("|---|---:|---:|---:|")
        for i, phase in enumerate(PHASES):
            a, b = phases["ours"][i] / 1e3, phases["lean engine"][i] / 1e3
            print(f"| {phase} | {a:.1f} | {b:.1f} | {a - b:.1f} |")


if __name__ == "__main__":
    main()
