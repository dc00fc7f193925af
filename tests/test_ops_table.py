"""The op table of the engine tests: test cases for every primitive, written once against a small backend
interface so that the same case runs on autograd_core, on HIPS autograd and on PyTorch.

A case is `fn(B, *inputs)` where B is a backend of test_ops_backends.py (ours, HIPS, PyTorch) and the inputs
are float64 arrays from the case's domain (log and sqrt get positive numbers, relu/abs/clip/max inputs
stay away from their kinks and ties; the tie conventions have their own tests in test_ops_ties.py).

This file also holds the coverage test: a primitive of `autograd_core.ops.PRIMITIVES` without a case here
fails `test_every_primitive_has_a_case`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from test_ops_backends import OURS

import autograd_core as ag
from autograd_core.ops import PRIMITIVES

# ----------------------------------------------------------------------------------------------------
# Inputs: each domain keeps away from where a derivative is undefined.


def _rng(label):
    return np.random.default_rng(zlib.crc32(label.encode()))


def sample(rng, shape, domain="real"):
    """A float64 array (or 0-d array) of `shape` from `domain`."""
    if domain == "real":
        return rng.standard_normal(shape)
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "nonzero":                       # |x| >= 0.2: relu, abs, leaky_relu, divisors
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 1.5, shape)
    if domain == "clip":                          # at least 0.1 away from the clip bounds ±0.5
        return rng.choice([-1.0, 1.0], shape) * rng.choice([0.2, 0.3, 0.7, 1.0, 1.3], shape) + \
            rng.uniform(-0.05, 0.05, shape)
    if domain == "distinct":                      # no two elements within 0.25: max/min without ties
        size = int(np.prod(shape))
        return (rng.permutation(size) * 0.3 + rng.uniform(0, 0.05, size) - 0.15 * size).reshape(shape)
    if domain == "unit":                          # inside (-1, 1), away from its ends: asin, acos, atanh
        return rng.uniform(-0.8, 0.8, shape)
    if domain == "above1":                        # (1.2, 3), away from acosh's pole at 1
        return rng.uniform(1.2, 3.0, shape)
    if domain == "offgrid":                       # at least 0.1 from every integer and half-integer: rounding
        return rng.integers(-3, 3, shape) + rng.choice([0.15, 0.3, 0.65, 0.85], shape) + rng.uniform(-0.03, 0.03, shape)
    raise ValueError(domain)


def sample_apart(rng, x_shape, y_shape, gap=0.1):
    """Two normal arrays whose broadcast elements differ by at least `gap` (maximum/minimum off ties)."""
    while True:
        x, y = rng.standard_normal(x_shape), rng.standard_normal(y_shape)
        if np.all(np.abs(x - y) >= gap):
            return x, y


# ----------------------------------------------------------------------------------------------------
# Cases.


@dataclass(frozen=True)
class Case:
    """One checked use of a primitive: `fn(B, *inputs)` on float64 `inputs`.

    prim:  the name of the primitive in PRIMITIVES that the case exercises (its graph must contain it).
    twice: gradgradcheck applies (all our primitives are twice differentiable away from kinks).
    refs:  the reference engines the case can run on.
    float32: float32 inputs give a float32 result (False when the case has float64 array constants,
           which promote as in NumPy).
    """

    prim: str
    label: str
    fn: object
    inputs: tuple
    twice: bool = True
    refs: tuple = ("autograd", "torch")
    float32: bool = True

    def __repr__(self):
        return self.label


def shape_id(*shapes):
    return "x".join("(" + ",".join(str(n) for n in s) + ("," if len(s) == 1 else "") + ")" for s in shapes)


UNARY_SHAPES = [(), (4,), (2, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((3, 1), (1, 4)), ((2, 3), (3,)), ((), (2, 3))]
CASES: list[Case] = []


def case(prim, name, fn, *inputs, **options):
    CASES.append(Case(prim, name, fn, tuple(np.asarray(x, dtype=np.float64) for x in inputs), **options))


def unary(prim, name, fn, domain="real", shapes=UNARY_SHAPES, broadcast=True, **options):
    """Cases of fn on each shape, and (broadcast=True) on x + y for x (3, 1) and small offsets y (1, 4),
    so that the op's gradient also flows back through broadcasting."""
    for shape in shapes:
        label = f"{name}-{shape_id(shape)}"
        case(prim, label, fn, sample(_rng(label), shape, domain), **options)
    if broadcast:
        label = f"{name}-{shape_id((3, 1), (1, 4))}"
        rng = _rng(label)
        case(prim, label, lambda B, x, y: fn(B, x + y), sample(rng, (3, 1), domain), rng.uniform(-0.02, 0.02, (1, 4)),
             **options)


def binary(prim, name, fn, domains=("real", "real"), shapes=BINARY_SHAPES, apart=False, **options):
    for xs, ys in shapes:
        label = f"{name}-{shape_id(xs, ys)}"
        rng = _rng(label)
        if apart:
            x, y = sample_apart(rng, xs, ys)
        else:
            x, y = sample(rng, xs, domains[0]), sample(rng, ys, domains[1])
        case(prim, label, fn, x, y, **options)


# Elementwise.
binary("+", "add", lambda B, x, y: x + y)
binary("-", "sub", lambda B, x, y: x - y)
binary("*", "mul", lambda B, x, y: x * y)
binary("/", "div", lambda B, x, y: x / y, domains=("real", "nonzero"))
binary("**", "pow", lambda B, x, y: x ** y, domains=("positive", "real"))
unary("**", "pow_const", lambda B, x: x ** 2.5, "positive")
unary("**", "pow_int", lambda B, x: x ** 3)
unary("**", "rpow", lambda B, x: 2 ** x)
unary("neg", "neg", lambda B, x: -x)
unary("exp", "exp", lambda B, x: B.exp(x))
unary("log", "log", lambda B, x: B.log(x), "positive")
unary("sqrt", "sqrt", lambda B, x: B.sqrt(x), "positive")
unary("tanh", "tanh", lambda B, x: B.tanh(x))
unary("sigmoid", "sigmoid", lambda B, x: B.sigmoid(x))
unary("sigmoid", "sigmoid_large", lambda B, x: B.sigmoid(x * 20))
unary("sin", "sin", lambda B, x: B.sin(x))
unary("cos", "cos", lambda B, x: B.cos(x))
unary("relu", "relu", lambda B, x: B.relu(x), "nonzero")
unary("leaky_relu", "leaky_relu", lambda B, x: B.leaky_relu(x, 0.01), "nonzero")
unary("leaky_relu", "leaky_relu_slope0.2", lambda B, x: B.leaky_relu(x, 0.2), "nonzero")
# ReLU's rule as a node (a gradient made with create_graph): g where x > 0, its derivative in x zeros (PyTorch's
# ThresholdBackwardBackward0), so a second derivative of ReLU is zeros rather than missing
binary("threshold_backward", "threshold_backward", lambda B, g, x: B.threshold_backward(g, x), ("real", "nonzero"),
       shapes=[((), ()), ((4,), (4,)), ((2, 3), (2, 3))])
binary("leaky_relu_backward", "leaky_relu_backward", lambda B, g, x: B.leaky_relu_backward(g, x, 0.2),
       ("real", "nonzero"), shapes=[((), ()), ((4,), (4,)), ((2, 3), (2, 3))])
unary("abs", "abs", lambda B, x: B.abs(x), "nonzero")
# A result without gradient (comparisons, argmax: recorded as `nondifferentiable` only under a tracer; called directly
# here): d(x·sign x)/dx = sign x, from the product alone. Ours only: the references have no such operation.
unary("nondifferentiable", "nondifferentiable_sign", lambda B, x: x * ag.ops.nondifferentiable(x, fn=np.sign),
      "nonzero", refs=())
unary("nondifferentiable", "nondifferentiable_operand",
      lambda B, x: x * ag.ops.nondifferentiable(x, fn=np.greater, operand=0.0), "nonzero", refs=())
binary("nondifferentiable", "nondifferentiable_two_inputs",
       lambda B, x, y: (x - y) * ag.ops.nondifferentiable(x, y, fn=np.greater), apart=True, refs=())
unary("clip", "clip", lambda B, x: B.clip(x, -0.5, 0.5), "clip")
unary("clip", "clip_min", lambda B, x: B.clip(x, -0.5, None), "clip")
unary("clip", "clip_max", lambda B, x: B.clip(x, None, 0.5), "clip")
case("clip", "clip_array_bounds-(3,)-to-(2,3)", lambda B, x: B.clip(x, np.array([[0.0], [0.6]]), 0.8),
     np.array([0.1, 0.45, 0.9]), refs=("torch",), float32=False)  # HIPS's clip gradient does not un-broadcast
# Value bounds (PyTorch's tensor bounds, ops/clamp_bounds.py): the gradient flows to the bound where it is chosen.
# Bounds near ±0.5 (x at least 0.1 away), a bound of its own shape broadcast, a bound larger than x, min > max.
for label, shapes, sides in [("clamp_tensor-(2,3)-min(3,)-max(2,1)", [(2, 3), (3,), (2, 1)], "both"),
                             ("clamp_tensor-(4,)-min(4,)", [(4,), (4,)], "min"),
                             ("clamp_tensor-(2,3)-max()", [(2, 3), ()], "max"),
                             ("clamp_tensor-(3,)-min(2,3)", [(3,), (2, 3)], "min"),
                             ("clamp_tensor-(2,3)-crossed", [(2, 3), (3,), (3,)], "crossed")]:
    rng = _rng(label)
    x = sample(rng, shapes[0], "clip")
    near = [rng.uniform(-0.03, 0.03, s) for s in shapes[1:]]
    if sides == "both":
        case("clamp_tensor", label, lambda B, x, lo, hi: B.clip(x, lo, hi), x, near[0] - 0.5, near[1] + 0.5,
             refs=("torch",))
    elif sides == "crossed":  # min > max: the result is max, whose gradient is g (x's and min's are 0)
        case("clamp_tensor", label, lambda B, x, lo, hi: B.clip(x, lo, hi), x, near[0] + 0.5, near[1] - 0.5,
             refs=("torch",))
    else:
        fn = (lambda B, x, b: B.clip(x, b, None)) if sides == "min" else (lambda B, x, b: B.clip(x, None, b))
        case("clamp_tensor", label, fn, x, near[0] + (-0.5 if sides == "min" else 0.5), refs=("torch",))
label = "clamp_min_tensor-(2,3)-min(3,)"
case("clamp_tensor", label, lambda B, x, b: B.clamp_min(x, b), sample(_rng(label), (2, 3), "clip"),
     _rng(label).uniform(-0.53, -0.47, (3,)), refs=("torch",))
label = "clamp_max_tensor-(2,3)-max(2,1)"
case("clamp_tensor", label, lambda B, x, b: B.clamp_max(x, b), sample(_rng(label), (2, 3), "clip"),
     _rng(label).uniform(0.47, 0.53, (2, 1)), refs=("torch",))
binary("maximum", "maximum", lambda B, x, y: B.maximum(x, y), apart=True)
binary("minimum", "minimum", lambda B, x, y: B.minimum(x, y), apart=True)
unary("maximum", "maximum_zero", lambda B, x: B.maximum(x, 0.0), "nonzero")
for xs, ys in BINARY_SHAPES:
    out_shape = np.broadcast_shapes(xs, ys)
    label = f"where-{shape_id(xs, ys)}"
    rng = _rng(label)
    cond = rng.random(out_shape) > 0.5
    case("where", label, lambda B, x, y, cond=cond: B.where(cond, x, y), rng.standard_normal(xs),
         rng.standard_normal(ys))
unary("where", "where_const", lambda B, x: B.where(np.array([True, False, True, False]), x, 0.5), shapes=[(4,)],
      broadcast=False)

# Reductions: axis None / int / negative / tuple, keepdims, ddof.
REDUCTION_AXES = [((4,), None, False), ((4,), 0, True), ((2, 3), None, True), ((2, 3), 0, False),
                  ((2, 3), -1, True), ((2, 3, 2), (0, 2), False), ((2, 3, 2), (-1, 1), True), ((), None, False)]
for prim, domain in [("sum", "real"), ("mean", "real"), ("max", "distinct"), ("min", "distinct"),
                     ("logsumexp", "real")]:
    for shape, axis, keepdims in REDUCTION_AXES:
        label = f"{prim}-{shape_id(shape)}-axis{axis}{'-keepdims' if keepdims else ''}".replace(" ", "")
        case(prim, label, lambda B, x, prim=prim, axis=axis, keepdims=keepdims:
             getattr(B, prim)(x, axis=axis, keepdims=keepdims), sample(_rng(label), shape, domain))
for prim in ("var", "std"):
    for shape, axis, keepdims in REDUCTION_AXES[:-1]:
        for ddof in (0, 1):
            label = f"{prim}-{shape_id(shape)}-axis{axis}-ddof{ddof}{'-keepdims' if keepdims else ''}".replace(" ", "")
            case(prim, label, lambda B, x, prim=prim, axis=axis, ddof=ddof, keepdims=keepdims:
                 getattr(B, prim)(x, axis=axis, ddof=ddof, keepdims=keepdims), sample(_rng(label), shape))
for shape, axis, keepdims in REDUCTION_AXES:
    label = f"vector_norm2-{shape_id(shape)}-axis{axis}{'-keepdims' if keepdims else ''}".replace(" ", "")
    case("vector_norm2", label, lambda B, x, axis=axis, keepdims=keepdims:
         B.vector_norm(x, axis=axis, keepdims=keepdims), sample(_rng(label), shape))
# A constant row has std 0, whose gradient PyTorch takes as 0 there (HIPS's 1/(2·std) makes it nan): the hand-written
# LayerNorm of "The Annotated Transformer", (x − mean)/(std + eps), on a row of equal features.
case("std", "std-constant-row", lambda B, x: B.std(x, axis=-1, ddof=1, keepdims=True),
     np.array([[0.5, -1.0, 2.0], [1.5, 1.5, 1.5]]), refs=("torch",), twice=False)
for shape, axis, keepdims in REDUCTION_AXES:
    label = f"prod-{shape_id(shape)}-axis{axis}{'-keepdims' if keepdims else ''}".replace(" ", "")
    refs = ("autograd",) if isinstance(axis, tuple) else ("autograd", "torch")  # torch.prod: one dim
    case("prod", label, lambda B, x, axis=axis, keepdims=keepdims: B.prod(x, axis=axis, keepdims=keepdims),
         sample(_rng(label), shape), refs=refs)
for name, x, axis in [("one_zero", [[1.5, 0.0, -2.0], [0.5, 1.2, -0.8]], 1), ("two_zeros", [0.0, 1.3, 0.0, 0.7], None),
                      ("zero_columns", [[0.0, 0.9], [1.1, 0.0], [0.6, -1.4]], 0)]:
    # Zeros: the gradient is the product of the others (HIPS divides by x and gets nan there).
    case("prod", f"prod-{name}", lambda B, x, axis=axis: B.prod(x, axis=axis), np.array(x), refs=("torch",))
for prim in ("softmax", "log_softmax"):
    for shape, axis in [((4,), -1), ((2, 3), -1), ((2, 3), 0), ((2, 3, 2), 1)]:
        label = f"{prim}-{shape_id(shape)}-axis{axis}"
        case(prim, label, lambda B, x, prim=prim, axis=axis: getattr(B, prim)(x, axis=axis), sample(_rng(label), shape))

# Shapes.
for shape, new in [((2, 3), (3, 2)), ((6,), (2, -1)), ((2, 3), (6,)), ((), (1, 1)), ((2, 1, 3), (3, 2))]:
    label = f"reshape-{shape_id(shape)}-to-{shape_id(new)}"
    case("reshape", label, lambda B, x, new=new: B.reshape(x, new), sample(_rng(label), shape))
for shape, axes in [((2, 3), None), ((2, 3, 4), None), ((2, 3, 4), (1, 0, 2)), ((2, 3, 4), (-1, 0, 1))]:
    label = f"transpose-{shape_id(shape)}-{axes}".replace(" ", "")
    case("transpose", label, lambda B, x, axes=axes: B.transpose(x, axes), sample(_rng(label), shape))
for shape, a, b in [((2, 3), 0, 1), ((2, 3, 4), 0, -1)]:
    label = f"swapaxes-{shape_id(shape)}-{a},{b}"
    case("swapaxes", label, lambda B, x, a=a, b=b: B.swapaxes(x, a, b), sample(_rng(label), shape))
for shape, new in [((3,), (2, 3)), ((2, 1), (3, 2, 4)), ((), (2, 2)), ((1, 3), (1, 3))]:
    label = f"broadcast_to-{shape_id(shape)}-to-{shape_id(new)}"
    case("broadcast_to", label, lambda B, x, new=new: B.broadcast_to(x, new), sample(_rng(label), shape))
for shape, new in [((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 3), ()), ((4, 2, 3), (2, 1)), ((2, 3), (2, 3))]:
    label = f"sum_to-{shape_id(shape)}-to-{shape_id(new)}"
    case("sum_to", label, lambda B, x, new=new: B.sum_to(x, new), sample(_rng(label), shape))
for shape in [(), (2, 3)]:
    label = f"astype-float64-{shape_id(shape)}"
    case("astype", label, lambda B, x: B.astype(x, np.float64), sample(_rng(label), shape), float32=False)
for shape in [(), (2, 3)]:
    label = f"clone-{shape_id(shape)}"
    case("clone", label, lambda B, x: B.clone(x), sample(_rng(label), shape))

_MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])
GETITEM_INDICES = {
    "int": 1,
    "negative_int": (-1, 2),
    "slices": (slice(1, None), slice(None, None, 2)),
    "negative_step": (slice(None, None, -1), slice(3, 0, -2)),
    "none": (None, slice(None), 1),
    "ellipsis": (Ellipsis, 2),
    "int_array_repeats": np.array([0, 2, 0, 0]),
    "two_int_arrays": (np.array([0, 1, 1, 2]), np.array([3, 0, 3, 1])),
    "int_array_columns": (slice(None), np.array([[1, 1], [0, 3]])),
    "bool_mask": _MASK,
    "bool_rows": np.array([True, False, True]),
}
for name, index in GETITEM_INDICES.items():
    label = f"getitem-{name}"
    refs = ("autograd",) if name == "negative_step" else ("autograd", "torch")  # torch has no negative steps
    case("getitem", label, lambda B, x, index=index: B.getitem(x, index), sample(_rng(label), (3, 4)), refs=refs)
for name, index, g_shape, shape in [
    ("int_array_repeats", np.array([0, 2, 0]), (3,), (4,)),
    ("slice", (slice(None), slice(1, 3)), (2, 2), (2, 4)),
    ("bool_mask", _MASK, (int(_MASK.sum()),), (3, 4)),
    ("two_int_arrays", (np.array([1, 1, 0]), np.array([2, 2, 0])), (3,), (2, 3)),
]:
    label = f"scatter_add-{name}"
    case("scatter_add", label, lambda B, g, index=index, shape=shape: B.scatter_add(g, index, shape),
         sample(_rng(label), g_shape))
for shapes, axis in [(((2, 3), (1, 3)), 0), (((2, 3), (2, 2), (2, 1)), 1), (((2, 3), (2, 4)), -1), (((3,), (2,)), 0)]:
    label = f"concatenate-{shape_id(*shapes)}-axis{axis}"
    rng = _rng(label)
    case("concatenate", label, lambda B, *xs, axis=axis: B.concatenate(xs, axis=axis),
         *[sample(rng, s) for s in shapes])
for shapes, axis in [(((2, 3), (2, 3)), 0), (((2, 3),) * 3, 1), (((2, 3), (2, 3)), -1), (((), ()), 0)]:
    label = f"stack-{shape_id(*shapes)}-axis{axis}"
    rng = _rng(label)
    case("stack", label, lambda B, *xs, axis=axis: B.stack(xs, axis=axis), *[sample(rng, s) for s in shapes])

# Matrix products: 1-D, 2-D, batched and broadcast-batched.
for a, b in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4)),
             ((2, 1, 2, 3), (3, 3, 2)), ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4)), ((2, 2, 3), (3,))]:
    label = f"matmul-{shape_id(a, b)}"
    rng = _rng(label)
    case("matmul", label, lambda B, x, y: x @ y, sample(rng, a), sample(rng, b))
case("matmul", "matmul-function", lambda B, x, y: B.matmul(x, y),
     *[sample(_rng("matmul-function"), s) for s in [(2, 3), (3, 2)]])

# PyTorch's functions along a dimension. The compositions (gather, scatter, ..., trace) are filed under the primitive
# that carries their gradient, so that compile, forward mode and the dtype tests run through them too; cumsum,
# cumprod and sort (also behind topk) are primitives of their own.
_IDX = np.array([[0, 0], [1, 0], [3, 2]])
_ALONG = [
    ("getitem", "gather-(3,4)-dim1", lambda B, x: B.gather(x, 1, _IDX), [(3, 4)]),
    ("getitem", "gather-(3,4)-dim0-repeats", lambda B, x: B.gather(x, 0, np.array([[2, 0, 2, 1], [2, 2, 0, 1]])),
     [(3, 4)]),
    ("getitem", "gather-(2,3,2)-dim-1", lambda B, x: B.gather(x, -1, np.array([[[1], [0]], [[1], [1]]])), [(2, 3, 2)]),
    ("getitem", "index_select-(3,4)-dim1", lambda B, x: B.index_select(x, 1, np.array([3, 0, 3])), [(3, 4)]),
    ("getitem", "index_select-(3,4)-dim0", lambda B, x: B.index_select(x, 0, np.array([2, 2])), [(3, 4)]),
    ("getitem", "take-(3,4)", lambda B, x: B.take(x, np.array([[0, -1], [5, 5]])), [(3, 4)]),
    ("getitem", "masked_select-(3,4)-mask(4,)", lambda B, x: B.masked_select(x, np.array([True, False, True, True])),
     [(3, 4)]),
    ("getitem", "masked_select-(2,1)-mask(2,3)", lambda B, x: B.masked_select(x, _MASK[:2, :3]), [(2, 1)]),
    ("getitem", "narrow-(3,4)-dim1", lambda B, x: B.narrow(x, 1, 1, 2), [(3, 4)]),
    ("getitem", "narrow-(3,4)-dim0-negative_start", lambda B, x: B.narrow(x, 0, -2, 2), [(3, 4)]),
    ("getitem", "flip-(3,4)-dims0,1", lambda B, x: B.flip(x, (0, 1)), [(3, 4)]),
    ("getitem", "flip-(2,3,2)-dim-1", lambda B, x: B.flip(x, [-1]), [(2, 3, 2)]),
    ("getitem", "roll-(3,4)-dim1", lambda B, x: B.roll(x, 1, 1), [(3, 4)]),
    ("getitem", "roll-(3,4)-dims0,1", lambda B, x: B.roll(x, (1, -2), (0, 1)), [(3, 4)]),
    ("getitem", "roll-(2,3)-flat", lambda B, x: B.roll(x, 4), [(2, 3)]),
    ("diagonal", "diagonal-(3,4)-offset1", lambda B, x: B.diagonal(x, 1), [(3, 4)]),
    ("diagonal", "diagonal-(2,3,4)-offset-1-dims2,0", lambda B, x: B.diagonal(x, -1, 2, 0), [(2, 3, 4)]),
    ("diagonal", "diag-(3,4)-offset-1", lambda B, x: B.diag(x, -1), [(3, 4)]),
    ("scatter_add", "diag-(3,)-offset1", lambda B, x: B.diag(x, 1), [(3,)]),
    ("scatter_add", "diag-(2,)", lambda B, x: B.diag(x), [(2,)]),
    ("sum", "trace-(3,4)", lambda B, x: B.trace(x), [(3, 4)]),
    ("where", "tril-(3,4)", lambda B, x: B.tril(x), [(3, 4)]),
    ("where", "tril-(2,3,3)-diagonal-1", lambda B, x: B.tril(x, -1), [(2, 3, 3)]),
    ("where", "triu-(3,4)-diagonal1", lambda B, x: B.triu(x, 1), [(3, 4)]),
    ("scatter_add", "scatter_add-(3,4)-dim0-repeats",
     lambda B, x, s: B.scatter_add_along(x, 0, np.array([[0, 1, 2, 0], [0, 0, 2, 2]]), s), [(3, 4), (2, 4)]),
    ("scatter_add", "scatter_add-(3,4)-dim1", lambda B, x, s: B.scatter_add_along(x, 1, _IDX, s), [(3, 4), (3, 2)]),
]
for prim, label, fn, shapes in _ALONG:
    rng = _rng(label)
    case(prim, label, fn, *[sample(rng, s) for s in shapes])
# Tensor.unfold (a view, as diagonal): overlapping windows (their gradients add up) and windows apart. A method only
# (HIPS has none).
case("unfold", "unfold-(3,4)-dim1-size2-step1", lambda B, x: x.unfold(1, 2, 1), sample(_rng("unfold-1"), (3, 4)),
     refs=("torch",))
case("unfold", "unfold-(5,2)-dim0-size2-step2", lambda B, x: x.unfold(0, 2, 2), sample(_rng("unfold-2"), (5, 2)),
     refs=("torch",))
# torch.as_strided (ops/strided.py): overlapping windows read from the storage (their gradients add up), a view
# starting past the first element, and an expand() (stride 0) whose positions share their gradient. as_strided_scatter
# is a where() of the input and src; PyTorch 2.13 gives its input the wrong gradient (torch's own gradcheck fails),
# so its case has no reference.
case("as_strided", "as_strided-(6,)-windows(3,3)", lambda B, x: x.as_strided((3, 3), (1, 1)),
     sample(_rng("as_strided-1"), (6,)), refs=("torch",))
case("as_strided", "as_strided-(3,4)-offset", lambda B, x: x.as_strided((2, 2), (4, 2), 1),
     sample(_rng("as_strided-2"), (3, 4)), refs=("torch",))
case("as_strided", "as_strided-expand(4,)", lambda B, x: x.expand(3, 4).as_strided((2, 3), (1, 1)),
     sample(_rng("as_strided-3"), (4,)), refs=("torch",))
case("where", "as_strided_scatter-(3,3)-diagonal", lambda B, x, s: x.as_strided_scatter(s, (3,), (4,)),
     *[sample(_rng("as_strided_scatter"), s) for s in [(3, 3), (3,)]], refs=())
# Tensor.contiguous() of a Value that is not (a transpose): a copy in C order.
case("contiguous", "contiguous-(3,4)-transposed", lambda B, x: x.t().contiguous(), sample(_rng("contiguous"), (3, 4)),
     refs=("torch",))
# scatter: no repeated positions (where PyTorch leaves the order of the writes unspecified). No HIPS version; PyTorch
# differentiates only a src of index's shape (tests/test_tensor_ops_index.py compares the larger one's values).
case("where", "scatter-(3,4)-dim0", lambda B, x, s: B.scatter(x, 0, np.array([[0, 1, 2, 0], [2, 0, 1, 1]]), s),
     *[sample(_rng("scatter"), s) for s in [(3, 4), (2, 4)]], refs=("torch",))
case("where", "scatter-(3,4)-dim1-src(4,4)", lambda B, x, s: B.scatter(x, 1, _IDX[:, :1], s),
     *[sample(_rng("scatter-src"), s) for s in [(3, 4), (4, 4)]], refs=())
case("where", "scatter-(3,4)-value", lambda B, x: B.scatter(x, 1, _IDX, 0.5), sample(_rng("scatter-value"), (3, 4)),
     refs=("torch",))
# scatter_reduce (ops/scatters.py), each reduction with and without input's own elements, repeated positions and
# one untouched row. amax/amin on distinct numbers (their ties: tests/test_torch_surface_gaps.py), prod on nonzero ones
# and then with zeros (one alone in its group, two together, one in input), compared with PyTorch.
_SR_INDEX = np.array([[0, 1, 0, 0], [0, 0, 1, 1]])
for reduce, domain in [("sum", "real"), ("mean", "real"), ("prod", "nonzero"), ("amax", "distinct"),
                       ("amin", "distinct")]:
    for include_self in (True, False):
        label = f"scatter_reduce-{reduce}-(3,4)-dim0{'' if include_self else '-exclude_self'}"
        _both = sample(_rng(label), (5, 4), domain)
        case("scatter_reduce", label, lambda B, x, s, reduce=reduce, include_self=include_self: B.scatter_reduce(
            x, 0, _SR_INDEX, s, reduce, include_self=include_self), _both[:3], _both[3:], refs=("torch",))
label = "scatter_reduce-amax-(2,3)-dim1"
_both = sample(_rng(label), (2, 5), "distinct")
case("scatter_reduce", label, lambda B, x, s: B.scatter_reduce(x, 1, np.array([[2, 2], [0, 2]]), s, "amax"),
     _both[:, :3], _both[:, 3:], refs=("torch",))
for include_self in (True, False):  # PyTorch refuses the second derivative where two zeros meet: ours vs numbers there
    for name, src, refs in [("zeros", [0.0, 1.3, 0.0, 0.7, -1.1, 0.8], ("torch",)),
                            ("two_zeros", [0.0, 1.3, 0.0, 0.0, -1.1, 0.8], ())]:
        label = f"scatter_reduce-prod-{name}{'' if include_self else '-exclude_self'}"
        case("scatter_reduce", label, lambda B, x, s, include_self=include_self: B.scatter_reduce(
            x, 0, np.array([0, 0, 1, 1, 1, 2]), s, "prod", include_self=include_self),
             np.array([1.5, -0.7, 0.0, 0.9]), np.array(src), refs=refs, twice=False)

for shape, dim in [((4,), 0), ((2, 3), 1), ((2, 3), 0), ((2, 3, 2), -2), ((), 0)]:
    for prim, domain in [("cumsum", "real"), ("cumprod", "nonzero")]:
        label = f"{prim}-{shape_id(shape)}-dim{dim}"
        refs = ("torch",) if shape == () else ("autograd", "torch")  # np.cumsum has no axis 0 on 0-d arrays
        case(prim, label, lambda B, x, prim=prim, dim=dim: getattr(B, prim)(x, dim), sample(_rng(label), shape, domain),
             refs=refs)
for name, x, dim in [("one_zero", [[1.5, 0.0, -2.0], [0.5, 1.2, -0.8]], 1), ("two_zeros", [0.0, 1.3, 0.0, 0.7], 0),
                     ("zero_first", [[0.0, 0.9], [1.1, 0.0], [0.6, -1.4]], 0),
                     ("three_zeros_and_none", [[0.5, 0.0, 1.2, 0.0, -0.7, 0.0], [1.1, -0.9, 0.8, 1.3, 0.6, -1.2]], 1),
                     ("zeros_3d", [[[0.0, 1.5], [0.7, 0.0]], [[-1.1, 0.0], [0.0, 0.0]]], 1)]:
    # Zeros: the gradient is the product of the other factors (dividing by x would give nan).
    case("cumprod", f"cumprod-{name}", lambda B, x, dim=dim: B.cumprod(x, dim), np.array(x), refs=("torch",))
for shape, dim, descending in [((5,), -1, False), ((3, 4), 0, True), ((2, 3, 2), 1, False)]:
    label = f"sort-{shape_id(shape)}-dim{dim}{'-descending' if descending else ''}"
    case("sort", label, lambda B, x, dim=dim, descending=descending: B.sort(x, dim, descending),
         sample(_rng(label), shape, "distinct"))
for shape, k, dim, largest in [((5,), 2, -1, True), ((3, 4), 2, 0, False), ((3, 4), 3, -1, True)]:
    label = f"topk-{shape_id(shape)}-k{k}-dim{dim}{'' if largest else '-smallest'}"
    case("sort", label, lambda B, x, k=k, dim=dim, largest=largest: B.topk(x, k, dim, largest),
         sample(_rng(label), shape, "distinct"))

# median, cummax and cummin take entries picked by the numbers (one primitive, `pick`; HIPS has no cummax).
for shape, dim in [((5,), None), ((4,), 0), ((3, 4), 1), ((2, 3, 2), 0)]:
    label = f"median-{shape_id(shape)}-dim{dim}"
    case("pick", label, lambda B, x, dim=dim: B.median(x, dim), sample(_rng(label), shape, "distinct"))
for prim in ("cummax", "cummin"):
    for shape, dim in [((5,), 0), ((3, 4), 1), ((2, 3, 2), 0)]:
        label = f"{prim}-{shape_id(shape)}-dim{dim}"
        case("pick", label, lambda B, x, prim=prim, dim=dim: getattr(B, prim)(x, dim), sample(_rng(label), shape,
             "distinct"), refs=("torch",))

# Special functions (ops/special_functions.py): erf, erfinv, lgamma, polygamma (digamma is its order 0).
unary("erf", "erf", lambda B, x: B.erf(x))
unary("erfinv", "erfinv", lambda B, x: B.erfinv(x), "unit")
# PyTorch's trigamma (the derivative of its digamma) is off by ~5e-10 relative (π²/6 at 1 to 1e-9, ours to 1e-13): the
# gamma family is compared with HIPS autograd's, which are SciPy's.
unary("lgamma", "lgamma", lambda B, x: B.lgamma(x), "positive", refs=("autograd",))
unary("polygamma", "digamma", lambda B, x: B.digamma(x), "positive", refs=("autograd",))
unary("polygamma", "trigamma", lambda B, x: B.polygamma(1, x), "positive", shapes=[(4,)], broadcast=False,
      refs=("autograd",))
# --- special functions, stop 26 ---
# igamma/igammac are differentiable in x only (as PyTorch): a is a constant. x in (0.5, 2) takes the power series
# for a = 1.7, x + 3 the continued fraction, a = 0.3 with x in (0.1, 0.4) Q's own series.
unary("igamma", "igamma", lambda B, x: B.igamma(1.7, x), "positive")
unary("igamma", "igamma-fraction", lambda B, x: B.igamma(1.7, x + 3.0), "positive", shapes=[(4,)], broadcast=False)
unary("igammac", "igammac", lambda B, x: B.igammac(1.7, x), "positive")
unary("igammac", "igammac-fraction", lambda B, x: B.igammac(1.7, x + 3.0), "positive", shapes=[(4,)], broadcast=False)
unary("igammac", "igammac-small-a", lambda B, x: B.igammac(0.3, x * 0.2), "positive", shapes=[(4,)], broadcast=False)
case("igamma", "igamma-a(3,)-x(2,3)", lambda B, x: B.igamma(np.array([0.5, 2.0, 6.0]), x),
     sample(_rng("igamma-a(3,)-x(2,3)"), (2, 3), "positive") * 2.0, float32=False)
# Stop 26's special functions (ops/special_functions.py, ops/special_more.py), compared with PyTorch.
_T = {"refs": ("torch",)}
unary("erfc", "erfc", lambda B, x: B.erfc(x), **_T)
unary("erfc", "erfc-tail", lambda B, x: B.erfc(x * 2.0 + 3.0), "positive", shapes=[(4,)], broadcast=False, **_T)
unary("erfcx", "erfcx", lambda B, x: B.erfcx(x * 1.5), **_T)
unary("ndtr", "ndtr", lambda B, x: B.ndtr(x * 2.0), **_T)
unary("ndtri", "ndtri", lambda B, x: B.ndtri(x * 0.5 + 0.5), "unit", **_T)
unary("log_ndtr", "log_ndtr", lambda B, x: B.log_ndtr(x * 2.0), **_T)
unary("log_ndtr", "log_ndtr-tail", lambda B, x: B.log_ndtr(x * -10.0), "positive", shapes=[(4,)], broadcast=False, **_T)
binary("xlogy", "xlogy", lambda B, x, y: B.xlogy(x, y), domains=("real", "positive"), shapes=BINARY_SHAPES[1:4], **_T)
binary("xlog1py", "xlog1py", lambda B, x, y: B.xlog1py(x, y), domains=("real", "positive"), shapes=BINARY_SHAPES[1:4],
       **_T)
unary("entr", "entr", lambda B, x: B.entr(x), "positive", **_T)
unary("exp2", "exp2", lambda B, x: B.exp2(x), **_T)
for prim in ("i0", "i0e", "i1", "i1e"):
    unary(prim, prim, lambda B, x, prim=prim: getattr(B, prim)(x * 3.0), "nonzero", **_T)
unary("zeta", "zeta-q", lambda B, x: B.zeta(2.5, x), "positive", **_T)
unary("zeta", "zeta-q-large-x", lambda B, x: B.zeta(40.0, x * 10.0), "positive", shapes=[(4,)], broadcast=False, **_T)
unary("lgamma", "lgamma-negative", lambda B, x: B.lgamma(x), "offgrid", shapes=[(4,), (2, 3)], refs=("autograd",))
unary("polygamma", "digamma-negative", lambda B, x: B.digamma(x), "offgrid", shapes=[(4,), (2, 3)], refs=("autograd",))
unary("lgamma", "multigammaln", lambda B, x: B.multigammaln(x + 2.0, 3), "positive", shapes=[(4,)], broadcast=False,
      refs=("autograd",))  # PyTorch's trigamma again (test_special_functions.py compares values and gradients)
binary("logaddexp2", "logaddexp2", lambda B, x, y: B.logaddexp2(x, y), shapes=BINARY_SHAPES[1:4], apart=True, **_T)
unary("logit", "logit", lambda B, x: B.logit(x * 0.4), "positive", **_T)
unary("sinc", "sinc", lambda B, x: B.sinc(x), "nonzero", **_T)
# --- end of special functions, stop 26 ---

# More elementwise functions (ops/special.py): primitives, then compositions filed under the primitive they end in.
for prim, domain in [("log1p", "positive"), ("expm1", "real"), ("tan", "unit"), ("asin", "unit"), ("acos", "unit"),
                     ("atan", "real"), ("sinh", "real"), ("cosh", "real"), ("asinh", "real"), ("acosh", "above1"),
                     ("atanh", "unit")]:
    unary(prim, prim, lambda B, x, prim=prim: getattr(B, prim)(x), domain)
binary("atan2", "atan2", lambda B, y, x: B.atan2(y, x), domains=("nonzero", "nonzero"))
for prim in ("sign", "floor", "ceil", "trunc", "round"):  # zero gradients, as PyTorch's
    unary(prim, prim, lambda B, x, prim=prim: getattr(B, prim)(x) * x, "offgrid", shapes=[(4,), (2, 3)])
case("round", "round-decimals1", lambda B, x: B.round(x, decimals=1) * x, np.array([0.123, -1.26, 2.0 / 3]),
     refs=("torch",))  # HIPS's round has no gradient rule for decimals
unary("trunc", "frac", lambda B, x: B.frac(x), "offgrid", shapes=[(4,)])
unary("log", "log2", lambda B, x: B.log2(x), "positive", shapes=[(4,)])
unary("log", "log10", lambda B, x: B.log10(x), "positive", shapes=[(4,)])
unary("/", "reciprocal", lambda B, x: B.reciprocal(x), "nonzero", shapes=[(4,)])
unary("/", "rsqrt", lambda B, x: B.rsqrt(x), "positive", shapes=[(4,)])
binary("lerp", "lerp", lambda B, x, y: B.lerp(x, y, 0.3), shapes=BINARY_SHAPES[1:4:2])
_r3 = _rng("lerp-tensor-weight")
case("lerp", "lerp-tensor-weight", lambda B, x, y, w: B.lerp(x, y, w), *[sample(_r3, (2, 3)) for _ in range(3)])
_r3 = _rng("addcmul")
case("*", "addcmul", lambda B, x, a, b: B.addcmul(x, a, b, value=0.5),
     *[sample(_r3, s) for s in [(2, 3), (3,), (2, 1)]])
_r3 = _rng("addcdiv")
case("/", "addcdiv", lambda B, x, a, b: B.addcdiv(x, a, b, value=-2.0), sample(_r3, (2, 3)), sample(_r3, (3,)),
     sample(_r3, (2, 3), "nonzero"))
binary("logaddexp", "logaddexp", lambda B, x, y: B.logaddexp(x, y), shapes=BINARY_SHAPES[1:4], apart=True)
# PyTorch's second derivative is nan at a difference of 1000; HIPS's and ours are 0
case("logaddexp", "logaddexp-large", lambda B, x, y: B.logaddexp(x, y), np.array([1000.0, -1000.0]),
     np.array([999.0, 0.0]), refs=("autograd",))
binary("sqrt", "hypot", lambda B, x, y: B.hypot(x, y), domains=("nonzero", "nonzero"), shapes=BINARY_SHAPES[1:4])
_r3 = _rng("products")
case("*", "outer", lambda B, x, y: B.outer(x, y), sample(_r3, (3,)), sample(_r3, (4,)))
case("matmul", "dot", lambda B, x, y: B.dot(x, y), sample(_r3, (3,)), sample(_r3, (3,)))
case("matmul", "bmm", lambda B, x, y: B.bmm(x, y), sample(_r3, (2, 2, 3)), sample(_r3, (2, 3, 4)))
case("matmul", "addmm", lambda B, x, a, b: B.addmm(x, a, b, beta=0.5, alpha=2.0), sample(_r3, (4,)),
     sample(_r3, (2, 3)), sample(_r3, (3, 4)))
for prim in ("max", "min"):
    for shape, dim in [((2, 3), 1), ((2, 3, 2), (0, 2))]:
        label = f"a{prim}-{shape_id(shape)}-dim{dim}".replace(" ", "")
        case(prim, label, lambda B, x, prim=prim, dim=dim: getattr(B, "a" + prim)(x, dim),
             sample(_rng(label), shape, "distinct"))
# Pieces and copies (ops/pieces.py): the pieces are joined again in reverse order (one output per case).
_PIECES = [
    ("split-(5,3)-size2", lambda B, x: B.concatenate(B.split(x, 2)[::-1], axis=0), [(5, 3)]),
    ("split-(2,5)-sections-dim1", lambda B, x: B.concatenate(B.split(x, [1, 3, 1], 1)[::-1], axis=1), [(2, 5)]),
    ("chunk-(2,5)-3-dim-1", lambda B, x: B.concatenate(B.chunk(x, 3, -1)[::-1], axis=1), [(2, 5)]),
    ("unbind-(3,2)-dim1", lambda B, x: B.unbind(x, 1)[1] * B.unbind(x, 1)[0], [(3, 2)]),
    ("hstack-(3,)x(2,)", lambda B, x, y: B.hstack([x, y]), [(3,), (2,)]),
    ("hstack-(2,1)x(2,3)", lambda B, x, y: B.hstack([x, y]), [(2, 1), (2, 3)]),
    ("vstack-(3,)x(2,3)", lambda B, x, y: B.vstack([x, y]), [(3,), (2, 3)]),
    ("tile-(2,3)-(2,)", lambda B, x: B.tile(x, (2,)), [(2, 3)]),
    ("tile-(3,)-(2,1,2)", lambda B, x: B.tile(x, (2, 1, 2)), [(3,)]),
    ("repeat-(2,3)-(2,1,3)", lambda B, x: B.repeat(x, 2, 1, 3), [(2, 3)]),
    ("repeat-(3,)-(2,)", lambda B, x: B.repeat(x, 2), [(3,)]),
    ("repeat_interleave-(2,3)-2", lambda B, x: B.repeat_interleave(x, 2), [(2, 3)]),
    ("repeat_interleave-(2,3)-counts-dim1", lambda B, x: B.repeat_interleave(x, np.array([2, 0, 1]), 1), [(2, 3)]),
]
# HIPS's tile gradient is wrong for fewer reps than dimensions; its repeat has no gradient for one count per entry.
_TORCH_ONLY = {"tile-(2,3)-(2,)", "repeat_interleave-(2,3)-counts-dim1"}
for label, fn, shapes in _PIECES:
    rng = _rng(label)
    prim = {"hstack": "concatenate", "vstack": "concatenate", "tile": "reshape", "repeat": "reshape",
            "unbind": "getitem", "repeat_interleave": "getitem"}.get(label.split("-")[0], "concatenate")
    if label == "repeat_interleave-(2,3)-2":  # a number of repeats: PyTorch's copy of an expanded view (contiguous)
        prim = "contiguous"
    case(prim, label, fn, *[sample(rng, s) for s in shapes],
         refs=("torch",) if label in _TORCH_ONLY else ("autograd", "torch"))

# einsum: products, traces and diagonals (repeated labels), labels summed within one operand, ellipses, broadcast
# labels of size 1, an implicit output; tensordot is an einsum.
EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("ij->", [(2, 3)]),
           ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]), ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 4)]),
           ("i,i", [(3,)] * 2), ("i,j->ij", [(2,), (3,)]), ("ij,ij->i", [(2, 3), (1, 3)]), ("iij->ji", [(2, 2, 3)]),
           ("ba,ca", [(2, 3), (4, 3)]), ("i...->...", [(2, 3, 4)]), ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)])]
for equation, shapes in EINSUMS:
    label = f"einsum-{equation}"
    rng = _rng(label)
    # HIPS's einsum does not broadcast labels of size 1 nor ellipses of different lengths, nor differentiate diagonals.
    refs = ("torch",) if equation in ("...ij,...jk->...ik", "ij,ij->i", "ii->i", "ii", "iij->ji") else \
        ("autograd", "torch")
    case("einsum", label, lambda B, *xs, equation=equation: B.einsum(equation, *xs), *[sample(rng, s) for s in shapes],
         refs=refs)
for shapes, dims in [(((2, 3, 4), (3, 4, 2)), 2), (((2, 3), (3, 2)), ([0, 1], [1, 0])), (((2,), (3,)), 0)]:
    label = f"tensordot-{shape_id(*shapes)}-dims{dims}".replace(" ", "")
    rng = _rng(label)
    case("einsum", label, lambda B, x, y, dims=dims: B.tensordot(x, y, dims), *[sample(rng, s) for s in shapes])

# torch.linalg's primitives (ops/linalg.py). Matrices are 3·I plus noise, far from singular; cholesky's inputs are
# made symmetric positive-definite inside the case (x xᵀ), so that every engine sees the same function of x.
def _matrix(label, shape, sign=1.0):
    return sign * (sample(_rng(label), shape) + 3 * np.eye(shape[-1]))


def _spd(B, x):
    return x @ B.swapaxes(x, -1, -2)


for shape in [(3, 3), (2, 3, 3)]:
    label = f"cholesky-{shape_id(shape)}"
    case("cholesky", label, lambda B, x: B.cholesky(_spd(B, x)), _matrix(label, shape))
    label = f"inv-{shape_id(shape)}"
    case("inv", label, lambda B, x: B.inv(x), _matrix(label, shape))
    label = f"det-{shape_id(shape)}"
    case("det", label, lambda B, x: B.det(x), _matrix(label, shape))
label = "det-(1,1)"
case("det", label, lambda B, x: B.det(x), _matrix(label, (1, 1)))
for shape, sign in [((3, 3), 1.0), ((2, 3, 3), -1.0)]:  # -A (3x3): a negative determinant
    label = f"slogdet-{shape_id(shape)}{'-negative' if sign < 0 else ''}"
    case("slogdet", label, lambda B, x: B.slogdet(x), _matrix(label, shape, sign))
for a, b in [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1)), ((3, 3), (2, 3, 2)), ((2, 3, 3), (2, 3))]:
    label = f"solve-{shape_id(a, b)}"           # the last: a batch of vectors
    case("solve", label, lambda B, x, y: B.solve(x, y), _matrix(label, a), sample(_rng(label + "b"), b),
         refs=("autograd", "torch") if len(a) == len(b) else ("torch",))  # HIPS's solve: NumPy 1's rules
for a, b, upper in [((3, 3), (3, 2), False), ((3, 3), (3, 2), True), ((2, 3, 3), (3, 1), False)]:
    label = f"solve_triangular-{shape_id(a, b)}{'-upper' if upper else ''}"
    case("solve_triangular", label, lambda B, x, y, upper=upper: B.solve_triangular(x, y, upper),
         _matrix(label, a), sample(_rng(label + "b"), b), refs=("torch",) if len(a) == 3 else ("autograd", "torch"))
label = "solve_triangular-cholesky"         # the two together, as MultivariateNormal uses them
case("solve_triangular", label, lambda B, x, y: B.solve_triangular(B.cholesky(_spd(B, x)), y, False),
     _matrix(label, (3, 3)), sample(_rng(label + "b"), (3, 2)))



def _eigh_case(B, x):
    # Of a symmetric x + xᵀ (distinct eigenvalues): w and Σ_i V[i, j]⁴, which the eigenvectors' signs do not change.
    w, v = B.eigh(x + B.swapaxes(x, -1, -2))
    return w + B.sum(v * v * v * v, axis=-2)


for shape in [(3, 3), (2, 3, 3)]:
    label = f"eigh-{shape_id(shape)}"
    case("eigh", label, _eigh_case, sample(_rng(label), shape))


def _eig_case(B, x):
    # Of a real x (complex eigenvalues L and eigenvectors V): Re L², and Σ_i |V[i, j]|⁴, which the eigenvectors'
    # phases do not change (random matrices: distinct eigenvalues, in LAPACK's order in every engine).
    w, v = B.eig(x)
    return (w * w).real + (((v * v.conj()).real) ** 2).sum(-2)


for shape in [(3, 3), (2, 3, 3)]:
    label = f"eig-{shape_id(shape)}"
    case("eig", label, _eig_case, sample(_rng(label), shape), refs=("torch",))


# --- linalg decompositions, stop 26 ---
# Singular vectors are defined up to sign: the cases check S, Σ_i U[i, j]⁴, Σ_j Vh[i, j]⁴ and U Vh (the polar
# factor), which those signs do not change (random matrices: distinct singular values).
def _svd_case(B, x):
    u, s, vh = B.svd(x)
    return s + B.sum(u * u * u * u, axis=-2) + B.sum(vh * vh * vh * vh, axis=-1)


for shape in [(3, 3), (4, 3), (2, 3, 4)]:
    label = f"svd-{shape_id(shape)}"
    case("svd", label, _svd_case, sample(_rng(label), shape))
label = "svd-polar-(4,3)"
case("svd", label, lambda B, x: B.svd(x)[0] @ B.svd(x)[2], sample(_rng(label), (4, 3)))
for shape in [(3, 3), (4, 3), (2, 3, 4)]:
    label = f"pinv-{shape_id(shape)}"
    case("pinv", label, lambda B, x: B.pinv(x), sample(_rng(label), shape))
label = "pinv-hermitian-(2,3,3)"                  # of a symmetric x + xᵀ: a function of x alone in every engine
case("pinv", label, lambda B, x: B.pinv(x + B.swapaxes(x, -1, -2), hermitian=True), sample(_rng(label), (2, 3, 3)),
     refs=("torch",))


def _qr_case(B, x, mode="reduced"):
    # Q's and R's signs are LAPACK's in every engine (PyTorch's too): Q³ and R³ summed down their columns.
    q, r = B.qr(x, mode)
    return B.concatenate([B.sum(q * q * q, axis=-2), B.sum(r * r * r, axis=-2)], axis=-1)


for shape, mode in [((3, 3), "reduced"), ((4, 3), "reduced"), ((2, 3, 5), "reduced"), ((2, 3, 4), "complete")]:
    label = f"qr-{shape_id(shape)}-{mode}"
    case("qr", label, lambda B, x, mode=mode: _qr_case(B, x, mode), sample(_rng(label), shape), refs=("torch",))
for shape, scale in [((3, 3), 0.3), ((2, 3, 3), 1.0), ((2, 2), 4.0)]:     # Padé degrees 7, 13, and squarings
    label = f"matrix_exp-{shape_id(shape)}-scale{scale}"
    case("matrix_exp", label, lambda B, x: B.matrix_exp(x), scale * sample(_rng(label), shape), refs=("torch",))
for shape in [(3, 3), (3, 5), (5, 3), (2, 3, 3)]:      # random matrices: the pivots hold near the inputs
    label = f"lu_factor-{shape_id(shape)}"
    case("lu_factor", label, lambda B, x: B.lu_factor(x), sample(_rng(label), shape), refs=("torch",))
# --- end of linalg decompositions, stop 26 ---

# The sparse COO layout (ops/sparse.py): values (nnz,) at fixed indices, with a repeated position (uncoalesced), and
# a dense matrix; each case's output is dense. PyTorch only (HIPS has no sparse tensors).
_SPARSE_INDICES = np.array([[0, 1, 1, 0, 2], [2, 0, 2, 2, 1]])


def _coo(B, v, size=(3, 3)):
    return B.sparse_coo_tensor(_SPARSE_INDICES, v, size)


_r3 = _rng("sparse")
_SV, _SD = sample(_r3, (5,)), sample(_r3, (3, 4))
for prim, label, fn in [
    ("sparse_coo_tensor", "sparse-to_dense", lambda B, v, d: _coo(B, v).to_dense() * d[:, :3]),
    ("to_dense", "sparse-to_dense-squared", lambda B, v, d: _coo(B, v * v).to_dense() @ d),
    ("spmm", "sparse-spmm", lambda B, v, d: B.spmm(_coo(B, v), d)),
    ("spmm", "sparse-mm-at", lambda B, v, d: _coo(B, v) @ d),
    ("spmm", "sparse-sparse.mm", lambda B, v, d: B.sparse_mm(_coo(B, v), d)),
    ("spmm", "sparse-sparse.mm-vector", lambda B, v, d: B.sparse_mm(_coo(B, v), d[:, :1])),
    ("coalesce", "sparse-coalesce", lambda B, v, d: B.sparse_mm(_coo(B, v).coalesce(), d)),
    ("sparse_values", "sparse-values", lambda B, v, d: _coo(B, v).coalesce().values() * d[0, :4]),
    ("sparse_add", "sparse-add", lambda B, v, d: B.sparse_mm(_coo(B, v) + _coo(B, v * v), d)),
    ("sparse_scale", "sparse-scale-neg", lambda B, v, d: B.sparse_mm(-(_coo(B, v) * 2.5), d)),
    ("sparse_transpose", "sparse-t", lambda B, v, d: B.sparse_mm(_coo(B, v).t(), d)),
    ("sparse_sum", "sparse-sum", lambda B, v, d: B.sparse_sum(_coo(B, v * v)) * d[0, 0]),
    ("sparse_sum", "sparse-sum-dim1", lambda B, v, d: B.sparse_sum(_coo(B, v * v), 1).to_dense() * d[:, 0]),
    ("to_sparse", "sparse-to_sparse", lambda B, v, d: B.sparse_mm((d[:, :3] * v[:3]).to_sparse(), d)),
    ("add_sparse", "sparse-dense+sparse", lambda B, v, d: d[:, :3] * (d[:, 1:] + _coo(B, v))),
    ("slice_sum", "sparse-softmax", lambda B, v, d: B.sparse_softmax(_coo(B, v).coalesce(), 1).to_dense() * d[:, :3]),
    ("slice_sum", "sparse-log_softmax", lambda B, v, d: B.sparse_log_softmax(_coo(B, v), 0).to_dense() * d[:, :3]),
    ("sparse_sparse_matmul", "sparse-sparse-at-sparse", lambda B, v, d: B.sparse_mm(_coo(B, v) @ _coo(B, v).t(), d)),
    ("sparse_mul", "sparse-times-sparse", lambda B, v, d: B.sparse_mm(_coo(B, v) * _coo(B, v * v).t(), d)),
]:
    case(prim, label, fn, _SV, _SD, refs=("torch",))
# sparse.mm(sparse, sparse), whose gradient PyTorch fails (an internal assert) for a sparse output gradient; and
# zero_outside, which that gradient uses (0 off each input's pattern; on coalesced data, as the products are), called
# here directly.
case("sparse_sparse_matmul", "sparse-sparse.mm-sparse",
     lambda B, v, d: B.sparse_mm(B.sparse_mm(_coo(B, v), _coo(B, v * v)), d), _SV, _SD, refs=())
case("sparse_zero_outside", "sparse-zero_outside",
     lambda B, v, d: B.sparse_mm(B.sparse_zero_outside(_coo(B, v).coalesce(), np.array([[0, 1], [2, 0]])), d),
     _SV, _SD, refs=())
# A float64 conversion (float32=False), and sparse_mask, whose gradient PyTorch does not implement (refs=()).
case("sparse_astype", "sparse-to-dtype", lambda B, v, d: B.sparse_mm(B.sparse_to(_coo(B, v), np.float64),
     d.double()), _SV, _SD, refs=("torch",), float32=False)
case("sparse_values_at", "sparse-sparse_mask",
     lambda B, v, d: B.sparse_mm(d[:, 1:].sparse_mask(_coo(B, v)), d) + v[0], _SV, _SD, refs=())

# The compressed layouts (ops/sparse_compressed.py): a CSR matrix (4, 3) of values (5,) at fixed indices, and a
# dense (3, 4); each case's output dense. refs=(): PyTorch's CSR rules fail under create_graph (which the reference
# test's second derivatives need), so tests/test_sparse_csr.py checks these cases' values and gradients against
# PyTorch's; second derivatives against finite differences here.
_CROW, _COL = np.array([0, 1, 3, 3, 5]), np.array([1, 0, 2, 0, 1])


def _csr(B, v):
    return B.sparse_csr_tensor(_CROW, _COL, v, (4, 3))


for prim, label, fn in [
    ("compressed_tensor", "csr-to_dense", lambda B, v, d: _csr(B, v).to_dense() * d.t()),
    ("compressed_to_coo", "csr-at", lambda B, v, d: _csr(B, v) @ d),
    ("compressed_to_coo", "csr-sparse.mm", lambda B, v, d: B.sparse_mm(_csr(B, v), d)),
    ("to_compressed", "csr-to_sparse_csc", lambda B, v, d: _csr(B, v).to_sparse_csc().to_dense() * d.t()),
    ("to_compressed", "dense-to_sparse_csr", lambda B, v, d: (d[:, :3] * v[:3]).to_sparse_csr() @ d),
    ("compressed_values", "csr-values", lambda B, v, d: _csr(B, v * v).values() * v * d[0, 0]),
    ("compressed_transpose", "csr-t", lambda B, v, d: _csr(B, v).t().to_dense() * d),
    ("compressed_sum", "csr-sum", lambda B, v, d: _csr(B, v * v).sum() * d[0, 0]),
    ("compressed_clone", "csr-clone", lambda B, v, d: _csr(B, v).clone() @ d),
    ("sparse_scale", "csr-scale-neg", lambda B, v, d: -(_csr(B, v) * 2.5) @ d),
    ("sparse_add", "csr-add", lambda B, v, d: (_csr(B, v) + _csr(B, v * v)) @ d),
]:
    case(prim, label, fn, _SV, _SD, refs=())
case("sparse_astype", "csr-to-dtype", lambda B, v, d: B.sparse_to(_csr(B, v), np.float64) @ d.double(), _SV, _SD,
     refs=(), float32=False)
CSR_CASES = [c for c in CASES if c.label.startswith(("csr-", "dense-to_sparse_csr"))]
# Sparse tensors of complex values (ops/sparse.py's linear maps made complex-ready), read back as real pairs.


def _zcoo(B, v):
    return _coo(B, B.complex(v, v * v))


def _zcsr(B, v):
    return _csr(B, B.complex(v, v * v))


for prim, label, fn in [
    ("sparse_coo_tensor", "sparse-complex-coalesce-to_dense",
     lambda B, v, d: B.view_as_real(_coo(B, B.complex(v, v * v)).coalesce()
                                    .to_dense())),
    ("sparse_values", "sparse-complex-values", lambda B, v, d: B.view_as_real(_coo(B, B.complex(v, v * v)).coalesce()
                                                                               .values())),
    ("sparse_astype", "sparse-to-complex", lambda B, v, d: B.view_as_real(B.sparse_to(_coo(B, v), np.complex128)
                                                                          .to_dense()) * v[0]),
    ("sparse_values_at", "sparse-complex-sparse_mask",
     lambda B, v, d: B.view_as_real(B.complex(d[:, 1:], d[:, :3]).sparse_mask(_coo(B, v).coalesce()).to_dense())),
    ("compressed_tensor", "csr-complex-to_dense", lambda B, v, d: B.view_as_real(_csr(B, B.complex(v, v * v))
                                                                                 .to_dense())),
    ("compressed_values", "csr-complex-values", lambda B, v, d: B.view_as_real(_csr(B, B.complex(v, v * v))
                                                                               .values())),
    ("to_compressed", "csr-complex-to_sparse_csc",
     lambda B, v, d: B.view_as_real(_csr(B, B.complex(v, v * v)).to_sparse_csc().to_dense())),
    # products, sums, transposes and scaling of complex sparse tensors (tests/test_sparse_gaps.py: against PyTorch)
    ("spmm", "sparse-complex-at-dense", lambda B, v, d: B.view_as_real(_zcoo(B, v) @ B.complex(d, d * d))),
    ("sparse_sparse_matmul", "sparse-complex-at-sparse",
     lambda B, v, d: B.view_as_real((_zcoo(B, v) @ _zcoo(B, v * d[0, 0]).t()).to_dense())),
    ("sparse_zero_outside", "sparse-complex-zero_outside", lambda B, v, d: B.view_as_real(B.sparse_zero_outside(
        _zcoo(B, v).coalesce(), np.array([[0, 1], [2, 0]])).to_dense())),
    ("sparse_sum", "sparse-complex-sum", lambda B, v, d: B.view_as_real(B.sparse_sum(_zcoo(B, v), 1).to_dense())),
    ("sparse_scale", "sparse-complex-scale", lambda B, v, d: B.view_as_real((_zcoo(B, v) * (2 - 1j)).to_dense())),
    ("sparse_add", "sparse-complex-add", lambda B, v, d: B.view_as_real((_zcoo(B, v) + _zcoo(B, v * v)).to_dense())),
    ("sparse_mul", "sparse-complex-times-sparse",
     lambda B, v, d: B.view_as_real((_zcoo(B, v) * _zcoo(B, v * v).coalesce()).to_dense())),
    ("add_sparse", "sparse-complex-dense+sparse", lambda B, v, d: B.view_as_real(B.complex(d, d)[:, :3] + _zcoo(B, v))),
    ("to_sparse", "sparse-complex-to_sparse",
     lambda B, v, d: B.view_as_real((B.complex(d, d * d)[:, :3] * v[:3]).to_sparse().to_dense())),
    ("compressed_clone", "csr-complex-clone", lambda B, v, d: B.view_as_real(_zcsr(B, v).clone() @ B.complex(d, d))),
    ("compressed_transpose", "csr-complex-t", lambda B, v, d: B.view_as_real(_zcsr(B, v).t().to_dense())),
    ("compressed_sum", "csr-complex-sum", lambda B, v, d: B.view_as_real(_zcsr(B, v).sum() * d[0, 0])),
]:
    case(prim, label, fn, _SV, _SD, refs=(), float32=False)

# Complex Values (ops/complex.py, ops/fft.py): real inputs made complex and the result read back as real numbers, so
# that every check of the table (finite differences, PyTorch, forward mode, compile) applies unchanged.
_CPAIR = ("complex", "polar", "conj", "real", "imag", "angle")
for _shape in [(), (3,), (2, 3)]:
    _label = shape_id(_shape)
    _rng_c = _rng(f"complex-{_label}")
    _x, _y = sample(_rng_c, _shape, "nonzero"), sample(_rng_c, _shape, "nonzero")
    case("complex", f"complex-square-{_label}", lambda B, x, y: B.view_as_real(B.complex(x, y) * B.complex(x, y)),
         _x, _y, refs=("torch",))
    case("polar", f"polar-{_label}", lambda B, r, t: B.view_as_real(B.polar(r, t) * B.polar(r, t)),
         sample(_rng_c, _shape, "positive"), _y, refs=("torch",))
    case("conj", f"conj-{_label}", lambda B, x, y: B.view_as_real(B.conj(B.complex(x, y)) * B.complex(y, x)),
         _x, _y, refs=("torch",))
    case("real", f"real-imag-{_label}", lambda B, x, y: B.real(B.complex(x, y).exp()) * B.imag(B.complex(y, x) ** 2),
         _x, _y, refs=("torch",))
    case("imag", f"imag-{_label}", lambda B, x, y: B.imag(B.complex(x, y) * B.complex(y, x)), _x, _y, refs=("torch",))
    case("angle", f"angle-{_label}", lambda B, x, y: B.angle(B.complex(x, y)), _x, _y, refs=("torch",))
    case("abs", f"abs-complex-{_label}", lambda B, x, y: B.abs(B.complex(x, y)), _x, _y, refs=("torch",))
case("view_as_complex", "view_as_complex-(3,2)",
     lambda B, x, y: B.view_as_real(B.view_as_complex(x) * B.view_as_complex(y)),
     *(_rng("view_as_complex").standard_normal((2, 3, 2)) for _ in range(2)), refs=("torch",))
case("view_as_real", "view_as_real-(4,)", lambda B, x, y: B.view_as_real(B.complex(x, y)).sum(-1) * x,
     *(_rng("view_as_real").standard_normal(4) for _ in range(2)), refs=("torch",))
# The operations made ready for complex inputs at stop 52 (tests/test_complex_ops.py has more of each): the real and
# imaginary parts of z = x + iy as the inputs; each result read back as real pairs (var's is real already).
_rng_c = _rng("complex-ready")
_x, _y = sample(_rng_c, (2, 3), "nonzero"), sample(_rng_c, (2, 3), "nonzero")
for _prim, _fn in [
    ("sigmoid", lambda B, z: B.sigmoid(z)), ("log1p", lambda B, z: B.log1p(z)), ("expm1", lambda B, z: B.expm1(z)),
    ("tan", lambda B, z: B.tan(z)), ("asin", lambda B, z: B.asin(z)), ("acos", lambda B, z: B.acos(z)),
    ("atan", lambda B, z: B.atan(z)), ("sinh", lambda B, z: B.sinh(z)), ("cosh", lambda B, z: B.cosh(z)),
    ("asinh", lambda B, z: B.asinh(z)), ("acosh", lambda B, z: B.acosh(z)), ("atanh", lambda B, z: B.atanh(z)),
    ("exp2", lambda B, z: B.exp2(z)), ("sinc", lambda B, z: B.sinc(z)), ("lerp", lambda B, z: B.lerp(z, z * z, 0.3)),
    ("logaddexp", lambda B, z: B.logaddexp(z, z * z)), ("prod", lambda B, z: B.prod(z, axis=1)),
    ("var", lambda B, z: B.var(z, axis=1, ddof=1)), ("std", lambda B, z: B.std(z, axis=0, ddof=1)),
    ("logsumexp", lambda B, z: B.logsumexp(z, axis=0)),
    ("cumsum", lambda B, z: B.cumsum(z, 1)), ("cumprod", lambda B, z: B.cumprod(z, 1)),
    ("einsum", lambda B, z: B.einsum("ij,kj->ik", z, z)), ("diagonal", lambda B, z: B.diagonal(z, 1)),
]:
    case(_prim, f"{_prim}-complex", lambda B, x, y, fn=_fn: B.view_as_real(fn(B, B.complex(x, y)))
         if fn(B, B.complex(x, y)).is_complex() else fn(B, B.complex(x, y)), _x, _y, refs=("torch",))
# ... and those made ready at stop 51, holomorphic or linear, whose real rules hold unchanged
for _prim, _fn in [
    ("+", lambda B, z: z + z * z), ("-", lambda B, z: z - z * z), ("/", lambda B, z: z / (z * z + 1)),
    ("neg", lambda B, z: -z), ("log", lambda B, z: B.log(z)), ("sqrt", lambda B, z: B.sqrt(z)),
    ("sin", lambda B, z: B.sin(z)), ("cos", lambda B, z: B.cos(z)), ("tanh", lambda B, z: B.tanh(z)),
    ("sum", lambda B, z: B.sum(z, axis=1)), ("mean", lambda B, z: B.mean(z, axis=0)),
    ("matmul", lambda B, z: z @ B.transpose(z * z)),
    ("getitem", lambda B, z: B.getitem(z, (slice(None), np.array([2, 0, 2])))),
    ("reshape", lambda B, z: B.reshape(z, (3, 2))), ("transpose", lambda B, z: B.transpose(z)),
    ("swapaxes", lambda B, z: B.swapaxes(z, 0, 1)), ("broadcast_to", lambda B, z: B.broadcast_to(z[:1], (4, 3))),
    ("sum_to", lambda B, z: B.sum_to(z, (1, 3))), ("clone", lambda B, z: B.clone(z)),
    ("concatenate", lambda B, z: B.concatenate([z, z * z], axis=1)), ("stack", lambda B, z: B.stack([z, z * z])),
    ("where", lambda B, z: z.masked_fill(z.real > 0, 2.0)),
    ("scatter_add", lambda B, z: B.scatter_add(z, (np.array([[0, 1, 1], [2, 2, 0]]), np.array([[0, 1, 2], [0, 0, 1]])),
                                                (3, 3))),
    ("contiguous", lambda B, z: z.t().contiguous()), ("unfold", lambda B, z: z.unfold(1, 2, 1)),
    ("as_strided", lambda B, z: z.as_strided((2, 2), (1, 2))),
]:
    case(_prim, f"{_prim}-complex", lambda B, x, y, fn=_fn: B.view_as_real(fn(B, B.complex(x, y))), _x, _y,
         refs=("torch",))
# torch.linalg's primitives on complex matrices z = (x + 3I) + iy (tests/test_complex_linalg.py has more of each):
# results read back as real pairs; of the decompositions, what the phases of their vectors do not change.
_rng_l = _rng("complex-linalg")
_xl, _yl = sample(_rng_l, (3, 3)) + 3 * np.eye(3), sample(_rng_l, (3, 3))


def _hermitian_pd(B, z):
    return z @ B.swapaxes(z, -1, -2).conj()


def _phase_free(B, v, axis):  # Σ |v|⁴ along axis: the same for every choice of the vectors' phases
    return B.sum(((v * v.conj()).real) ** 2, axis=axis)


for _prim, _fn in [
    ("inv", lambda B, z: B.view_as_real(B.inv(z))), ("det", lambda B, z: B.view_as_real(B.det(z))),
    ("slogdet", lambda B, z: B.slogdet(z)), ("solve", lambda B, z: B.view_as_real(B.solve(z, z * z))),
    ("cholesky", lambda B, z: B.view_as_real(B.cholesky(_hermitian_pd(B, z)))),
    ("solve_triangular", lambda B, z: B.view_as_real(B.solve_triangular(B.cholesky(_hermitian_pd(B, z)), z, False))),
    ("eigh", lambda B, z: (lambda w, v: w + _phase_free(B, v, -2))(*B.eigh(z + B.swapaxes(z, -1, -2).conj()))),
    ("svd", lambda B, z: (lambda u, s, vh: s + _phase_free(B, u, -2) + _phase_free(B, vh, -1))(*B.svd(z))),
    ("svd", lambda B, z: (lambda u, s, vh: B.view_as_real(u @ vh))(*B.svd(z))),  # one svd: U's phases meet Vh's
    ("pinv", lambda B, z: B.view_as_real(B.pinv(z[:, :2] * 0.5))),
    ("qr", lambda B, z: B.view_as_real(B.concatenate([B.sum(q ** 3, axis=-2) for q in B.qr(z)], axis=-1))),
    ("matrix_exp", lambda B, z: B.view_as_real(B.matrix_exp(0.3 * z))),
    ("lu_factor", lambda B, z: B.view_as_real(B.lu_factor(z))),
]:
    case(_prim, f"{_prim}-complex-{len([c for c in CASES if c.prim == _prim])}",
         lambda B, x, y, fn=_fn: fn(B, B.complex(x, y)), _xl, _yl, refs=("torch",))
case("astype", "astype-real-to-complex", lambda B, x, y: B.view_as_real(B.astype(x, np.complex128) * B.complex(x, y)),
     _x, _y, refs=("torch",), float32=False)
case("nondifferentiable", "nondifferentiable-complex", lambda B, x, y: B.view_as_real(
     B.complex(x, y) * ag.ops.nondifferentiable(B.complex(x, y), fn=np.isfinite)), _x, _y, refs=())
# scatter_reduce of complex data: PyTorch computes it without a gradient, and so does torch.scatter_reduce here (it
# refuses one in PyTorch's words), but the primitive's rules hold for complex data: checked on the primitive itself.
for _reduce in ("sum", "mean", "prod"):
    case("scatter_reduce", f"scatter_reduce-{_reduce}-complex", lambda B, x, y, reduce=_reduce: B.view_as_real(
         ag.ops.scatters._scatter_reduce(B.complex(x, y), B.complex(y, x), dim=1, reduce=reduce, include_self=True,
                                         index=np.array([[0, 2, 0], [1, 1, 1]]))), _x, _y, refs=())
for _s, _dim, _norm in [(None, None, "backward"), ((5,), (1,), "ortho"), ((2, 6), (1, 0), "forward")]:
    _rng_f = _rng(f"fft-{_s}")
    _x, _y = _rng_f.standard_normal((3, 4)), _rng_f.standard_normal((3, 4))
    case("fftn", f"fftn-{_s}-{_norm}", lambda B, x, y, s=_s, dim=_dim, norm=_norm: B.view_as_real(
        B.fftn(B.complex(x, y), s=s, dim=dim, norm=norm)), _x, _y, refs=("torch",))
    case("fftn", f"ifftn-real-{_s}-{_norm}", lambda B, x, s=_s, dim=_dim, norm=_norm: B.view_as_real(
        B.ifftn(x, s=s, dim=dim, norm=norm)), _x, refs=("torch",))
    case("rfftn", f"rfftn-{_s}-{_norm}", lambda B, x, s=_s, dim=_dim, norm=_norm: B.view_as_real(
        B.rfftn(x, s=s, dim=dim, norm=norm)), _x, refs=("torch",))
    case("irfftn", f"irfftn-{_s}-{_norm}", lambda B, x, y, s=_s, dim=_dim, norm=_norm: B.irfftn(
        B.complex(x, y), s=s, dim=dim, norm=norm), _x, _y, refs=("torch",))

CASE_IDS = [c.label for c in CASES]
assert len(set(CASE_IDS)) == len(CASE_IDS), "case labels must be unique"


def core_primitives():
    """The primitives that the core's ops package registered (nn adds its own, tested with nn)."""
    return {name for name, p in PRIMITIVES.items() if p.module.startswith("autograd_core.ops.")}


def graph_ops(out):
    """The names of the primitives in the graph below `out`."""
    seen, stack, names = set(), [out], set()
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if v.primitive is not None:
            names.add(v.primitive.name)
        stack.extend(v.parents)
    return names


# ----------------------------------------------------------------------------------------------------


def test_every_primitive_has_a_case():
    uncovered = sorted(core_primitives() - {c.prim for c in CASES})
    assert not uncovered, f"primitives without a test case in tests/test_ops_table.py: {uncovered}"


def _is_complex(data):
    return np.dtype(getattr(data, "dtype", np.float64)).kind == "c"


def test_every_complex_ready_primitive_has_a_complex_case():
    """A primitive made ready for complex inputs (ops/complex.py) has a case in which it takes or makes complex
    data, so that finite differences, PyTorch, forward mode and compile check its rules on complex numbers."""
    covered = set()
    for c in CASES:
        seen, stack = set(), [c.fn(OURS, *[ag.Value(x) for x in c.inputs])]
        while stack:
            v = stack.pop()
            if id(v) in seen:
                continue
            seen.add(id(v))
            if v.primitive is not None and any(_is_complex(u.data) for u in (v, *v.parents)):
                covered.add(v.primitive.name)
            stack.extend(v.parents)
    ready = {name for name in core_primitives() if PRIMITIVES[name].complex_ready}
    uncovered = sorted(ready - covered)
    assert not uncovered, f"complex-ready primitives without a complex case in tests/test_ops_table.py: {uncovered}"


def test_cases_name_registered_primitives():
    unknown = sorted({c.prim for c in CASES} - set(PRIMITIVES))
    assert not unknown, f"cases for primitives that are not registered: {unknown}"


def test_each_case_records_its_primitive():
    wrong = []
    for c in CASES:
        out = c.fn(OURS, *[ag.Value(x) for x in c.inputs])
        if c.prim not in graph_ops(out):
            wrong.append((c.label, c.prim, sorted(graph_ops(out))))
    assert not wrong, f"cases whose graph lacks their primitive: {wrong}"
