"""Complex Values: the operations made for them, the ones made ready for them, and the gate that refuses the rest.

**The gradient a backward pass carries.** PyTorch's `.grad` of a complex Value z is the conjugate Wirtinger
derivative, doubled: for a real loss L of z = x + iy, z.grad = ∂L/∂x + i·∂L/∂y (so `(z.abs()**2).sum()` gives
2z), and a holomorphic f's VJP is g·conj(f'(z)). Inside the pass this library carries the conjugate of that,
G = ∂L/∂x − i·∂L/∂y = 2·∂L/∂z. With it the chain rule of a holomorphic f is G_in = G_out·f'(z), exactly
the rule the real operations already have: `+ − * /`, exp, matmul, sums, reshapes and slices need no change,
and their JVPs (t·f'(z)) neither. An operation that is not holomorphic writes its rule in the same terms,
G_in = G_out·∂w/∂z + conj(G_out)·∂w̄/∂z (w its output): abs gives G·conj(z)/|z|, real G, imag −iG, conj
conj(G). A real input's gradient is the real part of its G, which the engine takes when it fits a complex
result to a real input (`backward_edges._fit`), as PyTorch does. The engine conjugates at the boundary alone: the
gradient a hook sees, `.grad`, what `autograd.grad` returns, and a `gradient=` given to `backward` are
PyTorch's (chain_rule._chain_rule, backward_seeds._seed_gradient).

**The gate.** Every primitive not marked `complex_ready` refuses complex inputs with an error naming it
(PyTorch's words where PyTorch refuses too), rather than computing NumPy's numbers for them (NumPy orders
complex numbers lexicographically, so `relu` and `max` would give an answer, and a real rule a wrong gradient).
The refusal wraps those primitives' forward functions, and only once the first complex Value exists
(python_numbers.complex_values_exist): until then real graphs pay nothing for it, not even a test of the dtype.
"""

from __future__ import annotations

import numpy as np

from ..errors import scalar_type_name
from ..lazy_bits import refuse_view_as_real
from ..python_numbers import COMPLEX_VALUES_EXIST, complex_values_exist
from .elementwise import data_of, where
from .primitive import PRIMITIVES, named_twins, primitive

# ----------------------------------------------------------------------------------------------------
# The gate.

# The operations whose forward function and rules hold for complex data in the convention above, each checked
# against PyTorch in tests/test_complex.py.
COMPLEX_READY = (
    "+", "-", "*", "/", "neg", "**", "exp", "log", "sqrt", "tanh", "sin", "cos", "abs",
    "sum", "mean", "sum_to", "broadcast_to", "reshape", "transpose", "swapaxes", "astype", "clone", "getitem",
    "scatter_add", "concatenate", "stack", "matmul", "where", "nondifferentiable",
    # holomorphic elementwise functions (the real rules hold; sigmoid and exp2 compute complex data their own way)
    "sigmoid", "log1p", "expm1", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "exp2",
    "sinc", "lerp", "logaddexp",
    # reductions and scans (var's result is real: its rules conjugate), products, and linear maps of the data
    "prod", "var", "std", "logsumexp", "cumsum", "cumprod", "einsum", "diagonal", "contiguous", "unfold", "as_strided",
)

# PyTorch's words for the refusals users meet most (its kernels' messages; NotImplementedError is a RuntimeError).
_TORCH_REFUSALS = {
    "relu": (NotImplementedError, "clamp is not supported for complex types"),
    "clip": (NotImplementedError, "clamp is not supported for complex types"),
    "clamp_tensor": (NotImplementedError, "clamp is not supported for complex types"),
    "leaky_relu": (NotImplementedError, '"leaky_relu_cpu" not implemented for \'{torch}\''),
    "maximum": (RuntimeError, "maximum not implemented for complex tensors."),
    "minimum": (RuntimeError, "minimum not implemented for complex tensors."),
    "floor": (NotImplementedError, "floor is not supported for complex inputs"),
    "ceil": (NotImplementedError, "ceil is not supported for complex inputs"),
    "trunc": (NotImplementedError, "trunc is not supported for complex inputs"),
    "max": (NotImplementedError, '"max_all" not implemented for \'{torch}\''),
    "min": (NotImplementedError, '"min_all" not implemented for \'{torch}\''),
    "atan2": (NotImplementedError, '"atan2_cpu" not implemented for \'{torch}\''),
    **{name: (NotImplementedError, f'"{name}_cpu" not implemented for \'{{torch}}\'') for name in ("lt", "le", "gt",
                                                                                                     "ge")},
    "argmax": (RuntimeError, "argmax(): does not support complex input"),
    "argmin": (RuntimeError, "argmin(): does not support complex input"),
    "sort": (RuntimeError, " Sort does not support complex dtypes on CPU"),
    "sign": (NotImplementedError, "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
                                  "torch.sgn instead."),
    "hardtanh": (NotImplementedError, "clamp is not supported for complex types"),
    "polygamma": (NotImplementedError, lambda x, params: _polygamma_kernel(params)),
    "igammac": (NotImplementedError, '"igammac_cpu" not implemented for \'{torch}\''),
    "cosine_similarity": (RuntimeError, "expected common dtype to be floating point, yet common dtype is {torch}"),
    # PyTorch's kernels by the names it dispatches them under
    **{name: (NotImplementedError, f'"{kernel}" not implemented for \'{{torch}}\'') for name, kernel in (
        ("gelu", "GeluKernelImpl"), ("softplus", "softplus_cpu"), ("elu", "elu_cpu"), ("mish", "mish_cpu"),
        ("hardswish", "hardswish_cpu"), ("erf", "erf_vml_cpu"), ("erfc", "erfc_vml_cpu"), ("erfinv", "erfinv_vml_cpu"),
        ("lgamma", "lgamma_vml_cpu"), ("xlogy", "xlogy_cpu"), ("xlog1py", "xlog1py_cpu"), ("entr", "entr_cpu"),
        ("i0", "i0_vml_cpu"), ("round", "round_vml_cpu"), ("logit", "logit_cpu"), ("log_ndtr", "log_ndtr_cpu"),
        ("erfcx", "erfcx_cpu"), ("igamma", "igamma_cpu"), ("logaddexp2", "logaddexp2_cpu"), ("zeta", "zeta_cpu"),
        ("mse_loss", "mse_cpu"), ("smooth_l1_loss", "smooth_l1_cpu"), ("huber_loss", "huber_cpu"), ("glu", "glu_cpu"),
        ("dropout", "bernoulli_scalar_cpu_"), ("max_pool2d", "max_pool2d"), ("max_pool1d", "max_pool1d_impl"),
        ("max_pool3d", "max_pool3d"), ("avg_pool2d", "avg_pool2d"), ("avg_pool1d", "avg_pool2d"),
        ("avg_pool3d", "avg_pool3d_out_frame"), ("adaptive_max_pool2d", "adaptive_max_pool2d"),
        ("adaptive_max_pool1d", "adaptive_max_pool2d"), ("adaptive_max_pool3d", "adaptive_max_pool3d_cpu"),
        ("cummax", "cummax_cpu"), ("cummin", "cummin_cpu"), ("i1", "i1_cpu"), ("i0e", "i0e_cpu"), ("i1e", "i1e_cpu"),
        ("ndtri", "ndtri_cpu"), ("ndtr", "erf_vml_cpu"))},
    # PyTorch runs softmax over the last axis with a kernel of its own, and names it
    **{name: (NotImplementedError, lambda x, params, name=name: _softmax_kernel(name, x, params))
       for name in ("softmax", "log_softmax")},
}


def _polygamma_kernel(params):
    kernel = {0: "digamma", 1: "trigamma"}.get(params.get("n", 0), "polygamma")  # PyTorch's kernel for each order
    return f'"{kernel}" not implemented for \'{{torch}}\''


def _softmax_kernel(name, x, params):
    last = params.get("axis", -1) in (-1, np.ndim(x) - 1)
    return f'"{name}_{"lastdim_" if last else ""}kernel_impl" not implemented for \'{{torch}}\''


def complex_refusal(title, dtype, x=None, params=None):
    """The error for operation `title` given data of complex `dtype` (x and params: the input and keyword parameters,
    for the refusals whose words depend on them)."""
    kind, message = _TORCH_REFUSALS.get(title, (NotImplementedError, None))
    if message is None:
        message = (f"{title}: complex inputs are not supported here (got {dtype}); the complex operations are "
                   "listed in docs/coming-from-pytorch.md")
    elif callable(message):
        message = message(x, params or {})
    return kind(message.format(torch=scalar_type_name(np.dtype(dtype))))


def register_complex_refusal(name, kind, message):
    """Refuse complex inputs of primitive `name` (defined outside the core, as nn's) with error `kind` and PyTorch's
    `message` ('{torch}' stands for the scalar type's name, 'ComplexFloat')."""
    _TORCH_REFUSALS[name] = (kind, message)


def complex_dtype_among(*xs):
    """The dtype of the first complex Value or array among xs, or None (at once, before the first complex Value)."""
    if COMPLEX_VALUES_EXIST[0]:
        for x in xs:
            dtype = getattr(x, "dtype", None)
            if dtype is not None and np.dtype(dtype).kind == "c":
                return np.dtype(dtype)
    return None


def refuse_complex_differentiation(kernel, *values):
    """PyTorch's RuntimeError for a complex result of `kernel` that a gradient would go through, where PyTorch has no
    complex backward (embedding, _trilinear, silu, scatter_reduce, ...): it computes them without a gradient only."""
    if complex_dtype_among(*values) is not None:
        from ..modes import is_grad_enabled
        from ..value import Value

        if is_grad_enabled() and any(isinstance(v, Value) and v.requires_grad for v in values):
            raise RuntimeError(f"{kernel} does not support automatic differentiation for outputs with complex dtype.")


def refuse_complex_with(kind, message, *xs):
    """Raise kind(message) if any x is complex ('{torch}' in message: the scalar type's name, 'ComplexFloat')."""
    dtype = complex_dtype_among(*xs)
    if dtype is not None:
        raise kind(message.format(torch=scalar_type_name(dtype)))


def refuse_complex_kernel(kernel, *xs):
    """PyTorch's refusal of complex data by the kernel it dispatches to: NotImplementedError('"kernel" not implemented
    for 'ComplexFloat''), if any x is complex (for compositions whose PyTorch counterpart is one kernel)."""
    refuse_complex_with(NotImplementedError, f'"{kernel}" not implemented for \'{{torch}}\'', *xs)


def _refusing_complex(op, forward):
    """op's forward function, refusing complex data among its inputs."""

    def forward_refusing_complex(*xs, **params):
        for x in xs:
            dtype = getattr(x, "dtype", None)
            if dtype is not None and dtype.kind == "c":
                raise complex_refusal(op.name if op.name in _TORCH_REFUSALS else op.title, dtype, x, params)
        return forward(*xs, **params)

    forward_refusing_complex.__wrapped__ = forward
    forward_refusing_complex.__name__ = getattr(forward, "__name__", op.name)
    forward_refusing_complex.refuses_complex = True
    return forward_refusing_complex


def gate(op):
    """Make op refuse complex inputs, unless it is complex-ready (called for every primitive when the first complex
    Value is made, and for each primitive defined after that)."""
    if not op.complex_ready and not gated(op):
        op.forward = _refusing_complex(op, op.forward)


def gated(op):
    """Whether op's forward refuses complex inputs (see `gate`)."""
    return getattr(op.forward, "refuses_complex", False)


def ungate(op):
    """Undo `gate` (Primitive.defcomplex on a primitive defined after the first complex Value)."""
    if gated(op):
        op.forward = op.forward.__wrapped__


def arm_complex_gate():
    """Gate every primitive defined so far, and the named twins made of them so far (each a copy holding the forward
    function it was made with), once: python_numbers.complex_values_exist calls this."""
    for op in list(PRIMITIVES.values()) + named_twins():
        gate(op)


def refuse_complex(title, *xs):
    """For functions that are not primitives (comparisons, argmax, ...): raise `complex_refusal` if any x is a
    complex Value or array. Costs nothing before the first complex Value exists."""
    if COMPLEX_VALUES_EXIST[0]:
        for x in xs:
            dtype = getattr(x, "dtype", None)
            if dtype is not None and np.dtype(dtype).kind == "c":
                raise complex_refusal(title, dtype)


# ----------------------------------------------------------------------------------------------------
# Conjugation, for the engine's boundary and for rules.


def _check_complex(x, what):
    if x.dtype.kind != "c":
        raise RuntimeError(f"{what} is only supported for complex tensors")


@primitive("conj")
def conj(x):
    """The complex conjugate, elementwise (computed at once; `x.conj()` marks its result with PyTorch's conjugate bit,
    tensor_attributes.py)."""
    return np.conjugate(x)


conj.defvjp(lambda g, out, x: conj(g), formulas=("conj g",))   # G_in = conj(G_out): w̄ = z
conj.defjvp_linear()                                            # conj is linear over the reals


@primitive("real")
def real(x):
    """The real part of complex x (a view of its data), of the matching real dtype."""
    return np.real(x)


real.defvjp(lambda g, out, x: g, formulas=("g",))               # Re z = (z + z̄)/2: G_in = G_out (real)
real.defjvp_linear()
real.views = True


@primitive("imag")
def imag(x):
    """The imaginary part of complex x (a view of its data), of the matching real dtype."""
    _check_complex(x, "imag")
    return np.imag(x)


imag.defvjp(lambda g, out, x: g * -1j, formulas=("−i·g",))      # Im z = (z − z̄)/2i: G_in = −i·G_out
imag.defjvp_linear()
imag.views = True


@primitive("angle")
def angle(x):
    """The argument of each element, in (−π, π]; for real x, π where x < 0 and 0 elsewhere (NaN stays NaN), as
    PyTorch's. Integers give the default float dtype."""
    if x.dtype.kind == "c":
        return np.angle(x)[()]
    if x.dtype.kind != "f":
        from ..dtypes import DEFAULTS

        x = np.asarray(x, dtype=DEFAULTS["dtype"])
    return np.where(x < 0, np.pi, np.where(np.isnan(x), x, 0)).astype(x.dtype)[()]


def _angle_vjp(g, out, x):
    # θ = (log z − log z̄)/2i, so 2∂θ/∂z = −i/z (0 at z = 0, as PyTorch); a real x's angle is piecewise constant
    if x.dtype.kind != "c":
        return g * 0
    zero = data_of(x) == 0
    return where(zero, 0, g * -1j / where(zero, 1, x)) if np.any(zero) else g * -1j / x


angle.defvjp(_angle_vjp, formulas=("−i·g/z",))
angle.defjvp(lambda t, out, x: (_angle_vjp(t, out, x)).real)


def _complex_of(real_part, imag_part):
    dtype = np.result_type(real_part, imag_part, np.complex64)
    out = np.empty(np.broadcast_shapes(np.shape(real_part), np.shape(imag_part)), dtype=dtype)
    out.real = real_part  # assigned, not real + 1j·imag: inf·1j would put a NaN into the real part
    out.imag = imag_part
    complex_values_exist()
    return out[()]


def _same_float_dtype(name, a, b):
    """PyTorch's checks of torch.complex's and torch.polar's inputs: one float dtype (float16, whose complex32 NumPy
    lacks, refused)."""
    for x in (a, b):
        if np.dtype(x.dtype).kind != "f":
            raise RuntimeError("Expected both inputs to be Half, Float or Double tensors but got "
                               f"{scalar_type_name(np.dtype(a.dtype))} and {scalar_type_name(np.dtype(b.dtype))}")
        if x.dtype == np.float16:
            raise TypeError(f"{name}: float16 parts would make complex32 (torch.chalf), which NumPy has not")
    if a.dtype != b.dtype:
        raise RuntimeError(f"Expected object of scalar type {scalar_type_name(np.dtype(a.dtype))} but got scalar type "
                           f"{scalar_type_name(np.dtype(b.dtype))} for second argument")


@primitive("complex")
def complex(real, imag):
    """real + i·imag elementwise (broadcast): float32 parts give complex64, float64 complex128 (both of one dtype)."""
    _same_float_dtype("complex", real, imag)
    return _complex_of(real, imag)


complex.defvjp(lambda g, out, re, im: g,            # ∂z/∂Re = 1: the real part of G (the engine takes it)
               lambda g, out, re, im: g * 1j,       # ∂z/∂Im = i: Re(i·G) = −Im G
               formulas=("Re g", "−Im g"))
complex.defjvp_linear()
complex.defarguments("real", "imag")


@primitive("polar")
def polar(abs, angle):
    """abs·(cos angle + i·sin angle) elementwise (broadcast), of the complex dtype of the inputs' (one) float dtype."""
    _same_float_dtype("polar", abs, angle)
    return _complex_of(abs * np.cos(angle), abs * np.sin(angle))


def _phase_factor(angle):
    return np.cos(angle) + np.sin(angle) * 1j


polar.defvjp(lambda g, out, r, theta: g * _phase_factor(theta),   # ∂z/∂r = e^{iθ}
             lambda g, out, r, theta: g * out * 1j,               # ∂z/∂θ = i·z
             formulas=("Re(g·e^{iθ})", "Re(i·g·z)"))
polar.defarguments("abs", "angle")
polar.defjvp(lambda t, out, r, theta: t * _phase_factor(theta), lambda t, out, r, theta: t * out * 1j)


_REAL_OF = {np.dtype(np.complex64): np.dtype(np.float32), np.dtype(np.complex128): np.dtype(np.float64)}
_COMPLEX_OF = {v: k for k, v in _REAL_OF.items()}


@primitive("view_as_real")
def view_as_real(input):  # noqa: A002  (PyTorch's argument name)
    """Complex x of shape (..., ) as real pairs of shape (..., 2): [..., 0] the real parts, [..., 1] the imaginary
    ones (a view of x's data where it is contiguous, as PyTorch's). x with the conjugate bit (x.is_conj()) raises
    PyTorch's RuntimeError (resolve_conj() first)."""
    if input.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    refuse_view_as_real(input)
    arr = np.asarray(input)
    if not arr.flags.c_contiguous or arr.ndim == 0:
        arr = np.ascontiguousarray(arr.reshape(arr.shape or (1,)))
    return arr.view(_REAL_OF[arr.dtype]).reshape(np.shape(input) + (2,))


@primitive("view_as_complex")
def view_as_complex(input):  # noqa: A002  (PyTorch's argument name)
    """Real x of shape (..., 2) read as complex numbers x[..., 0] + i·x[..., 1] of shape (...): float32 gives
    complex64, float64 complex128 (a view of x's data where it is contiguous, as PyTorch's)."""
    arr = np.asarray(input)
    if arr.dtype not in _COMPLEX_OF:
        raise RuntimeError("view_as_complex is only supported for half, float and double tensors, but got a tensor "
                           f"of scalar type: {scalar_type_name(arr.dtype)}")
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    complex_values_exist()
    return arr.view(_COMPLEX_OF[arr.dtype])[..., 0][()]


# z = a + ib from the pair (a, b): G_a = Re G, G_b = Re(iG) = −Im G, i.e. the pairs of conj(G); the other way round,
# G_z = g_a − i·g_b = conj of the pair read as a complex number.
view_as_real.defvjp(lambda g, out, x: conj(view_as_complex(g)), formulas=("conj(g as complex)",))
view_as_complex.defvjp(lambda g, out, x: view_as_real(conj(g)), formulas=("conj(g) as pairs",))
view_as_real.defjvp_linear()
view_as_complex.defjvp_linear()
view_as_real.defarguments("input")
view_as_complex.defarguments("input")
view_as_real.views = view_as_complex.views = True


def conjugate_gradient(g):
    """conj(g), for the engine: PyTorch's gradient from the one a backward pass carries, and back (on arrays, or
    Values under create_graph)."""
    return conj(g)


for _name in COMPLEX_READY:
    PRIMITIVES[_name].defcomplex()
for _op in (conj, real, imag, angle, complex, polar, view_as_real, view_as_complex):
    _op.defcomplex()
