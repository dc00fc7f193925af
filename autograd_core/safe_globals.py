"""Classes a checkpoint may hold objects of, as the user allows them: `torch.serialization.add_safe_globals`.

    @dataclass
    class GPTConfig: ...
    torch.save({"model": model.state_dict(), "config": model.config}, "ckpt.pt")   # saving needs nothing
    torch.serialization.add_safe_globals([GPTConfig])                             # loading needs the class allowed
    checkpoint = torch.load("ckpt.pt")                                            # (or `with safe_globals([...]):`)

`save` writes an object of any class whose instances pickle in Python's plain way (dataclasses,
`argparse.Namespace`, a class of one's own) as its class's name, the arguments its class is called or `__new__`-ed
with, and its state (its `__dict__`, or what `__getstate__` gives), in either format. `load` rebuilds it only when
its class is in this registry, the user's own list, exactly as PyTorch's `weights_only=True`: the file names the
class and never brings code of its own; a class not allowed is refused (`pickle.UnpicklingError` naming it and how
to allow it) before anything is built. Classes are matched by `module.qualname`, or by the name given with them
(`add_safe_globals([(cls, "old.module.Name")])` for a class that has moved since the file was written).
"""

from __future__ import annotations

import contextlib
import copyreg
import pickle

_ALLOWED = {}  # "module.qualname" -> the class (or function) a file may name


def _name(entry):
    if isinstance(entry, tuple):
        if len(entry) != 2 or not isinstance(entry[1], str):
            raise TypeError(f"add_safe_globals: expected a class or function, or a (class, 'module.name') pair; "
                            f"got {entry!r}")
        return entry[1], entry[0]
    if not callable(entry) or not hasattr(entry, "__qualname__"):
        raise TypeError(f"add_safe_globals: expected classes or functions, got {entry!r}")
    return f"{entry.__module__}.{entry.__qualname__}", entry


def add_safe_globals(safe_globals):
    """Allow `load` to rebuild instances of these classes (and to call these functions, as a pickle's reduce
    does): a list of classes or functions, or of (class, "module.name") pairs naming one as a file spells it."""
    _ALLOWED.update(_name(entry) for entry in safe_globals)


def get_safe_globals():
    """The classes and functions allowed so far, as a list (the pairs as given)."""
    return [obj if name == _name(obj)[0] else (obj, name) for name, obj in _ALLOWED.items()]


def clear_safe_globals():
    """Forget every class and function allowed with `add_safe_globals`."""
    _ALLOWED.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """`with safe_globals([GPTConfig]): checkpoint = load(path)`: allowed inside the block only (what was allowed
    before stays allowed)."""
    before = dict(_ALLOWED)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _ALLOWED.clear()
        _ALLOWED.update(before)


def allowed(module, name):
    """The class or function allowed under `module.name`, or None."""
    return _ALLOWED.get(f"{module}.{name}")


def is_allowed_class(cls):
    """Whether the user allowed `cls` (under any name): its objects' state may be set as pickle sets it."""
    return any(obj is cls for obj in _ALLOWED.values())


def not_allowed(module, name, where):
    """The error for a file that names `module.name` (a class of its objects, or a function), not allowed."""
    return pickle.UnpicklingError(
        f"load: {where} names the global {module}.{name}, which is not allowed: only tensors, parameters, dicts, "
        "lists, tuples, sets, numbers and strings load, and objects of the classes you allow if you trust the file: "
        f"`autograd_core.serialization.add_safe_globals([{name}])`, or the `safe_globals([{name}])` context manager "
        "(PyTorch's weights_only=True; weights_only=False is not available: nothing from a file is run here); "
        "nothing from the file was run")


def reduced(obj):
    """How pickle (protocol 2) would rebuild `obj`, if in the plain way that a weights-only load can follow: a tuple
    (cls, new, args, state), where new says whether the object is `cls.__new__(cls, *args)` (else `cls(*args)`) and
    state is what its `__setstate__`, or its `__dict__` (and slots), receives afterwards (None: nothing). None for an
    object that pickles otherwise (a function, a Python module, an object rebuilt by a function or with list or dict
    items), and for one that has a `state_dict()` (a module, an optimizer): its state dict is what to save."""
    cls = type(obj)
    if isinstance(obj, type) or callable(getattr(obj, "state_dict", None)):
        return None
    try:
        reduction = obj.__reduce_ex__(2)
    except Exception:  # an object that refuses to be pickled
        return None
    if not isinstance(reduction, tuple) or not 2 <= len(reduction) <= 5 or any(r is not None for r in reduction[3:]):
        return None
    function, args, state = (*reduction[:2], reduction[2] if len(reduction) > 2 else None)
    if function is copyreg.__newobj__ and args and args[0] is cls:
        return cls, True, tuple(args[1:]), state
    if function is cls and isinstance(args, tuple):
        return cls, False, args, state
    return None


def rebuilt(cls, new, args, state):
    """The object `reduced` described, rebuilt as pickle rebuilds it (the class is the user's allowed one)."""
    obj = cls.__new__(cls, *args) if new else cls(*args)
    if state is not None:
        set_state(obj, state)
    return obj


def set_state(obj, state):
    """Pickle's BUILD: `obj.__setstate__(state)`, or its `__dict__` updated (and slots set, from a (dict, slots)
    pair)."""
    setstate = getattr(obj, "__setstate__", None)
    if setstate is not None:
        setstate(state)
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if state:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError(f"load: the state of a {type(obj).__name__} is not a dict")
        obj.__dict__.update(state)
    if slots:
        for key, value in slots.items():
            setattr(obj, key, value)
