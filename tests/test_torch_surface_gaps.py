"""PyTorch functions and Tensor methods added to close gaps in the surface (ops/bits.py, ops/scatters.py, ops/sets.py,
tensor_methods_more.py): each compared with PyTorch (values, dtypes, shapes, the exception's type), gradients in float64
against PyTorch's and finite differences (gradcheck, which runs without PyTorch too).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.gradcheck import gradcheck, gradgradcheck
from probe_helpers import outcome

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")  # index_reduce is "beta"


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


# ----------------------------------------------------------------------------------------------------
# Values, dtypes and errors: each expression runs on `t` = torch and on `t` = autograd_core.

CASES = [
    # bits
    't.bitwise_not(t.tensor([0, 5, -3]))', 't.bitwise_not(t.tensor([True, False]))', '~t.tensor([3, 0])',
    't.bitwise_not(t.tensor([1.5]))', 't.bitwise_and(t.tensor([12, 10]), t.tensor([10, 6]))',
    't.bitwise_or(t.tensor([12, 10], dtype=t.int32), 3)', 't.bitwise_xor(t.tensor([True, False]), True)',
    't.tensor([True, False]) & t.tensor([1, 3])', 't.tensor([1.0]) & t.tensor([1.0])',
    't.bitwise_and(3, t.tensor([1, 2]))',
    't.tensor([1, -8, 3]) << t.tensor([1, 64, -1])', 't.tensor([1, -8, 3]) >> t.tensor([1, 64, -1])',
    't.tensor([1, 2], dtype=t.int32) << 1', '1 << t.tensor([0, 3])', '256 >> t.tensor([0, 3])',
    't.tensor([200], dtype=t.uint8) << 1', 't.tensor([100], dtype=t.int8) << 1', 't.tensor([True]) << 1',
    't.tensor([1.5]) << 1', 't.bitwise_left_shift(t.tensor([3]), t.tensor([2]))',
    't.tensor([True]) << t.tensor([True])', 't.tensor([True]) >> True',
    't.tensor([-128], dtype=t.int8) >> t.tensor([-3], dtype=t.int8)',
    't.bitwise_right_shift(t.tensor([-9, 9]), 1)',
    't.gcd(t.tensor([0, -4, 6, 9]), t.tensor([0, 6, -4, 0]))', 't.lcm(t.tensor([0, -4, 6]), t.tensor([0, 6, -4]))',
    't.gcd(t.tensor([1.0]), t.tensor([2.0]))', 't.gcd(t.tensor([4, 6]), 2)',
    't.gcd(t.tensor([6, 3], dtype=t.int8), t.tensor(4))', 't.bitwise_and(t.tensor([3, 1], dtype=t.uint8), t.tensor(2))',
    't.bitwise_or(t.tensor([3, 1], dtype=t.int16), t.tensor([1, 2], dtype=t.int8))',
    't.bitwise_xor(t.tensor(5, dtype=t.int32), t.tensor([1, 2], dtype=t.int8))',
    't.bitwise_left_shift(t.tensor([3, 1], dtype=t.int32), t.tensor(2))',
    't.tensor([3, 1], dtype=t.int8) & t.tensor(2)',
    # parts of floats
    't.frexp(t.tensor([0.0, 3.0, -0.5, 1e-40, float("inf")]))', 't.frexp(t.tensor([6.0], dtype=t.float64))',
    't.frexp(t.tensor([1, 2]))', 't.ldexp(t.tensor([1]), t.tensor([3]))',
    't.ldexp(t.tensor([1.0], dtype=t.float64), t.tensor([3]))', 't.ldexp(t.tensor([1.5]), t.tensor([-1.5]))',
    't.ldexp(t.tensor([1.5], dtype=t.float16), t.tensor([2]))',
    't.ldexp(t.tensor(1.5), t.tensor([2.0], dtype=t.float64))',
    't.ldexp(t.tensor([3]), t.tensor(2.0, dtype=t.float64))',
    't.nextafter(t.tensor([1.0, 0.0]), t.tensor([2.0, -1.0])) - t.tensor([1.0, 0.0])',
    't.nextafter(t.tensor([1]), t.tensor([2]))', 't.sgn(t.tensor([-2.0, 0.0, 3.0]))', 't.sgn(t.tensor([True, False]))',
    't.sgn(t.tensor([-2, 0, 3]))',
    # scatter_reduce and index_reduce
    *[f't.scatter_reduce(t.tensor([1.0, 5.0, 2.0]), 0, t.tensor([0, 0, 1]), t.tensor([2.0, 2.0, 4.0]), "{r}", '
      f'include_self={s})' for r in ("sum", "prod", "mean", "amax", "amin") for s in (True, False)],
    *[f't.scatter_reduce(t.tensor([-1, 5, 2]), 0, t.tensor([0, 0, 1]), t.tensor([-2, -3, 4]), "{r}", '
      f'include_self={s})' for r in ("mean", "amax", "amin", "prod") for s in (True, False)],
    't.tensor([[1.0, 2.0], [3.0, 4.0]]).scatter_reduce(1, t.tensor([[1, 1], [0, 0]]), t.ones(2, 3), "sum")',
    't.scatter_reduce(t.tensor([1.0, 5.0]), 0, t.tensor([0, 0]), t.tensor([2, 2]), "sum")',
    't.scatter_reduce(t.tensor([1.0, 5.0]), 0, t.tensor([0, 2]), t.tensor([2.0, 2.0]), "sum")',
    't.scatter_reduce(t.tensor([1.0, 5.0]), 0, t.tensor([0, -1]), t.tensor([2.0, 2.0]), "sum")',
    't.scatter_reduce(t.tensor([1.0, 5.0]), 0, t.tensor([0, 1, 1]), t.tensor([2.0, 2.0]), "sum")',
    't.scatter_reduce(t.tensor([1.0, 5.0]), 0, t.tensor([0, 1]), t.tensor([2.0, 2.0]), "median")',
    't.scatter_reduce(t.tensor(1.0), 0, t.tensor(0), t.tensor(3.0), "amax")',
    *[f't.ones(3, 2).index_reduce(0, t.tensor([0, 0, 2]), t.tensor([[2.0, 3.0], [4.0, -1.0], [5.0, 6.0]]), "{r}", '
      f'include_self={s})' for r in ("prod", "mean", "amax", "amin") for s in (True, False)],
    't.index_reduce(t.tensor([1, 5, 2]), 0, t.tensor([0, 0, 2]), t.tensor([2, 3, 4]), "mean")',
    't.ones(3).index_reduce(0, t.tensor([0, 0, 2]), t.ones(3), "sum")',
    # writing regions
    't.select_scatter(t.zeros(3, 4), t.ones(4), 0, 1)', 't.select_scatter(t.zeros(3, 4), t.ones(3), 1, -1)',
    't.select_scatter(t.zeros(3, 4), t.ones(4, dtype=t.float64), 0, 1)',
    't.select_scatter(t.zeros(3, 4), t.ones(3), 0, 1)', 't.select_scatter(t.zeros(3, 4), t.ones(4), 0, 3)',
    't.slice_scatter(t.zeros(3, 4), t.ones(3, 2), 1, 0, 4, 2)', 't.slice_scatter(t.zeros(4, 2), t.ones(2, 2), start=2)',
    't.slice_scatter(t.zeros(3, 4), t.ones(3, 3), 1, 0, 4, 2)',
    't.diagonal_scatter(t.zeros(3, 4), t.ones(3), 1)', 't.diagonal_scatter(t.zeros(3, 4), t.arange(2.0), -1)',
    't.diagonal_scatter(t.zeros(2, 3, 3), t.ones(3, 2), 0, 0, 2)', 't.diagonal_scatter(t.zeros(3, 4), t.ones(2), 1)',
    't.masked_scatter(t.zeros(3, 4), t.tensor([True, False, True, False]), t.arange(12.0).reshape(3, 4))',
    't.masked_scatter(t.zeros(4), t.tensor([[True, False, True, False], [True, True, False, False]]), t.arange(5.0))',
    't.masked_scatter(t.zeros(3, 4), t.tensor([True, False, True, False]), t.arange(5.0))',
    't.masked_scatter(t.zeros(3, 4), t.tensor([1, 0, 1, 0]), t.arange(12.0))',
    't.masked_scatter(t.zeros(3), t.tensor([True, False, True]), t.tensor([1, 2]))',
    't.put(t.zeros(2, 2), t.tensor([0, -1, 0]), t.tensor([1.0, 2.0, 3.0]))',
    't.put(t.zeros(2, 2), t.tensor([0, -1, 0]), t.tensor([1.0, 2.0, 3.0]), accumulate=True)',
    't.put(t.zeros(2, 2), t.tensor([0, 4]), t.tensor([1.0, 2.0]))', 't.zeros(2, 2).put(t.tensor([0, 1]), t.ones(3))',
    't.index_put(t.zeros(2, 3), (t.tensor([0, 1, 0]), t.tensor([2, 0, 2])), t.tensor([1.0, 2.0, 3.0]), '
    'accumulate=True)',
    't.index_put(t.zeros(2, 3), (t.tensor([0, 1, 0]),), t.tensor(5.0))',
    't.index_put(t.zeros(2, 3), (t.tensor([True, False]),), t.tensor([1.0, 2.0, 3.0]))',
    't.narrow_copy(t.arange(6).reshape(2, 3), 1, -2, 2)', 't.arange(6.0).narrow_copy(0, 1, 3)',
    't.zeros(5, 3).fill_diagonal_(2.0, wrap=True)', 't.zeros(7, 3).fill_diagonal_(2.0, wrap=True)',
    't.zeros(7, 3).fill_diagonal_(2.0)', 't.zeros(3, 3, 3).fill_diagonal_(2.0)', 't.zeros(2, 3, 4).fill_diagonal_(2.0)',
    't.zeros(3).fill_diagonal_(2.0)', 't.zeros(2, 5, dtype=t.int64).fill_diagonal_(7)',
    # sets, runs, orders
    't.isin(t.tensor([1, 2, 3]), 2)', 't.isin(2, t.tensor([1, 2, 3]))',
    't.isin(t.tensor([1.0, 2.0, 3.0]), t.tensor([2]))',
    't.isin(t.tensor([[1, 2], [3, 4]]), t.tensor([4, 1]), invert=True)',
    't.unique_consecutive(t.tensor([1, 1, 2, 2, 3, 1, 1, 2]), return_inverse=True, return_counts=True)',
    't.unique_consecutive(t.tensor([[1, 1], [1, 1], [2, 3]]), return_counts=True, dim=0)',
    't.unique_consecutive(t.tensor([[1, 1], [1, 1], [2, 3]]), return_inverse=True, dim=1)',
    't.unique_consecutive(t.tensor(5))', 't.tensor([2.0, 2.0, 1.0]).unique_consecutive()',
    't.msort(t.tensor([[3.0, 1.0], [1.0, 2.0], [2.0, 0.0]]))', 't.msort(t.tensor(3.0))', 't.tensor([3, 1, 2]).msort()',
    't.vander(t.tensor([1, 2, 3]), 4)', 't.vander(t.tensor([1.0, 2.0, 3.0]), increasing=True)',
    't.vander(t.tensor([[1.0, 2.0]]))', 't.vander(t.tensor([True, False]))', 't.vander(t.tensor([2.0, 3.0]), 0)',
    't.histogramdd(t.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0]]), bins=[3, 3])',
    't.histogramdd(t.tensor([[0.0, 1.0], [1.0, 0.5], [2.0, 0.0]]), bins=2, range=[0.0, 1.0, 0.0, 1.0], '
    'weight=t.tensor([1.0, 2.0, 4.0]), density=True)',
    't.histogramdd(t.tensor([[0.0, 1.0], [1.0, 0.5]]), bins=[t.tensor([0.0, 0.5, 2.0]), t.tensor([0.0, 1.0])])',
    't.histogramdd(t.tensor([[0, 1]]), bins=2)', 't.histogramdd(t.tensor([1.0, 2.0, 2.5]), bins=[2])',
    't.index_put(t.zeros(3), (t.tensor([5]),), t.tensor([1.0]))', 't.tensor([True]).bitwise_and_(t.tensor([3]))',
    't.tensor([1]).ldexp_(t.tensor([2]))', 't.tensor([6], dtype=t.int32).gcd_(t.tensor([4]))',
    't.ones(3).index_reduce(0, t.tensor([0, -1]), t.ones(2), "prod")',
    't.ones(3).index_reduce(0, t.tensor([0, 1]), t.ones(3), "prod")',
    't.scatter_reduce(t.tensor([True, False]), 0, t.tensor([0, 1]), t.tensor([False, True]), "amax")',
    't.scatter_reduce(t.zeros(3, dtype=t.int64), 0, t.tensor([0, 0]), t.tensor([5, 7]), "prod", include_self=False)',
    # storage and conversions
    't.ones(3, 4).stride()', 't.ones(3, 4).t().stride()', 't.ones(3, 4)[:, ::2].stride()', 't.ones(3, 4).stride(-1)',
    't.tensor(1.0).stride()', 't.ones(3, 4)[1:, 1:].storage_offset()', 't.ones(3, 4).storage_offset()',
    't.ones(3, 4, dtype=t.float64).element_size()', 't.ones(3, 4).nbytes', 't.ones(3, dtype=t.int16).itemsize',
    't.tensor([1.7, -1.2, 300.0]).char()', 't.tensor([1.7, 2.0]).byte()', 't.tensor([1.7, 40000.0]).short()',
    't.tensor([1.7]).short().dtype',
    # factories' size= keyword (d2l: torch.normal(0, 1, size=(4, 4)), torch.rand(size=(2, 4)))
    't.zeros(size=(2, 3))', 't.ones(size=[2])', 't.ones(size=())', 't.empty(size=(2,)).shape',
    'tuple(t.rand(size=(2, 3)).shape)', 't.randn(size=(2, 3), dtype=t.float64).dtype', 't.zeros(2, size=(2,))',
    'tuple(t.normal(0, 1, size=(4, 4)).shape)',
    # devices: any of PyTorch's types can be named (only the CPU holds data here)
    'repr(t.device("cuda"))', 'str(t.device("cuda:1"))', 'repr(t.device("cuda", 0))', 't.device("cuda:1").index',
    't.device("cpu").index', 't.device("cuda") == t.device("cuda:0")', 't.device("cpu", 0) == t.device("cpu")',
    't.device("cuda:1") == t.device("cuda", 1)', 't.device("gpu")', 't.device("cuda:-1")', 't.device("cuda", -1)',
    't.device("cuda:1", 1)', 'repr(t.device(t.device("mps")))', 'len({t.device("cpu"), t.device("cpu")})',
]


def _run(t, expression):
    return eval(expression, {"t": t})  # test-authored expressions only


def _plain(r, torch):
    if isinstance(r, (ag.Value, torch.Tensor)):
        return (str(r.dtype).replace("torch.", ""), tuple(r.shape), np.asarray(r.detach().tolist(), dtype=float))
    if isinstance(r, (list, tuple)):
        return [_plain(v, torch) for v in r]
    if isinstance(r, (np.dtype, torch.dtype)):
        return str(r).replace("torch.", "")
    return r.item() if isinstance(r, np.generic) else r


def _outcome(t, expression, torch):
    return outcome(lambda: _plain(_run(t, expression), torch))


def _same(a, b):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=0, equal_nan=True)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("expression", CASES)
def test_matches_pytorch(expression, torch):
    (kind, ours), (torch_kind, theirs) = _outcome(ag, expression, torch), _outcome(torch, expression, torch)
    assert kind == torch_kind, f"{expression}: ours {kind} {ours!r}, PyTorch {torch_kind} {theirs!r}"
    if kind == "raises":
        assert isinstance(ours, type(theirs)), f"{expression}: ours raised {ours!r}, PyTorch {theirs!r}"
    else:
        assert _same(ours, theirs), f"{expression}: ours {ours!r}, PyTorch {theirs!r}"


@pytest.mark.parametrize("factory", ["zeros", "ones", "empty", "rand", "randn"])
def test_factories_take_size_as_a_keyword(factory):
    make = getattr(ag, factory)
    assert make(size=(2, 3)).shape == make(2, 3).shape == make((2, 3)).shape == (2, 3)
    assert make(size=[4], dtype=ag.float64).data.dtype == np.float64
    with pytest.raises(TypeError, match="size="):
        make(2, size=(2,))


def test_range_includes_its_end_warns_and_matches_pytorch():
    # torch.range, deprecated but still in PyTorch and in courses (Zero to Mastery's 00 notebook): end included, the
    # default float dtype even for integers, PyTorch's warning.
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        zero_to_ten = ag.range(0, 10)
    assert zero_to_ten.dtype == ag.float32 and zero_to_ten.tolist() == [float(i) for i in range(11)]
    with pytest.warns(UserWarning):
        cases = [ag.range(1, 2.0, 0.3), ag.range(5, -1, -2, dtype=ag.int64), ag.range(0, 1, 0.1, dtype=ag.float64),
                 ag.range(3, 3)]
    assert [c.tolist() for c in cases[1:2] + cases[3:]] == [[5, 3, 1, -1], [3.0]] and cases[1].dtype == ag.int64
    np.testing.assert_allclose(cases[0].data, [1.0, 1.3, 1.6, 1.9], rtol=1e-7)
    np.testing.assert_array_equal(cases[2].data, np.arange(11) * 0.1)
    for bad in ((0, 1, 0), (0, 1, -1)):
        with pytest.warns(UserWarning), pytest.raises(RuntimeError):
            ag.range(*bad)
    with pytest.raises(TypeError):
        ag.range(5)  # noqa: B018  (end is required, as in PyTorch)
    torch = pytest.importorskip("torch")
    for args, kwargs in (((0, 10), {}), ((1, 2.0, 0.3), {}), ((5, -1, -2), {"dtype": "int64"}),
                         ((0, 1, 0.1), {"dtype": "float64"}), ((-2.5, 3), {})):
        with pytest.warns(UserWarning):
            ours = ag.range(*args, **{k: getattr(ag, v) for k, v in kwargs.items()})
            theirs = torch.range(*args, **{k: getattr(torch, v) for k, v in kwargs.items()})
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_a_device_other_than_the_cpu_can_be_named_but_holds_nothing():
    # d2l's try_gpu() and `device = torch.device("cuda" if torch.cuda.is_available() else "cpu")` name a device
    # first; putting data or a module there raises (PyTorch: when CUDA is missing).
    gpu = ag.device("cuda:1")
    assert (gpu.type, gpu.index, str(gpu)) == ("cuda", 1, "cuda:1") and ag.device("cpu") == "cpu"
    for put_there in (lambda: ag.zeros(2, device=gpu), lambda: ag.ones(2).to(gpu), lambda: nn.Linear(2, 2).to(gpu),
                      lambda: nn.Linear(2, 2, device=gpu), lambda: ag.ones(2).cuda(), lambda: ag.Generator(gpu),
                      lambda: ag.tensor([1.0], device="mps")):
        with pytest.raises(RuntimeError, match="is not available; autograd_core runs on the CPU"):
            put_there()
    assert ag.zeros(2, device=ag.device("cpu:0")).shape == (2,)
    with pytest.raises(RuntimeError, match="index alone names an accelerator"):
        ag.device(0)


def test_constants_are_pythons_as_in_pytorch():
    # torch.pi, torch.inf, ...: the Python floats (math's), which the "LLMs from scratch" book's GELU
    # (torch.sqrt(torch.tensor(2.0 / torch.pi))) and causal masks (masked_fill_(mask, -torch.inf)) use.
    assert (ag.e, ag.pi) == (math.e, math.pi) and ag.inf == math.inf and math.isnan(ag.nan) and ag.newaxis is None
    assert {type(c) for c in (ag.e, ag.inf, ag.nan, ag.pi)} == {float}
    assert {"e", "inf", "nan", "pi", "newaxis"} <= set(ag.__all__)
    scores = ag.ones(3, 3).masked_fill(ag.triu(ag.ones(3, 3), diagonal=1).bool(), -ag.inf)
    np.testing.assert_allclose(ag.softmax(scores, dim=-1).data[0], [1.0, 0.0, 0.0])
    assert ag.arange(3)[:, ag.newaxis].shape == (3, 1)


def test_cases_are_unique():
    assert len(set(CASES)) == len(CASES)


# ----------------------------------------------------------------------------------------------------
# Gradients in float64: against PyTorch's (a weighted sum of every output) and against finite differences.

RNG = np.random.default_rng(29)
INDEX = np.array([[0, 1, 0, 0], [0, 0, 1, 1], [2, 0, 1, 0]])
TIES_X = np.array([[1.0, 5.0, 2.0, 0.0], [1.0, -1.0, 3.0, 3.0], [0.5, 0.5, 0.5, 0.5]])
TIES_SRC = np.array([[1.0, 1.0, 1.0, 0.0], [1.0, 5.0, 3.0, 3.0], [0.5, 0.5, 3.0, 0.0]])

GRAD_CASES = {  # name: (fn(t, *inputs), inputs)
    **{f"scatter_reduce-{r}-{s}": (lambda t, x, src, r=r, s=s: t.scatter_reduce(
        x, 0, t.as_tensor(INDEX), src, r, include_self=s), (RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))))
       for r in ("sum", "prod", "mean", "amax", "amin") for s in (True, False)},
    # ties share the gradient (PyTorch counts input's equal element even with include_self=False)
    **{f"scatter_reduce-ties-{r}-{s}": (lambda t, x, src, r=r, s=s: t.scatter_reduce(
        x, 0, t.as_tensor(INDEX), src, r, include_self=s), (TIES_X, TIES_SRC))
       for r in ("amax", "amin", "prod") for s in (True, False)},
    "scatter_reduce-dim1": (lambda t, x, src: t.scatter_reduce(
        x, 1, t.as_tensor(np.array([[2, 2], [0, 1]])), src, "mean"),
        (RNG.normal(size=(2, 3)), RNG.normal(size=(2, 2)))),
    **{f"index_reduce-{r}-{s}": (lambda t, x, src, r=r, s=s: t.index_reduce(
        x, 1, t.as_tensor(np.array([0, 2, 0])), src, r, include_self=s),
        (RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3)))) for r in ("prod", "mean", "amax", "amin")
       for s in (True, False)},
    "select_scatter": (lambda t, x, s: t.select_scatter(x, s, 1, -1), (RNG.normal(size=(3, 4)), RNG.normal(size=3))),
    "slice_scatter": (lambda t, x, s: t.slice_scatter(x, s, 1, 1, None, 2), (RNG.normal(size=(3, 5)),
                                                                               RNG.normal(size=(3, 2)))),
    "diagonal_scatter": (lambda t, x, s: t.diagonal_scatter(x, s, -1, 2, 0), (RNG.normal(size=(3, 2, 4)),
                                                                              RNG.normal(size=(2, 3)))),
    "masked_scatter": (lambda t, x, s: t.masked_scatter(x, t.as_tensor(np.array([True, False, True])), s),
                       (RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3)))),
    "put": (lambda t, x, s: t.put(x, t.as_tensor(np.array([0, -1, 4])), s), (RNG.normal(size=(2, 3)),
                                                                            RNG.normal(size=3))),
    "put-accumulate": (lambda t, x, s: t.put(x, t.as_tensor(np.array([0, -1, 0])), s, accumulate=True),
                       (RNG.normal(size=(2, 3)), RNG.normal(size=3))),
    "index_put": (lambda t, x, v: t.index_put(x, (t.as_tensor(np.array([0, 1])), t.as_tensor(np.array([2, 0]))), v),
                  (RNG.normal(size=(2, 3)), RNG.normal(size=2))),
    "index_put-accumulate-broadcast": (lambda t, x, v: t.index_put(
        x, (t.as_tensor(np.array([1, 1, 0])),), v, accumulate=True), (RNG.normal(size=(2, 3)), RNG.normal(size=3))),
    "narrow_copy": (lambda t, x: t.narrow_copy(x, 1, 1, 2), (RNG.normal(size=(2, 3)),)),
    "frexp": (lambda t, x: t.frexp(x * 10).mantissa, (RNG.normal(size=5),)),
    "ldexp": (lambda t, x, e: t.ldexp(x, e), (RNG.normal(size=4), RNG.normal(size=4))),
    "ldexp-int-exponent": (lambda t, x: t.ldexp(x, t.as_tensor(np.array([2, 1, 0]))), (RNG.normal(size=3),)),
    "sgn": (lambda t, x: t.sgn(x) * x, (RNG.normal(size=4),)),
    "msort": (lambda t, x: t.msort(x), (RNG.normal(size=(4, 3)),)),
}
# Gradients PyTorch 2.13 gets wrong or refuses, checked against finite differences only: vander's backward fails (an
# in-place change of a saved tensor), a src larger than index gives "invalid gradient" of index's shape, and ldexp
# with a negative integer exponent gives 0 (2**-1 computed in integers).
NUMERIC_ONLY = {
    "vander": (lambda t, x: t.vander(x, 4), (np.array([0.0, 1.5, -0.7]),)),
    "vander-increasing": (lambda t, x: t.vander(x, increasing=True), (RNG.normal(size=3),)),
    "scatter_reduce-src-larger": (lambda t, x, src: t.scatter_reduce(
        x, 1, t.as_tensor(np.array([[2, 2], [0, 1]])), src, "mean"),
        (RNG.normal(size=(2, 3)), RNG.normal(size=(3, 3)))),
    "ldexp-negative-int-exponent": (lambda t, x: t.ldexp(x, t.as_tensor(np.array([2, -1, 0]))), (RNG.normal(size=3),)),
}


def _loss_weights(out):
    return np.cos(np.arange(np.size(out)).reshape(np.shape(out)) + 0.5)


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradient_matches_pytorch(name, torch):
    fn, inputs = GRAD_CASES[name]
    ours = [ag.tensor(x, requires_grad=True) for x in inputs]
    out = fn(ag, *ours)
    (out * _loss_weights(out.data)).sum().backward()
    theirs = [torch.tensor(x, requires_grad=True) for x in inputs]
    tout = fn(torch, *theirs)
    (tout * torch.as_tensor(_loss_weights(tout.detach().numpy()))).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", sorted(n for n in {**GRAD_CASES, **NUMERIC_ONLY} if "ties" not in n))  # ties: kinks
def test_gradient_matches_finite_differences(name):
    fn, inputs = {**GRAD_CASES, **NUMERIC_ONLY}[name]
    assert gradcheck(lambda *xs: fn(ag, *xs), tuple(ag.Value(x) for x in inputs))


@pytest.mark.parametrize("reduce", ["sum", "mean", "prod", "amax", "amin"])
def test_scatter_reduce_second_derivatives(reduce):
    x, src = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    assert gradgradcheck(lambda a, b: ag.scatter_reduce(a, 0, INDEX, b, reduce) ** 2, (ag.Value(x), ag.Value(src)))


def test_scatter_reduce_forward_mode_agrees_with_reverse():
    x, src = TIES_X, TIES_SRC
    for reduce in ("sum", "mean", "prod", "amax", "amin"):
        for include_self in (True, False):
            def f(a, b, reduce=reduce, include_self=include_self):
                return ag.scatter_reduce(a, 0, INDEX, b, reduce, include_self=include_self)
            tx, ts = RNG.normal(size=x.shape), RNG.normal(size=src.shape)
            _, jt = ag.jvp(f, (x, src), (tx, ts))
            u = RNG.normal(size=x.shape)
            _, vjp_fn = ag.vjp(f, x, src)
            gx, gs = vjp_fn(u)
            np.testing.assert_allclose(np.sum(u * ag.Value(jt).data), np.sum(gx * tx) + np.sum(gs * ts), rtol=1e-12)


# ----------------------------------------------------------------------------------------------------
# In place: the same Value changes, and in a recorded graph the change is recorded (PyTorch's gradient).


def test_in_place_forms_change_the_value_itself():
    x = ag.tensor([1.0, 5.0, 2.0])
    assert x.scatter_reduce_(0, ag.tensor([0, 0, 1]), ag.tensor([2.0, 2.0, 4.0]), "amax", include_self=False) is x
    assert x.tolist() == [2.0, 4.0, 2.0]
    m = ag.zeros(2, 3)
    assert m.index_put_((ag.tensor([0, 1]), ag.tensor([2, 2])), ag.tensor([1.0, 2.0]), accumulate=True) is m
    assert m.put_(ag.tensor([0]), ag.tensor([7.0])) is m and m.tolist() == [[7.0, 0.0, 1.0], [0.0, 0.0, 2.0]]
    assert m.masked_scatter_(ag.tensor([False, True, False]), ag.tensor([8.0, 9.0])) is m
    assert m.tolist() == [[7.0, 8.0, 1.0], [0.0, 9.0, 2.0]]
    assert m.fill_diagonal_(-1.0) is m and m.tolist() == [[-1.0, 8.0, 1.0], [0.0, -1.0, 2.0]]
    assert m.index_reduce_(1, ag.tensor([0]), ag.full((2, 1), 3.0), "prod") is m and m[:, 0].tolist() == [-3.0, 0.0]
    i = ag.tensor([12, 10])
    for method, arg, want in [("bitwise_and_", 10, [8, 10]), ("bitwise_or_", 1, [9, 11]), ("bitwise_xor_", 3, [10, 8]),
                              ("bitwise_left_shift_", 1, [20, 16]), ("bitwise_right_shift_", 2, [5, 4]),
                              ("gcd_", ag.tensor(4), [1, 4]), ("lcm_", ag.tensor(6), [6, 12])]:
        assert getattr(i, method)(arg) is i and i.tolist() == want, method
    assert i.bitwise_not_() is i and i.tolist() == [-7, -13]
    assert i.sgn_() is i and i.tolist() == [-1, -1]
    f = ag.tensor([1.0, 2.0])
    assert f.ldexp_(ag.tensor([1.0, 2.0])) is f and f.tolist() == [2.0, 8.0]
    assert f.nextafter_(ag.tensor([0.0, 9.0])) is f and f.tolist() == [np.nextafter(np.float32(2), 0), np.nextafter(
        np.float32(8), 9)]
    assert ag.gcd_(ag.tensor([4]), ag.tensor([6])).tolist() == [2]


def test_in_place_operators_keep_the_value():
    x = ag.tensor([1, 2, 3])
    y = x
    x <<= 2
    x >>= 1
    x &= 6
    x |= 1
    x ^= 8
    assert x is y and x.tolist() == [11, 13, 15]
    mask = ag.tensor([True, False])
    same = mask
    mask &= ag.tensor([True, True])
    assert mask is same and mask.dtype == np.bool_ and mask.tolist() == [True, False]


def test_recorded_in_place_scatter_reduce_has_pytorchs_gradient(torch):
    def run(t, x, src):
        y = x * 2
        y.scatter_reduce_(0, t.as_tensor(np.array([0, 0, 2])), src, "amax")
        (y * t.as_tensor(np.array([1.0, 2.0, 3.0]))).sum().backward()

    x, src = ag.tensor([1.0, 5.0, 2.0], dtype=ag.float64, requires_grad=True), ag.tensor([2.0, 0.0, 4.0],
                                                                                         dtype=ag.float64,
                                                                                         requires_grad=True)
    tx, tsrc = (torch.tensor(v.data, requires_grad=True) for v in (x, src))
    run(ag, x, src)
    run(torch, tx, tsrc)
    np.testing.assert_allclose(x.grad, tx.grad.numpy())
    np.testing.assert_allclose(src.grad, tsrc.grad.numpy())


def test_in_place_on_a_leaf_that_requires_grad_raises():
    x = ag.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x.scatter_reduce_(0, ag.tensor([0]), ag.ones(1), "sum")
    with ag.no_grad():  # a 1-D x is refused by PyTorch's rule
        with pytest.raises(RuntimeError, match="dimensions must larger than 1"):
            x.fill_diagonal_(1.0)


# ----------------------------------------------------------------------------------------------------
# Without PyTorch: the rules PyTorch's kernels define, checked on their own.


def test_shifts_outside_the_width_give_pytorchs_values():
    x = ag.tensor([1, -8, 3])
    assert (x << ag.tensor([1, 64, -1])).tolist() == [2, 0, 0]
    assert (x >> ag.tensor([1, 64, -1])).tolist() == [0, -1, 0]
    assert (1 << ag.tensor([0, 3])).tolist() == [1, 8]
    with pytest.raises(NotImplementedError):
        ag.tensor([1.5]) << 1


def test_bool_and_int_give_int64():
    out = ag.tensor([True, False]) & ag.tensor([1, 3])
    assert out.dtype == np.int64 and out.tolist() == [1, 0]


def test_scatter_reduce_values_without_torch():
    x, idx, src = ag.tensor([1.0, 5.0, 2.0]), ag.tensor([0, 0, 1]), ag.tensor([2.0, 3.0, 4.0])
    expected = {("sum", True): [6, 9, 2], ("sum", False): [5, 4, 2], ("prod", True): [6, 20, 2],
                ("prod", False): [6, 4, 2], ("mean", True): [2, 4.5, 2], ("mean", False): [2.5, 4, 2],
                ("amax", True): [3, 5, 2], ("amax", False): [3, 4, 2], ("amin", True): [1, 4, 2],
                ("amin", False): [2, 4, 2]}
    for (reduce, include_self), want in expected.items():
        assert ag.scatter_reduce(x, 0, idx, src, reduce, include_self=include_self).tolist() == want
    assert ag.scatter_reduce(ag.tensor([-1, 5]), 0, ag.tensor([0, 0]), ag.tensor([-2, -3]), "mean").tolist() == [-2, 5]


def test_scatter_reduce_ties_share_the_gradient_as_pytorch():
    x, src = ag.tensor([1.0, 5.0], requires_grad=True), ag.tensor([1.0, 1.0], requires_grad=True)
    ag.scatter_reduce(x, 0, ag.tensor([0, 0]), src, "amax", include_self=False).sum().backward()
    # three equal candidates at position 0; input's does not take part, yet PyTorch counts it
    np.testing.assert_allclose(x.grad, [0.0, 1.0])
    np.testing.assert_allclose(src.grad, [1 / 3, 1 / 3])


def test_embedding_rejects_negative_and_too_large_ids():
    layer = nn.Embedding(5, 3)
    for ids in ([-1], [[0, -5]], [5]):
        with pytest.raises(IndexError, match="index out of range"):
            layer(ag.tensor(ids))
    with pytest.raises(IndexError):
        nn.functional.embedding(np.array([0, -1]), layer.weight)
    for ids in ([[0, -1]], [[5, 0]]):
        with pytest.raises(RuntimeError, match="not in the valid range"):  # PyTorch's type for embedding_bag
            nn.EmbeddingBag(5, 3)(ag.tensor(ids))
    assert layer(ag.tensor([4, 0])).shape == (2, 3)


def test_embedding_negative_ids_raise_like_pytorch(torch):
    weight = np.ones((5, 3), np.float32)
    for ids in ([-1], [5]):
        with pytest.raises(IndexError):
            torch.nn.functional.embedding(torch.tensor(ids), torch.as_tensor(weight))
        with pytest.raises(IndexError):
            nn.functional.embedding(ag.tensor(ids), ag.tensor(weight))
    for ids in ([[0, -1]], [[5, 0]]):
        with pytest.raises(RuntimeError):
            torch.nn.functional.embedding_bag(torch.tensor(ids), torch.as_tensor(weight))
        with pytest.raises(RuntimeError):
            nn.functional.embedding_bag(ag.tensor(ids), ag.tensor(weight))


def test_new_operations_replay_in_compiled_steps():
    w = ag.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)

    def step(x, s):
        w.grad = None
        xv, sv = ag.Value(x, requires_grad=False) * w, ag.Value(s, requires_grad=False) * w
        loss = (ag.scatter_reduce(xv, 0, np.array([0, 0, 1]), sv, "amax").sum() + ag.frexp(xv).mantissa.sum()
                + ag.select_scatter(xv, sv[0], 0, 1).sum() + ag.put(xv, np.array([0, 2]), sv[:2]).sum()
                + ((xv > 0) & (sv > 0)).sum() * xv.sum())
        loss.backward()
        return loss

    compiled = ag.compile(step)
    for seed in range(4):
        x, s = np.random.default_rng(seed).normal(size=(2, 3))
        out, grad = compiled(x, s).data, np.array(w.grad)
        np.testing.assert_allclose(out, step(x, s).data, rtol=1e-6)
        np.testing.assert_allclose(grad, w.grad, rtol=1e-6)
    assert compiled.stats["replayed"] == 2


def test_storage_facts_follow_the_array():
    x = ag.zeros(3, 4)
    view = x[1:, 1:]
    assert view.storage_offset() == 5 and view.stride() == (4, 1) and x.t().stride() == (1, 4)
    assert x.data_ptr() + 5 * 4 == view.data_ptr()
    assert (x.element_size(), x.itemsize, x.nbytes) == (4, 4, 48)
    y, z = ag.tensor(1.0), ag.tensor(1.0)
    assert y.data_ptr() == y.detach().data_ptr() != z.data_ptr()


def test_torch_activation_functions_at_top_level(torch):
    x = np.array([-2.0, -0.5, 0.5, 3.0])
    for name, args in [("selu", ()), ("celu", (0.7,)), ("threshold", (0.0, -1.0)), ("rrelu", (0.1, 0.3))]:
        ours, theirs = getattr(ag, name)(ag.tensor(x), *args), getattr(torch, name)(torch.tensor(x), *args)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, err_msg=name)
        v, tv = ag.tensor(x), torch.tensor(x)
        assert getattr(ag, name + "_")(v, *args) is v
        getattr(torch, name + "_")(tv, *args)
        np.testing.assert_allclose(v.data, tv.numpy(), rtol=1e-12, err_msg=name + "_")
