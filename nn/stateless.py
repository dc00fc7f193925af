"""`functional_call`: a module called with other parameters and buffers, as a function of them (torch.func's).

The function transforms (`grad`, `jacrev`, `hessian`, `jvp`...) differentiate a function with respect to its
arguments; a module's parameters are attributes, constants to them. `functional_call(model, params, x)` makes
the parameters an argument:

    params = dict(model.named_parameters())
    grads = autograd_core.func.grad(lambda p: loss_fn(functional_call(model, p, (x,)), y))(params)

Each name (`"layers.0.weight"`, as named_parameters() and state_dict() spell it) is found in the module tree and
bound to the given value for the duration of the call; the module's own are put back afterwards, also when the
call raises. The module is not copied: its other attributes, hooks and training mode apply.
"""

from __future__ import annotations

from autograd_core import Value

from .module import Module
from .norm import _BatchNorm

__all__ = ["functional_call", "replace_all_batch_norm_modules_"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """module(*args, **kwargs) with the parameters and buffers named in `parameter_and_buffer_dicts` replaced.

    parameter_and_buffer_dicts: a dict from dotted names to Values or arrays, or a tuple or list of such dicts
        (parameters and buffers apart); a name may appear in only one of them. An array given for a parameter is
        used as a Value that needs no gradient; a buffer is used as given.
    args: the positional arguments, a tuple (one argument that is not a tuple may be given alone); kwargs: a dict.
    tie_weights: a parameter the module holds under several names (tied weights) is replaced under all of them when
        one is given, as in PyTorch.
    strict: every parameter and buffer of the module must be given, and nothing else.
    A name that names no parameter, buffer or attribute of the module raises ValueError; nothing is replaced then.
    """
    if not isinstance(module, Module):
        raise TypeError(f"functional_call: expected a Module, got {type(module).__name__}")
    replacements = _merged(parameter_and_buffer_dicts)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = {} if kwargs is None else kwargs

    own = [name for name, _ in module.named_parameters(remove_duplicate=False)]
    own += [name for name, _ in module.named_buffers()]
    if strict:
        missing = sorted(set(own) - set(replacements))
        unexpected = sorted(set(replacements) - set(own))
        if missing or unexpected:
            raise RuntimeError(f"functional_call (strict): missing keys {missing}, unexpected keys {unexpected}")
    if tie_weights:
        replacements = _with_tied_names(module, replacements)

    places = [(name, *_place(module, name)) for name in replacements]  # all resolved before anything is replaced
    originals = []
    try:
        for name, owner, key in places:
            original = _get(owner, key)
            originals.append((owner, key, original))
            value = replacements[name]
            if isinstance(original, Value) and not isinstance(value, Value):
                value = Value(value, requires_grad=False)  # an array for a parameter: a constant Value, as layers read
            _set(owner, key, value)
        return module(*args, **kwargs)
    finally:
        for owner, key, value in reversed(originals):
            _set(owner, key, value)


def _merged(dicts):
    if isinstance(dicts, dict):
        return dict(dicts)
    if not isinstance(dicts, (tuple, list)) or not all(isinstance(d, dict) for d in dicts):
        raise TypeError("functional_call: parameter_and_buffer_dicts must be a dict or a tuple of dicts, got "
                        f"{type(dicts).__name__}")
    merged = {}
    for d in dicts:
        repeated = sorted(set(merged) & set(d))
        if repeated:
            raise ValueError(f"functional_call: {repeated} appear in more than one of the dicts")
        merged.update(d)
    return merged


def _with_tied_names(module, replacements):
    """The replacements, plus each other name under which the module holds a replaced parameter (tied weights)."""
    names_of = {}
    for name, param in module.named_parameters(remove_duplicate=False):
        names_of.setdefault(id(param), []).append((name, param))
    result = dict(replacements)
    for names in names_of.values():
        given = [name for name, _ in names if name in replacements]
        if not given:
            continue
        first = replacements[given[0]]
        for name in given[1:]:
            if replacements[name] is not first:
                raise ValueError(f"functional_call: tied parameters {given} were given different values "
                                 "(pass tie_weights=False to replace them apart)")
        for name, _ in names:
            result.setdefault(name, first)
    return result


def _place(module, name):
    """(owner, key) of dotted `name` in the module tree: the object holding it (a module, or a list or dict of
    modules or parameters) and its attribute name, index or key there."""
    parts = name.split(".") if isinstance(name, str) and name else None
    if parts is None:
        raise ValueError(f"functional_call: invalid name {name!r}")
    owner = module
    for i, part in enumerate(parts):
        key = _key(owner, part)
        if key is None:
            raise ValueError(f"functional_call: {name!r} names nothing in the module ({'.'.join(parts[:i + 1])!r} "
                             "was not found)")
        if i == len(parts) - 1:
            return owner, key
        owner = _get(owner, key)


def _key(owner, part):
    """How `part` of a dotted name reads from `owner`: an attribute name, a list index or a dict key; None if
    there is no such thing."""
    if isinstance(owner, (list, tuple)):
        return int(part) if part.isdigit() and int(part) < len(owner) else None
    if isinstance(owner, dict):
        return part if part in owner else None
    return part if hasattr(owner, part) else None


def _get(owner, key):
    return owner[key] if isinstance(owner, (list, tuple, dict)) else getattr(owner, key)


def _set(owner, key, value):
    if isinstance(owner, tuple):
        raise TypeError("functional_call: cannot replace an item of a tuple")
    if isinstance(owner, (list, dict)):
        owner[key] = value
    else:
        object.__setattr__(owner, key, value)  # bypass Module.__setattr__: the replacement is not named as a child


def replace_all_batch_norm_modules_(root):
    """Every batch-norm module in `root` (itself included) made to stop tracking running statistics, in place:
    running_mean, running_var and num_batches_tracked become None and track_running_stats False, so that it
    normalises with each batch's own statistics in training and in eval mode, writing nothing (what torch.func's
    transforms need, as vmap over a module would otherwise update one buffer from many samples). Returns root."""
    if not isinstance(root, Module):
        raise TypeError(f"replace_all_batch_norm_modules_: expected an nn.Module, got {type(root).__name__}")
    for module in root.modules():
        if isinstance(module, _BatchNorm) and module.track_running_stats:
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    return root
