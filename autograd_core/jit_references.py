"""The names a compiled function refers to (jit.py): module globals, closure variables, default arguments and the
attributes of its object and of the modules a call went through, with their values when a call was recorded, checked
before every replay (a failing check re-records; see jit.py's module docstring, "The module globals ...")."""

from __future__ import annotations

import builtins
import functools
import itertools
import operator
import sys
import types
import weakref

import numpy as np

from .grad_array import ParameterArray

# Arrays read as globals, closure variables, attributes or items, and those on the modules a call goes through, up to
# this many elements, are guarded by their contents too (a copy, compared at each replay: ~1 ms per million elements);
# a larger one that a program does not read itself makes the function run eagerly, with a warning (`unguarded`)
_SNAPSHOT = 1 << 22
_DEPTH = 6  # objects, functions and nested dicts followed this deep; state named deeper: eager, with a warning

_PLAIN = (int, float, complex, str, bytes, bool, type(None), np.generic)
# A module's arrays guarded by their contents: plain ones, and its buffers (register_buffer's, BatchNorm's running
# statistics: ParameterArray), whose contents eval mode's batch_norm bakes into constants (1 / sqrt(var + eps))
_ARRAYS = (np.ndarray, ParameterArray)
_NOT_GUARDED = (types.ModuleType, type)  # modules and classes: rebound in practice never, and there are many
_MISSING = object()


class _Referenced:
    """The module globals and closure variables a function reads (and those of the Python functions it names,
    a few levels deep), with their values when a call was recorded. A replay first checks that they still
    hold those values: a rebound global (a loss weight `beta = 0.5`, a loss function, a model) re-records
    instead of replaying with the old one baked in, as torch.compile's guards on globals do.

    Numbers, strings and None are compared by value (and type); anything else by identity. An array keeps its
    identity when changed in place: arrays (up to _SNAPSHOT elements) that the function reads as globals, closure
    variables or its object's attributes (a scale or class weights it indexes with NumPy), and those of the modules
    a call went through (BatchNorm's running statistics and its counter num_batches_tracked), are also compared with
    a copy taken at the recording; a program reads the arrays it was given as Values live (read_live). What no check
    covers (a larger array not read live, state named deeper than _DEPTH, a dict or list of more than _ITEMS items)
    is listed in `unguarded`: the function then runs eagerly, with a warning (jit.py), never replays unguarded.
    """

    __slots__ = ("checks", "unguarded", "names", "_all_hold", "_first_failing")

    def __init__(self, fn):
        self._all_hold = self._first_failing = None  # the checks as generated functions (`holds`), made on first use
        # The attributes of objects (`cfg.opt.lr`) are guarded where any function followed names them: a helper
        # `get_lr(cfg)` reads what the step hands it. Collected again while following finds names it had not seen.
        self.names = set()
        for _ in range(_DEPTH):
            known = len(self.names)
            self.checks = []  # (container, name or None for a closure cell, expected value or object)
            self.unguarded = []  # (what, an array or None): state the function reads that no check covers
            self._collect(fn, 0, set())
            if len(self.names) == known:
                break

    def _collect(self, fn, depth, seen):
        owner = None
        while True:  # to the Python function behind a bound method or a functools.partial
            if isinstance(fn, types.MethodType):
                owner, fn = fn.__self__, fn.__func__
            elif isinstance(fn, functools.partial):
                fn = fn.func
            else:
                break
        if not isinstance(fn, types.FunctionType) or (id(fn), id(owner)) in seen:
            return
        if (fn.__module__ or "").split(".")[0] in ("autograd_core", "numpy"):
            return  # library code: its globals are its own machinery
        if depth > _DEPTH:  # (a helper of a helper ...: what it reads would go unguarded)
            self.unguarded.append((f"the function {fn.__qualname__}, named {depth} functions or objects deep", None))
            return
        seen.add((id(fn), id(owner)))
        names, found = set(), []
        _code_names(fn.__code__, names)
        self.names |= names
        namespace = fn.__globals__
        for name in sorted(names):
            value = namespace.get(name, _MISSING)
            if value is not _MISSING:
                found.append((namespace, name, value))
        for cell in fn.__closure__ or ():
            try:
                found.append((cell, None, cell.cell_contents))
            except ValueError:  # an empty cell (a variable assigned later in the enclosing function)
                continue
        # Default arguments (`def step(x, cfg={...}, scale=np.array([1.0]))`) are read like globals when a call leaves
        # them out: rebinding `step.__defaults__` or changing a mutable default in place must re-record too.
        found.extend((fn, ("default", i), value) for i, value in enumerate(fn.__defaults__ or ()))
        found.extend((fn, ("default", name), value) for name, value in sorted((fn.__kwdefaults__ or {}).items()))
        attributes = getattr(owner, "__dict__", None)
        if isinstance(attributes, dict):  # a method: the attributes of its object that its code names (self.beta)
            found.extend((owner, ("attribute", name), attributes[name]) for name in sorted(names) if name in attributes)
        for container, name, value in found:
            self._guard(container, name, value, names, depth, seen)

    def _guard(self, container, name, value, names, depth, seen):
        """The checks for `value`, read from `container` under `name` by code that names `names`."""
        if isinstance(value, _NOT_GUARDED):
            return
        self.checks.append((container, name, value))
        if value.__class__ is np.ndarray:  # `scale[0]` read with NumPy: a constant baked in
            if value.size <= _SNAPSHOT:
                self.checks.append((container, _snapshot_kind(name, "contents"), value.copy()))
            else:
                self.unguarded.append((f"{_describe_reference(container, name)}, an array of {value.size:,} "
                                       "elements", value))
        elif value.__class__ in (dict, list):  # `if cfg["aux"]:` steers Python
            if _guardable(value):
                visit = functools.partial(self._item, names=names, depth=depth, seen=seen)
                self.checks.append((container, _snapshot_kind(name, "items"), items_snapshot(value, visit=visit)))
            else:
                self.unguarded.append((f"{_describe_reference(container, name)}, a {type(value).__name__} of "
                                       f"{len(value):,} items", None))
        else:
            self._inside(value, names, depth, seen)

    def _inside(self, value, names, depth, seen):
        """The checks for what an object or a function holds (the identity of `value` checked already)."""
        if _is_config(value) or user_object(value):
            # `if args.aux:` (argparse, SimpleNamespace, a dataclass), `sched.lr` of a class of the user's own code
            # (a schedule written by hand): the attributes named, guarded as globals are, and the methods named
            # (`sched.get_lr()`, `opt.step()` of an optimizer written by hand), as the function's own code
            if ("object", id(value)) in seen:
                return
            attributes, names = vars(value), self.names
            if depth > _DEPTH:
                named = [n for n in sorted(names) if n in attributes]
                if named:
                    self.unguarded.append((f"{type(value).__name__}.{named[0]}, {depth} objects deep", None))
                return
            seen.add(("object", id(value)))
            for n in sorted(names):
                if n in attributes:
                    self._guard(value, ("attribute", n), attributes[n], names, depth + 1, seen)
            if user_object(value):
                for n in sorted(names | {"__call__"}):
                    if n not in attributes and isinstance(getattr(type(value), n, None), types.FunctionType):
                        self._collect(getattr(value, n), depth + 1, seen)
        if callable(value):
            self._collect(value, depth + 1, seen)

    def _item(self, item, nesting, what, *, names, depth, seen):
        """An item of a dict or list read by the function, `nesting` levels into it, that its items' snapshot does not
        cover by itself (items_snapshot): an object of the user's own class or a function (`cfg["opt"].lr`,
        `hooks["loss"]`), guarded as a global's; or `what` is why it is not guarded (a large array, a deep dict)."""
        if what is not None:
            self.unguarded.append((f"{what} in a dict or list the function reads", item))
        else:
            self._inside(item, names, depth + nesting + 1, seen)

    def add_owners(self, owners, updated=frozenset(), set_before_use=frozenset()):
        """Guard the attributes of the modules a recorded call went through: `training` (model.train() and
        model.eval() change what Dropout and BatchNorm do) and numbers and strings (a dropout probability) by
        value; parameters, submodules and the items of lists of them (`model.fc = nn.Linear(...)`,
        `layer.weight = Parameter(...)`, `mlp.layers[0] = ...`) by identity; arrays by contents too,
        except those an effect of the call updates in place (`updated`: (id(owner), name) pairs). Attributes that
        an effect set before the module's first forward in the call (`set_before_use`: `model.train()` at the top
        of a training step) are not guarded: the replay calls that effect again first."""
        self._all_hold = self._first_failing = None  # generated again with these checks
        for owner in owners:
            attributes = vars(owner) if hasattr(owner, "__dict__") else {}
            # Class defaults the owner's class names as steering its calls (nn.Module: `training`, and its forward
            # hooks, None until one is registered): guarded too, although not yet in the instance's __dict__.
            for name in getattr(type(owner), "_replay_guards", ("training",) if hasattr(owner, "training") else ()):
                if name not in attributes and (id(owner), name) not in set_before_use:
                    self.checks.append((owner, ("attribute", name), getattr(owner, name)))
            for name in sorted(attributes):
                value = attributes[name]
                if (id(owner), name) in set_before_use:
                    continue
                self.checks.append((owner, ("attribute", name), value))
                if value.__class__ in _ARRAYS and (id(owner), name) not in updated:  # a buffer (running_var)
                    if value.size <= _SNAPSHOT:
                        self.checks.append((owner, ("contents", name), value.copy()))
                    else:
                        self.unguarded.append((f"{type(owner).__name__}.{name}, an array of {value.size:,} elements",
                                               value))
                if value.__class__ in (list, tuple):
                    self.checks.extend((owner, ("item", name, i), item) for i, item in enumerate(value))

    def read_live(self, objects):
        """Drop the content checks of the arrays read as globals, closure variables or attributes that a program
        reads itself (`objects`, what it binds: `Value(x0)` of a closure's array, labels handed to a loss): changes
        made to them in place reach its replay (a buffer refilled before each call replays, not records again)."""
        live = {id(obj) for obj in objects if obj.__class__ is np.ndarray}
        self.unguarded = [(what, array) for what, array in self.unguarded if array is None or id(array) not in live]
        kept = []
        for container, name, expected in self.checks:
            if name.__class__ is tuple and name[0].endswith(" items"):
                _held_live(expected, live)  # (an array in a dict read live: `Value(state["buf"])`)
            if name.__class__ is tuple and name[0] in ("global contents", "cell contents", "own contents",
                                                       "default contents"):
                where = name[0].split()[0]
                array = (container.get(name[1]) if where == "global" else
                         container.cell_contents if where == "cell" else
                         _default_of(container, name[1]) if where == "default" else getattr(container, name[1], None))
                if id(array) in live:
                    continue
            kept.append((container, name, expected))
        self.checks = kept
        self._all_hold = self._first_failing = None

    def holds(self):
        """Whether every referenced name still has its recorded value: the checks written out as one generated
        expression (a replay runs it before anything else, so it has to be cheap)."""
        if self._all_hold is None:
            self._all_hold, self._first_failing = self._generate()
        return self._all_hold()

    def changed(self):
        """None if every referenced name still has its recorded value, else a description of the first that has not
        (the same generated checks as `holds`, one at a time)."""
        if self._all_hold is None:
            self._all_hold, self._first_failing = self._generate()
        i = self._first_failing()
        return None if i is None else _describe_reference(*self.checks[i][:2])

    def _generate(self):
        """(all_hold, first_failing): every check as one expression, and the index of the first that fails."""
        names, terms = {"M": _MISSING, "_same_contents": _same_contents, "_same_items": _same_items,
                        "_default_of": _default_of}, []
        # An attribute that the object's __dict__ holds is read from that dict by subscript (a missing key raises,
        # and all_hold is then False): a few times cheaper than getattr(obj, name, default), and a replay of a step
        # through an MLP reads ~40 of them. Each such dict is first checked to be still the object's own.
        dicts = {}  # id(container) -> the name its __dict__ is bound to
        for i, (container, name, expected) in enumerate(self.checks):
            names[f"C{i}"], names[f"X{i}"] = container, expected
            if name is None:
                value = f"C{i}.cell_contents"
            elif name[0] == "contents" or name[0] in _SNAPSHOT_KINDS:  # an array's contents, a dict's items
                where, what = _snapshot_parts(name[0])
                if where != "cell":
                    names[f"K{i}"] = name[1]
                read = {"global": f"C{i}.get(K{i}, M)", "cell": f"C{i}.cell_contents",
                        "own": f"getattr(C{i}, K{i}, M)", "default": f"_default_of(C{i}, K{i})"}[where]
                terms.append((i, f"{'_same_contents' if what == 'contents' else '_same_items'}({read}, X{i})"))
                continue
            elif name[0] == "default":
                names[f"K{i}"] = name[1]
                value = f"_default_of(C{i}, K{i})"
            elif name.__class__ is tuple:
                names[f"K{i}"] = name[1]  # attribute names travel as objects, never as source text
                attributes = getattr(container, "__dict__", None)
                if attributes.__class__ is dict and name[1] in attributes:
                    if id(container) not in dicts:
                        dicts[id(container)] = f"D{i}"
                        names[f"D{i}"] = attributes
                        terms.append((i, f"C{i}.__dict__ is D{i}"))
                    value = f"{dicts[id(container)]}[K{i}]"
                else:  # a class attribute (`training`'s default): through getattr, which also sees one set later
                    value = f"getattr(C{i}, K{i}, M)"
                value += f"[{int(name[2])}]" if name[0] == "item" else ""
            else:
                names[f"K{i}"] = name
                value = f"C{i}[K{i}]"  # a module's globals: a dict
            if isinstance(expected, _PLAIN):
                names[f"T{i}"] = type(expected)
                terms.append((i, f"((v := {value}) is X{i} or (v.__class__ is T{i} and v == X{i}))"))
            else:
                terms.append((i, f"{value} is X{i}"))
        body = " and ".join(term for _, term in terms) or "True"
        each = "".join(f"({i}, lambda: {term}), " for i, term in terms)  # (the check each term is part of)
        source = (f"def all_hold():\n    try:\n        return bool({body})\n"
                  "    except Exception:\n        return False\n"
                  f"def first_failing():\n    for i, check in ({each}):\n        try:\n"
                  "            if not check():\n                return i\n"
                  "        except Exception:\n            return i\n    return None\n")
        exec(builtins.compile(source, "<autograd_core.compile guards>", "exec"), names)  # our own generated text
        return names["all_hold"], names["first_failing"]


def _same_contents(value, snapshot):
    """Whether `value` is an array equal to `snapshot` (the copy of an array taken at a recording, of its class)."""
    return (value.__class__ is snapshot.__class__ and value.shape == snapshot.shape and value.dtype == snapshot.dtype
            and (np.array_equal(value, snapshot)  # (NaN-aware only where needed: ~10 times slower)
                 or (snapshot.dtype.kind in "fc" and np.array_equal(value, snapshot, equal_nan=True))))


_ITEMS = 4096  # dicts and lists read as globals (a config dict), closure variables or attributes, up to this many
# items (lists of numbers and strings, or of lists of them, up to _SNAPSHOT: _Flat), are also guarded by their items:
# numbers and strings by value, anything else by identity (larger ones: eager, with a warning: `unguarded`)


def _guardable(container):
    """Whether dict or list `container` is small enough to be guarded by its items."""
    return len(container) <= _ITEMS or (container.__class__ is list and len(container) <= _SNAPSHOT
                                        and _Flat.fits(container))


_SNAPSHOT_KINDS = {f"{where} {what}" for where in ("global", "cell", "own", "default")
                   for what in ("contents", "items")}


def _snapshot_parts(kind):
    """(where the snapshot's object is read: 'global', 'cell', 'own' attribute or 'default' argument; what is
    compared: 'contents' or 'items') of a snapshot check's kind. A module's small array (`add_owners`: 'contents')
    is an attribute's array."""
    return ("own", "contents") if kind == "contents" else kind.split()


def _snapshot_kind(name, what):
    """The check kind guarding the contents (an array's) or items (a dict's, a list's) of what `name` reads."""
    if name is None:
        return (f"cell {what}",)
    if name.__class__ is str:
        return (f"global {what}", name)
    return (f"{'default' if name[0] == 'default' else 'own'} {what}", name[1])


def _default_of(fn, key):
    """Function fn's default for its positional parameter number `key` (an int) or keyword-only parameter `key`."""
    if key.__class__ is int:
        defaults = fn.__defaults__ or ()
        return defaults[key] if key < len(defaults) else _MISSING
    return (fn.__kwdefaults__ or {}).get(key, _MISSING)


def _is_config(value):
    """A configuration object whose attributes a step may read to steer Python (`args.aux`): argparse's Namespace,
    types.SimpleNamespace, an instance of a dataclass."""
    cls = value.__class__
    return cls is types.SimpleNamespace or (cls.__name__ == "Namespace" and cls.__module__ == "argparse") or (
        hasattr(cls, "__dataclass_fields__") and hasattr(value, "__dict__"))


def _same_items(value, snapshot):
    """Whether dict or list `value` has the items of `snapshot` (`items_snapshot` taken at a recording): the same
    keys, and each item equal (numbers, strings, None), the very same object, or (`_Held`) the very same small array
    with the same contents, or dict or list with the same items."""
    if snapshot.__class__ is _Flat:
        return snapshot.holds(value)
    if value.__class__ is not snapshot.__class__ or len(value) != len(snapshot):
        return False
    if value.__class__ is dict:
        if value.keys() != snapshot.keys():
            return False
        pairs = ((value[k], snapshot[k]) for k in snapshot)
    else:
        pairs = zip(value, snapshot)
    return all(a is b or (a.__class__ is b.__class__ and isinstance(a, _PLAIN) and a == b)
               or (b.__class__ is _Held and b.holds(a)) for a, b in pairs)


class _Held:
    """An item of a dict or list read by a compiled function that is itself a small array or a dict or list (a
    config's nested section `cfg["opt"]["lr"]`, state `{"g": array}`): the object, and a copy of its contents or
    its items' snapshot, so that a change in place (`cfg["opt"]["lr"] = 0.01`, `state["g"][:] = ...`) re-records
    as a rebound item does. `live`: a program reads the array itself (read_live), which a change in place reaches."""

    __slots__ = ("obj", "snapshot", "live")

    def __init__(self, obj, snapshot):
        self.obj, self.snapshot, self.live = obj, snapshot, False

    def holds(self, value):
        if value is not self.obj:
            return False
        if self.snapshot.__class__ is np.ndarray:
            return self.live or _same_contents(value, self.snapshot)
        return _same_items(value, self.snapshot)


class _Flat:
    """The snapshot of a list of numbers and strings, or of such lists (micrograd's data, `xs = [[2.0, 3.0, -1.0],
    ...]`, read as a closure variable): checked first by loops in C, the very same lists holding the very same items;
    where they do not, item by item as any list (`snapshot`), so that an equal number rebound still holds."""

    __slots__ = ("inner", "lengths", "items", "snapshot")

    def __init__(self, container, snapshot):
        nested = container and all(item.__class__ is list for item in container)
        self.inner = tuple(container)
        self.lengths = [len(item) for item in container] if nested else None
        self.items = tuple(itertools.chain.from_iterable(container)) if nested else self.inner
        self.snapshot = snapshot

    @staticmethod
    def fits(container):
        """Whether list `container` holds numbers and strings only, or lists of them only."""
        if all(isinstance(item, _PLAIN) for item in container):
            return True
        return all(item.__class__ is list and all(isinstance(i, _PLAIN) for i in item) for item in container)

    def holds(self, value):
        if value.__class__ is not list or len(value) != len(self.inner):
            return False
        if self.lengths is None:
            same = all(map(operator.is_, value, self.items))
        else:
            same = (all(map(operator.is_, value, self.inner)) and list(map(len, value)) == self.lengths
                    and all(map(operator.is_, itertools.chain.from_iterable(value), self.items)))
        return same or _same_items(value, self.snapshot)


def items_snapshot(container, depth=0, visit=None):
    """A dict's or list's items as `_same_items` compares them: a shallow copy whose arrays and dicts and lists
    (up to _DEPTH levels deep) are `_Held` with their contents. visit(item, depth, why) is called for each item that
    is neither a number nor a string nor so held: `why` None for an object (its attributes are the caller's to guard),
    else what makes the item unguarded (a large array, a dict or list too large or too deep)."""
    snapshot = container.copy()
    for key, item in (snapshot.items() if snapshot.__class__ is dict else enumerate(snapshot)):
        why = None
        if item.__class__ is np.ndarray:
            if item.size <= _SNAPSHOT:
                snapshot[key] = _Held(item, item.copy())
                continue
            why = f"an array of {item.size:,} elements"
        elif item.__class__ in (dict, list):
            if depth < _DEPTH and _guardable(item):
                snapshot[key] = _Held(item, items_snapshot(item, depth + 1, visit))
                continue
            why = f"a {type(item).__name__} of {len(item):,} items, {depth + 2} levels deep"
        elif isinstance(item, _PLAIN) or isinstance(item, _NOT_GUARDED):
            continue
        if visit is not None:
            visit(item, depth, why)
    if snapshot.__class__ is list and len(snapshot) > 8 and _Flat.fits(container):
        return _Flat(container, snapshot)
    return snapshot


def _held_live(snapshot, live):
    """Mark the arrays among a snapshot's items (`items_snapshot`) whose ids are in `live` as read live."""
    if snapshot.__class__ is _Flat:
        return  # (numbers and strings only)
    for item in (snapshot.values() if snapshot.__class__ is dict else snapshot):
        if item.__class__ is _Held:
            if item.snapshot.__class__ is np.ndarray:
                item.live = item.live or id(item.obj) in live
            else:
                _held_live(item.snapshot, live)


_LIBRARIES = frozenset(("autograd_core", "numpy", "torch", "builtins"))


def user_object(value):
    """Whether `value` is an instance of a class of the user's own code (not of the library, NumPy, the standard
    library or an installed package, each of which a replay treats by its own rules or not at all): a schedule, a
    trainer, an optimizer written by hand, whose attributes a step reads."""
    cls = value.__class__
    if not hasattr(value, "__dict__") or isinstance(value, (type, types.ModuleType, types.FunctionType,
                                                            types.MethodType, functools.partial)):
        return False
    known = _USER_CLASSES.get(cls)
    if known is None:
        known = _USER_CLASSES[cls] = all(_own_module(c.__module__) for c in cls.__mro__[:-1])
    return known


def _own_module(name):
    root = (name or "").split(".")[0]
    if root in _LIBRARIES or root in sys.stdlib_module_names:
        return False
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None) or ""
    return "site-packages" not in path and "dist-packages" not in path


_USER_CLASSES = weakref.WeakKeyDictionary()


def _describe_reference(container, name):
    if name is None:
        return "a closure variable"
    if name[0] == "contents" or name[0] in _SNAPSHOT_KINDS:
        where, what = _snapshot_parts(name[0])
        thing = "array" if what == "contents" else "dict or list"
        if where == "cell":
            return f"the {what} of a closure variable's {thing}"
        if where == "default":
            owner = container.__qualname__
            return f"the {what} of the {thing} that is {owner}'s default {_default_name(container, name[1])}"
        return f"the {what} of the global {thing} {name[1]!r}" if where == "global" else (
            f"the {what} of {type(container).__name__}.{name[1]}")
    if name.__class__ is tuple and name[0] == "default":
        return f"{container.__qualname__}'s default {_default_name(container, name[1])}"
    if name.__class__ is tuple:
        return f"{type(container).__name__}.{name[1]}" + (f"[{name[2]}]" if name[0] == "item" else "")
    return f"the global {name!r}"


def _default_name(fn, key):
    """The parameter whose default is `key` (`_default_of`), for messages: 'for cfg'."""
    if key.__class__ is int:  # defaults belong to the last positional parameters
        code = fn.__code__
        positional = code.co_varnames[:code.co_argcount]
        index = len(positional) - len(fn.__defaults__ or ()) + key
        if not 0 <= index < len(positional):  # the defaults were rebound to fewer: no name to give
            return f"number {key}"
        key = positional[index]
    return f"for {key}"


def _code_names(code, names):
    """The global names read by a code object and the code objects nested in it (lambdas, comprehensions)."""
    names.update(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_names(const, names)


