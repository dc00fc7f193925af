"""The static pictures read well: programs name their nodes, constants, size and direction, titles, frames."""

import re

import numpy as np
import pytest

from autograd_core import viz
from autograd_core.viz.expr import ExprError, evaluate_program, parse_assignment, parse_constant

SIGMOID = "h1 = x*w; h2 = h1 + b; h3 = -h2; h4 = exp(h3); h5 = h4 + 1; f = 1/h5"


def sigmoid_program():
    variables = dict([parse_assignment("w=-0.8"), parse_constant("x=1.5"), parse_assignment("b=0.3")])
    return evaluate_program(SIGMOID, variables)


def test_program_assignments_name_the_nodes():
    f = sigmoid_program()
    graph = viz.trace(f)
    labels = [n.label for n in graph.nodes if n.op]
    assert labels == ["h1", "h2", "h3", "h4", "h5", "f"]
    assert float(f.data) == pytest.approx(1 / (1 + np.exp(-(1.5 * -0.8 + 0.3))))
    assert graph.node_of("x").role == "constant"  # --const: no gradient
    source = viz.draw(f).source
    assert "<b>h3</b>" in source and '<font color="#64748b">n' not in source  # no node is called n3, n5, ...


@pytest.mark.parametrize("program, message", [
    ("h1 = x*w; x = 2*w", "already defined"),
    ("h1 = w; f = h1*2", "only renames"),
    ("h1 = x*w; h1*2; f = h1", "only the last statement"),
    ("exp = w*2", "cannot be assigned"),
    ("f = __import__('os')", "__import__"),
    ("f = w.__class__", "column"),
])
def test_program_errors_name_the_statement(program, message):
    variables = dict([parse_assignment("w=2"), parse_constant("x=1")])
    with pytest.raises(ExprError, match=message):
        evaluate_program(program, variables)


def test_cli_program_and_const(tmp_path):
    from autograd_core.viz.cli import main

    out = tmp_path / "f.dot"
    assert main(["export", SIGMOID, "--set", "w=-0.8", "--set", "b=0.3", "--const", "x=1.5", "--backward",
                 "--highlight", "w", "-o", str(out)]) == 0
    text = out.read_text()
    assert "<b>h5</b>" in text and "x = 1.5" in text and "∂f/∂w" in text


def test_a_long_chain_is_drawn_top_to_bottom_a_short_graph_left_to_right():
    assert 'rankdir=TB' in viz.draw(sigmoid_program()).source
    w, x = (__import__("autograd_core").Value(v) for v in (2.0, 3.0))
    assert 'rankdir=LR' in viz.draw((w * x).tanh()).source
    assert 'rankdir=LR' in viz.draw(sigmoid_program(), rankdir="LR").source


def test_dpi_and_size_in_python_and_cli(tmp_path):
    from autograd_core.viz.cli import main

    source = viz.draw(sigmoid_program(), dpi=200, size="6,4").source
    assert "dpi=200" in source and 'size="6,4"' in source
    with pytest.raises(ValueError, match="dpi"):
        viz.draw(sigmoid_program(), dpi=0)
    with pytest.raises(ValueError, match="size"):
        viz.draw(sigmoid_program(), size="-1,2")
    out = tmp_path / "f.dot"
    assert main(["export", SIGMOID, "--set", "w=1", "--set", "b=0", "--const", "x=2", "--dpi", "150",
                 "--size", "5", "-o", str(out)]) == 0
    assert "dpi=150" in out.read_text() and "size=5" in out.read_text()


@pytest.mark.needs("dot")
def test_dpi_sets_the_png_resolution():
    import struct

    f = sigmoid_program()
    sizes = []
    for dpi in (72, 144):
        png = viz.render_bytes(viz.draw(f, dpi=dpi), "png")
        sizes.append(struct.unpack(">II", png[16:24]))
    assert sizes[1][0] == pytest.approx(2 * sizes[0][0], rel=0.05)


def test_a_long_chain_rule_title_is_summarised_and_wrapped():
    from autograd_core import nn

    model = nn.MLP(2, [4, 4, 1], rng=0, dtype=np.float64)
    xs = [__import__("autograd_core").Value(v, label=f"x[{i}]") for i, v in enumerate((1.0, -2.0))]
    out = model(xs)
    out.backward(retain_graph=True)
    source = viz.draw(out, highlight="x[0]").source
    title = source.split(' label="', 1)[1].split('" ', 1)[0]
    lines = [line for line in re.split(r"\\[nl]", title) if line]  # several lines end in \l (left-aligned)
    assert lines[0].startswith("∂") and "sum over" in lines[0] and "paths" in lines[0]
    assert max(len(line) for line in lines) <= 130
    chain = viz.chain_rule(out, xs[0])
    assert f"{chain.total:.6g}" in lines[0]
    largest = max(abs(p.product) for p in chain.paths)
    assert largest > 0 and "the largest term" in title
    assert lines[-1].endswith(f"= {largest:.6g}") or lines[-1].endswith(f"= {-largest:.6g}")


def test_backward_frames_show_each_steps_arithmetic():
    f = sigmoid_program()
    f.backward(retain_graph=True)
    frames = viz.backward_steps(f)
    titles = [frame.graph_attr["label"] for frame in frames]
    h3 = viz.trace(f).node_of("h3")
    h4 = viz.trace(f).node_of("h4")
    expected = f"grad h3 = grad h4 · ∂h4/∂h3 = {float(h4.grad):.4g} · {float(h4.data):.4g} = {float(h3.grad):.4g}"
    assert any(expected.replace("-", "−") in t for t in titles), titles
    assert "grad f = 1" in titles[0]
    assert not any("−0 " in t or "-0 " in t for t in titles)


@pytest.mark.needs("dot")
def test_backward_frames_go_layer_by_layer_on_an_mlp(tmp_path):
    from autograd_core import Value, nn
    from autograd_core.viz.cli import main

    model = nn.MLP(2, [3, 3, 1], rng=0, dtype=np.float64)
    out = model([Value(1.0, label="x0"), Value(-2.0, label="x1")])
    out.backward(retain_graph=True)
    frames = viz.backward_steps(out, by="module")
    labels = [re.split(r"\\[nl]", frame.graph_attr["label"])[0] for frame in frames]
    layers = [label.split(": ")[1].split(":")[0] for label in labels if "Layer" in label]
    assert layers[:3] == ["Layer layers.2", "Layer layers.1", "Layer layers.0"]  # output layer first
    assert len(frames) < len(viz.backward_steps(out)) / 5
    seen = [i for frame in frames for i in frame.step["nodes"]]
    assert seen == viz.backward_order(out)
    assert main(["export", "--mlp", "2,3,1", "--steps", str(tmp_path), "--steps-by", "module", "-f", "dot",
                 "-o", str(tmp_path / "g.dot")]) == 0
    assert len(list(tmp_path.glob("step_*.svg"))) < 10


def test_the_demo_shows_visible_factors_and_one_name_for_the_output(tmp_path, capsys):
    import importlib.util
    import os

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "demo.py")
    spec = importlib.util.spec_from_file_location("demo_under_test", path)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    assert demo.main(["--no-train", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line[:1].isalpha() and "(" in line}
    assert "f" in rows and "h6" not in out  # the output is f in the table and the equation
    assert "-0.000000" not in out and "−0.000000" not in out
    factors = out.split("∂f/∂w = ")[1].splitlines()[1]
    assert "(1.5)" in factors and "(2.46)" in factors  # factors other than ±1, 0 and 0.25
    json_text = (tmp_path / "sigmoid.json").read_text()
    assert '"label": "f"' in json_text or '"label":"f"' in json_text
    assert demo.fixed(-1e-12) .strip() == "0.000000"


def _rank_groups(source):
    import re

    return [group.split("; ") for group in re.findall(r"\{rank=same; ([^\n]*)\n", source)]


def test_scalar_mlp_layers_in_order_left_to_right_and_neurons_in_order():
    from autograd_core import Value, nn

    model = nn.MLP(2, [4, 4, 1], rng=0, dtype=np.float64)
    xs = [Value(v, label=f"x[{i}]") for i, v in enumerate((1.0, -2.0))]
    out = model(xs)
    out.backward(retain_graph=True)
    graph = viz.trace(out)
    source = viz.draw(out, highlight="x[0]").source
    groups = _rank_groups(source)
    assert groups, "the scalar MLP's ranks are pinned"
    rank = {name: r for r, group in enumerate(groups) for name in group}
    scopes = {s.id: s for s in graph.scopes}

    def where(node):  # (layer, neuron) of a node made inside a neuron
        s = scopes.get(node.scope)
        if s is None or s.kind != "Neuron":
            return None
        return int(scopes[s.parent].name.split(".")[-1]), int(s.name.split(".")[-1])

    inner = [n for n in graph.nodes if n.op not in ("", "getitem") and where(n) is not None]
    for a in inner:  # layers left to right: every computed node of layer L before every one of layer L + 1
        for b in inner:
            if where(a)[0] < where(b)[0]:
                assert rank[a.id] < rank[b.id]
    for group in groups:  # neurons in order within each rank (top to bottom, or left to right)
        placed = [where(graph.node(name)) for name in group if name in graph._node_index()]
        placed = [p for p in placed if p is not None]
        assert placed == sorted(placed), placed
    x0, x1 = graph.node_of("x[0]").id, graph.node_of("x[1]").id
    assert next(g for g in groups if x0 in g)[:2] == [x0, x1]  # the inputs together, first in their rank


def _layout(picture):
    """Graphviz's own layout of a picture: {name: (x, y)} of nodes and {cluster label: bb} (y grows upwards)."""
    import json

    data = json.loads(picture.pipe(format="json"))
    nodes = {o["name"]: tuple(map(float, o["pos"].split(","))) for o in data.get("objects", []) if "pos" in o}
    boxes = {o.get("label"): tuple(map(float, o["bb"].split(","))) for o in data.get("objects", [])
             if o.get("name", "").startswith("cluster")}
    return nodes, boxes


@pytest.mark.needs("dot")
def test_layers_of_a_tensor_network_are_drawn_one_after_the_other_not_as_a_staircase():
    from autograd_core import Value, nn

    net = nn.Sequential(*[nn.Layer(n, m, activation="sigmoid", dtype=np.float64) for n, m in ((3, 4), (4, 3), (3, 2))])
    loss = (net(Value(np.ones((5, 3)), requires_grad=False)) ** 2).sum()
    loss.backward()
    picture = viz.draw(loss)
    assert "rankdir=TB" in picture.source
    _, boxes = _layout(picture)
    layers = [boxes[f"Layer {k}"] for k in range(3)]
    for upper, lower in zip(layers, layers[1:]):
        assert upper[1] >= lower[3]  # the next layer starts below the previous one (no shared ranks)
    lefts = [b[0] for b in layers]
    assert max(lefts) - min(lefts) < 0.5 * (layers[0][2] - layers[0][0])  # one column, not a staircase


@pytest.mark.needs("dot")
def test_scalar_mlp_picture_reads_left_to_right_and_top_down():
    from autograd_core import Value, nn

    model = nn.MLP(2, [3, 3, 1], rng=0, dtype=np.float64)
    out = model([Value(1.0, label="x[0]"), Value(-2.0, label="x[1]")])
    out.backward(retain_graph=True)
    graph = viz.trace(out)
    picture = viz.draw(out, rankdir="LR")
    pos, _ = _layout(picture)
    scopes = {s.id: s for s in graph.scopes}

    def where(node):
        s = scopes.get(node.scope)
        if s is None or s.kind != "Neuron":
            return None
        return int(scopes[s.parent].name.split(".")[-1]), int(s.name.split(".")[-1])

    relus = {where(n): n.id for n in graph.nodes if n.op == "relu"}
    for (layer, neuron), node_id in relus.items():
        if (layer, neuron + 1) in relus:  # neuron j above neuron j + 1 (Graphviz's y grows upwards)
            assert pos[node_id][1] > pos[relus[(layer, neuron + 1)]][1]
        if (layer + 1, 0) in relus:  # layer L left of layer L + 1
            assert pos[node_id][0] < pos[relus[(layer + 1, 0)]][0]


def test_scalar_mlp_picture_names_each_module_at_the_top_of_its_block():
    """The pinned picture draws no module boxes (Graphviz reorders nodes inside clusters); instead each module
    has a heading, in its first rank just before its first node: 'MLP › Layer layers.0 › Neuron neurons.0'."""
    import re

    from autograd_core import Value, nn

    model = nn.MLP(2, [4, 4, 1], rng=0, dtype=np.float64)
    out = model([Value(1.0, label="x[0]"), Value(-2.0, label="x[1]")])
    out.backward(retain_graph=True)
    graph = viz.trace(out)
    source = viz.draw(out, rankdir="LR").source
    assert "subgraph cluster" not in source
    headings = dict(re.findall(r'\t(s\d+)_heading \[label="([^"]*)"', source))
    parts = [part for label in headings.values() for part in label.split(" › ")]
    expected = sorted(s.kind if s.name == s.kind else f"{s.kind} {s.name}" for s in graph.scopes)
    assert sorted(parts) == expected  # every module named once
    scope_parent = {s.id: s.parent for s in graph.scopes}
    nodes = graph._node_index()

    def inside(node_name, scope):
        s = nodes[node_name.split("_")[0]].scope
        while s is not None and s != scope:
            s = scope_parent[s]
        return s == scope

    for group in _rank_groups(source):
        for k, name in enumerate(group):
            if name.endswith("_heading"):
                assert inside(group[k + 1], name[: -len("_heading")]), (name, group)  # its block follows it
    first = next(g for g in _rank_groups(source) if any(n.endswith("_heading") for n in g))
    assert headings[first[2][: -len("_heading")]] == "MLP › Layer layers.0 › Neuron neurons.0"  # after x[0], x[1]


@pytest.mark.needs("dot")
def test_module_headings_sit_above_their_neurons_in_the_drawn_picture():
    from autograd_core import Value, nn

    model = nn.MLP(2, [3, 3, 1], rng=0, dtype=np.float64)
    out = model([Value(1.0, label="x[0]"), Value(-2.0, label="x[1]")])
    out.backward(retain_graph=True)
    graph = viz.trace(out)
    pos, _ = _layout(viz.draw(out, rankdir="LR"))
    scopes = {s.id: s for s in graph.scopes}
    neurons = [s for s in graph.scopes if s.kind == "Neuron"]
    for s in neurons:
        t = s  # nested modules that start together share the outermost one's heading
        while f"{t.id}_heading" not in pos:
            t = scopes[t.parent]
        heading = pos[f"{t.id}_heading"]
        weights = [n for n in graph.nodes if n.scope == s.id and (n.label or "").startswith("w[")]
        assert weights
        assert all(heading[1] > pos[w.id][1] for w in weights), s  # above its weights
        assert all(abs(heading[0] - pos[w.id][0]) < 1 for w in weights), s  # in their column


def test_step_arithmetic_puts_negative_factors_in_parentheses():
    from autograd_core import Value

    a, b = Value(0.5, label="a"), Value(-2.0, label="b")
    h = a * b
    h.label = "h"
    f = h * Value(-3.0, label="c") + h * b
    f.label = "f"
    f.backward(retain_graph=True)
    text = viz.steps.step_arithmetic(viz.trace(f), viz.trace(f).node_of("h").id)
    numbers = text.split(" = ")[2]
    assert "· −" not in numbers and "+ −" not in numbers, text
    assert "· (−3)" in numbers and "· (−2)" in numbers, text


def _lecture_network():
    """Notebook 03's network: three 2-2 sigmoid layers on inputs that need no gradient."""
    from autograd_core import Value, nn

    net = nn.Sequential(*[nn.Layer(2, 2, activation="sigmoid", rng=k, dtype=np.float64) for k in range(3)])
    x1, x2 = Value(1.0, label="x1", requires_grad=False), Value(-1.0, label="x2", requires_grad=False)
    y1, _ = net([x1, x2])
    y1.label = "y1"
    return y1


def test_inputs_without_gradient_stay_first_no_staircase():
    """Inputs that need no gradient are still where the data starts: the products of every neuron of a layer
    share a rank (they were pulled down one neuron after the other, a staircase, when such inputs counted
    as parameters)."""
    y1 = _lecture_network()
    graph = viz.trace(y1)
    groups = _rank_groups(viz.draw(y1, show=("data",), rankdir="TB").source)
    rank = {name: r for r, group in enumerate(groups) for name in group}
    scopes = {s.id: s for s in graph.scopes}
    for layer in (s for s in graph.scopes if s.kind == "Layer"):
        products = [n for n in graph.nodes
                    if n.op == "*" and scopes.get(n.scope) and scopes[n.scope].parent == layer.id]
        assert len({rank[f"{n.id}_op"] for n in products}) <= 2, layer.name  # two inputs: two ranks at most
        firsts = [min(rank[f"{n.id}_op"] for n in products if n.scope == s.id)
                  for s in graph.scopes if s.parent == layer.id]
        assert len(set(firsts)) == 1, layer.name  # every neuron starts in the same rank


@pytest.mark.needs("dot")
def test_module_headings_come_before_their_block_top_to_bottom():
    y1 = _lecture_network()
    graph = viz.trace(y1)
    picture = viz.draw(y1, show=("data",), rankdir="TB")
    pos, _ = _layout(picture)
    scopes = {s.id: s for s in graph.scopes}
    for s in (s for s in graph.scopes if s.kind == "Neuron"):
        t = s  # nested modules that start together share the outermost one's heading
        while f"{t.id}_heading" not in pos:
            t = scopes[t.parent]
        weights = [n for n in graph.nodes if n.scope == s.id and (n.label or "").startswith("w[")]
        heading = pos[f"{t.id}_heading"]
        same_rank = [w for w in weights if abs(pos[w.id][1] - heading[1]) < 1]
        assert same_rank and all(heading[0] < pos[w.id][0] for w in same_rank), s.name  # left of its weights


@pytest.mark.needs("dot")
def test_numbers_into_a_folded_module_keep_their_order():
    """Notebook 03's folded network on the input [0.1, -0.2, 0.3, 0.4]: the four numbers are drawn in that order into
    the first layer's box (Graphviz drew them backwards, 0.4 0.3 -0.2 0.1, reading as another input)."""
    import subprocess

    import autograd_core as ag
    from autograd_core import nn

    small = nn.MLP(4, [8, 8, 3], activation="tanh", rng=0, dtype=np.float64)
    cost = (ag.stack(small([0.1, -0.2, 0.3, 0.4])) ** 2).sum()
    for rankdir, axis in (("TB", 0), ("LR", 1), ("BT", 0), ("RL", 1)):
        source = viz.draw(cost, max_nodes=14, show=("data", "shape"), rankdir=rankdir).source
        pills = dict(re.findall(r'\t(n\d+_c\d+_\d+) \[label="([^"]*)" shape=box ', source))
        assert sorted(pills.values()) == ["-0.2", "0.1", "0.3", "0.4"]
        plain = subprocess.run(["dot", "-Tplain"], input=source, capture_output=True, text=True, check=True).stdout
        where = {f[1]: (float(f[2]), -float(f[3])) for f in (line.split() for line in plain.splitlines())
                 if f[0] == "node" and f[1] in pills}
        drawn = [pills[name] for name in sorted(pills, key=lambda name: where[name][axis])]
        assert drawn == ["0.1", "-0.2", "0.3", "0.4"], rankdir
