"""PyTorch's "Saving and Loading Models" tutorial runs with `import autograd_core as torch`, and prints PyTorch's
numbers; a state dict's values answer the tensor methods PyTorch code calls on them.

TUTORIAL is the tutorial's code, section after section, as it is written (its `*args, **kwargs` and `...` filled
in with what its model takes, and a last line that prints an output, so that the loaded weights are compared
too): printing a model's and an optimizer's state dicts, saving and loading a state dict, the entire model, a
general checkpoint, several models in one file, and warm-starting from another model with strict=False.

One section does not run with autograd_core, by design: saving the entire model (`torch.save(model, PATH)`, and
`torch.load(PATH, weights_only=False)`, which unpickles whatever the file names, running its code). Our `save`
refuses a module with an error that says to save its state dict, and writes no file; the comparison with PyTorch
runs without that section in both.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from program_harness import compare_with_pytorch, run, with_our_imports

import autograd_core as ag
from autograd_core import nn

MODEL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

class TheModelClass(nn.Module):
    def __init__(self):
        super(TheModelClass, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

# Initialize model
model = TheModelClass()

# Initialize optimizer
optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)

# Print model's state_dict
print("Model's state_dict:")
for param_tensor in model.state_dict():
    print(param_tensor, "\\t", model.state_dict()[param_tensor].size())

# Print optimizer's state_dict
print("Optimizer's state_dict:")
for var_name in optimizer.state_dict():
    print(var_name, "\\t", optimizer.state_dict()[var_name])

PATH = "state_dict_model.pt"
torch.save(model.state_dict(), PATH)

model = TheModelClass()
model.load_state_dict(torch.load(PATH, weights_only=True))
model.eval()
'''

ENTIRE_MODEL = '''
PATH = "entire_model.pt"
torch.save(model, PATH)

# Model class must be defined somewhere
model = torch.load(PATH, weights_only=False)
model.eval()
'''

CHECKPOINTS = '''
PATH = "model.pt"
epoch, loss = 5, 0.4
torch.save({
            'epoch': epoch,
            'model_state_dict': model.state_dict(),
            'optimizer_state_dict': optimizer.state_dict(),
            'loss': loss,
            }, PATH)

model = TheModelClass()
optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)

checkpoint = torch.load(PATH, weights_only=True)
model.load_state_dict(checkpoint['model_state_dict'])
optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
epoch = checkpoint['epoch']
loss = checkpoint['loss']

model.eval()
# - or -
model.train()

modelA, modelB = TheModelClass(), TheModelClass()
optimizerA = optim.SGD(modelA.parameters(), lr=0.001, momentum=0.9)
optimizerB = optim.Adam(modelB.parameters(), lr=0.001)
torch.save({
            'modelA_state_dict': modelA.state_dict(),
            'modelB_state_dict': modelB.state_dict(),
            'optimizerA_state_dict': optimizerA.state_dict(),
            'optimizerB_state_dict': optimizerB.state_dict(),
            }, PATH)

modelA = TheModelClass()
modelB = TheModelClass()
optimModelA = optim.SGD(modelA.parameters(), lr=0.001, momentum=0.9)
optimModelB = optim.Adam(modelB.parameters(), lr=0.001)

checkpoint = torch.load(PATH, weights_only=True)
modelA.load_state_dict(checkpoint['modelA_state_dict'])
modelB.load_state_dict(checkpoint['modelB_state_dict'])
optimModelA.load_state_dict(checkpoint['optimizerA_state_dict'])
optimModelB.load_state_dict(checkpoint['optimizerB_state_dict'])

modelA.eval()
modelB.eval()
# - or -
modelA.train()
modelB.train()

torch.save(modelA.state_dict(), PATH)
modelB = TheModelClass()
print(modelB.load_state_dict(torch.load(PATH, weights_only=True), strict=False))

class NetB(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.fc = nn.Linear(4, 2)

netB = NetB()
print(netB.load_state_dict(torch.load(PATH, weights_only=True), strict=False))
print(torch.equal(netB.conv1.weight, modelA.conv1.weight))

x = torch.randn(2, 3, 32, 32)
print("output sum:", modelA(x).sum().item(), modelB(x).sum().item())
'''

TUTORIAL = MODEL + ENTIRE_MODEL + CHECKPOINTS


@pytest.fixture(autouse=True)
def _in_a_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the tutorial saves its files in the current folder


def test_the_tutorial_runs_but_for_saving_the_entire_model(tmp_path):
    ag.manual_seed(0)
    namespace, printed = run(with_our_imports(TUTORIAL.replace(ENTIRE_MODEL, "")), "saving")
    lines = printed.splitlines()
    # The state dict's sizes, one line a parameter, as the tutorial shows them (ours as tuples)
    assert lines[1:4] == ["conv1.weight \t (6, 3, 5, 5)", "conv1.bias \t (6,)", "conv2.weight \t (16, 6, 5, 5)"]
    assert "fc3.bias \t (10,)" in lines
    # The optimizer's state dict, line for line as PyTorch prints it (two entries; its defaults of 0 are ints)
    at = lines.index("Optimizer's state_dict:")
    assert lines[at + 1:at + 4] == [
        "state \t {}",
        "param_groups \t [{'lr': 0.001, 'momentum': 0.9, 'dampening': 0, 'weight_decay': 0, 'nesterov': False, "
        "'maximize': False, 'foreach': None, 'differentiable': False, 'fused': None, "
        "'params': [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}]",
        "<All keys matched successfully>"]
    assert "<All keys matched successfully>" in lines
    assert ("_IncompatibleKeys(missing_keys=['fc.weight', 'fc.bias'], unexpected_keys=['conv2.weight', "
            "'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias'])") in lines
    assert "True" in lines
    modelA, modelB = namespace["modelA"], namespace["modelB"]
    for name, value in modelA.state_dict().items():  # the strict=False load took every matching key
        np.testing.assert_array_equal(modelB.state_dict()[name], value, err_msg=name)
    assert namespace["epoch"] == 5 and namespace["loss"] == 0.4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt", "state_dict_model.pt"]


def test_saving_the_entire_model_is_refused_and_writes_nothing(tmp_path):
    ag.manual_seed(0)
    with pytest.raises(TypeError, match=r"cannot save a TheModelClass .*save its state_dict\(\)"):
        run(with_our_imports(MODEL + ENTIRE_MODEL), "saving")
    assert not (tmp_path / "entire_model.pt").exists()


def test_the_tutorial_prints_pytorchs_numbers(monkeypatch):
    # Sizes, the optimizer's settings, the keys' reports and both outputs of the loaded models, from the same draws
    # (as written, its whole-model save is refused: the two tests above)
    compare_with_pytorch(TUTORIAL, "saving", monkeypatch, same_start=((ENTIRE_MODEL, ""),), fewest=40,
                         runs_as_written=False)


def test_state_dict_values_answer_pytorchs_tensor_methods():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    state = model.state_dict()
    weight = state["0.weight"]
    assert weight.size() == (2, 3) and weight.size(0) == 2 and weight.size(-1) == 3
    assert weight.size == 6 and weight.numel() == 6 and weight.dim() == 2  # NumPy's `size` stays the count
    assert state["1.num_batches_tracked"].size() == () and state["1.num_batches_tracked"].item() == 0
    for same in (weight.cpu(), weight.detach(), weight.data):
        assert same is weight
    for copied in (weight.clone(), weight.detach().clone(), weight.cpu().clone(), copy.deepcopy(state)["0.weight"]):
        np.testing.assert_array_equal(copied, weight)
        assert not np.shares_memory(copied, weight)
    assert type(weight.numpy()) is np.ndarray and np.shares_memory(weight.numpy(), weight)
    # PyTorch code's own copy of the best weights, then loaded back
    taken = np.array(weight)
    best = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    with ag.no_grad():
        model[0].weight.add_(1.0)
    np.testing.assert_array_equal(best["0.weight"], taken)  # the clones keep the weights taken
    np.testing.assert_array_equal(weight, taken + 1.0)  # the state dict's own values share the memory, as PyTorch's
    model.load_state_dict(best)
    np.testing.assert_array_equal(model[0].weight.data, taken)
    # An ndarray to NumPy: saved by np.savez as the plain array
    assert isinstance(weight, np.ndarray) and np.asarray(weight + 1).shape == (2, 3)
