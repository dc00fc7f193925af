"""More elementwise functions (ops/arith.py), reductions and statistics (ops/stats.py) and type promotion
(ops/promotion.py): values and gradients against PyTorch in float64, gradcheck regardless, ties and NaN the way
PyTorch handles them, and PyTorch's errors. The harness is test_tensor_ops2_arrange's."""

from __future__ import annotations

import numpy as np
import pytest

from test_tensor_ops2_arrange import A, check_against_torch, check_error_against_torch, check_gradcheck

import autograd_core as ag
from autograd_core import Value


def _torch():
    return pytest.importorskip("torch")


def apart(*shape, label="apart"):
    """Normal numbers at least 0.1 away from a multiple of 0.7 (fmod's and remainder's jumps, with divisor 0.7)."""
    x = A(*shape, label=label) * 2
    r = np.mod(x, 0.7)
    return np.where(r < 0.1, x + 0.15, np.where(r > 0.6, x - 0.15, x))


NAN = np.array([[1.0, np.nan, -2.0, 0.5], [np.nan, np.nan, np.nan, np.nan], [3.0, 0.25, np.nan, -1.0]])

CASES = [
    ("fmax", lambda m, x, y: m.fmax(x, y), [A(2, 3), A(3, label="y")]),
    ("fmin", lambda m, x, y: x.fmin(y), [A(2, 3), A(2, 1, label="y")]),
    ("fmax-nan", lambda m, x, y: m.fmax(x, y * m.tensor([[1.0, float("nan"), 1.0]], dtype=m.float64)),
     [A(2, 3), A(2, 3, label="y")]),
    ("fmin-nan-first", lambda m, x, y: m.fmin(x * m.tensor([float("nan"), 1.0, 1.0], dtype=m.float64), y),
     [A(2, 3), A(2, 3, label="y")]),
    ("maximum-method", lambda m, x, y: x.maximum(y) + x.minimum(y) * 2, [A(2, 3), A(3, label="y")]),
    ("fmod", lambda m, x, y: m.fmod(x, 0.7) + m.fmod(x, y * 0 + 0.7), [apart(2, 3), A(3)]),
    ("fmod-tensor", lambda m, x, y: x.fmod(y), [np.array([2.5, -2.5, 3.3, -0.3]), np.array([0.7, 0.7, -1.0, 1.1])]),
    ("fmod-exact", lambda m, x: m.fmod(x, 0.1), [np.array([0.5, 1.0, -0.3])]),
    ("remainder", lambda m, x: m.remainder(x, 0.7), [apart(2, 3)]),
    ("remainder-tensor", lambda m, x, y: x.remainder(y),
     [np.array([2.5, -2.5, 3.3, -0.3]), np.array([0.7, 0.7, -1.0, 1.1])]),
    ("floor_divide", lambda m, x: m.floor_divide(x.detach(), 0.1), [np.array([1.0, -1.0, 0.35, 7.0])]),
    ("div-floor", lambda m, x, y: m.div(x, y, rounding_mode="floor"), [apart(2, 3), A(3, label="y")]),
    ("div-floor-exact", lambda m, x: m.divide(x, 0.1, rounding_mode="floor"), [np.array([1.0, -1.0, 0.35])]),
    ("div-trunc", lambda m, x, y: x.div(y, rounding_mode="trunc"), [apart(2, 3), A(3, label="y")]),
    ("true_divide", lambda m, x, y: m.true_divide(x, y) + x.divide(y), [A(2, 3), A(3, label="y") + 3]),
    ("copysign", lambda m, x, y: m.copysign(x, y), [A(2, 3), A(2, 3, label="y")]),
    ("copysign-zero", lambda m, x: x.copysign(m.tensor([0.0, -0.0, 1.0], dtype=m.float64)), [A(3)]),
    ("copysign-input-zero", lambda m, x: m.copysign(x, -1.0) * 2 + m.copysign(x, 2.0), [np.array([0.0, 1.5, -0.0])]),
    ("float_power", lambda m, x, y: m.float_power(x.abs() + 0.5, y), [A(2, 3), A(3, label="y")]),
    ("float_power-int", lambda m: m.float_power(m.tensor([1, 2, 3]), 2), []),
    ("deg2rad", lambda m, x: m.deg2rad(x) + x.rad2deg(), [A(2, 3)]),
    ("deg2rad-int", lambda m: m.deg2rad(m.tensor([0, 90, 180])), []),
    ("nan_to_num", lambda m, x: m.nan_to_num(x * m.tensor([1.0, float("nan"), float("inf"), -float("inf")],
                                                          dtype=m.float64)), [A(2, 4)]),
    ("nan_to_num-values", lambda m, x: x.nan_to_num(1.5, posinf=2.0, neginf=-3.0) if m is ag else
     m.nan_to_num(x, 1.5, posinf=2.0, neginf=-3.0), [np.array([np.nan, np.inf, -np.inf, 0.25])]),
    ("nan_to_num-finite", lambda m, x: m.nan_to_num(x, posinf=1.0), [A(2, 3)]),
    ("clamp_min", lambda m, x: m.clamp_min(x, 0.3) + x.clamp_max(-0.2), [A(2, 3)]),
    ("positive-negative", lambda m, x: m.positive(x) * 2 + m.negative(x) * x, [A(3)]),
    ("multiply-subtract", lambda m, x, y: x.multiply(y) + m.subtract(x, y, alpha=2) + x.subtract(y),
     [A(3), A(3, label="y")]),
    ("absolute-fix", lambda m, x: m.absolute(x) + m.fix(x * 3) + x.fix(), [A(2, 3) + 0.05]),
    ("comparisons", lambda m, x, y: (m.greater(x, y), m.greater_equal(x, y), m.less(x, y), x.less_equal(y),
                                     m.not_equal(x, y)), [A(3), A(3, label="y")]),
    ("logical", lambda m, x, y: (m.logical_and(x > 0, y), x.logical_or(y > 0), m.logical_xor(x > 0, y > 0),
                                 m.logical_not(x > 0)), [A(4), A(4, label="y")]),
    ("signbit", lambda m, x: (m.signbit(x), m.isposinf(x / 0), x.isneginf()), [np.array([-1.0, 0.0, -0.0, 2.0])]),
    ("heaviside", lambda m, x: m.heaviside(x.detach(), m.tensor([0.5], dtype=m.float64)), [np.array([-1.0, 0.0, 2.0])]),
    ("nansum", lambda m, x: (m.nansum(x), m.nansum(x, 1), x.nansum(dim=0, keepdim=True)), [NAN]),
    ("nanmean", lambda m, x: (m.nanmean(x[::2]), x[::2].nanmean(1), m.nanmean(x, 0)), [NAN]),
    ("logcumsumexp", lambda m, x: m.logcumsumexp(x, 1) + x.logcumsumexp(dim=-1), [A(2, 5)]),
    ("logcumsumexp-dim0", lambda m, x: m.logcumsumexp(x, 0), [A(4, 2)]),
    ("logcumsumexp-large", lambda m, x: m.logcumsumexp(x * 1000, 0), [A(5)]),
    ("kthvalue", lambda m, x: m.kthvalue(x, 2), [A(3, 4)]),
    ("kthvalue-dim", lambda m, x: x.kthvalue(3, 0, keepdim=True), [A(3, 4)]),
    ("mode", lambda m, x: m.mode(x * 0 + m.tensor([[1.0, 2.0, 2.0, 1.0, 3.0], [0.0, 0.0, 1.0, 1.0, 1.0]],
                                                     dtype=m.float64) + x * 1e-20), [A(2, 5)]),
    ("mode-dim", lambda m, x: (x.round() * 0 + m.tensor([[3.0, 1.0], [1.0, 2.0], [3.0, 2.0]],
                                                        dtype=m.float64)).mode(0, True), [A(3, 2)]),
    ("quantile", lambda m, x: m.quantile(x, 0.3), [A(3, 4)]),
    ("quantile-dim", lambda m, x: m.quantile(x, m.tensor([0.25, 0.5, 1.0], dtype=m.float64), dim=1, keepdim=True),
     [A(3, 4)]),
    ("quantile-lower", lambda m, x: x.quantile(0.4, 0, interpolation="lower"), [A(4, 3)]),
    ("quantile-higher", lambda m, x: x.quantile(0.4, 0, interpolation="higher"), [A(4, 3)]),
    ("quantile-midpoint", lambda m, x: x.quantile(0.4, 0, interpolation="midpoint"), [A(4, 3)]),
    ("quantile-nearest", lambda m, x: m.quantile(x, m.tensor([0.1, 0.5, 0.9], dtype=m.float64),
                                                 interpolation="nearest"), [A(7)]),
    ("quantile-nan", lambda m, x: m.quantile(x, 0.5, dim=1), [NAN]),
    ("nanquantile", lambda m, x: m.nanquantile(x, m.tensor([0.3, 0.8], dtype=m.float64), dim=1), [NAN]),
    ("nanquantile-all", lambda m, x: x.nanquantile(0.6), [NAN]),
    ("nanmedian", lambda m, x: m.nanmedian(x), [NAN]),
    ("nanmedian-dim", lambda m, x: m.nanmedian(x[::2], 1, keepdim=True), [NAN]),
    ("nanmedian-0d", lambda m, x: m.nanmedian(x.sum(), 0), [A(3)]),
    ("mode-0d", lambda m, x: m.mode(x.sum(), -1, keepdim=True), [A(3)]),
    ("aminmax", lambda m, x: m.aminmax(x), [A(3, 4)]),
    ("aminmax-dim", lambda m, x: x.aminmax(dim=1, keepdim=True), [A(3, 4)]),
    ("cov", lambda m, x: m.cov(x), [A(3, 5)]),
    ("cov-weights", lambda m, x, w: m.cov(x, correction=0, fweights=m.tensor([1, 2, 1, 3, 1]), aweights=w.abs()),
     [A(2, 5), A(5, label="w")]),
    ("cov-aweights", lambda m, x, w: x.cov(aweights=w * w + 0.1), [A(2, 5), A(5, label="w")]),
    ("cov-1d", lambda m, x: m.cov(x), [A(5)]),
    ("corrcoef", lambda m, x: m.corrcoef(x), [A(3, 5)]),
    ("trapezoid", lambda m, y: m.trapezoid(y) + m.trapz(y, dx=0.5), [A(3, 5)]),
    ("trapezoid-x", lambda m, y, x: m.trapezoid(y, x, dim=0), [A(4, 2), A(4, label="x")]),
    ("trapezoid-x-full", lambda m, y, x: m.trapz(y, x), [A(2, 4), A(2, 4, label="x")]),
    ("cumulative_trapezoid", lambda m, y, x: m.cumulative_trapezoid(y, x, dim=1) + m.cumulative_trapezoid(y),
     [A(2, 4), A(4, label="x")]),
    ("renorm", lambda m, x: m.renorm(x, 2, 0, 2.0), [A(4, 3) * 1.5]),
    ("renorm-p1", lambda m, x: x.renorm(1, 1, 3.0), [A(2, 3, 2) * 1.5]),
]


@pytest.mark.parametrize("label, fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(label, fn, arrays):
    check_against_torch(label, fn, arrays)


# Finite differences cannot check every case: with NaN among the inputs they are NaN, and some cases sit at a jump
# by design or have no gradient at all; the comparison with PyTorch above checks those gradients.
GRADCHECK_CASES = [c for c in CASES if not ("nan" in c[0] and c[0] != "nan_to_num-finite")
                   and c[0] not in ("fmod-exact", "div-floor-exact", "floor_divide", "heaviside")]


@pytest.mark.parametrize("label, fn, arrays", GRADCHECK_CASES, ids=[c[0] for c in GRADCHECK_CASES])
def test_gradcheck(label, fn, arrays):
    check_gradcheck(fn, arrays)


COMPILED = {
    "fmod": lambda x, y: ag.fmod(x, 0.7) * y,
    "remainder": lambda x, y: ag.remainder(x, y + 3),
    "div-floor": lambda x, y: ag.div(x, 0.3, rounding_mode="floor") + x * y,
    "fmax": lambda x, y: ag.fmax(x, y),
    "nan_to_num": lambda x, y: ag.nan_to_num(x / (y > 0).double(), posinf=1e3, neginf=-1e3),
    "copysign": lambda x, y: ag.copysign(x, y),
    "quantile": lambda x, y: ag.quantile(x, 0.3, dim=1),
    "kthvalue": lambda x, y: ag.kthvalue(x, 2).values,
    "logcumsumexp": lambda x, y: ag.logcumsumexp(x, 1),
    "renorm": lambda x, y: ag.renorm(x, 2, 0, 1.5),
    "cdist": lambda x, y: ag.cdist(x, y),
}


@pytest.mark.parametrize("name", sorted(COMPILED))
def test_compiled_steps_give_the_eager_numbers(name):
    """Masks and exact values that the compositions read from the data (fmod's exact remainder, nan_to_num's
    replacements, where the rows coincide in cdist) are recomputed from each call's inputs by a compiled step."""
    fn = COMPILED[name]

    def step(a, b):
        x, y = Value(a), Value(b, requires_grad=False)
        out = fn(x, y)
        (out * out).sum().backward()
        return out.data, x.grad

    compiled = ag.compile(step)
    rng = np.random.default_rng(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(4):
            a, b = rng.standard_normal((3, 3)) * 2, rng.standard_normal((3, 3))
            b[k % 3] = a[0]  # cdist: coinciding rows, a different pair at each call
            (out_c, grad_c), (out_e, grad_e) = compiled(a, b), step(a, b)
            np.testing.assert_array_equal(out_c, out_e)
            np.testing.assert_array_equal(grad_c, grad_e)
    assert compiled.stats["replayed"] == 2, compiled.stats


def test_ties_go_where_pytorch_sends_them():
    """maximum/minimum split a tie's gradient in halves; fmax/fmin give it all to the first input."""
    x, y = np.array([1.0, 2.0, 2.0]), np.array([2.0, 2.0, 1.0])
    for name in ("maximum", "minimum", "fmax", "fmin"):
        check_against_torch(f"{name}-ties", lambda m, a, b, name=name: getattr(m, name)(a, b), [x, y])
    a, b = Value(x), Value(y)
    ag.fmax(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 1.0, 1.0])


def test_integer_and_boolean_results_have_pytorch_dtypes():
    torch = _torch()
    i, j = [7, -7, 5], [2, 2, -3]
    for name in ("fmod", "remainder", "floor_divide"):
        ours, theirs = getattr(ag, name)(ag.tensor(i), ag.tensor(j)), getattr(torch, name)(torch.tensor(i),
                                                                                           torch.tensor(j))
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    for mode in ("trunc", "floor"):
        np.testing.assert_array_equal(ag.div(ag.tensor(i), ag.tensor(j), rounding_mode=mode).data,
                                      torch.div(torch.tensor(i), torch.tensor(j), rounding_mode=mode).numpy())
    assert ag.div(ag.tensor(i), ag.tensor(j)).dtype == np.float32
    assert ag.fmax(ag.tensor(i), ag.tensor(j)).dtype == np.int64
    assert ag.nansum(ag.tensor(i)).dtype == np.int64


def test_searchsorted_bucketize_histc_match_torch():
    torch = _torch()
    seq, values = [1.0, 3.0, 5.0, 7.0], [[3.0, 6.0, 9.0], [0.0, 1.0, 7.0]]
    for kwargs in ({}, {"right": True}, {"side": "right"}, {"out_int32": True}):
        ours = ag.searchsorted(ag.tensor(seq), ag.tensor(values), **kwargs)
        theirs = torch.searchsorted(torch.tensor(seq), torch.tensor(values), **kwargs)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    rows = [[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]
    np.testing.assert_array_equal(ag.searchsorted(ag.tensor(rows), ag.tensor([[4.0], [4.0]])).data,
                                  torch.searchsorted(torch.tensor(rows), torch.tensor([[4.0], [4.0]])).numpy())
    order = [2, 0, 1]
    np.testing.assert_array_equal(
        ag.searchsorted(ag.tensor([5.0, 1.0, 3.0]), ag.tensor([2.0]), sorter=ag.tensor(order)).data,
        torch.searchsorted(torch.tensor([5.0, 1.0, 3.0]), torch.tensor([2.0]), sorter=torch.tensor(order)).numpy())
    for right in (False, True):
        np.testing.assert_array_equal(ag.bucketize(ag.tensor([3, 6, 9]), ag.tensor([1, 3, 5, 7]), right=right).data,
                                      torch.bucketize(torch.tensor([3, 6, 9]), torch.tensor([1, 3, 5, 7]),
                                                      right=right).numpy())
    data = [1.0, 2.0, 1.0, 2.5, -4.0]
    for kwargs in ({"bins": 4, "min": 0, "max": 3}, {"bins": 4}, {"bins": 3, "min": 1, "max": 1}):
        ours, theirs = ag.histc(ag.tensor(data), **kwargs), torch.histc(torch.tensor(data), **kwargs)
        assert ours.dtype == np.float32
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_predicates_and_promotion_match_torch():
    torch = _torch()
    x = ag.tensor([1.0, 2.0])
    assert ag.allclose(x, x + 1e-9) is True and x.allclose(x) and ag.equal(x, x) and not x.equal(x[:1])
    assert ag.is_floating_point(x) and not ag.is_floating_point(ag.tensor([1])) and not ag.is_complex(x)
    assert ag.is_nonzero(ag.tensor([2.0])) is True and x[:1].is_same_size(x[1:])
    names = ["float32", "float64", "int64", "int32", "int8", "uint8", "bool", "float16"]
    for a in names:
        for b in names:
            ta, tb = getattr(torch, a), getattr(torch, b)
            ours = ag.promote_types(np.dtype(a if a != "bool" else np.bool_), np.dtype(b if b != "bool" else np.bool_))
            assert str(ours).replace("bool_", "bool") == str(torch.promote_types(ta, tb)).replace("torch.", "")
            assert ag.can_cast(np.dtype(a if a != "bool" else np.bool_), np.dtype(b if b != "bool" else np.bool_)) \
                == torch.can_cast(ta, tb), (a, b)
    pairs = [(ag.tensor([1]), 1.0), (ag.tensor([1.0]), ag.tensor(1.0, dtype=ag.float64)), (ag.tensor([1]), True),
             (ag.tensor(1, dtype=ag.uint8), ag.tensor([1], dtype=ag.int8)), (2, 3.5), (ag.tensor(1), ag.tensor([1.0]))]
    for a, b in pairs:
        ta, tb = (torch.as_tensor(v.numpy()) if isinstance(v, Value) else v for v in (a, b))
        assert str(ag.result_type(a, b)) == str(torch.result_type(ta, tb)).replace("torch.", ""), (a, b)
    f = ag.finfo(ag.float32)
    for name in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert float(getattr(f, name)) == pytest.approx(float(getattr(torch.finfo(torch.float32), name)))
    assert ag.finfo().bits == 32 and ag.iinfo(ag.int32).max == torch.iinfo(torch.int32).max
    assert ag.iinfo(ag.uint8).min == 0 and ag.iinfo(ag.int64).bits == 64


ERRORS = [
    ("div-mode", lambda m: m.div(m.zeros(2), 1.0, rounding_mode="round"), RuntimeError, "rounding_mode"),
    ("is_nonzero", lambda m: m.is_nonzero(m.zeros(2)), RuntimeError, "more than one value"),
    ("is_nonzero-empty", lambda m: m.is_nonzero(m.zeros(0)), RuntimeError, "no values"),
    ("nanmean-int", lambda m: m.nanmean(m.tensor([1, 2])), RuntimeError, "floating point"),
    ("kthvalue-k", lambda m: m.kthvalue(m.zeros(3), 4), RuntimeError, "out of range"),
    ("mode-empty-dim", lambda m: m.mode(m.zeros(0, 3), 0), IndexError, "Expected reduction dim 0"),
    ("nanmedian-empty-dim", lambda m: m.nanmedian(m.zeros(0, 3), 0), IndexError, "Expected reduction dim 0"),
    ("median-empty-dim", lambda m: m.median(m.zeros(2, 0), -1), IndexError, "Expected reduction dim 1"),
    ("kthvalue-empty-dim", lambda m: m.kthvalue(m.zeros(0, 3), 1, 0), IndexError, "Expected reduction dim 0"),
    ("quantile-q", lambda m: m.quantile(m.zeros(3), 1.5), RuntimeError, r"range \[0, 1\]"),
    ("quantile-int", lambda m: m.quantile(m.tensor([1, 2]), 0.5), RuntimeError, "float or double"),
    ("quantile-interpolation", lambda m: m.quantile(m.zeros(3), 0.5, interpolation="cubic"), RuntimeError,
     "interpolation"),
    ("searchsorted-side", lambda m: m.searchsorted(m.zeros(3), m.zeros(2), side="middle"), RuntimeError, "side"),
    ("searchsorted-shapes", lambda m: m.searchsorted(m.zeros(2, 3), m.zeros(3, 1)), RuntimeError, "boundaries"),
    ("bucketize-2d", lambda m: m.bucketize(m.zeros(2), m.zeros(2, 2)), RuntimeError, "1 dimension"),
    ("histc-bins", lambda m: m.histc(m.zeros(3), bins=0), RuntimeError, "bins"),
    ("histc-range", lambda m: m.histc(m.zeros(3), bins=2, min=2, max=1), RuntimeError, "max must be larger"),
    ("cov-3d", lambda m: m.cov(m.zeros(2, 2, 2)), RuntimeError, "two or fewer"),
    ("cov-fweights", lambda m: m.cov(m.zeros(2, 3), fweights=m.tensor([1.0, 2.0, 1.0])), RuntimeError, "integral"),
    ("renorm-p", lambda m: m.renorm(m.zeros(2, 2), 0, 0, 1.0), RuntimeError, "non-positive-norm"),
    ("renorm-1d", lambda m: m.renorm(m.zeros(2), 2, 0, 1.0), RuntimeError, "at least 2 dimensions"),
    ("finfo-int", lambda m: m.finfo(m.int32), TypeError, "floating point"),
    ("iinfo-float", lambda m: m.iinfo(m.float32), TypeError, "integer"),
]


@pytest.mark.parametrize("label, call, error, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(label, call, error, words):
    check_error_against_torch(call, error, words)
