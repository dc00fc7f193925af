"""How a Module finds what its attributes hold: its Parameters and child Modules, in attribute order, inside lists,
tuples and dicts too, and the layout of each module's attributes that lets a walk skip the scan while they keep their
names and classes.

Apart from module.py, which holds Module itself, because this is the one job a walk over a model repeats for every
module at every step (`model.parameters()`, `model.zero_grad()`, `model.state_dict()`); module.py imports these
functions back at its end.
"""

from __future__ import annotations

import weakref

from .module import Module, Parameter


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
            if item.__class__ not in _PLAIN_VALUES:  # (a list of names or sizes: no call, no dotted name per item)
                _members(item, f"{prefix}.{i}", params, modules)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            if item.__class__ not in _PLAIN_VALUES:
                _members(item, f"{prefix}.{key}", params, modules)


_PLAIN_VALUES = frozenset({type(None), bool, int, float, str, complex, bytes})


def _attribute_members(attributes):
    """(name, Parameter) and (name, Module) pairs held by `attributes` (a list of (name, value)), in order,
    descending into lists, tuples and dicts. A member that an attribute of its own also holds is left out of the
    containers: PyTorch, which never looks into a plain list, registers it under that attribute's name and in that
    attribute's place, so its state_dict key is 'fc0.weight' there, not 'fcs.0.weight' (莫烦's batch-norm network
    keeps its layers in `self.fcs` and registers each with `setattr(self, 'fc%i' % i, fc)`)."""
    params, modules = [], []
    held = None  # ids of the members held by attributes directly, found when a container is met
    for name, value in attributes:
        if value.__class__ in _PLAIN_VALUES:  # (most attributes: skipped without a call)
            continue
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


# A module's layout: which of its attributes can hold members, and how. Scanning every attribute of every module at
# every walk cost more than PyTorch's whole walk (model.parameters() 2.9x its time on a small transformer), and a
# registry kept by __setattr__ would miss what our users do and PyTorch does not see: a list changed in place
# (micrograd's `self.neurons`), or an attribute set through `object.__setattr__` or `__dict__` (functional_call,
# parametrizations, a user's own code). So the result of a module's scan is kept with what it was made from, the
# names of its attributes in order and the class of each value, and used again while both are the same: two passes
# in C over the attributes (no Python call per attribute), exact whatever set them, since whether a value can hold a
# member depends on its class alone (Parameter, Module, list, tuple, dict). Containers are still read at every walk
# (lists change in place), with one pass in C when they hold only plain values (Sequential's list of names), except
# a tuple of plain values (LayerNorm's normalized_shape), passed over while the attribute holds that same tuple.


class _Layout:
    """What one scan of a module's attributes found, valid while `keys` and `types` describe them.

    keys, types:  the attributes' names in order, and the class of each value, when scanned.
    skip:  the attribute left out of the scan (a ModuleList's `_modules`, which its _direct reads apart), or None.
    params, modules:  the names of the attributes holding a Parameter / a Module, in order.
    containers:  the names of the attributes holding a list, tuple or dict (but the inert ones), in order.
    scanned:  the names of every attribute that may hold members, in order, for `_attribute_members` when a container
           holds more than plain values.
    inert:  (name, tuple) for each tuple of plain values (nested tuples too) left out while the attribute holds it.
    checks:  whether a walk must look at more than keys and types (containers or inert tuples).
    ref:  a weak reference to the module, whose callback forgets the layout when the module goes.
    """

    __slots__ = ("keys", "types", "skip", "params", "modules", "containers", "scanned", "inert", "checks", "ref")


_LAYOUTS = {}  # id(module) -> its _Layout (kept outside the module: vars(), pickles and copies stay as they were)


class _ModuleRef(weakref.ref):
    __slots__ = ("key",)


def _forget(ref, layouts=_LAYOUTS):
    layout = layouts.get(ref.key)
    if layout is not None and layout.ref is ref:
        del layouts[ref.key]


def _inert(value):
    """Whether `value` is a tuple of plain values (nested tuples too): it can never hold a member."""
    return value.__class__ is tuple and all(item.__class__ in _PLAIN_VALUES or _inert(item) for item in value)


def _new_layout(module, attributes, skip, old):
    """Scan `attributes` (the module's __dict__) into a new _Layout, kept for the module's next walks."""
    layout = _Layout()
    layout.keys, layout.types, layout.skip = tuple(attributes), tuple(map(type, attributes.values())), skip
    params, modules, containers, scanned, inert = [], [], [], [], []
    for name, value in attributes.items():
        if name == skip or value.__class__ in _PLAIN_VALUES:
            continue
        if isinstance(value, (list, tuple, dict)):  # (first: a list that is also a Module is a container here too)
            if _inert(value):
                inert.append((name, value))
                continue
            containers.append(name)
        elif isinstance(value, Parameter):
            params.append(name)
        elif isinstance(value, Module):
            modules.append(name)
        else:
            continue
        scanned.append(name)
    layout.params, layout.modules, layout.containers = tuple(params), tuple(modules), tuple(containers)
    layout.scanned, layout.inert, layout.checks = tuple(scanned), tuple(inert), bool(containers or inert)
    if old is not None and old.ref() is module:
        layout.ref = old.ref
    else:
        try:
            layout.ref = _ModuleRef(module, _forget)
        except TypeError:  # a module that takes no weak reference: scanned at every walk, as before
            return layout
        layout.ref.key = id(module)
    _LAYOUTS[id(module)] = layout
    return layout


def _direct_members(module, skip=None, layout=None, checked=False):
    """(name, Parameter) and (name, Module) pairs held by the module's own attributes but `skip`, in order: those of
    `_attribute_members` over them, read through the module's _Layout (`layout`, already compared with the
    attributes if `checked`)."""
    attributes = module.__dict__
    if not checked:
        layout = _LAYOUTS.get(id(module))
        if (layout is None or layout.keys != tuple(attributes) or layout.types != tuple(map(type, attributes.values()))
                or layout.skip != skip):
            layout = _new_layout(module, attributes, skip, layout)
    for name, value in layout.inert:
        if attributes[name] is not value:  # another tuple now: scanned again
            layout = _new_layout(module, attributes, skip, layout)
            break
    for name in layout.containers:
        value = attributes[name]
        kind = value.__class__
        items = value.values() if kind is dict else value if kind is list or kind is tuple else None
        if items is None or not _PLAIN_VALUES.issuperset(map(type, items)):  # members maybe: the whole scan
            return _attribute_members([(name, attributes[name]) for name in layout.scanned])
    return _read(layout, attributes)


def _read(layout, attributes):
    """The (name, Parameter) and (name, Module) pairs of the attributes `layout` names (no container holds any)."""
    params, modules = layout.params, layout.modules
    return ([(name, attributes[name]) for name in params] if params else [],
            [(name, attributes[name]) for name in modules] if modules else [])


def _children_to_walk(name, children):
    """(dotted name, child) for the `children` pairs of the module walked under `name`, last first: what the walks
    push on their stack, to pop in attribute order. A child appended to a list after the list was set (so not named
    by __setattr__) is given its name here, for pictures."""
    dot = name + "." if name else ""
    pushed = []
    for child_name, child in reversed(children):
        if child._name is None:
            object.__setattr__(child, "_name", child_name)
        pushed.append((dot + child_name, child))
    return pushed


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
