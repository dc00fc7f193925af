"""PyTorch's generator: `Generator`, `default_generator`, `manual_seed`, and `get_rng`, through which every
random draw of the library finds its NumPy generator (the default one when none is given).

Apart from tensor.py (the factories) because the random functions of ops/, nn.init, the data loaders and compile's
replay need the generator without the factories.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import ops
from .dtypes import DEFAULTS
from .tensor_methods import Device, on_cpu


def manual_seed(seed):
    """Seed the generator that `randn`, `rand`, `randint`, shuffling DataLoaders, dropout and nn's layer
    initialisation draw from, and return it: `default_generator`, as PyTorch's returns torch.default_generator. It is
    the same object before and after, and so is the NumPy generator it draws from, reseeded: code holding either (a
    compiled step replaying a dropout) draws the new sequence.

    seed: as PyTorch takes it, anything int() takes ("42", 1.9 -> 1), a 64-bit integer: a negative one is its two's
    complement (-1 -> 2**64 - 1, initial_seed() says so), beyond 64 bits PyTorch's ValueError."""
    seed = int(seed)
    if not -2 ** 63 <= seed < 2 ** 64:
        raise ValueError(f"Overflow when unpacking long long (manual_seed: a seed has 64 bits, got {seed})")
    return default_generator.manual_seed(seed % 2 ** 64)


def _reseeded(rng, seed):
    """rng (a NumPy Generator) reseeded in place to draw what `np.random.default_rng(seed)` draws; a new generator
    if rng's bit generator is of another kind."""
    fresh = np.random.default_rng(seed)
    if type(rng.bit_generator) is not type(fresh.bit_generator):
        return fresh
    rng.bit_generator.state = fresh.bit_generator.state
    return rng


def get_rng(rng=None):
    """`rng` as a NumPy Generator: None -> the default generator, an int -> a new seeded one, a Generator
    (NumPy's or ours) -> itself."""
    if rng is None:
        return DEFAULTS["rng"]
    if isinstance(rng, Generator):
        return rng.rng
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be None, an int seed or a np.random.Generator, not {type(rng).__name__}")


class Generator:
    """PyTorch's `torch.Generator` (for `DataLoader(generator=...)`, `randn(generator=...)`): a NumPy generator
    (`rng`) and the seed it was last seeded with. `default_generator` is the one that draws when none is given."""

    def __init__(self, device="cpu"):
        on_cpu(device)
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        self._numbers = {"rng": np.random.default_rng(seed), "seed": seed}

    @property
    def rng(self):
        """The NumPy Generator this one draws from: the same object after manual_seed."""
        return self._numbers["rng"]

    @property
    def device(self):
        """The CPU: there are no others here."""
        return Device("cpu")

    def manual_seed(self, seed):
        """Reseed (in place: the same NumPy generator, as a compiled step may hold it); returns the generator."""
        self._numbers["rng"] = _reseeded(self._numbers["rng"], seed)
        self._numbers["seed"] = seed
        return self

    def initial_seed(self):
        """The seed this generator was made with or last seeded with."""
        return self._numbers["seed"]

    def seed(self):
        """Seed with a non-deterministic number, and return it."""
        self.manual_seed(int(np.random.SeedSequence().generate_state(1, np.uint64)[0]))
        return self.initial_seed()

    def get_state(self):
        """The generator's state, as a uint8 Value (see set_rng_state)."""
        return ops.sampling.state_of(self.rng)

    def set_state(self, new_state):
        """Restore a state get_state returned; returns the generator."""
        ops.sampling.restore_state(self.rng, new_state)
        return self


def _default_generator():
    """PyTorch's `torch.default_generator`: a Generator whose numbers are DEFAULTS' (its "rng" and "seed"), so that
    torch.manual_seed, torch.initial_seed, get_rng_state and nn.init, which read DEFAULTS, and this object are one
    generator under every name."""
    generator = Generator.__new__(Generator)
    generator._numbers = DEFAULTS
    return generator


default_generator = _default_generator()
