"""What every example shares: the output directory, a headless matplotlib, and command-line flags."""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "out"


def output_dir(path=None):
    """The directory plots go to (created if missing): `path`, or `out/` at the repository root."""
    out = DEFAULT_OUT if path is None else Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def pyplot():
    """matplotlib.pyplot on the Agg backend: files only, no window, works without a display."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def hidden_progress(progress):
    """tqdm's `disable` for a `progress` option: None shows the bar on a terminal only (tqdm's own rule, so that a
    log file or a pipe gets no carriage-return lines), True always, False never."""
    return None if progress is None else not progress


def save(fig, path):
    """Write `fig` to `path` and close it (figures otherwise stay in memory until the process ends)."""
    plt = pyplot()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return Path(path)


def subplots(ncols=1, figsize=(5.5, 4.5)):
    """A new figure with `ncols` axes side by side: (fig, ax) or (fig, (ax1, ax2, ...))."""
    return pyplot().subplots(1, ncols, figsize=figsize)


def finish(fig, path=None):
    """Lay out `fig`, write it to `path` when given (then close it), and return it: how every plot ends."""
    fig.tight_layout()
    if path is not None:
        save(fig, path)
    return fig


def positive_int(text):
    """An argparse type: an integer >= 1 (a step or epoch count of 0 or -3 is a usage error, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def parser(doc):
    """An argument parser with the flags every example takes: --out, --seed, --no-progress."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the plots (default: out/)")
    p.add_argument("--seed", type=int, default=0, help="seeds the data, the initial weights and the batches")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p
