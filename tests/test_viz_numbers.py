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


def test_a_large_arrays_real_mean_is_shown_and_its_noise_is_not():
    # A mean bounded by the size times the rounding error hid real means of large arrays: this one is -1e-3 of a
    # spread of ±2 over 16,384 numbers (a conv layer's output in a GoogLeNet picture showed its -0.00115 as 0).
    rng = np.random.default_rng(1)
    data = rng.uniform(-2.0, 2.0, 16384).astype(np.float32)
    data += np.float32(-1e-3) - data.mean(dtype=np.float64).astype(np.float32)
    x = Value(data, label="x")
    y = (x * 2.0).sum()
    y.backward()
    shown = cells(viz.draw(y).source, "x")[2]
    assert re.fullmatch(r"data min -[\d.]+ mean -0\.001\d* max [\d.]+", shown), shown
    # a large array whose mean is 0 in exact arithmetic still shows 0: softmax's gradient over 100 classes
    s = Value(rng.standard_normal((256, 100)).astype(np.float32), label="s")
    out = (F.softmax(s, dim=1) * ag.tensor(rng.standard_normal((256, 100)).astype(np.float32))).sum()
    out.backward()
    assert float(np.mean(s.grad, dtype=np.float64)) != 0.0
    assert " mean 0 " in cells(viz.draw(out).source, "s")[-1]


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


def recurrent_chain(steps, w=0.5):
    """One weight w used at every step of a loop: its edges cross the whole picture."""
    w, s = Value(w, label="w"), Value(0.1, label="s0")
    for i in range(steps):
        s = (s * w + Value(i / 100)).tanh()
    s.label = "out"
    s.backward(retain_graph=True)
    return s, w


def edge_labels(source, attr):
    return re.findall(rf'^\t(\w+) -> (\w+) \[{attr}="\s*([^"]*)"', source, re.M)


def test_long_edges_get_labels_placed_after_the_layout():
    # dot doubles every rank when edges have labels; a weight reused at every step crosses them all: a 30-step
    # loop (122 nodes) kept dot busy for minutes. Its labels become xlabels (placed after the layout).
    out, w = recurrent_chain(30)
    source = viz.draw(out).source
    assert edge_labels(source, "label") == []
    w_id = viz.trace(out).node_of(w).id
    from_w = [float(d) for src, _, d in edge_labels(source, "xlabel") if src == w_id]
    # ∂(s·w)/∂w = s at each step: the numbers are the states the loop went through
    states = [0.1]
    for i in range(29):
        states.append(np.tanh(states[-1] * 0.5 + i / 100))
    np.testing.assert_allclose(from_w, states, rtol=1e-3, atol=1e-4)
    # a small graph keeps labels in the layout, where dot places them best
    small, _ = recurrent_chain(3)
    assert edge_labels(viz.draw(small).source, "xlabel") == [] and edge_labels(viz.draw(small).source, "label")


def rules(source):
    """(input, rule) of each edge label, in the DOT's order."""
    return re.findall(r'label=" ?∂/∂(\w+) = ([^"]*)"', source)


def test_a_rule_names_the_other_arguments_as_the_picture_does():
    # mul's rules are written 'g⊙y' and 'g⊙x' and matmul's 'g·Bᵀ' and 'Aᵀ·g': which input is y, or B?
    X, W = Value(np.ones((4, 3)), label="X"), Value(np.ones((3, 2)), label="W")
    h = X @ W
    c = Value(np.ones((4, 1)), label="c")
    out = ((h * c) / 2.0 + (h ** 2)).sum()
    shown = rules(viz.draw(out).source)
    assert ("X", "g·Wᵀ") in shown and ("W", "Xᵀ·g") in shown
    assert ("n2", "g⊙c") in shown and ("c", "g⊙n2, summed over axis 1") in shown  # n2: h, drawn with its id
    assert ("n4", "g/2") in shown  # a number is written as itself
    # '**': g⊙y⊙x^(y−1), with x = h and y = 2 ('out' and the like stay words)
    assert ("n2", "g⊙2⊙n2^(2−1)") in shown
    # an unlabelled tensor constant has no name in the picture: its letter stays
    x = Value(np.ones((2, 3)), requires_grad=False)
    assert ("W", "Aᵀ·g") in rules(viz.draw((x @ W).sum()).source)


def test_the_explorer_shows_the_same_mean():
    from test_viz_explore import page_data

    rng = np.random.default_rng(0)
    for rows in (6, 1000):  # summarised with others of its shape, and on its own (more than 4096 numbers)
        z = Value(rng.standard_normal((rows, 5)), label="z")
        loss = F.cross_entropy(z * 1.0, ag.tensor(np.arange(rows) % 5))
        loss.backward()
        assert np.mean(z.grad) != 0.0
        data = page_data(viz.explore(loss).html)
        grad = data["grad"][data["label"].index("z")]
        assert grad["s"] == [float(z.grad.min()), 0.0, float(z.grad.max())], grad["s"]


def test_backward_steps_name_the_arguments_too():
    X, W = Value(np.ones((4, 3)), label="X"), Value(np.ones((3, 2)), label="W")
    c = Value(np.ones((4, 1)), label="c")
    out = ((X @ W) * c).sum()
    out.backward(retain_graph=True)
    titles = [frame.graph_attr["label"] for frame in viz.backward_steps(out)]
    assert any("grad W = grad n2 · ∂n2/∂W (rules: Xᵀ·g)" in t for t in titles), titles
    assert any("(rules: g⊙n2, summed over axis 1)" in t for t in titles), titles


def test_the_explorer_names_the_arguments_too():
    from test_viz_explore import page_data

    X, W = Value(np.ones((4, 3)), label="X"), Value(np.ones((3, 2)), label="W")
    data = page_data(viz.explore((X @ W).sum()).html)
    rules = {data["label"][s]: data["formulas"][k] for s, k in zip(data["src"], data["formula"]) if k >= 0}
    assert rules["X"] == "g·Wᵀ" and rules["W"] == "Xᵀ·g"


def test_the_caption_of_a_collapsed_picture_counts_shown_and_hidden_nodes_apart():
    """'showing S of T nodes: H hidden' adds up (S + H = T, every Value of the graph): the grey boxes stand for
    hidden nodes and are not counted among the shown ones (notebook 03 read 'showing 11 of 403 nodes: 395 hidden')."""
    from autograd_core import nn

    small = nn.MLP(4, [8, 8, 3], activation="tanh", rng=0, dtype=np.float64)
    cost = (ag.stack(small([0.1, -0.2, 0.3, 0.4])) ** 2).sum()
    source = viz.draw(cost, max_nodes=14).source
    shown, total, hidden = map(int, re.search(r"showing (\d+) of (\d+) nodes: (\d+) hidden", source).groups())
    assert shown + hidden == total and hidden > 0
    seen, stack = {id(cost)}, [cost]
    while stack:
        for parent in stack.pop().parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    assert total == len(seen)


def test_a_constant_made_inside_a_module_is_drawn_and_folded_with_it():
    # eval-mode BatchNorm subtracts its running mean and scales by its running statistics: constants made during
    # the module's call. They belong in its box (a collapsed picture of a CNN was a column of 'const (1, 64, 1, 1)'
    # nodes around one box); the network's input, made before the call, stays outside.
    from autograd_core import nn

    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 2, 3), nn.BatchNorm2d(2))
    model.eval()
    x = ag.randn(1, 1, 8, 8)
    out = model(x).sum()
    graph = viz.trace(out)
    constants = [n for n in graph.nodes if n.role == "constant"]
    scope_kind = {s.id: s.kind for s in graph.scopes}
    inside = sorted(scope_kind[n.scope] for n in constants if n.scope is not None)
    assert inside == ["BatchNorm2d"] * 4, inside  # two running statistics per BatchNorm
    (data_input,) = [n for n in constants if n.scope is None]
    assert data_input.shape == (1, 1, 8, 8)
    shown = viz.collapse(graph, 6)
    assert [n.role for n in shown.nodes].count("constant") == 1, [n.label or n.role for n in shown.nodes]


def test_masks_and_constants_computed_inside_a_module_are_in_its_scope():
    # a dropout mask (made without a gradient) and the input transposed inside a module (a result of an op on
    # constants) are made during the module's call; the input itself, made before it, is in no scope
    from autograd_core import nn

    class Transposing(nn.Module):
        def forward(self, x):
            return x.transpose(0, 1) * 2.0

    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5))
    model.train()
    x = ag.randn(2, 3)
    with_mask = model(x).sum()
    t = Transposing()(x)
    out = with_mask + (t * ag.randn(3, 2, requires_grad=True)).sum()
    graph = viz.trace(out)
    kind = {s.id: s.kind for s in graph.scopes}
    where = sorted((n.shape, kind.get(n.scope)) for n in graph.nodes if n.role == "constant" and n.shape)
    assert where == [((2, 3), None), ((2, 4), "Dropout"), ((3, 2), "Transposing")], where
