"""`Optimizer`: parameter groups, per-parameter state, `step`, `zero_grad` and state dicts.

The machinery every algorithm shares lives here; an algorithm (sgd.py, adam.py, ...) only validates its
hyper-parameters and writes its update rule:

    class SGD(Optimizer):
        def _check_hyperparameters(self, group): ...          # a negative lr is a ValueError
        def _update(self, p, g, state, hp):                    # one parameter, one step
            p -= hp["lr"] * g
            return p

`step()` walks the parameter groups, skips parameters without a gradient, and calls `_update` with the
parameter's data `p`, its gradient `g` (NumPy data of p's shape and dtype), the parameter's state dict and
the group's hyper-parameters as plain Python numbers (so that a float32 parameter never meets a float64
NumPy scalar and gets upcast). `_update` returns the new data. It may update `p` in place and return it
(`p -= lr * g; return p`), as PyTorch does: no allocation of a parameter-sized array per step. That
changes an array you handed to `Parameter`, and the graph of a forward pass made before the step (it reads
its parameters' data when it runs backward). It must never modify `g` in place: a gradient array may be
shared between nodes of the graph.
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd_core import Value, enable_grad
from autograd_core.jit import effect


class Optimizer:
    """Base class: holds `param_groups` (a list of dicts) and `state` (a dict keyed by parameter).

    params:   an iterable of Values (one group), or an iterable of dicts, each with a "params" entry and
              optional hyper-parameters that override `defaults` for that group (as in PyTorch).
    defaults: the algorithm's hyper-parameters, validated by `_check_hyperparameters`.
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self._check_hyperparameters(self.defaults)
        self.state = {}
        self.param_groups = []
        self._step_count = 0  # read by lr schedulers to warn about calling them before step()
        if isinstance(params, Value):
            raise TypeError(
                f"{self._name}: params must be an iterable of Values or of dicts (parameter groups), "
                "not a single Value; wrap it in a list"
            )
        if isinstance(params, (dict, set)):
            raise TypeError(
                f"{self._name}: params must be a list of Values or a list of dicts (parameter groups), "
                f"not a {type(params).__name__}"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{self._name}: got an empty parameter list")
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
            params = list(params)
        index = len(self.param_groups)
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                hint = " (did you pass named_parameters()?)" if isinstance(p, tuple) else ""
                raise TypeError(
                    f"{self._name}: parameter {i} of group {index} is a {type(p).__name__}, "
                    f"not a Value{hint}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{self._name}: parameter {i} of group {index} ({p._describe()}) is not a leaf; "
                    "optimize the leaves it was computed from"
                )
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{self._name}: parameter group {index} contains the same parameter twice")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{self._name}: some parameters appear in more than one parameter group")

        group = {"params": params}
        group.update((k, v) for k, v in param_group.items() if k != "params")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._check_hyperparameters(group)
        self.param_groups.append(group)

    # ------------------------------------------------------------------------------------------------
    # Stepping.

    @effect()  # autograd_core.compile replays the step as a call, after the compiled backward pass
    def step(self, closure=None):
        """Update every parameter that has a gradient, once. Returns closure() if given, else None.

        closure: an optional function that re-evaluates the loss (zeroing grads and calling backward
                 itself); it runs with gradient recording enabled, before the update.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            hp = {k: _python_number(v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                g = _gradient_of(p, self._name)
                if g is None:
                    continue
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                data = p.data
                if data.__class__ is np.ndarray and not data.flags.writeable:
                    data = data.copy()  # e.g. a broadcast view: update a private copy instead
                new = self._update(data, g, state, hp)
                if new is not p.data:
                    p.data = _as_data_of(new, p)
        self._step_count += 1
        return loss

    @effect(idempotent=True)
    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set them to None (default), or to zeros of each parameter's shape.

        The zeros are new arrays: a gradient array may be shared, so it is never zeroed in place.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = _as_data_of(np.zeros_like(p.data), p)

    # ------------------------------------------------------------------------------------------------
    # Saving and loading.

    def state_dict(self):
        """{"state": {index: {name: array or int}}, "param_groups": [{..., "params": [index, ...]}]}.

        Parameters are numbered 0, 1, 2, ... in group order, as in PyTorch. Arrays are copies, so the
        dict is a snapshot that later steps do not change.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(p, len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[p]: {name: _copy_state(value) for name, value in s.items()}
            for p, s in self.state.items()
            if p in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and per-parameter state saved by `state_dict()`.

        The optimizer must hold as many groups, with as many parameters each, as the saved one;
        parameters are matched by position. Floating state is cast to each parameter's dtype.
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError(
                f"{self._name}.load_state_dict: expected a dict with 'state' and 'param_groups' entries"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{self._name}.load_state_dict: the state dict has {len(saved_groups)} parameter groups, "
                f"this optimizer has {len(self.param_groups)}"
            )
        by_index = {}
        for i, (mine, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(mine["params"]):
                raise ValueError(
                    f"{self._name}.load_state_dict: parameter group {i} has {len(saved['params'])} "
                    f"parameters in the state dict and {len(mine['params'])} in this optimizer"
                )
            by_index.update(zip(saved["params"], mine["params"]))

        state = {}
        for index, saved_state in state_dict["state"].items():
            if index not in by_index:
                raise ValueError(
                    f"{self._name}.load_state_dict: state for parameter {index!r}, which no parameter "
                    "group of the state dict lists"
                )
            p = by_index[index]
            state[p] = {name: _restore_state(value, p, index, name, self._name)
                        for name, value in saved_state.items()}
        groups = []
        for mine, saved in zip(self.param_groups, saved_groups):
            group = {"params": mine["params"]}
            group.update((k, v) for k, v in saved.items() if k != "params")
            self._check_hyperparameters(group)
            groups.append(group)
        self.state = state
        self.param_groups = groups

    def __repr__(self):
        lines = [f"{self._name} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {group[k]}" for k in sorted(group) if k != "params")
        lines.append(")")
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------
# Validation helpers for `_check_hyperparameters`.


def check_number(owner, name, value):
    """A real number (bool excluded), else a TypeError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(value).__name__} {value!r}")


def check_nonnegative(owner, name, value):
    """A real number >= 0 (NaN fails), else a ValueError naming it."""
    check_number(owner, name, value)
    if not value >= 0:
        raise ValueError(f"{owner}: invalid {name}={value!r}, must be >= 0")


def check_betas(owner, betas):
    """A pair (beta1, beta2) with each 0 <= beta < 1."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        check_number(owner, f"betas[{i}]", beta)
        if not 0 <= beta < 1:
            raise ValueError(f"{owner}: invalid betas[{i}]={beta!r}, must be in [0, 1)")


# ----------------------------------------------------------------------------------------------------
# Data plumbing.


def _python_number(value):
    # A np.float64 learning rate times a float32 array gives float64 (NumPy 2); a Python float does not.
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return tuple(_python_number(v) for v in value)
    return value


def _gradient_of(p, owner):
    """p.grad as NumPy data of p's shape and dtype, or None."""
    g = p.grad
    if g is None:
        return None
    if isinstance(g, Value):  # a gradient recorded with create_graph=True
        g = g.data
    g = np.asarray(g)
    if g.shape != p.data.shape:
        raise ValueError(
            f"{owner}.step: the gradient of parameter {p._describe()} has shape {g.shape}, "
            f"expected {p.data.shape}"
        )
    if g.dtype != p.data.dtype:
        g = g.astype(p.data.dtype)
    return g[()] if g.ndim == 0 else g


def _as_data_of(x, p):
    """x with p's dtype, and a NumPy scalar when p is 0-d (as Value stores it)."""
    x = np.asarray(x)
    if x.dtype != p.data.dtype:
        x = x.astype(p.data.dtype)
    return x[()] if x.ndim == 0 else x


def _copy_state(value):
    return value.copy() if isinstance(value, (np.ndarray, np.generic)) else value


def _restore_state(value, p, index, name, owner):
    if not isinstance(value, (np.ndarray, np.generic)):
        return value  # a step count, or another plain Python value
    arr = np.array(value)  # a copy
    if arr.shape != p.data.shape:
        raise ValueError(
            f"{owner}.load_state_dict: state '{name}' of parameter {index} has shape {arr.shape}, "
            f"but the parameter has shape {p.data.shape}"
        )
    if arr.dtype.kind == "f" and arr.dtype != p.data.dtype:
        arr = arr.astype(p.data.dtype)
    return arr
