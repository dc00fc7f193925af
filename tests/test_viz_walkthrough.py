"""What a new user meets first in the pictures and the CLI: readable equations, versions, syntax errors."""

import numpy as np
import pytest

from autograd_core import Value, viz
from autograd_core.viz.chain import symbol
from autograd_core.viz.steps import step_arithmetic


def micrograd_neuron():
    """micrograd's lecture neuron o = tanh(x1·w1 + x2·w2 + b), with its labels (some name a whole sum)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward(retain_graph=True)
    return o, w1


@pytest.mark.parametrize("name, shown", [
    ("w", "w"), ("h1", "h1"), ("h₁", "h₁"), ("x[0]", "x[0]"),
    ("layers.1.neurons.0.w[0,2]", "layers.1.neurons.0.w[0,2]"),
    ("x1*w1", "(x1*w1)"), ("x1*w1 + x2*w2", "(x1*w1 + x2*w2)"), ("a/b", "(a/b)"), ("-x", "(-x)"),
])
def test_symbol_puts_a_name_that_is_not_one_symbol_in_parentheses(name, shown):
    assert symbol(name) == shown


def test_chain_rule_with_labels_that_are_expressions_reads_unambiguously():
    o, w1 = micrograd_neuron()
    chain = viz.chain_rule(o, w1)
    assert chain.total == pytest.approx(float(w1.grad)) == pytest.approx(1.0)
    text = chain.equation()
    # Without parentheses this read "∂n/∂x1*w1 + x2*w2 · ∂x1*w1 + …", a different formula.
    assert "∂n/∂(x1*w1 + x2*w2) · ∂(x1*w1 + x2*w2)/∂(x1*w1) · ∂(x1*w1)/∂w1" in text
    assert text.startswith("∂o/∂w1 = ∂o/∂n · ")
    assert "∂n/∂(x1*w1 + x2*w2)" in viz.draw(o, highlight=w1).source  # the picture's title


def test_backward_step_arithmetic_with_labels_that_are_expressions():
    o, _ = micrograd_neuron()
    graph = viz.trace(o)
    node = graph.node_of("x1*w1")
    text = step_arithmetic(graph, node.id)
    assert text.startswith("grad (x1*w1) = grad (x1*w1 + x2*w2) · ∂(x1*w1 + x2*w2)/∂(x1*w1) = 0.5 · 1 = 0.5"), text
    assert np.isclose(float(node.grad), 0.5)


@pytest.mark.needs("chromium", "chromedriver")
def test_the_explorer_writes_the_same_unambiguous_chain_rule():
    from test_viz_explore import browser as browser_fixture, click_node, console_errors, open_page

    o, w1 = micrograd_neuron()
    graph = viz.trace(o)
    driver_gen = browser_fixture.__wrapped__()  # the explorer tests' headless Chromium, for this one test
    driver = next(driver_gen)
    try:
        open_page(driver, viz.explore(o), "walkthrough-neuron")
        assert console_errors(driver) == []
        click_node(driver, graph.node_of("w1").id)
        text = driver.find_element("id", "chain-text").text
        assert "∂n/∂(x1*w1 + x2*w2) · ∂(x1*w1 + x2*w2)/∂(x1*w1) · ∂(x1*w1)/∂w1" in text, text
    finally:
        next(driver_gen, None)


def test_a_syntax_error_in_a_program_names_its_statement():
    from autograd_core.viz.expr import ExprError, evaluate_program, parse_assignment

    variables = dict([parse_assignment("w=2"), parse_assignment("x=1")])
    with pytest.raises(ExprError, match=r"^statement 2 \('f = h1 \+'\): invalid syntax: the expression ends too early"):
        evaluate_program("h1 = x*w; f = h1 +", variables)
    with pytest.raises(ExprError, match=r"^statement 2 \('f = h1 \$ 2'\): invalid syntax at column 4 \(at '\$ 2'\)"):
        evaluate_program("h1 = x*w; f = h1 $ 2", variables)


def run_cli(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "autograd_core.viz", *args], capture_output=True, text=True,
                          timeout=60)


def test_cli_version():
    import autograd_core

    r = run_cli("--version")
    assert (r.returncode, r.stdout.strip(), r.stderr) == (0, f"autograd-graph {autograd_core.__version__}", "")
    assert "--version" in run_cli("--help").stdout


def test_cli_syntax_error_is_one_line_with_a_real_column():
    r = run_cli("export", "w*", "--set", "w=1")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == "autograd-graph: error: invalid syntax: the expression ends too early (after 'w*')\n"


@pytest.mark.parametrize("args, line", [
    (["--bogus"], "unrecognized arguments: --bogus (see 'autograd-graph --help')"),
    (["export", "x*2", "--bogus"], "unrecognized arguments: --bogus (see 'autograd-graph export --help')"),
    (["functions", "--x"], "unrecognized arguments: --x (see 'autograd-graph functions --help')"),
    ([], "the following arguments are required: {export,functions} (see 'autograd-graph --help')"),
])
def test_cli_names_an_unknown_option_with_its_command_s_help(args, line):
    from autograd_core.viz import cli

    with pytest.raises(SystemExit) as stop:
        cli._parse(args)
    assert stop.value.code == 2
    r = run_cli(*args)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"autograd-graph: error: {line}\n")


@pytest.mark.parametrize("src, dst, axes", [
    ((3,), (2, 3), (0,)), ((), (2, 3), (0, 1)), ((2, 1), (2, 3), (1,)), ((1, 3), (4, 2, 3), (0, 1)),
    ((2, 3), (2, 3), ()), ((1,), (1,), ()),
])
def test_summed_axes_are_the_axes_the_engine_sums_a_broadcast_gradient_over(src, dst, axes):
    from autograd_core.viz.labels import summed_axes

    assert summed_axes(src, dst) == axes
    rng = np.random.default_rng(0)
    x, y = Value(rng.normal(size=src)), Value(rng.normal(size=dst), requires_grad=False)
    (x * y).sum().backward()  # ∂/∂x = g⊙y with g = 1, summed back to x's shape over `axes`
    assert np.allclose(x.grad, np.sum(y.data, axis=axes).reshape(src))


def test_a_broadcast_input_s_edge_says_its_gradient_is_summed():
    A = Value(np.arange(6.0).reshape(2, 3), label="A")
    v = Value(np.array([1.0, 2.0, 3.0]), label="v")
    s = Value(2.0, label="s")
    c = Value(np.ones((2, 1)), label="c")
    out = (((A + v) * s) / c).sum()
    source = viz.draw(out).source
    assert '∂/∂v = g, summed over axis 0"' in source
    assert '∂/∂s = g⊙n2, summed over axes 0, 1"' in source  # n2 = A + v, the other factor
    assert '∂/∂c = −g⊙out/c, summed over axis 1"' in source
    assert '∂/∂A = g"' in source  # same shape as the output: nothing to sum
    # the rules of matmul and of reductions already give the input's shape: no note there
    W = Value(np.ones((3, 2)), label="W")
    assert "summed" not in viz.draw(((A @ W) + 1.0).sum()).source


def test_the_explorer_shows_the_same_summed_rule():
    from test_viz_explore import page_data

    A = Value(np.arange(6.0).reshape(2, 3), label="A")
    v = Value(np.array([1.0, 2.0, 3.0]), label="v")
    data = page_data(viz.explore((A + v).sum()).html)
    rules = [data["formulas"][k] if k >= 0 else None for k in data["formula"]]
    by_source = {data["label"][s]: r for s, r in zip(data["src"], rules)}
    assert by_source["v"] == "g, summed over axis 0" and by_source["A"] == "g"


def test_a_short_tensor_network_is_drawn_top_to_bottom_micrograd_s_neuron_left_to_right():
    from autograd_core import nn
    from autograd_core.nn import functional as F

    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))
    X = Value(np.random.default_rng(0).normal(size=(5, 3)), requires_grad=False, label="X", dtype=np.float32)
    loss = F.cross_entropy(model(X), np.array([0, 1, 1, 0, 1]))
    loss.backward()
    # Left to right its min/mean/max tables made a strip 22 times wider than high (4947 x 227 px).
    assert "rankdir=TB" in viz.draw(loss).source
    A, v = Value(np.ones((2, 3))), Value(np.ones(3))
    assert "rankdir=TB" in viz.draw(((A + v) * 2.0).sum()).source
    o, _ = micrograd_neuron()
    assert "rankdir=LR" in viz.draw(o).source  # scalar graphs keep micrograd's left-to-right picture


@pytest.mark.needs("dot")
def test_the_tensor_network_picture_is_not_a_thin_strip(tmp_path):
    import re

    from autograd_core import nn
    from autograd_core.nn import functional as F

    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))
    loss = F.cross_entropy(model(np.ones((5, 3))), np.array([0, 1, 1, 0, 1]))
    loss.backward()
    svg = viz.export_bytes(loss, "svg").decode()
    width, height = map(float, re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    assert 0.5 < width / height < 4, (width, height)


def test_a_list_of_frames_ending_a_cell_shows_each_frames_title():
    # viz.backward_steps(f) ending a notebook cell showed "[<...GraphPicture at 0x7f65...>, ...]"
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()
    assert repr(viz.backward_steps(c)) == (
        "[<graph picture: 3 nodes, backward step 1/3: gradient of c (*) is complete>, "
        "<graph picture: 3 nodes, backward step 2/3: gradient of b (leaf) is complete>, "
        "<graph picture: 3 nodes, backward step 3/3: gradient of a (leaf) is complete>]")
    assert repr(viz.draw(c)) == "<graph picture: 3 nodes>"
    assert repr(viz.draw(c, highlight=a)) == "<graph picture: 3 nodes, ∂c/∂a = (3) = 3>"


def test_in_a_notebook_a_leaf_shows_its_numbers_and_a_result_its_graph():
    import autograd_core as ag

    x = ag.randn(3, 3)
    assert x._repr_mimebundle_() == {"text/plain": repr(x)}  # a leaf: nothing to draw but itself
    assert Value(2.0, label="a")._repr_mimebundle_() == {"text/plain": "Value(2.0, label='a')"}
    assert x._repr_mimebundle_(exclude=["text/plain"]) == {}
    y = (x.requires_grad_() * 2).sum()
    bundle = y._repr_mimebundle_()
    assert bundle["text/plain"] == repr(y)
    if __import__("shutil").which("dot"):  # a result: the picture of its graph
        assert "<svg" in bundle["image/svg+xml"]


def test_help_examples_quote_brackets_the_shell_would_expand():
    """[[1,2],[3,4]] unquoted is a file pattern: zsh (macOS's shell) stops with 'no matches found'."""
    import re

    from autograd_core.viz.cli import EXAMPLES, build_parser

    for line in EXAMPLES.splitlines():
        if line.strip().startswith("autograd-graph") or line.startswith("      --"):
            unquoted = re.sub(r'"[^"]*"|\'[^\']*\'', "", line.split("#")[0])
            assert "[" not in unquoted and "]" not in unquoted, line
    help_text = build_parser()._subparsers._group_actions[0].choices["export"].format_help()
    assert '"W=[[1,2],[3,4]]"' in help_text and '"layers.1.neurons.0.w[0,0]"' in help_text


def test_top_to_bottom_an_edge_label_keeps_clear_of_its_edge():
    """Set against a thick red vertical edge, the minus of ∂h3/∂h2 = -1 was hidden: the README's picture
    read 1. Left to right a label sits above its edge and needs no space."""
    w = Value(0.5, label="w")
    h = -w
    h.label = "h"
    f = h.exp()
    f.backward(retain_graph=True)
    assert 'label=" -1"' in viz.draw(f, rankdir="TB", highlight=w).source
    assert 'label="-1"' in viz.draw(f, rankdir="LR", highlight=w).source


def _long_chain(n):
    z = Value(1.0, label="x")
    for _ in range(n):
        z = (z * 1.0001).tanh()
    return z


def test_a_picture_too_big_for_graphviz_shows_as_text_in_a_notebook_instead_of_hanging():
    from autograd_core.viz import jupyter

    picture = viz.draw(_long_chain(600))  # 1,202 nodes: `dot` took minutes on 4,000
    assert len(picture.graph.nodes) > jupyter.PICTURE_MAX_NODES
    bundle = picture._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "too many to draw here" in bundle["text/plain"] and "max_nodes=400" in bundle["text/plain"]
    assert "image/svg+xml" in viz.draw(_long_chain(600), max_nodes=100)._repr_mimebundle_() or not \
        __import__("shutil").which("dot")


@pytest.mark.needs("dot")
def test_graphviz_is_stopped_after_the_notebook_time_limit(monkeypatch):
    from autograd_core.viz import jupyter

    monkeypatch.setattr(jupyter, "NOTEBOOK_TIMEOUT", 1e-6)
    bundle = viz.draw(_long_chain(20))._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "did not finish within" in bundle["text/plain"]


def test_a_backward_step_of_a_broadcast_input_says_its_gradient_is_summed():
    A = Value(np.arange(6.0).reshape(2, 3), label="A")
    v = Value(np.array([1.0, 2.0, 3.0]), label="v")
    out = (A + v).sum()
    out.backward()
    graph = viz.trace(out)
    assert step_arithmetic(graph, graph.node_of("v").id).endswith("(rules: g, summed over axis 0), shape (3,)")
    assert step_arithmetic(graph, graph.node_of("A").id).endswith("(rules: g), shape (2, 3)")
    assert np.array_equal(v.grad, [2.0, 2.0, 2.0])


class _EdgesRead:
    """A traced graph that counts how often its edge list is read."""

    def __init__(self, graph):
        self._graph, self.reads = graph, 0

    def __getattr__(self, name):
        if name == "edges":
            self.reads += 1
        return getattr(self._graph, name)


def test_backward_frames_index_the_edges_once_not_once_per_rule_shown():
    """Each frame's arithmetic names the inputs of a few operations; finding them by scanning every edge of the
    graph for each rule made the frames of a big tensor graph quadratic in its size."""
    from autograd_core.viz import steps

    W = Value(np.arange(6.0).reshape(2, 3), label="W")
    x = Value(np.ones((4, 3)), label="x")
    out = (x @ W.T).tanh().sum()
    out.backward()
    graph = _EdgesRead(viz.trace(out))
    uses, inputs = steps._edges_by_end(graph)
    assert graph.reads == 1
    texts = [step_arithmetic(graph, node.id, uses, inputs) for node in graph.nodes]
    assert graph.reads == 1
    assert any("∂/∂" in t or "rules:" in t for t in texts)
