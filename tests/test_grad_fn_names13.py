"""`y.grad_fn`'s names and whole chains against PyTorch's, round 13: a differential fuzzer, and the mismatches it found.

The fuzzer (fuzz_names_catalogue.py's catalogue) draws a short program of PyTorch calls (elementwise ops with
broadcasting and transposed or strided operands, reductions with dims and keepdim, views and indexing, matmul of 1- to
4-d shapes, cat, stack, split, chunk, softmax and nn.functional calls), each line checked in PyTorch as it is drawn,
and runs it in both libraries on the same float64 leaves: the output's value (to 1e-12), its whole chain of
next_functions (each node's name and output number, down to the leaves) and each leaf's gradient of Σ y·cos(k) (to
1e-10) must be PyTorch's. The suite runs a fixed, derandomized sample (NAMES_FUZZ_EXAMPLES, 300 examples, a few
seconds); `NAMES_FUZZ_EXAMPLES=5000 NAMES_FUZZ_SEED=3 pytest -k random tests/test_grad_fn_names13.py` runs a larger one
with another seed. A failing example prints its program, a repro as it stands.

Then each mismatch it found, as a named regression test."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from fuzzing import fuzz_settings

torch = pytest.importorskip("torch")

import autograd_core as ag  # noqa: E402
import autograd_core.nn.functional as agF  # noqa: E402
from fuzz_names_catalogue import CATALOGUE  # noqa: E402
from test_grad_fn_names6 import _numbered_chain  # noqa: E402

FUZZ_EXAMPLES = int(os.environ.get("NAMES_FUZZ_EXAMPLES", "300"))
FUZZ_SEED = os.environ.get("NAMES_FUZZ_SEED")
_LIBRARIES = {"torch": (torch, torch.nn.functional), "autograd_core": (ag, agF)}


class Program:
    """A program being drawn: its lines, its leaves' arrays, and a PyTorch namespace that has run them (the shapes)."""

    def __init__(self, rng):
        self.rng, self.lines, self.arrays, self.results = rng, [], [], []
        self.ns = {"L": torch, "F": torch.nn.functional}

    def shape(self, expr):
        return tuple(eval(expr, self.ns).shape)  # noqa: S307  (the program's own source)

    def names(self):
        return [f"a{k}" for k in range(len(self.arrays))] + self.results

    def leaf(self, draw, shape, transposed=False):
        """A new leaf of `shape` (its expression): laid out transposed (a permute of a leaf of the reversed shape)
        where asked."""
        k = len(self.arrays)
        shape = tuple(shape)
        transposed = transposed and len(shape) >= 2
        self.arrays.append(self.rng.standard_normal(shape[::-1] if transposed else shape))
        self.ns[f"a{k}"] = torch.tensor(self.arrays[-1], requires_grad=True)
        if not transposed:
            return f"a{k}"
        perm = tuple(range(len(shape)))[::-1]
        return f"a{k}.permute{perm}"

    def add(self, expr):
        """Run `expr` in PyTorch: a new result h<n> if it gives a tensor PyTorch differentiates, else False."""
        name = f"h{len(self.results)}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = eval(expr, self.ns)  # noqa: S307
        except (RuntimeError, IndexError, ValueError, TypeError):
            return False
        if not isinstance(value, torch.Tensor) or value.grad_fn is None or value.numel() > 400:
            return False
        self.ns[name] = value
        self.results.append(name)
        self.lines.append(f"{name} = {expr}")
        return True

    def source(self):
        return "\n".join(self.lines + [f"out = {self.results[-1]}"])


@st.composite
def programs(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    p = Program(rng)
    ndim = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    start = p.leaf(draw, shape, transposed=draw(st.booleans()))
    if not p.add(f"{start} * 1" if draw(st.booleans()) else start + ".tanh()"):
        p.add("a0 * 1")
    for _ in range(draw(st.integers(1, 5))):
        for _attempt in range(6):
            x = p.results[-1] if draw(st.integers(0, 3)) else draw(st.sampled_from(p.results))
            expr = draw(st.sampled_from(CATALOGUE))(draw, p, x)
            if expr is not None and p.add(expr):
                break
    return p.source(), p.arrays


def run_program(library, source, arrays):
    """The program's output and leaves in `library`."""
    L, F = _LIBRARIES[library]
    ns = {"L": L, "F": F}
    for k, a in enumerate(arrays):
        ns[f"a{k}"] = L.tensor(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(source, ns)  # noqa: S102  (the program drawn above)
    return ns["out"], [ns[f"a{k}"] for k in range(len(arrays))]


def first_difference(ours, theirs):
    """Where two chains first differ: (our node, PyTorch's), each a name and the names of its next_functions."""
    def shown(c):
        if c is None or isinstance(c, str):
            return c
        return c[0], [(n, e if e is None or isinstance(e, str) else e[0]) for n, e in c[1]]
    if (isinstance(ours, tuple) and isinstance(theirs, tuple) and ours[0] == theirs[0]
            and len(ours[1]) == len(theirs[1])):
        for (n, a), (m, b) in zip(ours[1], theirs[1]):
            if n == m and a != b:
                return first_difference(a, b)
    return f"ours {shown(ours)}, PyTorch's {shown(theirs)}"


def _as_array(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)


def results(library, source, arrays):
    """(value, chain, gradients of Σ y·cos(k) for each leaf: None where none reaches it) of the program."""
    L, _ = _LIBRARIES[library]
    out, leaves = run_program(library, source, arrays)
    weights = L.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))
    grads = L.autograd.grad((out * weights).sum(), leaves, allow_unused=True)
    return _as_array(out), _numbered_chain(out.grad_fn, depth=60), [None if g is None else _as_array(g) for g in grads]


def assert_same_as_pytorch(source, arrays):
    theirs = results("torch", source, arrays)
    ours = results("autograd_core", source, arrays)
    assert ours[0].shape == theirs[0].shape
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-12)
    assert ours[1] == theirs[1], f"chains differ: {first_difference(ours[1], theirs[1])}"
    for k, (a, b) in enumerate(zip(ours[2], theirs[2])):
        assert (a is None) == (b is None), f"a{k}"
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10, err_msg=f"a{k}")


@fuzz_settings(FUZZ_EXAMPLES, FUZZ_SEED)
@given(programs())
def test_random_programs_have_pytorchs_values_chains_and_gradients(program):
    source, arrays = program
    shapes = ", ".join(f"a{k}: {a.shape}" for k, a in enumerate(arrays))
    try:
        assert_same_as_pytorch(source, arrays)
    except Exception as error:
        raise AssertionError(f"{type(error).__name__}: {error}\n# leaves {shapes}\n{source}") from None


# ---- the mismatches the fuzzer found (and the two the last round left), each against PyTorch

_RNG = np.random.default_rng(13)
_ARRAYS = {
    "x": _RNG.standard_normal((3, 4)), "y": _RNG.standard_normal((4, 3)), "v": _RNG.standard_normal(3),
    "b3": _RNG.standard_normal((2, 3, 4)), "c3": _RNG.standard_normal((2, 4, 3)), "m": _RNG.standard_normal((3, 2)),
    "a4": _RNG.standard_normal((2, 1, 4, 3)), "c1": _RNG.standard_normal((1, 3, 5)), "s": _RNG.standard_normal(()),
    "col": _RNG.standard_normal((2, 1)), "sq": _RNG.standard_normal((3, 3)), "w": _RNG.standard_normal((2, 1, 1)),
    "f4": _RNG.standard_normal((4, 1, 4, 1)), "g4": _RNG.standard_normal((1, 1, 1, 2)),
}
_SOURCES = {name: f"L.tensor(ARRAYS[{name!r}], requires_grad=True)" for name in _ARRAYS}

# (id, program: each line as the fuzzer's, over the leaves above by name)
REGRESSIONS = [
    # PyTorch's elementwise result follows its first input's layout where NumPy's is row-major: reshape copies it
    ("(x.T+y).reshape(-1)", "out = (x.T + y).reshape(-1)"),
    ("(x.T+y).flatten()", "out = (x.T + y).flatten()"),
    ("(x.T*y).reshape(2,6)", "out = (x.T * y).reshape(2, 6)"),
    ("(x.T+y).T.reshape(-1)", "out = (x.T + y).T.reshape(-1)"),  # its transpose is row-major there: a view
    ("(x.T+y)[1:].reshape(-1)", "out = (x.T + y)[1:].reshape(-1)"),
    ("where(x.T>0,x.T,y).reshape(-1)", "out = L.where(x.T > 0, x.T, y).reshape(-1)"),
    ("(y+x.T).reshape(-1)", "out = (y + x.T).reshape(-1)"),
    ("(b3.mT+c3).flatten(0,1)", "out = (b3.mT + c3).flatten(0, 1)"),
    ("(b3.mT+c3)@m_const", "out = (b3.mT + c3) @ m.detach()"),  # matmul folds a row-major stack only
    ("einsum((b3.mT+c3),m)", "out = L.einsum('bij,jk->bik', b3.mT + c3, m)"),
    ("index_of_permute.reshape", "out = b3.permute(2, 1, 0)[L.tensor([0, 2])].reshape(-1)"),
    ("broadcast_matmul.reshape", "out = (a4 @ c1).reshape(-1)"),
    ("matrix@stack.reshape", "out = L.matmul(sq.mT, w.expand(2, 3, 1)).reshape(-1)"),
    ("contiguous_of_transposed@", "h = x.T.tanh().contiguous()\nout = L.matmul(sq.mT, h.unsqueeze(-1))"),
    ("softmax_of_transposed.view", "out = x.T.softmax(0).view(-1)"),
    # an operation that changes nothing still records PyTorch's node
    ("v.t()", "out = (v * 1).t()"),
    ("s.t()", "out = (s * 1).t()"),
    ("squeeze_nothing", "out = (x * 1).squeeze()"),
    ("squeeze(0)_of_3", "out = (x * 1).squeeze(0)"),
    ("squeeze((0,))_of_3", "out = (x * 1).squeeze((0,))"),
    ("s.squeeze()", "out = (s * 1).squeeze()"),
    ("movedim(0,0)", "out = (x * 1).movedim(0, 0)"),
    ("s.movedim(0,0)", "out = L.movedim(s * 1, 0, 0)"),
    ("swapdims(0,1)", "out = L.swapdims(x * 1, 0, 1)"),
    ("swapaxes(1,1)", "out = L.swapaxes(x * 1, 1, 1)"),
    ("s.transpose(0,-1)", "out = (s * 1).transpose(0, -1)"),
    ("roll_whole_turn", "out = (x * 1).roll(4, 1)"),
    ("roll(0)", "out = (x * 1).roll(0, 0)"),
    ("flip(())", "out = (x * 1).flip(())"),
    ("s.flip(0)", "out = (s * 1).flip(0)"),
    ("narrow_whole", "out = (x * 1).narrow(1, 0, 4)"),
    ("narrow_whole_dim0", "out = (x * 1).narrow(0, 0, 3)"),
    # flatten of one dimension is the input itself (no node)
    ("v.flatten()", "out = (v * 1).flatten()"),
    ("x.flatten(1,1)", "out = (x * 1).flatten(1, 1)"),
    # reductions over a dim to 0-d keep PyTorch's name (and after a backward pass: the fuzzer reads names after it)
    ("v.prod(0)", "out = (v * 1).prod(0)"),
    ("x.prod(1,keepdim)", "out = (x * 1).prod(1, keepdim=True)"),
    ("v.amax(0)", "out = (v * 1).amax(0)"),
    ("v.amin(-1)", "out = (v * 1).amin(-1)"),
    ("s.amax(0)", "out = (s * 1).amax(0)"),
    # out of place, masked_fill broadcasts x with a larger mask
    ("col.masked_fill(mask)", "out = col.masked_fill(x[:2, :] > 0, 0.5)"),
    ("s.masked_fill(mask)", "out = s.masked_fill(x > 0, 0.0)"),
    # PyTorch's one node (or its own composition) where this library composed others
    ("repeat_interleave(2)", "out = (x * 1).repeat_interleave(2)"),
    ("x.T.repeat_interleave(3,-1)", "out = x.T.repeat_interleave(3, -1)"),
    ("repeat_interleave(tensor)", "out = (x * 1).repeat_interleave(L.tensor([1, 2, 0, 1]), 1)"),
    ("logcumsumexp", "out = x.logcumsumexp(1)"),
    ("s.logcumsumexp", "out = s.logcumsumexp(0)"),
    ("rot90", "out = L.rot90(x * 1, 1, (0, 1))"),
    ("rot90(k=0)", "out = L.rot90(x * 1, 0, (0, 1))"),
    ("diag_embed", "out = L.diag_embed(x * 1)"),
    ("diag_embed(1,0,2)", "out = L.diag_embed(x * 1, 1, 0, 2)"),
    ("atleast_2d(v)", "out = L.atleast_2d(v * 1)"),
    ("atleast_3d(v)", "out = L.atleast_3d(v * 1)"),
    ("atleast_3d(x)", "out = L.atleast_3d(x * 1)"),
    # layouts of cummax, index_select, flip, sort results under a reshape or a matmul
    ("cummax_of_permute.reshape", "out = b3.permute(2, 1, 0).cummax(1)[0].reshape(-1)"),
    ("index_select_of_T.view", "out = L.index_select(x.T, 0, L.tensor([0, 1])).view(-1)"),
    ("sort_of_T.reshape", "out = x.T.sort(0)[0].reshape(-1)"),
    ("flip@batch", "out = f4.tanh().flip(-4) @ g4"),
    ("quantile_of_T", "out = L.quantile(x.T, 0.3, dim=0, keepdim=True)"),  # sort laid out as x.T, then a view
    ("cumprod_of_empty", "out = (x * 1)[:, 4:].cumprod(1)"),  # (its gradient raised on an empty dimension)
]


def _regression_source(program):
    used = [name for name in _ARRAYS if name in program.replace("(", " ").replace(".", " ").replace(",", " ").split()
            or f"{name}." in program or f"({name}" in program or f" {name})" in program or f"{name} " in program]
    return "\n".join(f"{name} = a{k}" for k, name in enumerate(used)) + "\n" + program, [_ARRAYS[n] for n in used]


@pytest.mark.parametrize("program", [case[1] for case in REGRESSIONS], ids=[case[0] for case in REGRESSIONS])
def test_found_mismatches_are_pytorchs(program):
    """The value, the whole chain (names and output numbers, read after the backward pass) and the gradients."""
    assert_same_as_pytorch(*_regression_source(program))


def test_layouts_are_read_lazily_and_keep_numpys_arrays():
    """(x.T + y)'s array stays NumPy's (row-major: nothing copied while recording), its grad_fn names read PyTorch's
    layout (column-major), and the reshape over it shows PyTorch's copy."""
    from autograd_core.grad_fn_strides import pytorch_strides

    x, y = (ag.tensor(_ARRAYS[name], requires_grad=True) for name in ("x", "y"))
    total = x.T + y
    assert total.stride() == (3, 1) and pytorch_strides(total) == (1, 4)
    assert torch.tensor(_ARRAYS["x"]).T.add(torch.tensor(_ARRAYS["y"])).stride() == (1, 4)
    flat = total.reshape(-1)
    assert [flat.grad_fn.name(), flat.grad_fn.next_functions[0][0].name()] == ["UnsafeViewBackward0", "CloneBackward0"]
    assert np.shares_memory(flat.data, total.data)  # (NumPy's reshape is a view of its row-major array)


_T = np.True_
_BOOL_INDEXES = [_T, np.False_, (_T,), (0, _T), (_T, 0), (slice(1, None), np.False_), (Ellipsis, _T), (None, _T),
                 (_T, _T), (True, _T), (5, _T), (slice(None), slice(None), _T), ([0, 1], _T), (_T, [0, 1])]


@pytest.mark.parametrize("shape", [(), (3,), (3, 4)], ids=["0d", "1d", "2d"])
@pytest.mark.parametrize("index", _BOOL_INDEXES, ids=[repr(i) for i in _BOOL_INDEXES])
def test_numpy_bools_in_an_index_are_pytorchs(shape, index):
    """A NumPy bool item: PyTorch's IndexError and words (too many indices counting it as a dimension, an earlier
    item's error, else its type refused), reading and assigning; a Python bool or a list of NumPy bools as there."""
    outcomes = []
    for L in (torch, ag):
        x = L.zeros(shape, dtype=L.float64, requires_grad=True) * 1
        items = []
        for act in (lambda x: tuple(x[index].shape), lambda x: x.detach().clone().__setitem__(index, 1.0) and None):
            try:
                items.append(("ok", act(x)))
            except IndexError as error:
                items.append(("IndexError", str(error).split(" (x[np.True_]")[0]))
            except Exception as error:  # noqa: BLE001  (another kind: compared by its class's name)
                items.append((type(error).__name__, None))
        outcomes.append(items)
    assert outcomes[1] == outcomes[0]


def test_python_bools_and_lists_of_numpy_bools_still_index():
    """x[True], x[0, True], x[[np.True_, np.False_, np.True_]] (a mask) and x[0, [...]] are accepted, as in PyTorch."""
    for index in (True, (0, True), [_T, np.False_, _T], (0, [_T, np.False_, _T, _T]), (None, True, 1)):
        shapes = [tuple((L.tensor(_ARRAYS["x"], requires_grad=True) * 1)[index].shape) for L in (torch, ag)]
        assert shapes[1] == shapes[0]
