"""torch.autograd.gradcheck and gradgradcheck choose what to compare as PyTorch's do: the inputs that require grad
(others, like an index tensor, pass through unperturbed) and every floating output of a tuple. CS231n's
RNN_Captioning_pytorch checks `lstm_step_forward`, which returns (next_h, next_c), and `word_embedding_forward`,
whose first argument holds word indices."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.gradcheck import GradcheckError


def _lstm_step_forward(torch, x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H:2 * H]), torch.sigmoid(a[:, 2 * H:3 * H])
    next_c = f * prev_c + i * torch.tanh(a[:, 3 * H:])
    return o * torch.tanh(next_c), next_c


def _lstm_inputs(torch, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (3, 5), (3, 5), (4, 20), (5, 20), (20,)]
    return [torch.tensor(rng.standard_normal(s), dtype=torch.float64, requires_grad=True) for s in shapes]


def _wrong_first_gradient(m):
    """a·b whose gradient in a is 10% off, as an `m.autograd.Function` (m: autograd_core or torch)."""

    class WrongFirstGradient(m.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return 1.1 * g * b, g * a
    return WrongFirstGradient


_WrongFirstGradient = _wrong_first_gradient(ag)


def test_a_tuple_of_outputs_is_checked_output_by_output():
    assert ag.autograd.gradcheck(lambda *a: _lstm_step_forward(ag, *a), _lstm_inputs(ag))
    assert ag.autograd.gradgradcheck(lambda *a: _lstm_step_forward(ag, *a), _lstm_inputs(ag))

    def wrong_second_output(x):
        return x * 2, _WrongFirstGradient.apply(x, ag.ones(2, dtype=ag.float64))
    x = ag.tensor([0.5, -1.0], dtype=ag.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"d out\([23],\)"):  # the second output's elements, after x·2's two
        ag.autograd.gradcheck(wrong_second_output, (x,))
    cotangents = (np.ones(2), np.full(2, 0.5))
    assert ag.autograd.gradgradcheck(lambda v: (v ** 3, v.sin()), (x,), grad_outputs=cotangents)


def test_an_index_input_passes_through_and_only_inputs_that_require_grad_are_checked():
    W = ag.tensor(np.random.default_rng(1).standard_normal((5, 3)), requires_grad=True)
    words = ag.tensor([[0, 3, 1], [4, 4, 2]])  # word_embedding_forward(x, W) = W[x]
    assert ag.autograd.gradcheck(lambda x, W: W[x], (words, W))
    a, b = ag.tensor([0.3, -2.0, 1.5], dtype=ag.float64), ag.tensor([1.0, 0.5, -0.7], dtype=ag.float64)
    assert ag.autograd.gradcheck(_WrongFirstGradient.apply, (a, b.requires_grad_()))  # a: a constant, as PyTorch's
    with pytest.raises(GradcheckError, match=r"d input 1\(0,\)"):  # named by its place among the arguments
        ag.autograd.gradcheck(lambda p, q: _WrongFirstGradient.apply(q, p), (b, a.requires_grad_()))


def test_without_an_input_that_requires_grad_every_floating_input_is_checked():
    # this library's lenient use (plain arrays), kept: PyTorch raises ValueError there
    with pytest.raises(GradcheckError):
        ag.autograd.gradcheck(_WrongFirstGradient.apply, (np.array([0.3, 2.0]), np.array([1.0, 0.5])))


def test_pytorch_checks_the_same_things():
    torch = pytest.importorskip("torch")
    assert torch.autograd.gradcheck(lambda *a: _lstm_step_forward(torch, *a), _lstm_inputs(torch))
    W = torch.tensor(np.random.default_rng(1).standard_normal((5, 3)), requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, W: W[x], (torch.tensor([[0, 3, 1], [4, 4, 2]]), W))
    WrongFirstGradient = _wrong_first_gradient(torch)
    a = torch.tensor([0.3, -2.0, 1.5], dtype=torch.float64)
    b = torch.tensor([1.0, 0.5, -0.7], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(WrongFirstGradient.apply, (a, b))
    from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError
    with pytest.raises(TorchGradcheckError):
        torch.autograd.gradcheck(WrongFirstGradient.apply, (a.requires_grad_(), b))
