"""The twin runner of the compile tests: one set-up runs a step eagerly, its twin compiled, on the same calls, and
every result, weight, gradient and optimizer state must agree bit for bit after every call."""

from __future__ import annotations

import warnings

import numpy as np

import autograd_core as torch
from autograd_core import CompileWarning, Value
from gradient_helpers import same_bits


def optimizer_state(opt):
    """An optimizer's per-parameter state as plain arrays and numbers, in parameter order."""
    return [{k: (np.array(v.data if isinstance(v, Value) else v)) for k, v in sorted(opt.state[p].items())}
            for group in opt.param_groups for p in group["params"] if p in opt.state]


def side_by_side(make, calls):
    """make() -> (model or list of parameters, [optimizer or None,] step): called twice, after the same seed, for
    two twins. One twin's step runs eagerly and the other's compiled on the same calls' arguments, each call seeded
    alike (dropout, random fills). Asserts that results, weights, gradients and optimizer state are the same bits
    after every call, whether the compiled step replayed or ran eagerly. Returns the compiled step."""
    torch.manual_seed(0)
    *first, eager = make()
    torch.manual_seed(0)
    *second, step = make()
    compiled = torch.compile(step)
    params1, params2 = (_parameters(setup[0]) for setup in (first, second))
    opt1, opt2 = (setup[1] if len(setup) > 1 else None for setup in (first, second))
    for i, args in enumerate(calls):
        torch.manual_seed(100 + i)
        expected = eager(*args)
        torch.manual_seed(100 + i)
        got = compiled(*args)
        assert same_bits(got, expected), f"call {i}: result"
        for p, q in zip(params1, params2):
            assert same_bits(p.data, q.data) and same_bits(p.grad, q.grad), f"call {i}: weights or gradients"
        if opt1 is not None:
            assert same_bits(optimizer_state(opt1), optimizer_state(opt2)), f"call {i}: optimizer state"
    return compiled


def compiled_twins(make, calls, *, replays=None):
    """`side_by_side`, and also that no CompileWarning was given and nothing ran eagerly, and that the compiled step
    replayed `replays` times (default: every call after its two recordings). Returns the compiled step."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        compiled = side_by_side(make, calls)
    assert compiled.stats["eager"] == 0
    assert compiled.stats["replayed"] == (len(calls) - 2 if replays is None else replays), compiled.stats
    return compiled


def _parameters(model):
    return list(model.parameters()) if hasattr(model, "parameters") else list(model)
