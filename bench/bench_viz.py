"""How long viz takes to trace a graph and write its DOT text (and JSON), for 10k- and 100k-node graphs.

    .venv/bin/python bench/bench_viz.py            # markdown table on stdout
    .venv/bin/python bench/bench_viz.py --quick    # 10k nodes only

Three shapes of graph, each built once per size:

* chain:  h = tanh(h·a + c), a deep scalar chain (micrograd's picture of a long computation);
* fan-in: Σᵢ wᵢ·xᵢ over many labelled leaves, then tanh: wide and shallow, like a big neuron;
* tensor: the chain on 8×8 arrays, so every node gets a shape and a min/mean/max summary.

Times are medians over several runs of: trace (walk + local derivatives), DOT (the text of the whole
picture, no Graphviz process), JSON. Rendering by the `dot` binary is not measured: its layout is
superlinear and is what `max_nodes` exists for.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import autograd_core as ag  # noqa: E402
from autograd_core import viz  # noqa: E402
from autograd_core import Value  # noqa: E402


def chain(n_nodes):
    x = Value(0.5, label="x")
    a, c = Value(0.999, label="a"), Value(0.001, label="c")
    h = x
    for _ in range(n_nodes // 3):  # three nodes per step: *, +, tanh
        h = ag.tanh(h * a + c)
    return h


def fan_in(n_nodes):
    n_terms = n_nodes // 4  # w, x, w·x, + per term
    rng = np.random.default_rng(0)
    total = None
    for i in range(n_terms):
        term = Value(rng.normal(), label=f"w{i}") * Value(rng.normal(), label=f"x{i}")
        total = term if total is None else total + term
    return ag.tanh(total)


def tensor(n_nodes):
    rng = np.random.default_rng(0)
    h = Value(rng.normal(size=(8, 8)), label="X")
    a = Value(rng.normal(size=(8, 8)) * 0.1, label="A")
    for _ in range(n_nodes // 3):
        h = ag.tanh(h * a + 0.01)
    return ag.sum(h)


def median_time(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name, build, n_nodes, runs):
    root = build(n_nodes)
    root.backward(retain_graph=True)  # grads in the picture; edges keep their local derivatives
    graph = viz.trace(root)
    t_trace = median_time(lambda: viz.trace(root), runs)
    source = viz.draw(graph).source
    t_dot = median_time(lambda: viz.draw(graph).source, runs)
    t_both = median_time(lambda: viz.draw(root).source, runs)
    t_json = median_time(lambda: viz.to_json(graph), runs)
    return (f"| {name} | {len(graph.nodes):,} | {len(graph.edges):,} | {t_trace:.3f} | {t_dot:.3f} | "
            f"{t_both:.3f} | {t_json:.3f} | {len(source) / 1e6:.1f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k nodes only")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median; default 5)")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [10_000, 100_000]
    print("| graph | nodes | edges | trace s | DOT s | trace+DOT s (draw) | JSON s | DOT MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        for name, build in (("chain", chain), ("fan-in", fan_in), ("tensor 8×8", tensor)):
            print(measure(name, build, n, args.runs if n <= 10_000 else max(3, args.runs // 2)), flush=True)


if __name__ == "__main__":
    main()
