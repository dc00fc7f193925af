"""Two moons: micrograd's demo, on tensors. An MLP 2-16-16-1 learns to separate two interleaving half circles.

    .venv/bin/python examples/train_moons.py                 # 100 steps, plots in out/
    .venv/bin/python examples/train_moons.py --steps 50 --seed 3 --out /tmp/moons

The set-up is micrograd's demo notebook, step for step:

    data      100 points of make_moons with noise 0.1, labels y ∈ {−1, +1}
    model     MLP 2-16-16-1, ReLU hidden layers, linear output; weights U(−1, 1), biases 0 (micrograd's init)
    loss      mean(relu(1 − y·score)) + 1e-4·Σp²        (the SVM "max-margin" loss plus an L2 penalty)
    optimizer SGD on the full batch, lr = 1.0 − 0.9·k/100 at step k (a linear decay from 1.0 to 0.1)

Here the hundred points go through the network as one (100, 2) array, so a step is a few array operations
instead of micrograd's ~40,000 scalar nodes; the numbers are the same. The script exits with status 1 unless
the trained model classifies every training point correctly.

Plots: moons_boundary.png (the decision boundary over the data), moons_loss.png (loss and accuracy per step).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))  # for `examples._output`; the installed package comes first

import numpy as np  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from autograd_core import nn  # noqa: E402
from autograd_core import optim  # noqa: E402
from autograd_core import no_grad  # noqa: E402
from examples._output import finish, hidden_progress, output_dir, parser, positive_int, save, subplots  # noqa: E402
from autograd_core.nn.functional import hinge_loss  # noqa: E402

L2_WEIGHT = 1e-4


def make_data(n_samples=100, noise=0.1, seed=0):
    """X (n_samples, 2) float64 and labels y (n_samples,) in {−1, +1} (int64), for the hinge loss."""
    X, y = nn.make_moons(n_samples, noise=noise, rng=seed)
    return X, y * 2 - 1


def make_model(seed=0):
    """MLP 2-16-16-1 in float64 with micrograd's initialisation: weights U(−1, 1), biases zero.

    (nn's default, U(−1/√fan_in, 1/√fan_in), starts with much smaller scores and needs more steps.)
    """
    rng = np.random.default_rng(seed)
    model = nn.MLP(2, [16, 16, 1], rng=rng, dtype=np.float64)
    for layer in model.layers:
        nn.init.uniform_(layer.weight, -1.0, 1.0, rng=rng)
        nn.init.zeros_(layer.bias)
    return model


def scores(model, X):
    """The model's raw outputs, shape (N,): the sign is the predicted class."""
    return model(X).reshape(-1)


def loss_of(model, X, y, l2_weight=L2_WEIGHT):
    """(total loss, data loss, scores): mean hinge loss over the batch plus l2_weight·Σp²."""
    s = scores(model, X)
    data_loss = hinge_loss(s, y)
    # Σp² over each layer's weight matrix and bias vector (named_parameters(): the matrices, as PyTorch names
    # them), a few nodes per layer. Over parameters(), micrograd's list of 337 scalar leaves, the same sum
    # would record ~1,000 scalar nodes: a step of 8.1 ms instead of 0.30 (BENCHMARKS.md "Stop 74").
    penalty = sum((p * p).sum() for _, p in model.named_parameters())
    return data_loss + l2_weight * penalty, data_loss, s


def accuracy(model, X, y):
    """Fraction of points whose score has the sign of their label."""
    with no_grad():
        s = scores(model, X).data
    return float(np.mean((s > 0) == (y > 0)))


def train(steps=100, seed=0, progress=None, n_samples=100, noise=0.1, l2_weight=L2_WEIGHT):
    """Train the demo's MLP on two moons; returns (model, history).

    steps:    full-batch SGD steps; the learning rate decays linearly from 1.0 to 1.0 − 0.9·(steps−1)/100
              (micrograd's schedule, which reaches 0.1 after 100 steps).
    seed:     seeds the data and the initial weights: the same seed gives the same numbers, run after run.
    progress: show a tqdm progress bar (None: on a terminal only, so that a log file gets no bar).

    history: dict with per-step lists "loss", "data_loss", "accuracy" (measured on the forward pass of
    that step, before its update, as micrograd prints it) and "lr"; "final_accuracy" after the last update;
    and the training data "X" (N, 2), "y" (N,) in {−1, +1}, for `plot_decision_boundary`.
    """
    X, y = make_data(n_samples, noise, seed)
    model = make_model(seed)
    opt = optim.SGD(model.parameters(), lr=1.0)
    schedule = optim.LambdaLR(opt, lambda k: 1.0 - 0.9 * k / 100)
    history = {"loss": [], "data_loss": [], "accuracy": [], "lr": [], "X": X, "y": y}
    bar = tqdm(range(steps), desc="two moons", disable=hidden_progress(progress), leave=False)
    for _ in bar:
        loss, data_loss, s = loss_of(model, X, y, l2_weight)
        opt.zero_grad()
        loss.backward()
        history["lr"].append(opt.param_groups[0]["lr"])
        opt.step()
        schedule.step()
        history["loss"].append(float(loss.data))
        history["data_loss"].append(float(data_loss.data))
        history["accuracy"].append(float(np.mean((s.data > 0) == (y > 0))))
        bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", acc=f"{history['accuracy'][-1]:.0%}")
    history["final_accuracy"] = accuracy(model, X, y)
    return model, history


def plot_decision_boundary(model, X, y, path=None, ax=None, resolution=200):
    """Colour the plane by the sign of the model's score and draw the points on top.

    X (N, 2), y (N,) in {−1, +1} (or {0, 1}). Saves to `path` when given; draws into `ax` when given
    (then the caller saves the figure). Returns the figure.
    """
    fig, ax = (ax.figure, ax) if ax is not None else subplots(figsize=(5.5, 4.5))
    margin = 0.5
    xs = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    ys = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    with no_grad():
        z = scores(model, grid).data.reshape(gx.shape)
    ax.contourf(gx, gy, z > 0, levels=[-0.5, 0.5, 1.5], colors=["#f4c7a1", "#a9cce3"], alpha=0.8)
    ax.contour(gx, gy, z, levels=[0.0], colors="k", linewidths=1)
    positive = np.asarray(y) > 0
    ax.scatter(X[~positive, 0], X[~positive, 1], c="#d35400", s=22, edgecolors="k", linewidths=0.5, label="y = −1")
    ax.scatter(X[positive, 0], X[positive, 1], c="#1f618d", s=22, edgecolors="k", linewidths=0.5, label="y = +1")
    ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]), xlabel="x₁", ylabel="x₂",
           title=f"MLP 2-16-16-1 decision boundary (accuracy {accuracy(model, X, y):.0%})")
    ax.legend(loc="lower left", fontsize=8)
    if path is not None:
        save(fig, path)
    return fig


def plot_training(history, path=None):
    """Loss (total and hinge part, log scale) and training accuracy per step; saved to `path` if given."""
    fig, (ax_loss, ax_acc) = subplots(2, figsize=(10, 3.8))
    steps = np.arange(len(history["loss"]))
    ax_loss.plot(steps, history["loss"], label="hinge + L2")
    ax_loss.plot(steps, history["data_loss"], "--", label="hinge")
    ax_loss.set_yscale("symlog", linthresh=1e-3)  # logarithmic, but the hinge part may reach exactly 0
    ax_loss.set(xlabel="step", ylabel="loss", title="training loss")
    ax_loss.legend()
    ax_acc.plot(steps, np.asarray(history["accuracy"]) * 100)
    ax_acc.set(xlabel="step", ylabel="accuracy (%)", title="training accuracy", ylim=(40, 101))
    ax_acc.grid(alpha=0.3)
    return finish(fig, path)


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--steps", type=positive_int, default=100, help="SGD steps (default 100)")
    args = p.parse_args(argv)
    out = output_dir(args.out)
    model, history = train(steps=args.steps, seed=args.seed, progress=False if args.no_progress else None)
    plot_decision_boundary(model, history["X"], history["y"], out / "moons_boundary.png")
    plot_training(history, out / "moons_loss.png")
    final = history["final_accuracy"]
    print(f"two moons: {args.steps} steps, final loss {history['loss'][-1]:.4f}, "
          f"training accuracy {final:.1%}")
    print(f"plots: {out / 'moons_boundary.png'}, {out / 'moons_loss.png'}")
    if final < 1.0:
        print(f"FAILED: training accuracy {final:.1%} < 100%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
