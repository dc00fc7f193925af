"""Eight optimizers on one problem: an MLP 64-64-10 learning the 8×8 handwritten digits.

    .venv/bin/python examples/compare_optimizers.py                      # 20 epochs each, plot in out/
    .venv/bin/python examples/compare_optimizers.py --epochs 5 --only Adam SGD

Every run starts from the same initial weights and sees the same mini-batches (32 images) in the same order,
so the curves differ only by the update rule. Learning rates are common choices for each algorithm on this
problem (see OPTIMIZERS), not a tuned sweep: read the plot as "how each behaves out of the box".

Plot: optimizers_digits.png (training loss per epoch, log scale, and test accuracy per epoch).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))  # for `examples._output`; the installed package comes first

import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from autograd_core import nn  # noqa: E402
from autograd_core import optim  # noqa: E402
from autograd_core import no_grad  # noqa: E402
from examples._output import finish, hidden_progress, output_dir, parser, positive_int, subplots  # noqa: E402
from autograd_core.nn.functional import cross_entropy  # noqa: E402

# name -> a function making that optimizer for a list of parameters.
OPTIMIZERS = {
    "SGD": lambda params: optim.SGD(params, lr=0.1),
    "SGD+momentum": lambda params: optim.SGD(params, lr=0.02, momentum=0.9),
    "Nesterov": lambda params: optim.SGD(params, lr=0.02, momentum=0.9, nesterov=True),
    "RMSprop": lambda params: optim.RMSprop(params, lr=1e-3),
    "Adagrad": lambda params: optim.Adagrad(params, lr=0.05),
    "Adam": lambda params: optim.Adam(params, lr=1e-3),
    "AdamW": lambda params: optim.AdamW(params, lr=1e-3, weight_decay=1e-2),
    "Adamax": lambda params: optim.Adamax(params, lr=2e-3),
}


def make_model(seed=0):
    """MLP 64-64-10 (ReLU hidden layer, linear output) in float32, weights seeded."""
    return nn.MLP(64, [64, 10], rng=np.random.default_rng(seed), dtype=np.float32)


def _test_accuracy(model, X, y):
    with no_grad():
        return float(np.mean(model(X).data.argmax(axis=1) == y))


def train(optimizer="Adam", epochs=20, seed=0, progress=None, batch_size=32, data=None):
    """Train the MLP on the digits with one optimizer; returns (model, history).

    optimizer: a key of OPTIMIZERS. seed: the split, the initial weights and the batch order.
    data:      (X_train, X_test, y_train, y_test) to reuse already loaded digits.
    history:   per-epoch "train_loss" (mean over the epoch's batches) and "test_accuracy", per-step
               "step_loss", and "seconds" (wall time of the loop).
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    X_train, X_test, y_train, y_test = nn.load_digits(seed=seed) if data is None else data
    model = make_model(seed)
    opt = OPTIMIZERS[optimizer](list(model.parameters()))
    loader = nn.DataLoader(X_train, y_train, batch_size=batch_size, shuffle=True, rng=seed)
    history = {"train_loss": [], "test_accuracy": [], "step_loss": []}
    start = time.perf_counter()
    for _ in tqdm(range(epochs), desc=f"{optimizer:>12}", disable=hidden_progress(progress), leave=False):
        losses = []
        for xb, yb in loader:
            loss = cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.data))
        history["step_loss"].extend(losses)
        history["train_loss"].append(float(np.mean(losses)))
        history["test_accuracy"].append(_test_accuracy(model, X_test, y_test))
    history["seconds"] = time.perf_counter() - start
    return model, history


def compare(names=None, epochs=20, seed=0, progress=None, batch_size=32):
    """Run `train` for each optimizer in `names` (all by default); returns {name: history}."""
    data = nn.load_digits(seed=seed)
    return {name: train(name, epochs, seed, progress, batch_size, data)[1] for name in (names or OPTIMIZERS)}


def plot_comparison(results, path=None):
    """Training loss (log scale) and test accuracy per epoch, one line per optimizer."""
    fig, (ax_loss, ax_acc) = subplots(2, figsize=(11, 4.2))
    for i, (name, history) in enumerate(results.items()):
        epochs = np.arange(1, len(history["train_loss"]) + 1)
        style = dict(label=name, ls="-" if i % 2 == 0 else "--")  # Adam and AdamW nearly overlap: tell them apart
        ax_loss.semilogy(epochs, history["train_loss"], **style)
        ax_acc.plot(epochs, np.asarray(history["test_accuracy"]) * 100, **style)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy (mean over the epoch)", title="training loss, MLP 64-64-10")
    # from 80% up, or lower when a run was lower (a short run's first epochs): no point is cut off the panel
    lowest = min(min(history["test_accuracy"]) for history in results.values()) * 100
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="test accuracy",
               ylim=(min(80, 5 * np.floor(lowest / 5)), 100.5))
    ax_acc.grid(alpha=0.3)
    for ax in (ax_loss, ax_acc):  # whole epochs only: a short run otherwise shows ticks at 1.5, 2.5, ...
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    # one legend, beside the plots: inside either panel it hid the lines it names
    ax_acc.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    return finish(fig, path)


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--epochs", type=positive_int, default=20, help="epochs per optimizer (default 20)")
    p.add_argument("--only", nargs="+", choices=list(OPTIMIZERS), help="run only these optimizers")
    args = p.parse_args(argv)
    out = output_dir(args.out)
    start = time.perf_counter()
    results = compare(args.only, args.epochs, args.seed, progress=False if args.no_progress else None)
    total = time.perf_counter() - start
    plot_comparison(results, out / "optimizers_digits.png")
    print(f"{'optimizer':<14}{'final train loss':>18}{'test accuracy':>15}{'seconds':>9}")
    for name, history in results.items():
        print(f"{name:<14}{history['train_loss'][-1]:>18.4f}{history['test_accuracy'][-1]:>15.1%}"
              f"{history['seconds']:>9.2f}")
    print(f"{len(results)} optimizers × {args.epochs} epochs in {total:.1f} s; plot: {out / 'optimizers_digits.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
