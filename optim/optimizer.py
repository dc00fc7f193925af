"""`Optimizer`: parameter groups, per-parameter state, `step`, `zero_grad` and state dicts.

The machinery every algorithm shares lives here; an algorithm (sgd.py, adam.py, ...) only names its
hyper-parameters with the check each must pass, the state it keeps, and writes its update rule:

    class SGD(Optimizer):
        hyperparameters = dict(lr=nonnegative, maximize=flag)      # a negative lr is a ValueError

        def __init__(self, params, lr=1e-3, *, maximize=False):
            super().__init__(params, lr=lr, maximize=maximize)

        def _update(self, p, g, state, hp):                        # one parameter, one step
            p -= hp["lr"] * g
            return p

`maximize=True` (every algorithm has it, as in PyTorch) negates the gradient before `_update` sees it.

`step()` walks the parameter groups, skips parameters without a gradient, and calls `_update` with the
parameter's data `p`, its gradient `g` (NumPy data of p's shape and dtype), the parameter's state dict and
the group's hyper-parameters as plain Python numbers (so that a float32 parameter never meets a float64
NumPy scalar and gets upcast). `_update` returns the new data. It may update `p` in place and return it
(`p -= lr * g; return p`), as PyTorch does: no allocation of a parameter-sized array per step. That
changes an array you handed to `Parameter`, and the graph of a forward pass made before the step (it reads
its parameters' data when it runs backward). It must never modify `g` in place: a gradient array may be
shared between nodes of the graph.

The checks a `hyperparameters` table names are in hyperparameter_checks.py; the data plumbing of a step (a parameter's
gradient and data as `_update` takes them, complex data as real pairs, state copies) in parameter_data.py. Both
modules' public names are importable from here too, where they were first written.
"""

from __future__ import annotations

import collections
import functools

import numpy as np

from autograd_core.element import coalesce as coalesce_element_views
from autograd_core.errors import describe, legacy_name
from autograd_core.modes import enable_grad
from autograd_core.version_counter import mark_changed
from autograd_core.jit import effect, is_effect, mark_effects, setting_written
from autograd_core.sparse_array import SparseArray, SparseGradients
from autograd_core.sparse_compressed import BACKEND, CompressedArray
from autograd_core.python_numbers import COMPLEX_VALUES_EXIST
from autograd_core.value import _GRAD_PROPERTY, Value, stored_grad

from .hooks import add_hook, with_step_hooks
from .hooks import register_optimizer_step_post_hook, register_optimizer_step_pre_hook  # noqa: F401  (PyTorch's address)
from .hyperparameter_checks import (  # noqa: F401  (re-exported: a custom optimizer's table names them from here)
    beta_pair, check_betas, check_flag, check_learning_rate, check_nonnegative, check_not_differentiable, check_number,
    check_optional_flag, check_unit_interval, flag, implementation_flags, learning_rate, nonnegative, optional_flag,
    real, unit_interval,
)
from .parameter_data import (  # noqa: F401  (as_real_pairs, from_real_pairs: re-exported, public where they were)
    _PLAIN_NUMBERS, _SUBCLASSED_DATA, _as_data_of, _python_number, _restore_state, as_real_pairs, from_real_pairs,
    gradient_and_data, sparse_gradient, update_as_real,
)

class ParamGroup(dict):
    """A parameter group: a dict, as PyTorch's, that tells a compile recording about each write made to it
    (`group["lr"] = lr` inside a compiled step is replayed as that write; autograd_core.jit.setting_written)."""

    __slots__ = ()

    def __setitem__(self, key, value):
        dict.__setitem__(self, key, value)
        setting_written(self, key, value)

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value


class Optimizer:
    """Base class: holds `param_groups` (a list of dicts) and `state` (a dict keyed by parameter).

    params:          an iterable of Values (one group), or an iterable of dicts, each with a "params" entry
                     and optional hyper-parameters that override the defaults for that group (as in PyTorch).
    defaults, **named: the algorithm's hyper-parameters (a dict, as PyTorch, or keywords), one per name
                     in `hyperparameters`.

    A subclass declares:
      hyperparameters: {name: check}, each check(owner, name, value) raising a ValueError/TypeError that
                       names the culprit (see `nonnegative`, `real`, `flag`, `beta_pair`, ...).
      _check_group(group): optional constraints between hyper-parameters (e.g. SGD's nesterov).
      _state_keys(group): the names of the state one parameter has after a step, checked on load.
      _update(p, g, state, hp): the update rule.
    """

    hyperparameters = {}
    _scalar_state = frozenset()  # state entries that are numbers (besides "step"), 0-d tensors in PyTorch's state
    # Options a state dict saved by an older version may lack (they take this optimizer's defaults on loading).
    _added_later = frozenset({"maximize", "decoupled_weight_decay", "foreach", "fused", "capturable", "differentiable"})
    # Hyper-parameters that define the algorithm, whatever a loaded state dict says (AdamW's decoupling: PyTorch's
    # AdamW keeps it when it loads Adam's state).
    _kept_on_load = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A step a subclass writes (LBFGS, a user's optimizer) runs the step hooks too (hooks.py), as in PyTorch.
        step = cls.__dict__.get("step")
        if step is not None and not is_effect(step) and not getattr(step, "with_step_hooks", False):
            cls.step = with_step_hooks(step)
        # step and zero_grad change parameters and gradients outside the graph: a compiled training step replays
        # them as calls (effects), also where a subclass (LBFGS, or a user's optimizer) writes its own.
        mark_effects(cls, step=False, zero_grad=True)

    def __init__(self, params, defaults=None, **named):
        # PyTorch's spelling, super().__init__(params, defaults_dict), works too (a custom optimizer that
        # declares no `hyperparameters` table and writes its own step()).
        defaults = {**(defaults or {}), **named}
        missing = self.hyperparameters.keys() - defaults.keys()
        extra = defaults.keys() - self.hyperparameters.keys() if self.hyperparameters else set()
        if missing or extra:  # a bug in the subclass, not in the user's call
            raise TypeError(f"{self._name}: defaults {sorted(defaults)} do not match the declared "
                            f"hyper-parameters {sorted(self.hyperparameters)}")
        self.defaults = {k: tuple(v) if isinstance(v, list) else v for k, v in defaults.items()}
        self._check_hyperparameters(self.defaults)
        self.state = collections.defaultdict(dict)  # as PyTorch's: state[p] of a parameter not stepped yet is {}
        self.param_groups = []
        self._step_count = 0  # read by lr schedulers to warn about calling them before step()
        for name in _HOOK_KINDS:  # see hooks.py (PyTorch's attribute names)
            setattr(self, name, collections.OrderedDict())
        if isinstance(params, Value):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                f"{legacy_name(params.dtype)} ({self._name}: params must be an iterable of Values or of dicts "
                "(parameter groups), not a single Value; wrap it in a list)"
            )
        if isinstance(params, (dict, set)):
            ours = (f"{self._name}: params must be a list of Values or a list of dicts (parameter groups), not a "
                    f"{type(params).__name__}")
            stranger = next((k for k in params if not isinstance(k, Value)), None)
            if isinstance(params, dict) and stranger is not None:  # PyTorch's words: it iterates the dict's keys
                kind = type(stranger).__name__
                ours = f"optimizer can only optimize Tensors, but one of the params is {kind} ({ours})"
            raise TypeError(ours)
        one_pass = hasattr(params, "__next__")  # a generator such as model.parameters(): it can be read only once
        groups = list(coalesce_element_views(params))  # micrograd's scalar weights: update each matrix at once
        if not groups:
            hint = (": a generator such as model.parameters() is used up after one pass: call model.parameters() "
                    "again for each optimizer, or keep list(model.parameters())") if one_pass else ""
            raise ValueError(f"optimizer got an empty parameter list ({self._name}{hint})")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def _name(self):
        return type(self).__name__

    # ------------------------------------------------------------------------------------------------
    # What an algorithm provides.

    def _check_hyperparameters(self, group):
        """Raise a ValueError/TypeError naming any invalid hyper-parameter of `group`."""
        for name, check in self.hyperparameters.items():
            if name not in group:
                raise ValueError(f"{self._name}: parameter group has no hyper-parameter {name!r}")
            check(self._name, name, group[name])
        if group.get("foreach") and group.get("fused"):
            raise RuntimeError(f"{self._name}: `fused` and `foreach` cannot be `True` together.")
        if any(p.data.__class__ in (CompressedArray, SparseArray) for p in group.get("params", ())):
            self._compressed_params = True
        self._check_group(group)

    def _check_group(self, group):
        """Constraints between the hyper-parameters of one group (each already valid on its own)."""

    def _state_keys(self, group):
        """The names in one parameter's state after a step with `group`'s settings (None: not checked)."""
        return None

    def _restore_state(self, value, p, index, name, who):
        """A copy of one saved state entry for parameter p: an array of p's shape (cast to p's float
        dtype), a number, or a Value (a custom optimizer's tensor state, which stays a Value); anything else is a
        ValueError naming it."""
        if name in self._scalar_state and isinstance(value, (np.ndarray, np.generic)) and np.ndim(value) == 0:
            return value.item()  # a number PyTorch keeps as a 0-d tensor (ASGD's eta, NAdam's mu_product)
        return _restore_state(value, p, index, name, who)

    def _complex_update(self, update):
        """The update rule for a group holding complex parameters with gradients: PyTorch's optimizers step a complex
        parameter as its `view_as_real` (its gradient and state too), so an update rule written for real numbers treats
        the real and imaginary parts as two real parameters (`update_as_real`). An algorithm whose rule holds for
        complex numbers as they are (SGD's, linear in g) or that refuses them (Adafactor, Muon: raise here; a complex
        parameter without a gradient does not reach this, as in PyTorch) overrides this."""
        return functools.partial(update_as_real, update)

    def _update(self, p, g, state, hp):
        """The update rule: new data for parameter data `p` given its gradient `g`.

        state: this parameter's state dict (empty on the first step), updated in place.
        hp:    the group's hyper-parameters, with NumPy numbers converted to Python numbers.
        """
        raise NotImplementedError(f"{self._name} does not define an update rule (_update)")

    # ------------------------------------------------------------------------------------------------
    # Parameter groups.

    def add_param_group(self, param_group):
        """Add a dict {"params": Values, hyper-parameter: value, ...}; missing hyper-parameters take
        the optimizer's defaults. A parameter may belong to one group only."""
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{self._name}: a parameter group must be a dict with a 'params' entry, "
                f"got {type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(f"{self._name}: parameter group has no 'params' entry: {sorted(param_group)}")
        params = param_group["params"]
        if isinstance(params, Value):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                f"{self._name}: parameters must be an ordered collection (a list), not a set: the order "
                "decides the indices of state_dict()"
            )
        else:
            params = list(coalesce_element_views(params))
        index = len(self.param_groups)
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                hint = " (did you pass named_parameters()?)" if isinstance(p, tuple) else ""
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__} "
                    f"({self._name}: parameter {i} of group {index} is a {type(p).__name__}, not a Value{hint})"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"can't optimize a non-leaf Tensor ({self._name}: parameter {i} of group {index} "
                    f"({describe(p)}) is not a leaf; optimize the leaves it was computed from)"
                )
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"optimizer contains a parameter group with duplicate parameters ({self._name}: "
                             f"parameter group {index} contains the same parameter twice; PyTorch warns that this "
                             "will be an error, and steps such a parameter twice meanwhile)")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"some parameters appear in more than one parameter group ({self._name})")

        group = ParamGroup(params=params)
        group.update((k, v) for k, v in param_group.items() if k != "params")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._check_hyperparameters(group)
        self.param_groups.append(group)

    # ------------------------------------------------------------------------------------------------
    # Stepping.

    @effect()  # autograd_core.compile replays the step as a call, after the compiled backward pass
    @with_step_hooks
    def step(self, closure=None):
        """Update every parameter that has a gradient, once. Returns closure() if given, else None.

        closure: an optional function that re-evaluates the loss (zeroing grads and calling backward
                 itself); it runs with gradient recording enabled, before the update.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        changed = []
        if SparseGradients.stored:  # (never set in dense training: then nothing is looked at)
            self._check_sparse_gradients()
        if self._compressed_params:
            for group in self.param_groups:
                for p in group["params"]:
                    if p.data.__class__ is CompressedArray and p.grad is not None:
                        self._refuse_compressed(group, p)
                    elif p.data.__class__ is SparseArray and p.grad is not None and sparse_gradient(p) is None:
                        self._refuse_dense_gradient_of_sparse(group, p)
        try:
            for group in self.param_groups:
                self._step_group(group, changed)
        finally:  # graphs recorded before this step refuse to backpropagate (as in PyTorch)
            mark_changed(*changed)
        self._step_count += 1
        return loss

    def _check_sparse_gradients(self):
        """PyTorch's error, before any parameter changes, for a sparse gradient that this algorithm does not take
        (`_refuse_sparse_gradient`)."""
        for group in self.param_groups:
            for p in group["params"]:
                if sparse_gradient(p) is not None:
                    self._refuse_sparse_gradient(group, p)

    _compressed_params = False  # True once a group holds a sparse parameter (COO, CSR, ...): only then does step look

    def _refuse_compressed(self, group, p):
        """Raise PyTorch's error for parameter p of `group`, of a compressed sparse layout (CSR, ...), before any
        parameter changes. An algorithm that steps one (SGD) overrides this."""
        raise RuntimeError(f"unsupported tensor layout: {BACKEND[p.data.layout]}")  # (Adam's, RMSprop's, ...)

    def _refuse_dense_gradient_of_sparse(self, group, p):
        """Raise PyTorch's error for a sparse COO parameter p of `group` whose gradient is dense (torch.mm's), before
        any parameter changes: its state's zeros_like fails (Adam's, RMSprop's, ...)."""
        raise RuntimeError("memory format option is only supported by strided tensors")

    def _refuse_sparse_gradient(self, group, p):
        """Raise PyTorch's error for parameter p of `group`, whose gradient is sparse. An algorithm that takes sparse
        gradients (SGD, Adagrad, SparseAdam) overrides this, and its `_update` then gets a SparseArray."""
        raise RuntimeError(f"{self._name} does not support sparse gradients")

    def _step_group(self, group, changed):
        """Update the parameters of one group that have a gradient, appending each to `changed`: the general loop,
        which calls `_update` per parameter (an algorithm may write out a faster one for some settings, as SGD does)."""
        owner, update, states = self._name, self._update, self.state
        hp = {k: v if v.__class__ in _PLAIN_NUMBERS else _python_number(v) for k, v in group.items() if k != "params"}
        maximize = hp.get("maximize")
        if COMPLEX_VALUES_EXIST[0] and any(p.data.dtype.kind == "c" and stored_grad(p) is not None
                                           for p in group["params"]):  # (only those that step count, as PyTorch's)
            update = self._complex_update(update)
        for p in group["params"]:
            g, data = gradient_and_data(p, owner)
            if g is None:
                continue
            if maximize:
                g = -g                                   # ascend: step along +∇f
            plain = np.asarray(data) if data.__class__ in _SUBCLASSED_DATA else data
            state = states.get(p)
            if state is None:  # stored once the rule put something in it (SGD without momentum keeps nothing)
                state = {}
                new = update(plain, g, state, hp)
                if state:
                    states[p] = state
            else:
                new = update(plain, g, state, hp)
            if new is not plain or data is not p.data:  # a new array, or a private copy: changed in place otherwise
                p.data = _as_data_of(new, p)
            changed.append(p)

    @effect(idempotent=True)
    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set them to None (default), or to zeros of each parameter's shape.

        The zeros are new arrays: a gradient array may be shared, so it is never zeroed in place.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none and p.__class__.grad is _GRAD_PROPERTY:
                    p._grad = None  # what the setter does with None, without its call (a step's every parameter)
                elif set_to_none or p.grad is None:
                    p.grad = None
                elif getattr(p.grad, "is_sparse", False):
                    p.grad.zero_()  # PyTorch's sparse zero_, in place: no entries left
                else:
                    p.grad = _as_data_of(np.zeros_like(p.data), p)

    def __replay_effect__(self, method, args, kwargs):
        """What a compiled step replays for a recorded call of `method` (autograd_core.jit's protocol,
        jit_effects.replay_routine): for `zero_grad()` (set_to_none=True) a routine decided once (optim/replay.py),
        else None (the method is called). An algorithm adds its step's (SGD)."""
        if method is _ZERO_GRAD and set_to_none_call(args, kwargs):
            from .replay import zero_grad_routine

            return zero_grad_routine(self, method)
        return None

    # ------------------------------------------------------------------------------------------------
    # Saving and loading.

    def state_dict(self):
        """{"state": {index: {name: array or number}}, "param_groups": [{..., "params": [index, ...]}]}, as in
        PyTorch.

        Parameters are numbered 0, 1, 2, ... in group order, as in PyTorch. As PyTorch's, the dict refers to the
        optimizer's state rather than copying it: each "state" entry is the optimizer's own dict for that parameter
        (`opt.state[p]`), holding its arrays themselves, which later steps change in place; each param_groups
        entry is a new dict holding the group's hyper-parameters. Keep a snapshot with `copy.deepcopy(...)`
        (saving to a file is one too); `load_state_dict` copies what it is given. Which algorithm saved it is not
        recorded (PyTorch's has only these two entries, and users print them): `load_state_dict` tells another
        algorithm's state by its hyper-parameters and state names.
        """
        for hook in self._hooks("_optimizer_state_dict_pre_hooks"):
            hook(self)
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(p, len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[p]: s for p, s in self.state.items() if p in index}  # the dicts themselves, as PyTorch's
        state_dict = {"state": state, "param_groups": groups}
        for hook in self._hooks("_optimizer_state_dict_post_hooks"):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and per-parameter state saved by `state_dict()`.

        Validated before anything changes (a failed load leaves the optimizer as it was): the algorithm
        that saved it (when an older version recorded it), the number of groups and of parameters in each, every
        hyper-parameter this algorithm needs, the names of each parameter's state and its array shapes.
        Parameters are matched by position. Floating state is cast to each parameter's dtype.
        """
        who = f"{self._name}.load_state_dict"
        for hook in self._hooks("_optimizer_load_state_dict_pre_hooks"):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError(f"{who}: expected a dict with 'state' and 'param_groups' entries")
        saved_by = state_dict.get("optimizer", self._name)  # older versions recorded it
        if saved_by != self._name:
            raise ValueError(f"{who}: this state dict was saved by {saved_by}, it cannot be loaded into "
                             f"{self._name} (their hyper-parameters and state differ)")
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, (list, tuple)) or not all(isinstance(g, dict) for g in saved_groups):
            raise ValueError(f"{who}: 'param_groups' must be a list of dicts")
        if not isinstance(saved_state, dict) or not all(isinstance(s, dict) for s in saved_state.values()):
            raise ValueError(f"{who}: 'state' must be a dict {{parameter index: dict}}")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{who}: the state dict has {len(saved_groups)} parameter groups, "
                f"this optimizer has {len(self.param_groups)}"
            )
        by_index = {}
        groups = []
        for i, (mine, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved.get("params", ())) != len(mine["params"]):
                raise ValueError(
                    f"{who}: parameter group {i} has {len(saved.get('params', ()))} "
                    f"parameters in the state dict and {len(mine['params'])} in this optimizer"
                )
            missing = sorted(self.hyperparameters.keys() - saved.keys() - self._added_later)
            if missing:
                raise ValueError(f"{who}: parameter group {i} of the state dict lacks {missing}, which "
                                 f"{self._name} needs (was it saved by another optimizer?)")
            group = ParamGroup(params=mine["params"])
            group.update((k, v) for k, v in self.defaults.items() if k in self._added_later)  # older saves
            group.update((k, v) for k, v in saved.items() if k != "params")
            group.update(self._kept_on_load)
            self._check_hyperparameters(group)
            groups.append(group)
            by_index.update((index, (p, group)) for index, p in zip(saved["params"], mine["params"]))

        state = {}
        for index, saved_p in saved_state.items():
            if index not in by_index:
                raise ValueError(
                    f"{who}: state for parameter {index!r}, which no parameter group of the state dict lists"
                )
            p, group = by_index[index]
            expected = self._state_keys(group)
            if saved_p and expected is not None and set(saved_p) != set(expected):
                raise ValueError(
                    f"{who}: the state of parameter {index} has {sorted(saved_p)}, but {self._name} with "
                    f"these settings keeps {sorted(expected)} (was it saved by another optimizer?)"
                )
            state[p] = {name: self._restore_state(value, p, index, name, who) for name, value in saved_p.items()}
        self.state = collections.defaultdict(dict, state)
        self.param_groups = groups
        for hook in self._hooks("_optimizer_load_state_dict_post_hooks"):
            hook(self)

    # ------------------------------------------------------------------------------------------------
    # Hooks (hooks.py), PyTorch's: each register method returns a handle whose remove() takes the hook off.

    def register_step_pre_hook(self, hook):
        """Call hook(optimizer, args, kwargs) before each step(); it may return (new_args, new_kwargs)."""
        return add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """Call hook(optimizer, args, kwargs) after each step()."""
        return add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """Call hook(optimizer) at the start of state_dict() (first of the hooks when prepend)."""
        return add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """Call hook(optimizer, state_dict) at the end of state_dict(); a dict it returns is returned instead."""
        return add_hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """Call hook(optimizer, state_dict) at the start of load_state_dict(); a dict it returns is loaded instead."""
        return add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """Call hook(optimizer) after load_state_dict() has loaded."""
        return add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    def _hooks(self, name):
        hooks = getattr(self, name, None)  # an optimizer pickled before hooks existed has none
        return tuple(hooks.values()) if hooks else ()

    def __repr__(self):
        """PyTorch's layout: each group's hyper-parameters sorted by name, a blank line between groups."""
        groups = [f"Parameter Group {i}\n" + "".join(f"    {k}: {group[k]}\n" for k in sorted(group) if k != "params")
                  for i, group in enumerate(self.param_groups)]
        return f"{self._name} (" + "".join("\n" + text for text in groups) + ")"


_ZERO_GRAD, _STEP = Optimizer.zero_grad.__wrapped__, Optimizer.step.__wrapped__  # the functions a recording records


def set_to_none_call(args, kwargs):
    """Whether arguments of zero_grad ask for its default, set_to_none=True."""
    return len(args) + len(kwargs) <= 1 and all(a is True for a in (*args, *kwargs.values())) and \
        kwargs.keys() <= {"set_to_none"}


_HOOK_KINDS = ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
               "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
               "_optimizer_load_state_dict_post_hooks")
