"""Pictures a learner can read back: which operand is which, collapsed MLPs that fit a page, left-aligned titles.

Asserted on the DOT text (labels, node and edge statements), not on pixels.
"""

import re

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, viz
from autograd_core.viz.jupyter import GraphPicture


def op_labels(source):
    """The labels of the operation nodes (`n3_op [label="a / 2" ...]`), in the order they are written."""
    return re.findall(r'\tn\d+_op \[label="([^"]*)"', source)


def constant_boxes(source):
    return [line for line in source.splitlines() if "fontsize=8" in line]


def edges_into_ops(source):
    return re.findall(r"\t(\S+) -> (n\d+_op)", source)


# ----------------------------------------------------------------------------------------------------
# 1. Which operand is which


@pytest.mark.parametrize("build, expected", [
    (lambda a: a / 2, "a / 2"), (lambda a: 2 / a, "2 / a"),
    (lambda a: a - 3, "a - 3"), (lambda a: 3 - a, "3 - a"),
    (lambda a: a ** 2, "a ** 2"), (lambda a: 2 ** a, "2 ** a"),
    (lambda a: a ** -1, "a ** (-1)"), (lambda a: 0.5 - a, "0.5 - a"),
])
def test_a_constant_operand_is_written_in_place(build, expected):
    a = Value(3.0, label="a")
    f = build(a)
    f.backward()
    src = viz.draw(f).source
    assert op_labels(src) == [expected]
    assert constant_boxes(src) == []  # the number is in the label: no box of its own
    assert [src_ for src_, _ in edges_into_ops(src)] == ["n0" if expected.startswith("a") else "n1"]


@pytest.mark.parametrize("build, expected", [
    (lambda t: t / 2, "t / 2"), (lambda t: 2 / t, "2 / t"), (lambda t: t - 3, "t - 3"),
    (lambda t: 3 - t, "3 - t"), (lambda t: t ** 2, "t ** 2"), (lambda t: 2 ** t, "2 ** t"),
])
def test_a_constant_operand_of_a_tensor_is_written_in_place(build, expected):
    t = ag.tensor([1.0, 2.0], requires_grad=True)
    t.label = "t"
    f = build(t).sum()
    f.backward()
    src = viz.draw(f).source
    assert op_labels(src) == [expected, "sum"]
    assert constant_boxes(src) == []


def test_two_value_operands_are_named_in_place_and_edges_keep_their_derivatives():
    a, b = Value(3.0, label="a"), Value(5.0, label="b")
    d = a - b
    q = d / (b - a)
    q.label = "q"
    q.backward(retain_graph=True)
    src = viz.draw(q).source
    assert op_labels(src) == ["a - b", "b - a", "n2 / n3"]
    # the local derivatives are still on the edges: ∂(a - b)/∂a = 1, ∂(a - b)/∂b = -1
    assert re.search(r'\tn0 -> n2_op \[label="1"\]', src) and re.search(r'\tn1 -> n2_op \[label="-1"\]', src)
    # and the chain rule reads the same: ∂q/∂a through both differences
    chain = viz.chain_rule(q, a)
    assert chain.n_paths == 2 and chain.total == pytest.approx(float(a.grad))
    assert f"{chain.total:.6g}" in viz.draw(q, highlight=a).graph_attr["label"]


def test_commutative_and_unary_operations_keep_their_symbol():
    a = Value(3.0, label="a")
    f = (a * 2 + 1).tanh()
    f.backward()
    src = viz.draw(f).source
    assert op_labels(src) == ["*", "+", "tanh"]
    assert len(constant_boxes(src)) == 2  # 2 and 1 stay small boxes


def test_matmul_and_named_binary_operations_name_their_arguments():
    W = Value(np.ones((2, 2)), label="W")
    x = Value(np.array([1.0, 2.0]), label="x")
    y = Value(np.array([0.5, 0.5]), label="y")
    f = (ag.atan2(W @ x, y)).sum()
    f.backward()
    assert op_labels(viz.draw(f).source) == ["W @ x", "atan2(n2, y)", "sum"]
    tensor_constant = (x - np.array([1.0, 1.0])).sum()
    assert op_labels(viz.draw(tensor_constant).source)[0] == "x - const"


def test_backward_steps_and_tb_pictures_write_operands_in_place_too():
    a = Value(3.0, label="a")
    f = 1 / (a - 2)
    f.label = "f"
    f.backward(retain_graph=True)
    for picture in [viz.draw(f, rankdir="TB"), *viz.backward_steps(f)]:
        assert op_labels(picture.source) == ["a - 2", "1 / n3"]
    # and a frame's heading names the operation with the same words as its picture
    headings = [p.graph_attr["label"].split("\\l")[0] for p in viz.backward_steps(f)]
    assert headings[:2] == ["backward step 1/3: gradient of f (1 / n3) is complete",
                            "backward step 2/3: gradient of n3 (a - 2) is complete"]


# ----------------------------------------------------------------------------------------------------
# 2. A collapsed scalar MLP fits a page


def demo_loss():
    """docs/coming-from-micrograd.md's training step: MLP(3, [4, 4, 1]) on four samples, squared error."""
    from autograd_core.nn import MLP

    model = MLP(3, [4, 4, 1], rng=0)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    loss = sum((model(x) - y) ** 2 for y, x in zip(ys, xs))
    loss.label = "loss"
    loss.backward()
    return model, loss


def test_weights_shared_by_folded_calls_fold_into_one_box_per_layer():
    model, loss = demo_loss()
    picture = viz.draw(loss, max_nodes=30)
    shown = picture.graph
    assert [n for n in shown.nodes if n.role == "parameter"] == []  # before: a strip of 41 weights
    groups = {n.label: n for n in shown.nodes if n.parameters}
    assert sorted(groups) == ["Layer layers.0: parameters", "Layer layers.1: parameters", "Layer layers.2: parameters"]
    assert [groups[f"Layer layers.{k}: parameters"].hidden for k in range(3)] == [16, 20, 5]
    calls = [n.id for n in shown.nodes if n.label == "MLP"]
    assert len(calls) == 4
    for group in groups.values():  # each layer's parameters feed each of the four calls
        assert sorted(e.dst for e in shown.edges if e.src == group.id) == sorted(calls)
    # what the unfolded picture shows is still there: the range in the box, each weight in the tooltip
    weights = np.concatenate([model.layers[0].weight.data.ravel(), model.layers[0].bias.data.ravel()])
    first = next(line for line in picture.source.splitlines() if 'label="Layer layers.0: parameters' in line)
    assert f"data {weights.min():.3g} to {weights.max():.3g}" in first
    w = model.layers[0].neurons[2].w[1]
    assert f"{w.label} = {float(w.data):.4g} grad {float(w.grad):.4g}" in first.split("tooltip=")[1]
    assert len(shown.nodes) <= 30


def test_the_demo_folded_at_neurons_groups_weights_per_neuron():
    _, loss = demo_loss()
    shown = viz.draw(loss, max_nodes=100).graph
    assert [n for n in shown.nodes if n.role == "parameter"] == []
    groups = sorted(n.label for n in shown.nodes if n.parameters)
    assert len(groups) == 9 and groups[0] == "Neuron neurons.0: parameters"  # 4 + 4 + 1 neurons


def test_a_layer_of_many_folded_neurons_is_one_box():
    from autograd_core.nn import MLP

    model = MLP(2, [16, 16, 1], rng=0)
    y = model([0.5, -1.0])
    y.backward()
    picture = viz.draw(y, max_nodes=100)
    boxes = {n.label: n for n in picture.graph.nodes if n.role == "collapsed"}
    assert {label: n.hidden for label, n in boxes.items()} == {"Layer layers.0": 128, "Layer layers.1": 800}
    assert len(boxes["Layer layers.1"].parameters) == 272  # 16 x 16 weights and 16 biases, summarised in the box
    # the one neuron left open is a chain of 16 additions: drawn top to bottom, it fits a notebook's width
    assert "rankdir=TB" in picture.source
    # a small budget: the network's three layers, as before
    assert sorted(n.label for n in viz.draw(y, max_nodes=14).graph.nodes if n.role == "collapsed") == [
        "Layer layers.0", "Layer layers.1", "Layer layers.2"]


def test_a_few_folded_siblings_stay_boxes_of_their_own():
    from autograd_core.nn import MLP

    model = MLP(2, [4, 4, 1], rng=0)
    y = model([0.5, -1.0])
    labels = [n.label for n in viz.draw(y, max_nodes=20).graph.nodes if n.role == "collapsed"]
    assert labels.count("Neuron neurons.0") >= 2 and len(labels) >= 8  # 4 neurons: each its own box


def test_a_collapsed_graph_with_parameter_groups_round_trips_through_json():
    _, loss = demo_loss()
    shown = viz.collapse(viz.trace(loss), 30)
    back = viz.from_json(viz.to_json(shown))
    assert [(n.id, n.role, n.label, n.hidden) for n in back.nodes] == [
        (n.id, n.role, n.label, n.hidden) for n in shown.nodes]
    assert {(e.src, e.dst) for e in back.edges} == {(e.src, e.dst) for e in shown.edges}


# ----------------------------------------------------------------------------------------------------
# 3. Titles of several lines are left-aligned


def test_a_title_of_several_lines_is_left_aligned():
    w, x = Value(2.0, label="w"), Value(-1.0, label="x")
    f = (w * x).tanh() + w * x
    f.label = "f"
    f.backward(retain_graph=True)
    title = viz.draw(f, highlight=w, title="my title\nits second line").graph_attr["label"]
    lines = title.split("\\l")
    assert lines[-1] == "" and "\\n" not in title  # every line ends in \l: none is centred
    assert lines[:2] == ["my title", "its second line"] and lines[2].startswith("∂f/∂w = ")
    for frame in viz.backward_steps(f):
        assert frame.graph_attr["label"].endswith("\\l") and "\\n" not in frame.graph_attr["label"]
    assert repr(viz.backward_steps(f)[0]).endswith(", backward step 1/6: gradient of f (+) is complete>")


def test_a_one_line_title_stays_as_it_was():
    f = Value(2.0, label="w") * 3
    assert viz.draw(f, title="just one line").graph_attr["label"] == "just one line"
    assert "label" not in viz.draw(f).graph_attr
    assert isinstance(viz.draw(f), GraphPicture)


def test_the_graph_json_writes_each_operation_as_the_picture_does():
    a, b = Value(3.0, label="a"), Value(5.0, label="b")
    f = (2 / a - b) * (a ** 2)
    f.backward()
    doc = viz.graph_to_dict(viz.trace(f))
    written = {n["id"]: n["written"] for n in doc["nodes"] if "written" in n}
    src = viz.draw(f).source
    assert written == {k: v for k, v in re.findall(r'\t(n\d+)_op \[label="([^"]*)"', src) if v not in ("*",)}
    assert sorted(written.values()) == ["2 / a", "a ** 2", "n2 - b"]
    assert all("written" not in n for n in doc["nodes"] if n["op"] in ("", "*"))  # the symbol says it all
    assert viz.from_json(viz.to_json(viz.trace(f))) == viz.trace(f)  # a reader may ignore the key


def edge_rules(source):
    return re.findall(r'label="(∂/∂[^"]*)"', source)


def test_a_rule_writes_a_negative_number_as_the_operation_does():
    t = ag.tensor([1.0, 2.0], requires_grad=True)
    t.label = "t"
    for build, rule in [(lambda: t / -2, "∂/∂t = g/(-2)"), (lambda: t ** -2, "∂/∂t = g⊙(-2)⊙t^((-2)−1)")]:
        f = build().sum()
        f.backward()
        assert edge_rules(viz.draw(f).source)[0] == rule


def test_atan2s_rules_name_its_arguments():
    # atan2(y, x): the rules say y for the first argument and x for the second, as in ∂atan2/∂y = x/(x²+y²)
    t = Value(np.array([1.0, 2.0]), label="t")
    u = Value(np.array([3.0, 4.0]), label="u")
    f = ag.atan2(t, u).sum()
    f.backward()
    assert edge_rules(viz.draw(f).source)[:2] == ["∂/∂t = g⊙u/(u²+t²)", "∂/∂u = −g⊙t/(u²+t²)"]
    np.testing.assert_allclose(t.grad, u.data / (u.data ** 2 + t.data ** 2))  # what the first rule says
