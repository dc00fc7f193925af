"""`model = torch.compile(model)`, then the loss and `loss.backward()` outside it (PyTorch 2's idiom): a replayed call
returns each output that needs a gradient as one node of the graph (CompiledFunctionBackward0), whose rule is the
recorded backward pass from it. Training, gradients of inputs, autograd.grad and the errors are eager mode's,
bit for bit."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import nn
from autograd_core.nn import functional as F


pytestmark = pytest.mark.usefixtures("compiled_program_layout")  # (conftest.py: the programs whole and in parts)


@pytest.fixture(autouse=True)
def no_compile_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", torch.CompileWarning)
        yield


def mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.3), nn.ReLU(), nn.BatchNorm1d(8), nn.Linear(8, 3))


def assert_same_state(a, b):
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
        assert (p.grad is None) == (q.grad is None), name
        if p.grad is not None:
            np.testing.assert_array_equal(p.grad, q.grad, err_msg=name)
    for p, q in zip(a.buffers(), b.buffers()):
        np.testing.assert_array_equal(p.data, q.data)


def test_a_compiled_model_trains_as_the_model_with_the_loss_outside():
    model, reference = mlp(), mlp()
    compiled = torch.compile(model)
    optimizers = [torch.optim.Adam(m.parameters(), lr=0.01) for m in (model, reference)]
    rng = np.random.default_rng(0)
    for step in range(6):
        x, y = rng.standard_normal((5, 4)).astype(np.float32), rng.integers(0, 3, 5)
        for m, optimizer in zip((compiled, reference), optimizers):
            torch.manual_seed(step)  # the same dropout masks
            optimizer.zero_grad()
            loss = F.cross_entropy(m(x), y)
            loss.backward()
            optimizer.step()
        assert_same_state(model, reference)
    assert compiled.stats["replayed"] == 4 and compiled.stats["eager"] == 0
    out = compiled(x)
    assert out.grad_fn.name() == "CompiledFunctionBackward0"
    assert {type(fn).__name__ for fn, _ in out.grad_fn.next_functions} == {"AccumulateGrad"}
    assert len(out.grad_fn.next_functions) == len(list(model.parameters()))


def test_inputs_get_their_gradients_and_two_calls_before_one_backward_keep_their_own_arrays():
    """x.grad through the replay; two calls (a micro-batch each) before one backward: the first call's saved arrays
    are not overwritten by the second; a graph retained for a second pass gives the same gradients again."""
    model, reference = mlp(), mlp()
    compiled = torch.compile(model)
    rng = np.random.default_rng(1)
    for step in range(5):
        x = rng.standard_normal((5, 4))
        grads = []
        for m in (compiled, reference):
            torch.manual_seed(step)
            xv = torch.tensor(x, dtype=torch.float32, requires_grad=True)
            a, b = m(xv), m(xv * 2)  # a leaf, then a node of the graph, as arguments of one program
            loss = (a * a).sum() + b.mean()
            loss.backward(retain_graph=True)
            loss.backward()
            grads.append(xv.grad)
        np.testing.assert_array_equal(grads[0], grads[1])
        assert_same_state(model, reference)
        model.zero_grad(), reference.zero_grad()
    assert compiled.stats["replayed"] == 8


def test_an_input_computed_by_the_graph_before_the_call_gets_its_gradient():
    torch.manual_seed(3)
    embeddings = [nn.Embedding(10, 4), nn.Embedding(10, 4)]
    embeddings[1].load_state_dict(embeddings[0].state_dict())
    model, reference = mlp(), mlp()
    compiled = torch.compile(model)
    rng = np.random.default_rng(2)
    for step in range(4):
        idx = rng.integers(0, 10, 6)
        for embedding, m in zip(embeddings, (compiled, reference)):
            torch.manual_seed(step)
            m(embedding(idx)).sum().backward()
        np.testing.assert_array_equal(embeddings[0].weight.grad, embeddings[1].weight.grad)
    assert_same_state(model, reference)
    assert compiled.stats["replayed"] == 2


class LogitsAndLoss(nn.Module):
    """nanoGPT's forward: (logits, loss), the loss computed from the logits inside."""

    def __init__(self):
        super().__init__()
        self.head = nn.Linear(3, 4)

    def forward(self, x, y):
        logits = self.head(x).tanh()
        return logits, F.cross_entropy(logits, y)


def test_an_output_computed_from_another_output():
    """Each is a node, the loss's input is the logits' node, as in the eager graph: logits.grad holds what reaches
    it from both the loss and the caller's own use."""
    torch.manual_seed(4)
    model = LogitsAndLoss()
    torch.manual_seed(4)
    reference = LogitsAndLoss()
    compiled = torch.compile(model)
    rng = np.random.default_rng(3)
    for step in range(6):
        x, y = rng.standard_normal((5, 3)), rng.integers(0, 4, 5)
        seen = []
        for m in (compiled, reference):
            logits, loss = m(x, y)
            (loss + (logits * logits).sum() if step % 2 else loss).backward()
            seen.append(logits.grad)
        np.testing.assert_array_equal(seen[0], seen[1])
        assert_same_state(model, reference)
    assert compiled.stats["replayed"] == 4
    logits, loss = compiled(x, y)
    assert loss.grad_fn.next_functions[0][0].name() == "CompiledFunctionBackward0"  # the logits' node


def test_autograd_grad_through_a_replay_writes_no_grad():
    model = mlp()
    model.eval()
    compiled = torch.compile(model)
    x = np.random.default_rng(4).standard_normal((5, 4)).astype(np.float32)
    params = list(model.parameters())
    expected = torch.autograd.grad(model(x).sum(), params)
    for _ in range(3):
        got = torch.autograd.grad(compiled(x).sum(), params)
    assert compiled.stats["replayed"] == 1
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    assert all(p.grad is None for p in params)


def replayed_output(x):
    model = mlp()
    model.eval()
    compiled = torch.compile(model)
    for _ in range(3):
        out = compiled(x)
    assert compiled.stats["replayed"] == 1
    return model, out


def test_what_eager_mode_refuses_is_refused():
    x = torch.tensor(np.ones((5, 4)), dtype=torch.float32, requires_grad=True)
    _, out = replayed_output(x)
    with pytest.raises(RuntimeError, match="second derivative .* through the output of a compiled module"):
        torch.autograd.grad(out.sum(), x, create_graph=True)  # (torch.compile's AOTAutograd has no double backward)

    _, out = replayed_output(x)
    loss = out.sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="trying to go through the graph a second time"):
        loss.backward()

    model, out = replayed_output(x)
    with torch.no_grad():
        model[0].weight.add_(1.0)  # read by the recorded backward pass
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.sum().backward()


def test_manual_seed_reseeds_the_generator_that_a_replay_draws_from():
    """torch.manual_seed keeps the default generator object (as PyTorch's torch.default_generator), so a compiled
    step's dropout, which holds it, draws the reseeded sequence: a whole training step compiled, seeded at each
    step, gives the eager step's numbers."""
    assert torch.manual_seed(1) is torch.manual_seed(2)
    generator = torch.Generator()
    held = generator.rng
    assert generator.manual_seed(5).rng is held
    model, reference = mlp(), mlp()

    def step(m, x):
        out = m(x)
        out.sum().backward()
        return out

    compiled = torch.compile(step)
    x = np.ones((5, 4), np.float32)
    for seed in range(5):
        torch.manual_seed(seed)
        got = compiled(model, x)
        torch.manual_seed(seed)
        expected = step(reference, x)
        np.testing.assert_array_equal(got.data, expected.data)
    assert compiled.stats["replayed"] == 3


class TwoBiases(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)
        self.b1 = nn.Parameter(torch.zeros(3))
        self.b2 = nn.Parameter(torch.zeros(3))

    def forward(self, x):
        return (self.linear(x) + self.b1 + self.b2) * 2  # both biases are handed the very same array, (2, 2, 2)


def test_each_parameter_gets_a_gradient_array_of_its_own():
    """As in eager mode, where a rule hands one array to two leaves (+), each leaf's .grad is a copy: an optimizer
    changing one in place (clipping, zero_) must not change the other."""
    torch.manual_seed(5)
    model = TwoBiases()
    compiled = torch.compile(model)
    x = np.ones(4, np.float32)  # unbatched: no sum over a batch makes the two gradients separate arrays
    for _ in range(3):
        model.zero_grad()
        compiled(x).sum().backward()
    assert compiled.stats["replayed"] == 1
    grads = [model.b1.grad, model.b2.grad, model.linear.bias.grad]
    assert not any(np.shares_memory(a, b) for i, a in enumerate(grads) for b in grads[i + 1:])
    np.testing.assert_array_equal(model.b1.grad, [2.0, 2.0, 2.0])


def test_a_whole_step_that_zeroes_with_set_to_none_replays():
    """The GPT lecture's loop body calls `optimizer.zero_grad(set_to_none=True)`: an effect called with a keyword is
    replayed with it (it ran eagerly, with a warning, before)."""
    model, reference = mlp(), mlp()
    optimizers = [torch.optim.AdamW(m.parameters(), lr=1e-3) for m in (model, reference)]

    def step(m, optimizer, x, y):
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(m(x), y)
        loss.backward()
        optimizer.step()
        return loss

    compiled = torch.compile(step)
    rng = np.random.default_rng(6)
    for seed in range(5):
        x, y = rng.standard_normal((5, 4)).astype(np.float32), rng.integers(0, 3, 5)
        torch.manual_seed(seed)
        got = compiled(model, optimizers[0], x, y)
        torch.manual_seed(seed)
        expected = step(reference, optimizers[1], x, y)
        np.testing.assert_array_equal(got.data, expected.data)
        assert_same_state(model, reference)
    assert compiled.stats["replayed"] == 3


def test_hooks_on_parameters_run_at_each_replays_backward():
    """The engine's pass calls them, as in eager mode (DistributedDataParallel's hooks, gradient clipping by hook),
    and a hook registered after compiling needs no new recording."""
    model, reference = mlp(), mlp()
    model.eval(), reference.eval()
    compiled = torch.compile(model)
    calls = []
    for m in (model, reference):
        m[0].weight.register_hook(lambda g: g * 2)
    x = np.ones((5, 4), np.float32)
    for _ in range(4):
        for m in (compiled, reference):
            m(x).sum().backward()
        assert_same_state(model, reference)
    model[4].bias.register_hook(lambda g: calls.append(g.copy()))
    compiled(x).sum().backward()
    assert compiled.stats["replayed"] == 3 and len(calls) == 1
    np.testing.assert_array_equal(calls[0], [5.0, 5.0, 5.0])


class HooksInside(nn.Module):
    def __init__(self, seen):
        super().__init__()
        self.linear, self.seen = nn.Linear(4, 3), seen

    def forward(self, x):
        h = self.linear(x)
        h.register_hook(self.seen.append)  # on a Value a replay would not make: its calls run eagerly
        return h.tanh()


def test_a_hook_registered_inside_forward_keeps_the_calls_eager():
    seen = []
    compiled = torch.compile(HooksInside(seen))
    with pytest.warns(torch.CompileWarning, match="runs eagerly: a gradient hook"):
        for _ in range(3):
            compiled(np.ones((2, 4), np.float32)).sum().backward()
    assert len(seen) == 3 and compiled.stats["replayed"] == 0


Output = collections.namedtuple("Output", "logits loss")


class NamedOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 2)

    def forward(self, x):
        logits = self.linear(x)
        return Output(logits, logits.sum()), collections.OrderedDict(scores=logits.tanh())


def test_named_tuples_and_dict_classes_come_back_as_they_were_returned():
    """out.loss after a replay, as after the eager call (a replay returned plain tuples and dicts)."""
    torch.manual_seed(7)
    model = NamedOutputs()
    compiled = torch.compile(model)
    for grad_mode in (True, False):  # outputs as graph nodes, and as leaves without a graph
        with torch.set_grad_enabled(grad_mode):
            for _ in range(3):
                out, extra = compiled(np.ones((2, 3), np.float32))
            assert type(out) is Output and type(extra) is collections.OrderedDict and list(extra) == ["scores"]
            np.testing.assert_array_equal(out.loss.data, out.logits.data.sum())
            if grad_mode:
                out.loss.backward()
                np.testing.assert_array_equal(model.linear.bias.grad, [2.0, 2.0])
    assert compiled.stats["replayed"] == 2


def test_a_value_that_existed_before_the_call_is_returned_as_itself():
    """nn.Identity's input, a parameter: the very object, as eager mode returns it (a replay returned a new leaf holding
    a copy of its data, cut off from its graph)."""
    x = torch.tensor(np.ones(3), requires_grad=True, dtype=torch.float32)  # the layer's dtype
    h = x * 3.0  # a node of a graph made before the call
    identity = torch.compile(nn.Identity())
    linear = nn.Linear(3, 2)
    weight_too = torch.compile(lambda v: (linear(v), linear.weight))
    for _ in range(3):
        assert identity(h) is h
        out, weight = weight_too(h)
    assert identity.stats["replayed"] == 1 and weight_too.stats["replayed"] == 1 and weight is linear.weight
    identity(h).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 3.0])
