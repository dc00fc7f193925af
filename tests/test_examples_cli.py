"""The examples' command lines: counts must be positive (a usage error, exit 2, one line), every flag has help.

Found in a walk-through: `train_moons.py --steps 0` crashed with an IndexError traceback after "training",
`demo.py --help` listed -w, -x, -b with no explanation, and the optimizer plot's legend covered its lines.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

from examples import compare_optimizers, demo, train_digits_cnn, train_moons  # noqa: E402


@pytest.mark.parametrize(
    ("module", "argv", "message"),
    [
        (train_moons, ["--steps", "0"], "argument --steps: must be a positive integer, got 0"),
        (train_moons, ["--steps", "-3"], "argument --steps: must be a positive integer, got -3"),
        (demo, ["--steps", "0"], "argument --steps: must be a positive integer, got 0"),
        (demo, ["--steps", "x"], "argument --steps: invalid int value: 'x'"),
        (compare_optimizers, ["--epochs", "0"], "argument --epochs: must be a positive integer, got 0"),
        (train_digits_cnn, ["--epochs", "-1"], "argument --epochs: must be a positive integer, got -1"),
        (train_digits_cnn, ["--channels", "0", "4"], "argument --channels: must be a positive integer, got 0"),
        (train_digits_cnn, ["--max-train", "0"], "argument --max-train: must be a positive integer, got 0"),
    ],
    ids=lambda v: getattr(v, "__name__", None) and v.__name__.split(".")[-1] or None,
)
def test_nonpositive_counts_are_usage_errors(module, argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        module.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith(message)
    assert not any("Traceback" in line for line in err)


@pytest.mark.parametrize("module", [demo, train_moons, train_digits_cnn, compare_optimizers],
                         ids=lambda m: m.__name__.split(".")[-1])
def test_every_option_has_help(module, capsys):
    with pytest.raises(SystemExit) as exc:
        module.main(["--help"])
    assert exc.value.code == 0
    options = capsys.readouterr().out.split("options:")[1]
    # argparse prints a bare "  -w W" (nothing after the metavar) for an option without help text; a long
    # option's help starts on the next line, indented further
    lines = options.splitlines() + [""]
    for line, following in zip(lines, lines[1:]):
        words = line.split()
        if line.startswith("  -") and len(words) == 2 and words[1].isupper() and not following.startswith("    "):
            pytest.fail(f"option without help: {line.strip()!r}")


def test_optimizer_plot_has_whole_epochs_and_a_legend_outside_the_axes():
    results = {name: {"train_loss": [2.0, 1.0, 0.5], "test_accuracy": [0.8, 0.9, 0.95]}
               for name in ("SGD", "Adam")}
    fig = compare_optimizers.plot_comparison(results)
    ax_loss, ax_acc = fig.axes
    for ax in (ax_loss, ax_acc):
        ticks = [t for t in ax.get_xticks() if 1 <= t <= 3]
        assert ticks == [1, 2, 3]
    assert ax_loss.get_legend() is None
    legend = ax_acc.get_legend()
    fig.canvas.draw()
    box = legend.get_window_extent()
    assert box.x0 > ax_acc.get_window_extent().x1  # beside the panel, not over the lines
    assert [t.get_text() for t in legend.get_texts()] == ["SGD", "Adam"]
    import matplotlib.pyplot as plt

    plt.close(fig)


# ----------------------------------------------------------------------------------------------------
# train_digits_cnn --checkpoint/--resume: an interrupted run goes on to the same numbers; a run extended on resume
# follows the cosine of its new length (it trained at learning rate 0: the schedule restored from the checkpoint
# had ended); a resume that cannot work is one line and exit 2 (it was a traceback).

_SMALL = dict(seed=0, progress=False, channels=(2, 4), max_train=64)


def _sklearn_or_skip():
    pytest.importorskip("sklearn", reason="the digits come from scikit-learn")


def test_digits_resume_after_an_interruption_gives_the_uninterrupted_numbers(tmp_path, monkeypatch):
    _sklearn_or_skip()
    path, after_two = tmp_path / "run.npz", tmp_path / "after_two.npz"
    save = train_digits_cnn.save_checkpoint

    def save_and_keep_epoch_two(target, model, opt, schedule, epochs_done, history):
        save(target, model, opt, schedule, epochs_done, history)
        if epochs_done == 2:  # what an interrupted run would have left behind
            shutil.copy(target, after_two)

    monkeypatch.setattr(train_digits_cnn, "save_checkpoint", save_and_keep_epoch_two)
    _, straight = train_digits_cnn.train(epochs=3, checkpoint=path, **_SMALL)
    _, resumed = train_digits_cnn.train(epochs=3, checkpoint=after_two, resume=True, **_SMALL)
    for key in ("train_loss", "test_loss", "lr", "step_loss"):
        np.testing.assert_allclose(resumed[key], straight[key], rtol=1e-6, err_msg=key)
    assert resumed["lr"][2] > 0


def test_digits_run_extended_on_resume_follows_the_cosine_of_its_new_length(tmp_path):
    _sklearn_or_skip()
    path = tmp_path / "run.npz"
    _, first = train_digits_cnn.train(epochs=2, checkpoint=path, lr=1e-2, **_SMALL)
    _, extended = train_digits_cnn.train(epochs=4, checkpoint=path, resume=True, lr=1e-2, **_SMALL)
    cosine_of_four = [1e-2 * (1 + np.cos(np.pi * epoch / 4)) / 2 for epoch in (2, 3)]
    np.testing.assert_allclose(extended["lr"], first["lr"] + cosine_of_four, rtol=1e-12)
    assert len(extended["train_loss"]) == 4 and extended["train_loss"][3] < first["train_loss"][1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--epochs", "2"], r"has all 2 epochs done already: nothing to train"),
        (["--epochs", "2", "--channels", "3", "4"],
         r"does not fit this model \(other --channels\?\): .*size mismatch for 3.weight"),
        (["--epochs", "2", "--checkpoint", "MISSING"], r"--resume: no checkpoint at .*missing\.npz"),
    ],
    ids=["done", "channels", "missing"],
)
def test_digits_resume_problems_are_one_line_usage_errors(tmp_path, argv, message, capsys):
    _sklearn_or_skip()
    path = tmp_path / "run.npz"
    train_digits_cnn.train(epochs=2, checkpoint=path, **_SMALL)
    argv = [str(tmp_path / "missing.npz") if a == "MISSING" else a for a in argv]
    base = ["--no-progress", "--max-train", "64", "--channels", "2", "4", "--checkpoint", str(path), "--resume",
            "--out", str(tmp_path)]
    with pytest.raises(SystemExit) as exc:
        train_digits_cnn.main(base + argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert ": error: --resume: " in err[-1]  # after the program name
    assert re.search(message, err[-1]), err[-1]
