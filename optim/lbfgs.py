"""L-BFGS (Nocedal, 1980; Liu and Nocedal, 1989): quasi-Newton steps from the last `history_size`
curvature pairs, with an optional strong-Wolfe line search (PyTorch's algorithm, after minFunc)."""

from __future__ import annotations

import math
import numbers

import numpy as np

from autograd_core import Value, enable_grad

from .optimizer import Optimizer
from .hyperparameter_checks import learning_rate, real
from .parameter_data import _as_data_of, _copy_state, _python_number, as_real_pairs, from_real_pairs


def _positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


def _line_search_fn(owner, name, value):
    if value not in (None, "strong_wolfe"):
        raise ValueError(f"{owner}: {name} must be None or 'strong_wolfe', got {value!r}")


class LBFGS(Optimizer):
    """Limited-memory BFGS over all parameters as one flat vector x; `step(closure)` runs up to
    `max_iter` iterations (at most `max_eval` evaluations of the closure):

        d = −H·g    H: the inverse-Hessian estimate of the two-loop recursion over the stored pairs
                    (s = x_{k+1} − x_k, y = g_{k+1} − g_k; a pair is kept when yᵀs > 1e-10), scaled by
                    yᵀs/yᵀy of the newest pair; d = −g on the very first iteration
        x ← x + t·d  t = lr (the first iteration: min(1, 1/‖g‖₁)·lr), or the step of a strong-Wolfe line
                    search (c1 = 1e-4, c2 = 0.9, cubic interpolation) with line_search_fn='strong_wolfe'

    It stops early when max|g| <= tolerance_grad, or when the step, the directional derivative or the
    change of the loss falls below tolerance_change. One parameter group only (as PyTorch). The state
    (on the first parameter) keeps the direction, the step, the history and the counters
    "func_evals" and "n_iter" across calls.

    closure: a function that zeroes the gradients, computes the loss, calls backward() and returns it.
    """

    hyperparameters = dict(lr=learning_rate, max_iter=_positive_int, max_eval=_positive_int,
                           tolerance_grad=real, tolerance_change=real, history_size=_positive_int,
                           line_search_fn=_line_search_fn)

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        if max_eval is None and isinstance(max_iter, numbers.Integral):
            max_eval = max_iter * 5 // 4
        super().__init__(params, lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                         tolerance_change=tolerance_change, history_size=history_size,
                         line_search_fn=line_search_fn)

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS does not support per-parameter options (parameter groups): "
                             "pass one list of parameters")
        super().add_param_group(param_group)

    @property
    def _all_params(self):
        return self.param_groups[0]["params"]

    def _restore_state(self, value, p, index, name, who):
        return _copy_state(value)  # flat vectors and lists of them, of the length of all parameters

    # ------------------------------------------------------------------------------------------------
    # The parameters as one flat vector.

    def _flat_grad(self):
        parts = []
        for p in self._all_params:
            g = p.grad
            if getattr(g, "is_sparse", False):
                g = g.to_dense()  # PyTorch's LBFGS densifies a sparse gradient
            g = np.zeros(p.data.shape, p.data.dtype) if g is None else np.asarray(g.data if isinstance(g, Value) else g)
            if g.dtype.kind == "c":
                g = as_real_pairs(g)  # a complex parameter is two real ones (PyTorch's LBFGS views it as real)
            parts.append(g.reshape(-1))
        return np.concatenate(parts)

    def _add(self, t, d):
        """x ← x + t·d."""
        offset = 0
        for p in self._all_params:
            data = p.data
            if data.dtype.kind == "c":
                n = 2 * data.size
                pairs = as_real_pairs(data) + t * d[offset:offset + n].reshape(data.shape + (2,))
                p.data = _as_data_of(from_real_pairs(pairs, data.dtype), p)
            else:
                n = data.size
                p.data = _as_data_of(data + t * d[offset:offset + n].reshape(data.shape), p)
            offset += n

    def _evaluate(self, closure):
        with enable_grad():
            loss = closure()
        return loss, float(loss.item() if isinstance(loss, Value) else loss)

    # ------------------------------------------------------------------------------------------------

    def step(self, closure=None):
        """Run up to max_iter L-BFGS iterations; returns the loss of the first evaluation of closure()."""
        if closure is None:
            raise TypeError("LBFGS.step needs a closure: a function that zeroes the gradients, computes the "
                            "loss, calls backward() and returns the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = _python_number(group["lr"]), group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state.setdefault(self._all_params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss = self._evaluate(closure)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:            # already optimal
            self._step_count += 1
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad                                   # steepest descent to start
                old_dirs, old_stps, ro, H_diag = [], [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad                   # change of gradient
                s = d * t                                        # change of x
                ys = float(y @ s)
                if ys > 1e-10:                                   # curvature condition: keep the pair
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                    H_diag = ys / float(y @ y)                   # scale of the initial inverse Hessian
                # Two-loop recursion: d = −H·g.
                al = state.setdefault("al", [None] * history_size)   # kept in the state, as PyTorch's
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i] @ q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                d = r = q * H_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i] @ r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad @ d)                           # directional derivative
            if gtd > -tolerance_change:
                break                                            # not a descent direction

            ls_func_evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                x0 = [p.data.copy() for p in self._all_params]

                def directional(x, t, d):                        # loss and gradient at x + t·d
                    self._add(t, d)
                    _, f = self._evaluate(closure)
                    g = self._flat_grad()
                    for p, data in zip(self._all_params, x):
                        p.data = data.copy()
                    return f, g

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(directional, x0, t, d, loss, flat_grad, gtd,
                                                                  max_ls=max_eval - current_evals)
                self._add(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add(t, d)                                  # a fixed step
                if n_iter != max_iter:
                    _, loss = self._evaluate(closure)
                    flat_grad = self._flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break                                            # no progress left

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        self._step_count += 1
        return orig_loss


# ----------------------------------------------------------------------------------------------------
# The line search (Nocedal and Wright, algorithms 3.5 and 3.6, with minFunc's safeguards).


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clipped to bounds."""
    xmin_bound, xmax_bound = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:
        return (xmin_bound + xmax_bound) / 2.0
    d2 = math.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, xmin_bound), xmax_bound)


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step t along d with sufficient decrease (f(t) <= f + c1·t·gtd) and small slope
    (|g(t)·d| <= c2·|gtd|): bracket, then zoom. Returns (f, g, t, evaluations)."""
    d_norm = np.abs(d).max()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    bracket_gtd = None
    while ls_iter < max_ls:                                      # bracketing phase
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, done = [t], [f_new], [g_new], True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10     # extrapolate
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:                         # zoom phase
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:        # too close to an end: move inwards
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals
