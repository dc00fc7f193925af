"""Twins for tests of compiled steps that read state from outside the call (tests/test_compile_gaps8.py, 9)."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
from gradient_helpers import same_bits

import autograd_core as torch
from autograd_core import CompileWarning


def compiled_twins(make, calls=7, change_at=3, seed=0, record_warnings=False):
    """make() -> (parameters, step(x), change(i)): an eager twin and a compiled twin, each called on the same batches
    x of shape (4, 3); before call i >= change_at both twins' change(i) runs (the outside state changed by hand
    between calls). Asserts the same bits (result, weights, gradients) after every call. Returns the compiled step,
    and with record_warnings the texts of the CompileWarnings the calls gave (otherwise they propagate, so that
    pytest.warns around the call sees them)."""
    eager_params, eager, eager_change = make()
    params, step, change = make()
    compiled = torch.compile(step)
    rng = np.random.default_rng(seed)
    caught = []
    recording = warnings.catch_warnings(record=True) if record_warnings else contextlib.nullcontext(caught)
    with recording as caught:
        if record_warnings:
            warnings.simplefilter("always", CompileWarning)
        for i in range(calls):
            x = rng.standard_normal((4, 3))
            if i >= change_at:
                eager_change(i)
                change(i)
            expected, got = eager(x), compiled(x)
            assert same_bits(got.data, expected.data), f"call {i}: result"
            for p, q in zip(eager_params, params):
                assert same_bits(p.data, q.data) and same_bits(p.grad, q.grad), f"call {i}: weights or gradients"
    if not record_warnings:
        return compiled
    return compiled, [str(w.message) for w in caught if issubclass(w.category, CompileWarning)]
