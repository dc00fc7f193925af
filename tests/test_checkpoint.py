"""autograd_core.utils.checkpoint: activation checkpointing gives the gradients of the plain call, keeps a smaller
graph, and draws the same random numbers when it recomputes."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.utils.checkpoint import checkpoint, checkpoint_sequential


def _network(lib, dropout=0.0):
    rng = np.random.default_rng(0)
    blocks = [lib.nn.Sequential(lib.nn.Linear(4, 4), lib.nn.Tanh(), lib.nn.Dropout(dropout)).double()
              for _ in range(3)]
    head = lib.nn.Linear(4, 1).double()
    for module in blocks + [head]:
        for p in module.parameters():
            with lib.no_grad():
                p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)), dtype=lib.float64))
    x = lib.tensor(rng.standard_normal((5, 4)), dtype=lib.float64, requires_grad=True)
    return blocks, head, x


def _train_step(lib, checkpointed, dropout=0.0, run_checkpoint=None):
    lib.manual_seed(0)
    blocks, head, x = _network(lib, dropout)
    h = x
    for block in blocks:
        h = run_checkpoint(block, h, use_reentrant=False) if checkpointed else block(h)
    loss = head(h).sum()
    loss.backward()
    grads = [np.array(p.grad.tolist()) for b in blocks + [head] for p in b.parameters()]
    return float(loss.item()), grads + [np.array(x.grad.tolist())], loss


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_gradients_are_those_of_the_plain_call(dropout):
    loss, grads, _ = _train_step(ag, True, dropout, checkpoint)
    plain_loss, plain_grads, _ = _train_step(ag, False, dropout)
    assert loss == plain_loss  # the same random masks: preserve_rng_state
    for g, h in zip(grads, plain_grads):
        np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-15)
    torch = pytest.importorskip("torch")
    if dropout:
        return  # another generator: PyTorch draws other masks
    import torch.utils.checkpoint  # noqa: F811  (the submodule, reached as torch.utils.checkpoint)

    their_loss, their_grads, _ = _train_step(torch, True, 0.0, torch.utils.checkpoint.checkpoint)
    assert loss == pytest.approx(their_loss, rel=1e-12)
    for g, h in zip(grads, their_grads):
        np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-13)


def _operations(root):
    """The names of the operations in root's graph, with repeats."""
    seen, stack, ops = set(), [root], []
    while stack:
        node = stack.pop()
        ops.append(node.op)
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return sorted(op for op in ops if op)


def test_the_graph_keeps_one_node_per_checkpointed_call():
    _, _, plain = _train_step(ag, False)
    _, _, checkpointed = _train_step(ag, True, run_checkpoint=checkpoint)
    assert _operations(plain) == ["linear"] * 4 + ["sum"] + ["tanh"] * 3
    assert _operations(checkpointed) == ["checkpoint"] * 3 + ["linear", "sum"]  # the blocks' insides are not kept


def test_the_random_numbers_after_the_step_are_those_of_the_plain_step():
    _train_step(ag, True, 0.5, checkpoint)
    after_checkpoint = ag.rand(3).tolist()
    _train_step(ag, False, 0.5)
    assert ag.rand(3).tolist() == after_checkpoint  # the recomputation put the generator back


def test_parameters_get_gradients_when_the_input_needs_none():
    layer = nn.Linear(3, 2)
    checkpoint(layer, ag.ones(4, 3), use_reentrant=False).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, np.full((2, 3), 4.0))
    assert layer.bias.grad.tolist() == [4.0, 4.0]


def test_checkpoint_sequential_gives_the_plain_gradients():
    model = nn.Sequential(*[nn.Linear(3, 3) for _ in range(5)])
    x = ag.ones(2, 3, requires_grad=True)
    checkpoint_sequential(model, 2, x).sum().backward()
    grads, x_grad = [p.grad.copy() for p in model.parameters()], x.grad.copy()
    model.zero_grad()
    x.grad = None
    model(x).sum().backward()
    for g, p in zip(grads, model.parameters()):
        np.testing.assert_allclose(g, p.grad, rtol=1e-6)
    np.testing.assert_allclose(x_grad, x.grad, rtol=1e-6)
    with pytest.raises(ValueError, match="segments must be at least 1"):
        checkpoint_sequential(model, 0, x)


def test_tuple_outputs_no_grad_and_what_is_refused():
    x = ag.tensor([0.5, 1.0], dtype=ag.float64, requires_grad=True)
    s, c, tag = checkpoint(lambda a: (a.sin(), a.cos() * 2, "tag"), x)
    (s.sum() + c.sum()).backward()
    assert tag == "tag"
    np.testing.assert_allclose(x.grad, np.cos([0.5, 1.0]) - 2 * np.sin([0.5, 1.0]), rtol=1e-14)
    with ag.no_grad():
        y = checkpoint(lambda a: a * 2, x)
    assert not y.requires_grad and y.tolist() == [1.0, 2.0]
    z = checkpoint(lambda a: (a ** 3).sum(), x)
    with pytest.raises(RuntimeError, match="second derivative"):
        z.backward(create_graph=True)


def test_a_compiled_function_with_a_checkpoint_runs_eagerly():
    x = ag.ones(2, requires_grad=True)
    compiled = ag.compile(lambda v: checkpoint(lambda a: (a * 2).sin(), v).sum())
    with pytest.warns(ag.CompileWarning, match="checkpoint"):
        for _ in range(3):
            compiled(x).backward()
    np.testing.assert_allclose(x.grad, np.full(2, 3 * 2 * np.cos(2.0)), rtol=1e-6)
    assert compiled.stats["replayed"] == 0


def test_torch_utils_checkpoint_is_reachable_as_pytorch_code_spells_it():
    assert ag.utils.checkpoint.checkpoint is checkpoint


def test_a_pictures_local_derivative_and_autograd_grad_write_no_gradient():
    # viz computes each scalar edge's derivative by calling the node's rule outside a backward pass: through a
    # checkpoint that reruns the function, which must not add to the parameters' .grad (state a picture changed).
    from autograd_core.engine import edge_vjp

    w = nn.Parameter(ag.tensor(3.0, dtype=ag.float64))
    x = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    y = checkpoint(lambda a: a * w, x)
    loss = y * 1.0
    assert float(edge_vjp(y, 1, 1.0)) == 3.0 and w.grad is None
    (gx,) = ag.autograd.grad(loss, x, retain_graph=True)
    assert float(gx) == 3.0 and w.grad is None and x.grad is None
    loss.backward()
    assert float(x.grad) == 3.0 and float(w.grad) == 2.0
