"""Values a compiled step makes from its arguments' arrays (jit_arrays.py): replayed with each call's new arrays.

`torch.tensor(xb)` (a copy, made again at each replay), `torch.Tensor(xb)` (a float32 copy), `torch.as_tensor(xb)`,
`torch.from_numpy(xb)`, `Value(xb)`, and a DataLoader-style (x, y) tuple argument. Each step runs compiled and eagerly
on twin models (the same weights) over batches that change at every call; every result, weight, gradient and optimizer
state is compared bit for bit, and the compiled twin must replay every call after its two recordings without a
CompileWarning. NumPy run on the argument by the step itself (`xb.astype(np.float32)`, `np.clip(xb, 0, 1)`) is out of
the recording's sight: such a step never replays, and its numbers stay eager mode's.
"""

from __future__ import annotations


import numpy as np
import pytest

import autograd_core as torch
import autograd_core.nn.functional as F
from autograd_core import CompileWarning, Value, nn, optim
from compile_twins import compiled_twins
from gradient_helpers import same_bits


def _features(count, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((6, 4)).astype(dtype),) for _ in range(count)]


_CONVERSIONS = {
    "tensor": (torch.tensor, np.float32),
    "tensor float32 of float64": (lambda xb: torch.tensor(xb, dtype=torch.float32), np.float64),
    "Tensor": (torch.Tensor, np.float64),  # PyTorch's legacy constructor: a float32 copy
    "as_tensor": (torch.as_tensor, np.float32),
    "from_numpy": (torch.from_numpy, np.float32),
    "Value": (lambda xb: Value(xb, requires_grad=False), np.float32),
}
# NumPy's own work on the argument, out of the recording's sight: never replayed, never wrong. The clip does not bite
# on the first batches (values in [-0.5, 0.5]) and bites on the later ones: a program that took it for the conversion
# alone would replay them unclipped.
_NUMPY_OF_THE_ARGUMENT = {
    "astype then tensor": lambda xb: torch.tensor(xb.astype(np.float32)),
    "astype then as_tensor": lambda xb: torch.as_tensor(xb.astype(np.float32)),
    "astype then Value": lambda xb: Value(xb.astype(np.float32), requires_grad=False),
    "clip then astype": lambda xb: torch.as_tensor(np.clip(xb, -1, 1).astype(np.float32)),
}


def _regression_step(convert, momentum):
    """make() for compiled_twins: a small regression net trained by SGD on Values made by `convert` from each batch."""

    def make():
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=momentum)

        def step(xb):
            x = convert(xb)
            opt.zero_grad()
            loss = model(x).pow(2).mean()
            loss.backward()
            opt.step()
            return loss, x

        return model, opt, step

    return make


@pytest.mark.parametrize("name", sorted(_CONVERSIONS))
def test_a_value_made_from_the_argument_array_replays_with_each_new_batch(name):
    convert, dtype = _CONVERSIONS[name]

    compiled_twins(_regression_step(convert, momentum=0.9), _features(6, dtype))


@pytest.mark.parametrize("name", sorted(_NUMPY_OF_THE_ARGUMENT))
def test_numpy_run_on_the_argument_by_the_step_is_never_replayed_wrong(name):
    convert = _NUMPY_OF_THE_ARGUMENT[name]

    make = _regression_step(convert, momentum=0)
    batches = [(xb * (0.2 if i < 3 else 3.0),) for i, (xb,) in enumerate(_features(6, np.float64))]
    compiled_twins(make, batches, replays=0)


def test_a_dataloader_tuple_of_features_and_labels_copied_with_tensor_replays():
    rng = np.random.default_rng(1)
    batches = [((rng.standard_normal((8, 4)).astype(np.float32), rng.integers(0, 3, 8)),) for _ in range(6)]

    def make():
        model = nn.Linear(4, 3)
        opt = optim.Adam(model.parameters(), lr=0.01)

        def step(batch):
            xb, yb = batch
            x, y = torch.tensor(xb), torch.tensor(yb)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss, (model(x).argmax(1) == y).float().mean()

        return model, opt, step

    compiled_twins(make, batches)


def test_a_copy_changed_in_place_replays_and_leaves_the_argument_alone():
    """tensor(xb) is a copy: changing it in place (x.mul_) is replayed and never reaches the caller's array."""

    def make():
        model = nn.Linear(4, 2)

        def step(xb):
            x = torch.tensor(xb)
            x.mul_(2.0).clamp_(min=-1.0)
            return model(x).sum(), x

        return model, None, step

    batches = _features(5)
    kept = [b[0].copy() for b in batches]
    compiled = compiled_twins(make, batches)
    assert all(np.array_equal(b[0], k) for b, k in zip(batches, kept))
    # the copy is made anew at each replay: the result is not the argument's memory, nor the last call's
    x1 = compiled(batches[0][0])[1]
    x2 = compiled(batches[1][0])[1]
    assert not np.shares_memory(x1.data, batches[0][0]) and not np.shares_memory(x1.data, x2.data)
    assert np.array_equal(x1.data, np.clip(batches[0][0] * 2, -1, None))


def test_a_numpy_computation_that_is_no_conversion_stays_a_constant_and_runs_eagerly():
    """`xb * 2` made with NumPy is out of sight and is no conversion of the argument: baked, it differs between two
    recordings, so the step runs eagerly with a warning instead of replaying the first batch's numbers."""
    model = nn.Linear(4, 1)

    def step(xb):
        return model(torch.tensor((xb * 2).astype(np.float32))).sum()

    compiled = torch.compile(step, max_recordings=3)
    batches = _features(5, np.float64)
    with pytest.warns(CompileWarning, match="a constant differs between two calls"):
        results = [compiled(*b) for b in batches]
    assert compiled.stats["replayed"] == 0
    for (xb,), got in zip(batches, results):
        assert same_bits(got.data, model(torch.tensor((xb * 2).astype(np.float32))).sum().data)


def test_a_new_dtype_or_shape_of_the_argument_records_again():
    """The guard on the arguments' dtypes and shapes still chooses the program: float64 batches after float32 ones
    (tensor(xb) then has another dtype) are recorded, not replayed through the float32 program."""
    model = nn.Linear(4, 1).double()

    def step(xb):
        return model(torch.tensor(xb).double()).sum()

    compiled = torch.compile(step)
    for (xb,) in _features(3, np.float32) + _features(3, np.float64, seed=1):
        assert same_bits(compiled(xb).data, model(torch.tensor(xb).double()).sum().data)
    assert compiled.stats["recorded"] == 4 and compiled.stats["replayed"] == 2


def test_an_array_of_one_number_equal_to_a_converted_argument_is_no_conversion():
    """Labels that happen to be all 1 in the recorded batches, and np.ones_like(yb, dtype=np.float32) made from them:
    equal to yb.astype(np.float32), but an array of one number is no evidence of a conversion. It stays a constant,
    so a later batch with other labels gets ones, as in eager mode."""
    model = nn.Linear(4, 1)

    def step(xb, yb):
        weights = torch.as_tensor(np.ones_like(yb, dtype=np.float32))
        return (model(torch.as_tensor(xb)).squeeze(1) * weights).sum()

    compiled = torch.compile(step)
    rng = np.random.default_rng(2)
    for i in range(5):
        xb = rng.standard_normal((6, 4)).astype(np.float32)
        yb = np.ones(6, dtype=np.int64) if i < 2 else rng.integers(0, 3, 6)
        expected = (model(torch.as_tensor(xb)).squeeze(1) * torch.as_tensor(np.ones(6, dtype=np.float32))).sum()
        assert same_bits(compiled(xb, yb).data, expected.data), f"call {i}"
