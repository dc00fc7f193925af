"""A module's state by dotted name: `state_dict`, `load_state_dict` (PyTorch's keys, errors and hooks), extra state,
and `save`/`load` of .npz checkpoints.

Apart from module.py, which finds the parameters, buffers and children these walk, because saving and loading is one
job of its own, with its own checks (nn/checkpoint.py) and its own hooks (register_state_dict_pre_hook, ...).
`Module`'s state methods are written in a class body here, word for word as they were in its body, and copied onto it
(module.py imports this module at its end).
"""

from __future__ import annotations

import collections
import os
import warnings

import numpy as np

from autograd_core import Value, no_grad
from autograd_core.method_families import attach_methods
from autograd_core.sparse_array import SparseData

from .checkpoint import (
    EXTRA_STATE, CheckpointError, cast_exactly, is_extra_state, read_checkpoint, save_atomic, short,
    state_dict_error,
)
from .module import Module, _with_tensor_methods
from .module_hooks import HookHandle
from .state_array import state_array


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


# The state-dict hooks (register_state_dict_pre_hook, ...): kept apart from the call hooks (module_hooks.py), which
# make every call take the hooked path; each kind maps handle id -> (hook, flag), flag being PyTorch's with_module for
# the private load pre-hook and "may return a new dict" for the private state-dict hook.
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


class _State:
    # ------------------------------------------------------------------------------------------------
    # State: parameters and buffers as NumPy arrays, by dotted name.

    def _state_entries(self, hooked=None):
        """(name, owner, attribute) for params, buffers and extra state, module by module like PyTorch:
        own parameters, own buffers, own extra state, then children. `attribute` is None for a parameter
        (the owner is the Parameter), a buffer's name, or `_EXTRA`. Shared parameters appear under every
        name, as in PyTorch, so tied weights convert both ways.

        hooked: a list to which the same walk adds (name, module) for each module with state-dict hooks, as
        `_state_hooked` lists them (state_dict needs no walk of its own for them); the modules' extra state is then
        asked for after the walk, and not at all if there are hooks (the caller runs them and asks again)."""
        entries = []
        met = set()
        for module_name, module, found in self._walk(None, "", remove_duplicate=False):
            pre = f"{module_name}." if module_name else ""
            if hooked is not None and id(module) not in met:
                met.add(id(module))
                hooks = module.__dict__.get("_state_hooks")
                if hooks and any(hooks.values()):
                    hooked.append((module_name, module))
            found.append(module._direct())  # (its parameters, and the children the walk takes next: one scan)
            for name, param in found[0][0]:
                entries.append((pre + name, param, None))
            for name in module._buffers:
                if getattr(module, name) is not None and name not in module._non_persistent:
                    entries.append((pre + name, module, name))
            if _keeps_extra_state(module) and (hooked is not None or module.get_extra_state() is not None):
                entries.append((pre + EXTRA_STATE, module, _EXTRA))
        if hooked is not None and not hooked:
            entries = [entry for entry in entries if entry[2] is not _EXTRA or entry[1].get_extra_state() is not None]
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
        hooked = []
        entries = self._state_entries(hooked)
        if hooked:  # (the walk that found the entries found the hooks: no other walk when there are none)
            hooked = [(prefix + name + "." if name else prefix, module) for name, module in hooked]
            for module_prefix, module in hooked:
                for hook, _ in list(module._state_hooks["state_dict_pre"].values()):
                    hook(module, module_prefix, keep_vars)
            entries = self._state_entries()  # what the hooks left
        for key, owner, attribute in entries:
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
            module = hasattr(state_dict, "state_dict") and hasattr(state_dict, "parameters")  # a model, not its state
            raise TypeError(
                f"load_state_dict: expected a mapping of name -> array, got {type(state_dict).__name__}"
                + (": a module; pass its .state_dict()" if module else "")
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


attach_methods(_State, Module)
