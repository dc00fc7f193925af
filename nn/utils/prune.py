"""`torch.nn.utils.prune`: zero out entries (unstructured) or whole slices (structured) of a module's parameter.

Pruning `name` reparametrises the module, as PyTorch's:
* the Parameter `name` becomes the Parameter `name + "_orig"` (the same object, still trained),
* a buffer `name + "_mask"` (same shape and dtype, 1 = kept, 0 = pruned) joins the state dict,
* `module.<name>` is the plain Value `orig * mask` (not a Parameter), recomputed by a forward pre-hook (the
  pruning method itself) before each forward, so gradients reach `name_orig` through the mask (zero where pruned).

    prune.l1_unstructured(model.fc1, "weight", amount=0.3)   # the 30% of entries smallest in |w|
    prune.ln_structured(model.conv1, "weight", amount=2, n=2, dim=0)   # the 2 output channels of least L2 norm
    prune.remove(model.fc1, "weight")                         # permanent: `weight` a Parameter again

Pruning the same parameter again combines the masks (a `PruningContainer`): the new method acts only on what is
left, the entries still unpruned (unstructured) or the slices not yet all zero (structured), so `amount=0.5` twice
keeps a quarter. `amount`: an int counts entries (or slices); a float in [0, 1] is a fraction of them, rounded with
Python's `round` (half to even), as PyTorch's.

Ties: PyTorch takes `torch.topk` of the scores; here a stable sort picks among equal scores the first in
flattened order, so masks agree with PyTorch's whenever the scores are distinct. Random methods draw from the
generator `autograd_core.manual_seed` seeds (different draws from PyTorch's, same counts and structure).

`compute_mask(t, default_mask)` receives and returns tensors (Values without gradient), as PyTorch's, so a custom
method written for PyTorch (`mask = default_mask.clone(); mask.view(-1)[::2] = 0`) runs unchanged; the mask buffer
is kept as an ndarray, like every buffer here. `module._forward_pre_hooks` (nn.Module's view of PyTorch's private
mapping of hook id -> hook) lists the pruning methods, as the pruning tutorial reads them.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

import numpy as np

from autograd_core import Value
from autograd_core.ops import data_of
from autograd_core.generator import get_rng

from ..module import Parameter

__all__ = ["BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured", "L1Unstructured",
           "RandomStructured", "LnStructured", "CustomFromMask", "identity", "random_unstructured",
           "l1_unstructured", "random_structured", "ln_structured", "global_unstructured", "custom_from_mask",
           "remove", "is_pruned"]


def _tensor(array):
    """An array as a tensor outside any graph (what compute_mask receives and returns)."""
    array = np.asarray(array)
    return Value(array, requires_grad=False, dtype=array.dtype)


def _array(x):
    return np.asarray(data_of(x))


# -- the module's forward pre-hooks ----------------------------------------------------------------------------


def _remove_pre_hook(module, key):
    del module._forward_pre_hooks[key]


def _pruning_hooks(module, name=None):
    """(key, method) of the module's pruning pre-hooks, those acting on `name` if given."""
    return [(key, hook) for key, hook in module._forward_pre_hooks.items()
            if isinstance(hook, BasePruningMethod) and (name is None or hook._tensor_name == name)]


# -- amounts ---------------------------------------------------------------------------------------------------


def _validate_pruning_amount_init(amount):
    """TypeError unless amount is a number; ValueError unless it is an int >= 0 or a float in [0, 1]."""
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
            not isinstance(amount, numbers.Integral) and not 0.0 <= float(amount) <= 1.0):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")


def _validate_pruning_amount(amount, tensor_size):
    if isinstance(amount, numbers.Integral) and amount > tensor_size:
        raise ValueError(f"amount={amount} should be smaller than the number of parameters to prune={tensor_size}")


def _compute_nparams_toprune(amount, tensor_size):
    """How many of `tensor_size` units to prune: the int itself, or round(fraction * size) (half to even)."""
    if isinstance(amount, numbers.Integral):
        return int(amount)
    return round(amount * tensor_size)


def _count_to_prune(amount, size):
    """_compute_nparams_toprune, checked against the number of units there are."""
    k = _compute_nparams_toprune(amount, size)
    _validate_pruning_amount(k, size)
    return k


def _unstructured_mask(amount, t, default_mask, order):
    """default_mask with `amount` of t's entries set to 0: the first k of order(size) (flat indices, the entry to
    prune first at the front), which is called only if some entry is pruned (random methods draw only then)."""
    size = int(np.prod(t.shape))
    k = _count_to_prune(amount, size)
    mask = np.array(_array(default_mask), copy=True)
    if k != 0:
        mask.reshape(-1)[order(size)[:k]] = 0
    return _tensor(mask)


def _slices_to_prune(method, t):
    """(how many slices of t there are along method.dim, how many of them method.amount prunes), after PyTorch's
    checks of a structured method's tensor and dim."""
    _validate_structured_pruning(t)
    _validate_pruning_dim(t, method.dim)
    size = t.shape[method.dim]
    return size, _count_to_prune(method.amount, size)


def _validate_structured_pruning(t):
    shape = tuple(t.shape)
    if len(shape) <= 1:
        raise ValueError(f"Structured pruning can only be applied to multidimensional tensors. Found tensor of "
                         f"shape {shape} with {len(shape)} dims")


def _validate_pruning_dim(t, dim):
    if not -t.ndim <= dim < t.ndim:
        raise IndexError(f"Invalid index {dim} for tensor of size {tuple(t.shape)}")


def _compute_norm(t, n, dim):
    """The n-norm of each slice of `t` along `dim` (over all the other axes): shape (t.shape[dim],).
    n: a number (inf and -inf: largest and smallest |x|, 0: count of nonzeros) or 'fro' (2)."""
    axes = tuple(a for a in range(t.ndim) if a != dim % t.ndim)
    a = np.abs(t)
    if n == "fro":
        n = 2
    if isinstance(n, str) or not isinstance(n, numbers.Real):
        raise ValueError(f"ln_structured: unsupported norm n={n!r} (a number or 'fro')")
    if n == np.inf:
        return a.max(axis=axes)
    if n == -np.inf:
        return a.min(axis=axes)
    if n == 0:
        return (a != 0).sum(axis=axes).astype(t.dtype)
    return (a ** n).sum(axis=axes) ** (1.0 / n)


def _slice_mask(t, dim, channels, default_mask):
    """default_mask with the slices along `dim` not in `channels` (a bool vector or indices: the kept ones) set to
    0, as a tensor."""
    mask = np.zeros_like(t)
    index = [slice(None)] * t.ndim
    index[dim] = channels
    mask[tuple(index)] = 1
    return _tensor(mask * _array(default_mask).astype(mask.dtype))


# -- the methods -----------------------------------------------------------------------------------------------


class BasePruningMethod(ABC):
    """A pruning method: subclasses define `compute_mask(t, default_mask)` and PRUNING_TYPE ('unstructured':
    acts on entries, 'structured': on slices along `self.dim`, 'global': on the whole tensor; a PruningContainer
    reads it to know which part of a pruned tensor a further method sees).

    An applied method is the module's forward pre-hook: calling it, method(module, inputs), sets
    module.<name> = `apply_mask(module)`."""

    PRUNING_TYPE = None
    _tensor_name = None

    def __call__(self, module, inputs):
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t, default_mask):
        """The mask (shape of t; 1 keeps an entry, 0 prunes it) for scores `t`, starting from `default_mask`
        (shape of t: the entries already pruned stay pruned)."""

    def apply_mask(self, module):
        """module.<name>_orig * module.<name>_mask: the pruned tensor, differentiable in `_orig`."""
        if self._tensor_name is None:
            raise ValueError(f"Module {type(module).__name__} has to be pruned")
        orig = getattr(module, self._tensor_name + "_orig")
        mask = getattr(module, self._tensor_name + "_mask")
        return orig * np.asarray(data_of(mask), dtype=orig.dtype)

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prune parameter `name` of `module` with cls(*args, **kwargs), reparametrising it (see the module
        docstring) or, if it is pruned already, adding the method to its PruningContainer. importance_scores:
        a tensor shaped like the parameter whose entries rank it (default: the parameter itself). Returns the
        method (or container) now registered as the module's forward pre-hook. On an error the module is left
        as it was."""
        method = cls(*args, **kwargs)
        method._tensor_name = name
        old = _pruning_hooks(module, name)
        if len(old) > 1:
            raise RuntimeError(f"Avoid adding multiple pruning hooks to the same tensor {name} of module "
                               f"{type(module).__name__}. Use a PruningContainer.")
        if old:
            key, old_method = old[0]
            if isinstance(old_method, PruningContainer):
                old_method.add_pruning_method(method)
                method = old_method
            else:
                container = PruningContainer(old_method)
                container.add_pruning_method(method)
                method = container
        orig = getattr(module, name)
        if importance_scores is not None:
            if tuple(importance_scores.shape) != tuple(orig.shape):
                raise ValueError(f"importance_scores should have the same shape as parameter {name} of "
                                 f"{type(module).__name__}")
        else:
            importance_scores = orig
        first = not isinstance(method, PruningContainer)
        if first:
            if not isinstance(orig, Parameter):
                raise TypeError(f"prune: {name!r} of {type(module).__name__} is not a Parameter")
            mask_before = None
            default_mask = np.ones_like(orig.data)
        else:
            mask_before = getattr(module, name + "_mask")
            default_mask = np.array(mask_before, copy=True)
        try:
            mask = method.compute_mask(_tensor(_array(importance_scores)), default_mask=_tensor(default_mask))
            if first:
                del vars(module)[name]
                setattr(module, name + "_orig", orig)
            module.register_buffer(name + "_mask", np.array(_array(mask), dtype=orig.dtype, copy=True))
            setattr(module, name, method.apply_mask(module))
        except Exception:  # leave the module as it was
            if first:
                if name + "_orig" in vars(module):
                    vars(module).pop(name + "_orig")
                    _drop_buffer(module, name + "_mask")
                    setattr(module, name, orig)
            else:
                if method is old_method:
                    old_method._pruning_methods = old_method._pruning_methods[:-1]
                module.register_buffer(name + "_mask", mask_before)
                setattr(module, name, old_method.apply_mask(module))
            raise
        if old:
            _remove_pre_hook(module, key)
        module.register_forward_pre_hook(method)
        return method

    def prune(self, t, default_mask=None, importance_scores=None):
        """t * compute_mask(importance_scores or t, default_mask or ones): the pruned tensor, without touching
        any module."""
        if importance_scores is not None:
            if tuple(importance_scores.shape) != tuple(t.shape):
                raise ValueError("importance_scores should have the same shape as tensor t")
        else:
            importance_scores = t
        scores = _array(importance_scores)
        default_mask = np.ones_like(scores) if default_mask is None else _array(default_mask)
        mask = _array(self.compute_mask(_tensor(scores), default_mask=_tensor(default_mask)))
        return t * np.asarray(mask, dtype=_array(t).dtype)

    def remove(self, module):
        """Make the pruning permanent: the Parameter `<name>_orig` takes the pruned values and becomes `<name>`
        again; `<name>_mask` goes. (The function `prune.remove` also takes the hook off.)"""
        if self._tensor_name is None:
            raise ValueError(f"Module {type(module).__name__} has to be pruned before pruning can be removed")
        name = self._tensor_name
        weight = self.apply_mask(module)
        vars(module).pop(name, None)
        orig = vars(module).pop(name + "_orig")
        orig.data = np.array(weight.data, copy=True)
        _drop_buffer(module, name + "_mask")
        setattr(module, name, orig)


def _drop_buffer(module, name):
    if name in vars(module):
        delattr(module, name)  # Module's `del module.buffer` unregisters it


class PruningContainer(BasePruningMethod):
    """The methods applied one after the other to one parameter (iterable, indexable, len()). Its mask is the
    last method's, computed only on what the earlier masks left: the unpruned entries ('unstructured'), the
    slices along `method.dim` not already all zero ('structured'), or everything ('global')."""

    def __init__(self, *args):
        self._pruning_methods = ()
        if args:
            self._tensor_name = args[0]._tensor_name
        for method in args:
            self.add_pruning_method(method)

    def add_pruning_method(self, method):
        """Append a BasePruningMethod acting on this container's parameter (TypeError / ValueError otherwise)."""
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(f"Can only add pruning methods acting on the parameter named '{self._tensor_name}' "
                             f"to PruningContainer {self}. Found '{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t, default_mask):
        """default_mask with the last method's mask written into the part of t it acts on (see the class)."""
        method = self._pruning_methods[-1]
        t, mask = _array(t), _array(default_mask)
        new_mask = mask.astype(t.dtype, copy=True)
        if method.PRUNING_TYPE == "unstructured":
            index = mask == 1
        elif method.PRUNING_TYPE == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError('Pruning methods of PRUNING_TYPE "structured" need to have the attribute `dim` '
                                     'defined.')
            dim = method.dim + t.ndim if method.dim < 0 else method.dim
            if not 0 <= dim < t.ndim:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {t.ndim}")
            keep_channel = mask.sum(axis=tuple(d for d in range(t.ndim) if d != dim)) != 0
            index = [slice(None)] * t.ndim
            index[dim] = keep_channel
            index = tuple(index)
        elif method.PRUNING_TYPE == "global":
            index = (slice(None),) * t.ndim
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
        partial = method.compute_mask(_tensor(t[index]), default_mask=_tensor(mask[index]))
        new_mask[index] = _array(partial)
        return _tensor(new_mask)


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is all ones (the reparametrisation without pruning)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prunes `amount` entries (an int, or a fraction in [0, 1]) chosen uniformly at random."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        return _unstructured_mask(self.amount, t, default_mask,
                                  lambda size: np.argsort(-get_rng(None).random(size), kind="stable"))

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prunes the `amount` entries (an int, or a fraction in [0, 1]) of smallest absolute score."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        return _unstructured_mask(self.amount, t, default_mask,
                                  lambda size: np.argsort(np.abs(_array(t)).reshape(-1), kind="stable"))

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prunes `amount` slices along `dim` (an int, or a fraction of t.shape[dim]) chosen at random: each pruned
    slice is zero in all its entries. For a tensor of 2 or more dims."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1):
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t, default_mask):
        size, k = _slices_to_prune(self, t)
        if k == 0:
            return default_mask
        prob = get_rng(None).random(size)
        threshold = np.sort(prob)[k - 1]  # torch.kthvalue(prob, k)
        return _slice_mask(_array(t), self.dim, prob > threshold, default_mask)

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes the `amount` slices along `dim` (an int, or a fraction of t.shape[dim]) of smallest n-norm (the
    norm of each slice over all its entries; n a number, inf, -inf or 'fro'). For a tensor of 2 or more dims."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t, default_mask):
        size, k = _slices_to_prune(self, t)
        if k == 0:
            return default_mask
        t = _array(t)
        norm = _compute_norm(t, self.n, self.dim)
        keep = np.argsort(-norm, kind="stable")[:size - k]  # torch.topk(norm, size - k, largest=True)
        return _slice_mask(t, self.dim, keep, default_mask)

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes where the given `mask` (shape of the parameter) is 0, on top of any earlier mask."""

    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        mask, default = _array(self.mask), _array(default_mask)
        if mask.shape != default.shape:
            raise ValueError(f"custom_from_mask: the mask has shape {mask.shape}, the parameter {default.shape}")
        return _tensor(default * mask.astype(default.dtype))

    @classmethod
    def apply(cls, module, name, mask):
        return super().apply(module, name, mask=mask)


# -- the functions ---------------------------------------------------------------------------------------------


def identity(module, name):
    """Reparametrise parameter `name` of `module` with an all-ones mask (nothing pruned). Returns the module."""
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    """Prune `amount` entries of parameter `name` (an int, or a float fraction in [0, 1]) chosen at random, among
    those not pruned yet. Returns the module."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    """Prune the `amount` entries of parameter `name` (an int, or a float fraction in [0, 1] of the entries not
    pruned yet) of smallest |score|, the score being `importance_scores` (shape of the parameter) or the parameter
    itself. Returns the module."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    """Prune `amount` random slices of parameter `name` along `dim` (an int, or a float fraction of
    shape[dim]): `dim=0` of a Linear or Conv weight prunes output units / channels. Returns the module."""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    """Prune the `amount` slices of parameter `name` along `dim` (an int, or a float fraction of shape[dim]) whose
    scores (`importance_scores`, default the parameter) have the smallest n-norm over the slice, n as
    `torch.norm`'s p (1, 2, inf, 'fro', ...). Returns the module."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune the (module, name) pairs in `parameters` together: `pruning_method(**kwargs)` (an unstructured
    method class, e.g. L1Unstructured with amount=0.2) sees all their entries as one vector, so layers lose
    different fractions. importance_scores: a dict (module, name) -> scores (default: the parameters). Each
    parameter then carries its slice of the mask as a CustomFromMask (combined with any earlier pruning)."""
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    scores = np.concatenate([_array(importance_scores.get((module, name), getattr(module, name))).reshape(-1)
                             for module, name in parameters])
    default_mask = np.concatenate([  # the masks so far, ones for a parameter not pruned yet
        np.asarray(getattr(module, name + "_mask", np.ones(getattr(module, name).shape)), scores.dtype).reshape(-1)
        for module, name in parameters])
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(f'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
                        f"{pruning_method} of type {method.PRUNING_TYPE}")
    container.add_pruning_method(method)
    final_mask = _array(container.compute_mask(_tensor(scores), _tensor(default_mask)))
    pointer = 0
    for module, name in parameters:
        shape = tuple(getattr(module, name).shape)
        size = int(np.prod(shape))
        custom_from_mask(module, name, mask=final_mask[pointer:pointer + size].reshape(shape))
        pointer += size


def custom_from_mask(module, name, mask):
    """Prune parameter `name` where `mask` (an array or tensor of its shape) is 0. Returns the module."""
    CustomFromMask.apply(module, name, mask=mask)
    return module


def remove(module, name):
    """Make the pruning of `name` permanent: `module.<name>` is a Parameter again (the same object as
    `<name>_orig`, holding the pruned values), `<name>_orig`, `<name>_mask` and the hook are gone. ValueError if
    `name` is not pruned. Returns the module."""
    for key, method in _pruning_hooks(module, name):
        method.remove(module)
        _remove_pre_hook(module, key)
        return module
    raise ValueError(f"Parameter '{name}' of module {type(module).__name__} has to be pruned before pruning can "
                     f"be removed")


def is_pruned(module):
    """Whether `module` or any module below it has a pruning hook."""
    return any(_pruning_hooks(sub) for _, sub in module.named_modules())
