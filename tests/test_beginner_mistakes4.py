"""Beginner mistakes, round 4: refused with PyTorch's message first, ours (what to do) after it.

Each case runs the same code with autograd_core and (where installed) with PyTorch: the error types must agree and
our message must start with PyTorch's (or the part of it that does not name PyTorch's internals: the version error's
node, 'which is output 0 of Add'). The mistakes: backward twice, of a vector, of what needs no grad, with a gradient
of another shape; autograd.grad of an unused input or of one that needs no grad; in-place changes of a leaf that
requires grad (or a view of one) and of what a backward needs; optimizers given a used-up generator, a single tensor,
a computed tensor, a parameter twice, a negative learning rate; convolutions given a 5-D input, the wrong channel
count or a kernel larger than the input; Linear of a 0-d input; Flatten of a vector; dropout's p; reshape/view to
another size; indexing past the end, with too many indices, into a 0-d tensor (old tutorials' `loss[0]`), with
float indices or a mask of another shape; x[i] = value and x.add_(y) of shapes that do not fit; expand with too few
sizes; t(), .mT and transpose() of the wrong shape or arity; max, min and argmax of empty tensors; the mean of
integers or bools; clamp without bounds; topk past the end; integers that require grad and computed tensors that
stop requiring it; torch.tensor of a string; Embedding ids past the vocabulary; one_hot classes out of range; a
Module without forward.
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


X = "x = torch.ones(2, requires_grad=True)\n"
MODEL = "model = nn.Linear(2, 2)\n"
VERSION_WORDS = "one of the variables needed for gradient computation has been modified by an inplace operation: "

# name -> (code, PyTorch's exception type, the start of PyTorch's message, which ours starts with too)
REFUSED = {
    # 1. backward and autograd.grad
    "backward twice": (X + "y = (x * x).sum(); y.backward(); y.backward()", RuntimeError,
                       "Trying to backward through the graph a second time (or directly access saved tensors after "
                       "they have already been freed). Saved intermediate values of the graph are freed when you call "
                       ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                       "graph a second time or if you need to access saved tensors after calling backward."),
    "autograd.grad twice": (X + "y = (x * x).sum(); torch.autograd.grad(y, x); torch.autograd.grad(y, x)",
                            RuntimeError, "Trying to backward through the graph a second time"),
    "backward of a vector": (X + "(x * 2).backward()", RuntimeError,
                             "grad can be implicitly created only for scalar outputs"),
    "autograd.grad of a vector": (X + "torch.autograd.grad(x * 2, x)", RuntimeError,
                                  "grad can be implicitly created only for scalar outputs"),
    "backward of what needs no grad": ("(torch.ones(2) * 2).sum().backward()", RuntimeError,
                                       "element 0 of tensors does not require grad and does not have a grad_fn"),
    "backward with a gradient of another shape": (X + "(x * 2).backward(torch.ones(3))", RuntimeError,
                                                  "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) "
                                                  "and output[0] has a shape of torch.Size([2])."),
    "backward of a loss with a vector gradient": (X + "(x * 2).sum().backward(torch.ones(2))", RuntimeError,
                                                  "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) "
                                                  "and output[0] has a shape of torch.Size([])."),
    "autograd.grad of an unused input": (X + "w = torch.ones(2, requires_grad=True)\n"
                                         "torch.autograd.grad((x * x).sum(), [x, w])", RuntimeError,
                                         "The differentiated Tensor at index 1 appears to not have been used in the "
                                         "graph. Set allow_unused=True if this is the desired behavior."),
    "autograd.grad of a detached input": (X + "torch.autograd.grad((x * x).sum(), x.detach())", RuntimeError,
                                          "One of the differentiated Tensors does not require grad"),
    # 2. in-place changes: of a leaf that requires grad, of a view of one, of what a backward needs
    "add_ on a leaf that requires grad": (X + "x.add_(1)", RuntimeError,
                                          "a leaf Variable that requires grad is being used in an in-place "
                                          "operation."),
    "+= on a weight outside no_grad": (MODEL + "model.weight -= 0.1", RuntimeError,
                                       "a leaf Variable that requires grad is being used in an in-place operation."),
    "zero_ on a leaf that requires grad": (X + "x.zero_()", RuntimeError,
                                           "a leaf Variable that requires grad is being used in an in-place "
                                           "operation."),
    "x[0] = 5 on a leaf that requires grad": (X + "x[0] = 5.", RuntimeError,
                                              "a view of a leaf Variable that requires grad is being used in an "
                                              "in-place operation."),
    "a slice of a leaf changed in place": (X + "x[:1].zero_()", RuntimeError,
                                           "a view of a leaf Variable that requires grad is being used in an "
                                           "in-place operation."),
    "a tensor the backward needs, changed": (X + "y = x * 2; z = y * y; y.add_(1); z.sum().backward()", RuntimeError,
                                             VERSION_WORDS + "[torch.FloatTensor [2]]"),
    "a weight stepped before backward": ("w = torch.ones(2, 2, requires_grad=True); loss = (w * w).sum()\n"
                                         "with torch.no_grad():\n    w -= 0.1\nloss.backward()", RuntimeError,
                                         VERSION_WORDS + "[torch.FloatTensor [2, 2]] is at version 1; expected "
                                         "version 0 instead."),
    "a float64 weight scaled before backward": ("w = torch.ones(2, dtype=torch.float64, requires_grad=True)\n"
                                                "loss = (w * w).sum()\nwith torch.no_grad():\n    w.mul_(2)\n"
                                                "loss.backward()", RuntimeError, VERSION_WORDS + "[torch.DoubleTensor "
                                                "[2]] is at version 1; expected version 0 instead."),
    # 3. optimizers
    "an optimizer of a used-up generator": (MODEL + "params = model.parameters(); optim.SGD(params, lr=0.1)\n"
                                            "optim.Adam(params, lr=0.1)", ValueError,
                                            "optimizer got an empty parameter list"),
    "an optimizer of nothing": ("optim.SGD([], lr=0.1)", ValueError, "optimizer got an empty parameter list"),
    "an optimizer of one tensor": (MODEL + "optim.SGD(model.weight, lr=0.1)", TypeError,
                                   "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                                   "but got torch.FloatTensor"),
    "an optimizer of a computed tensor": (X + "optim.SGD([x * 2], lr=0.1)", ValueError,
                                          "can't optimize a non-leaf Tensor"),
    "an optimizer of a dict": (MODEL + "optim.SGD({'w': model.weight}, lr=0.1)", TypeError,
                               "optimizer can only optimize Tensors, but one of the params is str"),
    "model.parameters() in two groups": (MODEL + "optim.SGD([{'params': model.parameters()}, "
                                         "{'params': model.parameters()}], lr=0.1)", ValueError,
                                         "some parameters appear in more than one parameter group"),
    "a negative learning rate": (MODEL + "optim.Adam(model.parameters(), lr=-0.1)", ValueError,
                                 "Invalid learning rate: -0.1"),
    "a negative momentum": (MODEL + "optim.SGD(model.parameters(), lr=0.1, momentum=-1)", ValueError,
                            "Invalid momentum value: -1"),
    "a negative eps": (MODEL + "optim.Adam(model.parameters(), eps=-1e-8)", ValueError,
                       "Invalid epsilon value: -1e-08"),
    "a negative weight decay": (MODEL + "optim.AdamW(model.parameters(), weight_decay=-1)", ValueError,
                                "Invalid weight_decay value: -1"),
    "beta1 of 1.2": (MODEL + "optim.Adam(model.parameters(), betas=(1.2, 0.999))", ValueError,
                     "Invalid beta parameter at index 0: 1.2"),
    # 4. layers given the wrong input
    "Conv2d of a 5-D input": ("out = nn.Conv2d(3, 2, 3)(torch.ones(1, 1, 3, 8, 8))", RuntimeError,
                              "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                              "[1, 1, 3, 8, 8]"),
    "conv1d of a 2-D weight's input": ("out = F.conv1d(torch.ones(1, 1, 3, 4), torch.ones(2, 3, 5))", RuntimeError,
                                       "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of "
                                       "size: [1, 1, 3, 4]"),
    "Conv2d of a grey image": ("out = nn.Conv2d(3, 2, 3)(torch.ones(2, 1, 8, 8))", RuntimeError,
                               "Given groups=1, weight of size [2, 3, 3, 3], expected input[2, 1, 8, 8] to have 3 "
                               "channels, but got 1 channels instead"),
    "Conv2d of an unbatched image of other channels": ("out = nn.Conv2d(3, 2, 3)(torch.ones(2, 8, 8))", RuntimeError,
                                                       "Given groups=1, weight of size [2, 3, 3, 3], expected "
                                                       "input[1, 2, 8, 8] to have 3 channels, but got 2 channels "
                                                       "instead"),
    "conv2d with groups, other channels": ("out = F.conv2d(torch.ones(1, 3, 8, 8), torch.ones(2, 2, 3, 3), groups=2)",
                                           RuntimeError, "Given groups=2, weight of size [2, 2, 3, 3], expected "
                                           "input[1, 3, 8, 8] to have 4 channels, but got 3 channels instead"),
    "conv_transpose2d, other channels": ("out = F.conv_transpose2d(torch.ones(1, 1, 4, 4), torch.ones(2, 3, 5, 5))",
                                         RuntimeError, "Given transposed=1, weight of size [2, 3, 5, 5], expected "
                                         "input[1, 1, 4, 4] to have 2 channels, but got 1 channels instead"),
    "Conv2d kernel larger than the image": ("out = nn.Conv2d(3, 2, 5)(torch.ones(1, 3, 4, 4))", RuntimeError,
                                            "Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5). "
                                            "Kernel size can't be greater than actual input size"),
    "conv2d, padding on one axis, dilation": ("out = F.conv2d(torch.ones(1, 3, 4, 4), torch.ones(2, 3, 3, 3), "
                                              "padding=(0, 1), dilation=(3, 1))", RuntimeError,
                                              "Calculated padded input size per channel: (4 x 6). Kernel size: "
                                              "(7 x 3). Kernel size can't be greater than actual input size"),
    "Conv1d kernel longer than the sequence": ("out = nn.Conv1d(3, 2, 3)(torch.ones(1, 3, 2))", RuntimeError,
                                               "Calculated padded input size per channel: (2). Kernel size: (3). "
                                               "Kernel size can't be greater than actual input size"),
    "Linear of a 0-d input": ("out = nn.Linear(3, 2)(torch.tensor(1.))", RuntimeError,
                              "both arguments to linear need to be at least 1D, but they are 0D and 2D"),
    "Flatten of a vector": ("out = nn.Flatten()(torch.ones(3))", IndexError,
                            "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    "Flatten past the last dim": ("out = nn.Flatten(0, 2)(torch.ones(3, 2))", IndexError,
                                  "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "Flatten, start after end": ("out = nn.Flatten(1, 0)(torch.ones(3, 2))", RuntimeError,
                                 "flatten() has invalid args: start_dim cannot come after end_dim"),
    "torch.flatten, start after end": ("out = torch.flatten(torch.ones(3, 2), 1, 0)", RuntimeError,
                                       "flatten() has invalid args: start_dim cannot come after end_dim"),
    "Dropout(1.5)": ("out = nn.Dropout(1.5)", ValueError, "dropout probability has to be between 0 and 1, but got 1.5"),
    "F.dropout of a negative p": ("out = F.dropout(torch.ones(3), -0.5)", ValueError,
                                  "dropout probability has to be between 0 and 1, but got -0.5"),
    "Dropout2d(2.0)": ("out = nn.Dropout2d(2.0)", ValueError,
                       "dropout probability has to be between 0 and 1, but got 2.0"),
    # 5. shapes and indexing
    "view to another size": ("out = torch.ones(2, 3).view(4)", RuntimeError, "shape '[4]' is invalid for input of "
                             "size 6"),
    "reshape with -1 that does not divide": ("out = torch.ones(2, 3).reshape(-1, 4)", RuntimeError,
                                             "shape '[-1, 4]' is invalid for input of size 6"),
    "view with two -1": ("out = torch.ones(2, 3).view(-1, -1)", RuntimeError, "only one dimension can be inferred"),
    "index past the end": ("out = torch.ones(3)[5]", IndexError, "index 5 is out of bounds for dimension 0 with "
                           "size 3"),
    "negative index past the start": ("out = torch.ones(3)[-4]", IndexError,
                                      "index -4 is out of bounds for dimension 0 with size 3"),
    "a column past the end": ("out = torch.ones(2, 3)[1, 3]", IndexError,
                              "index 3 is out of bounds for dimension 1 with size 3"),
    "an index tensor past the end": ("out = torch.ones(3)[torch.tensor([0, 3])]", IndexError,
                                     "index 3 is out of bounds for dimension 0 with size 3"),
    "too many indices": ("out = torch.ones(2, 3)[0, 0, 0]", IndexError, "too many indices for tensor of dimension 2"),
    "loss[0] of a 0-d loss": ("out = torch.tensor(0.5)[0]", IndexError,
                                   "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                                   "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"),
    "float indices": ("out = torch.ones(3)[torch.tensor([0., 1.])]", IndexError,
                      "tensors used as indices must be long, int, byte or bool tensors"),
    "a mask of another length": ("out = torch.ones(3)[torch.tensor([True, False])]", IndexError,
                                 "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor "
                                 "[3] at index 0"),
    "a mask of another width": ("out = torch.ones(2, 3, 4)[torch.ones(2, 5, dtype=torch.bool)]", IndexError,
                                "The shape of the mask [2, 5] at index 1 does not match the shape of the indexed "
                                "tensor [2, 3, 4] at index 1"),
    "x[1:3] = a longer vector": ("x = torch.zeros(3); x[1:3] = torch.ones(3)", RuntimeError,
                                 "The expanded size of the tensor (2) must match the existing size (3) at "
                                 "non-singleton dimension 0.  Target sizes: [2].  Tensor sizes: [3]"),
    "x[0:2] = a float64 matrix": ("x = torch.zeros(3); x[0:2] = torch.ones(2, 3, dtype=torch.float64)", RuntimeError,
                                  "expand(torch.DoubleTensor{[2, 3]}, size=[2]): the number of sizes provided (1) "
                                  "must be greater or equal to the number of dimensions in the tensor (2)"),
    "x[index tensor] = a longer vector": ("x = torch.zeros(3); x[torch.tensor([0, 1])] = torch.ones(3)", RuntimeError,
                                          "shape mismatch: value tensor of shape [3] cannot be broadcast to indexing "
                                          "result of shape [2]"),
    "add_ of a larger operand": ("x = torch.zeros(3); x.add_(torch.ones(2, 3))", RuntimeError,
                                 "output with shape [3] doesn't match the broadcast shape [2, 3]"),
    "expand with too few sizes": ("out = torch.ones(2, 3, dtype=torch.float64).expand(3)", RuntimeError,
                                  "expand(torch.DoubleTensor{[2, 3]}, size=[3]): the number of sizes provided (1) must "
                                  "be greater or equal to the number of dimensions in the tensor (2)"),
    "permute with a dim twice": ("out = torch.ones(2, 3).permute(0, 0)", RuntimeError,
                                 "permute(): duplicate dims are not allowed."),
    "t() of a batch": ("out = torch.ones(2, 3, 4).t()", RuntimeError,
                       "t() expects a tensor with <= 2 dimensions, but self is 3D"),
    ".mT of a vector": ("out = torch.ones(3).mT", RuntimeError,
                        "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."),
    "transpose with one dim": ("out = torch.ones(2, 3).transpose(0)", TypeError,
                               'transpose() missing 1 required positional arguments: "dim1"'),
    # 6. reductions, factories, flags
    "max of an empty tensor": ("out = torch.zeros(0).max()", RuntimeError,
                               "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               "reduction dim with the 'dim' argument."),
    "torch.min of an empty tensor": ("out = torch.min(torch.zeros(0))", RuntimeError,
                                     "min(): Expected reduction dim to be specified for input.numel() == 0."),
    "argmax of an empty tensor": ("out = torch.zeros(0).argmax()", IndexError,
                                  "argmax(): Expected reduction dim to be specified for input.numel() == 0."),
    "max along an empty dim": ("out = torch.zeros(2, 0).max(1)", IndexError,
                               "max(): Expected reduction dim 1 to have non-zero size."),
    "mean of integers along a dim": ("out = torch.tensor([[1, 2]]).mean(0)", RuntimeError,
                                     "mean(): could not infer output dtype. Input dtype must be either a floating "
                                     "point or complex dtype. Got: Long"),
    "mean of bools": ("out = torch.mean(torch.tensor([True, False]))", RuntimeError,
                      "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                      "dtype. Got: Bool"),
    "clamp without bounds": ("out = torch.ones(3).clamp()", RuntimeError,
                             "torch.clamp: At least one of 'min' or 'max' must not be None"),
    "clamp_ without bounds": ("out = torch.ones(3).clamp_()", RuntimeError,
                              "torch.clamp: At least one of 'min' or 'max' must not be None"),
    "topk of more than there are": ("out = torch.ones(3).topk(4)", RuntimeError, "selected index k out of range"),
    "integers that require grad": ("out = torch.tensor([1, 2], requires_grad=True)", RuntimeError,
                                   "Only Tensors of floating point and complex dtype can require gradients"),
    "arange that requires grad": ("out = torch.arange(3, requires_grad=True)", RuntimeError,
                                   "Only Tensors of floating point and complex dtype can require gradients"),
    "requires_grad_ of integers": ("out = torch.tensor([1, 2]).requires_grad_()", RuntimeError,
                                   "only Tensors of floating point dtype can require gradients"),
    "requires_grad = True on integers": ("x = torch.tensor([1, 2]); x.requires_grad = True", RuntimeError,
                                         "only Tensors of floating point and complex dtype can require gradients"),
    "requires_grad = False on a computed tensor": (X + "y = x * 2; y.requires_grad = False", RuntimeError,
                                                   "you can only change requires_grad flags of leaf variables. If you "
                                                   "want to use a computed variable in a subgraph that doesn't "
                                                   "require differentiation use var_no_grad = var.detach()."),
    "requires_grad_(False) on a computed tensor": (X + "y = x * 2; y.requires_grad_(False)", RuntimeError,
                                                   "you can only change requires_grad flags of leaf variables."),
    "torch.tensor of a string": ("out = torch.tensor('abc')", TypeError, "new(): invalid data type 'str'"),
    # 7. layers: ids past the vocabulary, classes past num_classes, a module without forward
    "Embedding of an id past the vocabulary": ("out = nn.Embedding(5, 3)(torch.tensor([1, 5]))", IndexError,
                                               "index out of range in self"),
    "Embedding of a negative id": ("out = nn.Embedding(5, 3)(torch.tensor([-1, 2]))", IndexError,
                                   "index out of range in self"),
    "one_hot of a class past num_classes": ("out = F.one_hot(torch.tensor([0, 3]), 3)", RuntimeError,
                                            "Class values must be smaller than num_classes."),
    "one_hot of a negative class": ("out = F.one_hot(torch.tensor([-1, 2]), 3)", RuntimeError,
                                    "Class values must be non-negative."),
    "one_hot of nothing": ("out = F.one_hot(torch.tensor([], dtype=torch.long))", RuntimeError,
                           "Can not infer total number of classes from empty tensor."),
    "a module without forward": ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                                 "        self.fc = nn.Linear(2, 2)\nout = Net()(torch.ones(2))", NotImplementedError,
                                 'Module [Net] is missing the required "forward" function'),
    "a weight assigned a plain tensor": (MODEL + "model.weight = torch.ones(2, 2)", TypeError,
                                         "cannot assign 'torch.FloatTensor' as parameter 'weight' (torch.nn.Parameter "
                                         "or None expected)"),
    "a weight replaced by one of another shape": (MODEL + "model.weight = nn.Parameter(torch.ones(3, 3))\n"
                                                  "out = model(torch.ones(1, 2))", RuntimeError,
                                                  "mat1 and mat2 shapes cannot be multiplied (1x2 and 3x3)"),
    "a weight's data of another shape": (MODEL + "model.weight.data = torch.ones(3, 3)\nout = model(torch.ones(4, 2))",
                                         RuntimeError, "mat1 and mat2 shapes cannot be multiplied (4x2 and 3x3)"),
    # 8. class labels of the wrong shape
    "labels as a row": ("out = F.nll_loss(torch.ones(4, 3), torch.tensor([[1, 2, 0, 1]]))", ValueError,
                        "Expected input batch_size (4) to match target batch_size (1)."),
    "one label for a batch": ("out = F.cross_entropy(torch.ones(4, 3), torch.tensor(1))", ValueError,
                              "Expected input batch_size (4) to match target batch_size (0)."),
    "float labels as a row": ("out = F.cross_entropy(torch.ones(4, 3), torch.ones(1, 4))", ValueError,
                              "Expected input batch_size (4) to match target batch_size (1)."),
    "one sample's scores, two labels": ("out = F.cross_entropy(torch.ones(3), torch.tensor([1, 2]))", ValueError,
                                        "For 1D input, 1D target must have size 1, but got target size: 2"),
    "one sample's scores, a label matrix": ("out = F.cross_entropy(torch.ones(3), torch.tensor([[1]]))", RuntimeError,
                                            "0D or 1D target tensor expected, multi-target not supported"),
    # 9. more layers, factories and ops given what they cannot take
    "BatchNorm2d of a 3-D input": ("out = nn.BatchNorm2d(3)(torch.ones(4, 3, 5))", ValueError,
                                   "expected 4D input (got 3D input)"),
    "BatchNorm1d of images": ("out = nn.BatchNorm1d(3)(torch.ones(4, 3, 5, 5))", ValueError,
                              "expected 2D or 3D input (got 4D input)"),
    "MaxPool2d of a 1x1 image": ("out = nn.MaxPool2d(2)(torch.ones(1, 1, 1, 1))", RuntimeError,
                                 "Given input size: (1x1x1). Calculated output size: (1x0x0). Output size is too "
                                 "small"),
    "AvgPool2d window taller than the image": ("out = nn.AvgPool2d(3)(torch.ones(1, 2, 2, 5))", RuntimeError,
                                               "Given input size: (2x2x5). Calculated output size: (2x0x1). Output "
                                               "size is too small"),
    "max_pool2d with dilation, unbatched": ("out = F.max_pool2d(torch.ones(2, 1, 5), 2, dilation=2)", RuntimeError,
                                            "Given input size: (2x1x5). Calculated output size: (2x0x2). Output size "
                                            "is too small"),
    "avg_pool1d window longer than the sequence": ("out = F.avg_pool1d(torch.ones(1, 2, 2), 3)", RuntimeError,
                                                   "Given input size: (2x1x2). Calculated output size: (2x1x0). "
                                                   "Output size is too small"),
    "max_pool1d window longer than the sequence": ("out = F.max_pool1d(torch.ones(1, 2, 2), 3)", RuntimeError,
                                                   "max_pool1d() Invalid computed output size: 0"),
    "zeros(-1)": ("out = torch.zeros(-1)", RuntimeError, "zeros: Dimension size must be non-negative."),
    "ones(2, -1)": ("out = torch.ones(2, -1)", RuntimeError,
                    "Trying to create tensor with negative dimension -1: [2, -1]"),
    "randn of a negative size": ("out = torch.randn(3, -2)", RuntimeError,
                                 "Trying to create tensor with negative dimension -2: [3, -2]"),
    "split into pieces of 0": ("out = torch.ones(2, 3).split(0)", RuntimeError,
                               "split_size can only be 0 if dimension size is 0, but got dimension size of 2"),
    "size of a dim past the last": ("out = torch.ones(2, 3).size(2)", IndexError,
                                    "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "sum over a dim twice": ("out = torch.ones(2, 3).sum(dim=(0, -2))", RuntimeError,
                             "dim 0 appears multiple times in the list of dims"),
    "mean over a dim twice": ("out = torch.ones(2, 3).mean((1, 1))", RuntimeError,
                              "dim 1 appears multiple times in the list of dims"),
    "masked_fill with an integer mask": ("out = torch.ones(3).masked_fill(torch.tensor([1, 0, 1]), 0.)", RuntimeError,
                                         "masked_fill_ only supports boolean masks, but got mask with dtype long int"),
    "masked_fill with a float mask": ("out = torch.ones(3).masked_fill(torch.tensor([1., 0., 1.]), 0.)", RuntimeError,
                                      "masked_fill_ only supports boolean masks, but got mask with dtype float"),
    "masked_fill with a vector value": ("out = torch.ones(3).masked_fill(torch.ones(3) > 0, torch.zeros(3))",
                                        RuntimeError, "masked_fill_ only supports a 0-dimensional value tensor, but "
                                        "got tensor with 1 dimension(s)."),
    "pad of odd length": ("out = F.pad(torch.ones(2, 3), (1, 1, 1))", RuntimeError,
                          "Padding length must be divisible by 2"),
    "gather past the end": ("out = torch.ones(2, 3).gather(1, torch.tensor([[0], [3]]))", RuntimeError,
                            "index 3 is out of bounds for dimension 1 with size 3"),
    "scatter_ past the end": ("out = torch.zeros(3).scatter_(0, torch.tensor([5]), 1.)", RuntimeError,
                              "index 5 is out of bounds for dimension 0 with size 3"),
    "take_along_dim past the end": ("out = torch.take_along_dim(torch.zeros(3), torch.tensor([5]))", RuntimeError,
                                    "index 5 is out of bounds for dimension 0 with size 3"),
    "index_add_ past the start": ("out = torch.zeros(3).index_add_(0, torch.tensor([-4]), torch.ones(1))",
                                  IndexError, "index out of range in self"),
    "index_copy_ past the end": ("out = torch.zeros(3).index_copy_(0, torch.tensor([5]), torch.ones(1))", IndexError,
                                 "index_copy_(): index 5 is out of bounds for dimension 0 with size 3"),
    "index_fill_ past the end": ("out = torch.zeros(3).index_fill_(0, torch.tensor([5]), 1.)", IndexError,
                                 "index 5 is out of bounds for dimension 0 with size 3"),
    "torch.tensor of ragged rows": ("out = torch.tensor([[1, 2], [3]])", ValueError,
                                    "expected sequence of length 2 at dim 1 (got 1)"),
    # 10. random numbers and factories given what they cannot take (randperm(-1) was an empty tensor)
    "normal_ with a negative std": ("out = torch.zeros(2, 3).normal_(0, -1)", RuntimeError,
                                    "normal expects std >= 0.0, but found std -1"),
    "randperm(-1)": ("out = torch.randperm(-1)", RuntimeError,
                     "Trying to create tensor with negative dimension -1: [-1]"),
    "randint, low above high": ("out = torch.randint(5, 2, (3,))", RuntimeError,
                                "random_ expects 'from' to be less than 'to', but got from=5 >= to=2"),
    "eye(-1)": ("out = torch.eye(-1)", RuntimeError, "n must be greater or equal to 0, got -1"),
    "eye(2, -1)": ("out = torch.eye(2, -1)", RuntimeError, "m must be greater or equal to 0, got -1"),
    "bernoulli of 1.5": ("out = torch.bernoulli(torch.tensor([1.5]))", RuntimeError,
                         "Expected p_in >= 0 && p_in <= 1 to be true, but got false."),
    "bernoulli_(1.5)": ("out = torch.zeros(2).bernoulli_(1.5)", RuntimeError,
                        "bernoulli_ expects p to be in [0, 1], but got p=1.5"),
    # 11. a loss class given the tensors (nn.MSELoss(out, y) for nn.MSELoss()(out, y)), if on a vector, len of 0-d
    "nn.MSELoss(out, y)": ("out = nn.MSELoss(torch.ones(4), torch.ones(4))", RuntimeError,
                           "Boolean value of Tensor with more than one value is ambiguous"),
    "if on an empty tensor": ("if torch.ones(0):\n    out = 1", RuntimeError,
                              "Boolean value of Tensor with no values is ambiguous"),
    "len of a 0-d tensor": ("out = len(torch.tensor(1.))", TypeError, "len() of a 0-d tensor"),
    # 12. normalisation and convolution settings
    "LayerNorm of the wrong width": ("out = nn.LayerNorm(3)(torch.ones(2, 4))", RuntimeError,
                                     "Given normalized_shape=[3], expected input with shape [*, 3], but got input of "
                                     "size[2, 4]"),
    "LayerNorm of a 2-D shape, a vector": ("out = nn.LayerNorm((2, 3))(torch.ones(3))", RuntimeError,
                                           "Given normalized_shape=[2, 3], expected input with shape [*, 2, 3], but "
                                           "got input of size[3]"),
    "Conv2d 'same' with stride 2": ("out = nn.Conv2d(1, 1, 3, padding='same', stride=2)", ValueError,
                                    "padding='same' is not supported for strided convolutions"),
    "conv2d 'same' with stride 2": ("out = F.conv2d(torch.ones(1, 1, 5, 5), torch.ones(1, 1, 3, 3), padding='same', "
                                    "stride=2)", RuntimeError, "padding='same' is not supported for strided "
                                    "convolutions"),
    "Conv2d padding 'full'": ("out = nn.Conv2d(1, 1, 3, padding='full')", ValueError,
                              "Invalid padding string 'full', should be one of {"),  # (PyTorch's set: any order)
    "conv2d padding 'full'": ("out = F.conv2d(torch.ones(1, 1, 5, 5), torch.ones(1, 1, 3, 3), padding='full')",
                              RuntimeError, "Invalid padding string: 'full'"),
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
    "backward twice": "Pass retain_graph=True to the first backward() if you need to call it twice.",
    "backward of a vector": "pass `gradient=` with the output's shape (e.g. np.ones((2,))) or reduce it first",
    "backward of what needs no grad": "made from inputs with requires_grad=False, or inside no_grad()",
    "autograd.grad of an unused input": "pass allow_unused=True to get None for it",
    "add_ on a leaf that requires grad": "do the update inside `with autograd_core.no_grad():`",
    "x[0] = 5 on a leaf that requires grad": "do the update inside `with autograd_core.no_grad():`",
    "a slice of a leaf changed in place": "change the leaf inside no_grad(), or clone() the view",
    "a tensor the backward needs, changed": "input 0 of 'mul' (a Value of shape (2,)) is at version 1; expected "
                                            "version 0 instead. Change it out of place (x = x + y) or after backward()",
    "an optimizer of a used-up generator": "a generator such as model.parameters() is used up after one pass",
    "an optimizer of one tensor": "wrap it in a list",
    "an optimizer of a computed tensor": "optimize the leaves it was computed from",
    "Conv2d of a grey image": "input of shape (2, 1, 8, 8) has 1 channels",
    "Conv2d kernel larger than the image": "is smaller than the kernel (5, 5)",
    "Linear of a 0-d input": "give shape (..., 3)",
    "view to another size": "(shape (2, 3))",
    "loss[0] of a 0-d loss": "x.item() is its number",
    "Embedding of an id past the vocabulary": "ids must be in [0, 5), got min 1, max 5",
    "one_hot of a class past num_classes": "smaller than num_classes=3, got 3",
    "requires_grad = False on a computed tensor": "use .detach() for a Value that needs no gradient",
    "mean of integers along a dim": "convert first: x.float().mean(), or pass dtype=",
}


@pytest.mark.parametrize("name", HINTS)
def test_our_words_follow_pytorchs(name):
    assert HINTS[name] in str(_raises(REFUSED[name][0], _ours))


def test_duplicate_parameters_pytorch_warns_of_we_refuse_with_its_words():
    """PyTorch warns ("in future, this will cause an error") and steps the parameter twice; we refuse, starting with
    its warning's words."""
    code = MODEL + "out = optim.SGD(list(model.parameters()) * 2, lr=0.1)"
    ours = _raises(code, _ours)
    assert isinstance(ours, ValueError)
    assert str(ours).startswith("optimizer contains a parameter group with duplicate parameters")
    _, their_warnings = _theirs(code)
    assert any(w.startswith("optimizer contains a parameter group with duplicate parameters") for w in their_warnings)


def test_refusals_change_nothing():
    """A refused x[i] = value, add_ and optimizer leave the Values as they were."""
    x = ag.zeros(3)
    with pytest.raises(RuntimeError):
        x[1:3] = ag.ones(3)
    with pytest.raises(RuntimeError):
        x.add_(ag.ones(2, 3))
    np.testing.assert_array_equal(x.data, np.zeros(3))
    assert x._version is None or x._version.count == 0
    w = ag.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError):
        w.add_(1)
    np.testing.assert_array_equal(w.data, np.ones(2))
    assert w.is_leaf and w.requires_grad


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_one_samples_scores_and_a_list_of_one_label_as_pytorch(reduction):
    """cross_entropy of scores (C,) and a label of shape (1,): PyTorch's forward takes it as the 0-d label (we refused
    it); its backward then refuses ("size mismatch (got input: [3], target: [1])"), ours gives the 0-d label's
    gradient."""
    scores = np.array([0.5, -1.0, 2.0])
    x = ag.tensor(scores, dtype=ag.float64, requires_grad=True)
    loss = ag_F.cross_entropy(x, ag.tensor([1]), reduction=reduction)
    assert loss.shape == ()
    loss.backward()
    expected = np.exp(scores) / np.exp(scores).sum() - np.eye(3)[1]  # softmax minus the one-hot label
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)
    np.testing.assert_allclose(loss.data, np.log(np.exp(scores).sum()) - scores[1], rtol=1e-12)
    torch = pytest.importorskip("torch")
    theirs = torch.nn.functional.cross_entropy(torch.tensor(scores), torch.tensor([1]), reduction=reduction)
    assert tuple(theirs.shape) == ()
    np.testing.assert_allclose(loss.data, theirs.numpy(), rtol=1e-12)


def test_a_refused_weight_assignment_keeps_the_parameter():
    model = ag_nn.Linear(2, 2)
    weight = model.weight
    with pytest.raises(TypeError, match="as parameter 'weight'"):
        model.weight = ag.ones(2, 2)
    assert model.weight is weight
    assert [name for name, _ in model.named_parameters()] == ["weight", "bias"]
    model.weight = None  # None and Parameters are taken, as in PyTorch
    model.weight = ag_nn.Parameter(ag.ones(2, 2))
    assert [name for name, _ in model.named_parameters()] == ["weight", "bias"]


def test_a_layer_class_in_sequential_is_named_as_pytorch_names_it():
    """nn.ReLU for nn.ReLU(): PyTorch's words name its module path; ours name ours, then say what to write."""
    code = "out = nn.Sequential(nn.Linear(2, 3), nn.ReLU, nn.Linear(3, 1))"
    ours = _raises(code, _ours)
    assert isinstance(ours, TypeError)
    assert str(ours).startswith("autograd_core.nn.activation.ReLU is not a Module subclass")
    assert "write ReLU()" in str(ours)
    theirs = _raises(code, _theirs)
    assert isinstance(theirs, TypeError)
    assert str(theirs) == "torch.nn.modules.activation.ReLU is not a Module subclass"


# PyTorch warns where the spread of too few numbers is nan or inf (we were silent): the std of one sample.
NO_DEGREES_OF_FREEDOM = {
    "std of one number": ("out = torch.tensor([1.]).std()", "std"),
    "torch.std of one number": ("out = torch.std(torch.tensor([1.]))", "std"),
    "var over a dim of one": ("out = torch.tensor([[1., 2.]]).var(0)", "var"),
    "var with correction 2 of two numbers": ("out = torch.tensor([1., 2.]).var(correction=2)", "var"),
    "std_mean of one number": ("out = torch.std_mean(torch.tensor([1.]))", "std_mean"),
    "var_mean over a dim of one": ("out = torch.var_mean(torch.ones(3, 1), 1)", "var_mean"),
    "std of a 0-d tensor along dim 0": ("out = torch.tensor(1.5).std(0)", "std"),
}
DEGREES_OF_FREEDOM_WORDS = ("(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                            "factor (input numel divided by output numel).")


@pytest.mark.parametrize("name", NO_DEGREES_OF_FREEDOM)
def test_a_spread_of_too_few_numbers_warns_as_pytorch(name):
    code, function = NO_DEGREES_OF_FREEDOM[name]
    out, our_warnings = _ours(code)
    assert our_warnings == [function + DEGREES_OF_FREEDOM_WORDS]
    outs = out if isinstance(out, tuple) else (out,)
    assert not np.isfinite(np.asarray(outs[0].data)).all()
    theirs, their_warnings = _theirs(code)
    assert len(their_warnings) == 1 and their_warnings[0].startswith(function + DEGREES_OF_FREEDOM_WORDS)


@pytest.mark.parametrize("code", ["out = torch.tensor([1.]).std(unbiased=False)", "out = torch.ones(1, 2).var(1)",
                                  "out = torch.tensor([1.]).var(correction=0)"])
def test_a_spread_with_degrees_of_freedom_left_does_not_warn(code):
    assert _ours(code)[1] == []


def test_the_degrees_of_freedom_warning_points_at_the_callers_line():
    with pytest.warns(UserWarning, match="degrees of freedom") as caught:
        ag.std(ag.tensor([1.0]))
    assert caught[0].filename == __file__
