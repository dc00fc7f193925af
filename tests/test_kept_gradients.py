"""Every gradient a user can hold stays as it was handed out, whatever runs later: recycle.py hands the large kernels
(ReLU, sigmoid, softmax, log_softmax, forward and backward) arrays that nothing references any more, by their
reference counts, and the engine lets a leaf's .grad take a fresh result as it is. Neither may hand out or write into
an array that a user still sees: a gradient a tensor hook kept (or returned as it was given), retain_grad()'s .grad,
a leaf's .grad, autograd.grad's results, a saved tensor that a saved_tensors_hooks pack kept, or a compiled step's
outputs. Hypothesis draws programs of those kernels on arrays large enough to be recycled, keeps everything a user
can see over several backward passes with a copy taken when it was handed out, runs more passes, and compares."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from fuzzing import fuzz_settings

import autograd_core as ag
from autograd_core import recycle

EXAMPLES = int(os.environ.get("AUTOGRAD_KEPT_FUZZ_EXAMPLES", "100"))  # by hand, at length: 2000 and a seed
SEED = os.environ.get("AUTOGRAD_KEPT_FUZZ_SEED")
SHAPE = (64, 520)  # 260 KiB of float64: above recycle.MIN_BYTES, so every kernel below takes a recycled array
assert np.prod(SHAPE) * 8 > recycle.MIN_BYTES

OPS = {
    "relu": lambda h, w: h.relu(),
    "sigmoid": lambda h, w: h.sigmoid(),
    "softmax": lambda h, w: h.softmax(-1),
    "log_softmax": lambda h, w: h.log_softmax(-1),
    "mul": lambda h, w: h * w,
    "add": lambda h, w: h + w,
    "neg": lambda h, w: -h,
    "square": lambda h, w: h * h,  # h read twice: its gradient is the sum of two
    # Views, whose rules hand on a view of the gradient they receive (a retained .grad and a leaf's share memory):
    "reshape": lambda h, w: h.reshape(SHAPE[::-1]).reshape(SHAPE),
    "transpose": lambda h, w: h.T.T,
    "slice": lambda h, w: h[:, :],
}
CAPTURES = ("hook", "hook returning g", "retain_grad")

program = st.fixed_dictionaries({
    "ops": st.lists(st.tuples(st.sampled_from(sorted(OPS)), st.sets(st.sampled_from(CAPTURES))), min_size=1,
                    max_size=5),
    "passes": st.lists(st.sampled_from(["backward", "autograd.grad", "twice (retain_graph)"]), min_size=2,
                       max_size=4),
    "leaf": st.sets(st.sampled_from(CAPTURES[:2])),  # hooks on x itself, whose gradient becomes x.grad
    "w": st.sets(st.sampled_from(CAPTURES[:2])),  # and on w, which each mul and add reads (its gradients add up)
    "saved": st.booleans(),  # the passes' forwards under saved_tensors_hooks whose pack keeps what is saved
    "keep_leaf_grads": st.booleans(),  # else the .grad of x and w accumulates over the passes (and is kept at the end)
    "seed": st.integers(0, 2**16),
})


class Kept:
    """What the user holds, each with a copy taken when it was handed out."""

    def __init__(self):
        self.items = []

    def __call__(self, what, array):
        if array is not None:
            self.items.append((what, array, np.array(array, copy=True)))
        return array

    def only(self, what, array):
        """Keep array and return None (a hook that leaves the gradient as it is)."""
        self(what, array)

    def changed(self):
        return [what for what, array, copy in self.items if not np.array_equal(np.asarray(array), copy)]


def _one_pass(example, x, w, r, kept, mode, number):
    hooks = []
    if "hook" in example["w"]:
        hooks.append(w.register_hook(lambda g: kept.only(f"pass {number}: w's hook's g", g)))
    if "hook returning g" in example["w"]:
        hooks.append(w.register_hook(lambda g: kept(f"pass {number}: g returned by w's hook", g)))
    h = x
    for i, (name, captures) in enumerate([(None, example["leaf"])] + example["ops"]):
        h = h if name is None else OPS[name](h, w)
        if "hook" in captures:
            hooks.append(h.register_hook(lambda g, i=i: kept.only(f"pass {number}: hook's g at op {i}", g)))
        if "hook returning g" in captures:  # the same array handed back: the engine goes on with it
            hooks.append(h.register_hook(lambda g, i=i: kept(f"pass {number}: g returned at op {i}", g)))
        if "retain_grad" in captures:
            h.retain_grad()
            hooks.append(h)
    loss = (h * r).sum()
    if mode == "autograd.grad":
        for name, g in zip("xw", ag.autograd.grad(loss, [x, w], allow_unused=True)):
            kept(f"pass {number}: autograd.grad's d/d{name}", g)
    else:
        loss.backward(retain_graph=mode != "backward")
        if mode != "backward":
            loss.backward()
    for held in hooks:
        if isinstance(held, ag.Value):
            kept(f"pass {number}: a retained .grad", held.grad)
        else:
            held.remove()
    if example["keep_leaf_grads"] and mode != "autograd.grad":
        kept(f"pass {number}: x.grad", x.grad)
        kept(f"pass {number}: w.grad", w.grad)
        x.grad = w.grad = None  # optimizer.zero_grad(set_to_none=True): the user keeps the old arrays


@fuzz_settings(EXAMPLES, SEED)
@given(program)
@example({"ops": [("relu", set())], "passes": ["backward", "backward"], "leaf": {"hook"}, "w": set(),
          "saved": False, "keep_leaf_grads": False, "seed": 0})  # x's hook keeps g, which x.grad added into (fixed)
def test_no_gradient_a_user_holds_is_written_by_a_later_pass(example):
    rng = np.random.default_rng(example["seed"])
    x = ag.tensor(rng.standard_normal(SHAPE), requires_grad=True)
    w = ag.tensor(rng.standard_normal(SHAPE[1:]), requires_grad=True)
    r = ag.tensor(rng.standard_normal(SHAPE))
    kept = Kept()

    def pack(saved):
        kept("a saved tensor", saved.data if isinstance(saved, ag.Value) else saved)
        return saved

    for number, mode in enumerate(example["passes"] + ["backward"] * 3):  # three more passes, to recycle into
        if example["saved"]:
            with ag.autograd.graph.saved_tensors_hooks(pack, lambda saved: saved):
                _one_pass(example, x, w, r, kept, mode, number)
        else:
            _one_pass(example, x, w, r, kept, mode, number)
    kept("x.grad at the end", x.grad)
    kept("w.grad at the end", w.grad)
    x.grad = w.grad = None  # (else the next pass adds into them in place, as PyTorch's AccumulateGrad does)
    _one_pass(example, x, w, r, kept, "backward", "last")  # and one more after that
    assert not kept.changed()


def test_a_compiled_steps_outputs_are_the_users():
    # A compiled step writes into buffers of its own at each replay; what it returns must be copies of them.
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.standard_normal(SHAPE[1:]), requires_grad=True)

    def step(xb):
        x = ag.tensor(xb, requires_grad=True)
        out = (x * w).relu().softmax(-1)
        loss = (out * out).sum()
        loss.backward()
        return loss, out, x.grad, w.grad

    compiled = ag.compile(step)
    kept = Kept()
    for _ in range(8):
        w.grad = None
        for item in compiled(rng.standard_normal(SHAPE)):
            kept("a compiled step's output", item.data if isinstance(item, ag.Value) else item)
    assert compiled.stats["replayed"] >= 4
    assert not kept.changed()


@pytest.fixture(autouse=True)
def fresh_recycling():
    recycle.clear()
    yield
    recycle.clear()
