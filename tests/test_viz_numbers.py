"""The numbers a picture shows: checked against the Values they come from, and written the way a reader expects
(no "-0", no rounding noise dressed up as a value, a 2 x 2 matrix in rows)."""

import re

import numpy as np

import autograd_core as ag
from autograd_core import Value, viz
from autograd_core.nn import functional as F


def cells(source, node_label):
    """The text cells of the table drawn for the node labelled `node_label` in DOT `source`."""
    line = next(ln for ln in source.splitlines() if f"<b>{node_label}</b>" in ln)
    return re.findall(r"<td[^>]*>(?:<b>)?([^<]*)", line)


def test_a_mean_below_rounding_error_is_shown_as_0():
    # cross_entropy's gradient with respect to the logits sums to 0 over the classes in exact arithmetic:
    # its mean comes out as 1e-17 (float64) or 1e-9 (float32), which a picture showed as "mean 9.25e-18".
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        z = Value(rng.standard_normal((6, 5)).astype(dtype), label="z")
        loss = F.cross_entropy(z * 1.0, ag.tensor(np.array([0, 1, 2, 3, 4, 0])))
        loss.backward()
        exact_mean = float(np.mean(z.grad, dtype=np.float64))
        assert exact_mean != 0.0  # the noise is there to hide
        grad_cell = cells(viz.draw(loss).source, "z")[-1]
        lo, hi = float(z.grad.min()), float(z.grad.max())
        assert grad_cell == f"grad min {lo:.3g} mean 0 max {hi:.3g}", grad_cell


def test_a_real_small_mean_is_still_shown():
    x = Value(np.array([1.0, -1.0, 2.0, -2.0, 1e-3]), label="x")
    y = (x * 2.0).sum()
    y.backward()
    assert cells(viz.draw(y).source, "x")[2] == "data min -2 mean 0.0002 max 2"


def test_chain_rule_never_shows_minus_zero():
    # relu at 0 has derivative 0, and ∂(w·x)/∂x = w = -0.0: the product along the path is -0.0.
    w, x = Value(-0.0, label="w"), Value(3.0, label="x")
    f = (w * x).relu()
    f.label = "f"
    f.backward(retain_graph=True)
    chain = viz.chain_rule(f, x)
    assert chain.total == x.grad == 0.0
    assert "-0" not in chain.equation() and "−0" not in chain.equation()
    title = viz.draw(f, highlight=x).graph_attr["label"]
    assert "-0" not in title, title


def test_a_2x2_matrix_is_shown_in_rows():
    W = Value(np.array([[1.0, 2.0], [3.0, 4.0]]), label="W")
    x = Value(np.array([1.0, -2.0]), label="x")
    y = (W @ x).sum()
    y.backward()
    shown = cells(viz.draw(y).source, "W")
    assert shown[2] == "data [[1 2] [3 4]]" and shown[3] == "grad [[1 -2] [1 -2]]", shown
    np.testing.assert_array_equal(W.grad, [[1.0, -2.0], [1.0, -2.0]])
    assert cells(viz.draw(y).source, "x")[2:] == ["data [1 -2]", "grad [4 6]"]  # a vector stays one row
