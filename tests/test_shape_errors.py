"""Shapes an operation or a layer cannot take raise `autograd_core.ShapeError` (defined in errors.py), an error that is
both NumPy's kind (ValueError) and PyTorch's (RuntimeError): code written for either library catches it. The engine
raises it for operands that do not broadcast, a reshape to another size and mismatched matrix products; operations,
nn layers, losses and the optimizers' own shape checks (`where`, `stack`, `nn.Linear` given the wrong in_features, a
mask that does not broadcast, ...) raise it too, with their own messages.

Each case runs on both libraries: ours raises a ValueError always, and (when PyTorch is installed) an instance of the
class PyTorch raises for the same call: RuntimeError mostly, ValueError where PyTorch checks in Python
(cross_entropy's batch sizes, a 4-D input to nn.RNN). Errors about other arguments (a `reduction` string, a negative
size) stay plain ValueErrors, and a dim out of range stays an IndexError: none of those is here."""

import warnings

import pytest

import autograd_core as ag
from autograd_core import engine


def _rnn_input_of_other_width(t):
    return t.nn.LSTM(3, 4)(t.ones(5, 2, 6))


def _backward_of_a_vector(t):
    x = t.ones(3, requires_grad=True)
    (x * 2).backward()


def _backward_with_a_gradient_of_another_shape(t):
    x = t.ones(3, requires_grad=True)
    (x * 2).backward(t.ones(4))


def _setitem_of_another_shape(t):
    x = t.ones(3, 4)
    x[:] = t.ones(2, 4)


def _copy_of_another_shape_into_a_node(t):
    x = t.ones(3, requires_grad=True) * 1
    x.copy_(t.ones(2, 3))


def _attn_mask_of_another_shape(t):
    x = t.ones(2, 1, 4)  # (L, N, E)
    return t.nn.MultiheadAttention(4, 2)(x, x, x, attn_mask=t.ones(3, 3))


CASES = {  # name: a call on the library `t` (autograd_core or torch) that a shape makes fail
    # engine: broadcasting, reshapes, matrix products
    "view to another size": lambda t: t.ones(6).view(4),
    "reshape to another size": lambda t: t.ones(2, 3).reshape(4, 2),
    "operands that do not broadcast": lambda t: t.ones(3) + t.ones(4),
    "a product of mismatched matrices": lambda t: t.ones(2, 3) @ t.ones(2, 3),
    "mm": lambda t: t.mm(t.ones(2, 3), t.ones(4, 5)),
    "matmul of a 0-d operand": lambda t: t.ones(()) @ t.ones(3),
    "expand to sizes that do not fit": lambda t: t.ones(3).expand(4, 5),
    "broadcast_to": lambda t: t.broadcast_to(t.ones(3), (4, 5)),
    "cat of other sizes": lambda t: t.cat([t.ones(2, 3), t.ones(2, 4)], 0),
    "permute with too few dims": lambda t: t.ones(2, 3).permute(0),
    # operations that check shapes themselves
    "where": lambda t: t.where(t.ones(3) > 0, t.ones(3), t.ones(4)),
    "stack": lambda t: t.stack([t.ones(3), t.ones(4)]),
    "masked_fill with a mask that does not broadcast": lambda t: t.ones(3).masked_fill(t.ones(4) > 0, 0.0),
    "bmm": lambda t: t.bmm(t.ones(2, 3, 4), t.ones(2, 5, 6)),
    "dot": lambda t: t.dot(t.ones(3), t.ones(4)),
    "outer of a matrix": lambda t: t.outer(t.ones(3, 1), t.ones(4)),
    "einsum": lambda t: t.einsum("ij,jk->ik", t.ones(2, 3), t.ones(4, 5)),
    "tensordot": lambda t: t.tensordot(t.ones(2, 3), t.ones(4, 5), dims=1),
    "cdist": lambda t: t.cdist(t.ones(2, 3), t.ones(2, 4)),
    "gather": lambda t: t.ones(3, 4).gather(1, t.zeros(3, 4, 2, dtype=t.int64)),
    "scatter": lambda t: t.zeros(3).scatter(0, t.zeros(4, dtype=t.int64), t.ones(2)),
    "split_with_sizes": lambda t: t.ones(5).split([2, 2]),
    "view across strides": lambda t: t.ones(4, 6).t().view(24),
    "unflatten": lambda t: t.ones(6).unflatten(0, (4, 2)),
    "repeat with fewer sizes than dims": lambda t: t.ones(2, 3).repeat(2),
    "narrow past the end": lambda t: t.ones(5).narrow(0, 3, 4),
    "triu of a vector": lambda t: t.triu(t.ones(3)),
    "trace of a 3-D tensor": lambda t: t.trace(t.ones(2, 2, 2)),
    "linalg.inv of a non-square matrix": lambda t: t.linalg.inv(t.ones(2, 3)),
    "linalg.solve with mismatched sides": lambda t: t.linalg.solve(t.eye(3), t.ones(4, 1)),
    "linalg.cross of length 2": lambda t: t.linalg.cross(t.ones(2), t.ones(2)),
    "add_ of a larger operand": lambda t: t.ones(3).add_(t.ones(2, 3)),
    "x[...] = value of another shape": _setitem_of_another_shape,
    "copy_ of another shape into a node of a graph": _copy_of_another_shape_into_a_node,
    "addmm_ of mismatched matrices": lambda t: t.ones(2, 2).addmm_(t.ones(2, 3), t.ones(2, 3)),
    "item of a vector": lambda t: t.ones(3).item(),
    "truth value of a vector": lambda t: bool(t.ones(3)),
    "backward of a vector": _backward_of_a_vector,
    "backward with a gradient of another shape": _backward_with_a_gradient_of_another_shape,
    # nn layers and functional
    "nn.Linear with the wrong in_features": lambda t: t.nn.Linear(3, 2)(t.ones(4, 5)),
    "F.linear": lambda t: t.nn.functional.linear(t.ones(4, 5), t.ones(2, 3)),
    "nn.Conv2d with the wrong channel count": lambda t: t.nn.Conv2d(3, 2, 3)(t.ones(1, 4, 8, 8)),
    "F.conv2d on an input smaller than the kernel": lambda t: t.nn.functional.conv2d(t.ones(1, 1, 2, 2),
                                                                                     t.ones(1, 1, 3, 3)),
    "F.conv2d on a vector": lambda t: t.nn.functional.conv2d(t.ones(3), t.ones(1, 1, 3, 3)),
    "F.pad longer than the input's dims": lambda t: t.nn.functional.pad(t.ones(2, 3), (1, 1, 1, 1, 1, 1)),
    "F.pad reflect wider than the axis": lambda t: t.nn.functional.pad(t.ones(1, 2, 3), (3, 3), mode="reflect"),
    "F.glu of an odd axis": lambda t: t.nn.functional.glu(t.ones(3)),
    "F.prelu with a weight per other channel": lambda t: t.nn.functional.prelu(t.ones(2, 3), t.ones(2)),
    "F.pixel_shuffle of too few channels": lambda t: t.nn.functional.pixel_shuffle(t.ones(1, 3, 2, 2), 2),
    "F.channel_shuffle of indivisible channels": lambda t: t.nn.functional.channel_shuffle(t.ones(1, 3, 2, 2), 2),
    "nn.Unflatten": lambda t: t.nn.Unflatten(1, (2, 2))(t.ones(3, 5)),
    "F.grid_sample with a 3-vector grid": lambda t: t.nn.functional.grid_sample(t.ones(1, 1, 4, 4),
                                                                                t.ones(1, 3, 3, 3)),
    "F.cosine_similarity": lambda t: t.nn.functional.cosine_similarity(t.ones(3, 4), t.ones(5, 4)),
    "F.pairwise_distance": lambda t: t.nn.functional.pairwise_distance(t.ones(3, 4), t.ones(5, 4)),
    # losses
    "F.mse_loss": lambda t: t.nn.functional.mse_loss(t.ones(3, 4), t.ones(5, 4)),
    "F.l1_loss": lambda t: t.nn.functional.l1_loss(t.ones(3, 4), t.ones(5, 4)),
    "F.cross_entropy with another batch size": lambda t: t.nn.functional.cross_entropy(
        t.ones(3, 4), t.zeros(2, dtype=t.int64)),
    "F.nll_loss with another batch size": lambda t: t.nn.functional.nll_loss(t.ones(3, 4), t.zeros(2, dtype=t.int64)),
    "F.binary_cross_entropy_with_logits": lambda t: t.nn.functional.binary_cross_entropy_with_logits(
        t.ones(3), t.ones(4)),
    # pooling
    "F.max_pool2d on an input smaller than the window": lambda t: t.nn.functional.max_pool2d(t.ones(1, 1, 2, 2), 3),
    "F.avg_pool2d on an input smaller than the window": lambda t: t.nn.functional.avg_pool2d(t.ones(1, 1, 2, 2), 3),
    # normalisation
    "F.layer_norm": lambda t: t.nn.functional.layer_norm(t.ones(2, 3), (4,)),
    "nn.LayerNorm": lambda t: t.nn.LayerNorm(4)(t.ones(2, 3)),
    "nn.BatchNorm1d with the wrong channel count": lambda t: t.nn.BatchNorm1d(3)(t.ones(4, 5)),
    "nn.BatchNorm2d with the wrong channel count": lambda t: t.nn.BatchNorm2d(3)(t.ones(2, 4, 5, 5)),
    "F.batch_norm with running stats of another size": lambda t: t.nn.functional.batch_norm(
        t.ones(4, 5), t.zeros(3), t.ones(3)),
    "F.group_norm of indivisible channels": lambda t: t.nn.functional.group_norm(t.ones(2, 6, 4), 4),
    "F.rms_norm": lambda t: t.nn.functional.rms_norm(t.ones(2, 3), (4,)),
    "F.local_response_norm of a vector": lambda t: t.nn.functional.local_response_norm(t.ones(3), 2),
    # attention
    "F.scaled_dot_product_attention": lambda t: t.nn.functional.scaled_dot_product_attention(
        t.ones(2, 3, 4), t.ones(2, 5, 6), t.ones(2, 5, 4)),
    "nn.MultiheadAttention with an attn_mask of another shape": _attn_mask_of_another_shape,
    # RNNs
    "nn.LSTM with an input of another width": _rnn_input_of_other_width,
    "nn.GRU with a hidden state of another batch": lambda t: t.nn.GRU(3, 4)(t.ones(5, 2, 3), t.ones(1, 3, 4)),
    "nn.RNN of a 4-D input": lambda t: t.nn.RNN(3, 4)(t.ones(2, 3, 4, 5)),
    "nn.LSTMCell with an input of another width": lambda t: t.nn.LSTMCell(3, 4)(t.ones(2, 5)),
    # embedding
    "nn.EmbeddingBag of a 3-D input": lambda t: t.nn.EmbeddingBag(3, 2)(t.zeros(2, 2, 2, dtype=t.int64)),
}


def test_shape_error_is_public_and_the_engines():
    assert ag.ShapeError is engine.ShapeError
    assert "ShapeError" in ag.__all__
    assert issubclass(ag.ShapeError, ValueError) and issubclass(ag.ShapeError, RuntimeError)


@pytest.mark.parametrize("case", CASES)
def test_shape_errors_are_value_errors_and_runtime_errors(case):
    with pytest.raises(ValueError) as caught:  # NumPy's kind, always
        CASES[case](ag)
    assert isinstance(caught.value, ag.ShapeError), type(caught.value).__mro__


@pytest.mark.parametrize("case", CASES)
def test_ours_is_an_instance_of_what_pytorch_raises(case):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mse_loss warns of the broadcast before it fails
        with pytest.raises(Exception) as theirs:
            CASES[case](torch)
    with pytest.raises(Exception) as ours:
        CASES[case](ag)
    assert isinstance(ours.value, theirs.type), (
        f"PyTorch raises {theirs.type.__name__} ({str(theirs.value)[:80]}), we raise "
        f"{type(ours.value).__name__} ({str(ours.value)[:80]})")


def test_copy_into_a_node_says_the_shapes_once():
    x = ag.ones(3, requires_grad=True) * 1
    with pytest.raises(ag.ShapeError) as caught:
        x.copy_(ag.ones(2, 3))
    assert str(caught.value).count("doesn't match the broadcast shape") == 1, str(caught.value)


@pytest.mark.parametrize("call,message", [
    (lambda: ag.ones(4, 5).view(-1, 7), r"reshape: shape \(-1, 7\) is invalid for input of size 20 \(shape \(4, 5\)\)"),
    (lambda: ag.ones(4, 5).reshape(3, 3), r"shape \(3, 3\) is invalid for input of size 20"),
    (lambda: ag.ones(4, 5).view(-1, -1), r"shape \(-1, -1\): only one dimension can be inferred"),
])
def test_a_reshape_names_the_shape_asked_for(call, message):
    # NumPy's own message dropped the -1 ("cannot reshape array of size 20 into shape (7)"); PyTorch's names it
    with pytest.raises(ag.ShapeError, match=message):
        call()
