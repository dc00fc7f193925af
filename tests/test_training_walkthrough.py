"""A student's course project, the PyTorch way (`import autograd_core as torch`): the errors met while
training name the problem, and training loops give PyTorch's numbers from the same initial weights.

Found in the second walk-through: an exhausted `model.parameters()` generator gave only "empty parameter
list"; a load_state_dict size mismatch named only the first key, and was not a RuntimeError (PyTorch's type).
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import nn


# ----------------------------------------------------------------------------------------------------
# Errors a student meets.


def test_a_used_up_parameter_generator_is_named_as_the_cause():
    model = nn.Linear(2, 2)
    params = model.parameters()
    torch.optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match=r"Adam: got an empty parameter list \(a generator such as "
                                         r"model\.parameters\(\) is used up after one pass"):
        torch.optim.Adam(params, lr=0.1)


def test_an_empty_list_of_parameters_gets_no_generator_hint():
    with pytest.raises(ValueError, match=r"^SGD: got an empty parameter list$"):
        torch.optim.SGD([], lr=0.1)


def _sequential(hidden):
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def test_load_state_dict_names_every_size_mismatch_and_changes_nothing():
    model = _sequential(4)
    before = {k: np.array(v) for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError) as exc:  # PyTorch's type: code written for PyTorch catches it
        model.load_state_dict(_sequential(3).state_dict())
    message = str(exc.value)
    assert isinstance(exc.value, ValueError) and isinstance(exc.value, nn.CheckpointError)
    for key, ours, theirs in [("0.weight", (4, 2), (3, 2)), ("0.bias", (4,), (3,)), ("2.weight", (1, 4), (1, 3))]:
        assert f"key '{key}': shape mismatch: the checkpoint has {theirs}, this module has {ours}" in message
    assert "2.bias" not in message  # (1,) in both
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(np.asarray(value), before[key])


def test_load_state_dict_missing_and_unexpected_keys_are_a_runtime_error_naming_them():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    with pytest.raises(RuntimeError, match=r"load_state_dict for Sequential: missing keys \['1.weight', '1.bias'\]; "
                                           r"unexpected keys \['2.weight', '2.bias'\]"):
        model.load_state_dict(_sequential(3).state_dict())
    result = model.load_state_dict(_sequential(3).state_dict(), strict=False)
    assert result.missing_keys == ["1.weight", "1.bias"] and result.unexpected_keys == ["2.weight", "2.bias"]


def test_pytorch_raises_runtime_error_for_the_same_state_dicts():
    real = pytest.importorskip("torch")

    def seq(hidden):
        return real.nn.Sequential(real.nn.Linear(2, hidden), real.nn.ReLU(), real.nn.Linear(hidden, 1))

    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        seq(4).load_state_dict(seq(3).state_dict())


@pytest.mark.parametrize(
    ("make", "error", "pattern"),
    [
        (lambda: nn.Linear(2, 5)(torch.randn(4, 3)), ValueError,
         r"Linear: expected input of shape \(\.\.\., 2\), got \(4, 3\)"),
        (lambda: nn.Conv2d(3, 8, 3)(torch.randn(2, 1, 8, 8)), ValueError, r"has 1 channels.*expects in_channels.* = 3"),
        (lambda: nn.CrossEntropyLoss()(torch.randn(4, 3), torch.tensor([0.0, 1.0, 2.0, 1.0])), TypeError,
         r"cross_entropy: class labels must be integers, got dtype float32 of shape \(4,\)"),
        (lambda: nn.CrossEntropyLoss()(torch.randn(4, 3), torch.tensor([0, 1, 3, 1])), IndexError,
         r"cross_entropy: labels must be in \[0, 3\)"),
        (lambda: nn.CrossEntropyLoss()(torch.randn(4, 3), torch.tensor([0, 1, 2])), ValueError,
         r"input of shape \(4, 3\) needs integer labels of shape \(4,\), got \(3,\)"),
        (lambda: nn.LSTM(4, 8, batch_first=True)(torch.randn(2, 5, 3)), RuntimeError, r"Expected 4, got 3"),
        (lambda: nn.BatchNorm1d(3)(torch.randn(1, 3)), ValueError, r"more than 1 value per channel when training"),
    ],
    ids=["linear-shape", "conv-channels", "ce-float-labels", "ce-label-range", "ce-batch", "lstm-size", "bn-batch1"],
)
def test_training_mistakes_name_the_problem(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_backward_twice_names_retain_graph():
    x = torch.randn(3, requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        loss.backward()
