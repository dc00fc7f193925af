"""`y.grad_fn`'s names and whole chains against PyTorch's, round 13: a differential fuzzer, and the mismatches it found.

The fuzzer (fuzz_names_catalogue.py's catalogue) draws a short program of PyTorch calls (elementwise ops with
broadcasting and transposed or strided operands, reductions with dims and keepdim, views and indexing, matmul of 1- to
4-d shapes, cat, stack, split, chunk, softmax and nn.functional calls), each line checked in PyTorch as it is drawn,
and runs it in both libraries on the same float64 leaves: the output's value (to 1e-12), its whole chain of
next_functions (each node's name and output number, down to the leaves) and each leaf's gradient of Σ y·cos(k) (to
1e-10) must be PyTorch's. The suite runs a fixed, derandomized sample (NAMES_FUZZ_EXAMPLES, 150 examples, a few
seconds); `NAMES_FUZZ_EXAMPLES=5000 NAMES_FUZZ_SEED=3 pytest -k random tests/test_grad_fn_names13.py` runs a larger one
with another seed. A failing example prints its program, a repro as it stands.

Then each mismatch it found, as a named regression test."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import autograd_core as ag  # noqa: E402
import autograd_core.nn.functional as agF  # noqa: E402
from fuzz_names_catalogue import CATALOGUE  # noqa: E402

FUZZ_EXAMPLES = int(os.environ.get("NAMES_FUZZ_EXAMPLES", "150"))
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


def chain(fn, depth=60):
    """fn's name and, for each next_functions entry, its output number and chain, down to the leaves and constants."""
    if fn is None:
        return None
    name = type(fn).__name__
    if name == "AccumulateGrad" or depth == 0:
        return name
    return name, tuple((n, chain(f, depth - 1)) for f, n in fn.next_functions)


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
    return _as_array(out), chain(out.grad_fn), [None if g is None else _as_array(g) for g in grads]


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


def _fuzz_settings(test):
    test = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=FUZZ_SEED is None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=False)(test)
    return seed(int(FUZZ_SEED))(test) if FUZZ_SEED is not None else test


@_fuzz_settings
@given(programs())
def test_random_programs_have_pytorchs_values_chains_and_gradients(program):
    source, arrays = program
    shapes = ", ".join(f"a{k}: {a.shape}" for k, a in enumerate(arrays))
    try:
        assert_same_as_pytorch(source, arrays)
    except Exception as error:
        raise AssertionError(f"{type(error).__name__}: {error}\n# leaves {shapes}\n{source}") from None
