"""Beginner mistakes, round 5: the silent wrong numbers first, then PyTorch's errors in PyTorch's words.

Each case runs the same code with autograd_core and (where installed) with PyTorch, as in rounds 2-4
(tests/mistake_helpers.py). The silent ones were: a (values, indices) result compared with or added to a tensor
(`(torch.max(out, 1) == labels).sum()`, the old tutorials' accuracy without unpacking: NumPy stacked the pair, so the
count was of matches against both halves); Python integers that overflow an integer dtype in torch.tensor, torch.full,
fill_ and the legacy typed constructors (wrapped: 300 into uint8 was 44) or past int64 (read as uint64); fill_(None)
(nan); torch.LongTensor(2.5) (a 0-d tensor). The loud ones now say PyTorch's words first: nn.Sequential given a list,
ModuleList given one layer, a container given a non-Module; DataLoader's batch_size; expand and broadcast_to name the
last dim that does not fit; interpolate of an input with the wrong number of dims (NotImplementedError, as PyTorch's);
manual_seed takes what int() takes; randint(10, 3), dot of matrices or of other lengths, a Sequential or ModuleList
indexed past its end; softmax over a dim the input does not have. Warnings: F.upsample (deprecated) and
lr_scheduler.step() before optimizer.step().
"""

from __future__ import annotations

import numpy as np
import pytest
from mistake_helpers import check_refusal
from mistake_helpers import ours as _ours
from mistake_helpers import raised as _raises
from mistake_helpers import theirs as _theirs

import autograd_core as ag

SCORES = "out_ = torch.tensor([[0.1, 2.0, 0.3], [1.5, 0.2, 0.1], [0.0, 0.1, 3.0]])\nlabels = torch.tensor([1, 0, 1])\n"

# name -> (code, PyTorch's exception type, the start of PyTorch's message, which ours starts with too)
REFUSED = {
    # 1. a (values, indices) pair used as a tensor: its comparison is False (a bool), so .sum() fails
    "(max(out, 1) == labels).sum()": (SCORES + "out = (torch.max(out_, 1) == labels).sum()", AttributeError,
                                      "'bool' object has no attribute 'sum'"),
    "(labels == out.max(1)).sum()": (SCORES + "out = (labels == out_.max(1)).sum()", AttributeError,
                                     "'bool' object has no attribute 'sum'"),
    "labels + max(out, 1)": (SCORES + "out = labels + torch.max(out_, 1)", TypeError, "unsupported operand type(s)"),
    "max(out, 1) - labels": (SCORES + "out = labels.float() - out_.topk(1, 1)", TypeError,
                             "unsupported operand type(s)"),
    # 2. Python integers that do not fit the dtype asked for (a cast would wrap them)
    "tensor of 300 as uint8": ("out = torch.tensor([255, 300], dtype=torch.uint8)", RuntimeError,
                               "value cannot be converted to type uint8 without overflow"),
    "tensor of -256 as uint8": ("out = torch.tensor([-256], dtype=torch.uint8)", RuntimeError,
                                "value cannot be converted to type uint8 without overflow"),
    "tensor of 128 as int8": ("out = torch.tensor(128, dtype=torch.int8)", RuntimeError,
                              "value cannot be converted to type int8 without overflow"),
    "tensor of 2**31 as int32": ("out = torch.tensor([[1, 2], [3, 2**31]], dtype=torch.int32)", RuntimeError,
                                 "value cannot be converted to type int32 without overflow"),
    "tensor of 255.5 as uint8": ("out = torch.tensor([255.5], dtype=torch.uint8)", RuntimeError,
                                 "value cannot be converted to type uint8 without overflow"),
    "tensor of nan as int64": ("out = torch.tensor([float('nan')], dtype=torch.int64)", RuntimeError,
                               "value cannot be converted to type int64 without overflow"),
    "ByteTensor([300])": ("out = torch.ByteTensor([300])", RuntimeError,
                          "value cannot be converted to type uint8 without overflow"),
    "tensor of 2**63": ("out = torch.tensor([1, 2**63])", ValueError, "Overflow when unpacking long long"),
    "full of 300 as uint8": ("out = torch.full((2,), 300, dtype=torch.uint8)", RuntimeError,
                             "value cannot be converted to type uint8_t without overflow"),
    "full of 2**31 as int32": ("out = torch.full((2,), 2**31, dtype=torch.int32)", RuntimeError,
                               "value cannot be converted to type int without overflow"),
    "full of 1e30 as int64": ("out = torch.full((2,), 1e30, dtype=torch.int64)", RuntimeError,
                              "value cannot be converted to type int64_t without overflow"),
    "fill_(300) of uint8": ("out = torch.zeros(2, dtype=torch.uint8).fill_(300)", RuntimeError,
                            "value cannot be converted to type uint8_t without overflow"),
    "fill_(None)": ("out = torch.zeros(2).fill_(None)", TypeError,
                    "fill_() received an invalid combination of arguments - got (NoneType), but expected one of:"),
    "LongTensor(2.5)": ("out = torch.LongTensor(2.5)", TypeError, "new(): data must be a sequence (got float)"),
    "FloatTensor of a NumPy float": ("out = torch.FloatTensor(np.float64(2.5))", TypeError,
                                     "new(): data must be a sequence (got numpy.float64)"),
    "manual_seed(2**70)": ("torch.manual_seed(2**70)", ValueError, "Overflow when unpacking long long"),
    # 3. containers given what is not a module
    "Sequential of a list": ("out = nn.Sequential([nn.Linear(2, 2), nn.ReLU()])", TypeError,
                             "list is not a Module subclass"),
    "Sequential of a string": ("out = nn.Sequential(nn.Linear(2, 2), 'relu')", TypeError,
                               "str is not a Module subclass"),
    "ModuleList of a number": ("out = nn.ModuleList([nn.Linear(2, 2), 3])", TypeError,
                               "int is not a Module subclass"),
    "ModuleList of one layer": ("out = nn.ModuleList(nn.Linear(2, 2))", TypeError,
                                "ModuleList.extend should be called with an iterable, but got Linear"),
    "ModuleList(3)": ("out = nn.ModuleList(3)", TypeError,
                      "ModuleList.extend should be called with an iterable, but got int"),
    "ModuleList.append of a number": ("out = nn.ModuleList().append(3)", TypeError, "int is not a Module subclass"),
    "ModuleDict of a number": ("out = nn.ModuleDict({'a': 3})", TypeError, "int is not a Module subclass"),
    "add_module of a number": ("out = nn.Module(); out.add_module('a', 3)", TypeError,
                               "int is not a Module subclass"),
    # 4. data loading, shapes, layers
    "DataLoader, batch_size=0": ("out = torch.utils.data.DataLoader(list(range(4)), batch_size=0)", ValueError,
                                 "batch_size should be a positive integer value, but got batch_size=0"),
    "DataLoader, batch_size=2.0": ("out = torch.utils.data.DataLoader(list(range(4)), batch_size=2.0)", ValueError,
                                   "batch_size should be a positive integer value, but got batch_size=2.0"),
    "expand, the last dim does not fit": ("out = torch.ones(2, 3).expand(3, 4)", RuntimeError,
                                          "The expanded size of the tensor (4) must match the existing size (3) at "
                                          "non-singleton dimension 1.  Target sizes: [3, 4].  Tensor sizes: [2, 3]"),
    "x[...] = a value whose last dim does not fit": ("x = torch.zeros(1, 2, 4); x[...] = torch.ones(2, 3)",
                                                     RuntimeError, "The expanded size of the tensor (4) must match "
                                                     "the existing size (3) at non-singleton dimension 2.  Target "
                                                     "sizes: [1, 2, 4].  Tensor sizes: [2, 3]"),
    "broadcast_to another shape": ("out = torch.broadcast_to(torch.ones(2, 3), (3, 4))", RuntimeError,
                                   "The expanded size of the tensor (4) must match the existing size (3) at "
                                   "non-singleton dimension 1.  Target sizes: [3, 4].  Tensor sizes: [2, 3]"),
    "broadcast_to fewer dims": ("out = torch.ones(2, 3).broadcast_to((3,))", RuntimeError,
                                "expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) must be "
                                "greater or equal to the number of dimensions in the tensor (2)"),
    "randint(10, 3)": ("out = torch.randint(10, 3)", TypeError,
                       "randint(): argument 'size' (position 2) must be tuple of ints, not int"),
    "dot of matrices": ("out = torch.dot(torch.ones(2, 2), torch.ones(2, 2))", RuntimeError,
                        "1D tensors expected, but got 2D and 2D tensors"),
    "dot of other lengths": ("out = torch.ones(3).dot(torch.ones(2))", RuntimeError,
                             "inconsistent tensor size, expected tensor [3] and src [2] to have the same number of "
                             "elements, but got 3 and 2 elements respectively"),
    "Sequential past its end": ("out = nn.Sequential(nn.ReLU())[1]", IndexError, "index 1 is out of range"),
    "ModuleList past its start": ("out = nn.ModuleList([nn.ReLU()])[-2]", IndexError, "index -2 is out of range"),
    "Softmax(dim=1) of one sample": ("out = nn.Softmax(dim=1)(torch.ones(3))", IndexError,
                                     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    "log_softmax over dim 2 of a matrix": ("out = F.log_softmax(torch.ones(2, 3), dim=2)", IndexError,
                                           "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "interpolate of a matrix": ("out = F.interpolate(torch.ones(2, 2), scale_factor=2)", NotImplementedError,
                                "Input Error: Only 3D, 4D and 5D input Tensors supported (got 2D) for the modes: "
                                "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact "
                                "(got nearest)"),
    "bilinear interpolate of a sequence": ("out = F.interpolate(torch.ones(1, 1, 4), scale_factor=2, mode='bilinear')",
                                           NotImplementedError, "Got 3D input, but bilinear mode needs 4D input"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_refused_as_pytorch_refuses_it(name):
    for runner in (_theirs, _ours):
        check_refusal(*REFUSED[name], runner, first=True)


@pytest.mark.parametrize("name", REFUSED)
def test_refused_with_pytorchs_words_first(name):
    """Without PyTorch: the same refusal, starting with PyTorch's words."""
    check_refusal(*REFUSED[name], _ours, first=True)


# Our words, after PyTorch's: what went wrong here, and what to do about it.
HINTS = {
    "labels + max(out, 1)": "take its .values or .indices, or unpack it: values, indices = x.max(1)",
    "tensor of 300 as uint8": "uint8 holds 0 to 255; got 255 to 300",
    "LongTensor(2.5)": "give data as a list, LongTensor([2.5]), or sizes as integers",
    "Sequential of a list": "give the modules as arguments, nn.Sequential(*layers)",
    "ModuleList of one layer": "ModuleList([layer])",
    "randint(10, 3)": "randint(10, (3,))",
    "Softmax(dim=1) of one sample": "softmax: an input of shape (3,) has no dim 1",
    "Sequential past its end": "Sequential index 1 out of range for 1 modules",
    "interpolate of a matrix": "(N, C, spatial...), got shape (2, 2)",
}


@pytest.mark.parametrize("name", HINTS)
def test_our_words_follow_pytorchs(name):
    assert HINTS[name] in str(_raises(REFUSED[name][0], _ours))


# The same code gives the same result: a pair compared with a tensor is unequal; the integers that fit (two's
# complement into unsigned: -1 into uint8 is 255) and arrays (cast without a check, as PyTorch's) as before.
SAME = {
    "max(out, 1) == labels": SCORES + "out = torch.max(out_, 1) == labels",
    "labels != out.max(1)": SCORES + "out = labels != out_.max(1)",
    "labels == out.sort(1)": SCORES + "out = labels == out_.sort(1)",
    "the accuracy, unpacked": SCORES + "_, predicted = torch.max(out_, 1)\nout = (predicted == labels).sum().item()",
    "the accuracy, indices": SCORES + "out = (out_.max(1).indices == labels).float().mean().item()",
    "-1 and -255 into uint8": "out = torch.tensor([-1, -255, 255], dtype=torch.uint8).tolist()",
    "-1 into uint8 by full and fill_": "out = [torch.full((1,), -1, dtype=torch.uint8).tolist(), "
                                       "torch.zeros(1, dtype=torch.uint8).fill_(-1).tolist()]",
    "an array of 300 into uint8": "out = torch.tensor(np.array([300]), dtype=torch.uint8).tolist()",
    "floats into int64, truncated": "out = torch.tensor([1.7, -1.7], dtype=torch.int64).tolist()",
    "2**63 as float32": "out = torch.tensor([2**63], dtype=torch.float32).item()",
    "manual_seed('42')": "torch.manual_seed('42'); out = torch.initial_seed()",
    "manual_seed(1.9)": "torch.manual_seed(1.9); out = torch.initial_seed()",
    "manual_seed(-1)": "torch.manual_seed(-1); out = torch.initial_seed()",
}


@pytest.mark.parametrize("name", SAME)
def test_the_same_result_as_pytorch(name):
    ours, _ = _ours(SAME[name])
    theirs, _ = _theirs(SAME[name])
    assert ours == theirs, (ours, theirs)


EXPECTED = {"max(out, 1) == labels": False, "labels != out.max(1)": True, "labels == out.sort(1)": False,
            "the accuracy, unpacked": 2, "-1 and -255 into uint8": [255, 1, 255],
            "an array of 300 into uint8": [44], "manual_seed(-1)": 2 ** 64 - 1}


@pytest.mark.parametrize("name", EXPECTED)
def test_the_results_without_pytorch(name):
    assert _ours(SAME[name])[0] == EXPECTED[name]


def test_a_seed_given_as_a_string_draws_what_its_number_draws():
    ag.manual_seed(3)
    first = ag.randn(4).tolist()
    ag.manual_seed("3")
    assert ag.randn(4).tolist() == first


def test_a_refused_fill_changes_nothing():
    x = ag.tensor([1, 2], dtype=ag.uint8)
    with pytest.raises(RuntimeError):
        x.fill_(300)
    with pytest.raises(TypeError):
        x.fill_(None)
    assert x.tolist() == [1, 2]


WARNED = {
    "F.upsample": ("out = F.upsample(torch.ones(1, 1, 2, 2), scale_factor=2)",
                   "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead."),
    "lr_scheduler.step() first": ("m = nn.Linear(2, 2); opt = optim.SGD(m.parameters(), lr=0.1)\n"
                                  "optim.lr_scheduler.StepLR(opt, 1).step()",
                                  "Detected call of `lr_scheduler.step()` before `optimizer.step()`."),
}


@pytest.mark.parametrize("name", WARNED)
def test_warned_as_pytorch_warns(name):
    code, words = WARNED[name]
    _, our_warnings = _ours(code)
    assert len(our_warnings) == 1 and our_warnings[0].startswith(words), our_warnings
    _, their_warnings = _theirs(code)
    assert len(their_warnings) == 1 and their_warnings[0].startswith(words), their_warnings


def test_upsample_computes_what_interpolate_computes():
    x = ag.arange(4.0).reshape(1, 1, 2, 2)
    with pytest.warns(UserWarning, match="upsample"):
        out = ag.nn.functional.upsample(x, scale_factor=2, mode="bilinear", align_corners=True)
    expected = ag.nn.functional.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
    np.testing.assert_array_equal(out.data, expected.data)
