"""viz.draw / DOT text (snapshots), rendering to SVG, Graphviz missing, Jupyter display, backward steps.

Snapshots live in tests/snapshots/viz/; after an intended change to the pictures, regenerate them with
`UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_viz_dot.py` and review the diff.
"""

import os
import pathlib
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import viz
from autograd_core import Value
from autograd_core.engine import toposort

SNAPSHOTS = pathlib.Path(__file__).parent / "snapshots" / "viz"
needs_dot = pytest.mark.needs("dot")


def sigma():
    w, x, b = Value(2.0, label="w"), Value(-1.0, label="x"), Value(0.5, label="b")
    f = ag.sigmoid(w * x + b)
    f.label = "f"
    return f, w


def diamond():
    x = Value(0.7, label="x")
    f = (x * 3.0) * ag.tanh(x)
    f.label = "f"
    return f, x


def tensor():
    W = Value(np.array([[1.0, -2.0], [0.5, 3.0]]), label="W")
    x = Value(np.array([0.3, -1.0]), label="x")
    f = ag.sum(ag.relu(W @ x + 0.5))
    f.label = "loss"
    return f, W


def chain(n):
    h = Value(0.1, label="x")
    for _ in range(n):
        h = ag.tanh(h * 1.01)
    h.label = "out"
    return h


def check_snapshot(name, text):
    path = SNAPSHOTS / f"{name}.dot"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path}; run with UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------------------------------
# DOT text


def test_snapshot_sigma_after_backward():
    f, _ = sigma()
    f.backward()
    check_snapshot("sigma_backward", viz.draw(f).source)


def test_snapshot_diamond_highlight_tb():
    f, x = diamond()
    f.backward()
    check_snapshot("diamond_highlight_tb", viz.draw(f, rankdir="TB", show="data,derivs", highlight=x).source)


def test_snapshot_tensor_formulas():
    f, _ = tensor()
    f.backward()
    check_snapshot("tensor_formulas", viz.draw(f).source)


def test_snapshot_collapsed_chain():
    check_snapshot("chain_collapsed", viz.draw(chain(20), max_nodes=8).source)


def test_dot_is_deterministic():
    a, b = sigma()[0], sigma()[0]
    assert viz.draw(a).source == viz.draw(a).source == viz.draw(b).source
    assert " id(" not in viz.draw(a).source and "0x" not in viz.draw(a).source


def test_show_options_and_scalar_edge_labels():
    f, _ = sigma()
    f.backward()
    full = viz.draw(f).source
    assert "data 2" in full and "grad" in full and 'label="-1"' in full  # ∂(w·x)/∂w = x = -1
    bare = viz.draw(f, show=()).source
    assert "data 2" not in bare and "grad" not in bare and 'label="-1"' not in bare
    with pytest.raises(ValueError, match="unknown item"):
        viz.draw(f, show="data,colour")
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw(f, rankdir="XY")


def test_constants_are_small_nodes():
    x = Value(1.5, label="x")
    src = viz.draw(x * 2.5 + 1.0).source
    constants = [line for line in src.splitlines() if "fontsize=8" in line]
    assert len(constants) == 2 and any('label="2.5"' in line for line in constants)


def test_highlight_marks_paths_and_titles_the_product():
    f, x = diamond()
    f.backward(retain_graph=True)
    src = viz.draw(f, highlight=x).source
    red_edges = [line for line in src.splitlines() if "->" in line and "#dc2626" in line]
    # both paths: x→*(3), x→tanh, then into the product, plus the op→value edges on the way
    assert len(red_edges) >= 4
    total = viz.chain_rule(f, x).total
    assert f"{total:.6g}" in src and "∂f/∂x" in src
    assert total == pytest.approx(float(x.grad))
    tensor_f, W = tensor()
    assert "paths from W to loss" in viz.draw(tensor_f, highlight="W").source
    a = Value(-0.5, label="a")
    b = ag.leaky_relu(a, negative_slope=0.2) * 3.0
    b.backward()  # frees leaky_relu's saved slope: paths are still drawn, the title says why no numbers
    assert "retain_graph=True" in viz.draw(b, highlight=a).source


def test_clusters_follow_module_nesting():
    from autograd_core import nn
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    out = model(Value(np.ones((4, 2)), requires_grad=False, dtype=np.float32)).mean()
    src = viz.draw(out).source
    g = viz.trace(out)
    assert src.count("subgraph cluster_") == len(g.scopes)
    outer = [s for s in g.scopes if s.kind == "Sequential"][0]
    inner = [s for s in g.scopes if s.kind == "Linear"][0]
    start = src.index(f"cluster_{outer.id} ")
    assert start < src.index(f"cluster_{inner.id} ")  # the Linear box is drawn inside the Sequential box
    assert "subgraph cluster_" not in viz.draw(out, clusters=False).source


def test_max_nodes_collapses_a_10000_node_graph():
    h = chain(3400)  # 10,201 nodes
    g = viz.trace(h, derivatives=False)
    picture = viz.draw(g, max_nodes=100)
    node_lines = [line for line in picture.source.splitlines()
                  if re.match(r"\tn\d+ \[|\tc\d+ \[", line)]
    assert len(node_lines) <= 100
    assert f"of {len(g.nodes)} nodes" in picture.source and "hidden" in picture.source


# ----------------------------------------------------------------------------------------------------
# Rendering


@needs_dot
@pytest.mark.parametrize("build", [sigma, diamond, tensor])
def test_svg_parses_and_contains_every_node_label(build):
    f, _ = build()
    f.backward()
    svg = viz.render_bytes(viz.draw(f), "svg")
    root = ET.fromstring(svg)
    texts = {t.text.strip() for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text}
    for node in viz.trace(f).nodes:
        if node.role == "constant":
            continue
        assert node.name in texts, node.name


@needs_dot
def test_export_files_and_formats(tmp_path):
    f, _ = sigma()
    f.backward()
    assert viz.export(f, tmp_path / "g.png") == "png"
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    viz.export(f, tmp_path / "g.pdf")
    assert (tmp_path / "g.pdf").read_bytes()[:4] == b"%PDF"
    viz.export(f, tmp_path / "g.json")
    assert viz.from_json((tmp_path / "g.json").read_text()).output == viz.trace(f).output
    with pytest.raises(ValueError, match="cannot tell the format"):
        viz.export(f, tmp_path / "g.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.json", "g.pdf", "g.png"]


def test_missing_graphviz_explains_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` anywhere on PATH
    f, _ = sigma()
    picture = viz.draw(f)
    with pytest.raises(viz.GraphvizNotFound) as err:
        viz.render_bytes(picture, "svg")
    message = str(err.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert "conda install -c conda-forge graphviz" in message
    with pytest.raises(viz.GraphvizNotFound):
        viz.export(f, tmp_path / "g.png")
    assert not list(tmp_path.iterdir())  # nothing left behind
    viz.export(f, tmp_path / "g.dot")
    viz.export(f, tmp_path / "g.json")
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    # notebooks fall back to text
    bundle = picture._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "install" in bundle["text/plain"]
    assert viz.value_mimebundle(f) == {"text/plain": repr(f)}
    assert f._repr_mimebundle_() == {"text/plain": repr(f)}  # importing viz registered value_mimebundle


# ----------------------------------------------------------------------------------------------------
# Jupyter


@needs_dot
def test_pictures_and_values_display_as_svg():
    f, _ = sigma()
    picture = viz.draw(f)
    assert isinstance(picture, __import__("graphviz").Digraph)
    bundle = picture._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml") and "text/plain" in bundle
    assert list(picture._repr_mimebundle_(include=["text/plain"])) == ["text/plain"]
    assert list(picture._repr_mimebundle_(exclude=["image/svg+xml"])) == ["text/plain"]
    value_bundle = viz.value_mimebundle(f)
    assert "<svg" in value_bundle["image/svg+xml"] and value_bundle["text/plain"] == repr(f)
    assert f._repr_mimebundle_() == value_bundle  # importing viz registered value_mimebundle
    big = viz.value_mimebundle(chain(300))  # a big graph shows as a short text, the picture on request
    assert list(big) == ["text/plain"] and "viz.draw" in big["text/plain"] and len(big["text/plain"]) < 300


# ----------------------------------------------------------------------------------------------------
# Backward steps


def test_backward_steps_follow_reverse_topological_order():
    f, w = sigma()
    f.backward()  # graph freed: frames come from the stored grads
    frames = viz.backward_steps(f)
    g = viz.trace(f)
    order = [g.node_of(v).id for v in reversed(toposort(f))]
    assert [fr.step["node"] for fr in frames] == order
    assert order[0] == g.output
    for k, frame in enumerate(frames):
        known = set(order[: k + 1])
        assert set(frame.step["known"]) == known
        for node in g.nodes:
            if not node.requires_grad:
                continue
            line = next(line for line in frame.source.splitlines() if line.startswith(f"\t{node.id} ["))
            assert ("grad ?" in line) == (node.id not in known)
        assert f"step {k + 1}/{len(order)}" in frame.source


def test_backward_steps_of_a_one_element_output_with_dimensions():
    """A (1, 1) output (a linear layer's, one sample, one unit): its gradient is an array of one element, which NumPy
    2's float() refuses; the step's arithmetic shows the number."""
    w = Value(np.array([[0.5, -2.0]]), label="w")
    out = w @ Value(np.array([[1.0], [3.0]]), requires_grad=False)
    loss = (out * 2.0).sum()
    loss.backward()
    sources = [frame.source for frame in viz.backward_steps(loss)]
    assert len(sources) == 4 and any("= 1 · 2 = 2" in source for source in sources), sources


def test_backward_steps_need_a_backward_pass_first():
    f, _ = sigma()
    with pytest.raises(ValueError, match="backward"):
        viz.backward_steps(f)
