"""Shared scaffolding of the nn tests: random inputs, PyTorch as an optional oracle, and the check that a training
step compiled with autograd_core.compile runs as it does eagerly. (Not a test module: pytest collects test_*.py.)"""

import numpy as np
import pytest

import autograd_core as ag


def rand(*shape, seed=0):
    """Standard normal float64 samples of `shape`, reproducible from `seed`."""
    return np.random.default_rng(seed).normal(size=shape)


def torch_or_skip():
    """The torch module, or skip the calling test where PyTorch is not installed (or hidden by
    AUTOGRAD_CORE_TEST_WITHOUT=torch)."""
    return pytest.importorskip("torch")


def assert_close_to_torch(ours, theirs, name="", rtol=1e-10, atol=1e-12):
    """ours (a Value's data or an array) equals theirs (a torch tensor) to float64 round-off."""
    np.testing.assert_allclose(np.asarray(ours), theirs.detach().numpy(), rtol=rtol, atol=atol, err_msg=name)


def assert_compiled_training_matches_eager(make, step, batches, replayed=1):
    """make() -> (module, ..., optimizer), built alike on every call; step(*made, *batch) runs one training step and
    returns its loss. One copy trains eagerly and one through ag.compile on the same `batches` (tuples of step
    arguments): every loss and, at the end, every module's parameters must agree, and the compiled step must have
    replayed at least `replayed` times (not merely re-recorded). Returns (eager, compiled) for further checks."""
    eager, compiled = make(), make()
    compiled_step = ag.compile(lambda *batch: step(*compiled, *batch))
    for batch in batches:
        np.testing.assert_allclose(compiled_step(*batch).data, step(*eager, *batch).data, rtol=1e-12)
    assert compiled_step.stats["replayed"] >= replayed
    for module, twin in zip(eager[:-1], compiled[:-1]):
        for p, q in zip(module.parameters(), twin.parameters(), strict=True):
            np.testing.assert_allclose(p.data, q.data, rtol=1e-12)
    return eager, compiled
