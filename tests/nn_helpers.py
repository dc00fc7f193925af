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


def against_torch(ours, theirs, *arrays, rtol=1e-12, atol=1e-13, grad_rtol=1e-10, grad_atol=1e-13, seed=9):
    """ours(*Values) vs theirs(*tensors) on copies of the same float64 `arrays`: the output's shape and values (of an
    (output, indices) pair, the indices exactly), then the gradients of sum(output·w), w = rand(output shape, seed),
    with respect to every array and, when ours is a Module, to its parameters (same names, torch's order).
    grad_rtol=None: the same as rtol. Returns our output."""
    torch = torch_or_skip()
    values = [ag.Value(a.copy()) for a in arrays]
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = ours(*values), theirs(*tensors)
    if isinstance(out, tuple):
        np.testing.assert_array_equal(out[1], tout[1].numpy())
        out, tout = out[0], tout[0]
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=atol)
    w = rand(*out.shape, seed=seed)
    (out * w).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    grad_rtol = rtol if grad_rtol is None else grad_rtol
    for value, tensor in zip(values, tensors):
        np.testing.assert_allclose(value.grad, tensor.grad.numpy(), rtol=grad_rtol, atol=grad_atol)
    if isinstance(ours, ag.nn.Module):
        for (name, p), (torch_name, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
            assert name == torch_name
            np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=grad_rtol, atol=grad_atol, err_msg=name)
    return out
