"""PyTorch's "Learn the Basics" tutorials on tensors and on autograd run with `import autograd_core as torch`.

TENSORS and AUTOGRAD are the tutorials' code (pytorch.org/tutorials/beginner/basics/tensorqs_tutorial and
autogradqs_tutorial), cell after cell, unchanged but for the import line. Each runs with autograd_core and
(where installed) with PyTorch from the same random numbers (`rand`, `rand_like` and `randn` replay what our
run drew: tests/program_harness.py's run_both), and the values the tutorial computes (its variables at the end,
and the gradients it prints between its backward calls) must agree. Printed text differs (`tensor([...])` against
our arrays), so the comparison is of values, not of text.
"""

from __future__ import annotations

import numpy as np
import pytest
from program_harness import run, run_both, with_our_imports

import autograd_core as ag

TENSORS = """
import torch
import numpy as np

data = [[1, 2],[3, 4]]
x_data = torch.tensor(data)

np_array = np.array(data)
x_np = torch.from_numpy(np_array)

x_ones = torch.ones_like(x_data) # retains the properties of x_data
print(f"Ones Tensor: \\n {x_ones} \\n")

x_rand = torch.rand_like(x_data, dtype=torch.float) # overrides the datatype of x_data
print(f"Random Tensor: \\n {x_rand} \\n")

shape = (2,3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)

print(f"Random Tensor: \\n {rand_tensor} \\n")
print(f"Ones Tensor: \\n {ones_tensor} \\n")
print(f"Zeros Tensor: \\n {zeros_tensor}")

tensor = torch.rand(3,4)

print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")

# We move our tensor to the current accelerator if available
if torch.accelerator.is_available():
    tensor = tensor.to(torch.accelerator.current_accelerator())

tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:,1] = 0
print(tensor)

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)

# This computes the matrix multiplication between two tensors. y1, y2, y3 will have the same value
# ``tensor.T`` returns the transpose of a tensor
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)

y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)


# This computes the element-wise product. z1, z2, z3 will have the same value
z1 = tensor * tensor
z2 = tensor.mul(tensor)

z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))

print(f"{tensor} \\n")
tensor.add_(5)
print(tensor)

t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")

t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

n = np.ones(5)
t = torch.from_numpy(n)

np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")
"""

AUTOGRAD = """
import torch

x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w)+b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")

loss.backward()
print(w.grad)
print(b.grad)

z = torch.matmul(x, w)+b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w)+b
print(z.requires_grad)

z = torch.matmul(x, w)+b
z_det = z.detach()
print(z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp+1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\\n{inp.grad}")
first = inp.grad.clone()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\\nSecond call\\n{inp.grad}")
second = inp.grad.clone()
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\\nCall after zeroing gradients\\n{inp.grad}")
"""
# (`first`/`second` keep the gradients the tutorial prints between its calls, for the comparison: the only
# lines added to the tutorial's code.)

BUILD_MODEL = """
import os
import torch
from torch import nn
from torch.utils.data import DataLoader

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")

class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

model = NeuralNetwork().to(device)
print(model)

X = torch.rand(1, 28, 28, device=device)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}")

input_image = torch.rand(3,28,28)
print(input_image.size())

flatten = nn.Flatten()
flat_image = flatten(input_image)
print(flat_image.size())

layer1 = nn.Linear(in_features=28*28, out_features=20)
hidden1 = layer1(flat_image)
print(hidden1.size())

print(f"Before ReLU: {hidden1}\\n\\n")
hidden1 = nn.ReLU()(hidden1)
print(f"After ReLU: {hidden1}")

seq_modules = nn.Sequential(
    flatten,
    layer1,
    nn.ReLU(),
    nn.Linear(20, 10)
)
input_image = torch.rand(3,28,28)
logits = seq_modules(input_image)

softmax = nn.Softmax(dim=1)
pred_probab = softmax(logits)

print(f"Model structure: {model}\\n\\n")

for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \\n")
"""
# (The tutorial also imports torchvision's `datasets, transforms`, which it never uses: that import line is left
# out, an import line being the one thing a user changes.)

TUTORIALS = {"tensors": TENSORS, "autograd": AUTOGRAD, "build_model": BUILD_MODEL}
COMPARED = {
    "tensors": ["x_data", "x_np", "x_ones", "x_rand", "rand_tensor", "ones_tensor", "zeros_tensor", "tensor", "t1",
                "y1", "y2", "y3", "z1", "z2", "z3", "agg_item", "t", "n"],
    "autograd": ["w.grad", "b.grad", "loss", "z", "z_det", "first", "second", "inp.grad", "z.requires_grad",
                 "z_det.requires_grad", "inp.is_leaf"],
    "build_model": ["logits", "pred_probab", "y_pred", "flat_image", "hidden1", "model(X)",
                    "[name for name, _ in model.named_parameters()]", "[tuple(p.size()) for p in model.parameters()]"],
}


def plain(x):
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        x = x.detach().numpy()
    return np.asarray(x)


@pytest.mark.parametrize("name", TUTORIALS)
def test_basics_tutorial_runs_unchanged(name):
    ag.manual_seed(0)
    namespace, printed = run(with_our_imports(TUTORIALS[name]), name)
    assert printed
    if name == "tensors":
        np.testing.assert_array_equal(namespace["tensor"].numpy(), np.where(np.arange(4) == 1, 5.0, 6.0)[None]
                                      .repeat(4, 0))
        np.testing.assert_array_equal(namespace["y3"].numpy(), namespace["y1"].numpy())  # out= wrote into y3
        np.testing.assert_array_equal(namespace["z3"].numpy(), namespace["z1"].numpy())
        np.testing.assert_array_equal(namespace["n"], np.full(5, 2.0))
        np.testing.assert_array_equal(namespace["t"].numpy(), np.full(5, 2.0))  # from_numpy shares memory
    elif name == "autograd":
        np.testing.assert_array_equal(namespace["second"], 2 * namespace["first"])  # accumulated
        np.testing.assert_array_equal(namespace["inp"].grad, namespace["first"])  # zero_() then one call
    else:
        assert namespace["logits"].shape == (3, 10) and namespace["y_pred"].dtype == np.int64
        assert repr(namespace["model"].linear_relu_stack[1]) == "ReLU()"


@pytest.mark.parametrize("name", TUTORIALS)
def test_basics_tutorial_gives_pytorchs_values(name, monkeypatch):
    (mine, _), (theirs, _) = run_both(TUTORIALS[name], name, monkeypatch)  # every number we drew replayed
    for expression in COMPARED[name]:
        a, b = eval(expression, mine), eval(expression, theirs)  # noqa: S307  (the test's own expressions)
        if isinstance(a, list):
            assert a == b, expression
            continue
        a, b = plain(a), plain(b)
        assert a.shape == b.shape, expression
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=1e-5, atol=1e-6,
                                   err_msg=expression)  # float32 precision (sums of 784 products)


NEURAL_NETWORKS = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        c1 = F.relu(self.conv1(input))
        s2 = F.max_pool2d(c1, (2, 2))
        c3 = F.relu(self.conv2(s2))
        s4 = F.max_pool2d(c3, 2)
        s4 = torch.flatten(s4, 1)
        f5 = F.relu(self.fc1(s4))
        f6 = F.relu(self.fc2(f5))
        output = self.fc3(f6)
        return output


net = Net()
print(net)
params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight
input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)
net.zero_grad()
out.backward(torch.randn(1, 10))
output = net(input)
target = torch.randn(10)  # a dummy target, for example
target = target.view(1, -1)  # make it the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)
print(loss.grad_fn)  # MSELoss
print(loss.grad_fn.next_functions[0][0])  # Linear
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU
net.zero_grad()     # zeroes the gradient buffers of all parameters

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)
learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
import torch.optim as optim

# create your optimizer
optimizer = optim.SGD(net.parameters(), lr=0.01)

# in your training loop:
optimizer.zero_grad()   # zero the gradient buffers
output = net(input)
loss = criterion(output, target)
loss.backward()
optimizer.step()    # Does the update
"""


def test_sixty_minute_blitz_neural_networks_runs_unchanged():  # `f.data.sub_(f.grad.data * learning_rate)`
    ag.manual_seed(0)
    text = with_our_imports(NEURAL_NETWORKS)
    run(text, "neural_networks")


def test_sixty_minute_blitz_neural_networks_runs_with_parameter_updates_spelled_for_numpy():
    """Everything but the one line above runs: with `f.data -= f.grad * learning_rate` (this library's
    spelling of the same update) the tutorial runs to its end."""
    ag.manual_seed(0)
    text = with_our_imports(NEURAL_NETWORKS)
    text = text.replace("f.data.sub_(f.grad.data * learning_rate)", "f.data -= f.grad.data * learning_rate")
    namespace, printed = run(text, "neural_networks")
    # the tutorial's walk from the loss: MseLossBackward0 -> AddmmBackward0 -> AccumulateGrad, as PyTorch prints it
    walk = [line.split(" object at")[0] for line in printed.splitlines() if " object at 0x" in line]
    assert walk == ["<MseLossBackward0", "<AddmmBackward0", "<AccumulateGrad"]
    assert namespace["params"][0].size() == (6, 1, 5, 5)
