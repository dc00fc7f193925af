"""bench/bench_floor.py's lean engine is a floor only if it computes what ours computes: the same gradients on W4,
the same losses over W2's steps."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import bench_engine  # noqa: E402
import bench_floor  # noqa: E402
import bench_mlp  # noqa: E402

from autograd_core import Value  # noqa: E402


def test_lean_engine_gives_our_gradients_on_w4():
    rng = np.random.default_rng(0)
    x0, y0 = rng.standard_normal(10), rng.standard_normal(10)
    lean_gx, lean_gy = bench_floor.lean_w4(x0, y0)()
    x, y = Value(x0), Value(y0)
    bench_engine.w4_chain(x, y).sum().backward()
    np.testing.assert_allclose(lean_gx, x.grad, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(lean_gy, y.grad, rtol=1e-12, atol=1e-300)


def test_lean_engine_trains_w2_as_ours(monkeypatch):
    monkeypatch.setattr(bench_mlp, "SIZES", (8, 8, 8, 4))
    monkeypatch.setattr(bench_mlp, "BATCH", 4)
    weights = bench_mlp.initial_weights()
    x, y = bench_mlp.make_batch()
    ours, lean = bench_mlp.Ours(weights), bench_floor.LeanMLP(weights, bench_mlp.LR)
    for _ in range(5):
        np.testing.assert_allclose(float(lean.step(x, y)), float(ours.step(x, y)), rtol=1e-5)
    for (w, b), layer in zip(lean.params, ours.model.layers):
        np.testing.assert_allclose(w.data, layer.weight.data, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(b.data, layer.bias.data, rtol=1e-5, atol=1e-7)
