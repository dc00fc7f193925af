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

This module holds Parameter, Buffer and Module's registration, walking and printing; Module's other methods are
written beside it and copied onto it: hooks (module_hooks.py), modes, gradients, devices and dtypes (module_modes.py),
and the state dict and checkpoints (module_state.py). What each module's attributes hold, the scan that walks read,
is found in module_walk.py.
"""

from __future__ import annotations

import collections.abc

import numpy as np

from autograd_core import Value, get_default_dtype
from autograd_core.errors import legacy_name
from autograd_core.grad_array import ParameterArray
from autograd_core.torch_text import tensor_text
from autograd_core.sparse_array import SparseData
from autograd_core.tensor_methods import on_cpu
from autograd_core.python_numbers import complex_values_exist
from autograd_core.modes import enter_scope, exit_scope


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

    _modules = _DirectChildrenDescriptor(parameters=False)
    _parameters = _DirectChildrenDescriptor(parameters=True)

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
        attributes = self.__dict__
        layout = _LAYOUTS.get(id(self))
        if (layout is None or layout.keys != tuple(attributes) or layout.types != tuple(map(type, attributes.values()))
                or layout.skip is not None):
            return _direct_members(self)
        if layout.checks:
            return _direct_members(self, None, layout, True)
        params, modules = layout.params, layout.modules  # (_read's lines: this is the walk's commonest call)
        return ([(name, attributes[name]) for name in params] if params else [],
                [(name, attributes[name]) for name in modules] if modules else [])

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
        if memo is not None or not remove_duplicate:
            for name, module, _ in self._walk(memo, prefix, remove_duplicate):
                yield name, module
            return
        seen = set()  # (the common call: _walk's loop without its `found` lists, one generator instead of two)
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = module._direct()[1]  # read after the caller's work on the module, as PyTorch's
            if children:
                stack += _children_to_walk(name, children)

    def _walk(self, memo, prefix, remove_duplicate):
        """named_modules' walk: (dotted name, module, found) for each module, where `found` is an empty list in which
        the caller may put the module's `_direct()` pairs; the walk then takes the module's children from them instead
        of scanning its attributes again (named_parameters: one scan per module, not two). Otherwise the children are
        read when the walk resumes, after the caller's work on the module, as PyTorch's named_modules reads them (a
        child replaced meanwhile is the one walked)."""
        seen = set() if memo is None else {id(module) for module in memo}
        if not remove_duplicate:
            yield from self._walk_every_name(seen, prefix)
            return
        stack = [(prefix, self)]
        while stack:  # an explicit stack; children come out in attribute order
            name, module = stack.pop()
            if id(module) in seen:  # (a module met again, on a cycle too: each is listed once)
                continue
            seen.add(id(module))
            if memo is not None:
                memo.add(module)
            found = []
            yield name, module, found
            children = (found[0] if found else module._direct())[1]
            if children:
                stack += _children_to_walk(name, children)

    def _walk_every_name(self, skipped, prefix):
        """_walk with remove_duplicate=False: a shared module under each of its names; a module below itself (a cycle)
        is not entered again."""
        met = set()  # the modules listed so far: only one met again may be its own ancestor
        stack = [(prefix, self, None)]  # (name, module, the parent's entry)
        while stack:
            entry = stack.pop()
            name, module, parent = entry
            if id(module) in skipped:
                continue
            if id(module) in met:
                while parent is not None and parent[1] is not module:
                    parent = parent[2]
                if parent is not None:  # a cycle
                    continue
            met.add(id(module))
            found = []
            yield name, module, found
            children = (found[0] if found else module._direct())[1]
            if children:
                stack += [(child_name, child, entry) for child_name, child in _children_to_walk(name, children)]

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

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter) for every parameter below this module (recurse=False: its own only); shared
        ones once (first name) unless remove_duplicate=False. PyTorch's arguments and order."""
        return self._named_members(_own_parameters, prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """Every Parameter below this module (recurse=False: its own only), each once, in a fixed order (attribute
        order)."""
        kind = type(self)
        if not recurse or (kind.named_parameters, kind._named_members, kind._walk) != _NAMED_PARAMETERS_WALK:
            for _, param in self.named_parameters(recurse=recurse):
                yield param
            return
        seen, met = set(), set()  # (named_parameters' walk without the names: the commonest walk of all)
        stack = [self]
        while stack:
            module = stack.pop()
            if id(module) in met:
                continue
            met.add(id(module))
            params, children = module._direct()
            for _, param in params:
                if id(param) not in seen:
                    seen.add(id(param))
                    yield param
            if children:
                for child_name, child in reversed(children):
                    if child._name is None:
                        object.__setattr__(child, "_name", child_name)
                    stack.append(child)

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, ndarray) for every buffer below this module (recurse=False: its own only; None buffers are
        skipped); a buffer shared by two modules once unless remove_duplicate=False. PyTorch's arguments."""
        return self._named_members(_own_buffers, prefix, recurse, remove_duplicate)

    def _named_members(self, own_members, prefix, recurse, remove_duplicate):
        """(dotted name, member) for the members `own_members(module)` gives of every module below this one (recurse=
        False: this one's only), one shared member once (under its first name) unless remove_duplicate=False."""
        seen = set()
        walk = self._walk(None, prefix, remove_duplicate) if recurse else [(prefix, self, [])]
        for module_name, module, found in walk:
            if own_members is _own_parameters:  # the scan that finds the parameters finds the children too
                found.append(module._direct())
                members = found[0][0]
            else:
                members = own_members(module)
            for name, member in members:
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


# Module's hooks, modes and state, written apart and copied onto Module when imported.
from . import module_hooks, module_modes, module_state  # noqa: E402, F401  (attached)

# Pickles written before the split name these classes here (load_state_dict's result, a view of a module's hooks).
from .module_hooks import _HookView  # noqa: E402, F401
from .module_state import _IncompatibleKeys  # noqa: E402, F401

# How a module finds its members (module_walk.py): the functions the methods above call.
from .module_walk import (  # noqa: E402, F401
    _LAYOUTS, _PLAIN_VALUES, _attribute_members, _children_to_walk, _direct_members, _members, _name_children,
)

# parameters() walks by itself while these are Module's (a subclass overriding one is walked through it)
_NAMED_PARAMETERS_WALK = (Module.named_parameters, Module._named_members, Module._walk)
