"""Handwritten digits with a small convolutional network: real data, ≥ 97% test accuracy in a few seconds.

    .venv/bin/python examples/train_digits_cnn.py                 # 15 epochs, plots in out/
    .venv/bin/python examples/train_digits_cnn.py --epochs 5 --seed 1 --out /tmp/digits
    .venv/bin/mpiexec -n 4 .venv/bin/python examples/train_digits_cnn.py --distributed   # 4 processes
    .venv/bin/python examples/train_digits_cnn.py --checkpoint /tmp/digits.npz           # saved each epoch
    .venv/bin/python examples/train_digits_cnn.py --checkpoint /tmp/digits.npz --resume  # goes on from it
    .venv/bin/python examples/train_digits_cnn.py --compile       # the step recorded once, then replayed

Data: scikit-learn's bundled 8×8 digits (1,797 images of 10 classes, pixel values scaled to [0, 1]), split
reproducibly into 1,348 training and 449 test images (`nn.load_digits`, seeded).

Model (PyTorch layouts, float32):

    Conv2d(1, 32, 3, padding=1) → ReLU → MaxPool2d(2)      (N, 1, 8, 8) → (N, 32, 4, 4)
    Conv2d(32, 64, 3, padding=1) → ReLU                     → (N, 64, 4, 4)
    Flatten → Linear(1024, 10)                              → logits (N, 10)

Training: cross-entropy, Adam (lr 3e-3) with a cosine decay to 0 over the epochs, mini-batches of 32 drawn
in a seeded order. The script prints the test accuracy and the wall time, and exits with status 1 when the
accuracy is below --min-accuracy (0.97 by default).

Plots: digits_cnn_curves.png (loss and accuracy per epoch, train and test), digits_confusion.png.

Data-parallel (--distributed, under mpiexec): the model is wrapped in `nn.parallel.DistributedDataParallel`
and each of the N ranks takes its shard of every epoch (`DistributedSampler`) in mini-batches of 32 / N, so
the ranks together take the same 32 images per step as one process, and reach the same accuracy. Only rank
0 shows the progress bar, writes the plots and the checkpoint; --resume loads the checkpoint on every rank.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))  # for `examples._output`; the installed package comes first

import numpy as np  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

import autograd_core  # noqa: E402
from autograd_core import distributed as dist  # noqa: E402
from autograd_core import nn  # noqa: E402
from autograd_core import optim  # noqa: E402
from autograd_core import no_grad  # noqa: E402
from examples._output import finish, hidden_progress, output_dir, parser, positive_int, subplots  # noqa: E402
from autograd_core.nn.functional import cross_entropy  # noqa: E402

CLASSES = 10


def make_model(channels=(32, 64), seed=0):
    """Conv-ReLU-MaxPool-Conv-ReLU-Linear for (N, 1, 8, 8) images -> (N, 10) logits; weights seeded."""
    c1, c2 = channels
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),      # 8×8 -> 4×4
        nn.Conv2d(c1, c2, 3, padding=1, rng=rng), nn.ReLU(),
        nn.Flatten(), nn.Linear(c2 * 4 * 4, CLASSES, rng=rng),
    )


def evaluate(model, X, y, batch_size=512):
    """(mean cross-entropy, accuracy, predicted classes (N,)) without recording a graph."""
    total, predictions = 0.0, []
    with no_grad():
        for start in range(0, len(y), batch_size):
            logits = model(X[start:start + batch_size])
            total += float(cross_entropy(logits, y[start:start + batch_size], reduction="sum").data)
            predictions.append(logits.data.argmax(axis=1))
    predicted = np.concatenate(predictions)
    return total / len(y), float(np.mean(predicted == y)), predicted


def train(epochs=15, seed=0, progress=None, channels=(32, 64), batch_size=32, lr=3e-3, max_train=None,
          distributed=False, checkpoint=None, resume=False, compiled=False):
    """Train the CNN on the digits; returns (model, history).

    epochs, batch_size, lr: Adam with a cosine decay of lr to 0 over `epochs`.
    seed:      seeds the train/test split, the initial weights and the batch order.
    channels:  (c1, c2) of the two convolutions; (32, 64) reaches ≥ 97%, smaller ones are for quick tests.
    max_train: use only the first `max_train` training images (for quick tests).
    distributed: data-parallel over the ranks of `mpiexec` (each takes batch_size / world images per step).
    checkpoint:  a path: rank 0 saves the model, optimizer and schedule there after every epoch.
    resume:      start from `checkpoint` (every rank loads it).
    compiled:  run the training step through `autograd_core.compile` (recorded, then replayed; same numbers).

    history: per-epoch lists "train_loss" (mean over the epoch's batches), "train_accuracy", "test_loss",
    "test_accuracy", "lr"; per-step "step_loss"; "seconds" (wall time of the training loop, evaluation
    included); and "y_test", "predicted" (N_test,) for the confusion matrix.
    """
    X_train, X_test, y_train, y_test = nn.load_digits(images=True, seed=seed)
    if max_train is not None:
        X_train, y_train = X_train[:max_train], y_train[:max_train]
    model = make_model(channels, seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    schedule = optim.CosineAnnealingLR(opt, T_max=epochs)
    history = {k: [] for k in ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "step_loss")}
    first_epoch = load_checkpoint(checkpoint, model, opt, schedule, history) if resume else 0
    if resume and schedule.T_max != epochs:
        # A run extended (or shortened) on resume. The checkpoint's schedule decays to 0 at the epochs of the run
        # that wrote it, so going on with it would train at a learning rate near 0: from here on, follow instead
        # the cosine of a run planned for `epochs` epochs.
        schedule.T_max = epochs
        for group, base_lr in zip(opt.param_groups, schedule.base_lrs):
            group["lr"] = base_lr * (1 + math.cos(math.pi * first_epoch / epochs)) / 2
    if resume and first_epoch >= epochs:
        raise ResumeError(f"{checkpoint} has all {epochs} epochs done already: nothing to train")
    rank, world, sampler = 0, 1, None
    if distributed:
        dist.init()
        rank, world = dist.get_rank(), dist.get_world_size()
        model = nn.parallel.DistributedDataParallel(model)
        sampler = dist.DistributedSampler(X_train, shuffle=True, seed=seed)
        loader = nn.DataLoader(X_train, y_train, batch_size=max(1, batch_size // world), sampler=sampler)
    else:
        loader = nn.DataLoader(X_train, y_train, batch_size=batch_size, shuffle=True, rng=seed)
        for _ in range(first_epoch):  # the same batches as an uninterrupted run
            next(iter(loader))
    start = time.perf_counter()
    bar = tqdm(total=(epochs - first_epoch) * len(loader), desc="digits CNN",
               disable=True if rank != 0 else hidden_progress(progress), leave=False)

    def step(xb, yb):
        logits = model(xb)
        loss = cross_entropy(logits, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss, logits

    if compiled:
        step = autograd_core.compile(step)
    for epoch in range(first_epoch, epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        history["lr"].append(opt.param_groups[0]["lr"])
        losses, correct = [], 0
        for xb, yb in loader:
            loss, logits = step(xb, yb)
            losses.append(float(loss.data))
            correct += int(np.sum(logits.data.argmax(axis=1) == yb))
            bar.update()
        schedule.step()
        if world > 1:  # the epoch's numbers over all ranks' batches
            losses, correct = _mean_over_ranks(losses), _sum_over_ranks(correct)
        test_loss, test_accuracy, predicted = evaluate(model, X_test, y_test)
        history["step_loss"].extend(losses)
        history["train_loss"].append(float(np.mean(losses)))
        history["train_accuracy"].append(correct / (len(sampler) * world if sampler else len(y_train)))
        history["test_loss"].append(test_loss)
        history["test_accuracy"].append(test_accuracy)
        bar.set_postfix(epoch=epoch + 1, loss=f"{history['train_loss'][-1]:.3f}", test_acc=f"{test_accuracy:.1%}")
        if checkpoint is not None and rank == 0:
            save_checkpoint(checkpoint, model.module if distributed else model, opt, schedule, epoch + 1, history)
    bar.close()
    history["seconds"] = time.perf_counter() - start
    history["y_test"], history["predicted"] = y_test, predicted
    return (model.module if distributed else model), history


def _mean_over_ranks(values):
    values = np.asarray(values, dtype=np.float64)
    dist.all_reduce(values, op=dist.ReduceOp.AVG)
    return values.tolist()


def _sum_over_ranks(count):
    total = np.array([count], dtype=np.int64)
    dist.all_reduce(total)
    return int(total[0])


def save_checkpoint(path, model, opt, schedule, epochs_done, history):
    """Model, optimizer and schedule state in one .npz (arrays, and JSON for the numbers; nothing pickled),
    written to a temporary file first so that an interrupted save leaves the previous checkpoint whole."""
    arrays = {f"model/{k}": v for k, v in model.state_dict().items()}
    state = opt.state_dict()
    numbers = {}
    for index, entries in state["state"].items():
        for name, value in entries.items():
            if isinstance(value, (np.ndarray, np.generic)):
                arrays[f"opt/{index}/{name}"] = np.asarray(value)
            else:
                numbers[f"{index}/{name}"] = value
    meta = {"epochs_done": epochs_done, "param_groups": state["param_groups"], "opt_numbers": numbers,
            "schedule": schedule.state_dict(),
            "history": {k: history[k] for k in ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr",
                                                "step_loss")}}
    arrays["meta"] = np.array(json.dumps(meta, default=float))
    path = Path(path)
    partial = path.with_name(path.name + ".partial.npz")
    np.savez(partial, **arrays)
    os.replace(partial, path)


class ResumeError(ValueError):
    """--resume cannot go on from this checkpoint (missing, another model's, or already finished)."""


def load_checkpoint(path, model, opt, schedule, history):
    """Restore what `save_checkpoint` wrote; returns the number of epochs already done.

    Raises ResumeError naming the problem when the file is missing or holds another model's state."""
    try:
        return _load_checkpoint(path, model, opt, schedule, history)
    except FileNotFoundError:
        raise ResumeError(f"no checkpoint at {path}") from None
    except nn.CheckpointError as err:  # e.g. --channels differ from the run that saved it
        one_line = " ".join(str(err).split())  # (load_state_dict's, as PyTorch's, puts each problem on a line)
        raise ResumeError(f"{path} does not fit this model (other --channels?): {one_line}") from None


def _load_checkpoint(path, model, opt, schedule, history):
    with np.load(path, allow_pickle=False) as archive:
        meta = json.loads(str(archive["meta"]))
        model.load_state_dict({k[len("model/"):]: archive[k] for k in archive.files if k.startswith("model/")})
        state = {}
        for k in archive.files:
            if k.startswith("opt/"):
                _, index, name = k.split("/", 2)
                state.setdefault(int(index), {})[name] = archive[k]
    for key, value in meta["opt_numbers"].items():
        index, name = key.split("/", 1)
        state.setdefault(int(index), {})[name] = value
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    schedule.load_state_dict(meta["schedule"])
    for key, values in meta["history"].items():
        history[key].extend(values)
    return meta["epochs_done"]


def plot_curves(history, path=None, target=0.97):
    """Cross-entropy (log scale) and accuracy per epoch, on the training batches and on the test set; a dotted line
    at the `target` test accuracy (--min-accuracy)."""
    fig, (ax_loss, ax_acc) = subplots(2, figsize=(10, 3.8))
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    ax_loss.semilogy(epochs, history["train_loss"], "o-", ms=3, label="train (mean over the epoch)")
    ax_loss.semilogy(epochs, history["test_loss"], "s-", ms=3, label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax_loss.legend()
    ax_acc.plot(epochs, np.asarray(history["train_accuracy"]) * 100, "o-", ms=3, label="train")
    ax_acc.plot(epochs, np.asarray(history["test_accuracy"]) * 100, "s-", ms=3, label="test")
    ax_acc.axhline(100 * target, color="gray", lw=0.8, ls=":", label=f"target {target:.0%} (--min-accuracy)")
    lowest = min(history["train_accuracy"] + history["test_accuracy"]) * 100
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title=f"accuracy (test: {history['test_accuracy'][-1]:.1%})",
               ylim=(min(80, 5 * np.floor(lowest / 5)), 100.5))
    ax_acc.legend(loc="lower right")
    ax_acc.grid(alpha=0.3)
    return finish(fig, path)


def confusion_matrix(y_true, y_pred, classes=CLASSES):
    """counts[t, p]: how many images of class t were predicted as class p. Shape (classes, classes)."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return counts


def plot_confusion(y_true, y_pred, path=None):
    """The confusion matrix as a heat map with the counts written in the cells."""
    counts = confusion_matrix(y_true, y_pred)
    fig, ax = subplots(figsize=(5.5, 5))
    ax.imshow(counts, cmap="Blues")
    for t in range(CLASSES):
        for p in range(CLASSES):
            if counts[t, p]:
                ax.text(p, t, str(counts[t, p]), ha="center", va="center", fontsize=8,
                        color="white" if counts[t, p] > counts.max() / 2 else "black")
    ax.set(xticks=range(CLASSES), yticks=range(CLASSES), xlabel="predicted digit", ylabel="true digit",
           title=f"digits, test set: {np.trace(counts)}/{counts.sum()} correct")
    return finish(fig, path)


def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--epochs", type=positive_int, default=15, help="passes over the training images (default 15)")
    p.add_argument("--channels", type=positive_int, nargs=2, default=(32, 64), metavar=("C1", "C2"),
                   help="channels of the two convolutions (default 32 64)")
    p.add_argument("--lr", type=float, default=3e-3, help="Adam's initial learning rate (default 3e-3)")
    p.add_argument("--compile", action="store_true", help="compile the training step (autograd_core.compile)")
    p.add_argument("--min-accuracy", type=float, default=0.97, help="exit with status 1 below this test accuracy")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel over the processes of mpiexec (mpiexec -n 4 python ... --distributed)")
    p.add_argument("--checkpoint", type=Path, help="save model, optimizer and schedule here after every epoch")
    p.add_argument("--resume", action="store_true",
                   help="go on from --checkpoint (a larger --epochs extends the run)")
    p.add_argument("--max-train", type=positive_int, help="train on the first N training images only (quick runs)")
    args = p.parse_args(argv)
    if args.resume and args.checkpoint is None:
        p.error("--resume needs --checkpoint PATH")
    try:
        _, history = train(epochs=args.epochs, seed=args.seed, progress=False if args.no_progress else None,
                           channels=tuple(args.channels), lr=args.lr, distributed=args.distributed,
                           checkpoint=args.checkpoint, resume=args.resume, max_train=args.max_train,
                           compiled=args.compile)
    except ResumeError as err:
        p.error(f"--resume: {err}")
    if args.distributed and dist.get_rank() != 0:
        return 0 if history["test_accuracy"][-1] >= args.min_accuracy else 1
    out = output_dir(args.out)
    plot_curves(history, out / "digits_cnn_curves.png", target=args.min_accuracy)
    plot_confusion(history["y_test"], history["predicted"], out / "digits_confusion.png")
    accuracy = history["test_accuracy"][-1]
    print(f"digits CNN: {args.epochs} epochs in {history['seconds']:.1f} s, "
          f"final train loss {history['train_loss'][-1]:.4f}, test accuracy {accuracy:.2%} "
          f"({int(round(accuracy * len(history['y_test'])))}/{len(history['y_test'])})")
    print(f"plots: {out / 'digits_cnn_curves.png'}, {out / 'digits_confusion.png'}")
    if accuracy < args.min_accuracy:
        print(f"FAILED: test accuracy {accuracy:.2%} < {args.min_accuracy:.0%}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
