"""A compiled step writes an elementwise operation (ReLU, a buffered ufunc) into its first input's buffer where that
input is read by this operation alone (jit_plan.py `_reuse_buffers`): an MLP's ReLUs into their linear layers'
outputs. The numbers are eager mode's bit for bit, and an input read anywhere else (later, through a view, by an
output) keeps a buffer of its own."""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, nn, optim
from autograd_core.nn import functional as F

_OUT = re.compile(r"^\s*(v\d+) = \w+\(([\w.]+)[^\n]*?(?:out=|, )(B\d+)\)$", re.M)


def _buffers(source):
    """{name: (first input, buffer)} of the op lines that write into a buffer."""
    return {name: (first, buf) for name, first, buf in _OUT.findall(source)}


def _shared(source):
    """The op lines that write into their first input's buffer."""
    lines = _buffers(source)
    return {name for name, (first, buf) in lines.items() if first in lines and lines[first][1] == buf}


def _mlp_step(seed=0):
    model = nn.MLP(12, [16, 8, 3], rng=seed, dtype=np.float32)
    opt = optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((5, 12)).astype(np.float32), rng.integers(0, 3, 5)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step, model


def test_an_mlp_s_relus_write_into_their_linear_layers_outputs_with_eager_bits():
    eager_step, eager_model = _mlp_step()
    compiled_step, compiled_model = _mlp_step()
    compiled = ag.compile(compiled_step)
    for _ in range(4):
        assert np.array_equal(eager_step().data, compiled().data)
    for a, b in zip(eager_model.parameters(), compiled_model.parameters()):
        assert a.data.tobytes() == b.data.tobytes()
    (source,) = compiled.sources()
    assert len(_shared(source)) == 2, source  # the two ReLUs (their rules read their outputs, not the inputs)


def _compiled_source_and_check(fn, *args):
    """fn compiled, called three times, its results eager mode's bit for bit; its program's source."""
    expected = [np.array(r.data, copy=True) for r in fn(*args)]
    compiled = ag.compile(fn)
    for _ in range(3):
        got = compiled(*args)
        assert all(np.array_equal(e, g.data) and e.dtype == g.data.dtype for e, g in zip(expected, got))
    (source,) = compiled.sources()
    return source


W = Value(np.random.default_rng(1).standard_normal((6, 4)), requires_grad=True)
X = np.random.default_rng(2).standard_normal((3, 4))


def _read_later(x):
    h = F.linear(Value(x), W)
    r = h.relu()
    return [r + h]  # h read after the ReLU: it keeps its buffer


def _viewed_before(x):
    h = F.linear(Value(x), W)
    flat = h.reshape(-1)  # a view of h's buffer, read after the ReLU
    r = h.relu()
    return [r.sum() + flat.sum()]


def _returned(x):
    h = F.linear(Value(x), W)
    return [h.relu(), h]


def _read_once(x):
    h = F.linear(Value(x), W)
    return [h.relu() * 2]


@pytest.mark.parametrize("fn,shared", [(_read_later, False), (_viewed_before, False), (_returned, False),
                                       (_read_once, True)])
def test_an_input_read_anywhere_else_keeps_its_buffer(fn, shared):
    with ag.no_grad():  # forward lines only: buffers (a graph output would be allocated per call)
        source = _compiled_source_and_check(fn, X)
    lines = _buffers(source)
    relu = [name for name, (first, _) in lines.items() if first == "v0"]  # what reads the linear layer's output
    assert relu and any(name in _shared(source) for name in relu) == shared, source


def test_a_chain_of_elementwise_operations_shares_one_buffer_with_eager_bits():
    def chain(x):
        h = F.linear(Value(x), W)
        return [((h.exp() + 1).relu() * 3).tanh()]

    with ag.no_grad():
        source = _compiled_source_and_check(chain, X)
    assert len({buf for _, buf in _buffers(source).values()}) < len(_buffers(source)), source
