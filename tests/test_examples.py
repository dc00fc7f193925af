"""The examples train for real: the moons MLP reaches 100%, the CNN and the eight optimizers reduce the loss.

Reduced configurations (few epochs, small channels) keep this file to a few seconds; the full runs are
`.venv/bin/python examples/<name>.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

from examples import compare_optimizers, train_digits_cnn, train_moons  # noqa: E402
from autograd_core.viz.graph import topological_values  # noqa: E402


def _sklearn_or_skip():
    pytest.importorskip("sklearn", reason="the digits come from scikit-learn")


# ----------------------------------------------------------------------------------------------------
# Two moons: the real settings, they take a fraction of a second.


def test_moons_reaches_full_training_accuracy_and_main_writes_plots_and_exit_status(tmp_path, monkeypatch):
    # The training checked is main's own (its defaults): one run of 100 steps for both checks, not two.
    train, trained = train_moons.train, []

    def recorded(**settings):
        trained.append((settings, train(**settings)))
        return trained[-1][1]
    monkeypatch.setattr(train_moons, "train", recorded)
    assert train_moons.main(["--out", str(tmp_path), "--no-progress"]) == 0
    assert (tmp_path / "moons_boundary.png").stat().st_size > 0
    assert (tmp_path / "moons_loss.png").stat().st_size > 0
    [(settings, (model, history))] = trained
    assert settings == {"steps": 100, "seed": 0, "progress": False}
    assert history["final_accuracy"] == 1.0
    assert len(history["loss"]) == 100
    assert history["loss"][-1] < history["loss"][0] / 10
    # micrograd's schedule: 1.0 at step 0, decaying by 0.009 per step
    np.testing.assert_allclose(history["lr"][:3], [1.0, 0.991, 0.982])
    assert history["X"].shape == (100, 2) and set(np.unique(history["y"])) == {-1, 1}
    assert sum(p.size for p in model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    # three steps do not separate the moons: the script must report failure
    assert train_moons.main(["--out", str(tmp_path), "--no-progress", "--steps", "3"]) == 1


def test_moons_is_reproducible_and_seed_dependent():
    _, a = train_moons.train(steps=10, seed=1, progress=False)
    _, b = train_moons.train(steps=10, seed=1, progress=False)
    _, c = train_moons.train(steps=10, seed=2, progress=False)
    assert a["loss"] == b["loss"]
    assert a["loss"] != c["loss"]


def test_moons_loss_is_hinge_plus_l2():
    model = train_moons.make_model(0)
    X, y = train_moons.make_data(seed=0)
    loss, data_loss, scores = train_moons.loss_of(model, X, y)
    s = scores.data
    expected_hinge = np.mean(np.maximum(0, 1 - y * s))
    expected_l2 = 1e-4 * sum(float(np.sum(p.data.astype(np.float64) ** 2)) for p in model.parameters())
    assert float(data_loss.data) == pytest.approx(expected_hinge, rel=1e-12)
    assert float(loss.data) == pytest.approx(expected_hinge + expected_l2, rel=1e-12)


def test_moons_loss_is_a_tensor_graph_throughout():
    """The example trains on tensors, so its loss, L2 penalty included, is a graph of a few nodes per layer. (Its
    penalty once summed over parameters(), micrograd's 337 scalar leaves: ~1,000 scalar nodes, and a step ~30× slower
    than with the matrices.)"""
    model = train_moons.make_model(0)
    X, y = train_moons.make_data(seed=0)
    loss, _, _ = train_moons.loss_of(model, X, y)
    size = len(topological_values(loss))
    assert size < 60, f"{size} nodes and leaves in the loss's graph"


# ----------------------------------------------------------------------------------------------------
# Digits CNN: a small network on part of the data.


def test_digits_cnn_learns_in_a_reduced_run():
    _sklearn_or_skip()
    _, history = train_digits_cnn.train(epochs=3, seed=0, progress=False, channels=(8, 16), max_train=400, lr=1e-2)
    assert len(history["train_loss"]) == len(history["test_accuracy"]) == 3
    assert history["train_loss"][-1] < history["train_loss"][0]
    steps = history["step_loss"]
    assert len(steps) == 3 * 13  # 400 images in batches of 32
    assert np.mean(steps[-5:]) < np.mean(steps[:5]) / 2
    assert history["test_accuracy"][-1] > 0.5  # chance is 0.1
    assert history["predicted"].shape == history["y_test"].shape == (449,)


def test_digits_cnn_is_reproducible():
    _sklearn_or_skip()
    runs = [train_digits_cnn.train(epochs=1, seed=3, progress=False, channels=(4, 8), max_train=96)[1]
            for _ in range(2)]
    assert runs[0]["step_loss"] == runs[1]["step_loss"]
    assert np.array_equal(runs[0]["predicted"], runs[1]["predicted"])


def test_digits_cnn_compiled_training_matches_eager_bit_for_bit():
    _sklearn_or_skip()
    kwargs = dict(epochs=2, seed=3, progress=False, channels=(4, 8), max_train=100)
    eager, compiled = train_digits_cnn.train(**kwargs)[1], train_digits_cnn.train(**kwargs, compiled=True)[1]
    assert eager["step_loss"] == compiled["step_loss"]  # 100 images: batches of 32, 32, 32 and 4
    assert np.array_equal(eager["predicted"], compiled["predicted"])


def test_digits_cnn_model_shapes():
    model = train_digits_cnn.make_model((4, 8), seed=0)
    logits = model(np.zeros((5, 1, 8, 8), np.float32))
    assert logits.shape == (5, 10)
    assert logits.dtype == np.float32


def test_confusion_matrix_counts_pairs():
    counts = train_digits_cnn.confusion_matrix([0, 0, 1, 9, 9], [0, 1, 1, 9, 3])
    assert counts.shape == (10, 10) and counts.sum() == 5
    assert counts[0, 0] == 1 and counts[0, 1] == 1 and counts[1, 1] == 1 and counts[9, 9] == 1 and counts[9, 3] == 1


def test_digits_cnn_main_writes_plots_and_fails_below_the_bar(tmp_path):
    _sklearn_or_skip()
    argv = ["--out", str(tmp_path), "--no-progress", "--epochs", "1", "--channels", "4", "8"]
    assert train_digits_cnn.main(argv + ["--min-accuracy", "1.01"]) == 1  # no model is 101% accurate
    assert (tmp_path / "digits_cnn_curves.png").stat().st_size > 0
    assert (tmp_path / "digits_confusion.png").stat().st_size > 0


# ----------------------------------------------------------------------------------------------------
# Optimizers: every one of them lowers the loss from the same start.


def test_every_optimizer_lowers_the_loss(tmp_path):
    _sklearn_or_skip()
    results = compare_optimizers.compare(epochs=2, seed=0, progress=False)
    assert list(results) == list(compare_optimizers.OPTIMIZERS)
    first_steps = {name: h["step_loss"][0] for name, h in results.items()}
    # same initial weights and the same first batch: the first loss is the same for all
    assert len({round(v, 6) for v in first_steps.values()}) == 1
    for name, history in results.items():
        assert history["train_loss"][1] < history["train_loss"][0], name
        assert history["test_accuracy"][-1] > 0.3, name
    compare_optimizers.plot_comparison(results, tmp_path / "optimizers.png")
    assert (tmp_path / "optimizers.png").exists()


def test_compare_rejects_unknown_optimizer():
    with pytest.raises(ValueError, match="unknown optimizer 'Adamm'"):
        compare_optimizers.train("Adamm", epochs=1, progress=False)
