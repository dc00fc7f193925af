"""Beginner mistakes run as a user writes them (tests/test_beginner_mistakes2.py to 5): a snippet of code with
`torch`, `nn`, `F`, `optim` and `np` in scope, run with autograd_core or with PyTorch, that leaves its result in
`out`."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn as ag_nn
import autograd_core.nn.functional as ag_F
import autograd_core.optim as ag_optim


def run(code, lib, nn, F, optim):
    """exec(code) with those names bound; returns (its `out`, the texts of the UserWarnings it gave)."""
    env = {"torch": lib, "nn": nn, "F": F, "optim": optim, "np": np}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(code, env)
    return env.get("out"), [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def ours(code):
    return run(code, ag, ag_nn, ag_F, ag_optim)


def theirs(code):
    torch = pytest.importorskip("torch")
    return run(code, torch, torch.nn, torch.nn.functional, torch.optim)


def raised(code, runner):
    """The exception that runner(code) raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as info:
        runner(code)
    return info.value


def check_refusal(code, kind, words, runner, *, first):
    """runner(code) (ours or theirs) raises a `kind` whose message starts with `words` (first=True: PyTorch's words come
    first, our hint after them) or holds them (first=False)."""
    error = raised(code, runner)
    assert isinstance(error, kind), error
    assert str(error).startswith(words) if first else words in str(error), error
