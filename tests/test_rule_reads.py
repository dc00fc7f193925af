"""Which inputs a derivative rule reads is found in its bytecode (rule_reads._rule_reads): an input changed in place
after the node was recorded raises in backward only if the rule reads its numbers, as in PyTorch, which saves only
what the backward formula needs. Bytecode differs between Python versions (CALL_FUNCTION on 3.10, PRECALL + CALL on
3.11, inlined list comprehensions from 3.12, fused LOAD_FAST_LOAD_FAST on 3.13), and the answer must not: these rules,
one per pattern, have the same expected reads on every Python (scripts/test_pythons.sh runs them on each).
"""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.rule_reads import _EVERYTHING, _rule_reads
from autograd_core.ops.primitive import PRIMITIVES
from autograd_core.ops.reduce import _spread  # a helper of the library that reads only x's shape


def _comprehension_reads_only_ndim(g, out, x, axes):
    return g.transpose([a % x.ndim for a in axes])  # 3.10/3.11: a nested function capturing x; 3.12+: inlined


def _comprehension_reads_numbers(g, out, x):
    return g * np.array([x[i] for i in range(len(g))])


def _lambda_reads_numbers(g, out, x):
    total = lambda: x.sum()  # the outer function only hands x's cell to the lambda; the lambda reads it
    return g * total()


def _generator_reads_only_shape(g, out, x):
    return g.reshape(tuple(n for n in x.shape))


RULES = {  # name: (rule, number of inputs, positions read: -1 the output, 0... the inputs)
    "product reads x": (lambda g, out, x: g * x, 1, {0}),
    "x.shape only": (lambda g, out, x: g.reshape(x.shape), 1, set()),
    "output only": (lambda g, out, x: g * (1 - out * out), 1, {-1}),
    "helper reading only shape": (lambda g, out, x, axis=None, keepdims=False: _spread(g, x, axis, keepdims), 1, set()),
    "two loads then .shape": (lambda g, out, x: np.broadcast_to(g, x.shape), 1, set()),
    "second input read, first shape only": (lambda g, out, x, y: (g * y).reshape(x.shape), 2, {1}),
    "comprehension reading ndim": (_comprehension_reads_only_ndim, 1, set()),
    "comprehension reading numbers": (_comprehension_reads_numbers, 1, {0}),
    "lambda reading numbers": (_lambda_reads_numbers, 1, {0}),
    "generator reading shape": (_generator_reads_only_shape, 1, set()),
}


@pytest.mark.parametrize("name", list(RULES))
def test_a_rule_reads_the_same_inputs_on_every_python(name):
    rule, n_inputs, expected = RULES[name]
    reads = _rule_reads(rule, n_inputs)
    assert reads is not _EVERYTHING and set(reads) == expected


@pytest.mark.parametrize("primitive, expected", [("sum", set()), ("mean", set()), ("transpose", set()), ("*", {0, 1})])
def test_library_rules_read_what_their_formula_needs(primitive, expected):
    reads = set()
    for rule in PRIMITIVES[primitive].vjps:
        reads |= set(_rule_reads(rule, len(PRIMITIVES[primitive].vjps)))
    assert reads == expected


def test_a_summed_view_of_a_value_changed_later_in_place_backpropagates():
    # sum's rule reads only x's shape: a change of x in place after the sum is no error (it was on 3.10 and 3.13)
    x = ag.tensor(np.arange(8.0).reshape(2, 4), requires_grad=True)
    y = x * 2
    s = y[1].sum()
    y.mul_(3)
    (s + y.sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[6.0] * 4, [8.0] * 4])
