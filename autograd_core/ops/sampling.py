"""PyTorch's random sampling functions: normal (with tensor means and standard deviations), bernoulli,
multinomial, poisson, randint_like, and the generator's state (get_rng_state, set_rng_state, initial_seed, seed).

Every draw comes from the one NumPy generator that `manual_seed` seeds (generator.py's `get_rng`), or from a
`generator=` given, so seeded runs repeat exactly (they do not draw PyTorch's numbers). Samples carry no gradient:
PyTorch's are zero for these functions (its samples require grad, with zero gradients; here they simply do not).

Each function here and tensor.py's randn, rand, randint, randperm, randn_like and rand_like draws through `sample`:
while a compile recording (or a jvp) follows Values, the draw is a recorded operation, so a compiled step draws new
numbers at each replay, from the same generator and in the same order as eager mode, instead of keeping the recorded
call's numbers as a constant.
"""

from __future__ import annotations

import json
import numbers

import numpy as np

from ..errors import ShapeError
from ..recording import apply
from ..modes import values_followed
from ..value import Value
from .index import as_value
from .nondifferentiable import nondifferentiable, refuse_complex_in_words


def _rng(generator):
    get_rng = _GET_RNG.get("get_rng")
    if get_rng is None:  # (the package imports this module first: get_rng is looked up once, on first use)
        from ..generator import get_rng

        _GET_RNG["get_rng"] = get_rng
    return get_rng(generator)


_GET_RNG = {}  # (a relative import at each call costs about a microsecond, as much as a small draw)


def sample(draw, *inputs, requires_grad=False, **how):
    """A new Value of draw(*inputs' data, **how): `draw` a module-level function that draws from
    `get_rng(how["generator"])` (None: the default generator, looked up at each draw, so manual_seed and
    set_rng_state reach a compiled step), `inputs` Values it reads (bernoulli's probabilities), `how` the rest.

    While a compile recording follows Values, it is the recorded operation `nondifferentiable` (no gradient), on the
    inputs detached: a replay calls draw again at the same place among the other operations, so it draws fresh
    numbers in eager mode's order. A sample that requires grad (randn(..., requires_grad=True)) is that result made
    a leaf that requires grad (`requires_grad_()`, which a replay follows)."""
    refused = requires_grad and how["dtype"].kind not in "fc"  # (Value raises its error below, as eagerly)
    if values_followed() and not refused:
        out = apply(nondifferentiable, tuple(v.detach() for v in inputs), dict(fn=draw, **how))
        return out.requires_grad_() if requires_grad else out
    data = np.asarray(draw(*[v.data for v in inputs], **how))
    return Value(data[()] if data.ndim == 0 else data, requires_grad=bool(requires_grad), dtype=data.dtype)


def _default_dtype():
    from ..dtypes import DEFAULTS

    return DEFAULTS["dtype"]


def _constant(data):
    data = np.asarray(data)
    return Value(data[()] if data.ndim == 0 else data, requires_grad=False, dtype=data.dtype)


def _check_std(std):
    if np.any(np.asarray(std) < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {np.min(std)}")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    """Normal numbers with the given means and standard deviations, as torch.normal:

    * normal(mean, std) with a Value for either (or both): one draw per element of their broadcast shape, in the
      Values' float dtype;
    * normal(mean, std, size) with two numbers: a Value of shape `size` (the default float dtype, or `dtype`).
    """
    tensors = [v for v in (mean, std) if isinstance(v, (Value, np.ndarray))]
    if not tensors:
        if size is None:
            raise TypeError("normal(): with a number for both mean and std, give size=")
        _check_std(std)
        shape = (int(size),) if isinstance(size, numbers.Integral) else tuple(int(n) for n in size)
        return sample(_normal_numbers, requires_grad=requires_grad, generator=generator, mean=float(mean),
                      std=float(std), shape=shape, dtype=np.dtype(dtype or _default_dtype()))
    m, s = (np.asarray(v.data if isinstance(v, Value) else v) for v in (mean, std))
    if s.dtype.kind == "c":
        raise RuntimeError("normal expects standard deviation to be non-complex")
    out_dtype = next(np.asarray(t.data if isinstance(t, Value) else t).dtype for t in tensors)
    if out_dtype.kind not in "fc":
        raise RuntimeError(f"normal expects floating point means and standard deviations, got {out_dtype}")
    if out_dtype.kind == "f" and size is not None and tuple(size) != np.broadcast_shapes(m.shape, s.shape):
        _check_std(s)  # (the std's complaint first, as before)
        raise ShapeError(f"normal(): size {tuple(size)} does not match the shape of mean and std "
                         f"{np.broadcast_shapes(m.shape, s.shape)}")
    # A Value mean or std is an input of the draw (computed by a compiled step at each replay); anything else as given
    values = [v for v in (mean, std) if isinstance(v, Value)]
    mean, std = (None if isinstance(v, Value) else v for v in (mean, std))
    return sample(_normals_about, *values, mean=mean, std=std, generator=generator, dtype=out_dtype)


def _normal_numbers(*, generator, mean, std, shape, dtype):
    return _rng(generator).normal(mean, std, shape).astype(dtype)


def _normals_about(*values, mean, std, generator, dtype):
    """Normal numbers about `mean` with standard deviations `std` (numbers or arrays; None where the next of
    `values`, the data of a Value mean or std, gives it), in `dtype`."""
    values = iter(values)
    m, s = (np.asarray(next(values) if given is None else given) for given in (mean, std))
    _check_std(s)
    if dtype.kind == "c":  # PyTorch's complex normal numbers about each mean: each part of std/√2
        shape = np.broadcast_shapes(m.shape, s.shape)
        parts = _rng(generator).standard_normal(shape + (2,)) * (np.sqrt(0.5) * s)[..., None]
        return (m + parts[..., 0] + 1j * parts[..., 1]).astype(dtype)
    return _rng(generator).normal(m, s).astype(dtype)


def bernoulli(input, p=None, *, generator=None):
    """0 or 1 for each element, 1 with the probability that input's element gives (or `p`, a number, for every
    element), in input's dtype, as torch.bernoulli."""
    x = as_value(input)
    refuse_complex_in_words('"bernoulli_tensor_cpu_self_"' if p is None else '"bernoulli_scalar_cpu_"', x)
    return sample(_bernoulli_draws, x, p=None if p is None else float(p), generator=generator)


def _bernoulli_draws(x, *, p, generator):
    """1 with probability x (or p, for every element of x's shape), else 0, in x's dtype."""
    probs = np.asarray(x, dtype=np.float64) if p is None else np.full(np.shape(x), p)
    if np.any((probs < 0) | (probs > 1)) or np.any(np.isnan(probs)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false. (bernoulli: expected all "
                           "probabilities in [0, 1])")
    draws = _rng(generator).random(probs.shape) < probs
    return draws.astype(x.dtype if x.dtype.kind in "fiub" else _default_dtype())


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices drawn from the categories of input's last dimension, with probabilities proportional to its
    (non-negative) weights, as torch.multinomial: shape (num_samples,) for a 1-D input, (rows, num_samples) for a
    2-D one, int64. Without replacement, each category at most once (num_samples at most the number of categories
    with a positive weight)."""
    x = as_value(input)
    refuse_complex_in_words("multinomial only supports floating-point dtypes for input, got: {torch}", x,
                            kind=RuntimeError)
    if x.data.dtype.kind in "biu":  # counts: PyTorch's refusal (NumPy would take them as weights)
        from ..errors import scalar_type_name

        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{scalar_type_name(x.dtype)} (convert the counts first: counts.float())")
    if x.ndim not in (1, 2):
        raise ShapeError(f"prob_dist must be 1 or 2 dim, got {x.ndim}")
    n = int(num_samples)
    if n <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples, got {n}")
    return sample(_multinomial_draws, x, n=n, replacement=bool(replacement), generator=generator)


def _multinomial_draws(x, *, n, replacement, generator):
    """n category indices per row of weights x (1-d or 2-d), int64."""
    weights = np.asarray(x, dtype=np.float64)
    rows = weights.reshape(-1, weights.shape[-1])
    if not np.all(np.isfinite(rows)) or np.any(rows < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(rows.sum(axis=1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and n > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not replacement and np.any((rows > 0).sum(axis=1) < n):
        raise RuntimeError(f"multinomial: cannot draw {n} samples without replacement from a row with fewer "
                           "categories of positive weight")
    rng = _rng(generator)
    out = np.stack([rng.choice(row.size, size=n, replace=replacement, p=row / row.sum()) for row in rows])
    return out.reshape(weights.shape[:-1] + (n,)).astype(np.int64)


def poisson(input, generator=None):
    """A Poisson draw for each rate of input (non-negative), in input's dtype, as torch.poisson."""
    x = as_value(input)
    refuse_complex_in_words('"poisson_cpu"', x)
    return sample(_poisson_draws, x, generator=generator)


def _poisson_draws(x, *, generator):
    """A Poisson draw for each rate of x, in x's dtype."""
    rates = np.asarray(x, dtype=np.float64)
    if np.any(rates < 0) or np.any(np.isnan(rates)):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _rng(generator).poisson(rates).astype(x.dtype)


def randint_like(input, low=0, high=None, *, dtype=None, generator=None, requires_grad=False, memory_format=None):
    """Integers in [low, high) (randint_like(x, high) or randint_like(x, low, high)) of input's shape, in input's
    dtype unless `dtype` is given. memory_format: PyTorch's, accepted (C order)."""
    if memory_format is not None:
        from ..tensor_attributes import check_memory_format

        check_memory_format(memory_format, "randint_like")
    x = as_value(input)
    if high is None:
        low, high = 0, low
    if int(high) <= int(low):
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    out_dtype = x.dtype if dtype is None else np.dtype(dtype)
    if out_dtype.kind == "c":
        raise RuntimeError("check_random_bounds handles only integral, floating-point and boolean types")
    return sample(integers, requires_grad=requires_grad, generator=generator, low=int(low), high=int(high),
                  shape=x.shape, dtype=out_dtype)


def integers(*, generator, low, high, shape, dtype):
    """Integers in [low, high) of `shape`, in `dtype` (randint's and randint_like's draws)."""
    return _rng(generator).integers(low, high, size=shape).astype(dtype)


def fill_draws(*values, generator, fill, shape, **how):
    """The numbers the random fills of a Value of `shape` draw (inplace_fills.py's `x.normal_()`, `x.uniform_()`, ...;
    fill names the method), before the fill converts them to the Value's dtype: float64 (complex128 where `complex`),
    bool for bernoulli_, int64 for geometric_ and random_. values: the data of a Value p of bernoulli_."""
    rng = _rng(generator)
    if fill == "normal_":
        mean, std = how["mean"], how["std"]
        if not std >= 0:  # PyTorch's words (NumPy's: "scale < 0")
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        if how["complex"]:  # PyTorch's complex normal numbers: each part of standard deviation std/√2
            return complex(mean, mean) + std * np.sqrt(0.5) * _complex_parts(rng.standard_normal, shape)
        return rng.normal(mean, std, shape)
    if fill == "uniform_":
        low, high = how["low"], how["high"]
        if how["complex"]:
            return _complex_parts(lambda size: rng.uniform(low, high, size), shape)
        return rng.uniform(low, high, shape)
    if fill == "bernoulli_":
        probs = np.broadcast_to(np.asarray(values[0] if values else how["p"], dtype=np.float64), shape)
        if np.any((probs < 0) | (probs > 1)):  # PyTorch's words: a number's, a tensor's
            theirs = (f"bernoulli_ expects p to be in [0, 1], but got p={how['p']}" if not values else
                      "Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
            raise RuntimeError(f"{theirs} (bernoulli_: expected all probabilities in [0, 1])")
        return rng.random(probs.shape) < probs
    if fill == "exponential_":
        return rng.exponential(how["scale"], shape)
    if fill == "geometric_":
        return rng.geometric(how["p"], shape)
    if fill == "log_normal_":
        return rng.lognormal(how["mean"], how["std"], shape)
    if fill == "cauchy_":
        return how["median"] + how["sigma"] * rng.standard_cauchy(shape)
    if fill == "random_":
        return rng.integers(how["low"], how["high"], shape)
    raise ValueError(f"fill_draws: no random fill named {fill!r}")


def _complex_parts(draw, shape):
    """Two independent draws of `shape` as the real and imaginary parts of complex numbers."""
    parts = draw(tuple(shape) + (2,))
    return parts[..., 0] + 1j * parts[..., 1]


def state_of(rng):
    """A NumPy generator's state as a uint8 Value (its bit generator's state, as JSON bytes)."""
    state = json.dumps(rng.bit_generator.state).encode()
    return _constant(np.frombuffer(state, dtype=np.uint8).copy())


def restore_state(rng, new_state):
    """Set a NumPy generator's state from a Value that `state_of` made."""
    data = np.asarray(new_state.data if isinstance(new_state, Value) else new_state)
    if data.dtype != np.uint8 or data.ndim != 1:
        raise TypeError(f"set_rng_state: expected the uint8 Value get_rng_state returns, got {data.dtype} of "
                        f"{data.ndim} dimensions")
    try:
        rng.bit_generator.state = json.loads(data.tobytes().decode())
    except (ValueError, TypeError, KeyError) as err:
        raise RuntimeError(f"set_rng_state: not a state get_rng_state returned ({err})") from None


def get_rng_state():
    """The state of the default generator, as a uint8 Value (PyTorch's ByteTensor) for set_rng_state."""
    return state_of(_rng(None))


def set_rng_state(new_state):
    """Restore the default generator's state from a Value get_rng_state returned: later draws repeat."""
    restore_state(_rng(None), new_state)


def initial_seed():
    """The seed of the default generator (the latest manual_seed's or seed's; 0 at import)."""
    from ..dtypes import DEFAULTS

    return DEFAULTS["seed"]


def seed():
    """Seed the default generator with a non-deterministic number and return that number (a 64-bit int)."""
    from ..generator import manual_seed

    number = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
    manual_seed(number)
    return number
