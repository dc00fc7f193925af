"""The in-place methods that fill a Value with numbers not computed from its own: random draws (`x.normal_()`,
`x.uniform_()`, `x.bernoulli_(p)`, `x.random_(10)`, ...) and a Python function per element (`x.apply_(f)`,
`x.map_(y, f)`), under the in-place rules (through `_copy`).

Apart from inplace.py because they are one family: what they write depends on a generator or a Python callable, not on
an operation of the library. The methods are written in a class body here, word for word as they were in
`InplaceMethods`, and copied onto it (inplace.py imports this module at its end).
"""

from __future__ import annotations

import numpy as np

from . import value as _value
from .errors import scalar_type_name
from .modes import TRACERS, values_followed
from .inplace import InplaceMethods, _copy, _data
from .method_families import attach_methods
from .inplace_functions import _refuse_complex


def _refuse_python_map(self, name):
    if self.requires_grad:  # a Python function per element has no derivative to record (PyTorch's message)
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() instead.")


def _drawn(self, name, generator, *values, **how):
    """self's contents replaced by the random numbers ops/sampling's `fill_draws(*values' data, fill=name, ...)` draws
    for it (`x.normal_()`, `x.uniform_()`, ...). While a compile recording or a jvp follows Values, the draw is
    `sample`'s recorded operation, which a replay draws anew, in eager mode's order."""
    sampling = _value._ops.sampling
    how["generator"], how["fill"], how["shape"] = generator, name, np.shape(self.data)
    if TRACERS.get() and values_followed():
        return _copy(self, sampling.sample(sampling.fill_draws, *values, **how), name)
    return _copy(self, sampling.fill_draws(*[_data(v) for v in values], **how), name)


class _Fills:
    def uniform_(self, from_=0.0, to=1.0, generator=None):
        """Fill with numbers drawn uniformly from [from_, to) (from the generator `manual_seed` seeds, or
        `generator`; for a complex self, real and imaginary parts each); returns self."""
        _refuse_integral_draws(self, "check_uniform_bounds")
        return _drawn(self, "uniform_", generator, low=from_, high=to, complex=self.data.dtype.kind == "c")

    def apply_(self, callable):
        """Replace each element x by callable(x) (a Python number in, a number out, converted to self's dtype), in
        place; returns self. PyTorch's: for Values that need no gradient, and slow (one Python call per element)."""
        _refuse_python_map(self, "apply_")
        data = np.asarray(self.data)
        return _copy(self, np.reshape([callable(x) for x in data.ravel().tolist()], data.shape), "apply_")

    def map_(self, other, callable):
        """self[i] = callable(self[i], other[i]) for every element, `other` (a Value, array or number) broadcast to
        self's shape, in place; returns self. For Values that need no gradient, one Python call per element."""
        _refuse_python_map(self, "map_")
        data = np.asarray(self.data)
        other = np.broadcast_to(np.asarray(_data(other)), data.shape)
        pairs = zip(data.ravel().tolist(), other.ravel().tolist())
        return _copy(self, np.reshape([callable(a, b) for a, b in pairs], data.shape), "map_")

    def normal_(self, mean=0.0, std=1.0, generator=None):
        """Fill with normal numbers of the given mean and standard deviation; returns self. For a complex self,
        PyTorch's complex normal numbers: real and imaginary parts independent, each of mean `mean` and standard
        deviation std/√2."""
        _refuse_integral_draws(self, "normal_kernel_cpu")
        return _drawn(self, "normal_", generator, mean=mean, std=std, complex=self.data.dtype.kind == "c")

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill with 0 or 1, 1 with probability p (a number, or a Value broadcast to self's shape); returns self."""
        kernel = "bernoulli_tensor_cpu_self_" if isinstance(p, _value.Value) else "bernoulli_scalar_cpu_"
        _refuse_complex(self, NotImplementedError, f'"{kernel}" not implemented for \'{{torch}}\'')
        if isinstance(p, _value.Value):  # its probabilities: an input of the draw (a replay reads the new ones)
            return _drawn(self, "bernoulli_", generator, p)
        return _drawn(self, "bernoulli_", generator, p=p)

    def exponential_(self, lambd=1.0, *, generator=None):
        """Fill with exponential numbers of rate lambd (mean 1 / lambd); returns self."""
        _refuse_complex(self, RuntimeError, "Exponential distribution is a continuous probability distribution. dtype "
                                            "must be a floating point but you specified {torch}")
        if lambd <= 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        return _drawn(self, "exponential_", generator, scale=1.0 / lambd)

    def geometric_(self, p, *, generator=None):
        """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...); returns self."""
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        _refuse_complex(self, NotImplementedError, '"geometric_cpu" not implemented for \'{torch}\'')
        return _drawn(self, "geometric_", generator, p=p)

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        """Fill with exp of normal numbers of the given mean and standard deviation; returns self."""
        _refuse_complex(self, NotImplementedError, '"log_normal_cpu" not implemented for \'{torch}\'')
        if std <= 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
        return _drawn(self, "log_normal_", generator, mean=mean, std=std)

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        """Fill with Cauchy numbers of the given median and scale; returns self."""
        _refuse_complex(self, RuntimeError, "Cauchy distribution is a continuous probability distribution. dtype must "
                                            "be a floating point but you specified {c10}")
        return _drawn(self, "cauchy_", generator, median=median, sigma=sigma)

    def random_(self, from_=0, to=None, *, generator=None):
        """Fill with integers in [from_, to) (random_(to) means [0, to)); without `to`, up to 2^mantissa bits
        for floats (every integer exactly representable) or the dtype's largest value, as PyTorch's random_."""
        _refuse_complex(self, NotImplementedError, '"random_kernel_cpu" not implemented for \'{torch}\'')
        if to is None and from_ != 0:
            from_, to = 0, from_
        if to is None:
            dtype = np.dtype(self.dtype)
            to = 2 ** (np.finfo(dtype).nmant + 1) + 1 if dtype.kind == "f" else (
                2 if dtype.kind == "b" else int(np.iinfo(dtype).max) + 1)
        if to <= from_:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
        return _drawn(self, "random_", generator, low=from_, high=to)


attach_methods(_Fills, InplaceMethods)


def _refuse_integral_draws(x, kernel):
    """uniform_'s and normal_'s refusal of an integer or bool Value, as PyTorch's kernels refuse it (NumPy would
    truncate the draws to integers)."""
    if x.data.dtype.kind in "biu":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_type_name(x.dtype)}\' (fill a floating '
                                  f"point tensor: torch.empty(n).normal_(), or use torch.randint for integers)")
