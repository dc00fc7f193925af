"""Node hooks that refused register_hook after hooks6 (hooks7), against PyTorch's side by side in float64: the tops of
chains PyTorch records where this library computes one composite (vander, svd's conjugate V, cond, circular padding),
composites over one Value given as several inputs (attention of one tensor as query, key and value; add and sub with
alpha), an einsum of a broadcast operand, a recurrent layer's output, and group_norm's hooks in a double backward.
Every node of each case gets a prehook and a hook in both libraries, which observe, or replace (the prehook doubles
grad_outputs, the hook triples grad_inputs); the calls' arguments and the leaves' gradients are PyTorch's. And the
count of the nodes of the grad_fn name tests' cases that still refuse a hook, with the list of them."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from test_grad_fn_hooks_pytorch4 import _hooked_passes, _pairs, _same
from test_grad_fn_names import Tensors, _library



def _inputs(module, L):
    if hasattr(module, "_Inputs"):
        return module._Inputs(L)
    if hasattr(module, "_inputs"):
        return module._inputs(L)
    return Tensors(L, module._ARRAYS)


def _build(module, make, library):
    L, F, nn = _library(library)
    L.manual_seed(0)
    return L, make(L, F, nn, _inputs(module, L))


def _table_side_by_side(module, make, replace):
    """Hooks on every node of a grad_fn name table's case (none may refuse), in both libraries: (our calls and
    leaves' gradients, PyTorch's)."""
    (Lo, ours), (Lt, theirs) = (_build(module, make, name) for name in ("autograd_core", "torch"))
    pairs = _pairs(ours.grad_fn, theirs.grad_fn)
    picked = [pair for pair in pairs if type(pair[0]).__name__ != "AccumulateGrad" and not pair[0]._path]
    assert [type(a).__name__ for a, _ in picked] == [type(b).__name__ for _, b in picked]
    return _hooked_passes(((Lo, ours, 0), (Lt, theirs, 1)), pairs, picked, replace)


def _case(module_name, case_id):
    module = importlib.import_module(module_name)
    if isinstance(module.CASES, dict):  # (names 9's: a call on the inputs a, b, c)
        call = module.CASES[case_id][0]
        return module, lambda L, F, nn, d: call(L, *d)
    return module, next(case[-1] for case in module.CASES if case[0] == case_id)


_TABLE_CASES = [
    # one Value several inputs of PyTorch's node: which use of it is which input's, known by the order the composite
    # reaches them (attention's scores before its value; x + alpha·other)
    ("test_grad_fn_names5", "sdpa_4d_causal_scale"), ("test_grad_fn_names9", "add_alpha"),
    ("test_grad_fn_names9", "add_alpha_method"), ("test_grad_fn_names9", "sub_alpha"),
    # the top of PyTorch's chain that a composite declares (grad_fn_chain_tops): linalg.vander's CatBackward0
    ("test_grad_fn_names7", "linalg.vander"), ("test_grad_fn_names7", "linalg.vander_batched"),
    # cond's in the nuclear norm: MulBackward0 of the sums of the singular values and of their reciprocals
    ("test_grad_fn_names7", "cond_nuc"), ("test_grad_fn_names7", "cond_nuc_batched"),
    # circular padding: PyTorch's last copy into a slice of its output (the first, of x, where none is positive)
    *[("test_grad_fn_names7", case) for case in ("pad_circular", "pad_circular_right", "pad_circular_crop",
                                                  "pad_circular_none", "pad_circular_2d", "CircularPad2d",
                                                  "CircularPad3d")],
]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("module_name, case_id", _TABLE_CASES, ids=[c[1] for c in _TABLE_CASES])
def test_hooks_on_every_node_of_a_table_case_are_pytorchs(module_name, case_id, replace):
    pytest.importorskip("torch")
    module, make = _case(module_name, case_id)
    ours, theirs = _table_side_by_side(module, make, replace)
    _same(ours, theirs, 1e-9)


# ---- tops whose PyTorch backward fails further down (2.13: torch.vander's and cond's copies in place change what a
# node saved): the top's hook call is compared with PyTorch's, a replacement's gradients with the same function's in a
# form whose PyTorch backward runs


def _safe_vander(torch, x, N, increasing):  # noqa: N803
    powers = torch.linalg.vander(x, N=N)
    return powers if increasing else powers.flip(-1)


def _safe_cond(torch, A, p):
    return torch.linalg.matrix_norm(A, p) * torch.linalg.matrix_norm(torch.linalg.inv(A), p)


_FAILING = [
    ("vander", "v", lambda torch, x: _safe_vander(torch, x, 4, False)),
    ("vander_N2", "v", lambda torch, x: _safe_vander(torch, x, 2, False)),
    ("vander_increasing", "v", lambda torch, x: _safe_vander(torch, x, 5, True)),
    ("cond_1", "sq", lambda torch, A: _safe_cond(torch, A, 1)),
    ("cond_-1", "sq", lambda torch, A: _safe_cond(torch, A, -1)),
    ("cond_inf", "sq", lambda torch, A: _safe_cond(torch, A, float("inf"))),
    ("cond_-inf_batched", "b3", lambda torch, A: _safe_cond(torch, A, -float("inf"))),
    ("cond_fro", "sq", lambda torch, A: _safe_cond(torch, A, "fro")),
]


def _top_hooked(library, make, name, replace):
    """A hook on y's node alone (which triples grad_inputs if replace), then Σ y·cos: the hook's calls and the
    input's gradient (None where the pass failed after the hook)."""
    module = importlib.import_module("test_grad_fn_names7")
    L, F, nn = _library(library)
    d = module._inputs(L)
    y = make(L, F, nn, d)
    calls = []

    def hook(grad_inputs, grad_outputs):
        from test_grad_fn_hooks_pytorch4 import _numbers

        calls.append(([_numbers(g) for g in grad_inputs], [_numbers(g) for g in grad_outputs]))
        if replace:
            return tuple(None if g is None else g * 3 for g in grad_inputs)

    y.grad_fn.register_hook(hook)
    weights = L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), dtype=L.float64)
    try:
        (grad,) = L.autograd.grad((y * weights).sum(), [d[name]])
    except RuntimeError as error:
        assert library == "torch" and "modified by an inplace operation" in str(error)
        grad = None
    return calls, None if grad is None else np.array(grad.tolist())


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("case_id, name, safe", _FAILING, ids=[c[0] for c in _FAILING])
def test_a_top_whose_pytorch_backward_fails_below_gets_pytorchs_grad_inputs(case_id, name, safe, replace):
    torch = pytest.importorskip("torch")
    _, make = _case("test_grad_fn_names7", case_id)
    our_calls, our_grad = _top_hooked("autograd_core", make, name, replace)
    their_calls, _ = _top_hooked("torch", make, name, replace)
    _same(our_calls, their_calls[:1], 1e-9)
    x = torch.tensor(importlib.import_module("test_grad_fn_names7")._ARRAYS[name], requires_grad=True)
    y = safe(torch, x)
    weights = torch.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), dtype=torch.float64)
    (expected,) = torch.autograd.grad((y * weights).sum(), [x])
    np.testing.assert_allclose(our_grad, expected.numpy() * (3 if replace else 1), rtol=1e-9, atol=1e-12)


# ---- svd's complex V: ConjBackward0 over the transpose of linalg.svd's Vh (singular vectors are PyTorch's up to a
# phase a column: a loss of |V|² does not depend on it)

def _conjugate_v_hooked(library, replace):
    L, _, _ = _library(library)
    a = np.random.default_rng(5).standard_normal((2, 4, 3, 2)) @ np.array([1.0, 1.0j])
    x = L.tensor(a, requires_grad=True)
    V = L.svd(x)[2]
    calls = []

    def hook(grad_inputs, grad_outputs):
        calls.append((np.array(grad_inputs[0].tolist()), np.array(grad_outputs[0].tolist())))
        if replace:
            return (grad_inputs[0] * 3,)

    V.grad_fn.register_hook(hook)
    weights = L.tensor(np.cos(np.arange(V.numel())).reshape(tuple(V.shape)), dtype=L.float64)
    ((V.abs() ** 2) * weights).sum().backward()
    return type(V.grad_fn).__name__, calls, np.array(x.grad.tolist())


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
def test_svds_conjugate_v_hooks_as_pytorchs(replace):
    pytest.importorskip("torch")
    ours, theirs = (_conjugate_v_hooked(library, replace) for library in ("autograd_core", "torch"))
    assert ours[0] == theirs[0] == "ConjBackward0" and len(ours[1]) == len(theirs[1]) == 1
    for _, calls, _ in (ours, theirs):
        grad_input, grad_output = calls[0]
        np.testing.assert_array_equal(grad_input, grad_output.conj())  # (PyTorch's conj's rule)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-9, atol=1e-12)


# ---- a replacement under create_graph: differentiable as PyTorch's (test_grad_fn_hooks_pytorch6's _double_backward:
# the hook doubles grad_inputs[position] and squares the others, in each pass that reaches the node; PyTorch's flash
# attention has no double backward)

DOUBLE = [
    ("linalg.vander", lambda L, F, d: L.linalg.vander(d.v * d.v), 1),
    ("cond_nuc", lambda L, F, d: L.linalg.cond(d.b3[..., :3] * 2, "nuc"), 0),
    ("pad_circular", lambda L, F, d: F.pad(d.c3 * d.c3, (1, 2), mode="circular"), 1),
    ("pad_circular_2d", lambda L, F, d: F.pad(d.c4.tanh(), (1, 0, 2, 1), mode="circular"), 0),
    ("add_alpha", lambda L, F, d: L.add(d.x, d.x, alpha=2), 1),
    ("einsum_broadcast", lambda L, F, d: L.einsum("bij,bij->bji", d.c3[:, :1] * d.c3[:, 1:2], d.c3.tanh()), 0),
    ("GRU_output", lambda L, F, d: _recurrent(L, "GRU", d.c3), 1),
    ("LSTM_output", lambda L, F, d: _recurrent(L, "LSTM", d.c3 * 2), 0),
]


def _recurrent(L, kind, x):
    """The output of a recurrent layer (3 → 2 features, its weights the same in both libraries) of x."""
    layer = getattr(L.nn, kind)(3, 2).double()
    rng = np.random.default_rng(4)
    layer.load_state_dict({k: L.tensor(rng.standard_normal(tuple(v.shape)) / 2) for k, v in layer.state_dict().items()})
    return layer(x)[0]


@pytest.mark.parametrize("make, position", [case[1:] for case in DOUBLE], ids=[case[0] for case in DOUBLE])
def test_a_replacement_under_create_graph_is_differentiable_as_pytorchs(make, position):
    pytest.importorskip("torch")
    from test_grad_fn_hooks_pytorch6 import _double_backward

    _same(_double_backward("autograd_core", make, position), _double_backward("torch", make, position), 1e-9)


# ---- a recurrent layer's output: StackBackward0 of its steps, whose final state h_n's gradient goes to the last
# step around the stack (here h_n is a view of the layer's node, not of the output); each node of the output and h_n
# together (one loss of both) hooked

def _recurrent_side_by_side(kind, options, replace):
    import torch

    import autograd_core as ag
    from test_grad_fn_hooks_pytorch6 import recurrent_layers_run

    first = options.get("batch_first", False)
    ys = [L.cat([out, (h.transpose(0, 1) if first else h) * 2], dim=int(first))  # (the steps' dimension)
          for L, out, h in recurrent_layers_run(kind, options)]
    pairs = _pairs(ys[0].grad_fn, ys[1].grad_fn)
    picked = [pair for pair in pairs if type(pair[0]).__name__ != "AccumulateGrad" and not pair[0]._path]
    assert [type(a).__name__ for a, _ in picked] == [type(b).__name__ for _, b in picked]
    assert sum(type(a).__name__ in ("StackBackward0", "CatBackward0") for a, _ in picked) >= 3  # (the output's,
    # h_n's, the loss's)
    return _hooked_passes(((ag, ys[0], 0), (torch, ys[1], 1)), pairs, picked, replace)


_RECURRENT = [("GRU", {}), ("RNN", {}), ("LSTM", {}), ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
              ("GRU", {"batch_first": True}), ("LSTM", {"num_layers": 2, "proj_size": 3})]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("kind, options", _RECURRENT,
                         ids=[f"{k}-{'-'.join(f'{a}={b}' for a, b in o.items())}" for k, o in _RECURRENT])
def test_a_recurrent_layers_output_hooks_as_pytorchs(kind, options, replace):
    pytest.importorskip("torch")
    ours, theirs = _recurrent_side_by_side(kind, options, replace)
    _same(ours, theirs, 1e-9)


def _weighted(L, y):
    return (y * L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)), dtype=L.float64)).sum()


def test_chains_of_one_layout_keep_their_own_ends():
    """Circular pads (0, 2) and (-1, 2) show one layout of PyTorch's nodes, and cond's 1 and inf norms another: each
    keeps its own entries (all made before the hooks run, each hooked and replaced; the conds against their own
    gradients without hooks, as PyTorch's backward of them fails)."""
    torch = pytest.importorskip("torch")
    import autograd_core as ag
    import autograd_core.nn.functional as F

    a = np.random.default_rng(2).standard_normal((2, 3, 5))
    results = []
    for L, pad in ((ag, F.pad), (torch, torch.nn.functional.pad)):
        x = L.tensor(a, requires_grad=True)
        ys = [pad(x, (0, 2), mode="circular"), pad(x, (-1, 2), mode="circular")]
        for y in ys:
            y.grad_fn.register_hook(lambda gi, go: tuple(None if g is None else g * 3 for g in gi))
        results.append(np.array(L.autograd.grad(_weighted(L, ys[0]) + _weighted(L, ys[1]), [x])[0].tolist()))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-9, atol=1e-12)
    x = ag.tensor(a[0, :, :3] + 3 * np.eye(3), requires_grad=True)
    plain = [ag.autograd.grad(_weighted(ag, ag.linalg.cond(x, p)), [x])[0] for p in (1, float("inf"))]
    ys = [ag.linalg.cond(x, p) for p in (1, float("inf"))]
    for y in ys:
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 3,))
    for y, expected in zip(ys, plain):
        np.testing.assert_allclose(ag.autograd.grad(_weighted(ag, y), [x])[0], 3 * expected, rtol=1e-12)


# ---- einsum of an operand it broadcasts (a label of size 1 against another size): PyTorch's views are of the operand
# as given, and its MulBackward0 sends each view its gradient summed to the view's shape

_EINSUM_RNG = np.random.default_rng(11)
_EINSUM = {"x": _EINSUM_RNG.standard_normal((4, 3)), "c3": _EINSUM_RNG.standard_normal((2, 4, 3)),
           "v": _EINSUM_RNG.standard_normal(3)}
EINSUMS = [
    ("ij,ij->ij", lambda L, F, nn, d: L.einsum("ij,ij->ij", d.x, d.x[:1] * 2)),
    ("ij,ij->ij_first", lambda L, F, nn, d: L.einsum("ij,ij->ij", d.x[:, :1].exp(), d.x)),
    ("bij,bij->bji", lambda L, F, nn, d: L.einsum("bij,bij->bji", d.c3[:, :1] * 1, d.c3.tanh())),
    ("bij,bij->bij_batch", lambda L, F, nn, d: L.einsum("bij,bij->bij", d.c3, d.c3[:1] * 3)),
    ("i,i->i", lambda L, F, nn, d: L.einsum("i,i->i", d.v[:1] * 2, d.v)),
    ("ij,ij->ij_both", lambda L, F, nn, d: L.einsum("ij,ij->ij", d.x[:1] * 2, d.x[:, :1] * 3)),
]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("make", [case[1] for case in EINSUMS], ids=[case[0] for case in EINSUMS])
def test_an_einsum_of_a_broadcast_operand_hooks_as_pytorchs(make, replace):
    pytest.importorskip("torch")
    from test_grad_fn_hooks_pytorch5 import _every_node_side_by_side

    ours, theirs = _every_node_side_by_side(make, replace, _EINSUM)
    _same(ours, theirs, 1e-9)


# ---- the count: every node of the grad_fn name tests' cases (test_grad_fn_names*.py's CASES, this library's side
# alone) takes register_hook but those listed here, with why (hooks6 counted 94 → 22 over the same tables without
# names 9's; hooks7: 25 with them → 0)

_TABLES = ["test_grad_fn_names", "test_grad_fn_names2", "test_grad_fn_names3", "test_grad_fn_names4",
           "test_grad_fn_names5", "test_grad_fn_names6", "test_grad_fn_names7", "test_grad_fn_names9",
           "test_grad_fn_names10", "test_grad_fn_names11"]  # (names 8 has no table of cases)
_STILL_REFUSING = {}  # (table, case id, node name) -> the refusal's first words


def _refusals():
    """{(table, case id, node name): refusal} over every node (not PyTorch's own shown below ours) of every case, and
    the number of nodes looked at."""
    import warnings

    from autograd_core.grad_fn_names import hook_refusal

    found, nodes = {}, 0
    for table in _TABLES:
        module = importlib.import_module(table)
        ids = list(module.CASES) if isinstance(module.CASES, dict) else [case[0] for case in module.CASES]
        for case_id in ids:
            _, make = _case(table, case_id)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, y = _build(module, make, "autograd_core")
            seen, stack = set(), [y.grad_fn]
            while stack:
                fn = stack.pop()
                if fn is None or fn in seen or type(fn).__name__ == "AccumulateGrad":
                    continue
                seen.add(fn)
                stack.extend(f for f, _ in fn.next_functions)
                if fn._path:
                    continue
                nodes += 1
                refusal = hook_refusal(fn._now())
                if refusal is not None:
                    found[table, case_id, type(fn).__name__] = refusal
    return found, nodes


def test_the_nodes_of_the_grad_fn_tables_that_refuse_a_hook_are_these():
    found, nodes = _refusals()
    assert nodes > 1100
    assert {key: words[:40] for key, words in found.items()} == _STILL_REFUSING


# ---- group_norm in a double backward: PyTorch's node's double backward reads its saved mean and rstd, whose
# gradients the second pass sends through the node (its hooks' grad_outputs (g, g_mean, g_rstd)); this library's
# hooks record PyTorch's formula under create_graph (grad_fn_hooks.declare_native_backward)

def _group_norm_passes(library, make, replace):
    """A hook on group_norm's node noting (grad_inputs, grad_outputs) and, if replace, doubling grad_inputs[-1] and
    squaring the others, in both passes: the notes, the first gradients (create_graph) and the second."""
    from test_grad_fn_hooks_pytorch4 import _numbers
    from test_grad_fn_hooks_pytorch6 import _ARRAYS

    L, F, _ = _library(library)
    d = Tensors(L, _ARRAYS)
    y = make(L, F, d)
    seen = []

    def hook(grad_inputs, grad_outputs):
        seen.append(([_numbers(g) for g in grad_inputs], [_numbers(g) for g in grad_outputs]))
        if replace:
            last = max(k for k, g in enumerate(grad_inputs) if g is not None)
            return tuple(None if g is None else g * 2 if k == last else g * g for k, g in enumerate(grad_inputs))

    y.grad_fn.register_hook(hook)
    leaves = list(vars(d).values())
    firsts = L.autograd.grad((_weighted(L, y) ** 2), leaves, create_graph=True, allow_unused=True)
    used = [(t, g) for t, g in zip(leaves, firsts) if g is not None]
    seconds = L.autograd.grad(sum((g * g * g).sum() for _, g in used), [t for t, _ in used], allow_unused=True)
    return seen, [_numbers(g) for _, g in used], [_numbers(g) for g in seconds]


GROUP_NORMS = [
    ("affine", lambda L, F, d: F.group_norm(d.c3, 2, d.x[:, 0] * 2, d.x[:, 1] + 1)),
    ("plain", lambda L, F, d: F.group_norm(d.c4 * d.c4, 1)),
    ("GroupNorm", lambda L, F, d: F.group_norm(d.c4, 2, d.v[1:] * d.v[1:], d.v[:2])),
]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("make", [case[1] for case in GROUP_NORMS], ids=[case[0] for case in GROUP_NORMS])
def test_group_norms_hooks_in_a_double_backward_are_pytorchs(make, replace):
    pytest.importorskip("torch")
    ours, theirs = (_group_norm_passes(library, make, replace) for library in ("autograd_core", "torch"))
    assert len(ours[0]) == len(theirs[0]) == 2 and theirs[0][1][1][1] is not None  # (the second pass: g_mean)
    _same(ours, theirs, 1e-9)
