"""Adam and its relatives: AdamW (decoupled weight decay) and Adamax (infinity norm)."""

from __future__ import annotations

import math
import sys

import numpy as np

from autograd_core import Value
from autograd_core.grad_array import ParameterArray as _parameter_array
from autograd_core.ops import number_like
from autograd_core.python_numbers import COMPLEX_VALUES_EXIST

from .optimizer import Optimizer
from .hyperparameter_checks import beta_pair, flag, implementation_flags, learning_rate, nonnegative
from .parameter_data import (
    _PLAIN_NUMBERS, _SUBCLASSED_DATA, _as_data_of, _python_number, as_real_pairs, from_real_pairs, gradient_and_data,
)


def next_step(state, p, *moments):
    """This update's step number t (1 at the first), counted in state["step"]; the first time, each state entry named
    in `moments` starts as zeros like p (Adam's and its relatives' state, in PyTorch's order)."""
    if not state:
        state["step"] = 0
        for name in moments:
            state[name] = np.zeros_like(p)
    state["step"] = t = state["step"] + 1  # a new object: a step loaded as a 0-d array is not changed in place
    return t


def _moments(state, g, beta1, beta2):
    """Adam's moments m ← beta1·m + (1 − beta1)·g and v ← beta2·v + (1 − beta2)·g², changed in place (whoever holds
    state["exp_avg"] sees the step, as in PyTorch: exp_avg.lerp_(g, 1 − beta1), exp_avg_sq.mul_(beta2).addcmul_())."""
    m, v = state["exp_avg"], state["exp_avg_sq"]
    d = g - m
    d *= 1 - beta1
    m += d                                                   # first moment: m + (1 − beta1)·(g − m)
    v *= beta2
    d = g * (1 - beta2)
    d *= g
    v += d                                                   # second moment
    return m, v


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015): steps of size ~lr along the bias-corrected ratio m̂ / √v̂.

        g ← ∇f(p) + weight_decay·p                   (AdamW instead shrinks p: p ← p·(1 − lr·weight_decay))
        m ← beta1·m + (1 − beta1)·g                   (m, v start at 0; t = 1, 2, ...)
        v ← beta2·v + (1 − beta2)·g²
        amsgrad: v_max ← max(v_max, v) and v_max replaces v below (Reddi et al., 2018)
        p ← p − lr·m̂ / (√v̂ + eps),   m̂ = m / (1 − beta1ᵗ),   v̂ = v / (1 − beta2ᵗ)

    lr >= 0, betas = (beta1, beta2) in [0, 1), eps >= 0, weight_decay >= 0; decoupled_weight_decay=True is AdamW's
    decay (a hyper-parameter of each group, as in PyTorch).
    State per parameter: "step" (t), "exp_avg" (m), "exp_avg_sq" (v), "max_exp_avg_sq" (amsgrad only).
    """

    hyperparameters = dict(lr=learning_rate, betas=beta_pair, eps=nonnegative, weight_decay=nonnegative, amsgrad=flag,
                           maximize=flag, **implementation_flags("foreach", "capturable", "differentiable", "fused"),
                           decoupled_weight_decay=flag)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=decoupled_weight_decay)

    def _check_group(self, group):
        if isinstance(group["lr"], Value) and group["foreach"] and not group["capturable"]:
            raise ValueError(f"{self._name}: lr as a Tensor is not supported for capturable=False and foreach=True")

    def _state_keys(self, group):
        return {"step", "exp_avg", "exp_avg_sq"} | ({"max_exp_avg_sq"} if group["amsgrad"] else set())

    def _update(self, p, g, state, hp):
        lr, (beta1, beta2), eps, weight_decay = hp["lr"], hp["betas"], hp["eps"], hp["weight_decay"]
        t = next_step(state, p, "exp_avg", "exp_avg_sq", *(("max_exp_avg_sq",) if hp["amsgrad"] else ()))
        if weight_decay != 0:
            if hp["decoupled_weight_decay"]:
                p *= 1 - lr * weight_decay                   # AdamW: decay the weights themselves
            else:
                g = g + weight_decay * p                     # Adam: gradient of the L2 penalty
        m, v = _moments(state, g, beta1, beta2)             # in place: a step allocates 4 temporaries, not 13
        if hp["amsgrad"]:
            v = state["max_exp_avg_sq"]
            np.maximum(v, state["exp_avg_sq"], out=v)        # largest second moment so far
        # Bias corrections (m, v started at 0) as PyTorch orders them: p − lr/(1 − beta1ᵗ)·m / (√v/√(1 − beta2ᵗ) + eps)
        denom = np.sqrt(v)
        denom /= math.sqrt(1 - beta2**t)
        denom += eps
        d = m * (lr / (1 - beta1**t))
        d /= denom
        p -= d
        return p

    def _refuse_sparse_gradient(self, group, p):
        raise RuntimeError("Adam does not support sparse gradients, please consider SparseAdam instead")

    def _step_group(self, group, changed):
        """The group's small parameters in one pass over flat buffers when it can (see `_FlatAdam`), the others (and
        all of them with foreach=False or a subclass's own `_update`) in the general loop."""
        if type(self)._update is Adam._update and group["foreach"] is not False:
            rest = _FlatAdam.step(self, group, changed)
            if len(rest) != len(group["params"]):
                group = {**group, "params": rest}
        super()._step_group(group, changed)

    def __getstate__(self):
        # A pickle or deepcopy keeps the state arrays, not the flat buffers they are views of (they come apart in the
        # copy): the copy adopts its state into new buffers at its first step.
        state = self.__dict__.copy()
        state.pop("_flat_groups", None)
        return state


class AdamW(Adam):
    """AdamW (Loshchilov and Hutter, 2019): Adam with decoupled weight decay.

    The weights shrink by the factor (1 − lr·weight_decay) before the Adam step, instead of
    weight_decay·p entering the gradient (where Adam's normalisation would rescale it). Default
    weight_decay = 1e-2; everything else as `Adam`. Loading another Adam's state keeps the decoupling (as in PyTorch).
    """

    _kept_on_load = {"decoupled_weight_decay": True}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         foreach=foreach, maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)


class Adamax(Optimizer):
    """Adamax (Kingma and Ba, 2015, section 7.1): Adam with the infinity norm in place of √v.

        g ← ∇f(p) + weight_decay·p
        m ← beta1·m + (1 − beta1)·g                   (m, u start at 0; t = 1, 2, ...)
        u ← max(beta2·u, |g| + eps)                   (PyTorch adds eps here, so u > 0 from step 1)
        p ← p − lr / (1 − beta1ᵗ) · m / u

    lr >= 0, betas = (beta1, beta2) in [0, 1), eps >= 0, weight_decay >= 0.
    State per parameter: "step" (t), "exp_avg" (m), "exp_inf" (u).
    """

    hyperparameters = dict(lr=learning_rate, betas=beta_pair, eps=nonnegative, weight_decay=nonnegative,
                           **implementation_flags("foreach"), maximize=flag,
                           **implementation_flags("differentiable", "capturable"))

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                         maximize=maximize, differentiable=differentiable, capturable=capturable)

    def _state_keys(self, group):
        return {"step", "exp_avg", "exp_inf"}

    def _update(self, p, g, state, hp):
        lr, (beta1, beta2), eps = hp["lr"], hp["betas"], hp["eps"]
        t = next_step(state, p, "exp_avg", "exp_inf")
        if hp["weight_decay"] != 0:
            g = g + hp["weight_decay"] * p                        # gradient of the L2 penalty
        m, u = state["exp_avg"], state["exp_inf"]                 # changed in place, as PyTorch's
        d = g - m
        d *= 1 - beta1
        m += d                                                    # first moment: m + (1 − beta1)·(g − m)
        u *= beta2
        d = np.abs(g)
        d += eps
        np.maximum(u, d, out=u)                                   # exponentially weighted infinity norm
        d = m * (lr / (1 - beta1**t))                             # only m needs a bias correction
        d /= u
        p -= d
        return p


# ----------------------------------------------------------------------------------------------------
# Adam's step over a whole group at once (PyTorch's foreach=None/True; foreach=False keeps the loop).


def _kind(p):
    """'c' for a complex parameter, 'f' for a real one."""
    return "c" if p.data.dtype.kind == "c" else "f"


def _state_view(pairs, p):
    """A state array of parameter p as its state keeps it: `pairs` itself, or read as complex numbers for a complex
    p (the same memory)."""
    return from_real_pairs(pairs, p.data.dtype) if p.data.dtype.kind == "c" else pairs


def _references(state, name):
    return sys.getrefcount(state[name])


_UNSHARED = _references({"x": np.zeros(1)}, "x")  # what _references counts for an array nobody else holds


class _FlatAdam:
    """The moments of one parameter group in flat buffers, each parameter's state a view of its slice.

    Adam's per-parameter loop makes ~14 NumPy calls per parameter: on a model of many small parameters (the GPT
    of bench/bench_gpt.py: 94 parameters, 0.2 M numbers) the calls cost more than the arithmetic. Here the group's
    gradients are copied into one flat array and the update runs over all of them at once, in pieces of `CHUNK`
    numbers that stay in the processor's cache through the 12 operations; per parameter there remain the copy of
    its gradient and the subtraction of its step (and AdamW's decay). Parameters of more than `SMALL` numbers keep
    the loop: their calls cost little next to their arithmetic, which the loop does on arrays still in the cache.
    The buffers hold the small parameters' two moments (three with amsgrad), their gathered gradients and a scratch.

    state[p]["exp_avg"] (and "exp_avg_sq", "max_exp_avg_sq") stay arrays of p's shape, changed in place at each
    step as in the loop: views of the flat buffers. The group steps flat while it is as the buffers left it: the
    same small parameters with a gradient, of one floating dtype and their shapes, each state made of these views,
    with the same step count. Otherwise the general loop runs, which updates the same views in place, so the two
    paths alternate freely. A group whose state the buffers do not hold (the first step; a loaded state dict; a
    parameter that had no gradient at the previous step) takes flat buffers again when every parameter has no state
    yet, or each has the same step count and arrays that nothing outside the state holds (a reference count, so
    that an array a user kept keeps changing with the steps).
    """

    __slots__ = ("group", "params", "shapes", "dtype", "names", "buffers", "views", "grad", "scratch", "steps", "t")
    SMALL = 2**15
    CHUNK = 2**16

    @staticmethod
    def step(opt, group, changed):
        """One Adam step of the small parameters of `group` that have a gradient, through flat buffers; returns the
        parameters left for the general loop (the large ones, those without a gradient, or all if it cannot)."""
        owner, states, small = opt._name, opt.state, _FlatAdam.SMALL
        complex_values = COMPLEX_VALUES_EXIST[0]  # (until the first complex Value, no parameter is looked at for it)
        params, grads, datas, rest = [], [], [], []
        for p in group["params"]:
            g, data = gradient_and_data(p, owner)
            if g is not None and data.size <= small:
                if complex_values and data.dtype.kind == "c":  # its real pairs, as PyTorch's foreach Adam: a view
                    if data.__class__ is not _parameter_array and data.__class__ is not np.ndarray \
                            or not data.flags.c_contiguous:
                        rest.append(p)  # (a NumPy scalar or a strided array: no view; the general loop takes it)
                        continue
                    data, g = as_real_pairs(data), as_real_pairs(g)
                params.append(p)
                grads.append(g)
                datas.append(np.asarray(data) if data.__class__ in _SUBCLASSED_DATA else data)  # (parameter_data.py)
            else:
                rest.append(p)
        if not params:
            return rest
        names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if group["amsgrad"] else ("exp_avg", "exp_avg_sq")
        layouts = opt.__dict__.setdefault("_flat_groups", {})
        flat = layouts.get(id(group))
        if flat is None or flat.group is not group or not flat.holds(params, datas, states, names):
            layouts.pop(id(group), None)
            flat = None  # (the old buffers' references to the state's views, which adopt counts, go with it)
            flat = _FlatAdam.adopt(group, params, datas, states, names)
            if flat is None:
                return group["params"]
            if len(layouts) >= len(opt.param_groups):  # forget the buffers of groups no longer stepped
                kept = {id(g) for g in opt.param_groups}
                for key in [key for key in layouts if key not in kept]:
                    del layouts[key]
            layouts[id(group)] = flat
        flat.update(grads, datas, {k: v if v.__class__ in _PLAIN_NUMBERS else _python_number(v)
                                   for k, v in group.items() if k != "params"})
        t = flat.t
        for p, data, state in zip(params, datas, (states[p] for p in params)):
            state["step"] = t
            if data is not p.data and data.base is None:  # a read-only or 0-d parameter: the update made a new array
                p.data = _as_data_of(data, p)  # (not a complex parameter's real pairs, a view changed in place)
            changed.append(p)
        return rest

    def holds(self, params, datas, states, names):
        """Whether the buffers are still those of these parameters' state (nothing replaced or stepped apart)."""
        if len(params) != len(self.params) or len(names) != len(self.names):
            return False
        t, dtype, views = self.t, self.dtype, self.views
        for i, (p, mine, data) in enumerate(zip(params, self.params, datas)):
            state = states.get(p)
            if (p is not mine or state is None or state.get("step") != t or data.shape != self.shapes[i]
                    or data.dtype != dtype):
                return False
            for name, view in zip(names, views[i]):
                if state.get(name) is not view:
                    return False
        return all(v.base is b for v, b in zip(views[0], self.buffers))  # not a pickled copy's

    @staticmethod
    def adopt(group, params, datas, states, names):
        """New buffers for these parameters, holding their state (or zeros when none has any yet), or None."""
        dtype = datas[0].dtype
        if dtype.kind != "f" or any(d.dtype != dtype for d in datas):
            return None
        saved = [states.get(p) for p in params]
        if any(saved):
            t = saved[0].get("step") if saved[0] else None
            for p, state, data in zip(params, saved, datas):
                if not state or state.keys() != {"step", *names} or state["step"] != t:
                    return None
                for name in names:
                    if _references(state, name) > _UNSHARED:  # (counted before `value` adds a reference)
                        return None
                    value = state[name]
                    if value.__class__ is not np.ndarray or value.dtype.kind != _kind(p):
                        return None
                    if value.dtype.kind == "c":  # a complex parameter's state: compared as its real pairs
                        value = as_real_pairs(value)
                    if value.shape != data.shape or value.dtype != dtype:
                        return None
        flat = _FlatAdam()
        flat.group, flat.params, flat.dtype, flat.names = group, list(params), dtype, names
        flat.shapes = [d.shape for d in datas]
        sizes = [d.size for d in datas]
        bounds = np.cumsum([0] + sizes).tolist()
        n = bounds[-1]
        flat.buffers = [np.zeros(n, dtype) for _ in names]
        flat.grad, flat.scratch = np.empty(n, dtype), np.empty(n, dtype)
        slices = [slice(a, b) for a, b in zip(bounds, bounds[1:])]
        # the state's arrays: views of the buffers, complex ones for a complex parameter (PyTorch's state is complex)
        flat.views = [[_state_view(buffer[s].reshape(shape), p) for buffer in flat.buffers]
                      for s, shape, p in zip(slices, flat.shapes, params)]
        flat.steps = [flat.grad[s].reshape(shape) for s, shape in zip(slices, flat.shapes)]
        flat.t = 0
        for p, state, views in zip(params, saved, flat.views):
            if state:
                flat.t = state["step"]
                for name, view in zip(names, views):
                    view[...] = state[name]
            else:
                state = states.setdefault(p, {})
                state["step"] = 0
            state.update(zip(names, views))
        return flat

    def update(self, grads, datas, hp):
        """Adam's `_update` on every parameter of the group at once (the same formulas, on the flat buffers)."""
        lr, (beta1, beta2), eps, weight_decay = hp["lr"], hp["betas"], hp["eps"], hp["weight_decay"]
        self.t = t = self.t + 1
        g, s = self.grad, self.scratch
        np.concatenate([x.reshape(-1) for x in grads], out=g)
        if hp["maximize"]:
            np.negative(g, out=g)
        decoupled = weight_decay != 0 and hp["decoupled_weight_decay"]  # AdamW: each p shrinks before its step, below
        if weight_decay != 0 and not decoupled:
            np.concatenate([x.reshape(-1) for x in datas], out=s)
            s *= weight_decay
            g += s                                           # Adam: gradient of the L2 penalty
        amsgrad, bias2, step_size = hp["amsgrad"], math.sqrt(1 - beta2**t), lr / (1 - beta1**t)
        whole, chunk = (g, s, *self.buffers), self.CHUNK
        for start in range(0, g.size, chunk):
            g, s, m, v, *v_max = (x[start:start + chunk] for x in whole)
            np.subtract(g, m, out=s)
            s *= 1 - beta1
            m += s                                           # first moment
            v *= beta2
            np.multiply(g, 1 - beta2, out=s)
            s *= g
            v += s                                           # second moment
            if amsgrad:
                np.maximum(v_max[0], v, out=v_max[0])        # largest second moment so far
                v = v_max[0]
            np.sqrt(v, out=s)
            s /= bias2
            s += eps
            np.multiply(m, step_size, out=g)
            g /= s                                           # the step of every parameter, in `self.steps`
        decay = number_like(1 - lr * weight_decay, s)  # not converted from a Python float at each multiplication
        for i, (data, step) in enumerate(zip(datas, self.steps)):
            if decoupled:
                data *= decay
            data -= step
            if data is not datas[i]:  # a 0-d parameter (a NumPy scalar) gives a new one
                datas[i] = data
