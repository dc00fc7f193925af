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

import autograd_core as ag


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
