"""More beginner mistakes that PyTorch refuses (or warns of) where we were lenient or answered otherwise.

Each case runs the same code with autograd_core and (where installed) with PyTorch: the error types must agree and
both messages contain PyTorch's key words; our message must name the problem without PyTorch too. The mistakes:
an integer tensor times a float one (matmul does not promote), a float or integer mask to torch.where, softmax of
integers, tensors inside the lists given to torch.tensor and float sizes to the factories, torch.cat's and
torch.stack's shape errors (PyTorch's words, not NumPy's), soft_margin_loss of uint8, bool or float64 targets, and
load_state_dict's missing keys, unexpected keys and size mismatches.
"""

from __future__ import annotations

import numpy as np
import pytest
from mistake_helpers import check_refusal
from mistake_helpers import ours as _ours
from mistake_helpers import raised as _raises
from mistake_helpers import theirs as _theirs

import autograd_core as ag
import autograd_core.nn as ag_nn
import autograd_core.nn.functional as ag_F


# name -> (code, PyTorch's exception type, words that both messages contain)
REFUSED = {
    # 1. an integer tensor times a float one: PyTorch's matmul does not promote (each kernel in its own words)
    "long @ float matrix": ("out = torch.tensor([[1, 2]]) @ torch.ones(2, 3)", RuntimeError,
                            "expected m1 and m2 to have the same dtype, but got: long int != float"),
    "float @ long matrix": ("out = torch.ones(1, 2) @ torch.tensor([[1, 2], [3, 4]])", RuntimeError,
                            "expected m1 and m2 to have the same dtype, but got: float != long int"),
    "torch.mm of long and float": ("out = torch.mm(torch.tensor([[1, 2]]), torch.ones(2, 2))", RuntimeError,
                                   "expected m1 and m2 to have the same dtype, but got: long int != float"),
    "torch.matmul of a long batch and a float matrix": ("out = torch.matmul(torch.ones(3, 1, 2, dtype=torch.long), "
                                                        "torch.ones(2, 2))", RuntimeError,
                                                        "expected m1 and m2 to have the same dtype, but got: long int "
                                                        "!= float"),
    "torch.bmm of long and float": ("out = torch.bmm(torch.ones(1, 1, 2, dtype=torch.long), torch.ones(1, 2, 2))",
                                    RuntimeError, "expected scalar type Long but found Float"),
    "long vector @ float vector": ("out = torch.tensor([1, 2]) @ torch.ones(2)", RuntimeError,
                                   "dot : expected both vectors to have same dtype, but found Long and Float"),
    "torch.mv of a long matrix": ("out = torch.mv(torch.ones(2, 2, dtype=torch.long), torch.ones(2))", RuntimeError,
                                  "addmv input tensors must have the same dtype, but got Float, Long, and Float"),
    "bool @ float matrix": ("out = torch.tensor([[True, False]]) @ torch.ones(2, 2)", RuntimeError,
                            "expected m1 and m2 to have the same dtype, but got: bool != float"),
    "int32 @ int64 matrix": ("out = torch.ones(2, 2, dtype=torch.int32) @ torch.ones(2, 2, dtype=torch.long)",
                             RuntimeError, "expected m1 and m2 to have the same dtype, but got: int != long int"),
    "F.linear of integers": ("out = F.linear(torch.tensor([[1, 2]]), torch.ones(3, 2))", RuntimeError,
                             "expected m1 and m2 to have the same dtype, but got: long int != float"),
    # 2. torch.where's condition must be bool
    "where, float condition": ("out = torch.where(torch.tensor([1., 0.]), torch.ones(2), torch.zeros(2))",
                               RuntimeError, "where expected condition to be a boolean tensor, but got a tensor with "
                               "dtype Float"),
    "where, int64 condition": ("out = torch.where(torch.tensor([1, 0]), torch.ones(2), 0.)", RuntimeError,
                               "where expected condition to be a boolean tensor, but got a tensor with dtype Long"),
    "Tensor.where, float condition": ("out = torch.ones(2).where(torch.tensor([1., 0.]), 0.)", RuntimeError,
                                      "where expected condition to be a boolean tensor, but got a tensor with dtype "
                                      "Float"),
    # 3. softmax of integers: PyTorch's kernels compute in floating point only
    "F.softmax of integers": ("out = F.softmax(torch.tensor([1, 2]), 0)", NotImplementedError,
                              "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    "F.log_softmax of integers": ("out = F.log_softmax(torch.tensor([[1, 2]]), dim=1)", NotImplementedError,
                                  "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    "softmax of integers, not the last dim": ("out = torch.softmax(torch.ones(2, 3, dtype=torch.long), 0)",
                                              NotImplementedError, "\"softmax_kernel_impl\" not implemented for "
                                              "'Long'"),
    "Tensor.softmax of bools": ("out = torch.tensor([True, False]).softmax(0)", NotImplementedError,
                                "\"softmax_lastdim_kernel_impl\" not implemented for 'Bool'"),
    "nn.LogSoftmax of int32": ("out = nn.LogSoftmax(0)(torch.tensor([1, 2], dtype=torch.int32))", NotImplementedError,
                               "\"log_softmax_lastdim_kernel_impl\" not implemented for 'Int'"),
    "F.softmin of integers": ("out = F.softmin(torch.tensor([1, 2]), 0)", NotImplementedError,
                              "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    # 4. tensors inside torch.tensor's lists are numbers; sizes are ints
    "torch.tensor of a list of vectors": ("out = torch.tensor([torch.ones(2), torch.ones(2)])", ValueError,
                                          "only one element tensors can be converted to Python scalars"),
    "torch.tensor of a number and a vector": ("out = torch.tensor([1., torch.ones(2)])", ValueError,
                                              "only one element tensors can be converted to Python scalars"),
    "randn(2.0, 3)": ("out = torch.randn(2.0, 3)", TypeError, "randn()"),
    "zeros of a float size": ("out = torch.zeros((6 / 2, 3))", TypeError,
                              "zeros(): argument 'size' (position 1) must be tuple of ints, but found element of type "
                              "float at pos 0"),
    "rand(2.0)": ("out = torch.rand(2.0)", TypeError,
                  "rand(): argument 'size' (position 1) must be tuple of ints, not float"),
    "full of a float size": ("out = torch.full((2.0, 3), 1.)", TypeError,
                             "full(): argument 'size' (position 1) must be tuple of ints, but found element of type "
                             "float at pos 0"),
    # 6. torch.cat's and torch.stack's errors, in PyTorch's words
    "cat, other widths": ("out = torch.cat([torch.ones(2, 3), torch.ones(2, 4)])", RuntimeError,
                          "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for "
                          "tensor number 1 in the list."),
    "cat along dim 1, other heights": ("out = torch.cat([torch.ones(2, 3), torch.ones(3, 4)], dim=1)", RuntimeError,
                                       "Sizes of tensors must match except in dimension 1. Expected size 2 but got "
                                       "size 3 for tensor number 1 in the list."),
    "cat of 2-D and 1-D": ("out = torch.cat([torch.ones(2, 3), torch.ones(3)])", RuntimeError,
                           "Tensors must have same number of dimensions: got 2 and 1"),
    "cat of a 0-d tensor": ("out = torch.cat([torch.ones(2), torch.tensor(1.)])", RuntimeError,
                            "zero-dimensional tensor (at position 1) cannot be concatenated"),
    "cat, dim out of range": ("out = torch.cat([torch.ones(2, 3), torch.ones(2, 3)], dim=2)", IndexError,
                              "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "cat of one tensor": ("out = torch.cat(torch.ones(2, 3))", TypeError,
                          "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor"),
    "cat of nothing": ("out = torch.cat([])", ValueError, "torch.cat(): expected a non-empty list of Tensors"),
    "hstack, other heights": ("out = torch.hstack([torch.ones(2, 3), torch.ones(3, 3)])", RuntimeError,
                              "Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for "
                              "tensor number 1 in the list."),
    "stack, other shapes": ("out = torch.stack([torch.ones(2, 3), torch.ones(2, 3), torch.ones(3)])", RuntimeError,
                            "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3] at entry 2"),
    "stack, dim out of range": ("out = torch.stack([torch.ones(2), torch.ones(2)], dim=-4)", IndexError,
                                "Dimension out of range (expected to be in range of [-2, 1], but got -4)"),
    "stack of one tensor": ("out = torch.stack(torch.ones(2, 3))", TypeError,
                            "stack(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor"),
    "stack of nothing": ("out = torch.stack([])", RuntimeError, "stack expects a non-empty TensorList"),
    # shapes that do not broadcast, dims out of range, float() of a vector: PyTorch's words first
    "(2, 3) + (3, 2)": ("out = torch.ones(2, 3) + torch.ones(3, 2)", RuntimeError,
                        "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1"),
    "(2, 1, 3) * (4, 2)": ("out = torch.ones(2, 1, 3) * torch.ones(4, 2)", RuntimeError,
                           "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 2"),
    "sum over dim 1 of a vector": ("out = torch.ones(3).sum(dim=1)", IndexError,
                                   "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    "mean over dim -3 of a matrix": ("out = torch.ones(2, 3).mean(-3)", IndexError,
                                     "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    "softmax over dim 2 of a matrix": ("out = F.softmax(torch.ones(2, 3), dim=2)", IndexError,
                                       "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "argmax over dim 1 of a vector": ("out = torch.ones(3).argmax(dim=1)", IndexError,
                                      "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    "max over dim 2 of a matrix": ("out = torch.ones(2, 3).max(dim=2)", IndexError,
                                   "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "transpose(0, 2) of a matrix": ("out = torch.ones(2, 3).transpose(0, 2)", IndexError,
                                    "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "all over dim 2 of a matrix": ("out = torch.ones(2, 3).all(2)", IndexError,
                                   "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "unsqueeze(2) of a vector": ("out = torch.ones(3).unsqueeze(2)", IndexError,
                                 "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "squeeze(2) of a matrix": ("out = torch.ones(2, 3).squeeze(2)", IndexError,
                               "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "float() of a vector": ("out = float(torch.ones(2))", ValueError,
                            "only one element tensors can be converted to Python scalars"),
    "int() of a vector": ("out = int(torch.tensor([1, 2]))", ValueError,
                          "only one element tensors can be converted to Python scalars"),
    "item() of a vector": ("out = torch.ones(2).item()", RuntimeError,
                           "a Tensor with 2 elements cannot be converted to Scalar"),
    "vector @ vector of other lengths": ("out = torch.ones(2) @ torch.ones(3)", RuntimeError,
                                         "inconsistent tensor size, expected tensor [2] and src [3] to have the same "
                                         "number of elements, but got 2 and 3 elements respectively"),
    "batch @ vector of another length": ("out = torch.ones(3, 4, 3) @ torch.ones(2)", RuntimeError,
                                         "size mismatch, got input (12), mat (12x3), vec (2)"),
    "matrix @ batch that does not chain": ("out = torch.ones(2, 3) @ torch.ones(4, 2, 3)", RuntimeError,
                                           "Expected size for first two dimensions of batch2 tensor to be: [4, 3] but "
                                           "got: [4, 2]."),
    "batches that do not broadcast": ("out = torch.ones(3, 2, 3) @ torch.ones(2, 3, 2)", RuntimeError,
                                      "The size of tensor a (3) must match the size of tensor b (2) at non-singleton "
                                      "dimension 0"),
    # random draws into integers, samples from counts
    "normal_ of integers": ("out = torch.zeros(3, dtype=torch.long).normal_()", NotImplementedError,
                            "\"normal_kernel_cpu\" not implemented for 'Long'"),
    "uniform_ of int32": ("out = torch.zeros(3, dtype=torch.int32).uniform_()", NotImplementedError,
                          "\"check_uniform_bounds\" not implemented for 'Int'"),
    "multinomial of counts": ("out = torch.multinomial(torch.tensor([3, 1]), 1)", RuntimeError,
                              "multinomial only supports floating-point dtypes for input, got: Long"),
    # 7. load_state_dict, in PyTorch's words
    "load_state_dict, a missing key": ("out = nn.Linear(2, 3).load_state_dict({'weight': torch.ones(3, 2)})",
                                       RuntimeError, "Error(s) in loading state_dict for Linear:\n\tMissing key(s) in "
                                       "state_dict: \"bias\". "),
    "load_state_dict, a size mismatch": ("out = nn.Linear(2, 3).load_state_dict({'weight': torch.ones(2, 2), "
                                         "'bias': torch.ones(3)}, strict=False)", RuntimeError,
                                         "size mismatch for weight: copying a param with shape torch.Size([2, 2]) "
                                         "from checkpoint, the shape in current model is torch.Size([3, 2])."),
}


@pytest.mark.parametrize("name", REFUSED)
def test_refused_as_pytorch_refuses_it(name):
    for runner in (_theirs, _ours):
        check_refusal(*REFUSED[name], runner, first=False)


@pytest.mark.parametrize("name", REFUSED)
def test_refused_with_the_words_naming_the_problem(name):
    """Without PyTorch: the same refusal, and its key words."""
    check_refusal(*REFUSED[name], _ours, first=False)


# Our hints, beyond PyTorch's words: what to do about it.
HINTS = {
    "long @ float matrix": "convert the integer operand first, e.g. x.float() @ w",
    "where, float condition": "make the mask by a comparison, e.g. torch.where(x > 0, a, b)",
    "F.softmax of integers": "convert first, x.float(), or pass dtype=torch.float32",
    "torch.tensor of a list of vectors": "to join tensors use torch.stack or torch.cat",
    "zeros of a float size": "n / 2 is a float, write n // 2",
    "cat, other widths": "all other dimensions must agree, here [2, 3] and [2, 4]",
    "cat of a 0-d tensor": "use torch.stack to join 0-d tensors",
    "cat of one tensor": "give a list: torch.cat([a, b])",
    "(2, 3) + (3, 2)": "add: shapes (2, 3) and (3, 2) cannot be broadcast together",
    "float() of a vector": "take one element, x[i], or reduce it first, x.sum()",
    "multinomial of counts": "convert the counts first: counts.float()",
}


@pytest.mark.parametrize("name", HINTS)
def test_our_message_says_what_to_do(name):
    assert HINTS[name] in str(_raises(REFUSED[name][0], _ours))


def test_load_state_dict_lists_every_problem_in_pytorchs_order():
    """Missing keys, unexpected keys, then each size mismatch, one a line: the same text as PyTorch's."""
    code = ("m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))\nstate = m.state_dict()\n"
            "state['0.weight'] = torch.ones(4, 2); state['extra'] = torch.ones(1); del state['2.bias']\n"
            "out = m.load_state_dict(state)")
    ours = _raises(code, _ours)
    assert isinstance(ours, ag_nn.CheckpointError) and isinstance(ours, RuntimeError)
    assert str(ours) == ("Error(s) in loading state_dict for Sequential:\n\t"
                         "Missing key(s) in state_dict: \"2.bias\". \n\t"
                         "Unexpected key(s) in state_dict: \"extra\". \n\t"
                         "size mismatch for 0.weight: copying a param with shape torch.Size([4, 2]) from checkpoint, "
                         "the shape in current model is torch.Size([3, 2]).")
    assert str(ours) == str(_raises(code, _theirs))


def test_a_failed_load_state_dict_changes_nothing():
    model = ag_nn.Linear(2, 3)
    before = model.weight.data.copy()
    with pytest.raises(RuntimeError, match="Missing key"):
        model.load_state_dict({"weight": ag.ones(3, 2)})
    np.testing.assert_array_equal(model.weight.data, before)


# What PyTorch takes, and we now take as it does (before: other answers).
TAKEN = {
    # a list of one-element tensors is a vector of their numbers (NumPy would stack them to (2, 1))
    "torch.tensor of one-element vectors": "out = torch.tensor([torch.tensor([1.]), torch.tensor([2.5])])",
    "torch.tensor of 0-d tensors and numbers": "out = torch.tensor([[torch.tensor(1), 2], [3, torch.tensor([[4]])]])",
    "torch.tensor of a float64 and a float32 tensor": "out = torch.tensor([torch.tensor([1.], dtype=torch.float64), "
                                                       "torch.tensor(2.)])",
    # soft_margin_loss: the target in the input's dtype (a uint8 -1 would wrap to 255, a bool could not be negated)
    "soft_margin_loss, uint8 target": "out = F.soft_margin_loss(torch.tensor([0.2, 0.7]), torch.tensor([1, 0], "
                                      "dtype=torch.uint8))",
    "soft_margin_loss, bool target": "out = F.soft_margin_loss(torch.tensor([0.2, 0.7]), torch.tensor([True, False]))",
    "soft_margin_loss, float64 target": "out = F.soft_margin_loss(torch.tensor([0.2, 0.7]), torch.tensor([1., -1.], "
                                        "dtype=torch.float64), reduction='none')",
    # what stays: integer @ integer, a matching dtype, softmax with dtype=, sizes that are NumPy or 0-d integers
    "long @ long": "out = torch.tensor([[1, 2]]) @ torch.tensor([[3], [4]])",
    "softmax of integers with dtype=": "out = F.softmax(torch.tensor([1, 2]), 0, dtype=torch.float32)",
    "randn of NumPy and 0-d integer sizes": "out = torch.zeros(np.int64(2), torch.tensor(3))",
    "where, bool condition": "out = torch.where(torch.tensor([1., 0.]) > 0, torch.ones(2), 0.)",
    "cat of an empty vector and a matrix": "out = torch.cat([torch.tensor([]), torch.ones(2, 3)])",
}


@pytest.mark.parametrize("name", TAKEN)
def test_taken_as_pytorch_takes_it(name):
    ours, our_warnings = _ours(TAKEN[name])
    theirs, _ = _theirs(TAKEN[name])
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).removeprefix("torch.") == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(np.asarray(ours.tolist(), dtype=float), np.asarray(theirs.tolist(), dtype=float),
                               rtol=1e-6)
    assert our_warnings == []


def test_a_uint8_condition_warns_as_pytorch():
    code = "out = torch.where(torch.tensor([1, 0], dtype=torch.uint8), torch.ones(2), torch.zeros(2))"
    ours, our_warnings = _ours(code)
    theirs, their_warnings = _theirs(code)
    assert len(our_warnings) == len(their_warnings) == 1
    assert their_warnings[0].startswith(our_warnings[0])
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_where_warning_points_at_the_caller():
    with pytest.warns(UserWarning, match="where received a uint8 condition tensor") as caught:
        ag.where(ag.tensor([1, 0], dtype=ag.uint8), ag.ones(2), 0.0)
    assert caught[0].filename == __file__


def test_values_and_gradients_without_pytorch():
    """soft_margin_loss of 0/1 targets: log(1 + e^(−y·x)) with y = 1 and 0, and its gradient −y·σ(−y·x)/n."""
    x = ag.tensor([0.2, 0.7], requires_grad=True)
    for target in (ag.tensor([1, 0], dtype=ag.uint8), ag.tensor([True, False])):
        loss = ag_F.soft_margin_loss(x, target)
        y = np.array([1.0, 0.0])
        np.testing.assert_allclose(loss.data, np.mean(np.log1p(np.exp(-y * x.data))), rtol=1e-6)
        loss.backward()
        np.testing.assert_allclose(x.grad, -y / (1 + np.exp(y * x.data)) / 2, rtol=1e-6)
        x.grad = None
    assert ag.tensor([ag.tensor([1.0]), ag.tensor(2.0)]).shape == (2,)
    assert (ag.tensor([[1, 2]]).float() @ ag.ones(2, 1)).data.tolist() == [[3.0]]


def test_a_checkpoint_of_a_wrapped_model_gets_pytorchs_words_then_our_hint():
    """A DataParallel checkpoint ('module.weight') loaded into the bare model, and the other way round."""
    code = ("m = nn.Linear(2, 3)\nstate = {'module.' + k: v for k, v in m.state_dict().items()}\n"
            "out = m.load_state_dict(state)")
    ours = str(_raises(code, _ours))
    assert "(the checkpoint's keys begin with 'module.', as nn.DataParallel" in ours
    assert "k.removeprefix('module.')" in ours
    wrapped = ("out = nn.DataParallel(nn.Linear(2, 3)).load_state_dict(nn.Linear(2, 3).state_dict())")
    assert "model.module.load_state_dict(...)" in str(_raises(wrapped, _ours))
    for case in (code, wrapped):
        assert str(_raises(case, _ours)).startswith(str(_raises(case, _theirs)))


# torch.tensor(a_tensor): a copy, with PyTorch's warning (a beginner's way to detach or to convert); the other
# constructors of a tensor copy or share it silently, in both libraries.
COPY_CONSTRUCT = {
    "torch.tensor(t)": ("out = torch.tensor(torch.ones(2, requires_grad=True))", 1),
    "torch.tensor(t, dtype=)": ("out = torch.tensor(torch.ones(2), dtype=torch.float64)", 1),
    "torch.tensor of a 0-d tensor": ("out = torch.tensor(torch.tensor(2.))", 1),
    "torch.Tensor(t)": ("out = torch.Tensor(torch.ones(2))", 0),
    "torch.as_tensor(t, dtype=)": ("out = torch.as_tensor(torch.ones(2), dtype=torch.float64)", 0),
    "torch.tensor of a list of 0-d tensors": ("out = torch.tensor([torch.tensor(1.), torch.tensor(2.)])", 0),
}


@pytest.mark.parametrize("name", COPY_CONSTRUCT)
def test_copy_construct_warns_as_pytorch(name):
    code, count = COPY_CONSTRUCT[name]
    ours, our_warnings = _ours(code)
    assert len(our_warnings) == count
    assert not ours.requires_grad
    theirs, their_warnings = _theirs(code)
    assert our_warnings == their_warnings
    assert str(ours.dtype).removeprefix("torch.") == str(theirs.dtype).removeprefix("torch.")


def test_copy_construct_warning_points_at_the_caller():
    with pytest.warns(UserWarning, match=r"rather than torch.tensor\(sourceTensor\)") as caught:
        ag.tensor(ag.ones(2))
    assert caught[0].filename == __file__
