"""Compiled steps: record the primitives one call of a function runs, forward and backward, and replay
them as straight-line Python over NumPy arrays: no Value objects, no graph walk, the same numbers.

    step = autograd_core.compile(train_step)     # train_step(x, y): zero_grad, forward, backward, step
    for x, y in batches:
        loss = step(x, y)                        # first calls: eager and recorded; later calls: replayed

How a call is recorded. The function runs eagerly (its results are the eager ones) while a recorder watches:
every operation (through the engine's tracer hook, tracing.py), every backward pass started with
`.backward()`, every read of a Value's data by `.item()`, `float()`, `int()`, `bool()`, `.tolist()` and use as a
Python index (`list[v]`), and every call of a
method marked `@effect` (optimizers' `step` and `zero_grad`, also in subclasses that write their own;
`Module.zero_grad` and `Module.train`/`eval`; learning-rate schedulers' `step`; gradient clipping). From that
recording the compiler writes one Python function: each operation becomes `v12 = forward(v7, v9, **params)`, the
backward pass becomes the VJP rules called in the engine's order (youngest node first, parents in argument order,
the same un-broadcasting, dtype conversions and accumulation order as the engine), gradients of parameters
accumulate into `.grad` as in eager mode, and effects are called as they are (`optimizer.step()` runs the
Python optimizer on the new gradients, reading its current learning rate), or as the routine their object offers for
them (jit_effects.replay_routine: an optimizer's `zero_grad()` and a plain SGD `step()` are written out for the
parameter groups they were recorded with, and call the method wherever those groups, their settings or the gradients
differ: the same numbers). A Value an effect returns
(clip_grad_norm_'s norm) is the replay's own, and reading it (`.item()`, `if norm < limit:`) is a read after an
effect (below); an effect that returns a number or an array makes the function run eagerly, with a warning: what
Python does with it is out of a replay's sight. Elementwise forward operations,
and primitives that declare a `forward_into` (linear, relu; checked bit for bit against their forward when
recorded), write into buffers allocated once per program (`out=`); what leaves the program is a copy. The
commonest VJP rules are written out inline, as ufunc calls whose numbers 1 and 0 are 0-d arrays of the data's
dtype. Each rule is run once at compile time on the
recorded arrays, to learn its output's shape and dtype, so the replay converts only where the engine did.

Where the data comes from at replay: arrays and Values passed as arguments (positionally or inside
tuples/lists/dicts); Values that existed before the call (parameters), read through `.data` at the moment
of use, as the engine does; and constants: Values made inside the call from other data (`Value(x0)` of an
array in a closure, Python numbers) and array-valued parameters of operations (cross_entropy's labels,
a where's condition), baked from the recording unless they are the very array of an argument or of an
intermediate result, which is then used live. A copy of an argument's array (`torch.tensor(xb)`, `torch.Tensor(xb)`)
is made again from the new argument at each replay (jit_arrays.py). NumPy run on an argument by the function itself
(`xb.astype(np.float32)`) is out of sight: its result is a constant of the recording, and such a step does not replay.

Guards (checked before anything is written; a failed guard re-records, as torch.compile and tinygrad's
JIT do, never replays wrong; up to two programs whose guards on the data failed are kept, and a later call whose
data passes one of them replays it: batches that alternate between two paths replay both):
* the structure, types, shapes, dtypes and strides of the arguments (a Fortran-ordered batch lays its results out
  otherwise, and reductions sum in memory order), Python numbers by value, grad mode, and the default
  dtype (`set_default_dtype`: what `zeros(3)` inside the function makes) (these choose among programs, one per
  combination; past `max_keys` combinations, 64 by default, a new one runs eagerly with a warning; and once 8 keys
  differ only in the values of Python numbers, new values run eagerly with a warning naming the argument, as
  torch.compile stops recompiling at its recompile limit: an iteration count passed as a number would otherwise be
  recorded at every call, and replayed never);
* the shapes, dtypes, strides and requires_grad of the parameters read (`p.data = np.asfortranarray(...)`
  re-records, as a batch in another layout does);
* each value read with `.item()`, `float()`, `int()`, `bool()`, `.tolist()` or as a Python index (the values
  that can steer Python control flow), compared with the recorded value as soon as the replay has computed it;
* the shape of the result of an operation that selects with a boolean mask the data gives (`pred[t > 0]`: as many
  entries as the recorded call's), as soon as the replay has computed it;
* constants baked from the recording: calls are recorded until two consecutive ones ran the same
  operations with the same constants, and only then is a program built. A constant that keeps differing
  (a mask the function draws with NumPy itself, statistics it computes with NumPy from the data;
  nn's Dropout and normalisation layers record theirs as operations instead, and so do the library's random
  functions: below) makes the
  function run eagerly after `max_recordings` recordings, with a `CompileWarning`. Two recordings on the same
  data (the first batch twice) agree on any constant derived from it, so their program is tentative: it replays
  for those arrays (the same objects, or equal ones: full-batch training), and the first call with other data
  is recorded once more and compared.

The module globals, closure variables and default arguments the function reads (and those of the Python functions it
names, six levels deep, and a method's attributes such as `self.beta`) are guarded too: numbers and strings by value,
anything else by identity, so rebinding `beta = 2.0` or `loss_fn = other` re-records; arrays among them also by contents
(a copy compared at each replay, ~1 ms per million elements), unless the program reads the array itself (`Value(buf)`: a
buffer refilled in place replays), so that `x * scale[0]` re-records after `scale[0] = 2.0`; dicts and lists of up to
4,096 items (lists of numbers and strings, or of lists of them, up to 4,194,304: micrograd's data, makemore's words) by
their items (numbers and strings by value, arrays by contents, dicts and lists in them, six levels deep, by their items,
anything else by identity: `if cfg["aux"]:` re-records after `cfg["aux"] = False`, and `cfg["opt"]["lr"] * p.grad` after
`cfg["opt"]["lr"] = 0.01`), and of an argparse Namespace, a SimpleNamespace, a dataclass instance or an instance of a
class of the user's own code (not of the library, the standard library or an installed package: a hand-written schedule,
optimizer or loss object, a trainer's `self.config`; also as an item of a dict or list, `cfg["opt"].lr`), the attributes
that the function or any function it names names (`args.aux`, `sched.lr`, `self.config.lr`, `cfg.opt.lr` read by a
helper `get_lr(cfg)`: guarded as above, six objects deep), and for the latter the methods named (`sched.get_lr()`,
`opt.step()` of an optimizer written by hand, a loss object's `__call__`: their globals and the attributes of their
object, as the function's own). So a learning rate that a schedule written by hand changes between calls (`opt.lr =
0.01`) re-records, never replays the recorded one. What these guards cannot cover makes the function run eagerly, with a
warning naming it: state named deeper than six objects or functions, a larger dict or list or one nested deeper, an
array of more than 4,194,304 elements (jit_references._SNAPSHOT) that the program does not read itself. So are the
attributes of the modules the call went through: their `training` flag (`model.train()`, `model.eval()`) and numbers (a
dropout's `p`) by value, their parameters, submodules and the items of lists of them (`layer.weight = Parameter(...)`,
`mlp.layers[0] = ...`) by identity, and their arrays and buffers (BatchNorm's running statistics, which training changes
in place, `load_state_dict` too) by contents. A call that changes a global, closure variable or attribute it reads
(`global step; step += 1`, `counts[y] += 1`, `self.calls += 1`, `losses.append(loss.item())` on a list of up to 4,096
items) makes no program, as a replay would skip that Python: the next call is recorded again (a global set by the first
call only replays afterwards), and a function that does it at every call runs eagerly once its recordings are spent,
with a warning that names the change. These checks run first, as one generated expression. When they fail, the program
is kept (up to four per guard key) and replays again once its checks hold (`train()` and `eval()` alternating each
epoch). A program that had served `max_recordings` replays before a guard failed gets a fresh budget of recordings (a
loss weight changed once an epoch). A function that runs eagerly records again when one of these names changes (a model
that trained with dropout, switched to `eval()`), up to twice before a program replays.

The `.data` of a Value the function computed, assigned by its own code (`h.data = h.data * 2`), makes it run
eagerly, with a warning: a replay computes h as the operation that made it did.

Assignments to a parameter's `.grad` inside the function (`p.grad = None`) are recorded and replayed in order,
and so are writes to the parameter groups an optimizer made (`group["lr"] = lr`, nanoGPT's schedule written by
hand; a replay first checks that the optimizer it steps still has those groups). A hand-written update of
parameters by NumPy's elementwise arithmetic on their gradients (micrograd's `p.data += -lr * p.grad`, also of
0-d Values; `p.data -= lr * p.grad`, `p.data = p.data - lr * p.grad`, `p.data.add_(p.grad, alpha=-lr)`,
`p.data.mul_(0.99)` after it, and NumPy's `+=`, `-=`, `*=`, `/=` on a Parameter's data alone: `p.data *= 0.99`, a
weight decay written by hand, also beside an optimizer's step) is recorded and replayed (jit_numpy.py: a gradient
read outside effects is traced while a call is recorded); so is a comparison of such a gradient that steers
Python (`if abs(p.grad) > 10:`, `if p.grad == 0:`, micrograd's scalar gradients, `if (g == 0).all():`, or a truth
value): a guard checked at each replay after the backward pass, which puts back the gradients and data it changed
and records again where the outcome differs (jit_grad_guards.py; a comparison after an optimizer's step runs
eagerly); and so are np.clip and NumPy's reductions of them (`g.sum()`, `g.max()`, `np.sum(g ** 2)`, `g.norm()`:
clipping by the total norm written by hand, `min(1.0, max_norm / np.sqrt(total))`, jit_reductions.py). Other
NumPy on a parameter's data or gradient (float(), which gives a plain Python float whatever it is called on,
mean(), indexing) makes the function run eagerly, with a warning, when the call also updates parameters or
gradients by hand; beside an optimizer's step it is Python a replay skips (a log line), as reads of `.data` are.
A Parameter's data changed by index (`p.data[0] = 0.5`, `p.data[:1] *= 2`) or by NumPy's functions that write
into an array (`np.copyto(p.data, x)`, `np.clip(p.data, -1, 1, out=p.data)`, np.put, np.putmask, ...) makes the
function run eagerly, with a warning, beside an optimizer's step too. So does any other NumPy writing into the data of
a Value made before the call out of the recording's sight (jit_data.py): a ufunc called with out=
(`np.multiply(p.data, 0.99, out=p.data)`), `d = w.data; d *= 0.99` on a Value that is no Parameter (a plain array,
without hooks), `w.detach().numpy()` changed in place: the recording accounts for the contents of the data it reads.

In-place changes of Values the call made, through their in-place methods and operators (`h.clamp_(min=0)`,
`h.mul_(mask)`, `x[:, 0] = v`, `h[1:].mul_(2)`, `h.view(-1).add_(1)`, `h[0, 1].add_(1.5)`, `noise.normal_()`,
nn.ReLU(inplace=True), dropout's inplace=True), are recorded and replayed (jit_inplace.py): at each change the
recording renames the Value's former contents, so each operation reads the contents it read in the recorded call,
the backward pass goes through the change as eager mode's does, and the views in use and the detach()es of the
changed Value follow it. A parameter or a buffer Value changed in place outside an effect (`with no_grad():
model.weight.clamp_(-1, 1)`, PyTorch's manual `p -= lr * p.grad`, a counter `calls.add_(1)`) is replayed as a store
of its new contents, computed out of place from its former ones, into its array (jit_inplace._stored), unless the
call returns outputs that a backward pass after it differentiates. A change the replay could not repeat makes the
function run eagerly, with a warning that says why: of an argument, of a gradient (`w.grad.zero_()`) or of a
parameter's data by other than its add_, sub_, mul_, div_ (jit_numpy.py), of a Value that shares its memory out of
the recording's sight (a Value made from an argument's array, a view made before the call; `Value(h)` of a result h
changed while h is used in the graph: `v = Value(h, requires_grad=False); v.mul_(0.5)` replays, as a write into the
array computed for h, and so does a change under no_grad() of a result that requires grad, `with no_grad():
h.clamp_(-1, 1)`, whose node eager mode keeps), or whose new contents, computed out of place, are laid out otherwise
than the changed array (`h[:, 0] = 0` on a Fortran-ordered `h = x[:, idx] * w`: later sums would add in another
order). Inside effects (the optimizer's step) in-place updates are fine.
Library code that changes arrays in place with NumPy during a forward pass either does it in an effect that takes
what it needs as arguments (nn.BatchNorm folding a batch's statistics into its running ones: replayed with each new
batch's) or says so with `not_replayable(reason)` (the functional `batch_norm` updating arrays it was handed), with
the same result. Library code whose forward took a path that holds only for some data says so with
`replay_requires(check, *args)` (cross_entropy's fast path: every label a class, none ignored): a replay checks it
for the new data and records again where it fails.

Random draws by the library's functions (torch.randn, rand, randint, randperm, randn_like, rand_like, normal,
bernoulli, poisson, multinomial, randint_like; nn's dropout masks; the distributions that sample by one standard
draw: Normal and those built on it, MultivariateNormal, Uniform, Exponential, Cauchy, ...; the standard gamma draws of
Gamma, Beta, Dirichlet, Chi2, StudentT, ..., with the concentrations as inputs; Categorical's, with the probabilities
as inputs) are recorded operations
too (ops/sampling.py's `sample`): a replay draws fresh numbers at the same place among the operations, from the same
generator (the default one, looked up at each draw, so that manual_seed and set_rng_state reach it; or the
`generator=` given, a constant compared by identity between recordings), so a compiled step and an eager one seeded
alike give the same numbers bit for bit. Their shapes and dtypes are constants of the program (from Python numbers,
or from shapes that the guards above cover). A program that checks a guard after a draw (a read with `.item()`)
saves the generators' states when a replay starts and puts them back if that guard fails, so the call, recorded
again, draws what eager mode draws. A sample that requires grad (`randn(3, requires_grad=True)`) is that draw made a
leaf (`requires_grad_()`), replayed as such. The in-place draws (`x.normal_()`, `uniform_`,
`bernoulli_`, `exponential_`, `random_`, `geometric_`, `log_normal_`, `cauchy_`: ops/sampling.py's `fill_draws`) are
such draws too, written into the Value as an in-place change (above). So are the samples of Poisson, Binomial,
NegativeBinomial, Bernoulli and Geometric (with their parameters as inputs: distributions/utils.py's sampled_from),
and OneHotCategorical's and Multinomial's (their Categorical draw, one-hot by recorded operations).

Results without a gradient (comparisons such as `v > 0`, argmax/argmin, `&`, `|`, `~`, any/all, casts to integer
or boolean dtypes) are recorded too, as the operation `nondifferentiable` (ops/nondifferentiable.py), so an accuracy
`(logits.argmax(1) == y).float().mean()` returned by a training step is computed again at each replay. A result
that holds an array or NumPy number no recorded operation computed (NumPy on `.data`), or a Python number that is
neither an argument nor a guarded read (`.item()`; a learning rate returned for logging), makes the function run
eagerly, with a warning: replayed, it would repeat the recorded call's. Integer and boolean results keep their dtype.

Not seen (documented limits): data read through `.data` or `.numpy()` (or compared with NumPy's own functions,
`np.greater(v, 0)`, which give plain arrays) and then used in Python `if`s; changes made in place to raw NumPy
arrays other than the arguments (checked: a function that changes an array argument runs eagerly), the data of
Values made before the call, modules' arrays and those the function reads as globals, closure variables or
attributes; Python
side effects that change no guarded name (`print`, `history.append(loss.item())`, an attribute set on a Value,
`x.g = ...`): they happen in the recorded calls only, so return what you want to keep and collect it outside; anything
random (drawn with NumPy itself) or data-dependent that two consecutive calls happen to agree on. A function that
reads a guarded value only after an effect (a parameter's `.item()` after `optimizer.step()`), calls
backward with `create_graph`, uses gradient hooks (DistributedDataParallel's too; a hook registered after
compiling fails a guard) or anomaly detection, or is compiled inside another transform,
runs eagerly (with a warning, once). While a call is recorded, the hooks on Value are process-wide but only
the recording thread's events count; a compiled function called during another recording runs eagerly for
that call. Returned Values are new leaves holding the result's data (and `.grad` for leaves that had one), without a
graph, except outputs that need a gradient (below) and Values that existed before the call (an argument, a parameter:
returned as themselves, as eager mode returns them). A compiled module (`model = compile(model)`, PyTorch 2's idiom) is
used as the module: the attributes and methods the compiled object does not have are the module's (`model.eval()`,
`model.parameters()`, `model.state_dict()`; those that return the module, such as `eval()` and `to()`, return the
compiled object, so `model = model.to(device)` stays compiled), as on PyTorch's compiled modules, and `_orig_mod` is
the module itself.

Training differentiates a module's output after the call (`loss.backward()`): a replayed call (of a module, or of a
function: `f = compile(f); f(x).backward()`) that runs no backward pass itself returns each output that needs a
gradient as one node of the graph (`CompiledFunctionBackward0`, as PyTorch's AOTAutograd makes one), whose inputs are
the Values its recorded graph starts from (the parameters, the Value arguments, outputs it was computed from) and whose
rule is the recorded backward pass from it, planned as one inside a call is and compiled as a function of the incoming
gradient and the forward's results it reads. Such a program allocates its results per call (no buffers: a second call
before the first's backward must not overwrite what that backward reads). The engine hands the node's gradients on,
so `.grad`s, hooks on parameters, `autograd_core.grad` and retain_graph behave as in eager mode; a second derivative
through it raises, as PyTorch's; a parameter changed in place before `backward()` raises as the eager graph would
(every input counts as read). An output computed only from Values the call made itself (`Value(x)` of an argument)
is a leaf without a graph, as before. A model of scalar Values (nn.MLP on lists: one input per weight) runs eagerly
with a warning: that node costs more than the graph it replaces. Effects called with keywords
(`optimizer.zero_grad(set_to_none=True)`) replay with them.
"""

from __future__ import annotations

import functools
import numbers
import operator
import types
import warnings
import weakref

import numpy as np

from . import jit_data
from . import jit_numpy
from .modes import ANOMALY, TRACERS
from .jit_arguments import (  # the arguments: live inputs and guard keys (bench/ reads _guard_key here)
    _NUMBER_VALUES, _argument_arrays, _changing_numbers, _guard_key, _numbers_in, _same_arguments, _same_data,
    _without_numbers,
)
# Effects and library code's calls to a recording: nn, optim and compiler.py import them from here.
from .jit_effects import (  # noqa: F401
    _RECORDING, _recording_here, effect, is_effect, mark_effects, not_replayable, replay_requires, setting_written,
)
from .jit_recorder import _Recorder, _Unsupported, _Watching  # how a call is recorded
from .jit_references import _Referenced, _same_contents


class CompileWarning(UserWarning):
    """A compiled function runs eagerly: what it does cannot be replayed safely."""


class CompileError(RuntimeError):
    """`compile(..., fullgraph=True)`: a call could not be made one replayable program (where a CompileWarning
    would otherwise say that it runs eagerly). The call that finds it has run eagerly when this is raised."""


class _GuardFailed(Exception):
    pass


# ----------------------------------------------------------------------------------------------------
# The compiled function.


# Compiled functions, as opposed to modules and other callable objects (whose attributes are read through the
# compiled object).
_FUNCTIONS = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, functools.partial)


class Compiled:
    """What `compile(fn)` returns: call it like fn. `.stats` counts recordings, replays and eager calls."""

    _all = weakref.WeakSet()  # every compiled object alive, for `forget_all_recordings`

    def __init__(self, fn, max_recordings=8, max_keys=64, *, fullgraph=False, name=None, graph_wanted=True,
                 number_values=None):
        self.fn = fn
        self.max_recordings = max_recordings
        self.max_keys = max_keys
        # values of a changing Python number argument recorded before new ones run eagerly (`_number_keeps_changing`)
        self.number_values = _NUMBER_VALUES if number_values is None else number_values
        self.fullgraph = fullgraph  # what would run eagerly with a warning raises CompileError instead
        self.name = name
        # Outputs that a backward pass after the call differentiates (a module's in training, a function's loss) are
        # replayed as nodes of the graph; graph_wanted=False replays every output as a leaf without a graph.
        self._graph_wanted = graph_wanted
        Compiled._all.add(self)
        self.cache = {}  # guard key -> _Slot
        self._warned_keys = False
        self._number_keys = {}  # a guard key with its Python numbers left out -> the keys recorded with it
        self._warned_numbers = set()
        self.stats = {"recorded": 0, "replayed": 0, "eager": 0, "guard_failures": 0}
        # A function's name, docstring and attributes; of a module (or any other object) only its name and docstring:
        # its attributes stay its own, read through __getattr__ (a copy of `training` would go stale).
        functools.update_wrapper(self, fn, updated=functools.WRAPPER_UPDATES if isinstance(fn, _FUNCTIONS) else ())

    def __getattr__(self, name):
        # What this object does not have, the compiled object has: `compile(model)` is used as the model, as PyTorch's
        # OptimizedModule is (`model.eval()`, `model.parameters()`, `model.state_dict()`, its own methods).
        fn = self.__dict__.get("fn")
        if fn is None or name.startswith("__"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        attribute = getattr(fn, name)
        if getattr(attribute, "__self__", None) is not fn:  # not a method of the module: as it is
            return attribute

        @functools.wraps(attribute)
        def method(*args, **kwargs):  # a module's method that returns the module (eval, train, to) returns this object
            result = attribute(*args, **kwargs)
            return self if result is fn else result

        return method

    @property
    def _orig_mod(self):
        """The compiled function or module itself (PyTorch's name on a compiled module)."""
        return self.fn

    def _name(self):
        return self.name or getattr(self.fn, "__name__", None) or type(self.fn).__name__

    def _runs_eagerly(self, message, stacklevel, ran=True):
        """Warn that calls run eagerly, or under fullgraph=True raise (PyTorch's error on a graph break with
        fullgraph). ran: whether the call that finds it has already run (eagerly, while it was recorded)."""
        if self.fullgraph:
            raise CompileError(f"{message} (fullgraph=True: {'this call ran eagerly' if ran else 'not run'}; with "
                               "fullgraph=False such calls run eagerly with a warning)")
        warnings.warn(message, CompileWarning, stacklevel=stacklevel + 1)

    def __call__(self, *args, **kwargs):
        if TRACERS.get() or ANOMALY.enabled or _RECORDING:
            self.stats["eager"] += 1
            return self.fn(*args, **kwargs)
        key, leaves = _guard_key(args, kwargs)
        slot = self.cache.get(key)
        if slot is None:
            if len(self.cache) >= self.max_keys:
                return self._too_many_keys(args, kwargs)
            if self._number_keeps_changing(key, args, kwargs):
                self.stats["eager"] += 1
                return self.fn(*args, **kwargs)
            slot = self.cache[key] = _Slot()
        if slot.eager and slot.shelf:
            slot.switch()  # the names read hold what a shelved program saw (model.eval() after training)
        if slot.program is not None:
            try:
                referenced = slot.referenced  # its generated check called directly once made (holds() makes it)
                if not (referenced._all_hold or referenced.holds)() and not slot.switch():
                    slot.shelve()
                    raise _GuardFailed(f"{slot.referenced.changed() or 'a referenced name'} changed")
                tentative = slot.program.tentative
                if tentative is not None and not (  # the very arrays recorded (full-batch training): no call
                        len(leaves) == len(tentative[0]) and all(map(operator.is_, leaves, tentative[0]))) \
                        and not _same_arguments(tentative[0], leaves):
                    return self._validate(slot, args, kwargs, leaves)
                try:
                    result = slot.program.run(leaves)
                except _GuardFailed:
                    result = slot.run_alternate(leaves)  # or _GuardFailed again
                self.stats["replayed"] += 1
                slot.replays += 1
                slot.retries = 0  # a program that replays: eager spells before it were not for good
                return result
            except _GuardFailed as failure:
                self.stats["guard_failures"] += 1
                if slot.replays >= self.max_recordings:  # the program served a while (e.g. a loss weight
                    slot.recordings = 0                  # changed once an epoch): a fresh recording budget
                slot.program, slot.previous = None, None
                slot.mismatch = "guards keep failing" + (f": {failure.args[0]}" if failure.args else "")
        if slot.eager:
            if slot.referenced is not None and slot.retries < _RETRIES and not slot.referenced.holds():
                # What made it run eagerly may have changed (model.eval() after training with dropout): record
                # again, a few times at most before a program replays (Python state changing on every call).
                slot.eager, slot.recordings, slot.retries = False, 0, slot.retries + 1
                return self._record(slot, args, kwargs, leaves)
            if self.fullgraph:  # every such call raises, before it runs, not only the one that found it
                self._runs_eagerly(f"compile({self._name()}): runs eagerly: {slot.reason}", stacklevel=2, ran=False)
            self.stats["eager"] += 1
            return self.fn(*args, **kwargs)
        return self._record(slot, args, kwargs, leaves)

    def _too_many_keys(self, args, kwargs):
        """A call with a new guard key once `max_keys` are kept: eager, no new slot (each slot keeps a recording)."""
        if not self._warned_keys:
            self._warned_keys = True
            self._runs_eagerly(f"compile({self._name()}): runs eagerly for new arguments: "
                               f"{self.max_keys} combinations of argument shapes, dtypes, Python numbers and grad mode "
                               "have been recorded already. A Python number that changes at every call (an iteration "
                               "count, a learning rate) makes a new one each time: keep it out of the compiled "
                               "function (set the learning rate in the optimizer's param_groups outside it), or pass "
                               "it as an array", stacklevel=3, ran=False)
        self.stats["eager"] += 1
        return self.fn(*args, **kwargs)

    def _number_keeps_changing(self, key, args, kwargs):
        """Whether a call with new guard key `key` is one whose arguments differ from those of `number_values` keys
        recorded already only in the values of Python numbers (an iteration count, a learning rate passed at each
        call): it then runs eagerly, with a warning the first time, instead of being recorded (at a recording's cost)
        for a program that no later call would replay. torch.compile stops recompiling for a changing number at the
        same count (its recompile_limit, 8)."""
        pattern = _without_numbers(key)
        if pattern is key:
            return False  # no Python number among the arguments
        seen = self._number_keys.setdefault(pattern, [])
        if len(seen) < self.number_values:
            seen.append(key)
            return False
        if pattern not in self._warned_numbers:
            self._warned_numbers.add(pattern)
            changing = _changing_numbers(self.fn, args, kwargs, seen)
            self._runs_eagerly(f"compile({self._name()}): runs eagerly for new values of {changing}: "
                               f"{self.number_values} values have been "
                               "recorded already, each a program of its own (Python numbers are constants of a "
                               "program). Pass a number that changes at every call as an array or a 0-d Value, or "
                               "keep it out of the compiled function (a learning rate: set it in the optimizer's "
                               "param_groups outside the call)", stacklevel=3, ran=False)
        return True

    def forget_recordings(self):
        """Drop every recording and program: the next calls are recorded anew (torch.compiler.reset())."""
        self.cache.clear()
        self._number_keys.clear()
        self._warned_numbers.clear()
        self._warned_keys = False

    def sources(self):
        """The generated Python source of each compiled program (one per guard key), for reading."""
        return [slot.program.source for slot in self.cache.values() if slot.program is not None]

    def _record(self, slot, args, kwargs, leaves):
        self.stats["recorded"] += 1
        slot.recordings += 1
        referenced = _Referenced(self.fn)  # the values the function's globals have as this call starts
        recorder = _Recorder(leaves, _numbers_in((args, kwargs)))
        arrays = [(k, a, a.copy()) for k, a in enumerate(leaves) if a.__class__ is np.ndarray]
        # The arguments' data as the call starts: the arrays' copies just taken, then the Values' data.
        data = [copy for _, _, copy in arrays] + [a.copy() for a in _argument_arrays(leaves)[len(arrays):]]
        try:
            with _Watching(recorder):
                result = jit_numpy.untraced(self.fn(*args, **kwargs))
            jit_numpy.finish(recorder)
            jit_data.finish(recorder)
        except _Unsupported as err:
            recorder.problem = str(err)
            result = self.fn(*args, **kwargs)
        for k, array, before in arrays:  # `x -= x.mean()` on an argument: NumPy, out of sight, skipped by a replay
            if not recorder.problem and not _same_contents(array, before):
                recorder.problem = (f"the function changes its array argument {k} in place (x -= ..., x[...] = ...): "
                                    "a replay would skip that; compute a new array (x = x - m) instead")
        moved = None if recorder.problem else referenced.changed()
        if moved is not None:
            # `global count; count += 1`, `counts[y] += 1`: Python and NumPy that a replay would skip. No program from
            # this call; the next is recorded again (a global set on the first call only, a lazy initialisation, then
            # replays), and a function that does it at every call runs eagerly once the recordings are spent.
            slot.previous, slot.mismatch = None, f"the call itself changes {moved}, which a replay would not"
            self._go_eager_if_spent(slot, referenced)
            return result
        referenced.add_owners(recorder.owners.values(), recorder.effect_updates, recorder.set_before_use)
        try:
            if recorder.problem:
                raise _Unsupported(recorder.problem)
            plan = _Plan(recorder, result, graph_wanted=self._graph_wanted)
        except _Unsupported as err:
            self._go_eager(slot, str(err), referenced)
            return result
        plan.data = data
        if slot.previous is not None:
            try:
                plan.check_same_as(slot.previous)
                program = plan.build()
                referenced.read_live(plan.ns.objects.values())
                if referenced.unguarded:  # (a large array it does not read itself, state named too deep)
                    self._go_eager(slot, f"it reads {referenced.unguarded[0][0]}, which no guard of a replay "
                                         "covers: a change made to it between calls would not be seen", referenced)
                    return result
                if data and slot.previous.data is not None and _same_data(data, slot.previous.data):
                    # Recorded twice on the same batch: constants the function derived from it with NumPy agree
                    # whatever they are. Replay for this data; a call with other data records once more first.
                    program.tentative = (_argument_arrays(leaves), plan)
                plan.data = None
                slot.program, slot.previous, slot.referenced = program, None, referenced
                slot.replays = 0
                return result
            except _Unsupported as err:
                slot.mismatch = str(err)  # try again: the next call may agree with this one
        slot.previous = plan
        self._go_eager_if_spent(slot, referenced)
        return result

    def _go_eager_if_spent(self, slot, referenced):
        """Run the slot eagerly once its recordings are spent without two calls agreeing."""
        if slot.recordings >= self.max_recordings:
            self._go_eager(slot, f"recorded {slot.recordings} times without two calls agreeing "
                                 f"({slot.mismatch or 'guards keep failing'})", referenced, stacklevel=5)

    def _validate(self, slot, args, kwargs, leaves):
        """The first call with other data than the two recordings of a tentative program saw: record it and compare
        (a constant derived from the data now differs, and the program is dropped, or it does not, and the program
        recorded now replays from then on for any data)."""
        slot.previous, slot.program, slot.recordings = slot.program.tentative[1], None, 1
        return self._record(slot, args, kwargs, leaves)

    def _go_eager(self, slot, reason, referenced, stacklevel=4):
        """Run this slot's calls eagerly from now on, until a name the function reads (`referenced`, as it was
        when the reason arose) changes. (stacklevel: the warning points at the line that called the function)"""
        slot.eager, slot.previous, slot.program, slot.referenced, slot.reason = True, None, None, referenced, reason
        self._runs_eagerly(f"compile({self._name()}): runs eagerly: {reason}", stacklevel=stacklevel)


class _Slot:
    """What one guard key (argument shapes, dtypes, grad mode) has: the program replaying now, with the names it
    read (`referenced`); programs recorded earlier for other values of those names (`shelf`: model.train() and
    model.eval() alternate, each with its own program); and the recording and eager-mode bookkeeping."""

    __slots__ = ("program", "previous", "eager", "recordings", "mismatch", "referenced", "replays", "retries",
                 "shelf", "alternates", "reason")

    def __init__(self):
        self.program, self.previous, self.eager, self.recordings, self.mismatch = None, None, False, 0, None
        self.referenced, self.replays, self.retries, self.shelf, self.reason = None, 0, 0, [], None
        self.alternates = []  # (program, referenced) whose guards on the data failed once: other batches may pass

    def run_alternate(self, leaves):
        """The current program's guards failed on this call's data (labels that take cross_entropy's other path,
        a read value that steers Python the other way): replay a program this slot recorded earlier whose guards
        hold, making it the current one; otherwise keep the failed program among the alternates (for later batches
        like the ones it was recorded on) and raise _GuardFailed. A guard fails before a program changes anything."""
        failed = (self.program, self.referenced)
        for i, (program, referenced) in enumerate(self.alternates):
            if not referenced.holds() or (program.tentative is not None
                                          and not _same_arguments(program.tentative[0], leaves)):
                continue
            try:
                result = program.run(leaves)
            except _GuardFailed:
                continue
            self.alternates[i] = failed
            self.program, self.referenced = program, referenced
            return result
        self.alternates.append(failed)
        del self.alternates[:-_ALTERNATES]
        raise _GuardFailed("its guards on the data failed, and those of the programs recorded for other data")

    def shelve(self):
        """Keep the current program for when the names it read hold their recorded values again."""
        self.shelf.append((self.program, self.referenced))
        del self.shelf[:-_SHELF]

    def switch(self):
        """Replay a shelved program whose names hold now (the current one goes on the shelf): whether one did."""
        for i, (program, referenced) in enumerate(self.shelf):
            if referenced.holds():
                if self.program is None:  # from eager mode
                    del self.shelf[i]
                else:
                    self.shelf[i] = (self.program, self.referenced)
                self.program, self.referenced, self.eager = program, referenced, False
                return True
        return False


_SHELF = 4  # programs kept per guard key for other values of the names they read
_ALTERNATES = 2  # programs kept per guard key for data that failed the current program's guards
_RETRIES = 2  # times a slot that runs eagerly records again after a referenced name changed, until a replay


def forget_all_recordings():
    """Every compiled object alive drops its recordings and programs (PyTorch's `torch.compiler.reset()`)."""
    for compiled in list(Compiled._all):
        compiled.forget_recordings()


# torch.compile's modes and backends: all of them name this compiler here (there is one), and a name PyTorch would
# not accept is an error here too.
_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
_BACKENDS = ("inductor", "cudagraphs", "eager", "aot_eager", "aot_eager_decomp_partition",
             "aot_eager_default_partitioner", "aot_ts", "ts", "openxla", "tvm")


def compile(model=None, *, fullgraph=False, dynamic=None, backend=None, mode=None, options=None, name=None,
            disable=False, recompile_limit=None, isolate_recompiles=False, shapes_spec=None, max_recordings=8,
            max_keys=64):
    """Compile `model` (a function, or a Module: anything callable) into a replay of the primitives one call
    runs (forward, backward, effects): see the module's docstring for what is recorded, what is guarded and what
    is not. Usable as a decorator, with or without arguments (`@compile`, `@compile(fullgraph=True)`).

    The first two calls with a given combination of argument shapes, dtypes, Python numbers and grad mode (a guard
    key) run eagerly and are recorded; later calls replay. Results are the same as eager mode, bit for bit.

    PyTorch's arguments, so that `torch.compile(...)` lines run as they are:
    fullgraph: True raises CompileError where a call would otherwise run eagerly with a CompileWarning (PyTorch's
               error on a graph break). The call that finds it has run eagerly.
    dynamic: None, True or False. Programs here are always specialised to their shapes (each new shape is recorded
             and gets its own program, as PyTorch's dynamic=False): the value changes nothing.
    backend, mode: None or a name PyTorch knows (backend "inductor", "eager", "aot_eager", ...; mode "default",
             "reduce-overhead", "max-autotune", ...), all meaning this one compiler; another name is an error, as in
             PyTorch. A callable backend (a function of an FX graph) raises NotImplementedError: no FX graphs here.
    options: a dict of backend settings (inductor's kernel tuning: none applies here); not together with mode.
    name: the name that warnings and errors give the compiled function.
    disable: True returns `model` itself, uncompiled (PyTorch's switch for testing).
    recompile_limit: guard keys kept (max_keys): calls with a new key beyond them run eagerly with a warning (an
             error with fullgraph=True), as torch.compile's past its recompile limit. Also the number of values of
             a Python number argument that changes (an iteration count) recorded before new values run eagerly
             with a warning: 8 unless given, torch.compile's recompile limit.
    isolate_recompiles, shapes_spec: accepted; each compiled object has its own recordings anyway, and shapes are
             always specialised.
    max_recordings: recordings of one key without two calls agreeing before its calls run eagerly (with a warning).
    max_keys: as recompile_limit (64 unless one of them is given)."""
    if mode is not None and options is not None:
        raise RuntimeError("compile: either mode or options can be specified, but not both (as in PyTorch)")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"compile: unrecognized mode={mode!r}, should be one of: {', '.join(_MODES)}")
    if callable(backend):
        raise NotImplementedError(
            f"compile: backend={getattr(backend, '__name__', backend)!r}: a custom backend compiles PyTorch's FX "
            "graphs, which do not exist here; leave backend out (this library's own compiler records and replays "
            "the primitives)")
    if backend is not None and backend not in _BACKENDS:
        raise RuntimeError(f"compile: invalid backend {backend!r}; PyTorch's names are accepted: "
                           f"{', '.join(_BACKENDS)}")
    if options is not None and not isinstance(options, dict):
        raise TypeError(f"compile: options must be a dict, got {type(options).__name__}")
    for flag_name, flag_value in (("fullgraph", fullgraph), ("disable", disable),
                                  ("isolate_recompiles", isolate_recompiles)):
        if not isinstance(flag_value, (bool, np.bool_)):
            raise TypeError(f"compile: {flag_name} must be True or False, got {flag_value!r}")
    if dynamic is not None and not isinstance(dynamic, (bool, np.bool_)):
        raise TypeError(f"compile: dynamic must be None, True or False, got {dynamic!r}")
    if recompile_limit is not None:
        if isinstance(recompile_limit, (bool, np.bool_)) or not isinstance(recompile_limit, numbers.Integral) or \
                recompile_limit < 1:
            raise ValueError(f"compile: recompile_limit must be a positive integer, got {recompile_limit!r}")
        max_keys = int(recompile_limit)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"compile: name must be a string, got {type(name).__name__}")

    def compiled(fn):
        if fn is None:
            raise RuntimeError("compile: model can't be None")
        if disable:
            return fn
        return Compiled(fn, max_recordings, max_keys, fullgraph=bool(fullgraph), name=name,
                        number_values=None if recompile_limit is None else int(recompile_limit))

    return compiled if model is None else compiled(model)


# ----------------------------------------------------------------------------------------------------
# PyTorch's torch.jit names around TorchScript, which is not part of this library (jit_script.py).
from .jit_script import (  # noqa: E402, F401
    Attribute, Error, Final, Future, ScriptFunction, ScriptModule, ScriptWarning, TracerWarning, TracingCheckError,
    annotate, enable_onednn_fusion, export, fork, freeze, fuser, ignore, interface, is_scripting, is_tracing, load,
    onednn_fusion_enabled, optimize_for_inference, optimized_execution, save, script, script_if_tracing,
    script_method, set_fusion_strategy, strict_fusion, trace, unused, wait,
)


def __getattr__(name):
    # torch.jit.isinstance is reached as an attribute only: a global of that name would replace the builtin in
    # every function of this module.
    if name == "isinstance":
        from .jit_script import isinstance as refine

        return refine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), "isinstance"])

from .jit_plan import _Plan  # noqa: E402  (the code generator)
