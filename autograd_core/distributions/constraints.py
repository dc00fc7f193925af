"""PyTorch's `torch.distributions.constraints`: the sets a parameter or a sample must lie in.

`constraint.check(value)` returns a boolean Value: for each element (or, for constraints on whole events such as
`simplex`, for each event: the last `event_dim` dimensions are reduced) whether it satisfies the constraint.
Distributions check their parameters against `arg_constraints` and their samples against `support` when
`validate_args` is on (see Distribution).
"""

from __future__ import annotations

import numpy as np

from ..value import Value

__all__ = [
    "Constraint", "MixtureSameFamilyConstraint", "boolean", "dependent", "dependent_property", "greater_than",
    "greater_than_eq", "half_open_interval", "is_dependent",
    "independent", "integer_interval", "interval", "lower_cholesky", "nonnegative", "nonnegative_integer",
    "one_hot", "positive", "positive_definite", "positive_integer", "real", "real_vector", "simplex", "unit_interval",
    "cat", "corr_cholesky", "less_than", "lower_triangular", "multinomial", "positive_semidefinite", "square", "stack",
    "symmetric",
]


def _data(x):
    return np.asarray(x.data if isinstance(x, Value) else x)


class Constraint:
    """A set of values. `event_dim`: how many trailing dimensions make one event (checked together)."""

    is_discrete = False
    event_dim = 0

    def check(self, value):
        """A boolean Value of shape value.shape[:value.ndim - event_dim]."""
        data = np.asarray(self._check(_data(value)), dtype=bool)
        return Value(data[()] if data.ndim == 0 else data, requires_grad=False, dtype=data.dtype)

    def _check(self, x):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A constraint that depends on other parameters (Uniform's support): not checked by itself."""

    def __init__(self, is_discrete=False, event_dim=0):
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def _check(self, x):
        raise ValueError("cannot determine validity of a dependent constraint")


class _DependentProperty(property):
    """A property of a distribution whose value is a constraint depending on its parameters (`support`)."""

    def __init__(self, fget=None, *, is_discrete=False, event_dim=0):
        super().__init__(fget)
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def __call__(self, fget):
        return _DependentProperty(fget, is_discrete=self.is_discrete, event_dim=self.event_dim)


def is_dependent(constraint):
    """Whether the constraint depends on other parameters (and so cannot be checked by itself)."""
    return isinstance(constraint, (_Dependent, _DependentProperty))


def dependent_property(fn=None, *, is_discrete=False, event_dim=0):
    if fn is None:
        return _DependentProperty(is_discrete=is_discrete, event_dim=event_dim)
    return _DependentProperty(fn, is_discrete=is_discrete, event_dim=event_dim)


class _Real(Constraint):
    def _check(self, x):
        return x == x  # everything but nan


class _Boolean(Constraint):
    is_discrete = True

    def _check(self, x):
        return (x == 0) | (x == 1)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def _check(self, x):
        return ((x == 0) | (x == 1)).all(-1) & (x.sum(-1) == 1)


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def _check(self, x):
        return (x % 1 == 0) & (_data(self.lower_bound) <= x) & (x <= _data(self.upper_bound))

    def __repr__(self):
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def _check(self, x):
        return (x % 1 == 0) & (x >= self.lower_bound)

    def __repr__(self):
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _GreaterThan(Constraint):
    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def _check(self, x):
        return _data(self.lower_bound) < x

    def __repr__(self):
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    def _check(self, x):
        return _data(self.lower_bound) <= x

    def __repr__(self):
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def _check(self, x):
        return x < _data(self.upper_bound)

    def __repr__(self):
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def _check(self, x):
        return (_data(self.lower_bound) <= x) & (x <= _data(self.upper_bound))

    def __repr__(self):
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _HalfOpenInterval(_Interval):
    def _check(self, x):
        return (_data(self.lower_bound) <= x) & (x < _data(self.upper_bound))

    def __repr__(self):
        return f"HalfOpenInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _Simplex(Constraint):
    event_dim = 1

    def _check(self, x):
        return (x >= 0).all(-1) & (np.abs(x.sum(-1) - 1) < 1e-6)


class _Multinomial(Constraint):
    """Non-negative integer vectors whose sum is at most upper_bound (Multinomial's support)."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def _check(self, x):
        return (x >= 0).all(-1) & (x.sum(-1) <= _data(self.upper_bound))

    def __repr__(self):
        return f"Multinomial(upper_bound={self.upper_bound})"


class _Square(Constraint):
    event_dim = 2

    def _check(self, x):
        return np.full(x.shape[:-2], x.shape[-2] == x.shape[-1], dtype=bool)


class _Symmetric(_Square):
    def _check(self, x):
        if x.shape[-2] != x.shape[-1]:
            return np.zeros(x.shape[:-2], dtype=bool)
        return np.isclose(x, np.swapaxes(x, -1, -2), atol=1e-6).reshape(x.shape[:-2] + (-1,)).all(-1)


class _PositiveSemidefinite(_Symmetric):
    def _check(self, x):
        symmetric = super()._check(x)
        return symmetric & (np.linalg.eigvalsh(x) >= 0).all(-1) if np.all(symmetric) else symmetric


class _LowerTriangular(Constraint):
    event_dim = 2

    def _check(self, x):
        return (np.tril(x) == x).reshape(x.shape[:-2] + (-1,)).all(-1)


class _LowerCholesky(Constraint):
    event_dim = 2

    def _check(self, x):
        lower = (np.tril(x) == x).reshape(x.shape[:-2] + (-1,)).all(-1)
        return lower & (np.diagonal(x, axis1=-2, axis2=-1) > 0).all(-1)


class _CorrCholesky(Constraint):
    """Cholesky factors of correlation matrices: lower triangular, positive diagonal, rows of unit length."""

    event_dim = 2

    def _check(self, x):
        tol = np.finfo(x.dtype if x.dtype.kind == "f" else np.float64).eps * x.shape[-1] * 10
        unit_rows = (np.abs(np.linalg.norm(x, axis=-1) - 1.0) <= tol).all(-1)
        return _LowerCholesky()._check(x) & unit_rows


class _PositiveDefinite(Constraint):
    event_dim = 2

    def _check(self, x):
        symmetric = np.isclose(x, np.swapaxes(x, -1, -2), atol=1e-6).reshape(x.shape[:-2] + (-1,)).all(-1)
        return symmetric & (np.linalg.eigvalsh(x) > 0).all(-1)


class _Independent(Constraint):
    """A base constraint whose last `reinterpreted_batch_ndims` dimensions are checked together."""

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self):
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def _check(self, x):
        result = np.asarray(self.base_constraint._check(x))
        n = self.reinterpreted_batch_ndims
        return result.reshape(result.shape[:result.ndim - n] + (-1,)).all(-1) if n else result

    def __repr__(self):
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class _Cat(Constraint):
    """cseq[i] on the i-th block (of length lengths[i], default 1) along `dim`, as torch.cat joins them."""

    def __init__(self, cseq, dim=0, lengths=None):
        self.cseq = list(cseq)
        self.lengths = list(lengths) if lengths is not None else [1] * len(self.cseq)
        if len(self.lengths) != len(self.cseq):
            raise ValueError(f"lengths ({len(self.lengths)}) must match cseq ({len(self.cseq)})")
        self.dim = dim

    @property
    def is_discrete(self):
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self):
        return max(c.event_dim for c in self.cseq)

    def _check(self, x):
        bounds = np.cumsum([0] + self.lengths)
        blocks = [np.take(x, np.arange(a, b), axis=self.dim) for a, b in zip(bounds[:-1], bounds[1:])]
        return np.concatenate([np.asarray(c._check(b)) for c, b in zip(self.cseq, blocks)], self.dim)


class _Stack(Constraint):
    """cseq[i] on x.select(dim, i), as torch.stack joins them."""

    def __init__(self, cseq, dim=0):
        self.cseq = list(cseq)
        self.dim = dim

    @property
    def is_discrete(self):
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self):
        dim = max(c.event_dim for c in self.cseq)
        return dim + 1 if self.dim + dim < 0 else dim

    def _check(self, x):
        slices = [np.take(x, i, axis=self.dim) for i in range(x.shape[self.dim])]
        return np.stack([np.asarray(c._check(v)) for c, v in zip(self.cseq, slices)], self.dim)


class MixtureSameFamilyConstraint(Constraint):
    """MixtureSameFamily's support: the components' support, checked on values without the component dimension."""

    def __init__(self, base_constraint):
        self.base_constraint = base_constraint

    @property
    def is_discrete(self):
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        return self.base_constraint.event_dim

    def _check(self, x):
        return self.base_constraint._check(x)

    def __repr__(self):
        return f"MixtureSameFamilyConstraint({self.base_constraint!r})"


dependent = _Dependent()
independent = _Independent
real = _Real()
real_vector = _Independent(real, 1)
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
multinomial = _Multinomial
interval = _Interval
half_open_interval = _HalfOpenInterval
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
lower_cholesky = _LowerCholesky()
corr_cholesky = _CorrCholesky()
positive_definite = _PositiveDefinite()
positive_semidefinite = _PositiveSemidefinite()
lower_triangular = _LowerTriangular()
square = _Square()
symmetric = _Symmetric()
cat = _Cat
stack = _Stack
