"""Elementwise operations, each next to its derivative.

Conventions at kinks (the same as PyTorch): relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = negative_slope,
clip passes the gradient where min <= x <= max (bounds included), and maximum/minimum split it equally
between tied inputs (so maximum(x, x) passes g/2 along each edge, g in total).

Forward mode: an elementwise Jacobian is diagonal, so each VJP rule g ↦ g ⊙ ∂out/∂xᵢ is also the JVP rule
t ↦ t ⊙ ∂out/∂xᵢ (`defjvp_elementwise`); + − * write theirs out, neg is linear.
"""

from __future__ import annotations

import operator
import warnings

import numpy as np

from ..errors import ArgumentError, ShapeError, scalar_type_name
from ..backward_edges import pass_gradient
from .. import recycle
from ..scattered_gradient import Routing, ScatteredGradient
from ..value import Value
from .backward_nodes import backward_node, vjp_through
from .primitive import Primitive, primitive


def data_of(x):
    """The NumPy data of a Value or array: for masks and constants inside rules, which need no gradient."""
    return x.data if isinstance(x, Value) else x


def number_like(number, x):
    """`number` as a 0-d array of x's dtype when x is a float array: the same result in a ufunc with x as
    the Python number gives (it meets a float array in the array's dtype), without NumPy converting the
    number on every call (about 400 ns, as long as the whole operation on a small array). Other x (integer
    or bool arrays, where the two could differ): the number itself. Cached per (number, dtype), up to 4,096
    entries (a learning rate that a scheduler changes at every step brings a new number each time); not for
    float zeros, since -0.0 == 0.0 would find the other's entry and the sign matters (keyed by the number's
    class too, so that neither finds the integer 0's)."""
    dtype = getattr(x, "dtype", None)
    key = (number, number.__class__, dtype)
    constant = _NUMBERS_LIKE.get(key)
    if constant is None:
        if dtype is None or dtype.kind not in "fc":
            return number
        constant = np.array(number, dtype)
        constant.flags.writeable = False
        if number or isinstance(number, int):
            if len(_NUMBERS_LIKE) >= 4096:
                _NUMBERS_LIKE.clear()
            _NUMBERS_LIKE[key] = constant
    return constant


_NUMBERS_LIKE = {}


def _quiet(fn):
    """Run fn with NumPy's floating-point warnings off: masked-out elements may be inf or nan."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return fn()


# ----------------------------------------------------------------------------------------------------
# Arithmetic.


# Forward functions are the C implementations themselves (operator.add, np.exp, ...) rather than a Python
# function around them: one Python frame less on every operation of every graph.
add = Primitive("+", operator.add)             # x + y


add.defvjp(pass_gradient,                     # d(x+y)/dx = 1: g itself (backward_edges.pass_gradient)
           pass_gradient,                     # d(x+y)/dy = 1
           formulas=("g", "g"))
add.defjvp(lambda t, out, x, y: t, lambda t, out, x, y: t)     # d(x+y) = dx + dy
add.defelementwise()


sub = Primitive("-", operator.sub)             # x - y


sub.defvjp(pass_gradient,                     # d(x-y)/dx = 1
           lambda g, out, x, y: -g,           # d(x-y)/dy = -1
           formulas=("g", "−g"))
sub.defjvp(lambda t, out, x, y: t, lambda t, out, x, y: -t)    # d(x-y) = dx - dy
sub.defelementwise()


mul = Primitive("*", operator.mul)             # x * y


mul.defvjp(lambda g, out, x, y: g * y,        # d(xy)/dx = y
           lambda g, out, x, y: g * x,        # d(xy)/dy = x
           formulas=("g⊙y", "g⊙x"))
mul.defjvp(lambda t, out, x, y: t * y, lambda t, out, x, y: x * t)   # d(xy) = dx·y + x·dy
mul.defelementwise()


div = Primitive("/", operator.truediv, title="div")   # x / y


div.defvjp(lambda g, out, x, y: g / y,             # d(x/y)/dx = 1/y
           lambda g, out, x, y: -g * out / y,      # d(x/y)/dy = -x/y² = -out/y
           formulas=("g/y", "−g⊙out/y"))
div.defjvp_elementwise()                    # d(x/y) = dx/y − out·dy/y
div.defelementwise()
# PyTorch records a / x of a number a as MulBackward0 of a and ReciprocalBackward0 of x: node hooks (grad_fn_hooks.py)
# give grad_inputs at 1/x, g·a, and send a hook's replacement r on through reciprocal's rule, −r·(1/x)²
div.inner_node = (("ReciprocalBackward0",), lambda g, out, a, x: g * a, lambda r, out, a, x: -r * ((1 / x) * (1 / x)))


neg = Primitive("neg", operator.neg)           # -x


neg.defvjp(lambda g, out, x: -g, formulas=("−g",))
neg.defjvp_linear()
neg.defelementwise()


def _power(x, y):
    """x ** y: NumPy's power, or torch.pow's arithmetic where that is not pow (`power_form`)."""
    if y.__class__ in _EXPONENT_TYPES and y in _POWER_FORMS:  # (np.float32(3.0) finds 3: equal hashes)
        form = power_form(x, y)
        if form is not None:
            return form(x)
    return x ** y


def power_form(x, y):
    """How PyTorch's CPU kernel computes x ** y where that is arithmetic rather than pow, as a function of x, or None:
    for float data x (an array or NumPy scalar of float16/32/64) and the exponents 3, -2 and -0.5, x·x·x, 1/(x·x)
    and 1/√x (float16's 3 and -2 in float32, rounded once, as PyTorch computes half; its -0.5 is pow's). So
    torch.pow's bits, where pow's differ in the last bit for about a third of the elements (and 1/√-0 = -inf, as
    PyTorch's), and on arrays far faster than NumPy's float power (x ** 3 of 2M float32: 125 ms against 0.4): GELU's
    tanh form takes x ** 3. NumPy's own shortcuts for 2, -1, 0.5 and 1 are PyTorch's bits already. None also for an
    exponent of another dtype than x's (NumPy's power decides the result dtype) and for a Value x (its own pow)."""
    form = _POWER_FORMS.get(y) if y.__class__ in _EXPONENT_TYPES else None
    dtype = x.dtype if x.__class__ is np.ndarray or x.__class__ in _FLOAT_TYPES else None
    if form is None or dtype is None or dtype.type not in _FLOAT_TYPES or (
            y.__class__ is not float and y.__class__ is not int and y.dtype is not dtype):
        return None
    return _HALF_FORMS.get(form) if dtype is _FLOAT16 else form


def _cube(x):
    cube = x * x
    cube *= x  # (in place on an array, a new number for a NumPy scalar: the same product)
    return cube


def _reciprocal_square(x):
    square = x * x
    return np.reciprocal(square, out=square) if square.__class__ is np.ndarray else 1 / square


def _reciprocal_sqrt(x):
    root = np.sqrt(x)
    return np.reciprocal(root, out=root) if root.__class__ is np.ndarray else 1 / root


_POWER_FORMS = {3: _cube, -2: _reciprocal_square, -0.5: _reciprocal_sqrt}
_HALF_FORMS = {form: (lambda x, form=form: form(x.astype(np.float32)).astype(np.float16))
               for form in (_cube, _reciprocal_square)}
_EXPONENT_TYPES = frozenset({float, int, np.float16, np.float32, np.float64})
_FLOAT_TYPES = frozenset({np.float16, np.float32, np.float64})
_FLOAT16 = np.dtype(np.float16)

pow = Primitive("**", _power, title="pow")    # x ** y


def _pow_vjp_base(g, out, x, y):
    # d(x^y)/dx = y·x^(y-1). Where y == 0 the derivative is 0 (also at x = 0, where x^(y-1) = inf): the exponent
    # is replaced by 0 there, giving y·x⁰ = 0 · 1. A `where` around the result instead would leave
    # 0 · inf = nan in the derivative of this rule (the Hessian of x ** 0 and x ** 1 at x = 0).
    # And 0 there even for an infinite or NaN g (PyTorch's where), which the product would turn into NaN.
    # g·(y·x^(y−1)) is PyTorch's order, and x^(y−1) its arithmetic (`_power`: x·x for y = 3, 1/(x·x) for y = -1), so
    # that a gradient written by hand from x ** -2 (Karpathy's backprop ninja) is this rule's to the bit, as in PyTorch.
    zero_exponent = data_of(y) == 0
    if np.any(zero_exponent):
        return where(zero_exponent, 0, _quiet(lambda: g * y * x ** where(zero_exponent, 0, y - 1)))
    return _quiet(lambda: g * (y * _power(x, y - 1)))


def _pow_vjp_exponent(g, out, x, y):
    # d(x^y)/dy = x^y·log(x); 0 where x == 0 and y >= 0 (the limit), nan for x < 0. At those zeros log sees 1
    # instead of 0 (log 1 = 0), so that no inf enters the graph of this rule either.
    xd, yd = data_of(x), data_of(y)
    at_zero = (xd == 0) & (yd >= 0)
    safe_x = where(at_zero, 1, x) if np.any(at_zero) else x
    return _quiet(lambda: g * out * log(safe_x))


pow.defvjp(_pow_vjp_base, _pow_vjp_exponent, formulas=("g⊙y⊙x^(y−1)", "g⊙out⊙log x"))
pow.defjvp_elementwise()                    # d(x^y) = y·x^(y−1)·dx + x^y·log x·dy


# ----------------------------------------------------------------------------------------------------
# Smooth functions.


exp = Primitive("exp", np.exp)
exp.__doc__ = "e**x elementwise (same shape as x)."


exp.defvjp(lambda g, out, x: g * out, formulas=("g⊙exp(x)",))        # d exp(x)/dx = exp(x)
exp.defjvp_elementwise()
exp.defelementwise()


log = Primitive("log", np.log)
log.__doc__ = "Natural logarithm elementwise (same shape as x); -inf at 0, nan below 0."


log.defvjp(lambda g, out, x: g / x, formulas=("g/x",))                # d log(x)/dx = 1/x
log.defjvp_elementwise()
log.defelementwise()


sqrt = Primitive("sqrt", np.sqrt)
sqrt.__doc__ = "Square root elementwise (same shape as x); nan below 0."


sqrt.defvjp(lambda g, out, x: g * 0.5 / out, formulas=("g/(2√x)",))   # d √x/dx = 1/(2√x)
sqrt.defjvp_elementwise()
sqrt.defelementwise()


tanh = Primitive("tanh", np.tanh)
tanh.__doc__ = "Hyperbolic tangent elementwise (same shape as x), in (-1, 1); derivative 1 - tanh²."


def _tanh_vjp(g, out, x):
    # 1 - tanh² as (1 - tanh)(1 + tanh): where tanh saturates, 1 - out·out cancels out·out's rounding (float32 at
    # x = 5 is 5e-5 off, at x = 8 6% off); 1 - out is exact there, so the product keeps every digit, as PyTorch's
    # fused multiply-add does. float64 arrays keep 1 - out·out, one NumPy call fewer (6% of a chain of small tanh
    # nodes): their error, 1e-16 / (1 - tanh²), stays below 1e-12 for |x| < 5. (NumPy hands out one dtype object per
    # built-in type: `is` is the cheap test of one dtype)
    # The 1 is a 0-d array of the data's dtype where one is at hand: NumPy takes it as it takes another array, where a
    # Python 1.0 first goes through its rules for Python numbers (~1,200 instructions more a call, a third of the
    # subtraction on 10 elements; the same numbers: 1.0 is exact in every float dtype).
    if out.__class__ is _ndarray and g.__class__ is _ndarray and g.dtype is (dtype := out.dtype):
        if dtype is _float64:
            d = out * out               # the same arithmetic in one fresh array: two temporaries fewer
            _subtract(_ONE_F64, d, d)   # (out= given by position: the keyword costs more)
        else:
            one = _ONE_F32 if dtype is _float32 else 1.0  # (a Python float keeps the array's dtype)
            d = _subtract(one, out)
            d *= _add(one, out)
        d *= g
        return d
    return g * ((1 - out) * (1 + out))


_ndarray, _subtract, _add = np.ndarray, np.subtract, np.add
_float64, _float32 = np.dtype(np.float64), np.dtype(np.float32)
_ONE_F64, _ONE_F32 = np.array(1.0, _float64), np.array(1.0, _float32)
_ONE_F64.flags.writeable = _ONE_F32.flags.writeable = False  # shared by every call


tanh.defvjp(_tanh_vjp, formulas=("g⊙(1−tanh²x)",))   # 1 - tanh² = (1 - tanh)(1 + tanh)
tanh.defjvp_elementwise()
tanh.defelementwise()


@primitive("sigmoid")
def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), elementwise (same shape as x). float32 and float64 data take that formula
    as PyTorch computes it (exp(-x) overflows to inf below x ≈ −88.7 and −709.8, where σ is 0, as PyTorch's; no
    warning), in three passes over one array: 2-7× faster than the stable form below, which the other dtypes keep
    (float16, whose exp overflows from −11, integers, bools), as does complex x, by the sign of its real part
    (PyTorch's 1 / (1 + exp(-x)) is NaN where Re x < −710; its poles iπ(2k+1) are inf here too).
    """
    if x.dtype in _TORCH_SIGMOID:
        if x.__class__ is not np.ndarray or not x.ndim:  # a NumPy float (a scalar graph's data), a 0-d array
            with np.errstate(over="ignore"):
                return (1 / (1 + np.exp(-x)))[()]
        t = np.negative(x, out=recycle.empty(x.shape, x.dtype) if x.nbytes >= recycle.MIN_BYTES else None)
        with np.errstate(over="ignore"):
            np.exp(t, out=t)
        np.add(t, 1, out=t)
        return np.divide(1, t, out=t)
    kind = x.dtype.kind
    if kind in "bc":
        if kind == "c":  # holomorphic: the rule σ(1 − σ) holds (ops/complex.py)
            right = x.real >= 0
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                z = np.exp(np.where(right, -x, x))  # |z| <= 1
                return np.where(right, 1 / (1 + z), z / (1 + z))[()]
        # bools as integers (NumPy cannot negate bools): the engine computes those in the default float
        x = x.astype(np.int8)
    # exp(-|x|) never overflows; the two branches agree at 0.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))[()]


_TORCH_SIGMOID = frozenset((np.dtype(np.float32), np.dtype(np.float64)))  # see sigmoid
sigmoid.defvjp(lambda g, out, x: g * out * (1 - out), formulas=("g⊙σ(x)(1−σ(x))",))   # σ(1-σ)
sigmoid.defjvp_elementwise()
sigmoid.defelementwise()


sin = Primitive("sin", np.sin)
sin.__doc__ = "Sine elementwise (same shape as x), x in radians."


sin.defvjp(lambda g, out, x: g * np.cos(x), formulas=("g⊙cos x",))
sin.defjvp_elementwise()
sin.defelementwise()


cos = Primitive("cos", np.cos)
cos.__doc__ = "Cosine elementwise (same shape as x), x in radians."


cos.defvjp(lambda g, out, x: -g * np.sin(x), formulas=("−g⊙sin x",))
cos.defjvp_elementwise()
cos.defelementwise()


# ----------------------------------------------------------------------------------------------------
# Piecewise-linear functions: their derivatives are masks computed from the data.


# NumPy scalars (a scalar graph's data) skip the ufunc machinery, which costs more than the arithmetic.
_SCALAR_ZEROS = {t: t(0) for t in (np.float16, np.float32, np.float64, np.longdouble)}
_SCALAR_ZERO_FLOATS = {t: t(0.0) for t in _SCALAR_ZEROS}


@primitive("relu")
def relu(x):
    """max(x, 0) elementwise (same shape as x); the gradient at 0 is 0, as in PyTorch."""
    zero = _SCALAR_ZEROS.get(x.__class__)
    if zero is not None:  # np.maximum(x, 0) for one number: x, +0 for x <= 0 (and -0), nan for nan
        return x if x > 0 or x != x else zero
    if _vector_max_applies(x):
        return _max_with_zeros(x, recycle.empty(x.shape, x.dtype))
    return np.maximum(x, number_like(0, x))


def _vector_max_applies(x):
    """Whether ReLU of x goes through `_max_with_zeros`: a large contiguous float array."""
    return x.__class__ is np.ndarray and x.size >= _VECTOR_MAX_FROM and x.flags.c_contiguous and x.dtype.kind == "f"


def _max_with_zeros(x, out):
    """np.maximum(x, 0) into `out` (both C-contiguous), the same bits, against a row of zeros: NumPy's vector loop
    for maximum takes two arrays, and with a scalar it runs 2.6× slower (numpy 2.4, float32, AVX2). x is read as
    rows of `_ZERO_ROW` elements, each against the one row of zeros (broadcast down x: one call), which stays in the
    first-level cache; a block of zeros as long as x was read from farther out (an MLP's ReLU missed the last-level
    cache ~1,500 times a step more: BENCHMARKS.md "Stop 55", "Stop 61")."""
    zeros = _ZERO_BLOCKS.get(x.dtype)
    if zeros is None:
        zeros = _zeros(x.dtype)
    n = x.size
    rows, rest = divmod(n, _ZERO_ROW)
    if not rest:  # whole rows (layers of 2^k units): four views fewer, ~3 µs a call where caches are cold (stop 66)
        np.maximum(x.reshape(rows, _ZERO_ROW), zeros, out=out.reshape(rows, _ZERO_ROW))
        return out
    flat_x, flat_out = x.reshape(-1), out.reshape(-1)
    whole = n - rest
    if rows:
        np.maximum(flat_x[:whole].reshape(rows, _ZERO_ROW), zeros, out=flat_out[:whole].reshape(rows, _ZERO_ROW))
    if rest:
        np.maximum(flat_x[whole:], zeros[:rest], out=flat_out[whole:])
    return out


_VECTOR_MAX_FROM = 1 << 14  # elements: smaller arrays take np.maximum(x, 0) itself
_ZERO_ROW = 1 << 13  # elements: 32 KiB of float32
_ZERO_BLOCKS = {}


def _zeros(dtype):
    zeros = _ZERO_BLOCKS.get(dtype)
    if zeros is None:
        zeros = _ZERO_BLOCKS[dtype] = np.zeros(_ZERO_ROW, dtype)
        zeros.flags.writeable = False
    return zeros


def relu_backward(g, y, out=None):
    """ReLU's rule for a float gradient g and ReLU's output y = max(x, 0) of one shape (arrays): where(x <= 0, 0, g),
    as PyTorch's threshold_backward of its saved result (0 where x <= 0 even for an infinite or NaN g, and g where x
    is NaN), read off y: x <= 0 exactly where y == 0 (y is NaN where x is), so the mask is one comparison, of the
    array the layer's weight gradient has just read (x's is colder: BENCHMARKS.md "Stop 66"). Computed as the product
    g·[y != 0] into `out` (g itself in a compiled step, jit_plan.py) and mended where g held inf or NaN; below 2,048
    elements as np.where itself, one ufunc call instead of several (2.3 against 5.6 µs at 128 elements, stop 35; from
    ~4,096 elements np.where is the slower). Its masked places are +0.0 where the product's are -0.0 for a negative
    g: equal numbers, and eager and compiled steps both come here, so they agree bit for bit."""
    zero = number_like(0, y)  # (y's 0 is g's when their dtypes agree: a 0-d array's dtype decides where's result)
    if y.size < _WHERE_BELOW:
        grad = np.where(np.equal(y, zero), zero if g.dtype == y.dtype else number_like(0, g), g)
        if out is None:
            return grad
        np.copyto(out, grad)
        return out
    passes = np.not_equal(y, zero)
    grad = np.multiply(g, passes, out=out)
    flat = grad.reshape(-1)
    # g·g shows an inf or NaN in g (a BLAS dot: ~10× cheaper than np.where); an overflowing square only mends for
    # nothing. Mending sets the masked places to 0 (the product left NaN there); the rest is g·1 = g, so it works
    # also where the product was written into g. (The method, not np.dot: that is a Python-level dispatcher.)
    if not np.isfinite(flat.dot(flat)):
        np.copyto(grad, 0, where=np.logical_not(passes))
    return grad


_WHERE_BELOW = 2048  # elements: relu_backward takes np.where below it (BENCHMARKS.md "Stop 35")


def _relu_vjp(g, out, x):
    # PyTorch's threshold_backward(g, result, 0): the rule reads ReLU's output y = max(x, 0), which is 0 exactly where
    # x <= 0 (and NaN where x is), not x (what saved_tensors_hooks pack; a change of x in place does not matter)
    if g.__class__ is Value:  # create_graph (or tangents that are Values): a node of its own, with an edge to y
        return threshold_backward(g, out)
    y = data_of(out)
    if g.__class__ is y.__class__ and y.__class__ in _SCALAR_ZEROS:  # one number: where(y == 0, 0, g)
        return _SCALAR_ZERO_FLOATS[y.__class__] if y == 0 else g
    if g.__class__ is np.ndarray and y.__class__ is np.ndarray and g.shape == y.shape and g.dtype.kind == "f":
        return relu_backward(g, y, recycle.empty(g.shape, g.dtype) if g.nbytes >= recycle.MIN_BYTES else None)
    return where(np.not_equal(y, number_like(0, y)), g, 0)  # 0-d, broadcast or integer data


def _threshold_rule(g, x, threshold=0):
    """threshold's rule g⊙[x > threshold]: 0 where x <= threshold (even for an infinite or NaN g), g elsewhere (NaN x
    included); g and x of one shape. ReLU's too, with its output y for x (y <= 0 exactly where x <= 0)."""
    return np.where(np.less_equal(x, number_like(threshold, x)), number_like(0, g), g)[()]


# PyTorch's threshold_backward (ThresholdBackwardBackward0), the node of ReLU's gradient made with create_graph: its
# edge to ReLU's output (threshold's input), whose derivative is zeros, makes a second derivative zeros rather than
# missing
threshold_backward = backward_node("threshold_backward", _threshold_rule)


def _relu_through_routing(g, out):
    """ReLU's rule for a gradient g routed to one place of ReLU's output y per element (scattered_gradient.Routing,
    max pooling's maxima: `relu → max_pool2d`), passed on still routed, or None where it does not apply (the engine
    then makes g dense for `_relu_vjp`). relu_backward(dense, y) is dense·[y != 0]; at a routed place y equals the
    picked output element, and elsewhere dense is value·0, whose product with 0 or 1 keeps its sign: so the routing
    of values·[picked != 0] has the same bits, for a finite g (a routing's condition) and a y of at least
    `_WHERE_BELOW` elements (below it relu_backward writes +0 where it masks). One pass over g's size, where
    relu_backward's three go over y's, four times larger for 2×2 pooling (BENCHMARKS.md "Stop 67")."""
    routing, y = g.index, data_of(out)
    if not isinstance(routing, Routing) or routing.source is not y or g.array is not None or y.size < _WHERE_BELOW:
        return None
    return ScatteredGradient(np.multiply(g.values, np.not_equal(routing.picked, 0)), routing, g.shape)


relu.defvjp(_relu_vjp, formulas=("g⊙[x>0]",))
relu.through_routing = _relu_through_routing
relu.defjvp_elementwise()
relu.defelementwise()


def _relu_into(x, *, out):
    """relu(x) written into `out` (a compiled step's buffer): `_max_with_zeros` for a large contiguous float array
    (`_vector_max_applies`'s test, written out: a compiled W2 step calls this twice per replay), else np.maximum."""
    if (x.__class__ is np.ndarray and x.size >= _VECTOR_MAX_FROM and x.flags.c_contiguous and x.dtype.kind == "f"
            and out.flags.c_contiguous and x.dtype == out.dtype):
        return _max_with_zeros(x, out)
    return np.maximum(x, number_like(0, x), out=out)


relu.defforward_into(_relu_into)


@primitive("leaky_relu")
def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope * x, elementwise (same shape as x)."""
    return np.where(x > 0, x, x * negative_slope)[()]


def _leaky_relu_rule(g, x, negative_slope=0.01):
    """leaky_relu's rule: g where x > 0, g⊙negative_slope elsewhere (x = 0 and NaN included)."""
    return np.where(x > 0, g, g * negative_slope)[()]


leaky_relu_backward = backward_node("leaky_relu_backward", _leaky_relu_rule)  # LeakyReluBackwardBackward0
leaky_relu.defvjp(vjp_through(leaky_relu_backward), formulas=("g⊙(1 if x>0 else slope)",))
leaky_relu.defjvp_elementwise()


abs = Primitive("abs", np.abs, title="abs")
abs.__doc__ = "|x| elementwise (same shape as x); the gradient is sign(x), 0 at 0 and at NaN (as PyTorch)."


def _sign_or_zero(x):
    """sign(x) with 0 at NaN (PyTorch's sgn; NumPy's sign is NaN there)."""
    return np.sign(x) if x.dtype.kind not in "fc" else ((x > 0).astype(x.dtype) - (x < 0))


def conj_phase(x, size):
    """conj(x)/|x| for complex x (`size` its |x|), 0 where x = 0: 2∂|z|/∂z in the convention of ops/complex.py. Made
    of operations, so that under create_graph it is differentiated too."""
    from .complex import conj

    zero = data_of(size) == 0
    return conj(x) / where(zero, 1, size) if np.any(zero) else conj(x) / size


def _abs_vjp(g, out, x):
    if x.dtype.kind == "c":
        return g * conj_phase(x, out)
    if g.__class__ is Value and x.__class__ is Value:  # create_graph: g⊙sign(x) with its edge to x (derivative 0),
        from .special import sign                    # as PyTorch's MulBackward0 over sgn: a second derivative of 0

        return g * sign(x)
    return g * _sign_or_zero(data_of(x))


def _abs_jvp(t, out, x):
    if x.dtype.kind == "c":
        return (t * conj_phase(x, out)).real   # d|z| = Re(conj(z)/|z|·dz)
    return t * _sign_or_zero(data_of(x))


abs.defvjp(_abs_vjp, formulas=("g⊙sign x",))
abs.defjvp(_abs_jvp)


@primitive("clip")
def _clip(x, min=None, max=None):
    return np.clip(x, min, max)


def _clip_vjp(g, out, x, min=None, max=None):
    xd = data_of(x)
    # Not in place: array bounds may broadcast x to a larger shape (the engine sums g back to x's).
    # A `where`, as PyTorch's: 0 outside (and at NaN x) even for an infinite or NaN g.
    inside = True
    if min is not None:
        inside = inside & (xd >= min)
    if max is not None:
        inside = inside & (xd <= max)
    return where(inside, g, 0)


_clip.defvjp(_clip_vjp, formulas=("g⊙[min≤x≤max]",))
_clip.defjvp_elementwise()


def clip(input, min=None, max=None):  # noqa: A002  (PyTorch's argument name)
    """Limit input to [min, max] elementwise (either may be None; broadcast with input). Numbers and arrays are
    constant bounds; a Value bound is differentiable, as PyTorch's tensor bounds (ops/clamp_bounds.py: it gets the
    gradient where it is the one chosen, x where min <= x <= max). The result has PyTorch's dtype of the three:
    integers clamped to float bounds give the default float dtype, a float32 input with integer or 0-d float64
    tensor bounds stays float32."""
    if min is None and max is None:
        raise ArgumentError("torch.clamp: At least one of 'min' or 'max' must not be None (clip: give min, max or "
                            "both)")
    if isinstance(min, Value) or isinstance(max, Value):
        from .clamp_bounds import clamp_tensor, clamped

        return clamped(clamp_tensor, input, min, max)
    return _clipped(_clip, input, min, max)


def clip_one_side(input, min=None, max=None):  # noqa: A002
    """clip with one bound, recorded under PyTorch's name of torch.clamp_min or torch.clamp_max (ClampMinBackward0
    for a number, ClampMinBackward1 for a tensor bound; Max likewise), where clip's node is ClampBackward0/1."""
    side, bound = ("Min", min) if max is None else ("Max", max)
    if isinstance(bound, Value):  # differentiable in the bound too (ops/clamp_bounds.py)
        from .clamp_bounds import clamp_max_tensor, clamp_min_tensor, clamped

        return clamped(clamp_min_tensor if side == "Min" else clamp_max_tensor, input, min, max)
    overload = 1 if np.ndim(bound) else 0  # a number (NumPy's included): PyTorch's Scalar
    return _clipped(_clip.named(f"Clamp{side}Backward{overload}"), input, min, max)


def _clipped(node, input, min, max):  # noqa: A002
    """node (the clip primitive or a named twin) of input and its bounds, converted to PyTorch's result dtype."""
    if isinstance(input, Value):
        from .promotion import result_dtype

        dtype = result_dtype(input, *[b for b in (min, max) if b is not None])
        if dtype != input.dtype:
            input = input.to(dtype)
        min, max = [b if b is None or isinstance(b, (int, float)) else np.asarray(data_of(b)).astype(dtype, copy=False)
                    for b in (min, max)]
    return node(input, min=data_of(min), max=data_of(max))


def _tie_share(g, xd, yd, loser):
    """x's part of g, as PyTorch's: g/2 where x and y tie, 0 where x loses (even for an infinite or NaN g), else g
    (NaN in x or y included: both get g)."""
    tie, lost = xd == yd, loser(xd, yd)
    return where(lost, 0, where(tie, g / 2, g) if np.any(tie) else g)


@primitive("maximum")
def maximum(x, y):
    """Elementwise maximum of x and y (broadcast); at ties each gets half the gradient."""
    return np.maximum(x, y)


maximum.defvjp(lambda g, out, x, y: _tie_share(g, data_of(x), data_of(y), np.less),
               lambda g, out, x, y: _tie_share(g, data_of(y), data_of(x), np.less),
               formulas=("g⊙[x≥y]", "g⊙[y≥x]"))
maximum.defjvp_elementwise()
maximum.promotes = True


@primitive("minimum")
def minimum(x, y):
    """Elementwise minimum of x and y (broadcast); at ties each gets half the gradient."""
    return np.minimum(x, y)


minimum.defvjp(lambda g, out, x, y: _tie_share(g, data_of(x), data_of(y), np.greater),
               lambda g, out, x, y: _tie_share(g, data_of(y), data_of(x), np.greater),
               formulas=("g⊙[x≤y]", "g⊙[y≤x]"))
minimum.defjvp_elementwise()
minimum.promotes = True


@primitive("where")
def _where(x, y, condition):
    return np.where(condition, x, y)[()]


_where.defvjp(lambda g, out, x, y, condition: _where(g, 0, condition=condition),
              lambda g, out, x, y, condition: _where(0, g, condition=condition),
              formulas=("g where cond", "g where not cond"))
_where.defjvp_elementwise()
_where.promotes = True


def check_condition(condition):
    """torch.where's refusal of a condition Value that is not bool (a float mask, 0/1 integers), in PyTorch's words;
    a uint8 one is taken with PyTorch's deprecation warning (pointing at the caller of torch.where or Tensor.where).
    NumPy arrays and lists (which PyTorch never sees) are taken as truth values, as before."""
    if isinstance(condition, Value) and condition.data.dtype != np.bool_:
        if condition.data.dtype == np.uint8:
            warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed "
                          "in a future version of PyTorch. Use a boolean condition instead.", UserWarning,
                          stacklevel=3)
            return
        hint = "" if condition.data.dtype.kind == "c" else (" (make the mask by a comparison, e.g. "
                                                             "torch.where(x > 0, a, b), or convert it: cond.bool())")
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{scalar_type_name(condition.dtype)}{hint}")


def where(condition, x, y):
    """Elementwise choice, as np.where(condition, x, y); condition is a boolean array (not differentiated)."""
    cond = np.asarray(data_of(condition))
    if cond.dtype != bool:
        cond = cond.astype(bool)
    try:
        if not isinstance(x, Value) and not isinstance(y, Value):
            return np.where(cond, x, y)[()]
        return _where(x, y, condition=cond)
    except ValueError:
        shapes = (cond.shape, np.shape(data_of(x)), np.shape(data_of(y)))
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            # The engine's message would name only x and y, not the condition.
            raise ShapeError("where: condition of shape {}, x of shape {} and y of shape {} cannot be broadcast "
                             "together".format(*shapes)) from None
        raise


# The operators meet operands of mixed dtypes in PyTorch's result dtype (recording.apply_binary does it for them; the
# flag tells tracers, which see the operations before the engine does).
for _operator in (add, sub, mul, div, pow):
    _operator.promotes = True

# PyTorch's names of the inputs, so that torch.exp(input=x) and torch.maximum(x, other=y) work (defarguments).
for _unary in (exp, log, sqrt, tanh, sigmoid, sin, cos, relu, abs):
    _unary.defarguments("input")
maximum.defarguments("input", "other")
minimum.defarguments("input", "other")
