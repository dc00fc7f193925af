"""PyTorch's beginner tutorials run with `import autograd_core as torch`, and give PyTorch's numbers.

Each program below is a tutorial's code ("Learning PyTorch with Examples": tensors with hand-written gradients,
autograd, nn, optim, a custom nn.Module, a custom autograd.Function; the Quickstart's classification loop with
its torch.save/torch.load, on random data instead of FashionMNIST). It runs
twice with only its import lines changed: with autograd_core, and (where installed) with PyTorch from the
same starting values: PyTorch's `randn` and `nn.Linear` initialisation are replaced by replays of the numbers
our run drew, in the same order (tests/program_harness.py's run_both). The printed losses,
the accuracies and the final weights then agree to float32 precision.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from program_harness import NUMBER, run_both


POLYNOMIAL_AUTOGRAD = '''
import torch
import math

dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

a = torch.randn((), device=device, dtype=dtype, requires_grad=True)
b = torch.randn((), device=device, dtype=dtype, requires_grad=True)
c = torch.randn((), device=device, dtype=dtype, requires_grad=True)
d = torch.randn((), device=device, dtype=dtype, requires_grad=True)

learning_rate = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())

    loss.backward()

    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
weights = [a, b, c, d]
'''

POLYNOMIAL_NN = '''
import torch
import math

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)

loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-6
for t in range(2000):
    y_pred = model(xx)

    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())

    model.zero_grad()

    loss.backward()

    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
weights = list(model.parameters())
'''

POLYNOMIAL_OPTIM = '''
import torch
import math

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-3
optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
for t in range(2000):
    y_pred = model(xx)

    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())

    optimizer.zero_grad()

    loss.backward()

    optimizer.step()

linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
weights = list(model.parameters())
'''

POLYNOMIAL_MODULE = '''
import torch
import math


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3'


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

model = Polynomial3()

criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(2000):
    y_pred = model(x)

    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'Result: {model.string()}')
weights = list(model.parameters())
'''

POLYNOMIAL_CUSTOM_FUNCTION = '''
import torch
import math


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
for t in range(2000):
    P3 = LegendrePolynomial3.apply

    y_pred = a + b * P3(c + d * x)

    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())

    loss.backward()

    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f'Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)')
weights = [a, b, c, d]
'''

QUICKSTART = '''
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

X_train = torch.randn(600, 1, 4, 4)
y_train = X_train.flatten(1)[:, :3].argmax(dim=1)
X_test = torch.randn(200, 1, 4, 4)
y_test = X_test.flatten(1)[:, :3].argmax(dim=1)
training_data = TensorDataset(X_train, y_train)
test_data = TensorDataset(X_test, y_test)
classes = ("first", "second", "third")

batch_size = 64

train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)

for X, y in test_dataloader:
    print(f"Shape of X [N, C, H, W]: {X.shape}")
    print(f"Shape of y: {y.shape} {y.dtype}")
    break

device = "cuda" if torch.cuda.is_available() else "cpu"
print(f"Using {device} device")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(4*4, 32),
            nn.ReLU(),
            nn.Linear(32, 32),
            nn.ReLU(),
            nn.Linear(32, 3)
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)


def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)

        pred = model(X)
        loss = loss_fn(pred, y)

        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 4 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \\n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \\n")
    return correct


epochs = 5
for t in range(epochs):
    print(f"Epoch {t+1}\\n-------------------------------")
    train(train_dataloader, model, loss_fn, optimizer)
    accuracy = test(test_dataloader, model, loss_fn)
print("Done!")

torch.save(model.state_dict(), "model.pth")
print("Saved PyTorch Model State to model.pth")

model = NeuralNetwork().to(device)
model.load_state_dict(torch.load("model.pth", weights_only=True))

model.eval()
x, y = test_data[0][0], test_data[0][1]
with torch.no_grad():
    x = x.to(device)
    pred = model(x)
    predicted, actual = classes[pred[0].argmax(0)], classes[y]
    print(f'Predicted: "{predicted}", Actual: "{actual}"')
weights = list(model.state_dict().values())
'''

POLYNOMIAL_TENSORS = """
import torch
import math


dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

a = torch.randn((), device=device, dtype=dtype)
b = torch.randn((), device=device, dtype=dtype)
c = torch.randn((), device=device, dtype=dtype)
d = torch.randn((), device=device, dtype=dtype)

learning_rate = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    loss = (y_pred - y).pow(2).sum().item()
    if t % 100 == 99:
        print(t, loss)

    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()

    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d


print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
weights = [a, b, c, d]
"""

TUTORIALS = {"polynomial_tensors": POLYNOMIAL_TENSORS, "polynomial_autograd": POLYNOMIAL_AUTOGRAD,
             "polynomial_nn": POLYNOMIAL_NN, "polynomial_optim": POLYNOMIAL_OPTIM,
             "polynomial_module": POLYNOMIAL_MODULE,
             "polynomial_custom_function": POLYNOMIAL_CUSTOM_FUNCTION, "quickstart": QUICKSTART}


def tutorial_numbers(printed):
    """The numbers a tutorial prints on its loss, accuracy and result lines."""
    lines = [line for line in printed.splitlines()
             if re.match(r"\d+ ", line) or line.startswith(("loss:", " Accuracy", "Result"))]
    return [float(n) for line in lines for n in re.findall(NUMBER, line.replace("x^", "x "))
            if not line.startswith("loss:") or "." in n]


@pytest.fixture(autouse=True)
def _in_a_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the Quickstart saves model.pth in the current folder


def runs_and_learns(name, namespace, printed):
    """Our run of the tutorial (without PyTorch too: run_both's check_ours) prints finite numbers and learns."""
    numbers = tutorial_numbers(printed)
    assert numbers and all(np.isfinite(numbers)), printed
    if name == "quickstart":
        assert namespace["accuracy"] > 0.5, printed  # better than chance (1/3) after 5 epochs
        assert 'Predicted: "' in printed
    else:
        losses = [float(line.split()[1]) for line in printed.splitlines() if re.match(r"\d+ ", line)]
        assert len(losses) == 20 and losses[-1] < losses[0] and losses[-1] < 50, printed  # sin fitted by a cubic


# RMSprop divides each gradient by its own running RMS. Once the fit's even coefficients (a, c) reach 0 (sin is
# odd), their gradients are float32 rounding noise, whose sign depends on summation order (NumPy's pairwise sum
# against PyTorch's kernels), and RMSprop scales that noise up to steps of size lr. Both runs agree until then
# (step 1,500, 15 printed losses); afterwards the losses agree to 15% and the weights to 2e-3.
AGREE_UNTIL = {"polynomial_optim": 15}


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_runs_with_autograd_core_learns_and_reproduces_pytorch_from_the_same_start(name, monkeypatch):
    (ours, our_printed), (theirs, their_printed) = run_both(
        TUTORIALS[name], name, monkeypatch, check_ours=lambda *run: runs_and_learns(name, *run))
    our_numbers, their_numbers = tutorial_numbers(our_printed), tutorial_numbers(their_printed)
    assert len(our_numbers) == len(their_numbers) > 3
    agree = 2 * AGREE_UNTIL.get(name, len(our_numbers))  # two numbers (step, loss) per printed loss
    message = f"ours:\n{our_printed}\nPyTorch:\n{their_printed}"
    np.testing.assert_allclose(our_numbers[:agree], their_numbers[:agree], rtol=2e-4, atol=1e-4, err_msg=message)
    np.testing.assert_allclose(our_numbers[agree:], their_numbers[agree:], rtol=0.15, atol=2e-3, err_msg=message)
    atol = 2e-5 if name not in AGREE_UNTIL else 2e-3
    for mine, reference in zip(ours["weights"], theirs["weights"], strict=True):
        np.testing.assert_allclose(np.asarray(mine), reference.detach().numpy(), rtol=2e-4, atol=atol,
                                   err_msg=message)


def test_rmsprop_tutorial_agrees_to_the_end_in_float64(monkeypatch):
    """In float64 the RMSprop tutorial agrees with PyTorch to 1e-9 for its first 1,300 steps, and then parts the
    same way as in float32 (AGREE_UNTIL): the even coefficients' gradients reach rounding noise, which RMSprop
    scales up to steps of size lr, in either precision. The divergence is the method's, not a difference
    between the two implementations."""
    name = "polynomial_optim"
    (ours, our_printed), (theirs, their_printed) = run_both(TUTORIALS[name], name, monkeypatch, in_float64=True)
    ours_numbers, their_numbers = tutorial_numbers(our_printed), tutorial_numbers(their_printed)
    np.testing.assert_allclose(ours_numbers[:26], their_numbers[:26], rtol=1e-9)  # steps 99 ... 1,299
    # Afterwards: rounding noise scaled up, which differs with the CPU's vector kernels (1% apart on one machine,
    # 3% on another): the float32 test's tolerance for the same part.
    np.testing.assert_allclose(ours_numbers[26:], their_numbers[26:], rtol=0.15, atol=2e-3)
    for mine, reference in zip(ours["weights"], theirs["weights"], strict=True):
        np.testing.assert_allclose(np.asarray(mine), reference.detach().numpy(), rtol=1e-3, atol=2e-3)
