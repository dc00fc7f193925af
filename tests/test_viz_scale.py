"""Pictures of micrograd-sized graphs stay quick for Graphviz: module headings, boxes and edge labels within a
budget (viz.dot's PINNED_MAX_SKIPPED, BOXES_MAX_CROSSINGS, MAX_RANKS_CROSSED, CAPPED_LAYOUT_SKIPPED), and a title
that says what was left out. Structural checks on the DOT text: no timing here (the timings are in viz/dot.py's
comments)."""

import re

import numpy as np
import pytest

from autograd_core import Value, nn, viz

LEFT_OUT = "module boxes left out"


def _micrograd_loss(nin, sizes):
    """micrograd's demo: an MLP of scalar Values on one input, then (out - 1)²."""
    model = nn.MLP(nin, sizes, rng=0)
    out = model([Value(0.5 * (i + 1)) for i in range(nin)])
    loss = (out - 1.0) ** 2
    loss.backward()
    return loss


def _edge_attrs(source):
    """The attribute text of each drawn edge (invisible ordering edges left out)."""
    return [attrs for attrs in re.findall(r"^\t\w+ -> \w+(?: \[([^\n]*)\])?$", source, re.M)
            if "invis" not in attrs]


def test_micrograd_demo_graph_keeps_its_headings_with_numbers_placed_after_the_layout():
    # 983 nodes: pinned in order with module headings, as on small MLPs, but each local derivative is an xlabel
    # (a label is a node of dot's layout, doubling every rank: 22-33 s of `dot` instead of 2-5 s)
    loss = _micrograd_loss(2, [16, 16, 1])
    assert len(viz.trace(loss).nodes) == 983
    for picture in (viz.draw_dot(loss), viz.draw(loss)):
        source = picture.source
        assert "subgraph cluster" not in source and source.count("{rank=same;") > 50
        assert "MLP › Layer layers.0 › Neuron neurons.0" in source
        attrs = _edge_attrs(source)
        assert sum("xlabel=" in a for a in attrs) > 1000
        assert not any(re.search(r"(^| )label=", a) for a in attrs)
        assert LEFT_OUT not in source


def test_a_graph_too_long_to_pin_and_too_crossed_for_boxes_says_its_boxes_were_left_out():
    loss = _micrograd_loss(2, [24, 24, 1])  # 2,047 nodes: pinned or boxed, dot takes over a minute
    source = viz.draw(loss).source
    assert "subgraph cluster" not in source and "{rank=same;" not in source and "_heading" not in source
    title = re.search(r'^\tgraph \[.*\blabel="([^"]*)"', source, re.M).group(1)
    assert LEFT_OUT in title and "clusters=True" in title and "max_nodes=" in title
    assert LEFT_OUT in viz.draw_dot(loss).source


def test_explicit_clusters_true_keeps_the_headings_whatever_the_size():
    source = viz.draw(_micrograd_loss(2, [24, 24, 1]), clusters=True).source
    assert "{rank=same;" in source and "MLP › Layer layers.0 › Neuron neurons.0" in source
    assert LEFT_OUT not in source
    assert not any(re.search(r"(^| )label=", a) for a in _edge_attrs(source))  # xlabels: the layout's size halves


def test_a_graph_too_long_to_pin_but_little_crossed_gets_boxes():
    # 64 inputs into 4 neurons: each neuron's chain of 64 additions is too long to pin (16,144 ranks skipped),
    # but only the inputs cross the boxes' borders: one box per module call instead of the headings
    loss = _micrograd_loss(64, [4, 1])
    graph = viz.trace(loss)
    source = viz.draw(loss).source
    assert source.count("subgraph cluster") == len(graph.scopes) == 8
    assert "{rank=same;" not in source and LEFT_OUT not in source


def test_a_deep_transformer_keeps_all_its_boxes():
    x = Value(np.random.default_rng(0).normal(size=(4, 2, 16)).astype(np.float32), requires_grad=False)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0), 24)
    loss = (encoder(x) ** 2).sum()
    loss.backward()
    graph = viz.trace(loss)
    assert len(graph.nodes) > 1000  # bigger than the scalar MLP above: boxes on tensor graphs are cheap for dot
    source = viz.draw(loss).source
    assert source.count("subgraph cluster") == len(graph.scopes) > 100
    assert LEFT_OUT not in source


def test_small_module_pictures_keep_headings_or_boxes():
    # the lecture-sized MLP keeps its pinned picture with labels on the edges, a tensor network its boxes
    source = viz.draw(_micrograd_loss(3, [4, 4, 1])).source
    assert "{rank=same;" in source and "xlabel=" not in source and LEFT_OUT not in source
    net = nn.Sequential(*[nn.Layer(n, m, activation="sigmoid", dtype=np.float64) for n, m in ((3, 4), (4, 3))])
    loss = (net(Value(np.ones((5, 3)), requires_grad=False)) ** 2).sum()
    loss.backward()
    assert viz.draw(loss).source.count("subgraph cluster") == len(viz.trace(loss).scopes) == 3


def test_clusters_takes_true_false_or_auto():
    loss = _micrograd_loss(2, [2, 1])
    with pytest.raises(ValueError, match="clusters must be True, False or 'auto'"):
        viz.draw(loss, clusters="yes")
    assert "{rank=same;" not in viz.draw(loss, clusters=False).source
    assert viz.draw(loss, clusters=True).source == viz.draw(loss).source


def test_auto_direction_of_a_pinned_picture_follows_its_own_ranks():
    # pinned, a wide layer's products share one rank: top to bottom, micrograd's demo was a 13:1 strip
    # (58,310 x 4,450 pt); left to right it is 11,281 x 19,955. The lecture-sized MLP stays top to bottom.
    def direction(loss):
        return re.search(r"rankdir=(\w+)", viz.draw(loss).source).group(1)

    assert direction(_micrograd_loss(2, [16, 16, 1])) == "LR"
    assert direction(_micrograd_loss(2, [8, 8, 1])) == "LR"
    assert direction(_micrograd_loss(3, [4, 4, 1])) == "TB"
    assert re.search(r"rankdir=(\w+)", viz.draw_dot(_micrograd_loss(3, [4, 4, 1])).source).group(1) == "LR"


def _demo_loss_with_l2(samples=1):
    """micrograd's demo loss as its notebook writes it, on `samples` inputs: the mean hinge loss of an MLP 2-16-16-1
    of plain Values (no modules) plus 1e-4 · sum(p * p for p in parameters), a chain of 337 additions."""
    rng = np.random.default_rng(0)
    layers, sizes = [], [2, 16, 16, 1]
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers.append([([Value(w) for w in rng.uniform(-1, 1, n_in)], Value(0.0)) for _ in range(n_out)])
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    losses = []
    for x, label in zip(rng.uniform(-1, 1, (samples, 2)), [1.0, -1.0] * samples):
        act = [Value(v, requires_grad=False) for v in x]
        for k, layer in enumerate(layers):
            act = [sum((wi * xi for wi, xi in zip(w, act)), b) for w, b in layer]
            act = [a.relu() for a in act] if k < len(layers) - 1 else act
        losses.append((1 + -label * act[0]).relu())
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
    loss.backward()
    return loss


def _graph_attrs(source):
    return re.search(r"^\tgraph \[(.*)\]$", source, re.M).group(1)


def test_a_graph_whose_edges_skip_many_ranks_caps_graphvizs_searches():
    # the L2 term takes each parameter hundreds of ranks down: ~120,000 ranks skipped, dot did not finish in 25 min
    loss = _demo_loss_with_l2()
    attrs = _graph_attrs(viz.draw(loss).source)
    nslimit = float(re.search(r"\bnslimit=([\d.e-]+)", attrs).group(1))
    nodes = len(re.findall(r"^\t\w+ \[", viz.draw(loss).source, re.M))
    assert 10 <= nslimit * nodes <= 200  # iterations of the x placement: tens, where it ran thousands
    assert "mclimit=0.2" in attrs


@pytest.mark.parametrize("sizes", [[2, 16, 16, 1], [2, 24, 24, 1], [2, 64, 1]], ids=str)
def test_pictures_of_modules_leave_graphvizs_searches_alone(sizes):
    for picture in (viz.draw(_micrograd_loss(2, sizes)), viz.draw(_micrograd_loss(2, sizes), clusters=False)):
        attrs = _graph_attrs(picture.source)
        assert "nslimit" not in attrs and "mclimit" not in attrs
