"""autograd_core.compile against training steps as students and PyTorch users write them: each test runs a step
compiled and eagerly on twin set-ups, and checks that every call gives the same numbers bit for bit (or that the
compiled step runs eagerly with a CompileWarning where a replay cannot see what the step does). Each test here was
a silent wrong replay, or an eager fallback of a common pattern, that an audit found."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as torch
import autograd_core.nn.functional as F
from autograd_core import CompileWarning, nn, optim
from compile_twins import side_by_side
from gradient_helpers import same_bits


_same = same_bits


def _batches(count, seed=0, rows=8):
    rng = np.random.default_rng(seed)
    return [(torch.tensor(rng.standard_normal((rows, 5)).astype(np.float32)), torch.tensor(rng.integers(0, 3, rows)))
            for _ in range(count)]


def _mlp():
    return nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))


# ----------------------------------------------------------------------------------------------------
# Gradient clipping: the norm clip_grad_norm_ returns.


def test_a_step_skipped_when_the_gradient_norm_is_large_is_not_replayed_wrong():
    """`if norm < limit: optimizer.step()`: the norm comes from an effect (the clipping), after the backward pass, so a
    replay cannot check it before it changes anything. The step must run eagerly (with a warning), not replay the
    branch the recorded calls took."""
    def make():
        model = _mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            if norm < 1.2:  # the first calls' norms are below, later ones above
                opt.step()
            return loss
        return model, step

    with pytest.warns(CompileWarning, match="runs eagerly"):
        side_by_side(make, _batches(6) * 2)


def test_a_step_skipped_when_the_gradient_norm_is_not_finite_is_not_replayed_wrong():
    def make():
        model = _mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            if np.isfinite(norm.item()):  # a NaN in the seventh batch: its step is skipped
                opt.step()
            return loss
        return model, step

    batches = _batches(8)
    batches[6][0].data[0, 0] = np.nan
    with pytest.warns(CompileWarning, match="runs eagerly"):
        side_by_side(make, batches)


def test_the_returned_gradient_norm_replays():
    """PyTorch returns the norm as a tensor: returned (for logging), it is the replay's own, and the step replays."""
    def make():
        model = _mlp()
        opt = optim.Adam(model.parameters(), lr=0.01)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            opt.step()
            return {"loss": loss, "grad_norm": norm}
        return model, step

    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        compiled = side_by_side(make, _batches(6))
    assert compiled.stats["replayed"] == 4


def test_an_effect_that_returns_a_python_number_runs_eagerly():
    """A user's effect returning a number: what Python does with it is out of a replay's sight."""
    class Counter:
        def __init__(self):
            self.calls = 0

        @torch.jit.effect()
        def tick(self):
            self.calls += 1
            return self.calls

    def make():
        model = _mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        counter = Counter()

        def step(x, y):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            if counter.tick() % 3 == 0:
                opt.step()
            return None
        return model, step

    with pytest.warns(CompileWarning, match="runs eagerly.*Counter.tick returned"):
        side_by_side(make, _batches(6))


# ----------------------------------------------------------------------------------------------------
# Learning rates set by hand inside the step.


def _lr_setting_step():
    """nanoGPT's loop as a step: the learning rate for this step is written into every parameter group by hand."""
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step(x, y, lr):
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return model, step


def test_a_learning_rate_set_by_hand_inside_the_step_is_set_at_each_replay():
    """Each rate has its program (a Python number argument is part of the guard key); a replay of the 0.1 program
    after calls with 0.01 must set 0.1 again, not keep the 0.01 the group has."""
    batches = _batches(6)
    calls = [(x, y, 0.1 if (i // 6) % 2 == 0 else 0.01) for i, (x, y) in enumerate(batches * 4)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        compiled = side_by_side(_lr_setting_step, calls)
    assert compiled.stats["replayed"] == 20


def test_a_replayed_learning_rate_write_goes_to_the_groups_the_optimizer_has_now():
    """load_state_dict gives the optimizer new group dicts: a program that writes the old ones records again."""
    torch.manual_seed(0)
    model1, eager = _lr_setting_step()
    torch.manual_seed(0)
    model2, step = _lr_setting_step()
    compiled = torch.compile(step)
    opts = [eager.__closure__[1].cell_contents, step.__closure__[1].cell_contents]
    assert all(isinstance(o, optim.SGD) for o in opts)
    saved = [o.state_dict() for o in opts]
    for i, (x, y) in enumerate(_batches(6) * 2):
        if i == 6:
            for o, s in zip(opts, saved):
                o.load_state_dict(s)
        assert _same(compiled(x, y, 0.05), eager(x, y, 0.05)), f"call {i}"
        assert opts[1].param_groups[0]["lr"] == 0.05
        for p, q in zip(model1.parameters(), model2.parameters()):
            assert _same(p.data, q.data)


# ----------------------------------------------------------------------------------------------------
# Shapes that depend on the data.


def test_a_loss_over_the_entries_a_mask_selects_replays_only_for_as_many_entries():
    """`pred[t > 0]`: the mask comes from the data, and so does the number of entries it selects. A replay for
    another count would write into buffers of the recorded shape (an error, or a broadcast that is silently wrong);
    it records again instead, and replays where the count is the recorded one."""
    def make():
        model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 1))
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, t):
            opt.zero_grad()
            pred = model(x)
            mask = t > 0
            loss = ((pred[mask] - t[mask]) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        return model, step

    rng = np.random.default_rng(1)
    targets = [np.array([[1.0], [-1], [2], [-3], [1], [1]], np.float32),   # four selected
               np.array([[1.0], [1], [2], [-3], [1], [1]], np.float32),    # five
               np.array([[-1.0], [-1], [-2], [-3], [1], [-1]], np.float32)]  # one: would broadcast into four
    calls = [(torch.tensor(rng.standard_normal((6, 5)).astype(np.float32)), torch.tensor(targets[k]))
             for k in (0, 0, 0, 1, 0, 2, 2, 0, 0)]
    compiled = side_by_side(make, calls)
    assert compiled.stats["replayed"] >= 1 and compiled.stats["guard_failures"] >= 1



def test_a_change_of_the_default_dtype_records_again():
    """`ones(3)` inside the step makes an array of the default dtype: after set_default_dtype a replay must not use
    the recorded float32 constant (it gave 0.30000000447..., where eager mode gives 0.30000000000000004)."""
    def step(x):
        return (x * (torch.ones(3) * 0.1)).sum()

    compiled = torch.compile(step)
    x = np.ones(3)
    try:
        for _ in range(3):
            assert compiled(x).item() == step(x).item()
        torch.set_default_dtype(torch.float64)
        for _ in range(3):
            assert compiled(x).item() == step(x).item() == float(np.sum(np.full(3, 0.1)))
        assert compiled.stats["replayed"] >= 2 and compiled.stats["eager"] == 0
    finally:
        torch.set_default_dtype(torch.float32)
    assert compiled(x).item() == step(x).item()
