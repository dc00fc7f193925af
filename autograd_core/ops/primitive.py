"""`Primitive`: an operation's forward function next to its derivative, one rule per input.

    @primitive("tanh")
    def tanh(x):
        return np.tanh(x)

    tanh.defvjp(lambda g, out, x: g * (1 - out * out))        # d tanh(x)/dx = 1 - tanh(x)^2

A rule receives the output gradient `g`, the forward output `out`, the inputs, and the operation's
keyword parameters, and returns the gradient for its own input. The engine un-broadcasts what it returns,
so rules never repeat that. Rules are written with NumPy operators and methods that `Value` shares
(`+ * @`, `.sum(axis, keepdims)`, `.reshape`, ufuncs such as `np.exp`) and with other primitives, so the
same rule runs on arrays (an ordinary backward pass) and on Values (`create_graph=True`, where the
backward pass is itself recorded and can be differentiated again).
"""

from __future__ import annotations

import copy
import numbers
import sys

import numpy as np

from ..recording import apply, unary, unary_of
from ..float_errors import recompute
from ..python_numbers import COMPLEX_VALUES_EXIST
from ..value import Value

PRIMITIVES: dict[str, Primitive] = {}
_TWINS: dict[str, dict] = {}  # Primitive.named's: {primitive's name: {grad_fn_name or (it, input_at): twin}}


def named_twins():
    """Every twin `Primitive.named` has made so far (copies of primitives under other grad_fn names)."""
    return [twin for twins in _TWINS.values() for twin in twins.values()]


def scalar_dims(dims):
    """None, the dims of a 0-d input after PyTorch's checks: an int or a sequence of 0 and -1 (its one dimension, as
    PyTorch wraps it), named once at most."""
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    for d in dims:
        if not isinstance(d, numbers.Integral) or d not in (0, -1):
            raise np.exceptions.AxisError(  # an IndexError, as PyTorch's, and a ValueError
                f"Dimension out of range (expected to be in range of [-1, 0], but got {d})")
    if len(dims) > 1:
        raise RuntimeError("dim 0 appears multiple times in the list of dims")
    return None


def dims_named_once(dims, ndim):
    """dims (None, an int or a tuple of ints) unchanged, after PyTorch's check that no dimension of an n-d input is
    named twice (0 and -n are one): the reductions without a gradient (any, all, count_nonzero, nanmean's count) hand
    dims to NumPy, whose words for it are "duplicate value in 'axis'" (a ValueError; PyTorch's a RuntimeError).
    Dims out of range are left to NumPy's AxisError (an IndexError, as PyTorch's)."""
    if not isinstance(dims, tuple) or ndim == 0:
        return dims
    wrapped = [d % ndim if isinstance(d, numbers.Integral) and -ndim <= d < ndim else d for d in dims]
    for i, d in enumerate(wrapped):
        if d in wrapped[:i]:
            from ..errors import ShapeError  # (a RuntimeError and a ValueError, as sum()'s for the same mistake)

            raise ShapeError(f"dim {d} appears multiple times in the list of dims (repeated axis in {dims})")
    return dims


class Primitive:
    """A differentiable operation: `forward` on NumPy data, `vjps[i]` for the edge to input i.

    name:    shown in pictures ('+', 'matmul', 'tanh', ...).
    title:   used in error messages ('add', 'matmul', ...): the forward function's name by default.
    formulas: for each input, the vector-Jacobian product as text (e.g. 'g·Bᵀ'), for pictures of
             tensor graphs; scalar edges are labelled with the number the rule gives for g = 1.
    module:  the module that defined the primitive ('autograd_core.ops.elementwise', 'autograd_core.nn.conv'),
             taken from the caller; `forward.__module__` cannot tell, since it is 'numpy' for np.tanh.
    views:   the forward function may return a view of its first input's array (reshape, transpose, basic
             indexing): the result then shares that input's version counter, as PyTorch's views do, so that an
             in-place change made through either is seen by the graphs that saved the other.
    """

    __slots__ = ("name", "title", "forward", "vjps", "jvps", "formulas", "module", "__dict__")
    views = False

    def __init__(self, name, forward, title=None, module=None):
        self.name = name
        self.module = module or sys._getframe(1).f_globals.get("__name__", "")
        self.title = title or getattr(forward, "__name__", name).strip("_")
        self.forward = forward
        self.vjps = ()
        self.jvps = None  # forward mode (forward.py): one rule per input, or LINEAR
        self.formulas = ()
        self.__doc__ = forward.__doc__
        self.__wrapped__ = forward
        if name in PRIMITIVES:
            raise ValueError(f"primitive {name!r} is defined twice")
        PRIMITIVES[name] = self
        if COMPLEX_VALUES_EXIST[0]:  # defined after the first complex Value: it refuses them until `defcomplex`
            from .complex import gate

            gate(self)

    complex_ready = False  # see defcomplex
    grad_fn_name = None  # PyTorch's name of the backward node, where it is not the title's (see `named`)
    grad_fn_input = None  # with grad_fn_name: the path down to the input PyTorch's one node lists (see `named`)
    # params -> the few of them PyTorch's grad_fn name depends on (grad_fn_names.py), kept when a backward pass frees
    # the rest (backward_undo._Freed), or None where the name depends on none
    keeps_for_name = None
    # for each input, whether its VJP rule may run on a pool thread while the backward pass goes on (see `defaside`)
    aside_vjps = None

    def named(self, grad_fn_name, input_at=None):
        """This operation recorded under `grad_fn_name`, the name PyTorch gives the backward node of one function that
        computes it ('MulBackward0' for sparse * a number, 'DivBackward0' for sparse / a number, both one scaling
        here): a twin sharing its forward function and rules (made once per name, after the rules; not registered:
        it is the same primitive). input_at: where this is the last of several nodes that PyTorch records as one
        (x.norm(p=1): sum of abs), for each input of that one node the input positions that lead from this node
        down to it, or None for one it lists as None (one_node.py): its `next_functions` then list them."""
        twins = _TWINS.setdefault(self.name, {})
        key = grad_fn_name if input_at is None else (grad_fn_name, input_at)
        twin = twins.get(key)
        if twin is None:
            twin = twins[key] = copy.copy(self)
            twin.grad_fn_name, twin.grad_fn_input = grad_fn_name, input_at
        return twin

    def defaside(self, *inputs):
        """Let the VJP rules of `inputs` (positions) run on a pool thread while the backward pass goes on, where the
        input is a leaf receiving its first gradient (a layer's weight: not needed before the pass reaches it, at its
        end) and the work is large (backward_edges._gradient_aside). For rules that take long and read only their
        arguments: a convolution's or linear layer's weight gradient. Results are the same bits either way."""
        aside = tuple(k in inputs for k in range(len(self.vjps)))  # (after defvjp: one flag per rule)
        for op in (self, *_TWINS.get(self.name, {}).values()):
            op.aside_vjps = aside
        return self

    def defcomplex(self):
        """Declare that forward, VJP and JVP rules hold for complex data, in the convention of ops/complex.py (a
        holomorphic operation's real rules already do: G_in = G_out·f'(z)). Other primitives refuse complex inputs."""
        # Its named twins made so far too (each a copy made before this call: ops/reduce.py's sum_over_dims).
        for op in (self, *_TWINS.get(self.name, {}).values()):
            op.complex_ready = True
            if COMPLEX_VALUES_EXIST[0]:
                from .complex import ungate

                ungate(op)
        return self

    def defvjp(self, *vjps, formulas=()):
        """Register one vector-Jacobian rule per input (None for an input that is never differentiable)."""
        self.vjps = tuple(vjps)
        self.formulas = tuple(formulas)
        return self

    def defvjp_argnum(self, rule, formula=""):
        """For operations with any number of inputs: rule(argnum, g, out, *xs, **params)."""
        self.vjps = _PerArgnum(rule)
        self.formulas = _Repeat(formula)
        return self

    def defjvp(self, *jvps):
        """Register one Jacobian-vector rule per input (None for an input that is never differentiable).

        A rule receives input i's tangent `t`, the forward output `out`, the inputs and the keyword
        parameters, and returns that input's contribution to the output's tangent (any shape that
        broadcasts to the output's: the forward pass adds the contributions and broadcasts them).
        Rules are written like VJP rules, with operations that also run on Values, so they compose.
        """
        self.jvps = tuple(jvps)
        return self

    def defjvp_argnum(self, rule):
        """For operations with any number of inputs: rule(argnum, t, out, *xs, **params)."""
        self.jvps = _PerArgnum(rule)
        return self

    def defjvp_elementwise(self):
        """The operation acts elementwise (its Jacobian is diagonal, up to broadcasting), so the tangent
        contribution of input i is its VJP rule with the tangent in place of g: t ⊙ ∂out/∂xᵢ."""
        if not self.vjps:
            raise ValueError(f"{self.name}: define the VJP rules before defjvp_elementwise")
        self.jvps = self.vjps
        return self

    def defelementwise(self):
        """Declare that the operation acts elementwise and keeps its inputs' dtype: when all its inputs have one
        shape and one dtype, the output has them too, and so does every VJP rule's result (g has the output's).
        The backward pass then skips its check that each rule's result fits its input (`backward_edges._fit`), ~0.2 µs
        an edge (BENCHMARKS.md "Stop 39"). tests/test_engine_fit.py holds every operation that declares it to this."""
        self.elementwise = True
        return self

    def defjvp_linear(self):
        """The operation is linear in its differentiable inputs: its JVP is the forward function
        applied to the tangents (zeros for inputs without one), with the same parameters."""
        self.jvps = LINEAR
        return self

    forward_into = None  # see defforward_into
    elementwise = False  # see defelementwise
    promotes = False  # inputs of mixed dtypes are converted to PyTorch's result dtype first (recording._promoted)
    # check_operand_dtypes(a, b): called with two tensors' arrays of different dtypes before any promotion; raises
    # where PyTorch refuses the mix (matmul: floats of two widths). Numbers and arrays made constants are not checked.
    check_operand_dtypes = None
    # lazy_vjp(g, out, x, **params): the engine's pass may call it for vjps[0] instead, for a ScatteredGradient (a
    # slice's gradient, ops/shape.py's getitem; max pooling's routed one, nn/pool.py)
    lazy_vjp = None
    # through_routing(g, out): a one-input rule's form for g a ScatteredGradient with a Routing, which it passes on
    # still routed (another ScatteredGradient), or None (ReLU's: ops/elementwise.py)
    through_routing = None
    # vjp_after_relu(g, out, x, **params): relu_backward(vjps[0](g, out, x, **params), x) for x a ReLU's output, at
    # once and with its bits: a compiled step's program calls it for that pair of rules (max pooling's: nn/pool.py)
    vjp_after_relu = None
    # inner_node = (names, to_inner, from_inner): a primitive PyTorch records as its own node over an inner one
    # between it and an input, named one of `names` (or a view of it: cross_entropy: NllLossBackward0 over
    # LogSoftmaxBackward0). Node hooks (grad_fn_hooks.py) give grad_inputs at the inner node's output, to_inner(g,
    # out, *inputs, **params), and send a hook's replacement r on through the inner node, from_inner(r, out, *inputs,
    # **params) (nn/loss_classification.py)
    inner_node = None
    # inner_view = (names, view, unview): a primitive PyTorch records as its own node over views of an input, named
    # `names` (x[0, 0]: SelectBackward0 over SelectBackward0; einsum: MulBackward0 over permuted operands). Node hooks
    # give grad_inputs view(gx, i, out, *inputs, **params) of input i's gradient gx, and send a hook's replacement r to
    # input i as unview(r, i, out, *inputs, **params) (ops/shape.py, ops/einsum.py)
    inner_view = None
    # chain_top(node): a ChainTop (grad_fn_chain_tops) where PyTorch records node as a chain of its own nodes whose top
    # takes entries this primitive does not compute (einsum of three operands: MulBackward0 of a product and the last
    # operand), else None; node hooks then give that top's grad_inputs (ops/einsum.py)
    chain_top = None
    inline = None  # see definline
    inline_when = None  # see definline
    arguments = ()  # see defarguments

    def defarguments(self, *names):
        """PyTorch's names of the inputs, in order (("input",), ("input", "other")), so that a call may also give
        them by keyword, as torch.exp(input=x) or torch.maximum(x, other=y): they are moved to their positions
        before the call. Keyword parameters of the operation (axis, ...) keep their own names."""
        self.arguments = names
        return self

    reduces_over = None  # see defreduction

    def defreduction(self, param="axis"):
        """The keyword parameter `param` names dimensions of the first input that the operation works along (a sum's,
        a softmax's). On a 0-d input PyTorch takes dim 0 or -1 as that one element (x.sum(0) is x): such a call is
        recorded with `param` None, so that the forward function and the rules see a whole-array reduction of a 0-d
        array (NumPy's axis 0 of a 0-d array raises). Other dims are PyTorch's IndexError."""
        self.reduces_over = param
        return self

    def _scalar_dims(self, args, params):
        """params for a call of a reduction (defreduction): its dims made None when its first input is 0-d."""
        name = self.reduces_over
        dims = params.get(name)
        if dims is None or not args or np.ndim(args[0].data if isinstance(args[0], Value) else args[0]) != 0:
            return params
        return {**params, name: scalar_dims(dims)}

    def definline(self, *templates, when=None):
        """Register each VJP rule (one per input, or None) as an expression template that compiled steps
        (jit_plan.py) write into their program instead of calling the rule, when every operand is an array:
        "{g}", "{out}" and "{x[i]}" stand for the operands, and the template calls NumPy through the names of
        jit_inline.py's `_UFUNCS` ("_matmul({g}.T, {x[0]})"). It must do the rule's own operations in the same
        order; a compiled step checks it against the rule on the recorded arrays, and calls the rule where
        they differ (other shapes, say).
        when: where the templates are the rule's own operations only for some operands (linear's for 2-D ones), a
        function when(g, out, *xs) that says so; a compiled step calls the rule elsewhere. The check on the
        recorded arrays cannot stand for it: another computation may give the same numbers on those by chance
        (a stack of matrix products for one product of the folded rows, which differ in the last bit elsewhere)."""
        self.inline = tuple(templates)
        self.inline_when = when
        return self

    def defforward_into(self, fn):
        """Register the forward pass written into a given array: fn(*xs, out=array, **params) fills `out`
        (of the result's shape and dtype) with the numbers `forward` gives, and returns it. Compiled steps
        (jit.py) replay it into a buffer of their own instead of allocating the result on every call."""
        self.forward_into = fn
        return self

    def __call__(self, *args, **params):
        if not params and len(args) == 1 and isinstance(args[0], Value):
            # `apply`'s steps with less argument handling: recording.apply_unary's line, written out (a frame less)
            return (unary_of(self) or unary(self))(args[0])
        if params and self.arguments:
            args, params = self._bind_arguments(args, params)
        if params and self.reduces_over is not None:
            params = self._scalar_dims(args, params)
        for a in args:
            if isinstance(a, Value):
                return apply(self, args, params or None)
        try:  # on arrays (a rule calling a primitive): as recording.apply, log(0) is -inf under the user's -W error too
            return self.forward(*args, **params)
        except RuntimeWarning as warning:
            return recompute(warning, self.forward, *args, **params)

    def _bind_arguments(self, args, params):
        """Inputs given by their PyTorch names (see defarguments) put in their places among `args`."""
        params = dict(params)
        args = list(args)
        for name in self.arguments[len(args):]:
            if name not in params:
                break
            args.append(params.pop(name))
        missing = [name for name in self.arguments if name in params]
        if missing:
            raise TypeError(f"{self.title}() got {missing[0]!r} both by position and by keyword, or after a "
                            f"missing input")
        return tuple(args), params

    def __repr__(self):
        return f"<primitive {self.name}>"


class _PerArgnum:
    """vjps[i] for a variadic primitive: the shared rule with its argument number bound."""

    __slots__ = ("rule", "bound")

    def __init__(self, rule):
        self.rule = rule
        self.bound = {}  # i -> the rule for input i: one function per input, the same object at every call
        # (compile compares the rules two recordings called by identity)

    def __getitem__(self, i):
        bound = self.bound.get(i)
        if bound is None:
            rule = self.rule
            bound = self.bound[i] = lambda g, out, *xs, **params: rule(i, g, out, *xs, **params)
        return bound


class _Linear:
    """`jvps` of a primitive that is linear in its inputs (see `Primitive.defjvp_linear`)."""

    def __repr__(self):
        return "LINEAR"


LINEAR = _Linear()


class _Repeat:
    __slots__ = ("item",)

    def __init__(self, item):
        self.item = item

    def __getitem__(self, i):
        return self.item

    def __len__(self):
        return 1 << 30


def primitive(name, title=None):
    """Decorator: make a NumPy function into a `Primitive` called `name` (`title`: the forward function's name by
    default)."""
    module = sys._getframe(1).f_globals.get("__name__", "")
    return lambda forward: Primitive(name, forward, title=title, module=module)
