"""`y.grad_fn` against PyTorch's, round 6 (the style of test_grad_fn_names5.py, each case run in both libraries):
PyTorch's one node of several outputs (std_mean, var_mean, aminmax, svd, qr, eigh, eig, slogdet, lu, lu_unpack, geqrf,
lstsq, split, chunk, unbind) is one GradFn here too — `a.grad_fn is b.grad_fn`, each output's `output_nr`, and the
output numbers in a consumer's `next_functions` — and every node is one object while held (`y.grad_fn is
y.grad_fn`, one AccumulateGrad a leaf); the linalg functions cond, tensorinv, logdet, multi_dot and matrix_power
record PyTorch's nodes, in its order (whole chains compared with the output numbers). Then: the relabelling changes no
number (bit for bit), values and gradients against PyTorch's, and this library's side alone."""

import gc

import numpy as np
import pytest
from test_grad_fn_names import Tensors, _library, _next_names, run_on

_RNG = np.random.default_rng(6)
_ARRAYS = {
    "x": _RNG.standard_normal((4, 3)), "sq": _RNG.standard_normal((3, 3)) + 3 * np.eye(3),
    "v": _RNG.standard_normal(3), "b3": _RNG.standard_normal((2, 3, 3)), "t4": _RNG.standard_normal((2, 3, 6)),
    "w": _RNG.standard_normal((3, 5)), "u": _RNG.standard_normal((5, 2)),
}


def _Inputs(L, dtype=np.float64):
    """The arrays above as tensors of library L (float64, or `dtype`) that require grad."""
    return Tensors(L, _ARRAYS, dtype)


def _run(library, make, dtype=np.float64):
    return run_on(library, make, _ARRAYS, dtype)


def _numbered_chain(fn, depth=6):
    """fn's name and, for each next_functions entry, its output number and chain, down to the leaves."""
    if fn is None:
        return None
    name = type(fn).__name__
    if name == "AccumulateGrad" or depth == 0:
        return name
    return name, tuple((n, _numbered_chain(f, depth - 1)) for f, n in fn.next_functions)


_ACC = "AccumulateGrad"

# (id, name of y.grad_fn, next_functions' names joined by "|", y from (L, F, nn, d)): PyTorch 2.13's names
CASES = [
    # condition numbers in the 2-norm: a squeeze of the quotient of two slices of svdvals (LinalgSvdBackward0's S)
    ("cond", "SqueezeBackward1", "DivBackward0", lambda L, F, nn, d: L.linalg.cond(d.x)),
    ("cond_2", "SqueezeBackward1", "DivBackward0", lambda L, F, nn, d: L.linalg.cond(d.sq, 2)),
    ("cond_-2_batched", "SqueezeBackward1", "DivBackward0", lambda L, F, nn, d: L.linalg.cond(d.b3, -2)),
    ("svdvals_sliced", "SliceBackward0", "LinalgSvdBackward0", lambda L, F, nn, d: L.linalg.svdvals(d.x)[1:]),
    ("matrix_norm_2", "AmaxBackward0", "LinalgSvdBackward0", lambda L, F, nn, d: L.linalg.matrix_norm(d.x, 2)),
    # tensorinv: PyTorch's inverse is in column order, reshaped by an alias
    ("tensorinv", "ReshapeAliasBackward0", "LinalgInvExBackward0", lambda L, F, nn, d: L.linalg.tensorinv(d.t4)),
    ("tensorinv_ind1", "ReshapeAliasBackward0", "LinalgInvExBackward0",
     lambda L, F, nn, d: L.linalg.tensorinv(d.sq, ind=1)),
    ("tensorinv_of_view", "ReshapeAliasBackward0", "LinalgInvExBackward0",
     lambda L, F, nn, d: L.linalg.tensorinv(d.t4.reshape(6, 2, 3), ind=1)),
    # logdet of a real matrix: where(sign < 0, nan, logabsdet)
    ("logdet", "WhereBackward0", "None|LinalgSlogdetBackward0", lambda L, F, nn, d: L.logdet(d.sq)),
    ("logdet_batched", "WhereBackward0", "None|LinalgSlogdetBackward0", lambda L, F, nn, d: d.b3.logdet()),
    ("logdet_gram", "WhereBackward0", "None|LinalgSlogdetBackward0", lambda L, F, nn, d: L.logdet(d.sq @ d.sq.T)),
    # multi_dot: vectors unsqueezed, products in PyTorch's order of fewest operations, a view of the result
    ("multi_dot_2", "ViewBackward0", "MmBackward0", lambda L, F, nn, d: L.linalg.multi_dot([d.x, d.sq])),
    ("multi_dot_right", "ViewBackward0", "MmBackward0", lambda L, F, nn, d: L.linalg.multi_dot([d.x, d.sq, d.sq])),
    ("multi_dot_left", "ViewBackward0", "MmBackward0", lambda L, F, nn, d: L.linalg.multi_dot([d.sq, d.sq, d.w])),
    ("multi_dot_vectors", "ViewBackward0", "MmBackward0",
     lambda L, F, nn, d: L.linalg.multi_dot([d.v, d.sq, d.sq, d.v])),
    ("multi_dot_first_vector", "ViewBackward0", "MmBackward0", lambda L, F, nn, d: L.linalg.multi_dot([d.v, d.x.T])),
    ("multi_dot_4", "ViewBackward0", "MmBackward0", lambda L, F, nn, d: L.linalg.multi_dot([d.x, d.w, d.u, d.u.T])),
    ("multi_dot_5", "ViewBackward0", "MmBackward0",
     lambda L, F, nn, d: L.linalg.multi_dot([d.u.T, d.w.T, d.sq, d.w, d.u])),
    # matrix_power: a copy for n = 1, PyTorch's order of products
    ("matrix_power_1", "CloneBackward0", _ACC, lambda L, F, nn, d: L.linalg.matrix_power(d.sq, 1)),
    ("matrix_power_3", "MmBackward0", "MmBackward0|AccumulateGrad", lambda L, F, nn, d: L.linalg.matrix_power(d.sq, 3)),
    ("matrix_power_-3", "MmBackward0", "MmBackward0|LinalgInvExBackward0",
     lambda L, F, nn, d: L.linalg.matrix_power(d.sq, -3)),
    ("matrix_power_5", "MmBackward0", "AccumulateGrad|MmBackward0", lambda L, F, nn, d: d.sq.matrix_power(5)),
    ("matrix_power_3_batched", "UnsafeViewBackward0", "BmmBackward0",
     lambda L, F, nn, d: L.linalg.matrix_power(d.b3, 3)),
    # consumers of outputs of one node of several: the output numbers in next_functions
    ("std_mean_sum", "AddBackward0", "StdMeanBackward0|StdMeanBackward0",
     lambda L, F, nn, d: (lambda s, m: s + m)(*L.std_mean(d.x, 1))),
    ("torch.svd_V", "TransposeBackward0", "LinalgSvdBackward0", lambda L, F, nn, d: L.svd(d.x)[2]),
    ("torch.svd_V_of_U", "MmBackward0", "LinalgSvdBackward0|PermuteBackward0",
     lambda L, F, nn, d: (lambda U, S, V: U @ V.T)(*L.svd(d.sq))),
    ("svd_product", "MulBackward0", "LinalgSvdBackward0|SelectBackward0",
     lambda L, F, nn, d: (lambda U, S, Vh: S * Vh[0])(*L.linalg.svd(d.x, full_matrices=False))),
    ("eigh_scaled", "MulBackward0", "LinalgEighBackward0|LinalgEighBackward0",
     lambda L, F, nn, d: (lambda w, V: V * w)(*L.linalg.eigh(d.sq + d.sq.T))),
    ("unbind_cat", "CatBackward0", "UnbindBackward0|UnbindBackward0|UnbindBackward0",
     lambda L, F, nn, d: L.cat(d.x.unbind(1)[::-1])),
    ("split_stack", "StackBackward0", "SplitBackward0|SplitBackward0", lambda L, F, nn, d: L.stack(d.x.split(2)[::-1])),
    ("aminmax_sub", "SubBackward0", "AminmaxBackward0|AminmaxBackward0",
     lambda L, F, nn, d: (lambda lo, hi: hi - lo)(*L.aminmax(d.x, dim=0))),
    ("slogdet_logabsdet", "MulBackward0", "LinalgSlogdetBackward0|None",
     lambda L, F, nn, d: L.linalg.slogdet(d.sq)[1] * 2),
    ("lu_U_of_L", "MmBackward0", "LinalgLuBackward0|LinalgLuBackward0",
     lambda L, F, nn, d: (lambda P, lower, upper: lower @ upper)(*L.linalg.lu(d.sq))),
    ("lu_unpack_U", "MulBackward0", "LuUnpackBackward0|None",
     lambda L, F, nn, d: L.lu_unpack(*L.linalg.lu_factor(d.sq))[2] * 2),
    ("qr_R", "MulBackward0", "LinalgQrBackward0|None", lambda L, F, nn, d: L.linalg.qr(d.x).R * 2),
    # einsum of one or two operands: PyTorch's unsqueezes, permutes, views and bmm
    ("einsum_mm", "ViewBackward0", "PermuteBackward0", lambda L, F, nn, d: L.einsum("ij,jk->ik", d.x, d.w)),
    ("einsum_bmm", "ViewBackward0", "PermuteBackward0", lambda L, F, nn, d: L.einsum("bij,bjk->bik", d.b3, d.b3)),
    ("einsum_scores", "ViewBackward0", "PermuteBackward0",
     lambda L, F, nn, d: L.einsum("bhqd,bhkd->bhqk", d.t4.view(2, 3, 2, 3), d.t4.view(2, 3, 2, 3) * 2)),
    ("einsum_dot", "ViewBackward0", "PermuteBackward0", lambda L, F, nn, d: L.einsum("i,i->", d.v, d.v)),
    ("einsum_transpose", "PermuteBackward0", _ACC, lambda L, F, nn, d: L.einsum("ij->ji", d.x)),
    ("einsum_sum", "SumBackward1", "PermuteBackward0", lambda L, F, nn, d: L.einsum("ij->", d.x)),
    ("einsum_outer", "MulBackward0", "PermuteBackward0|PermuteBackward0",
     lambda L, F, nn, d: L.einsum("i,j", d.v, d.x[0])),
    ("einsum_swapped", "ViewBackward0", "PermuteBackward0", lambda L, F, nn, d: L.einsum("ij,jk->ki", d.x, d.w)),
    ("einsum_transposed_input", "ViewBackward0", "PermuteBackward0",
     lambda L, F, nn, d: L.einsum("ij,jk->ik", d.w.T, d.x.T)),
    ("einsum_constant", "ViewBackward0", "PermuteBackward0", lambda L, F, nn, d: L.einsum("ij,kj", d.x.detach(), d.sq)),
    # matmul of stacks of matrices: expanded to one batch, reshaped (a view, an alias or a copy), bmm
    ("matmul_4d", "UnsafeViewBackward0", "BmmBackward0",
     lambda L, F, nn, d: d.t4.view(2, 3, 2, 3) @ d.t4.view(2, 3, 3, 2)),
    ("matmul_4d_transposed", "UnsafeViewBackward0", "BmmBackward0",
     lambda L, F, nn, d: d.t4.view(2, 3, 2, 3) @ d.t4.view(2, 3, 2, 3).transpose(-1, -2)),
    ("matmul_broadcast", "UnsafeViewBackward0", "BmmBackward0",
     lambda L, F, nn, d: d.t4.view(2, 1, 6, 3) @ d.b3.view(1, 2, 3, 3)),
    ("matmul_4d_3d", "UnsafeViewBackward0", "BmmBackward0", lambda L, F, nn, d: d.t4.view(2, 2, 3, 3) @ d.b3),
    ("einsum_ellipsis", "ViewBackward0", "PermuteBackward0",
     lambda L, F, nn, d: L.einsum("...ij,...jk->...ik", d.b3, d.b3.mT)),
]

_IDS = [case[0] for case in CASES]


@pytest.mark.parametrize("L", ["torch", "autograd_core"])
@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_grad_fn_and_next_functions_are_named_as_the_table(L, case):
    _, name, next_names, make = case
    fn = _run(L, make).grad_fn
    assert (type(fn).__name__, fn.name(), _next_names(fn)) == (name, name, next_names)


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_whole_chain_with_output_numbers_is_pytorchs(case):
    make = case[3]
    assert _numbered_chain(_run("autograd_core", make).grad_fn) == _numbered_chain(_run("torch", make).grad_fn)


def _chain_to_inputs(fn, leaves):
    """fn's chain with each leaf named by its input (which operand each path leads to), and output numbers."""
    if fn is None:
        return None
    if type(fn).__name__ == "AccumulateGrad":
        return leaves[id(fn.variable)]
    return type(fn).__name__, tuple((n, _chain_to_inputs(f, leaves)) for f, n in fn.next_functions)


def _chain_of(y, inputs):
    """y's chain (`_chain_to_inputs`), each leaf named by its index in `inputs`."""
    return _chain_to_inputs(y.grad_fn, {id(x): k for k, x in enumerate(inputs)})


def _einsum_chains(equation, sizes, rng):
    """The chains of einsum(equation) to its operands (random, of `sizes` by letter), contiguous and transposed (the
    permuted copies: views, aliases or copies by the strides): [ours, ours transposed, PyTorch's, its transposed]."""
    subs = equation.split("->")[0].split(",")
    arrays = [rng.standard_normal([sizes[a] for a in s]) for s in subs]
    chains = []
    for library in ("autograd_core", "torch"):
        L = _library(library)[0]
        for transposed in (False, True):
            xs = [L.tensor(a.T.copy() if transposed else a, requires_grad=True) for a in arrays]
            operands = [x.permute(*reversed(range(x.ndim))) if transposed else x for x in xs]
            chains.append(_chain_of(L.einsum(equation, *operands), xs))
    return chains


_EQUATIONS = ["ij,jk->ik", "ij,jk->ki", "bij,bjk->bik", "bij,bkj->bik", "bhqd,bhkd->bhqk", "bhqk,bhkd->bhqd",
              "i,i->", "i,j->ij", "ij,ij->", "ij,ij->ji", "ij,j->i", "j,ij->i", "ijk->kji", "abc,cd->dba",
              "abc,bcd->da", "abcd,adbc->cb", "ij,jk", "ba,cb"]


@pytest.mark.parametrize("equation", _EQUATIONS)
def test_einsum_chains_lead_to_pytorchs_operands(equation):
    """Each path of PyTorch's chain ends at the same operand here (the swap of sumproduct_pair), for contiguous and
    transposed operands (views or aliases of the permuted operands, or copies)."""
    pytest.importorskip("torch")
    chains = _einsum_chains(equation, dict(zip("abcdhijkq", (2, 3, 4, 5, 2, 6, 7, 3, 4))), _RNG)
    assert chains[:2] == chains[2:]


# attention where PyTorch's CPU dispatch takes its math path: (q·√s)(kᵀ·√s) by bmm, the mask added, its safe softmax,
# dropout's product, bmm with v (y from (L, F, q, k, v, mask))
_MASK = np.where(_RNG.standard_normal((4, 5)) > 0, 0.0, -1.0)
_ATTENTION = {
    "mask_with_grad": lambda L, F, q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
    "3d": lambda L, F, q, k, v, m: F.scaled_dot_product_attention(q[0], k[0], v[0]),
    "3d_causal_scale": lambda L, F, q, k, v, m: F.scaled_dot_product_attention(q[0], k[0, :, :4], v[0, :, :4],
                                                                               is_causal=True, scale=0.3),
    "3d_bool_mask": lambda L, F, q, k, v, m: F.scaled_dot_product_attention(q[1], k[1], v[1],
                                                                            attn_mask=L.tensor(_MASK < 0)),
    "dropout": lambda L, F, q, k, v, m: F.scaled_dot_product_attention(q, k, v, dropout_p=0.5),
    "value_head_size": lambda L, F, q, k, v, m: F.scaled_dot_product_attention(q, k, v[..., :2]),
    "batch_broadcast": lambda L, F, q, k, v, m: F.scaled_dot_product_attention(q, k[:1], v[:1]),
    "matrices": lambda L, F, q, k, v, m: F.scaled_dot_product_attention(q[0, 0], k[0, 0], v[0, 0]),
    "heads_transposed": lambda L, F, q, k, v, m: F.scaled_dot_product_attention(
        q.transpose(1, 2)[:, :3], k.transpose(1, 2)[:, :3], v.transpose(1, 2)[:, :3], dropout_p=0.2),
}


def _attention(library, make, dtype=np.float64):
    L, F, _ = _library(library)
    rng = np.random.default_rng(7)
    q, k = rng.standard_normal((2, 2, 4, 3)), rng.standard_normal((2, 2, 5, 3))
    inputs = [L.tensor(a.astype(dtype), requires_grad=True) for a in (q, k, k * 2, _MASK)]
    L.manual_seed(0)
    return make(L, F, *inputs), inputs


@pytest.mark.parametrize("make", _ATTENTION.values(), ids=_ATTENTION.keys())
def test_attention_on_pytorchs_math_path_is_its_chain(make):
    pytest.importorskip("torch")
    assert _chain_of(*_attention("autograd_core", make)) == _chain_of(*_attention("torch", make))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", _ATTENTION.values(), ids=_ATTENTION.keys())
def test_attention_relabelling_changes_no_number(make, dtype, monkeypatch):
    """The same attention with the relabelling turned off: the same values and gradients, bit for bit (the same
    dropout masks: one seed), another chain."""
    import autograd_core.one_node as one_node

    from autograd_core.autograd import grad

    def numbers():
        y, inputs = _attention("autograd_core", make, dtype)
        grads = grad((y * y).sum(), inputs, allow_unused=True)
        return [y.data] + [g for g in grads if g is not None], _numbered_chain(y.grad_fn, depth=12)

    relabelled, chain = numbers()
    monkeypatch.setattr(one_node, "input_paths", lambda out, inputs: None)
    plain, plain_chain = numbers()
    assert plain_chain != chain and len(plain) == len(relabelled)
    for a, b in zip(relabelled, plain):
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


# ---- PyTorch's one node of several outputs: one GradFn, the output numbers

# (id, the outputs from (L, d)): each a tuple, its items Values or values without a gradient
_SHARED = {
    "std_mean": lambda L, d: L.std_mean(d.x), "std_mean_dim": lambda L, d: L.std_mean(d.x, dim=1, keepdim=True),
    "var_mean": lambda L, d: L.var_mean(d.x, 0), "aminmax": lambda L, d: tuple(L.aminmax(d.x)),
    "svd": lambda L, d: tuple(L.linalg.svd(d.x, full_matrices=False)),
    "svd_full": lambda L, d: tuple(L.linalg.svd(d.w)),
    "torch.svd": lambda L, d: tuple(L.svd(d.x)), "svdvals": lambda L, d: (L.linalg.svdvals(d.x),),
    "qr": lambda L, d: tuple(L.linalg.qr(d.x)), "qr_r": lambda L, d: tuple(L.linalg.qr(d.x, mode="r"))[1:],
    "eigh": lambda L, d: tuple(L.linalg.eigh(d.sq + d.sq.T)), "eig": lambda L, d: tuple(L.linalg.eig(d.sq)),
    "slogdet": lambda L, d: tuple(L.linalg.slogdet(d.sq))[1:], "lu": lambda L, d: tuple(L.linalg.lu(d.sq)),
    "lu_unpack": lambda L, d: tuple(L.lu_unpack(*L.linalg.lu_factor(d.sq))),
    "geqrf": lambda L, d: tuple(L.geqrf(d.x)), "lstsq_solution": lambda L, d: tuple(L.linalg.lstsq(d.x, d.x * 2))[:1],
    "split": lambda L, d: d.x.split(2), "split_sizes": lambda L, d: d.x.split([1, 3]),
    "chunk": lambda L, d: d.x.chunk(3, 1), "unbind": lambda L, d: d.x.unbind(1),
    "unsafe_split": lambda L, d: d.x.unsafe_split(2), "max_dim": lambda L, d: tuple(d.x.max(1)),
    "sort": lambda L, d: tuple(d.x.sort(0)), "topk": lambda L, d: tuple(d.x.topk(2)),
    "median_dim": lambda L, d: tuple(d.x.median(1)), "kthvalue": lambda L, d: tuple(d.x.kthvalue(2, 0)),
}


def _what_users_see(L, outputs):
    """Per output: its grad_fn's name, output_nr, the first output of the same grad_fn object (identity), the output
    number a consumer's next_functions gives it, and whether that entry is the output's grad_fn itself."""
    seen, first_of = [], {}
    for k, out in enumerate(outputs):
        if not getattr(out, "requires_grad", False):
            seen.append(None)
            continue
        fn = out.grad_fn
        entry = (out * 1).grad_fn.next_functions[0]
        seen.append((type(fn).__name__, out.output_nr, first_of.setdefault(id(fn), k), entry[1], entry[0] is fn,
                     fn is out.grad_fn, fn == out.grad_fn))
    return seen


@pytest.mark.parametrize("make", _SHARED.values(), ids=_SHARED.keys())
def test_one_node_of_several_outputs_is_one_grad_fn_as_pytorchs(make):
    seen = {}
    for library in ("autograd_core", "torch"):
        L = _library(library)[0]
        d = _Inputs(L)
        outputs = make(L, d)
        seen[library] = _what_users_see(L, outputs)
    assert seen["autograd_core"] == seen["torch"]


def test_each_node_is_one_object_while_held():
    """`y.grad_fn is y.grad_fn`, the AccumulateGrad of one leaf in two nodes' next_functions, linear's TBackward0
    read twice: one object each, as PyTorch's (in both libraries)."""
    for library in ("autograd_core", "torch"):
        L, F, _ = _library(library)
        x = L.tensor(_ARRAYS["x"], requires_grad=True)
        w = L.tensor(_ARRAYS["sq"], requires_grad=True)
        y = x * 2
        assert y.grad_fn is y.grad_fn and y.grad_fn.next_functions[0][0] is (x + 1).grad_fn.next_functions[0][0]
        fn = F.linear(x, w, w[0]).grad_fn
        assert fn.next_functions[2][0] is fn.next_functions[2][0] and fn is not (x * 2).grad_fn


def test_a_change_in_place_makes_another_node_as_pytorchs():
    """An output of one node of several changed in place gets a node of its own (output 0 of it); its sibling keeps
    the name of the one node."""
    for library in ("autograd_core", "torch"):
        L = _library(library)[0]
        x = L.tensor(_ARRAYS["x"], requires_grad=True)
        std, mean = L.std_mean(x * 1, dim=0)
        mean.mul_(2)
        assert (type(mean.grad_fn).__name__, mean.output_nr, std.output_nr) == ("MulBackward0", 0, 0), library
        assert type(std.grad_fn).__name__ == "StdMeanBackward0" and std.grad_fn is std.grad_fn, library


# ---- the numbers: unchanged by the relabelling, and PyTorch's

def _output_and_gradients(library, make, dtype=np.float64):
    L, F, nn = _library(library)
    L.manual_seed(0)
    d = _Inputs(L, dtype)
    y = make(L, F, nn, d)
    inputs = [getattr(d, name) for name in _ARRAYS]
    weights = L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape))).to(y.dtype)
    grads = L.autograd.grad((y * weights).sum(), inputs, allow_unused=True)
    as_array = (lambda t: t.detach().numpy()) if library == "torch" else (lambda t: t.data)
    return as_array(y), [None if g is None else as_array(g) for g in grads]


_RELABELLED = [case for case in CASES if case[0].startswith(("tensorinv", "einsum"))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", _RELABELLED, ids=[case[0] for case in _RELABELLED])
def test_relabelling_changes_no_number(case, dtype, monkeypatch):
    """The same call with the relabelling turned off gives the same values and gradients, bit for bit; its node then
    has this library's own name (the test can fail)."""
    import autograd_core.grad_fn_names as grad_fn_names
    import autograd_core.one_node as one_node

    make = case[3]
    relabelled, relabelled_grads = _output_and_gradients("autograd_core", make, dtype)
    monkeypatch.setattr(one_node, "input_paths", lambda out, inputs: None)
    monkeypatch.delitem(grad_fn_names._CONTEXTS, "einsum")
    plain, plain_grads = _output_and_gradients("autograd_core", make, dtype)
    assert type(_run("autograd_core", make).grad_fn).__name__ != case[1]
    assert relabelled.dtype == plain.dtype and np.array_equal(relabelled, plain, equal_nan=True)
    for a, b in zip(relabelled_grads, plain_grads):
        assert (a is None and b is None) or (a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True))


_NUMBER_CASES = [case for case in CASES if case[0] != "torch.svd_V"]  # (singular vectors: defined up to sign)


@pytest.mark.parametrize("case", _NUMBER_CASES, ids=[case[0] for case in _NUMBER_CASES])
def test_values_and_gradients_are_pytorchs(case):
    pytest.importorskip("torch")
    ours, our_grads = _output_and_gradients("autograd_core", case[3])
    theirs, their_grads = _output_and_gradients("torch", case[3])
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    for a, b in zip(our_grads, their_grads):
        if a is None or b is None:
            assert a is None and b is None
        else:
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# ---- this library's side alone (no PyTorch needed)

def test_shared_grad_fn_without_pytorch():
    import autograd_core as ag

    x = ag.tensor(_ARRAYS["x"], requires_grad=True)
    U, S, Vh = ag.linalg.svd(x, full_matrices=False)
    assert U.grad_fn is S.grad_fn is Vh.grad_fn and (U.output_nr, S.output_nr, Vh.output_nr) == (0, 1, 2)
    assert hash(U.grad_fn) == hash(S.grad_fn) and U.grad_fn == Vh.grad_fn
    assert [n for _, n in (S * Vh[:, 0]).grad_fn.next_functions] == [1, 0]  # Vh[:, 0] is a node of its own
    del U  # the GradFn lives on through the outputs left
    assert S.grad_fn is Vh.grad_fn and S.grad_fn.next_functions[0][0].variable is x
    assert x.output_nr == 0 and (x * 2).output_nr == 0 and ag.std_mean(x.detach())[1].output_nr == 0


def test_the_marks_go_with_the_outputs():
    """Nothing is kept for outputs no longer alive (the marks are by identity, cleared as each output goes)."""
    import autograd_core as ag
    from autograd_core import one_node

    x = ag.tensor(_ARRAYS["x"], requires_grad=True)
    gc.collect()
    before = len(one_node._OUTPUT_OF)
    for _ in range(2):
        a, b = ag.std_mean(x, 0)
        (a.sum() + b.sum()).backward()
        pieces = x.split(1)
        assert pieces[3].output_nr == 3
    del a, b, pieces
    gc.collect()
    assert len(one_node._OUTPUT_OF) == before


def test_multi_dot_order_and_matrix_power_without_pytorch():
    """multi_dot multiplies in the order of fewest operations (A(BC) for a tall A and square B, C); matrix_power(A, 1)
    is a copy, (A A) A for n = 3."""
    import autograd_core as ag

    x, sq = ag.tensor(_ARRAYS["x"], requires_grad=True), ag.tensor(_ARRAYS["sq"], requires_grad=True)
    y = ag.linalg.multi_dot([x, sq, sq])
    product = y.grad_fn.next_functions[0][0]
    assert [type(f).__name__ for f, _ in product.next_functions] == ["AccumulateGrad", "MmBackward0"]
    np.testing.assert_allclose(y.data, _ARRAYS["x"] @ _ARRAYS["sq"] @ _ARRAYS["sq"], rtol=1e-12)
    one = ag.linalg.matrix_power(sq, 1)
    assert one is not sq and np.array_equal(one.data, sq.data) and one.grad_fn.name() == "CloneBackward0"
    np.testing.assert_allclose(ag.linalg.matrix_power(sq, 3).data, np.linalg.matrix_power(_ARRAYS["sq"], 3),
                               rtol=1e-12)


def test_einsum_outside_pytorchs_simple_cases_keeps_its_own_node():
    """An empty operand: this library's one node, EinsumBackward0 (PyTorch's fast path of zeros is not modelled;
    three operands, diagonals and labels summed within one operand are PyTorch's since round 7, labels of size 1
    since round 8); the name stays after a backward pass."""
    import autograd_core as ag

    x, sq = ag.tensor(_ARRAYS["x"], requires_grad=True), ag.tensor(_ARRAYS["sq"], requires_grad=True)
    assert ag.einsum("ij,jk->ik", x[:0], sq).grad_fn.name() == "EinsumBackward0"
    y = ag.einsum("ij,jk->ik", x, sq)
    y.sum().backward()
    assert type(y.grad_fn).__name__ == "ViewBackward0" and y.grad_fn.name() == "ViewBackward0"
