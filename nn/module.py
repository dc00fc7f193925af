"""`Module` and `Parameter`: the containers that neural-network layers are built from.

A `Module` finds its parameters by walking its attributes: Parameters, child Modules, and lists, tuples
and dicts of them (nested as deep as you like). Every parameter gets a dotted name from the path of
attributes that leads to it (`layers.0.weight`), the same names PyTorch uses for the same architecture,
so a state dict moves between the two libraries as plain NumPy arrays. (A plain list is a registration
PyTorch does not have: a member that an attribute of its own also holds keeps that attribute's name.)

    class Net(Module):
        def __init__(self):
            self.fc1 = Linear(2, 16)          # a child module: parameters fc1.weight, fc1.bias
            self.blocks = [Linear(16, 16)]    # a list of modules: blocks.0.weight, blocks.0.bias
            self.scale = Parameter(1.0)       # a parameter of this module: scale

        def forward(self, x):
            ...

Calling a module runs `forward` inside `autograd_core.modes.name_scope(name, kind, owner)`, so every node it creates
remembers the module, and `viz` can draw each module call as a cluster.
"""

from __future__ import annotations

import collections
import collections.abc
import functools
import os
import warnings

import numpy as np

from autograd_core import Value, get_default_dtype, is_grad_enabled, no_grad
from autograd_core.errors import legacy_name
from autograd_core.grad_array import ParameterArray
from autograd_core.hook_handles import RemovableHandle
from autograd_core.torch_text import tensor_text
from autograd_core.backward_hooks import queue_callback
from autograd_core.recording import apply
from autograd_core.ops.primitive import PRIMITIVES, Primitive
from autograd_core.sparse_array import SparseData
from autograd_core.tensor_methods import on_cpu
from autograd_core.value import complex_values_exist
from autograd_core.jit import effect
from autograd_core.modes import enter_scope, exit_scope

from .checkpoint import (
    EXTRA_STATE, CheckpointError, cast_exactly, is_extra_state, read_checkpoint, save_atomic, short,
    state_dict_error,
)
from .state_array import state_array


def check_device(device):
    """PyTorch's factory argument `device=` of a layer's constructor: None or the CPU, the only device here (anything
    else raises RuntimeError: `autograd_core.device` names every PyTorch device, only the CPU exists)."""
    if device is not None:
        on_cpu(device)


def _own_parameters(module):
    """(name, Parameter) of the module's own parameters, in attribute order."""
    return module._direct()[0]


def _own_buffers(module):
    """(name, array) of the module's own buffers, without those set to None."""
    for name in module._buffers:
        array = getattr(module, name)
        if array is not None:
            yield name, array


def _with_tensor_methods(array):
    """What a Parameter keeps as its data and a module as a buffer: an n-d array as a ParameterArray (PyTorch's
    methods: `p.data.normal_()`, hand-written BatchNorm's `self.means.lerp_(m, mom)`), a 0-d array (a NumPy scalar
    for a 0-d parameter) or None as it is."""
    if array.__class__ is np.ndarray and array.ndim:
        return array.view(ParameterArray)
    return array


_COMPLEX_MODULES_WARNING = (
    "Complex modules are a new feature under active development whose design may change, and some modules might not "
    "work as expected when using complex tensors as parameters or buffers. Please file an issue at "
    "https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml if a complex module does not work as "
    "expected.")  # PyTorch's words, from Module.to(complex dtype)


def _cast_array(array, dtype):
    """array as `dtype`; complex to real keeps the real parts, with PyTorch's warning. A sparse parameter's data
    (SparseData) converts its values."""
    if isinstance(array, SparseData):
        return array if array.dtype == dtype else array.astype(dtype)
    array = np.asarray(array)
    if array.dtype.kind == "c" and dtype.kind != "c":
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=4)
        array = array.real
    return np.asarray(array, dtype=dtype)


_VALUE_DATA = Value.__dict__["data"]  # the slot's descriptor: C code that reads and writes it
_VALUE_ATTRIBUTES = Value.__dict__  # (live: a compile recording replaces Value.data while it watches)


class Parameter(Value):
    """A Value that a Module trains: a leaf that always requires a gradient, with float or complex data.

    Parameter(data, dtype=None, label=None, *, requires_grad=True)

    data:  a number, nested list or ndarray; integer data becomes float64 unless `dtype` says
           otherwise, float32 stays float32. The array is used as given (not copied).
    requires_grad:  PyTorch's `nn.Parameter(data, requires_grad=False)`: a frozen parameter, still listed by
           `parameters()` and saved in the state dict. (A bool given second, as PyTorch's positional
           `Parameter(t, False)`, is read as requires_grad.)
    """

    __slots__ = ()
    is_parameter = True

    def __new__(cls, data=None, *args, **kwargs):
        if cls is Parameter and isinstance(data, Value) and isinstance(data.data, SparseData):  # its layout kept
            from .sparse_parameter import parameter_class

            cls = parameter_class(data)
        return object.__new__(cls)

    def __init__(self, data, dtype=None, label=None, *, requires_grad=True):
        if isinstance(dtype, bool):  # PyTorch's second positional argument
            dtype, requires_grad = None, dtype
        if isinstance(data, Value):
            data = data.data
        super().__init__(data, requires_grad=True, label=label, dtype=dtype)
        if self.data.dtype.kind not in "fc":
            raise TypeError(f"Parameter: dtype {self.data.dtype} cannot carry a gradient; use a float or complex dtype")
        if not requires_grad:
            self.requires_grad_(False)

    def __repr__(self):
        """PyTorch's: "Parameter containing:" and the tensor's text (`tensor([1., 2.], requires_grad=True)`)."""
        return "Parameter containing:\n" + tensor_text(self.data, get_default_dtype(), self.requires_grad)

    def _set_data(self, value):
        if isinstance(value, Value):
            value = value.data
        elif getattr(value, "dtype", None) is not None and value.dtype.kind == "c":
            complex_values_exist()  # complex data from outside any Value: the complex gate (ops/complex.py) arms now
        # Through Value's descriptor as it is now, not the slot's: a compile recording watches assignments there.
        _VALUE_ATTRIBUTES["data"].__set__(self, _with_tensor_methods(value))

    # PyTorch's `p.data = t` (`m.weight.data = torch.ones(2, 3)`) stores t's array. A property over Value's slot rather
    # than an override of __setattr__, which every other assignment would go through: the backward pass sets a
    # parameter's gradient and pending slots five times a step (0.2 µs each through __setattr__), while reading its
    # data through the slot's own getter costs 0.05 µs more than a plain read.
    data = property(_VALUE_DATA.__get__, _set_data,
                    doc="The parameter's array (a ParameterArray when it has dimensions); assigning an array or a "
                        "Value stores its array, as PyTorch's `p.data = t`.")


class Buffer(np.ndarray):
    """PyTorch's nn.Buffer: an array that, assigned to a module attribute (`m.stats = nn.Buffer(a)`), is registered
    as a buffer (`register_buffer(name, a, persistent)`); the module keeps the array, as register_buffer does.

    Buffer(data=None, *, persistent=True): persistent=False keeps it out of the state dict.
    """

    def __new__(cls, data=None, *, persistent=True):
        buffer = np.asarray(np.empty(0) if data is None else data).view(cls)
        buffer.persistent = bool(persistent)
        return buffer

    def __array_finalize__(self, obj):
        self.persistent = getattr(obj, "persistent", True)


# ----------------------------------------------------------------------------------------------------
# Walking attributes: what a module holds directly, and the dotted names of everything below it.


def _members(obj, prefix, params, modules):
    """Collect the Parameters and Modules inside attribute value `obj` (descending into containers)."""
    if isinstance(obj, Parameter):
        params.append((prefix, obj))
    elif isinstance(obj, Module):
        modules.append((prefix, obj))
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            _members(item, f"{prefix}.{i}", params, modules)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            _members(item, f"{prefix}.{key}", params, modules)


def _attribute_members(attributes):
    """(name, Parameter) and (name, Module) pairs held by `attributes` (a list of (name, value)), in order,
    descending into lists, tuples and dicts. A member that an attribute of its own also holds is left out of the
    containers: PyTorch, which never looks into a plain list, registers it under that attribute's name and in that
    attribute's place, so its state_dict key is 'fc0.weight' there, not 'fcs.0.weight' (莫烦's batch-norm network
    keeps its layers in `self.fcs` and registers each with `setattr(self, 'fc%i' % i, fc)`)."""
    params, modules = [], []
    held = None  # ids of the members held by attributes directly, found when a container is met
    for name, value in attributes:
        if not isinstance(value, (list, tuple, dict)):
            _members(value, name, params, modules)
            continue
        if held is None:
            held = {id(v) for _, v in attributes if isinstance(v, (Parameter, Module))}
        inside_params, inside_modules = [], []
        _members(value, name, inside_params, inside_modules)
        params += [pair for pair in inside_params if id(pair[1]) not in held]
        modules += [pair for pair in inside_modules if id(pair[1]) not in held]
    return params, modules


def _name_children(obj, prefix):
    """Give each Module inside a freshly set attribute its name within the parent (for pictures)."""
    if isinstance(obj, Module):
        object.__setattr__(obj, "_name", prefix)
    elif isinstance(obj, Parameter):
        if obj.label is None:
            obj.label = prefix
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            _name_children(item, f"{prefix}.{i}")
    elif isinstance(obj, dict):
        for key, item in obj.items():
            _name_children(item, f"{prefix}.{key}")


_EXTRA = object()  # the `attribute` of a state entry owned by get_extra_state/set_extra_state


def _keeps_extra_state(module):
    return type(module).get_extra_state is not Module.get_extra_state


class _IncompatibleKeys(collections.namedtuple("_IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What `load_state_dict` returns: (missing_keys, unexpected_keys), printed as PyTorch prints it."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class HookHandle(RemovableHandle):
    """What `register_forward_hook` and the other module hook registrations return: a `torch.utils.hooks.
    RemovableHandle` whose `remove()` takes the hook off (also as a context manager's exit), and lets calls take the
    plain path again when the module has no hook left."""

    def __init__(self, module, kind):
        self.id, self._module, self._kind = self._take_id(), module, kind
        self.extra_dict_ref = ()

    def hooks_dict_ref(self):
        """The dict of this kind of the module's hooks, or None (PyTorch's attribute: a weak reference to it)."""
        hooks = self._module._module_hooks
        return None if hooks is None else hooks[self._kind]

    def remove(self):
        _remove_hook(self._module, self._kind, self.id)


# The method that registers each kind of module hook (the keys of Module._module_hooks)
_REGISTRATION = {"pre": "register_forward_pre_hook", "post": "register_forward_hook",
                 "backward_pre": "register_full_backward_pre_hook", "backward": "register_full_backward_hook"}


def _remove_hook(module, kind, key):
    """Take the hook registered under `key` off; when none is left, calls take the plain path again."""
    hooks = module._module_hooks
    if hooks is not None:
        hooks[kind].pop(key, None)
        if not any(hooks.values()):
            object.__delattr__(module, "_module_hooks")


# The state-dict hooks (register_state_dict_pre_hook, ...): kept apart from the call hooks above, which make every
# call take the hooked path; each kind maps handle id -> (hook, flag), flag being PyTorch's with_module for the
# private load pre-hook and "may return a new dict" for the private state-dict hook.
_STATE_HOOKS = ("state_dict_pre", "state_dict_post", "load_pre", "load_post")


class _StateHookHandle(HookHandle):
    """What the state-dict hook registrations return: `remove()` takes the hook off."""

    def hooks_dict_ref(self):
        hooks = vars(self._module).get("_state_hooks")
        return None if hooks is None else hooks[self._kind]

    def remove(self):
        hooks = vars(self._module).get("_state_hooks")
        if hooks is not None:
            hooks[self._kind].pop(self.id, None)


class _HookView(collections.abc.MutableMapping):
    """PyTorch's private `module._forward_pre_hooks`, `_forward_hooks`, `_backward_pre_hooks` and `_backward_hooks`,
    which code such as PyTorch's pruning tutorial reads: hook id -> hook, a live view of one kind of the module's
    hooks. `del view[id]` and `view.clear()` take hooks off; the `register_*_hook` methods add them."""

    def __init__(self, module, kind):
        self._module, self._kind = module, kind

    def _hooks(self):
        hooks = self._module._module_hooks
        return {} if hooks is None else hooks[self._kind]

    def __getitem__(self, key):
        return self._hooks()[key][0]

    def __iter__(self):
        return iter(list(self._hooks()))

    def __len__(self):
        return len(self._hooks())

    def __setitem__(self, key, hook):
        raise TypeError(f"hooks are added with module.{_REGISTRATION[self._kind]}(hook), not by assignment")

    def __delitem__(self, key):
        if key not in self._hooks():
            raise KeyError(key)
        _remove_hook(self._module, self._kind, key)

    def __repr__(self):
        return f"OrderedDict({dict(self.items())!r})"


class _DirectChildren(collections.abc.MutableMapping):
    """PyTorch's private `module._modules` and `module._parameters`, which code such as d2l's `MySequential`
    (`self._modules[str(i)] = block`, `for block in self._modules.values()`) and its RNN initialisation
    (`m._parameters[name]`) uses: name -> direct child module (or parameter), a live view of the module's own
    attributes. Assigning an item registers it as `add_module`/`register_parameter` do; `del` removes the
    attribute. (ModuleList and ModuleDict keep a dict of their own under that name, which takes precedence.)"""

    def __init__(self, module, parameters):
        self._module, self._parameters = module, parameters

    def _items(self):
        params, modules = self._module._direct()
        return dict(params if self._parameters else modules)

    def __getitem__(self, name):
        return self._items()[name]

    def __iter__(self):
        return iter(list(self._items()))

    def __len__(self):
        return len(self._items())

    def __setitem__(self, name, child):
        if self._parameters:
            self._module.register_parameter(name, child)
        else:
            self._module.add_module(name, child)

    def __delitem__(self, name):
        if name not in self._items() or name not in vars(self._module):
            raise KeyError(name)
        delattr(self._module, name)

    def __repr__(self):
        return f"OrderedDict({dict(self.items())!r})"


class _DirectChildrenDescriptor:
    """A non-data descriptor, so that an instance's own `_modules` dict (ModuleList's, ModuleDict's) wins."""

    def __init__(self, parameters):
        self._parameters = parameters
        self.__doc__ = ("name -> own parameter" if parameters else "name -> direct child module") + \
            " (PyTorch's private name), a live view of the module's attributes."

    def __get__(self, module, owner=None):
        return self if module is None else _DirectChildren(module, self._parameters)


class _BackwardHooks:
    """One call of a module with backward hooks: identity nodes on its inputs and outputs whose tensor hooks
    collect grad_output and grad_input and run the module's hooks, PyTorch's "full" backward hooks."""

    def __init__(self, module, hooks):
        self.module, self.hooks = module, hooks
        self.input_grads, self.output_grads = [], []
        self.inputs, self.outputs = 0, 0  # how many of each require grad

    def _start_pass(self):
        """The state of one backward pass (a graph kept with retain_graph=True may be run again)."""
        self.waiting_inputs, self.waiting_outputs = self.inputs, self.outputs
        self.input_grads = [None] * len(self.input_grads)
        self.output_grads = [None] * len(self.output_grads)
        self.queued = self.pre_done = self.done = False

    def watch_inputs(self, args):
        """args with each positional Value that requires grad replaced by an identity node watched by a hook."""
        positions = [i for i, a in enumerate(args) if isinstance(a, Value)]
        self.input_grads = [None] * len(positions)
        args = list(args)
        for slot, i in enumerate(positions):
            if args[i].requires_grad:
                args[i] = _watched(args[i], functools.partial(self._input_grad, slot))
                self.inputs += 1
        return tuple(args)

    def watch_outputs(self, output):
        """The output with each Value that requires grad watched: the output itself, or the Values directly in an
        output tuple; grad_output has an entry for each item of the tuple (as PyTorch's: an LSTM's (out, (h, c))
        gives (gradient of out, None))."""
        single = isinstance(output, Value)
        items = [output] if single else list(output) if isinstance(output, tuple) else []
        for slot, x in enumerate(items):
            if isinstance(x, Value) and x.requires_grad:
                items[slot] = _watched(x, functools.partial(self._output_grad, slot))
                self.outputs += 1
        self.output_grads = [None] * len(items)
        self._start_pass()  # the call is recorded: ready for the first pass
        if single:
            return items[0]
        if not self.outputs:
            return output
        return type(output)(*items) if hasattr(output, "_fields") else type(output)(items)

    def _output_grad(self, slot, g):
        self._queue_finish()
        self.output_grads[slot] = g
        self.waiting_outputs -= 1
        if self.waiting_outputs == 0 or len(self.output_grads) == 1:
            g = self._run_pre_hooks(slot, g)
            if not self.waiting_inputs:  # nothing below needs a gradient: grad_input is all None
                self._run_hooks(None, None)
        return g

    def _input_grad(self, slot, g):
        self._queue_finish()
        self._run_pre_hooks(None, None)  # an output that got no gradient: the pre-hooks run now
        self.input_grads[slot] = g
        self.waiting_inputs -= 1
        if self.waiting_inputs == 0:
            g = self._run_hooks(slot, g)
        return g

    def _queue_finish(self):
        if not self.queued:
            self.queued = True
            queue_callback(self._finish)

    def _finish(self):
        """At the end of the pass: the hooks that were waiting for a gradient that never came; then ready for
        another pass through the same graph."""
        self._run_pre_hooks(None, None)
        self._run_hooks(None, None)
        self._start_pass()

    def _run_pre_hooks(self, slot, g):
        if self.pre_done:
            return g
        self.pre_done = True
        for hook, _, _ in list(self.hooks["backward_pre"].values()):
            result = hook(self.module, tuple(self.output_grads))
            if result is not None:
                g = self._replace("register_full_backward_pre_hook", self.output_grads, result, slot, g)
        return g

    def _run_hooks(self, slot, g):
        if self.done:
            return g
        self.done = True
        for hook, _, _ in list(self.hooks["backward"].values()):
            result = hook(self.module, tuple(self.input_grads), tuple(self.output_grads))
            if result is not None:
                g = self._replace("register_full_backward_hook", self.input_grads, result, slot, g)
        return g

    @staticmethod
    def _replace(registration, grads, result, slot, g):
        """grads (a list) updated to a hook's returned tuple; the gradient at `slot` as it goes on. Only that one can
        still change: the others went on before (or none is flowing when slot is None)."""
        result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        if len(result) != len(grads):
            raise RuntimeError(f"{registration}: the hook returned {len(result)} gradients, expected {len(grads)}")
        for i, (old, new) in enumerate(zip(grads, result)):
            if i != slot and new is not old:
                raise RuntimeError(
                    f"{registration}: the hook replaced a gradient that already went on (entry {i}); here a hook "
                    "can replace only the gradient whose arrival ran it (a module with one input and one output)")
        grads[:] = result
        return g if slot is None else result[slot]


def _watched(x, hook):
    """An identity node on x (same numbers, gradient passed through) with `hook` on its gradient."""
    node = apply(_BACKWARD_HOOK, (x,))
    node.register_hook(hook)
    return node


# The identity where a module's backward hooks watch a gradient (PyTorch's BackwardHookFunction): a node of its own
# name, so that a picture of the graph says what it is. Not one of the catalogue's operations (PRIMITIVES).
_BACKWARD_HOOK = Primitive("backward_hook", lambda x: x.view() if isinstance(x, np.ndarray) else x,
                           title="backward_hook")
PRIMITIVES.pop("backward_hook")
_BACKWARD_HOOK.views = True  # the output's array is a view of the input's: they share a version counter
_BACKWARD_HOOK.defvjp(lambda g, out, x: g, formulas=("g",))
_BACKWARD_HOOK.defjvp(lambda t, out, x: t)


class _ModuleForward:
    """A module's own forward as a callable object, for `Module.compile`: compiled as a module (whose outputs training
    differentiates after the call), not as a function."""

    __slots__ = ("module",)

    def __init__(self, module):
        self.module = module

    def __call__(self, *args, **kwargs):
        return type(self.module).forward(self.module, *args, **kwargs)


def not_a_module(item):
    """PyTorch's words for what is given as a child module and is not one: "list is not a Module subclass" (its
    torch.typename: a builtin's class name, else the module path, of a class given for an instance too)."""
    kind = item if isinstance(item, type) else type(item)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"{name} is not a Module subclass"


class Module:
    """Base class of layers and models: subclasses set attributes in `__init__` and define `forward`.

    Attributes read by the machinery:
      training:  True (the default) in training mode, False after `eval()`; Dropout and BatchNorm read it.
      _name:     the attribute path within the parent that registered this module (`layers.0`), used
                 as the name of its graph cluster; the class name when unknown.

    Calling `super().__init__()` is optional: the defaults live on the class.
    """

    training = True
    _name = None
    _buffers = ()  # names of the buffers (see `register_buffer`); a per-instance tuple once one exists
    _non_persistent = ()  # names of the buffers kept out of the state dict (register_buffer(..., persistent=False))
    _module_hooks = None  # {"pre": {id: (hook, with_kwargs)}, "post": {...}} once a forward hook is registered
    _replay_guards = ("training", "_module_hooks")  # class defaults that compiled steps guard (jit.py)

    def __init__(self):
        pass

    def forward(self, *args, **kwargs):
        """The module's computation: subclasses define it; callers call the module, module(x), not forward."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function '
                                  f"({type(self).__name__} must define forward())")

    def compile(self, *args, **kwargs):
        """PyTorch's `model.compile(...)`: compile this module's forward in place, with `autograd_core.compile`'s
        arguments (fullgraph, mode, ...). The module stays itself (its class, parameters, state dict, hooks); its
        calls go through the compiled program, as `model = compile(model)`'s would: replayed in training (each output
        a later backward differentiates is one node of the graph) and under `no_grad()`. Calling it again compiles
        the class's forward anew. Returns None."""
        from autograd_core import compile as compile_function

        self.__dict__.pop("forward", None)  # the class's forward, not an earlier compiled one
        forward = _ModuleForward(self)
        compiled = compile_function(forward, *args, name=kwargs.pop("name", None) or type(self).__name__, **kwargs)
        if compiled is not forward:  # disable=True gives the forward back: the module stays uncompiled
            object.__setattr__(self, "forward", compiled)

    def __call__(self, *args, **kwargs):
        # `with name_scope(name, kind, owner):` as two calls: no context-manager object per layer call.
        kind = type(self).__name__
        scope = enter_scope(self._name or kind, kind, self)
        try:
            if self._module_hooks is not None:
                return self._call_with_hooks(args, kwargs)
            return self.forward(*args, **kwargs)
        finally:
            exit_scope(scope)

    # ------------------------------------------------------------------------------------------------
    # Forward hooks (PyTorch's): look at or replace a module's inputs and output, e.g. to keep activations.

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call hook(module, args) before each forward (hook(module, args, kwargs) with with_kwargs=True). It may
        return None, new args (a tuple, or one value), or with with_kwargs a pair (args, kwargs). Returns a handle
        whose `remove()` takes the hook off. prepend: run it before the hooks already registered (after, by
        default). A compiled function that calls a hooked module runs eagerly."""
        return self._add_hook("pre", hook, with_kwargs, prepend)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """Call hook(module, args, output) after each forward (hook(module, args, kwargs, output) with
        with_kwargs=True); a return value other than None replaces the output. Returns a handle whose `remove()`
        takes the hook off. Hooks run in the order they were registered (prepend: this one first). always_call:
        also run it, with output None, when forward raises (its own exception is then a warning; forward's is
        raised), as PyTorch's."""
        return self._add_hook("post", hook, with_kwargs, prepend, always_call)

    def register_full_backward_pre_hook(self, hook, *, prepend=False):
        """Call hook(module, grad_output) when the backward pass reaches the module's output, before it goes into
        the module: grad_output is a tuple with the gradient of each output Value (GradArrays; None for an output
        that got none). It may return a tuple that replaces grad_output. Returns a handle whose `remove()` takes
        the hook off. Registered while gradients are recorded; see `register_full_backward_hook` for modules with
        several outputs."""
        return self._add_hook("backward_pre", hook, False, prepend)

    def register_full_backward_hook(self, hook, *, prepend=False):
        """Call hook(module, grad_input, grad_output) once the backward pass has computed the gradients with
        respect to the module's inputs: grad_input has one entry per positional Value argument of the call (None
        where it needs no gradient; keyword arguments and other objects are not listed), grad_output one per output
        Value, as PyTorch's. It may return a tuple that replaces grad_input (its gradients go on to the inputs).
        Returns a handle whose `remove()` takes the hook off.

        When the module's inputs need no gradient (a first layer), the hook runs when its output's gradient is
        complete, with grad_input all None. With several inputs (or outputs), the hook runs when the last of
        them has its gradient (at the end of the pass if one never gets any); a replacement can then change only
        that last gradient, and a hook that returns others raises. A compiled function that calls a hooked module
        runs eagerly."""
        return self._add_hook("backward", hook, False, prepend)

    def register_backward_hook(self, hook):
        """PyTorch's deprecated module backward hook (old Grad-CAM and guided-backpropagation code): here
        `register_full_backward_hook(hook)`. grad_output is the same as PyTorch's; grad_input holds the gradients
        of the module's inputs, which is what PyTorch's old hook gives for a module of one operation (ReLU, the
        guided-backpropagation case), while for a module of several (Linear, Conv2d) it gives those of the last
        operation's inputs (weight and bias included), which PyTorch itself warns about."""
        return self._add_hook("backward", hook, False)

    _modules = _DirectChildrenDescriptor(parameters=False)
    _parameters = _DirectChildrenDescriptor(parameters=True)
    _forward_pre_hooks = property(lambda self: _HookView(self, "pre"), doc="id -> forward pre-hook (PyTorch's name).")
    _forward_hooks = property(lambda self: _HookView(self, "post"), doc="id -> forward hook (PyTorch's name).")
    _backward_pre_hooks = property(lambda self: _HookView(self, "backward_pre"),
                                   doc="id -> full backward pre-hook (PyTorch's name).")
    _backward_hooks = property(lambda self: _HookView(self, "backward"),
                               doc="id -> full backward hook (PyTorch's name).")

    def _add_hook(self, kind, hook, with_kwargs, prepend=False, always_call=False):
        if not callable(hook):
            raise TypeError(f"{_REGISTRATION[kind]}: expected a callable, got {type(hook).__name__}")
        hooks = self._module_hooks
        if hooks is None:
            hooks = {kind: {} for kind in _REGISTRATION}
            object.__setattr__(self, "_module_hooks", hooks)  # not a child: Module.__setattr__ would name it
        handle = HookHandle(self, kind)
        hooks[kind][handle.id] = (hook, bool(with_kwargs), bool(always_call))
        if prepend:  # dicts keep insertion order: put this one first
            hooks[kind] = {handle.id: hooks[kind].pop(handle.id), **hooks[kind]}
        return handle

    def _call_with_hooks(self, args, kwargs):
        from autograd_core.jit import not_replayable

        hooks = self._module_hooks
        kinds = "forward" if hooks["pre"] or hooks["post"] else "backward"
        not_replayable(f"{type(self).__name__} has {kinds} hooks, Python that a replay would not run")
        backward = None
        if (hooks["backward"] or hooks["backward_pre"]) and is_grad_enabled():
            backward = _BackwardHooks(self, hooks)
        for hook, with_kwargs, _ in list(hooks["pre"].values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
                    args = args if isinstance(args, tuple) else (args,)
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        if backward is not None:
            args = backward.watch_inputs(args)
        try:
            output = self.forward(*args, **kwargs)
        except Exception:
            for hook, with_kwargs, always_call in list(hooks["post"].values()):
                if always_call:
                    try:
                        hook(self, args, kwargs, None) if with_kwargs else hook(self, args, None)
                    except Exception as err:
                        warnings.warn(f"forward hook with always_call=True raised an exception that was ignored: "
                                      f"{err!r}", UserWarning, stacklevel=2)
            raise
        for hook, with_kwargs, _ in list(hooks["post"].values()):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        if backward is not None:
            output = backward.watch_outputs(output)
        return output

    def __setattr__(self, name, value):
        if isinstance(value, (Module, Parameter, list, tuple, dict)):
            _name_children(value, name)
        elif isinstance(value, Buffer):
            self.register_buffer(name, value.view(np.ndarray), persistent=value.persistent)
            return
        elif name in self._buffers:  # a buffer assigned anew (`self.running_mean = m.copy()`) stays a buffer
            value = _with_tensor_methods(value)
        elif isinstance(value, Value) and isinstance(vars(self).get(name), Parameter):
            # `model.weight = torch.ones(2, 2)`: kept, the weight would silently leave parameters() and training
            raise TypeError(f"cannot assign '{legacy_name(value.dtype)}' as parameter '{name}' (torch.nn.Parameter "
                            f"or None expected) ({type(self).__name__}.{name} is a Parameter: wrap the new value, "
                            f"nn.Parameter(value), or change it in place, `with torch.no_grad(): "
                            f"self.{name}.copy_(value)`)")
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        object.__delattr__(self, name)
        if name in self._buffers:  # PyTorch's `del module.buffer`: no longer a buffer, nor in the state dict
            object.__setattr__(self, "_buffers", tuple(b for b in self._buffers if b != name))
            if name in self._non_persistent:
                object.__setattr__(self, "_non_persistent", tuple(b for b in self._non_persistent if b != name))

    # ------------------------------------------------------------------------------------------------
    # Registration.

    def register_buffer(self, name, tensor, persistent=True):
        """Keep `tensor` (an ndarray, a Value, or None) as attribute `name` and in the state dict, but not as a
        parameter: it is not trained (BatchNorm's running statistics). persistent=False: not in the state dict.

        A Value is kept as its array (a buffer is data, never part of a graph): PyTorch code registers tensors,
        `self.register_buffer('tril', torch.tril(torch.ones(8, 8)))`, and then indexes and compares them. An n-d
        buffer is a ParameterArray, as a Parameter's `.data` is: an ndarray with PyTorch's tensor methods too
        (`self.means.lerp_(m, 0.1)`, `self.vars.sqrt()`), which stays one when the attribute is assigned anew."""
        array = tensor
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"register_buffer: invalid buffer name {name!r}")
        if isinstance(array, Value):
            array = array.data
        if array is not None:
            array = _with_tensor_methods(np.asarray(array))
        if name not in self._buffers:
            object.__setattr__(self, "_buffers", tuple(self._buffers) + (name,))
        if persistent == (name in self._non_persistent):
            kept = tuple(n for n in self._non_persistent if n != name) + (() if persistent else (name,))
            object.__setattr__(self, "_non_persistent", kept)
        object.__setattr__(self, name, array)

    def register_parameter(self, name, param):
        """Same as `setattr(self, name, param)`; param must be a Parameter (or None)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter, not {type(param).__name__}")
        setattr(self, name, param)

    def add_module(self, name, module):
        """Same as `setattr(self, name, module)`; the name may be any string (Sequential uses '0', '1')."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{not_a_module(module)} (add_module: {name!r} must be a Module, not "
                            f"{type(module).__name__})")
        setattr(self, name, module)

    def register_module(self, name, module):
        """PyTorch's alias of `add_module(name, module)`."""
        self.add_module(name, module)

    # ------------------------------------------------------------------------------------------------
    # Walking the tree.

    def _direct(self):
        """(name, Parameter) and (name, Module) pairs held by this module's own attributes, in order (a member also
        held by an attribute of its own under that attribute's name only: see _attribute_members)."""
        return _attribute_members(list(vars(self).items()))

    def named_children(self):
        """(name, module) for each direct child module, each child once."""
        seen = set()
        for name, child in self._direct()[1]:
            if id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        """Iterator over the direct submodules (each once), in registration order."""
        for _, child in self.named_children():
            yield child

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for this module ('' unless `prefix`) and every module below it. PyTorch's
        arguments and order.

        memo: a set of modules to skip (PyTorch's); the modules listed are added to it (with remove_duplicate).
        remove_duplicate=False lists a shared module under each of its names (cycles are still cut).
        """
        seen = set() if memo is None else {id(module) for module in memo}
        stack = [(prefix, self, frozenset())]
        while stack:  # an explicit stack; children come out in attribute order
            name, module, ancestors = stack.pop()
            if id(module) in seen or id(module) in ancestors:
                continue
            if remove_duplicate:
                seen.add(id(module))
                if memo is not None:
                    memo.add(module)
            yield name, module
            below = ancestors | {id(module)}
            for child_name, child in reversed(module._direct()[1]):
                if child._name is None:  # appended to a list after the list was set: name it now
                    object.__setattr__(child, "_name", child_name)
                stack.append((f"{name}.{child_name}" if name else child_name, child, below))

    def modules(self, remove_duplicate=True):
        """Iterator over this module and all its submodules, depth first (a shared one once by default)."""
        for _, module in self.named_modules(remove_duplicate=remove_duplicate):
            yield module

    def apply(self, fn):
        """Call fn(module) on every module below this one, children before their parents, then on this one
        (PyTorch's order, e.g. `model.apply(init_weights)`); a module shared by two parents once. Returns self."""
        done = set()

        def visit(module):
            done.add(id(module))
            for child in module.children():
                if id(child) not in done:
                    visit(child)
            fn(module)

        visit(self)
        return self

    def _modules_below(self, prefix, recurse, remove_duplicate):
        """(dotted name, module): every module below this one, or (recurse=False) this one alone."""
        if not recurse:
            return [(prefix, self)]
        return self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter) for every parameter below this module (recurse=False: its own only); shared
        ones once (first name) unless remove_duplicate=False. PyTorch's arguments and order."""
        return self._named_members(_own_parameters, prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """Every Parameter below this module (recurse=False: its own only), each once, in a fixed order (attribute
        order)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, ndarray) for every buffer below this module (recurse=False: its own only; None buffers are
        skipped); a buffer shared by two modules once unless remove_duplicate=False. PyTorch's arguments."""
        return self._named_members(_own_buffers, prefix, recurse, remove_duplicate)

    def _named_members(self, own_members, prefix, recurse, remove_duplicate):
        """(dotted name, member) for the members `own_members(module)` gives of every module below this one (recurse=
        False: this one's only), one shared member once (under its first name) unless remove_duplicate=False."""
        seen = set()
        for module_name, module in self._modules_below(prefix, recurse, remove_duplicate):
            for name, member in own_members(module):
                if remove_duplicate:
                    if id(member) in seen:
                        continue
                    seen.add(id(member))
                yield (f"{module_name}.{name}" if module_name else name), member

    def buffers(self, recurse=True):
        """Iterator over the buffers (state that is not trained, e.g. running means), submodules' too by default."""
        for _, array in self.named_buffers(recurse=recurse):
            yield array

    def num_parameters(self):
        """How many numbers the parameters hold (shared parameters counted once)."""
        return sum(int(p.data.size) for p in self.parameters())

    # ------------------------------------------------------------------------------------------------
    # Modes and gradients.

    # An effect: a compiled step that starts with model.train() (or model.eval()) calls it again at each replay, and
    # does not guard the `training` flags it sets before the modules run.
    @effect(idempotent=True, updates=lambda self: [(module, "training") for module in self.modules()])
    def train(self, mode=True):
        """Training mode for this module and everything below it (Dropout drops, BatchNorm uses batch
        statistics). Returns self. mode must be a bool (ValueError otherwise, as PyTorch)."""
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode: same as `train(False)`. Returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set `requires_grad` on every parameter of this module and those below it; returns self.

        `model.backbone.requires_grad_(False)` freezes a part of a model for fine-tuning, as in PyTorch: its
        parameters get no gradient, and an optimizer given only the trainable ones leaves them alone.
        """
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    @effect(idempotent=True)  # autograd_core.compile replays it as a call
    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient to None (the next backward pass starts from zero); set_to_none=False
        fills the gradients there are with zeros instead, as PyTorch's."""
        for param in self.parameters():
            grad = param.grad
            if set_to_none or grad is None:
                param.grad = None
            elif getattr(grad, "is_sparse", False):
                grad.zero_()  # PyTorch's sparse zero_, in place: no entries left
            else:
                param.grad = np.zeros_like(np.asarray(getattr(grad, "data", grad)))

    def share_memory(self):
        """Refused with NotImplementedError, as a parameter's `share_memory_()` is: a module sent to another process is
        a pickled copy, so Hogwild training (processes updating one shared model) would train copies."""
        from autograd_core.tensor_attributes import SHARED_MEMORY_REFUSED

        raise NotImplementedError(f"Module.share_memory: {SHARED_MEMORY_REFUSED}")

    def cpu(self):
        """The module itself: its parameters and buffers are in the CPU's memory (PyTorch's `model.cpu()`)."""
        return self

    def cuda(self, device=None):
        """PyTorch's move to a GPU: there is none here, so this raises, as `model.to("cuda")` does."""
        return self.to("cuda" if device is None else device if isinstance(device, str) else f"cuda:{device}")

    def to_empty(self, *, device, recurse=True):
        """PyTorch's `model.to_empty(device=...)`: parameters and buffers moved to `device` without their values
        (PyTorch's hold whatever memory held after it, to be filled by `load_state_dict` or `param.copy_`). The CPU
        is the only device (others raise RuntimeError) and every tensor is there already, so they stay as they are,
        the same objects. Returns self."""
        if device is not None:
            on_cpu(device)
        return self

    def to(self, *args, **kwargs):
        """PyTorch's `model.to(device)` / `model.to(dtype)`: 'cpu' is the only device (others raise); a float or
        complex dtype converts every parameter's data (the same Parameter objects) and every floating-point or
        complex buffer (BatchNorm's running statistics; integer ones such as num_batches_tracked stay). As PyTorch's:
        a complex dtype warns that complex modules are new, and a real one given complex parameters drops their
        imaginary parts, with a warning. Returns self."""
        from autograd_core import device as _device

        dtype = kwargs.get("dtype")
        for arg in (*args, kwargs.get("device")):
            if isinstance(arg, (str, _device)):
                on_cpu(arg)
            elif arg is not None:
                dtype = arg
        if dtype is not None and np.dtype(dtype).kind not in "fc":
            # PyTorch's check: integer parameters would take no gradient steps (and truncate the weights)
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got desired "
                            f"dtype={np.dtype(dtype)}")
        if dtype is not None:
            if np.dtype(dtype).kind == "c":
                warnings.warn(_COMPLEX_MODULES_WARNING, UserWarning, stacklevel=2)
            self._cast(np.dtype(dtype), "fc")
        return self

    def _cast(self, dtype, kinds):
        """Every parameter and buffer whose dtype kind is among `kinds` ('f' floating, 'c' complex) to `dtype`."""
        if dtype.kind == "c":
            complex_values_exist()
        for param in self.parameters():
            if param.data.dtype.kind in kinds:
                param.data = _cast_array(param.data, dtype)
                param.grad = None
        for module in self.modules():
            for name in module._buffers:
                buffer = getattr(module, name)
                if buffer is not None and np.asarray(buffer).dtype.kind in kinds:
                    object.__setattr__(module, name, _with_tensor_methods(_cast_array(buffer, dtype)))

    def double(self):
        """Every floating-point parameter and buffer to float64 (complex ones stay, as PyTorch's). Returns self."""
        self._cast(np.dtype(np.float64), "f")
        return self

    def float(self):  # (a method: inside the class body below this line, `float` is this function)
        """Every floating-point parameter and buffer to float32 (complex ones stay, as PyTorch's). Returns self."""
        self._cast(np.dtype(np.float32), "f")
        return self

    def half(self):
        """Every floating-point parameter and buffer to float16 (complex ones stay, as PyTorch's). Returns self."""
        self._cast(np.dtype(np.float16), "f")
        return self

    def bfloat16(self):
        """PyTorch's `to(torch.bfloat16)`: a TypeError saying why (NumPy has no bfloat16) and what to use instead;
        the module is unchanged."""
        import autograd_core

        return self.to(autograd_core.bfloat16)

    def type(self, dst_type):
        """Every parameter and floating-point buffer to dst_type (a float dtype): `to(dst_type)`, as PyTorch's
        Module.type. Returns self."""
        return self.to(dst_type)

    def get_submodule(self, target):
        """The module at dotted path `target` ('' is self), e.g. `model.get_submodule('encoder.layers.0')`.
        AttributeError naming the missing step, as PyTorch's."""
        module = self
        if target == "":
            return module
        for step in target.split("."):
            child = dict(module.named_children()).get(step)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no attribute `{step}`")
            module = child
        return module

    def get_parameter(self, target):
        """The Parameter at dotted path `target` (`'encoder.0.weight'`); AttributeError if there is none."""
        owner, _, name = target.rpartition(".")
        module = self.get_submodule(owner)
        param = dict(module.named_parameters(recurse=False)).get(name)
        if param is None:
            raise AttributeError(f"`{name}` is not an nn.Parameter of {type(module).__name__}")
        return param

    def get_buffer(self, target):
        """The buffer at dotted path `target` (`'bn.running_mean'`); AttributeError if there is none."""
        owner, _, name = target.rpartition(".")
        module = self.get_submodule(owner)
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer of {type(module).__name__}")
        return getattr(module, name)

    # ------------------------------------------------------------------------------------------------
    # State: parameters and buffers as NumPy arrays, by dotted name.

    def _state_entries(self):
        """(name, owner, attribute) for params, buffers and extra state, module by module like PyTorch:
        own parameters, own buffers, own extra state, then children. `attribute` is None for a parameter
        (the owner is the Parameter), a buffer's name, or `_EXTRA`. Shared parameters appear under every
        name, as in PyTorch, so tied weights convert both ways."""
        entries = []
        for module_name, module in self.named_modules(remove_duplicate=False):
            pre = f"{module_name}." if module_name else ""
            for name, param in module._direct()[0]:
                entries.append((pre + name, param, None))
            for name in module._buffers:
                if getattr(module, name) is not None and name not in module._non_persistent:
                    entries.append((pre + name, module, name))
            if _keeps_extra_state(module) and module.get_extra_state() is not None:
                entries.append((pre + EXTRA_STATE, module, _EXTRA))
        return entries

    def _extra_state_keys(self):
        """The `_extra_state` keys a state dict may hold for this model: those of every module whose class keeps
        extra state, whether or not it keeps any now (a Dropout with its own generator does, one drawing from the
        default generator does not). A state dict with such a key for a module keeping none loads, the entry
        ignored: checkpoints written before that Dropout kept none."""
        return {(f"{name}." if name else "") + EXTRA_STATE
                for name, module in self.named_modules(remove_duplicate=False)  # (every name, as _state_entries)
                if _keeps_extra_state(module)}

    @staticmethod
    def _entry_array(owner, attribute):
        if attribute is None:
            return owner.data
        return owner.get_extra_state() if attribute is _EXTRA else getattr(owner, attribute)

    def get_extra_state(self):
        """State that is neither a parameter nor a buffer, as an ndarray kept in the state dict under
        `<module name>._extra_state` (PyTorch's key); None: none (then the state dict has no such key). The base
        class has none; an `nn.Dropout` given its own generator (`rng=`) keeps that generator's state there, so a
        resumed run draws the same masks."""
        return None

    def set_extra_state(self, state):
        """Restore what `get_extra_state` returned; raise ValueError, before changing anything, if `state`
        does not fit."""
        raise CheckpointError(f"{type(self).__name__} keeps no extra state")

    # ------------------------------------------------------------------------------------------------
    # State-dict hooks (PyTorch's): code that renames a checkpoint's keys on load, or drops entries on save.

    def _add_state_hook(self, kind, hook, flag=False):
        if not callable(hook):
            raise TypeError(f"expected a callable hook, got {type(hook).__name__}")
        hooks = vars(self).get("_state_hooks")
        if hooks is None:
            hooks = {k: {} for k in _STATE_HOOKS}
            object.__setattr__(self, "_state_hooks", hooks)  # not a child: Module.__setattr__ would name it
        handle = _StateHookHandle(self, kind)
        hooks[kind][handle.id] = (hook, flag)
        return handle

    def register_state_dict_pre_hook(self, hook):
        """Call hook(module, prefix, keep_vars) when `state_dict()` is about to save this module's entries (prefix:
        its keys' start, such as 'encoder.0.'). Returns a handle whose `remove()` takes it off."""
        return self._add_state_hook("state_dict_pre", hook)

    def register_state_dict_post_hook(self, hook):
        """Call hook(module, state_dict, prefix, local_metadata) after `state_dict()` has saved this module's entries
        (a child's hooks run before its parent's); it may change state_dict in place. Returns a handle."""
        return self._add_state_hook("state_dict_post", hook)

    def _register_state_dict_hook(self, hook):
        """PyTorch's private form of `register_state_dict_post_hook`, whose hook may also return a new state dict
        that replaces it."""
        return self._add_state_hook("state_dict_post", hook, True)

    def register_load_state_dict_pre_hook(self, hook):
        """Call hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
        before `load_state_dict` reads this module's entries: it may rename or convert keys of state_dict (a copy of
        the dict given, as in PyTorch) or add messages to error_msgs (then loading raises). Returns a handle."""
        return self._add_state_hook("load_pre", hook, True)

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        """PyTorch's private form: hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs), with the module first when with_module=True."""
        return self._add_state_hook("load_pre", hook, bool(with_module))

    def register_load_state_dict_post_hook(self, hook):
        """Call hook(module, incompatible_keys) once `load_state_dict` knows the missing and unexpected keys; it may
        change incompatible_keys.missing_keys and .unexpected_keys in place (clearing keys it expects to miss)
        before strict=True checks them. Here it runs before the values are copied in, since a load that raises
        changes nothing. Returns a handle."""
        return self._add_state_hook("load_post", hook)

    def _state_hooked(self, prefix=""):
        """(prefix of its keys, module) for this module and those below it that have state-dict hooks, parents
        first."""
        return [(prefix + name + "." if name else prefix, module) for name, module in self.named_modules()
                if any(vars(module).get("_state_hooks", {}).values())]

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """An ordered dict of dotted name -> array for every parameter, buffer and extra state, as PyTorch's.
        PyTorch's arguments: destination (a dict to fill and return), prefix (put before every key), keep_vars
        (the Parameters and buffers themselves rather than arrays of their memory); positional ones are deprecated,
        as there.

        Each parameter's and buffer's array is a StateArray (see nn.state_array) that shares memory with it, as
        PyTorch's detached tensors do: an ndarray to NumPy (np.savez, arithmetic, indexing) that also answers the
        tensor methods PyTorch code calls on a state dict's values (`.size()`, `.numpy()`, `.clone()`, `.copy_()`,
        `.mul_()`, `.add_(x, alpha=a)`, `.lerp_()`, ...; `requires_grad` is False). A change in place through it
        changes the parameter (an EMA of the weights: `ema_v.mul_(d).add_(model_v, alpha=1 - d)`), and its version
        counter notes it. So the dict follows training: keep "the best weights so far" as
        `copy.deepcopy(model.state_dict())` or `{k: v.clone() for k, v in ...}`, as in PyTorch. Extra state is what
        get_extra_state returns."""
        if args:
            warnings.warn("Positional args are being deprecated, use kwargs instead. Refer to "
                          "https://pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.state_dict "
                          "for details.", FutureWarning, stacklevel=2)
            destination = args[0] if destination is None else destination
            prefix = args[1] if len(args) > 1 and prefix == "" else prefix
            keep_vars = args[2] if len(args) > 2 and keep_vars is False else keep_vars
        state = collections.OrderedDict() if destination is None else destination
        hooked = self._state_hooked(prefix)
        for module_prefix, module in hooked:
            for hook, _ in list(module._state_hooks["state_dict_pre"].values()):
                hook(module, module_prefix, keep_vars)
        for key, owner, attribute in self._state_entries():
            if attribute is _EXTRA:
                state[prefix + key] = owner.get_extra_state()  # as it is, as PyTorch's
            elif keep_vars:
                state[prefix + key] = self._entry_array(owner, attribute) if attribute else owner
            else:
                state[prefix + key] = state_array(owner, attribute, self._entry_array(owner, attribute))
        for module_prefix, module in reversed(hooked):  # children before their parents, as PyTorch's recursion
            for hook, may_replace in list(module._state_hooks["state_dict_post"].values()):
                result = hook(module, state, module_prefix, {})
                if result is not None:
                    if not may_replace:
                        raise RuntimeError("state_dict post hook must return None")
                    state = result
        return state

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy arrays from `state_dict` (name -> array-like) into the parameters, buffers and extra state.

        Values are cast to each parameter's dtype when nothing is lost (float64 -> float32 rounds; NaN or
        3.9 into an integer buffer, or 1e300 into float32, are errors). Shapes must match exactly. With
        strict=True, a key this module lacks or a key the dict lacks raises `nn.CheckpointError` (a
        ValueError) naming them; with strict=False they are returned as (missing_keys, unexpected_keys).
        `_extra_state` keys may be missing (PyTorch's state dicts have none). Nothing is changed when an
        error is raised. assign=True: each parameter and buffer takes the given array itself (its dtype, no copy)
        instead of a copy into its own, as PyTorch's.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(
                f"load_state_dict: expected a mapping of name -> array, got {type(state_dict).__name__}"
            )
        hooked = self._state_hooked()
        hook_missing, hook_unexpected, errors = [], [], []
        if hooked:
            state_dict = collections.OrderedDict(state_dict)  # the hooks may rename keys: not in the caller's dict
            for module_prefix, module in hooked:
                for hook, with_module in list(module._state_hooks["load_pre"].values()):
                    args = (state_dict, module_prefix, {}, strict, hook_missing, hook_unexpected, errors)
                    hook(module, *args) if with_module else hook(*args)
            if errors:
                raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                                   + "\n\t".join(errors))
        entries = self._state_entries()
        own = {key for key, _, _ in entries} | self._extra_state_keys()
        missing = [key for key, _, _ in entries if key not in state_dict and not is_extra_state(key)] + hook_missing
        unexpected = [key for key in state_dict.keys() if key not in own] + hook_unexpected
        for _, module in hooked:
            for hook, _ in list(module._state_hooks["load_post"].values()):
                hook(module, _IncompatibleKeys(missing, unexpected))  # the lists, which the hook may change
        # PyTorch's error lists the missing and unexpected keys (strict) with every size mismatch (even unstrict)
        self._apply_state(state_dict, entries, "load_state_dict", assign, (missing, unexpected) if strict else None)
        return _IncompatibleKeys(missing, unexpected)

    def _apply_state(self, state, entries, source, assign=False, wrong_keys=None):
        """Check every entry of `state` against the model, then (only then) copy them in. `wrong_keys`: for
        load_state_dict, (missing, unexpected) keys to refuse (strict) or None; its error is PyTorch's
        (checkpoint.state_dict_error), a file's (`load`) ours."""
        updates, extras, mismatched = [], [], []
        for key, owner, attribute in entries:
            if key not in state:
                continue
            where = f"{source}: key {short(key)}"
            value = state[key]
            if attribute is None and (isinstance(owner.data, SparseData) or isinstance(value, Value)
                                      and isinstance(value.data, SparseData)):
                from .sparse_parameter import load_sparse  # PyTorch's copy_ rules for sparse tensors

                updates.append((owner, attribute, load_sparse(type(self).__name__, key, owner.data, value)))
                continue
            new = np.asarray(value.data if isinstance(value, Value) else value)
            if new.dtype.kind not in "biufc":
                raise CheckpointError(f"{where}: non-numeric dtype {new.dtype}")
            if attribute is _EXTRA:
                extras.append((key, owner, np.array(new, copy=True)))
                continue
            current = self._entry_array(owner, attribute)
            lazy = getattr(owner if attribute is None else current, "is_uninitialized", False) is True
            if new.shape != np.shape(current) and not lazy:  # a lazy module's parameter takes the checkpoint's shape
                # gather every mismatch, as PyTorch lists them all: a changed layer width shows in several keys
                mismatched.append((key, new.shape, np.shape(current)) if source == "load_state_dict" else
                                  f"key {short(key)}: shape mismatch: the checkpoint has {new.shape}, "
                                  f"this module has {np.shape(current)}")
                continue
            updates.append((owner, attribute, new if assign else cast_exactly(new, np.asarray(current).dtype, where)))
        if source == "load_state_dict":
            error = state_dict_error(type(self).__name__, *(wrong_keys or ((), ())), mismatched)
            if error is not None:
                raise error
        elif mismatched:
            more = f"; and {len(mismatched) - 5} more" if len(mismatched) > 5 else ""
            raise CheckpointError(f"{source}: " + "; ".join(mismatched[:5]) + more)
        done = []
        for key, owner, new in extras:  # each validates before it changes its module
            before = owner.get_extra_state()
            try:
                owner.set_extra_state(new)
            except (ValueError, TypeError, KeyError) as err:
                for undo, state in reversed(done):  # put back the ones already restored
                    undo.set_extra_state(state)
                raise CheckpointError(f"{source}: key {short(key)}: {err}") from None
            done.append((owner, before))
        for owner, attribute, new in updates:
            if isinstance(new, SparseData):  # a sparse parameter's: its new indices and values (PyTorch's copy_)
                with no_grad():
                    owner.data = new
                continue
            if attribute is None:
                if getattr(owner, "is_uninitialized", False) is True:
                    owner.materialize(new.shape)  # nn.UninitializedParameter: now a Parameter of that shape
                if assign:
                    owner.data = new
                    continue
                with no_grad():  # in place, as PyTorch's param.copy_(...): the version counter notes it
                    owner.copy_(new)
            else:
                object.__setattr__(owner, attribute, _with_tensor_methods(new))

    def save(self, path):
        """Write the state dict to `path` as an uncompressed .npz (plain arrays, no pickled objects).

        The write is atomic: a temporary file in the same folder is written, fsynced and renamed over
        `path` (keeping the mode of the file it replaces; a symlink is followed), so an interrupted save
        leaves the previous checkpoint intact.
        """
        save_atomic(self.state_dict(), path)

    def load(self, path, strict=True):
        """Read a state dict written by `save` (or `np.savez`); never unpickles, so never runs code.

        The archive is checked before arrays are read (see `nn.checkpoint`): member names and count,
        dtypes, shapes and declared sizes. Any problem raises `nn.CheckpointError` naming the file and the
        key; the model is unchanged then. Returns (missing_keys, unexpected_keys) like load_state_dict.
        """
        entries = self._state_entries()
        expected = {key: None for key in self._extra_state_keys()}  # (read if there, not needed)
        expected.update({key: (None if attribute is _EXTRA else self._entry_array(owner, attribute))
                         for key, owner, attribute in entries})
        state, missing, unexpected = read_checkpoint(path, expected, strict, type(self).__name__)
        self._apply_state(state, entries, os.fspath(path))
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------------------------------------
    # Printing.

    def extra_repr(self):
        """The text between the parentheses of this module's one-line description (layers override it)."""
        return ""

    def __repr__(self):
        """PyTorch's text: `Name(extra_repr)` on one line when extra_repr is one line and there are no children;
        otherwise `Name(`, then each line of extra_repr and a `(name): child` line per child, indented, then `)`.
        Ours adds `  # N parameters` after the first line of a module holding parameters (shared ones counted
        once)."""
        extra = self.extra_repr()
        count = Module.num_parameters(self)  # PReLU's attribute `num_parameters` (PyTorch's) hides the method
        note = f"  # {count:,} parameter{'s' if count != 1 else ''}" if count else ""
        children = [f"({name}): " + body.replace("\n", "\n  ") for name, body in self._repr_children()]
        if not children and "\n" not in extra:
            return f"{type(self).__name__}({extra}){note}"
        lines = (extra.split("\n") if extra else []) + children
        return f"{type(self).__name__}({note}\n  " + "\n  ".join(lines) + "\n)"

    def _repr_children(self):
        """(label, text) of each child, as __repr__ lists them (ModuleList folds repeats)."""
        return [(name, repr(child)) for name, child in self.named_children()]

