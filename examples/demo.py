"""The demo: σ(w·x + b) forward and backward, node by node, then its picture and a small training run.

    bash scripts/demo.sh                          # sets everything up, then runs this file
    .venv/bin/python examples/demo.py --no-train  # only the σ(w·x + b) part

It writes into --out (default out/): sigmoid.svg (the graph with the chain-rule path from w highlighted),
sigmoid.json, moons_boundary.png and moons_training.png.

It follows the lecture's decomposition of f(x; w, b) = σ(w·x + b) = 1 / (exp(-(w·x + b)) + 1) into six
elementary steps h₁ … h₆, so that every node of the graph is one step of the chain rule:

    h₁ = x·w   h₂ = h₁ + b   h₃ = -h₂   h₄ = exp(h₃)   h₅ = h₄ + 1   f = h₆ = 1 / h₅

The default point w = -0.8, x = 1.5, b = 0.3 makes every factor of the chain rule visible (at w = 0, x = 1,
b = 0 they would be ±1s and 0.25). The output is called f in the table, the equation and the picture.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # for `examples.train_moons`; the installed package comes first

from autograd_core import viz  # noqa: E402
from autograd_core import Value  # noqa: E402
from autograd_core.engine import edge_vjp, toposort  # noqa: E402
from examples._output import positive_int  # noqa: E402


W, X, B = -0.8, 1.5, 0.3


def sigmoid_graph(w=W, x=X, b=B):
    """f = σ(w·x + b) built from the lecture's six elementary steps; returns (f, {name: node})."""
    w, x, b = Value(w, label="w"), Value(x, label="x", requires_grad=False), Value(b, label="b")
    h1 = x * w
    h2 = h1 + b
    h3 = -h2
    h4 = h3.exp()
    h5 = h4 + 1
    h6 = 1 / h5
    for i, h in enumerate((h1, h2, h3, h4, h5), start=1):
        h.label = f"h{i}"
    h6.label = "f"  # the output: one name in the table, the equation and the picture
    return h6, {"w": w, "x": x, "b": b, "h1": h1, "h2": h2, "h3": h3, "h4": h4, "h5": h5, "f": h6}


def fixed(x, width=12, digits=6):
    """x in fixed-point notation, never '-0.000000' (a tiny negative number rounds to 0, printed as 0)."""
    return f"{round(float(x), digits) + 0.0:{width}.{digits}f}"


def print_nodes(f):
    """Every node of the graph below f, inputs first: its operation, value and gradient."""
    print(f"{'node':<6}{'operation':<12}{'value':>12}{'gradient':>12}")
    seen = set()
    for node in toposort(f):
        seen.add(node)
        inputs = ", ".join(p.label or f"{float(p.data):g}" for p in node.parents)
        op = f"{node.op}({inputs})" if node.op else "input"
        grad = "" if node.grad is None else fixed(node.grad)
        print(f"{node.label or '':<6}{op:<12}{fixed(node.data)}{grad:>12}")


def chain_rule_along(f, nodes):
    """∂f/∂w as the product of the local derivatives along the path w → h₁ → … → h₆."""
    path = ["w", "h1", "h2", "h3", "h4", "h5", "f"]
    factors = []
    for child, parent in zip(path[:0:-1], path[-2::-1]):
        node = nodes[child]
        i = next(i for i, p in enumerate(node.parents) if p is nodes[parent])
        factors.append((child, parent, float(edge_vjp(node, i, 1.0))))
    return factors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-w", type=float, default=W, help=f"the weight w (default {W})")
    parser.add_argument("-x", type=float, default=X, help=f"the input x (default {X})")
    parser.add_argument("-b", type=float, default=B, help=f"the bias b (default {B})")
    parser.add_argument("--out", type=Path, default=ROOT / "out", help="where pictures go (default: out/)")
    parser.add_argument("--no-train", action="store_true", help="skip the two-moons training run")
    parser.add_argument("--steps", type=positive_int, default=100,
                        help="training steps for the two moons (default 100)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    f, nodes = sigmoid_graph(args.w, args.x, args.b)
    f.backward()
    print(f"f(x; w, b) = σ(w·x + b) at w = {args.w:g}, x = {args.x:g}, b = {args.b:g}\n")
    print_nodes(f)

    factors = chain_rule_along(f, nodes)
    product = 1.0
    for _, _, d in factors:
        product *= d
    terms = " · ".join(f"∂{c}/∂{p}" for c, p, _ in factors)
    values = " · ".join(f"({d:.4g})" for _, _, d in factors)
    print(f"\n∂f/∂w = {terms}\n      = {values}\n      = {fixed(product, 0)}   (w.grad = {fixed(nodes['w'].grad, 0)})")

    viz.export(f, args.out / "sigmoid.json")
    try:
        viz.export(f, args.out / "sigmoid.svg", highlight=nodes["w"])
        print(f"\npicture of the graph, chain-rule path from w highlighted: {args.out / 'sigmoid.svg'}")
    except viz.GraphvizNotFound as err:  # DOT and JSON need no Graphviz; pictures do
        print(f"\nno picture: {err}")
    print(f"the graph as JSON: {args.out / 'sigmoid.json'}")

    if not args.no_train:
        train_moons(args.out, args.steps)
    return 0


def train_moons(out, steps):
    """micrograd's demo: an MLP 2-16-16-1 on two moons, hinge loss + L2, SGD; saves two plots."""
    from examples.train_moons import accuracy, make_data, plot_decision_boundary, plot_training, train

    print(f"\ntraining an MLP 2-16-16-1 on two moons for {steps} steps (micrograd's demo)")
    model, history = train(steps=steps, seed=0)
    X, y = make_data(seed=0)
    plot_decision_boundary(model, X, y, path=out / "moons_boundary.png")
    plot_training(history, path=out / "moons_training.png")
    print(f"training accuracy {accuracy(model, X, y):.0%}; plots: {out / 'moons_boundary.png'}, "
          f"{out / 'moons_training.png'}")


if __name__ == "__main__":
    sys.exit(main())
