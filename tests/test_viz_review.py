"""Edge cases found reading viz/dot.py and viz/collapse.py: bad options, odd data, text that must stay text."""

import re
import subprocess
import tracemalloc

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, viz


def small():
    f = (Value(1.0, label="a") * 2 + 1).tanh()
    f.backward()
    return f


@pytest.mark.parametrize("bad, error", [
    ("5", TypeError), (2.5, TypeError), (True, TypeError), (1, ValueError), (0, ValueError), (-3, ValueError),
])
def test_a_bad_node_budget_is_refused_whatever_the_graph_size(bad, error):
    for root in (small(), Value(1.0, label="x")):  # a graph of one leaf is below every budget, and still refused
        with pytest.raises(error, match="max_nodes"):
            viz.collapse(viz.trace(root), bad)
        with pytest.raises(error, match="max_nodes"):
            viz.draw(root, max_nodes=bad)
    assert len(viz.collapse(viz.trace(small()), np.int64(3)).nodes) <= 4  # a NumPy integer is an integer


@pytest.mark.parametrize("option", [{"dpi": "abc"}, {"size": (3, True)}, {"size": "abc"}, {"size": "3,x"},
                                    {"size": (3, None)}, {"dpi": float("nan")}, {"size": "1,2,3"}])
def test_bad_dpi_or_size_is_named(option):
    (name,) = option
    with pytest.raises(ValueError, match=f"^{name} must be"):
        viz.draw(small(), **option)


def test_good_dpi_and_size():
    picture = viz.draw(small(), dpi="150", size=(4, "3"))
    assert picture.graph_attr["dpi"] == "150" and picture.graph_attr["size"] == "4,3"


def folded_model(weights):
    """Two Linear layers with these weights and biases, on one input; max_nodes=3 folds them into one box."""
    model = ag.nn.Sequential(ag.nn.Linear(2, 2), ag.nn.Linear(2, 1))
    for p, w in zip(model.parameters(), weights):
        p.data = np.asarray(w, dtype=np.float32)
    out = model(Value(np.ones((1, 2), dtype=np.float32), label="x", requires_grad=False)).sum()
    out.backward()
    return out


def box_label(source):
    (label,) = re.findall(r'\tc\d+ \[label="([^"]*)" shape=box3d', source)
    return label


def test_a_folded_box_gives_the_range_of_its_parameters():
    out = folded_model([[[1.0, -7.0], [2.0, 3.0]], [0.5, 9.0], [[1.0, 1.0]], [0.0]])
    assert "4 parameters\\ndata -7 to 9\\n" in box_label(viz.draw(out, max_nodes=3).source)
    out = folded_model([[[1.0, -7.0], [2.0, 3.0]], [0.5, 9.0], [[1.0, np.nan]], [0.0]])
    assert "data nan to nan" in box_label(viz.draw(out, max_nodes=3).source)  # one NaN is not hidden by the rest


def test_a_folded_box_does_not_copy_its_parameters():
    model = ag.nn.Sequential(ag.nn.Linear(2000, 2000))  # a 2000 x 2000 float32 weight: 16 MB, 32 MB as float64
    out = model(Value(np.ones((1, 2000), dtype=np.float32), requires_grad=False)).sum()
    out.backward()
    graph = viz.trace(out)
    tracemalloc.start()
    try:
        label = box_label(viz.draw(graph, max_nodes=3).source)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "2 parameters" in label and "grad" in label
    assert peak < 8e6, peak  # the range is found without a float64 copy of the weight or its gradient


def test_every_edge_case_renders_through_graphviz():
    """Graphviz reads each picture without an error or a warning: labels with quotes, markup and backslashes,
    unicode, NaN and infinities, 0-d, 0-size, integer and huge arrays, a graph of one leaf."""
    a = Value(1.0, label='a"b<c>&d\\e')
    quoted = a / 2
    quoted.label = 'r"<&>\\'
    cases = {
        "one leaf": Value(1.0, label="x"),
        "one tensor leaf": Value(np.ones((2, 3)), label="x"),
        "0-size": (Value(np.zeros((0, 3)), label="e") * 2).sum(),
        "0-d float32": Value(np.float32(2.0), label="z") * 3,
        "non-finite": (Value(np.array([np.nan, np.inf, -np.inf, 1.0, 2.0, 3.0]), label="w") * 2).sum(),
        "nan constant": Value(1.0, label="a") / float("nan"),
        "quotes": quoted,
        "unicode": Value(1.0, label="θ₁ ∂ 🙂") / Value(2.0, label="σ"),
        "integers": Value(np.arange(6).reshape(2, 3), requires_grad=False) + Value(np.ones((2, 3)), label="w"),
        "big": (Value(np.ones((300, 300)), label="big") ** 2).mean(),
    }
    for name, root in cases.items():
        if root.requires_grad and root.data.size == 1:
            root.backward()
        for picture in (viz.draw(root), viz.draw(root, title='say "hi" <b> & \\ end', max_nodes=2)):
            run = subprocess.run(["dot", "-Tsvg"], input=picture.source.encode(), capture_output=True, timeout=60)
            assert run.returncode == 0 and not run.stderr, (name, run.stderr)
        assert "&lt;b&gt;" in run.stdout.decode()  # the title's <b> is text, not bold
    svg = subprocess.run(["dot", "-Tsvg"], input=viz.draw(quoted).source.encode(), capture_output=True).stdout.decode()
    texts = re.findall(r">([^<>]+)</text>", svg)
    assert "a&quot;b&lt;c&gt;&amp;d\\e" in texts and "(a&quot;b&lt;c&gt;&amp;d\\e) / 2" in texts
    assert "r&quot;&lt;&amp;&gt;\\" in texts  # the labels read as they were written
