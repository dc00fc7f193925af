"""Node hooks against PyTorch's side by side in float64, round 9 (hooks8):

* the nodes that refused register_hook: an einsum of three operands or more that sums no label (PyTorch's chain of
  products, whose top MulBackward0 takes the product of all but the last operand: ops/einsum.py's chain_top), also
  of an operand it broadcasts; an unsorted pack_padded_sequence (its node over PyTorch's IndexSelectBackward0 that
  sorts the batch) and a recurrent layer on it; hypot / cdist / cross / dist / fmod / remainder / solve_triangular /
  cholesky_solve of one Value twice (whose composite uses it more often than PyTorch's node has inputs: the node's
  hooks compute the function again from a copy of each input, grad_fn_chain_tops.declare_apart); matmul of a stack
  on the right that PyTorch folds into rows ((y.mT @ x.mT).mT: TransposeBackward0, or its copy CloneBackward0, on
  top);
* linalg.svdvals' node (and matrix_norm's 2 and nuclear norms', cond's): PyTorch's LinalgSvdBackward0 of three
  outputs (U, S, Vh), whose prehooks and hooks get (None, g, None), not two; block_diag of a constant, whose block
  PyTorch's node computes too;
* PyTorch's None in grad_inputs for an input that its pass does not need (autograd.grad asking for some leaves,
  backward(inputs=...)): its node computes only the gradients that lead to what is asked for;
* group_norm under create_graph: a second pass that reaches its saved mean and rstd alone (a first loss linear in y,
  or a pass asking for the weight's gradient alone) calls its hooks as PyTorch's, with (None, g_mean, g_rstd), and a
  prehook's replacement of those gradients needs no retain_graph.

Each case's calls (the arguments of a prehook and a hook, which observe, or replace: the prehook doubles
grad_outputs, the hook triples grad_inputs) and the gradients are PyTorch's; every test fails on 8c8f84e8."""

from __future__ import annotations

import numpy as np
import pytest
from test_grad_fn_hooks_pytorch4 import _hooked, _numbers, _same
from test_grad_fn_names import _library

pytest.importorskip("torch")

_RNG = np.random.default_rng(9)
_ARRAYS = {
    "v": _RNG.standard_normal(3), "u": _RNG.standard_normal(4), "w": _RNG.standard_normal(2),
    "x": _RNG.standard_normal((3, 4)), "y": _RNG.standard_normal((4, 2)), "p": _RNG.standard_normal((5, 3)),
    "m": _RNG.standard_normal((2, 3, 3)), "s": _RNG.standard_normal((4, 3, 2)), "sb": _RNG.standard_normal((3, 4, 2)),
}


def _every_node(make, replace):
    from test_grad_fn_hooks_pytorch5 import _every_node_side_by_side

    ours, theirs = _every_node_side_by_side(make, replace, _ARRAYS)
    assert ours[0], "no hook was called"
    _same(ours, theirs, 1e-9)


# ---- nodes of the grad_fn name tables: svdvals' node of three outputs, matmul's folded transposes

_TABLE_CASES = [
    ("test_grad_fn_names4", "svdvals"), ("test_grad_fn_names4", "matrix_norm_2"),
    ("test_grad_fn_names4", "matrix_norm_nuc"), ("test_grad_fn_names6", "cond"), ("test_grad_fn_names6", "cond_2"),
    ("test_grad_fn_names6", "svdvals_sliced"),
    ("test_grad_fn_names12", "a1@c3"), ("test_grad_fn_names12", "r1@c3"), ("test_grad_fn_names12", "m43@c3"),
    ("test_grad_fn_names12", "m43@col"), ("test_grad_fn_names12", "matmul(a1,c3)"),
    # block_diag of a constant: PyTorch's node computes its block too, as its cat does
    ("test_grad_fn_names9", "block_diag_constant"), ("test_grad_fn_names9", "block_diag_cast"),
]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("module_name, case_id", _TABLE_CASES, ids=[c[1] for c in _TABLE_CASES])
def test_hooks_on_every_node_of_a_table_case_are_pytorchs(module_name, case_id, replace):
    from test_grad_fn_hooks_pytorch7 import _case, _table_side_by_side

    module, make = _case(module_name, case_id)
    ours, theirs = _table_side_by_side(module, make, replace)
    _same(ours, theirs, 1e-9)


def test_no_node_of_grad_fn_names12_refuses_a_hook(monkeypatch):
    """test_grad_fn_hooks_pytorch7's count of refusing nodes, over names 12's table (five on 8c8f84e8: matmul's
    folded transposes)."""
    import test_grad_fn_hooks_pytorch7 as hooks7

    monkeypatch.setattr(hooks7, "_TABLES", ["test_grad_fn_names12"])
    found, nodes = hooks7._refusals()
    assert nodes > 100 and found == {}


# ---- einsum of three operands or more that sums no label

EINSUMS = [
    ("i,j,k->ijk", lambda L, F, nn, d: L.einsum("i,j,k->ijk", d.v, d.u, d.w)),
    ("i,j,k->kji", lambda L, F, nn, d: L.einsum("i,j,k->kji", d.v * 2, d.u, d.w.exp())),
    ("ij,jk,i->ijk", lambda L, F, nn, d: L.einsum("ij,jk,i->ijk", d.x, d.y, d.v)),
    ("i,j,k,i->ijk", lambda L, F, nn, d: L.einsum("i,j,k,i->ijk", d.v, d.u, d.w, d.v)),  # (v twice)
    ("i,i,i->i", lambda L, F, nn, d: L.einsum("i,i,i->i", d.v, d.v, d.v)),
    ("ii,i,i->i", lambda L, F, nn, d: L.einsum("ii,i,i->i", d.m[0], d.v, d.v.tanh())),  # (a diagonal)
    # an operand einsum broadcasts (a label of size 1 against another size): PyTorch's views are of it as given
    ("ij,ij,ij->ij_broadcast", lambda L, F, nn, d: L.einsum("ij,ij,ij->ij", d.x, d.x[:1] * 2, d.x.tanh())),
    ("ij,ij,ij->ji_broadcast_two", lambda L, F, nn, d: L.einsum("ij,ij,ij->ji", d.x[:1], d.x[:, :1] * 3, d.x)),
    ("bij,bij,bij->bji_broadcast", lambda L, F, nn, d: L.einsum("bij,bij,bij->bji", d.m[:1] * 1, d.m, d.m[:, :1])),
]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("make", [case[1] for case in EINSUMS], ids=[case[0] for case in EINSUMS])
def test_an_einsum_of_three_operands_hooks_as_pytorchs(make, replace):
    _every_node(make, replace)


# ---- one Value as both inputs of a composite that uses it more often (hypot(x, x) = sqrt(x·x + x·x))

def _twice(function):
    return lambda L, F, nn, d, t: function(L, t, t)


APART = [
    ("hypot", lambda L, F, nn, d: L.hypot(d.x, d.x)),
    ("hypot_of_a_node", lambda L, F, nn, d: (lambda t: L.hypot(t, t))(d.x.tanh())),
    ("cdist", lambda L, F, nn, d: L.cdist(d.p, d.p)),
    ("cdist_p1", lambda L, F, nn, d: L.cdist(d.p, d.p, p=1)),
    ("cdist_p3", lambda L, F, nn, d: (lambda t: L.cdist(t, t, p=3))(d.p * 2)),
    ("linalg.cross", lambda L, F, nn, d: L.linalg.cross(d.p, d.p)),
    ("linalg.cross_dim", lambda L, F, nn, d: (lambda t: L.linalg.cross(t, t, dim=1))(d.m.exp())),
    ("cross", lambda L, F, nn, d: L.cross(d.m, d.m, dim=2)),
    ("dist", lambda L, F, nn, d: L.dist(d.x, d.x)),
    ("dist_p3", lambda L, F, nn, d: (lambda t: L.dist(t, t, 3))(d.x * 2)),
    ("fmod", lambda L, F, nn, d: L.fmod(d.x, d.x)),
    ("remainder", lambda L, F, nn, d: (lambda t: L.remainder(t, t))(d.x + 1)),
    ("solve_triangular", lambda L, F, nn, d: (lambda t: L.linalg.solve_triangular(t, t, upper=True))(d.m + 3)),
    ("solve_triangular_right_unit", lambda L, F, nn, d: (lambda t: L.linalg.solve_triangular(
        t, t, upper=False, left=False, unitriangular=True))(d.m * 2)),
    # (a triangular factor: PyTorch's gradient of the other triangle differs from this library's, without hooks too)
    ("cholesky_solve", lambda L, F, nn, d: (lambda t: L.cholesky_solve(t, t))((d.m[0] + 3).tril())),
    ("cholesky_solve_upper", lambda L, F, nn, d: (lambda t: L.cholesky_solve(t, t, upper=True))(d.m.exp().triu())),
]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("make", [case[1] for case in APART], ids=[case[0] for case in APART])
def test_one_value_as_both_inputs_of_a_composite_hooks_as_pytorchs(make, replace):
    _every_node(make, replace)


# ---- block_diag of a constant: its block as PyTorch's node gives it (a matrix, for a vector too)

BLOCKS = [
    ("matrix_and_constant_vector", lambda L, F, nn, d: L.block_diag(d.x, d.v.detach(), d.u)),
    ("constant_number_and_vector", lambda L, F, nn, d: L.block_diag(L.tensor(2.0, dtype=L.float64), d.v * 2)),
]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("make", [case[1] for case in BLOCKS], ids=[case[0] for case in BLOCKS])
def test_block_diag_of_a_constant_hooks_as_pytorchs(make, replace):
    _every_node(make, replace)


# ---- pack_padded_sequence of an unsorted batch: PackPaddedSequenceBackward0 over IndexSelectBackward0

def _packed(L, x, lengths, **options):
    return L.nn.utils.rnn.pack_padded_sequence(x, L.tensor(lengths), **options)


def _lstm_of_packed(L, x, lengths, **options):
    layer = L.nn.LSTM(2, 3, batch_first=options.get("batch_first", False)).double()
    rng = np.random.default_rng(4)
    layer.load_state_dict({k: L.tensor(rng.standard_normal(tuple(v.shape)) / 2) for k, v in layer.state_dict().items()})
    return layer(_packed(L, x, lengths, **options))[0].data


PACKED = [
    ("unsorted", lambda L, F, nn, d: _packed(L, d.s, [2, 4, 3], enforce_sorted=False).data),
    ("unsorted_batch_first", lambda L, F, nn, d: _packed(L, d.sb * 2, [2, 4, 3], batch_first=True,
                                                         enforce_sorted=False).data),
    ("LSTM_of_unsorted", lambda L, F, nn, d: _lstm_of_packed(L, d.s, [2, 4, 3], enforce_sorted=False)),
    ("LSTM_of_unsorted_batch_first", lambda L, F, nn, d: _lstm_of_packed(L, d.sb.tanh(), [3, 1, 4], batch_first=True,
                                                                         enforce_sorted=False)),
]


@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("make", [case[1] for case in PACKED], ids=[case[0] for case in PACKED])
def test_an_unsorted_packed_sequence_hooks_as_pytorchs(make, replace):
    _every_node(make, replace)


# ---- a replacement under create_graph stays differentiable (test_grad_fn_hooks_pytorch6's _double_backward)

DOUBLE = [
    ("einsum_i,j,k->ijk", lambda L, F, d: L.einsum("i,j,k->ijk", d.v * d.v, d.x[0], d.v.exp()), 0),
    ("einsum_i,i,i->i", lambda L, F, d: L.einsum("i,i,i->i", d.v, d.v, d.v), 2),
    ("hypot", lambda L, F, d: (lambda t: L.hypot(t, t))(d.x * d.x), 1),  # (the first pass replaces alone: below)
    ("linalg.cross", lambda L, F, d: (lambda t: L.linalg.cross(t, t))(d.x.tanh()), 0),
    ("pack_unsorted", lambda L, F, d: _packed(L, d.c3 * d.c3, [1, 2], batch_first=True, enforce_sorted=False).data, 0),
]


@pytest.mark.parametrize("make, position", [case[1:] for case in DOUBLE], ids=[case[0] for case in DOUBLE])
def test_a_replacement_under_create_graph_is_differentiable_as_pytorchs(make, position):
    """(hypot(t, t): its hooks' gradients are those of hypot computed again from copies of t, whose graph reads that
    result, not y as PyTorch's formula does; a second pass reaching y then brings its node other gradients, which a
    hook replacing them again would change (the sums are the same): the hook replaces in the first pass alone.)"""
    from test_grad_fn_hooks_pytorch6 import _double_backward

    once = make is DOUBLE[2][1]
    _same(_double_backward("autograd_core", make, position, once),
          _double_backward("torch", make, position, once), 1e-9)


# ---- inputs the pass does not need: None in grad_inputs, as PyTorch's node computes only what is asked for

_NEEDED_RNG = np.random.default_rng(19)
_NEEDED = {"x": _NEEDED_RNG.standard_normal((2, 4, 3)), "w": _NEEDED_RNG.standard_normal(4),
           "b": _NEEDED_RNG.standard_normal(4)}
NEEDED = [
    ("group_norm", lambda L, F, x, w, b: F.group_norm(x, 2, w, b), ("xw", "x", "b")),
    ("layer_norm", lambda L, F, x, w, b: F.layer_norm(x, (3,), w[:3], b[:3]), ("x", "xb")),
    ("batch_norm", lambda L, F, x, w, b: F.batch_norm(x, None, None, w, b, training=True), ("x", "wb")),
    ("mul", lambda L, F, x, w, b: x * w[:, None], ("x", "w")),
    ("div", lambda L, F, x, w, b: x / w[:, None], ("w",)),
    ("addmm", lambda L, F, x, w, b: L.addmm(b[:2], x[0].T, w[:, None].expand(4, 2)), ("x", "w")),
    ("linear", lambda L, F, x, w, b: F.linear(x[0], w[None, :3].expand(2, 3), b[:2]), ("x", "b")),
    ("conv1d", lambda L, F, x, w, b: F.conv1d(x, w.reshape(1, 4, 1), b[:1]), ("x", "w")),
    ("where", lambda L, F, x, w, b: L.where(x > 0, x, w[:, None]), ("x",)),
    ("lerp", lambda L, F, x, w, b: L.lerp(w, b, 0.3), ("w",)),
    ("addcmul", lambda L, F, x, w, b: L.addcmul(w, b, w), ("b",)),
    ("mse_loss", lambda L, F, x, w, b: F.mse_loss(w, b), ("w",)),
    ("hypot", lambda L, F, x, w, b: L.hypot(w, b), ("b",)),
    # the top of a chain (einsum's last product): None for the entry that leads to no input asked for
    ("einsum_i,j,k->ijk", lambda L, F, x, w, b: L.einsum("i,j,k->ijk", w, b, w[:2] * 1), ("b",)),
]
_NEEDED_CASES = [(name, make, ask) for name, make, asks in NEEDED for ask in asks]


def _asked(library, make, ask, replace, backward):
    """A prehook and a hook on y's node, then the gradients of Σ y·cos for the leaves named in `ask` alone
    (autograd.grad, or backward(inputs=...)): the hooks' calls and those gradients."""
    L, F, _ = _library(library)
    leaves = {k: L.tensor(a, requires_grad=True) for k, a in _NEEDED.items()}
    y = make(L, F, *leaves.values())
    calls = []
    _hooked(L, y.grad_fn, calls, replace)
    loss = (y * L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))).sum()
    wanted = [leaves[k] for k in ask]
    if backward:
        loss.backward(inputs=wanted)
        return calls, [_numbers(t.grad) for t in wanted]
    return calls, [_numbers(g) for g in L.autograd.grad(loss, wanted)]


@pytest.mark.parametrize("how", ["grad", "backward_inputs"])
@pytest.mark.parametrize("replace", [False, True], ids=["observe", "replace"])
@pytest.mark.parametrize("make, ask", [case[1:] for case in _NEEDED_CASES],
                         ids=[f"{case[0]}-{case[2]}" for case in _NEEDED_CASES])
def test_an_input_the_pass_does_not_need_gets_none_as_pytorchs(make, ask, replace, how):
    ours, theirs = (_asked(library, make, ask, replace, how != "grad") for library in ("autograd_core", "torch"))
    assert any(g is None for g in theirs[0][-1][1])  # (PyTorch's None for an input not asked for)
    _same(ours, theirs, 1e-9)


# ---- group_norm under create_graph: the second pass reaches its saved mean and rstd (PyTorch's outputs 1 and 2)

_GROUP_NORMS = {
    "affine": lambda F, d: F.group_norm(d["x"], 2, d["w"], d["b"]),
    "weight": lambda F, d: F.group_norm(d["x"] * 1, 2, d["w"]),
    "plain": lambda F, d: F.group_norm(d["x"].tanh(), 4),
}


def _group_norm_twice(library, make, squared, pre, post, ask):
    """A prehook (doubling what it gets if pre) and a hook (tripling grad_inputs if post) on group_norm's node; the
    gradients of Σ y·cos (squared, or not: then the second pass does not reach y, only the mean and rstd its first
    pass's formula read) for the leaves of `ask` with create_graph, then of Σ g³ of those, without retain_graph:
    the calls and both gradients."""
    L, F, _ = _library(library)
    d = {k: L.tensor(a, requires_grad=True) for k, a in _NEEDED.items()}
    y = make(F, d)
    calls = []
    _hooked(L, y.grad_fn, calls, pre, post)
    total = (y * L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))).sum()
    leaves = [d[k] for k in ask]
    firsts = L.autograd.grad(total * total if squared else total, leaves, create_graph=True, allow_unused=True)
    used = [(t, g) for t, g in zip(leaves, firsts) if g is not None]
    seconds = L.autograd.grad(sum((g * g * g).sum() for _, g in used), [t for t, _ in used], allow_unused=True)
    return calls, [_numbers(g) for g in firsts], [_numbers(g) for g in seconds]


_TWICE = [(name, squared, pre, post, ask) for name in _GROUP_NORMS for squared in (False, True)
          for pre in (False, True) for post in (False, True) for ask in ("xwb", "xw", "w")
          if (not squared or pre) and (name != "plain" or ask != "w")]  # (squared: only a prehook's replacement
# failed on 8c8f84e8; plain has no weight)


@pytest.mark.parametrize("name, squared, pre, post, ask", _TWICE,
                         ids=[f"{n}-{'squared' if s else 'linear'}-{'pre' if p else 'observe'}-"
                              f"{'post' if q else 'observe'}-{a}" for n, s, p, q, a in _TWICE])
def test_group_norms_hooks_in_a_second_pass_are_pytorchs(name, squared, pre, post, ask):
    """The second pass calls the node's hooks once more, with grad_outputs (None or g, g_mean, g_rstd): with a loss
    linear in y (y not in the second pass) too, and where it asks for the weight's gradient alone (PyTorch runs the
    node, an input of which is asked for: grad_inputs all None), and a prehook's replacement of g_mean and g_rstd
    reaches the inputs without retain_graph."""
    ours, theirs = (_group_norm_twice(library, _GROUP_NORMS[name], squared, pre, post, ask)
                    for library in ("autograd_core", "torch"))
    assert len(theirs[0]) == 4 and theirs[0][2][1][1] is not None  # (pre, post, then the second pass's: g_mean)
    _same(ours, theirs, 1e-9)


def _group_norm_prehook_alone(library, squared, double):
    """A prehook alone on group_norm's node (doubling what it gets if double), and the two passes of
    _group_norm_twice: its calls and the second gradients."""
    L, F, _ = _library(library)
    x, w, b = (L.tensor(_NEEDED[k], requires_grad=True) for k in "xwb")
    y = F.group_norm(x, 2, w, b)
    calls = []

    def prehook(grad_outputs):
        calls.append([_numbers(g) for g in grad_outputs])
        if double:
            return tuple(None if g is None else g * 2 for g in grad_outputs)

    y.grad_fn.register_prehook(prehook)
    total = (y * L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))).sum()
    firsts = L.autograd.grad(total * total if squared else total, [x, w], create_graph=True)
    seconds = L.autograd.grad(sum((g * g * g).sum() for g in firsts), [x, w])
    return calls, [_numbers(g) for g in seconds]


@pytest.mark.parametrize("squared", [False, True], ids=["linear", "squared"])
@pytest.mark.parametrize("double", [False, True], ids=["observe", "double"])
def test_group_norms_prehook_alone_in_a_second_pass_is_pytorchs(squared, double):
    """A prehook without a hook: the second pass calls it with (None or g, g_mean, g_rstd) too, and its replacement
    of them reaches the inputs."""
    ours, theirs = (_group_norm_prehook_alone(library, squared, double) for library in ("autograd_core", "torch"))
    assert len(theirs[0]) == 2 and theirs[0][1][1] is not None
    _same(ours, theirs, 1e-9)


# ---- a node of several outputs with one Value as several inputs: its hooks could not be PyTorch's (the gradient its
# nodes give the Value is the sum of its inputs'), so register_hook refuses, as for a composite; a prehook is PyTorch's

SEVERAL_OUTPUTS = [
    ("triangular_solve", lambda L, t: L.triangular_solve(t, t)[0]),
    ("triangular_solve_upper_false", lambda L, t: L.triangular_solve(t, t, upper=False)[0]),
    ("lstsq", lambda L, t: L.linalg.lstsq(t, t).solution),
]


@pytest.mark.parametrize("make", [case[1] for case in SEVERAL_OUTPUTS], ids=[case[0] for case in SEVERAL_OUTPUTS])
def test_a_hook_on_a_node_of_several_outputs_over_one_value_twice_is_refused(make):
    import warnings

    calls, grads = [], []
    for library in ("autograd_core", "torch"):
        L, _, _ = _library(library)
        a = L.tensor(_ARRAYS["m"][0] + 3 * np.eye(3), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = make(L, a * 1)
        if library == "autograd_core":
            with pytest.raises(RuntimeError, match="several of the inputs"):
                y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: None)
        seen = []
        y.grad_fn.register_prehook(lambda grad_outputs, seen=seen: seen.append([_numbers(g) for g in grad_outputs]))
        (y * L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))).sum().backward()
        calls.append(seen)
        grads.append(_numbers(a.grad))
    _same(calls[0], calls[1], 1e-9)
    _same(grads[0], grads[1], 1e-9)
