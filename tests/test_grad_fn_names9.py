"""`y.grad_fn`'s names against PyTorch's, round 9 (each case run in both libraries against one literal expectation):
compositions shown as PyTorch's one node (one_node.shown_as) — block_diag (BlockDiagBackward0), dist (DistBackward0),
fmod and remainder (FmodBackward0/1, RemainderBackward0/1), add and sub with alpha, in place too (AddBackward0 /
SubBackward0 listing the operands themselves, not a MulBackward0 of alpha); then that the relabelling changes no
gradient."""

import numpy as np
import pytest
from test_grad_fn_names import _library, _next_names

_RNG = np.random.default_rng(9)
_A, _B, _C = _RNG.standard_normal((2, 2)), _RNG.standard_normal(3), _RNG.standard_normal((2, 2))

# name: (call on a (2, 2) and b (3,) requiring grad, c (2, 2) not), expected name, expected next_functions
CASES = {
    "block_diag": (lambda L, a, b, c: L.block_diag(a, b), "BlockDiagBackward0", "AccumulateGrad|AccumulateGrad"),
    "block_diag_constant": (lambda L, a, b, c: L.block_diag(a, c), "BlockDiagBackward0", "AccumulateGrad|None"),
    "block_diag_one": (lambda L, a, b, c: L.block_diag(a), "BlockDiagBackward0", "AccumulateGrad"),
    "block_diag_cast": (lambda L, a, b, c: L.block_diag(c, a.float()), "BlockDiagBackward0", "None|ToCopyBackward0"),
    "dist": (lambda L, a, b, c: L.dist(a, c), "DistBackward0", "AccumulateGrad|None"),
    "dist_p1": (lambda L, a, b, c: L.dist(a, a * 2, p=1), "DistBackward0", "AccumulateGrad|MulBackward0"),
    "dist_other": (lambda L, a, b, c: L.dist(c, a), "DistBackward0", "None|AccumulateGrad"),
    "dist_broadcast": (lambda L, a, b, c: L.dist(a, b[:2]), "DistBackward0", "AccumulateGrad|SliceBackward0"),
    "fmod": (lambda L, a, b, c: L.fmod(a, c), "FmodBackward1", "AccumulateGrad|None"),
    "fmod_number": (lambda L, a, b, c: L.fmod(a, 2.0), "FmodBackward0", "AccumulateGrad"),
    "fmod_other": (lambda L, a, b, c: L.fmod(c, a), "FmodBackward1", "None|AccumulateGrad"),
    "fmod_0d": (lambda L, a, b, c: L.fmod(a, L.tensor(2.0, dtype=L.float64)), "FmodBackward1", "AccumulateGrad|None"),
    "fmod_both": (lambda L, a, b, c: L.fmod(a, a * 3), "FmodBackward1", "AccumulateGrad|MulBackward0"),
    "remainder": (lambda L, a, b, c: L.remainder(a, c), "RemainderBackward1", "AccumulateGrad|None"),
    "remainder_number": (lambda L, a, b, c: L.remainder(a, 2.0), "RemainderBackward0", "AccumulateGrad"),
    "add_alpha": (lambda L, a, b, c: L.add(a, a, alpha=2), "AddBackward0", "AccumulateGrad|AccumulateGrad"),
    "add_alpha_constant": (lambda L, a, b, c: L.add(a, c, alpha=2), "AddBackward0", "AccumulateGrad|None"),
    "add_alpha_first_constant": (lambda L, a, b, c: L.add(c, a, alpha=2), "AddBackward0", "None|AccumulateGrad"),
    "add_alpha_method": (lambda L, a, b, c: a.add(a, alpha=0.5), "AddBackward0", "AccumulateGrad|AccumulateGrad"),
    "add_alpha_number": (lambda L, a, b, c: L.add(a, 2, alpha=3), "AddBackward0", "AccumulateGrad|None"),
    "sub_alpha": (lambda L, a, b, c: L.sub(a, a, alpha=2), "SubBackward0", "AccumulateGrad|AccumulateGrad"),
    "sub_alpha_broadcast": (lambda L, a, b, c: a.sub(b[:2], alpha=3), "SubBackward0", "AccumulateGrad|SliceBackward0"),
    "add_alpha_inplace": (lambda L, a, b, c: a.clone().add_(a, alpha=2), "AddBackward0",
                          "CloneBackward0|AccumulateGrad"),
    "add_alpha_inplace_constant": (lambda L, a, b, c: c.clone().add_(a, alpha=2), "AddBackward0",
                                   "None|AccumulateGrad"),
    "sub_alpha_inplace": (lambda L, a, b, c: (a * 1).sub_(b[:2], alpha=0.5), "SubBackward0",
                          "MulBackward0|SliceBackward0"),
    "fmod_inplace": (lambda L, a, b, c: a.clone().fmod_(a), "FmodBackward1", "CloneBackward0|AccumulateGrad"),
}


def _inputs(L):
    return (L.tensor(_A, requires_grad=True), L.tensor(_B, requires_grad=True), L.tensor(_C))


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("L", ["torch", "autograd_core"])
def test_name_and_next_functions(L, case):
    L, _, _ = _library(L)
    fn, name, nexts = CASES[case]
    out = fn(L, *_inputs(L))
    assert (type(out.grad_fn).__name__, _next_names(out.grad_fn)) == (name, nexts)


def _gradients(L, fn):
    a, b, c = _inputs(L)
    fn(L, a, b, c).float().sum().backward()
    return [None if v.grad is None else np.asarray(v.grad.detach().numpy() if hasattr(v.grad, "detach")
                                                   else v.grad.data, dtype=np.float64) for v in (a, b)]


@pytest.mark.parametrize("case", list(CASES))
def test_gradients_are_pytorchs(case):
    import autograd_core

    torch = pytest.importorskip("torch")
    fn = CASES[case][0]
    for ours, theirs in zip(_gradients(autograd_core, fn), _gradients(torch, fn)):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
