"""In-place changes inside compiled steps (jit_inplace.py): recorded and replayed, not run eagerly.

Each test runs a realistic training step compiled and eagerly on twin set-ups (the same weights, the same seeds) and
checks every call's result, every weight, gradient and optimizer state bit for bit over several steps, and that the
compiled step replays (its stats count replays, no CompileWarning). Covered:

* a ResNet BasicBlock (`out += identity`, nn.ReLU(inplace=True)), with BatchNorm and SGD with momentum;
* `h.clamp_(min=0)`, `h += 1.0`, `h.mul_(mask)`, `h.sub_(...)`, `h.div_(...)`, `h.relu_()`, `h.tanh_()` on Values
  of the graph, the backward pass going through each change;
* Dropout(inplace=True) and F.leaky_relu(inplace=True) in training mode;
* `h[:, 0] = v`, `h.fill_`, `h.zero_`, `h.copy_(v)` of a Value of the graph; `x[:, 0] = v` and `mask.mul_()` of
  Values that need no gradient;
* changes through views (`h[:, 0] = h[:, 0] * 2`, `h[1:].mul_(2)`, `h.view(-1).add_(1)`, `h.t()[0].sub_`,
  `h[:, 1:3].relu_()`), with a view taken before the change and used after it; an attention mask filled in place;
* random fills (`empty(...).normal_()`, uniform_, bernoulli_, exponential_, random_, geometric_, log_normal_,
  cauchy_) drawn anew at each replay, as eager mode draws them, and the generator put back when a guard fails after
  a draw;
* a detach() of a Value changed in place, which follows the change (it shares the Value's memory);
* changes that must still run eagerly, with a CompileWarning: a parameter changed in place outside an effect, a Value
  whose array another Value took as its own (`Value(h)`), a Value made from an argument's array, a Value that
  requires grad changed inside no_grad().
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as torch
import autograd_core.nn.functional as F
from autograd_core import CompileWarning, Value, nn, optim
from compile_twins import compiled_twins
from gradient_helpers import same_bits


_same = same_bits


def _batches(count, shape=(8, 5), seed=0):
    rng = np.random.default_rng(seed)
    return [(torch.tensor(rng.standard_normal(shape).astype(np.float32)),) for _ in range(count)]


# ----------------------------------------------------------------------------------------------------
# Changes of Values of the graph.


INPLACE = True


class _BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock: conv-bn-relu-conv-bn, `out += identity`, relu; ReLU(inplace=True)."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=INPLACE)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        out += identity
        out = self.relu(out)
        return out


def test_a_resnet_basic_block_with_in_place_relu_and_a_residual_sum_replays():
    def make():
        block = _BasicBlock(2)
        head = nn.Linear(2, 3)
        model = nn.Sequential(block, nn.AdaptiveAvgPool2d(1), nn.Flatten(), head)
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

        def step(x, y):
            opt.zero_grad()
            out = model(x)
            loss = F.cross_entropy(out, y)
            loss.backward()
            opt.step()
            return loss, out

        return model, opt, step

    rng = np.random.default_rng(1)
    batches = [(torch.tensor(rng.standard_normal((4, 2, 5, 5)).astype(np.float32)), torch.tensor(rng.integers(0, 3, 4)))
               for _ in range(5)]
    compiled_twins(make, batches)


def test_clamp_and_add_in_place_on_a_hidden_layer_replay_with_adam():
    """The task's example: nn.ReLU(inplace=True), then `h += 1.0` and `h.clamp_(min=0)` on the network's output."""
    def make():
        model = nn.Sequential(nn.Linear(5, 4), nn.ReLU(inplace=True), nn.Linear(4, 2))
        opt = optim.Adam(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            h = model(x) * 1
            h += 1.0
            h.clamp_(min=0)
            loss = h.pow(2).sum()
            loss.backward()
            opt.step()
            return loss, h

        return model, opt, step

    compiled_twins(make, _batches(5))


def test_chained_in_place_methods_of_a_hidden_layer_replay():
    """Several changes of one Value in a row, each read by the backward pass: mul_ by a mask computed from the data,
    sub_, div_, relu_, tanh_, and the Value returned."""
    def make():
        model = nn.Sequential(nn.Linear(5, 6), nn.Linear(6, 3))
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            h = model[0](x)
            keep = (h.detach() > -0.5).float()
            h.mul_(keep).sub_(0.25).div_(2.0).relu_()
            h.tanh_()
            h.add_(h * 0.5)  # an operand that reads the Value changed: its contents before the change
            out = model[1](h)
            loss = (out ** 2).mean()
            loss.backward()
            opt.step()
            return loss, h

        return model, opt, step

    compiled_twins(make, _batches(5))


def test_in_place_dropout_and_leaky_relu_replay_with_fresh_masks():
    def make():
        model = nn.Sequential(nn.Linear(5, 8), nn.Dropout(0.3, inplace=True), nn.Linear(8, 3))
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.5)

        def step(x):
            opt.zero_grad()
            h = model(x)
            h = F.leaky_relu(h, 0.1, inplace=True)
            h = F.dropout(h, 0.2, training=True, inplace=True)
            loss = h.sum()
            loss.backward()
            opt.step()
            return loss, h

        return model, opt, step

    compiled_twins(make, _batches(5))


def test_assignments_fills_and_copies_of_a_graph_value_replay():
    """`h[:, 0] = v` (the column from another Value), fill_, zero_ and copy_ on Values of the graph: the gradient of
    what they overwrite is zero, as eager mode's."""
    def make():
        model = nn.Sequential(nn.Linear(5, 4), nn.Linear(4, 2))
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            xs = x
            h = model[0](xs)
            other = model[0](xs * 2.0)
            h[:, 0] = other.sum(1)
            a = h * 1.0
            a.zero_()
            b = h * 2.0
            b.fill_(0.5)
            c = h * 3.0
            c.copy_(other)
            loss = model[1](h + a + b + c).sum()
            loss.backward()
            opt.step()
            return loss

        return model, opt, step

    compiled_twins(make, _batches(5))


@pytest.mark.parametrize("change", [
    lambda h: h.__setitem__((slice(None), 0), h[:, 0] * 2.0),
    lambda h: h[1:].mul_(2.0),
    lambda h: h.view(-1).add_(1.0),
    lambda h: h.t()[0].sub_(0.5),
    lambda h: h[:, 1:3].relu_(),
], ids=["h[:, 0] = h[:, 0] * 2", "h[1:].mul_", "h.view(-1).add_", "h.t()[0].sub_", "h[:, 1:3].relu_"])
def test_changes_through_views_replay(change):
    """A change through a view changes the Value viewed (PyTorch's CopySlices), and the views in use follow it: a
    column kept from before the change reads the new numbers, in the replay as in eager mode."""
    def make():
        model = nn.Sequential(nn.Linear(5, 4), nn.Linear(4, 2))
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def step(x):
            opt.zero_grad()
            h = model[0](x) * 1.0
            column = h[:, 2]
            change(h)
            loss = (model[1](h) ** 2).mean() + (column * column).sum()
            loss.backward()
            opt.step()
            return loss, h, column

        return model, opt, step

    compiled_twins(make, _batches(5))


def test_an_attention_mask_filled_in_place_and_a_view_kept_replay():
    """`scores.masked_fill_(mask, -inf)` as attention code writes it, then a row kept as a view (`first = scores[0]`)
    across a later change of scores, and a detach() of a view taken before it."""
    def make():
        model = nn.Linear(5, 5)
        opt = optim.Adam(model.parameters(), lr=0.01)
        mask = torch.tensor(np.triu(np.ones((8, 8), dtype=bool), 1))

        def step(x):
            opt.zero_grad()
            q = model(x)
            scores = q @ x.t()
            scores.masked_fill_(mask, float("-inf"))
            first = scores[0]
            kept = scores[1].detach()
            scores.div_(2.0)
            attention = F.softmax(scores, dim=-1)
            loss = (attention @ x).pow(2).mean() + first[0] + kept[0]
            loss.backward()
            opt.step()
            return loss, first, kept

        return model, opt, step

    compiled_twins(make, _batches(5))


def test_changes_of_values_that_need_no_gradient_replay():
    """A mask built in place (`ones(...)`, `mask[:, 0] = 0`, `mask.mul_(...)`) and a running buffer made in the call,
    changed under no_grad()."""
    def make():
        model = nn.Linear(5, 3)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            xs = x
            mask = torch.ones(8, 3)
            mask[:, 0] = 0.0
            mask.mul_((xs[:, :3] > 0).float())
            total = torch.zeros(3)
            with torch.no_grad():
                total += xs[:, :3].sum(0)
                total.div_(8)
            loss = (model(xs) * mask).sum() + (model(xs) * total).sum()
            loss.backward()
            opt.step()
            return loss, mask, total

        return model, opt, step

    compiled_twins(make, _batches(5))


# ----------------------------------------------------------------------------------------------------
# Random fills.


@pytest.mark.parametrize("fill", [
    lambda v: v.normal_(), lambda v: v.normal_(0.5, 2.0), lambda v: v.uniform_(-1.0, 1.0), lambda v: v.bernoulli_(0.3),
    lambda v: v.bernoulli_(torch.full((8, 3), 0.75)), lambda v: v.exponential_(2.0), lambda v: v.random_(0, 5),
    lambda v: v.geometric_(0.4), lambda v: v.log_normal_(0.0, 0.5), lambda v: v.cauchy_(0.0, 0.1),
], ids=["normal_", "normal_(m,s)", "uniform_", "bernoulli_", "bernoulli_(Value)", "exponential_", "random_",
        "geometric_", "log_normal_", "cauchy_"])
def test_random_fills_draw_anew_at_each_replay(fill):
    def make():
        model = nn.Linear(5, 3)
        opt = optim.SGD(model.parameters(), lr=0.01)

        def step(x):
            opt.zero_grad()
            noise = fill(torch.empty(8, 3))
            loss = (model(x) * noise).mean()
            loss.backward()
            opt.step()
            return loss, noise

        return model, opt, step

    compiled_twins(make, _batches(5))


def test_noise_like_a_hidden_layer_draws_as_eager_mode():
    """`noise = torch.empty_like(h).normal_()` (a denoising model's corruption), mixed into a Value of the graph in
    place."""
    def make():
        model = nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 5))
        opt = optim.Adam(model.parameters(), lr=0.01)

        def step(x):
            opt.zero_grad()
            xs = x
            noise = torch.empty_like(xs).normal_(0.0, 0.1)
            corrupted = xs * 1.0
            corrupted.add_(noise)
            loss = ((model(corrupted) - xs) ** 2).mean()
            loss.backward()
            opt.step()
            return loss

        return model, opt, step

    compiled_twins(make, _batches(5))


def test_a_guard_failing_after_an_in_place_draw_puts_the_generator_back():
    """A read after the draw (`if (noise.sum() > 1.5).item()`): a replay that fails it must leave the generator as it
    was before the call, so the call, recorded again, draws what eager mode draws."""
    def make():
        model = nn.Linear(5, 3)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            noise = torch.empty(3).uniform_()
            scale = 2.0 if (noise.sum() > 1.5).item() else 1.0
            loss = (model(x) * noise).sum() * scale
            loss.backward()
            opt.step()
            return loss

        return model, opt, step

    torch.manual_seed(0)
    model1, _, eager = make()
    torch.manual_seed(0)
    model2, _, step = make()
    compiled = torch.compile(step)
    torch.manual_seed(7)
    expected = [eager(*args) for args in _batches(16)]
    torch.manual_seed(7)
    got = [compiled(*args) for args in _batches(16)]
    assert all(_same(a, b) for a, b in zip(got, expected))
    assert all(_same(p.data, q.data) for p, q in zip(model1.parameters(), model2.parameters()))
    assert compiled.stats["replayed"] > 0 and compiled.stats["guard_failures"] > 0, compiled.stats


# ----------------------------------------------------------------------------------------------------
# What still runs eagerly.


def _runs_eagerly(step, batches, match):
    compiled = torch.compile(step)
    with pytest.warns(CompileWarning, match=match):
        results = [compiled(*args) for args in batches]
    assert compiled.stats["replayed"] == 0
    return results


def test_a_change_of_a_parameters_data_before_a_later_backward_still_runs_eagerly():
    """A parameter changed in place inside no_grad() is replayed as a store (tests/test_compile_hand_updates.py),
    but not in a call that returns an output differentiated after it: eager mode's graph was made before the change
    (its backward refuses it), a replay's node would be made after."""
    model = nn.Linear(5, 3)

    def step(x):
        loss = model(x).sum()
        with torch.no_grad():
            model.weight.mul_(0.5)
        return loss

    before = model.weight.data.copy()
    _runs_eagerly(step, _batches(4), r"a parameter or buffer changed in place inside the function")
    np.testing.assert_array_equal(model.weight.data, before * 0.5 ** 4)  # every call's change happened


def test_a_detach_of_a_value_changed_in_place_follows_the_change():
    """`d = h.detach()` shares h's memory: after h.clamp_(), d holds the clamped numbers, in the replay as in eager
    mode (before the change, the numbers it had)."""
    def make():
        model = nn.Linear(5, 3)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            h = model(x) * 1.0
            d = h.detach()
            before = d * 1.0
            h.clamp_(min=0)
            loss = (h * d).sum() + before.sum()
            loss.backward()
            opt.step()
            return loss, d, before

        return model, opt, step

    compiled_twins(make, _batches(5))


def test_a_change_through_another_name_for_the_array_still_runs_eagerly():
    """`v = Value(h)` takes h's array as its own (no version counter shared): h.clamp_() changes v too, which a
    replay would not see; the step runs eagerly, with a warning."""
    model = nn.Linear(5, 3)

    def step(x):
        h = model(x) * 1.0
        v = Value(h, requires_grad=False)
        h.clamp_(min=0)
        return (h + v).sum()  # v holds the clamped numbers too

    results = _runs_eagerly(step, _batches(4), r"in-place change \(Value.clamp_\).*shares its memory")
    assert all(_same(got.data, step(*args).data) for got, args in zip(results, _batches(4)))


def test_a_change_of_value_h_sharing_a_results_array_replays():
    """`v = Value(h, requires_grad=False)` shares h's array: v.mul_(0.5) changes h's numbers too (eager mode's backward
    through tanh then reads them, as PyTorch's would read a tensor changed behind autograd's back). Replayed as a
    write into the array the program computed for h, v and h read it after; results, weights and gradients bit for
    bit. Returning outputs a later backward differentiates still runs eagerly (the node would be made after it)."""

    def make():
        model = nn.Linear(5, 4)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            h = model(x).tanh()
            v = Value(h, requires_grad=False)
            v.mul_(0.5)
            loss = (h * h).sum() + v.sum()
            loss.backward()
            opt.step()
            return loss, v

        return model, opt, step

    compiled = compiled_twins(make, _batches(5))
    assert "_copyto(" in compiled.sources()[0]

    model = nn.Linear(5, 3)

    def forward_only(x):
        h = model(x) * 1.0
        Value(h, requires_grad=False).add_(1.0)
        return h.sum()

    _runs_eagerly(forward_only, _batches(4), r"through Value\(h\) of a result h")


def test_a_change_of_a_value_that_requires_grad_inside_no_grad_replays():
    """Under no_grad() the change is out of the graph's sight: the backward pass goes through h's old operation with
    its new numbers (eager mode keeps h's node). Replayed as a write into the array the program computed for h
    (jit_inplace._shares_a_result), not as a new node: results, weights and gradients bit for bit."""

    def make():
        model = nn.Linear(5, 4)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            h = model(x) * 1.0
            with torch.no_grad():
                h.clamp_(-0.3, 0.3)  # the gradient still flows through the clamp as if it were not there
            loss = (h * h.tanh()).sum()
            loss.backward()
            opt.step()
            return loss, h

        return model, opt, step

    compiled = compiled_twins(make, _batches(5))
    assert "_copyto(" in compiled.sources()[0]

    model = nn.Linear(5, 3)

    def forward_only(x):  # an output differentiated after the call: its node would be made after the change
        h = model(x) * 1.0
        with torch.no_grad():
            h.mul_(2.0)
        return h

    _runs_eagerly(forward_only, _batches(4), r"through Value\(h\) of a result h")


def test_a_change_of_a_value_made_from_an_argument_array_still_runs_eagerly():
    def step(x):
        v = Value(x, requires_grad=False)  # shares x's memory
        v.mul_(2.0)
        return v.sum()

    _runs_eagerly(step, [(np.ones(3),) for _ in range(4)], r"in-place change \(Value.mul_\).*argument's")


# ----------------------------------------------------------------------------------------------------
# One element of a Value (x[i, j]: a 0-d view of x since stop 57's in-place work) meeting a recorded change.


def _linear_step(change):
    def make():
        model = nn.Linear(5, 4)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            h = model(x) * 1
            loss = change(h)
            loss.backward()
            opt.step()
            return loss

        return model, opt, step

    return make


def test_an_element_kept_across_a_change_of_its_value_runs_eagerly_and_follows_it():
    """`e = h[0, 1]` read before `h.mul_(2)`: e follows the change, as PyTorch's view does (element_views.py); the
    recording names e by the read before the change, so the step runs eagerly, with a warning, and gives eager mode's
    numbers. A row view changed in place (`h[0].mul_(2)`) replays."""
    def kept(h):
        e = h[0, 1]
        h.mul_(2)
        return h.sum() + e * 3

    def row(h):
        h[0].mul_(2)
        return h.pow(2).sum()

    torch.manual_seed(0)
    model1, _, eager = _linear_step(kept)()
    torch.manual_seed(0)
    model2, _, step = _linear_step(kept)()
    batches = _batches(4)
    results = _runs_eagerly(step, batches, r"an element read out of a Value \(e = x\[0\]\) before an in-place change")
    for (x,), got in zip(batches, results):
        assert _same(got, eager(x))
    for p, q in zip(model1.parameters(), model2.parameters()):
        assert _same(p.data, q.data)
    compiled_twins(_linear_step(row), _batches(5))


def test_an_element_changed_in_place_replays():
    """`h[0, 1].add_(1.5)` writes into h (PyTorch's semantics, stop 57): the change is h's, recorded as a change through
    a view (jit_inplace._element), and the element is made again from h's new contents, as eager mode's keeps its
    getitem on h: read after the change (e.mul_(3); e * 2) and before it, in the replay as in eager mode."""
    def changed(h):
        h[0, 1].add_(1.5)
        return h.pow(2).sum()

    def used_after(h):
        e = h[2, 3]
        before = e * 1.0
        e.mul_(3.0)
        return h.sum() + e * 2.0 + before

    def of_a_row(h):
        row = h[1]
        row[2].sub_(0.5)  # an element of a view in use: the change is h's
        return (h * row).sum()

    for change in (changed, used_after, of_a_row):
        compiled_twins(_linear_step(change), _batches(5))


def test_an_element_of_a_parameter_changed_in_place_still_runs_eagerly():
    """model.weight[0, 1] changed inside no_grad(): an element of a Value made before the call, which the replay's
    stores do not cover (its numbers live in the parameter's array): eager, with a warning, eager mode's numbers."""
    def make():
        model = nn.Linear(5, 4)

        def step(x):
            with torch.no_grad():
                model.weight[0, 1].add_(0.25)
            return model(x).sum()

        return model, step

    torch.manual_seed(0)
    model1, eager = make()
    torch.manual_seed(0)
    model2, step = make()
    batches = _batches(4)
    results = _runs_eagerly(step, batches, r"in-place change \(Value.add_\)")
    for (x,), got in zip(batches, results):
        assert _same(got, eager(x))
    assert _same(model1.weight.data, model2.weight.data)
