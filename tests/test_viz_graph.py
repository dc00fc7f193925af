"""viz.trace, the JSON model, the chain-rule decomposition and collapsing: checked against the live graph,
against the backward pass, finite differences and PyTorch."""

import json
import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import viz
from autograd_core import Value
from autograd_core.viz.graph import COLLAPSED, CONSTANT, INTERMEDIATE, LEAF, OUTPUT, topological_values


def sigma_graph():
    w, x, b = Value(2.0, label="w"), Value(-1.0, label="x"), Value(0.5, label="b")
    f = ag.sigmoid(w * x + b)
    f.label = "f"
    return f, {"w": w, "x": x, "b": b}


def diamond_graph(x0=0.7):
    """x feeds f along two paths (x·3 and tanh x): their products add."""
    x = Value(x0, label="x")
    f = (x * 3.0) * ag.tanh(x)
    f.label = "f"
    return f, {"x": x}


def cube_graph(x0=1.3):
    """x * x * x: the same parent on several edges of one node."""
    x = Value(x0, label="x")
    y = Value(-0.4, label="y")
    f = x * x * x + ag.exp(x * y) / (y - 2.0)
    f.label = "f"
    return f, {"x": x, "y": y}


def tensor_graph(dtype=np.float64):
    W = Value(np.array([[1.0, -2.0], [0.5, 3.0]], dtype=dtype), label="W")
    x = Value(np.array([0.3, -1.0], dtype=dtype), label="x")
    b = Value(np.array([0.1, 0.2], dtype=dtype), label="b")
    f = ag.sum(ag.relu(W @ x + b) * 2.0)
    f.label = "f"
    return f, {"W": W, "x": x, "b": b}


SCALAR_GRAPHS = [sigma_graph, diamond_graph, cube_graph]


# ----------------------------------------------------------------------------------------------------
# trace


@pytest.mark.parametrize("make", SCALAR_GRAPHS + [tensor_graph])
def test_trace_edges_match_parents(make):
    f, _ = make()
    f.backward()
    g = viz.trace(f)
    values = g._values
    assert len(g.nodes) == len(topological_values(f))
    edges = {(e.src, e.dst, e.index) for e in g.edges}
    n_parent_edges = 0
    for node in g.nodes:
        v = values[node.id]
        for i, p in enumerate(v.parents):
            n_parent_edges += 1
            assert (g.node_of(p).id, node.id, i) in edges
    assert n_parent_edges == len(g.edges)


def test_trace_order_is_topological_and_deterministic():
    f, _ = cube_graph()
    g1, g2 = viz.trace(f), viz.trace(f)
    assert [n.id for n in g1.nodes] == [f"n{k}" for k in range(len(g1.nodes))]
    position = {n.id: k for k, n in enumerate(g1.nodes)}
    assert all(position[e.src] < position[e.dst] for e in g1.edges)
    assert g1.output == g1.nodes[-1].id
    assert [(e.src, e.dst, e.index, e.derivative) for e in g1.edges] == \
        [(e.src, e.dst, e.index, e.derivative) for e in g2.edges]
    # the same computation built again gets the same ids
    g3 = viz.trace(cube_graph()[0])
    assert [(n.id, n.op, n.label) for n in g1.nodes] == [(n.id, n.op, n.label) for n in g3.nodes]


def test_trace_roles_and_constants():
    f, v = sigma_graph()
    g = viz.trace(f * 2.0)
    roles = {n.name: n.role for n in g.nodes}
    assert roles["w"] == LEAF and roles["f"] == INTERMEDIATE and roles[g.output] == OUTPUT
    constants = [n for n in g.nodes if n.role == CONSTANT]
    assert len(constants) == 1 and float(constants[0].data) == 2.0 and not constants[0].requires_grad


def test_scalar_edges_carry_local_derivatives():
    x, y = Value(3.0, label="x"), Value(-2.0, label="y")
    f = x * y
    g = viz.trace(f)
    by_index = {e.index: e.derivative for e in g.edges}
    assert by_index == {0: -2.0, 1: 3.0}  # ∂(xy)/∂x = y, ∂(xy)/∂y = x
    t = ag.tanh(x * 0.1)
    edge = [e for e in viz.trace(t).edges if e.dst == viz.trace(t).output][0]
    assert edge.derivative == pytest.approx(1 - math.tanh(0.3) ** 2, rel=1e-15)


def test_tensor_edges_carry_formulas_not_numbers():
    f, _ = tensor_graph()
    g = viz.trace(f)
    matmul = [n for n in g.nodes if n.op == "matmul"][0]
    formulas = [e.formula for e in g.edges if e.dst == matmul.id]
    assert formulas == ["g·Bᵀ", "Aᵀ·g"]
    assert all(e.derivative is None for e in g.edges if e.dst == matmul.id)


def test_trace_rejects_non_values():
    with pytest.raises(TypeError, match="expected a Value"):
        viz.trace(np.ones(3))


def test_drawing_a_non_value_says_what_to_draw_instead():
    # Two a learner meets: micrograd's own Value ("expected a Value, got Value" contradicted itself), and the
    # list an MLP with several outputs returns.
    class Value:  # micrograd.engine.Value, as far as the message is concerned
        pass

    with pytest.raises(TypeError, match=r"got .*test_drawing_a_non_value.*\.Value, not autograd_core\.Value"):
        viz.draw(Value())
    outputs = ag.nn.MLP(2, [3, 2], rng=0)([1.0, 2.0])
    with pytest.raises(TypeError, match=r"got a list of 2 Values .*draw one of them, or their sum"):
        viz.draw(outputs)
    viz.draw(sum(outputs))


def test_scopes_nest_and_parameters_sit_in_their_module():
    from autograd_core import nn
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    out = model(Value(np.ones((2, 3)), requires_grad=False, dtype=np.float32)).sum()
    g = viz.trace(out)
    kinds = {s.kind for s in g.scopes}
    assert {"Sequential", "Linear"} <= kinds
    scopes = {s.id: s for s in g.scopes}
    linear_scopes = [s for s in g.scopes if s.kind == "Linear"]
    assert all(scopes[s.parent].kind == "Sequential" for s in linear_scopes)
    params = [n for n in g.nodes if n.role == "parameter"]
    assert len(params) == 4
    assert all(scopes[p.scope].kind == "Linear" for p in params)


# ----------------------------------------------------------------------------------------------------
# JSON


@pytest.mark.parametrize("make", SCALAR_GRAPHS + [tensor_graph, lambda: tensor_graph(np.float32)])
def test_json_round_trip_matches_graph(make):
    f, _ = make()
    f.backward()
    g = viz.trace(f)
    text = viz.to_json(g)
    doc = json.loads(text)
    assert doc["schema"] == "autograd-core.graph/1"
    back = viz.from_json(text)
    assert [n.id for n in back.nodes] == [n.id for n in g.nodes]
    assert [(e.src, e.dst, e.index, e.derivative, e.formula) for e in back.edges] == \
        [(e.src, e.dst, e.index, e.derivative, e.formula) for e in g.edges]
    for node in back.nodes:
        value = g._values[node.id]
        assert node.shape == value.shape and node.dtype == value.dtype.name
        np.testing.assert_array_equal(node.data, value.data)
        if value.grad is None:
            assert node.grad is None
        else:
            assert np.asarray(node.grad).dtype == value.grad.dtype
            np.testing.assert_array_equal(node.grad, value.grad)  # exact: JSON floats round-trip
        for i, p in enumerate(value.parents):
            assert any(e.src == g.node_of(p).id and e.dst == node.id and e.index == i for e in back.edges)


def test_json_writes_non_finite_as_strings_and_big_arrays_as_summaries():
    x = Value(np.array([1.0, np.inf, -np.inf, np.nan]), label="x")
    big = Value(np.arange(10.0), label="big")
    f = ag.max(x * 1.0) + ag.sum(big)
    text = viz.to_json(viz.trace(f), max_values=5)
    def no_bare_constants(token):
        raise AssertionError(f"non-standard JSON constant {token}")

    doc = json.loads(text, parse_constant=no_bare_constants)  # strict JSON: no bare NaN / Infinity
    nodes = {n["label"]: n for n in doc["nodes"] if n["label"]}
    assert nodes["x"]["data"] == [1.0, "Infinity", "-Infinity", "NaN"]
    assert nodes["big"]["data"] is None and nodes["big"]["data_summary"] == {"min": 0.0, "mean": 4.5, "max": 9.0}
    back = viz.from_json(text)
    np.testing.assert_array_equal(back.node_of("x").data, x.data)


def test_json_rejects_other_schemas():
    with pytest.raises(ValueError, match="schema"):
        viz.graph_from_dict({"schema": "something/2"})


# ----------------------------------------------------------------------------------------------------
# Chain rule


@pytest.mark.parametrize("make", SCALAR_GRAPHS)
def test_chain_rule_total_equals_grad(make):
    f, leaves = make()
    f.backward(retain_graph=True)
    for name, leaf in leaves.items():
        chain = viz.chain_rule(f, name)  # by label here, by Value elsewhere
        assert chain.total == pytest.approx(float(leaf.grad), rel=1e-12, abs=1e-15)
        assert sum(p.product for p in chain.paths) == pytest.approx(chain.total, rel=1e-12, abs=1e-15)
        for path in chain.paths:  # each path runs from the output down to the leaf
            assert path.factors[0].edge.dst == chain.output
            assert path.factors[-1].edge.src == chain.leaf
            assert all(a.edge.src == b.edge.dst for a, b in zip(path.factors, path.factors[1:]))


def test_chain_rule_diamond_adds_two_paths_and_matches_finite_differences():
    f, v = diamond_graph(0.7)
    chain = viz.chain_rule(f, v["x"])
    assert chain.n_paths == 2 and len(chain.paths) == 2
    fx = lambda x: 3 * x * math.tanh(x)
    eps = 1e-6
    numeric = (fx(0.7 + eps) - fx(0.7 - eps)) / (2 * eps)
    assert chain.total == pytest.approx(numeric, rel=1e-8)
    products = sorted(p.product for p in chain.paths)
    assert products == pytest.approx(sorted([3 * math.tanh(0.7), 3 * 0.7 * (1 - math.tanh(0.7) ** 2)]))
    assert "+" in chain.equation()


def test_chain_rule_prints_as_its_equation():
    # print(viz.chain_rule(f, x)) and a notebook cell ending with it used to show the dataclass's dump of every
    # Path, Factor and Edge with node ids (n0, n4): a screenful for two paths, and no equation.
    f, v = diamond_graph(0.7)
    chain = viz.chain_rule(f, v["x"])
    assert str(chain) == chain.equation()
    assert repr(chain) == f"ChainRule({chain.equation()}; 2 paths, total={chain.total!r})"
    assert "Factor(" not in repr(chain) and len(repr(chain)) < 200


def test_chain_rule_repeated_parent_counts_each_edge():
    x = Value(1.5, label="x")
    f = x * x * x
    chain = viz.chain_rule(f, x)
    assert chain.n_paths == 3  # x*x has two edges from x, then one more
    assert chain.total == pytest.approx(3 * 1.5 ** 2)


def test_chain_rule_matches_torch():
    torch = pytest.importorskip("torch")
    f, v = cube_graph(1.3)
    tx = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(-0.4, dtype=torch.float64, requires_grad=True)
    tf = tx * tx * tx + torch.exp(tx * ty) / (ty - 2.0)
    gx, gy = torch.autograd.grad(tf, (tx, ty))
    assert viz.chain_rule(f, v["x"]).total == pytest.approx(gx.item(), rel=1e-12)
    assert viz.chain_rule(f, "y").total == pytest.approx(gy.item(), rel=1e-12)


def test_chain_rule_deep_chain_and_truncated_path_list():
    x = Value(0.3, label="x")
    h = x
    for _ in range(12):  # 2**12 paths: h + h doubles them each time
        h = ag.tanh(h) + h * 0.5
    h.backward(retain_graph=True)
    chain = viz.chain_rule(h, x, max_paths=10)
    assert chain.n_paths == 2 ** 12 and len(chain.paths) == 10 and chain.truncated
    assert chain.total == pytest.approx(float(x.grad), rel=1e-12)
    assert "more paths" in chain.equation()


def test_chain_rule_errors_name_the_problem():
    f, v = tensor_graph()
    with pytest.raises(ValueError, match="scalar graph"):
        viz.chain_rule(f, v["W"])
    with pytest.raises(KeyError, match="no node labelled 'nope'"):
        viz.chain_rule(sigma_graph()[0], "nope")
    # a rule with saved parameters cannot run once backward has freed them
    x = Value(-0.5, label="x")
    y = ag.leaky_relu(x, negative_slope=0.2) * 3.0
    y.backward()
    with pytest.raises(ValueError, match="retain_graph=True"):
        viz.chain_rule(y, x)


def test_chain_rule_unconnected_leaf_is_zero():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    f = x * 2.0
    other = y * 1.0
    g = viz.trace(f + other * 0.0)
    assert viz.chain_rule(g, "x").total == 2.0
    assert viz.chain_rule(viz.trace(f), x).n_paths == 1


# ----------------------------------------------------------------------------------------------------
# Collapse


def long_chain(n):
    x = Value(0.1, label="x")
    h = x
    for _ in range(n):
        h = ag.tanh(h * 1.01)
    h.label = "out"
    return h


def test_collapse_long_chain_keeps_output_and_counts_hidden():
    h = long_chain(5000)  # 15,001 nodes
    g = viz.trace(h, derivatives=False)
    small = viz.collapse(g, 60)
    assert len(small.nodes) <= 60
    assert small.output == g.output and small.nodes[-1].label == "out"
    summaries = [n for n in small.nodes if n.role == COLLAPSED]
    originals = [n for n in small.nodes if n.role != COLLAPSED]
    assert small.hidden == sum(n.hidden for n in summaries) == len(g.nodes) - len(originals)
    ids = {n.id for n in small.nodes}
    assert all(e.src in ids and e.dst in ids for e in small.edges)
    assert viz.collapse(g, None) is g and viz.collapse(g, len(g.nodes)) is g


def test_collapse_folds_module_scopes_first():
    from autograd_core import nn
    model = nn.MLP(3, [8, 8, 1], rng=0, dtype=np.float64)
    out = model([Value(1.0, label="a"), Value(-1.0, label="b"), Value(0.5, label="c")])
    g = viz.trace(out)
    small = viz.collapse(g, 40)
    assert len(small.nodes) <= 40
    summaries = [n for n in small.nodes if n.role == COLLAPSED]
    assert summaries and all(n.label.split()[0] in {"MLP", "Layer", "Neuron"} for n in summaries)
    assert g.output in {n.id for n in small.nodes}
    # siblings fold together: in each open layer, all of its neurons are boxes or none is
    neurons_of = {}
    for s in g.scopes:
        if s.kind == "Neuron":
            neurons_of.setdefault(s.parent, set()).add(s.name)
    for layer, names in neurons_of.items():
        boxed = {n.label.split()[1] for n in summaries if n.scope == layer and n.label.startswith("Neuron")}
        assert boxed in (set(), names)
