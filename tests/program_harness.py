"""Run a whole program written for PyTorch with autograd_core, and again with PyTorch from the same random draws.

The harness of the tests that run tutorial, book and course programs (test_torch_tutorials, test_torch_basics,
test_torch_nn_tutorial, test_torch_examples, test_d2l_*, test_dlwpt_book, test_liuer_course, test_fastai_*,
test_zero_to_hero_*): a program is a string of Python written as its author writes it for PyTorch (`import torch`).

- `with_our_imports(program)`: the same program with its import lines changed to autograd_core (torchvision's to
  autograd_core.vision, which plays its part), and nothing else.
- `run(program, name)`: runs it as a fresh module `__main__` (pickle finds the classes it defines, as for `python
  program.py`) with Python's `random` and NumPy's global generator seeded, and returns the namespace and what it
  printed; `show_tensors=True` prints a tensor as its nested list of numbers (a notebook cell showing a tensor), so
  that its numbers are compared too.
- `record_draws(monkeypatch)` / `replay_draws(monkeypatch, torch, draws)`: what our run draws at random, recorded
  in order by kind, and PyTorch's random functions replaced by replays of it (see record_draws for the list).
- `reported_numbers(printed)`: the numbers a program printed, without what the two libraries print differently.
- `run_both(program, name, monkeypatch, ...)`: the program run with autograd_core, recording its draws, then with
  PyTorch replaying them; both namespaces and what each printed.
- `compare_with_pytorch(program, name, monkeypatch, ...)`: all of the above: every number the program prints with
  autograd_core agrees with PyTorch's to float32 precision, from the same start. `assert_runs(program, name)`: the
  program runs with autograd_core and prints finite numbers (without PyTorch).

Two proofs, one run of ours. A comparison proves that our numbers are PyTorch's; users without PyTorch need the proof
that the program runs for them, which assert_runs gives, and which a comparison skipped without PyTorch would not.
So run_both and compare_with_pytorch run our half first, with PyTorch hidden from the import system
(conftest.pytorch_hidden: as on a machine without it, even though the process imported it), and compare_with_pytorch
checks there what assert_runs checks (finite numbers; the program as written too, when the comparison changed it);
only then does the test ask for PyTorch (conftest.pytorch_for_the_rest_of_this_test), which skips it without
PyTorch. The outcome without PyTorch (a failure in our half, else a skip) is thus decided in the run with PyTorch
already: its requests for PyTorch do not list the test for scripts/test.sh's second run without PyTorch, and a
compared program needs no assert_runs test of its own (those are kept for the programs that are not compared). In
CI our half runs once, not twice (with PyTorch, in the comparison, and again in an assert_runs test); on a machine
without PyTorch, the comparison still runs it, then skips.

Dropout is on in both runs: PyTorch's applies the masks our run drew (the kind "dropout"). An RNN's dropout between
layers (in PyTorch's C++ kernels) and the fused attention's cannot be replayed: the tests turn those off (same_start).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import random
import re
import sys
import types
from collections import defaultdict

import numpy as np
import pytest
from conftest import pytorch_for_the_rest_of_this_test, pytorch_hidden

import autograd_core as ag
from autograd_core import nn
from autograd_core.distributions import Categorical, MultivariateNormal, Normal
from autograd_core.distributions.counts import Multinomial
from autograd_core.nn import init
from autograd_core.utils.samplers import RandomSampler, SubsetRandomSampler


def with_our_imports(text):
    """The program with its import lines changed to autograd_core, and nothing else; `torch` among the modules of a
    one-line import (fast.ai's `import pickle,gzip,math,torch,matplotlib as mpl`) too. torchvision's imports
    (`import torchvision`, `import torchvision.transforms` (the name bound is torchvision), `import
    torchvision.transforms as transforms`, `from torchvision.utils import save_image`) become autograd_core.vision's."""
    def among_others(line):
        modules = line[1].split(",")
        return "import " + ",".join(module.replace("torch", "autograd_core as torch") if module.strip() == "torch"
                                    else module for module in modules)
    text = re.sub(r"^import (.*,.*)$", among_others, text, flags=re.M)
    text = re.sub(r"^import torch[ \t]*$", "import autograd_core as torch", text, flags=re.M)
    text = re.sub(r"^import torch\.", "import autograd_core.", text, flags=re.M)
    text = re.sub(r"^from torch(\.| )", r"from autograd_core\1", text, flags=re.M)
    text = re.sub(r"^import torchvision(?:\.[\w.]+)?[ \t]*$", "import autograd_core.vision as torchvision", text,
                  flags=re.M)
    text = re.sub(r"^import torchvision\.", "import autograd_core.vision.", text, flags=re.M)
    return re.sub(r"^from torchvision(\.| )", r"from autograd_core.vision\1", text, flags=re.M)


def shown(obj):
    """What `print` shows for `obj` with run(..., show_tensors=True): a tensor (or an array) as its nested list of
    numbers (booleans as 0/1), a torch.Size as a tuple; containers element by element."""
    if type(obj).__name__ == "Size":
        return tuple(obj)
    if isinstance(obj, (list, tuple)):
        items = [shown(o) for o in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else type(obj)(items)
    if isinstance(obj, dict):
        return {k: shown(v) for k, v in obj.items()}
    if hasattr(obj, "tolist") and hasattr(obj, "shape") and hasattr(obj, "dtype"):
        values = np.asarray(obj.tolist())
        return (values.astype(int) if values.dtype == bool else values).tolist()
    return obj


def run(text, name, *, show_tensors=False):
    """Run the program `text` in its own namespace, with Python's `random` (DQN's exploration, batches, teacher
    forcing) and NumPy's global generator seeded; the namespace and what it printed. With `show_tensors`, the
    program's `print` shows tensors as their numbers (see `shown`)."""
    random.seed(0)
    np.random.seed(0)
    out = io.StringIO()
    # The program's globals are the module __main__'s while it runs, as `python program.py` has them: pickle finds
    # the classes it defines there (yunjey's image captioning pickles its Vocabulary).
    main = types.ModuleType("__main__")
    namespace = main.__dict__
    if show_tensors:
        namespace["print"] = lambda *objects, **kwargs: print(*(shown(o) for o in objects), **kwargs)
    outer_main = sys.modules["__main__"]
    sys.modules["__main__"] = main
    try:
        with contextlib.redirect_stdout(out):  # dont_inherit: this module's `from __future__ import annotations` is
            # not the program's, whose annotations Python evaluates at each def (the Zero to Mastery course's
            # create_writer makes a SummaryWriter in its return annotation)
            exec(compile(text, f"<program {name}>", "exec", dont_inherit=True), namespace)
    finally:
        sys.modules["__main__"] = outer_main
    return namespace, out.getvalue()


# The layers whose initial weights are random, by class name: the same names in both libraries.
INITIALISED = ("Linear", "Conv1d", "Conv2d", "ConvTranspose2d", "Embedding", "EmbeddingBag", "RNN", "GRU", "LSTM",
               "RNNCell", "GRUCell", "LSTMCell", "MultiheadAttention")
# The random functions, recorded as the array they return, by their name.
FUNCTIONS = ("randn", "rand", "randint", "randn_like", "rand_like", "normal", "randperm", "multinomial")
# nn.init's fills, recorded as the array they leave in their first argument (a parameter or its array).
FILLS = ("normal_", "uniform_", "xavier_uniform_", "xavier_normal_", "kaiming_normal_")
# A tensor's own fills (`net[0].weight.data.normal_(0, 0.01)`, torchvision's `torch.empty(1).uniform_(a, b)`),
# recorded as the array they leave in the tensor, as the kind "tensor.<name>" (nn.init's are other draws).
TENSOR_FILLS = ("normal_", "uniform_")
# The distributions whose samples are recorded, each as its own kind.
SAMPLED = {"Categorical": Categorical, "Multinomial": Multinomial, "MultivariateNormal": MultivariateNormal,
           "Normal": Normal}
# PyTorch's dropout functions (which its Dropout layers and its multi-head attention call), replayed with our masks.
DROPOUTS = ("dropout", "dropout1d", "dropout2d", "dropout3d")


def record_draws(monkeypatch):
    """What our run draws at random, in order, by kind: the random functions' results (FUNCTIONS), nn.init's fills
    (FILLS), a tensor's own fills (TENSOR_FILLS), Categorical's, Multinomial's, MultivariateNormal's and Normal's
    samples (SAMPLED), random_split's subsets, each shuffling DataLoader's order (RandomSampler's,
    SubsetRandomSampler's), and each layer's initial parameters (by its class name, INITIALISED; a LazyLinear as the
    Linear it becomes), and every dropout mask (the kind "dropout": each one our dropout functions and layers
    draw, scaled by 1 / (1 - p), as the array they multiply by)."""
    draws = defaultdict(list)

    def recording(original, kept, drawn):
        def call(*args, **kwargs):
            out = original(*args, **kwargs)
            kept.append(np.array(drawn(out, args[0] if args else None), copy=True))
            return out
        return call

    for name in FUNCTIONS:
        monkeypatch.setattr(ag, name, recording(getattr(ag, name), draws[name], lambda out, _: out.data))
    for name in FILLS:
        monkeypatch.setattr(init, name, recording(getattr(init, name), draws[name],
                                                  lambda _, tensor: getattr(tensor, "data", tensor)))
    for name in TENSOR_FILLS:
        monkeypatch.setattr(ag.Value, name, recording(getattr(ag.Value, name), draws[f"tensor.{name}"],
                                                      lambda _, tensor: tensor.data))
    sampling = []  # the distribution whose sample is being drawn: a Multinomial samples through its Categorical,
    # and only the outer draw is one the program made (PyTorch's replayed Multinomial makes no Categorical draw)

    def outermost(kind, original):
        def sample(*args, **kwargs):
            if sampling:
                return original(*args, **kwargs)
            sampling.append(kind)
            try:
                out = original(*args, **kwargs)
            finally:
                sampling.pop()
            draws[kind].append(np.array(out.data, copy=True))
            return out
        return sample
    for kind, distribution in SAMPLED.items():
        monkeypatch.setattr(distribution, "sample", outermost(kind, distribution.sample))
    for name in INITIALISED:
        cls = getattr(nn, name)

        def recording_init(self, *args, _cls=cls, _original=cls.__init__, **kwargs):
            _original(self, *args, **kwargs)
            if type(self) is _cls:
                draws[_cls.__name__].append([p.data.copy() for p in self.parameters()])
        monkeypatch.setattr(cls, "__init__", recording_init)
    split = ag.utils.data.random_split

    def recording_split(*args, **kwargs):
        subsets = split(*args, **kwargs)
        draws["random_split"].append([list(map(int, s.indices)) for s in subsets])
        return subsets
    monkeypatch.setattr(ag.utils.data, "random_split", recording_split)
    monkeypatch.setattr(ag.utils.data.dataset, "random_split", recording_split)
    shuffled = RandomSampler.__iter__

    def recording_order(self):
        # An epoch's first _ORDER_AHEAD indices as it starts (all of a usual one: PyTorch's loader may prefetch past
        # where the program stops), the rest as the program reaches them (minGPT's endless sampler).
        indices = shuffled(self)
        order = [int(i) for i in itertools.islice(indices, _ORDER_AHEAD)]
        draws["RandomSampler"].append(order)
        return _recorded_as_read(order, indices)
    monkeypatch.setattr(RandomSampler, "__iter__", recording_order)
    subset_shuffled = SubsetRandomSampler.__iter__

    def recording_subset_order(self):  # CS231n's loaders: a SubsetRandomSampler of the training indices
        order = [int(i) for i in subset_shuffled(self)]
        draws["SubsetRandomSampler"].append(order)
        return iter(order)
    monkeypatch.setattr(SubsetRandomSampler, "__iter__", recording_subset_order)
    masks = sys.modules[nn.Dropout.__module__]
    mask = masks._mask

    def recording_mask(*args, **kwargs):
        drawn = mask(*args, **kwargs)
        draws["dropout"].append(np.array(drawn, copy=True))
        return drawn
    monkeypatch.setattr(masks, "_mask", recording_mask)
    return draws


_ORDER_AHEAD = 1 << 16


def _recorded_as_read(order, indices):
    yield from order[:]
    for i in indices:
        order.append(int(i))
        yield order[-1]


def replay_draws(monkeypatch, torch, draws):
    """PyTorch's random functions, fills, samplers and layer initialisations replaced by replays of `draws` (from
    record_draws), each kind in the same order; PyTorch's dropout (DROPOUTS) multiplies by our masks. Returns the
    replays, one iterator a kind: what is left in them was not replayed."""
    queues = {kind: iter(values) for kind, values in draws.items()}

    def replay(kind, dtype=None, requires_grad=False):
        value = next(queues[kind])
        dtype = dtype or (torch.get_default_dtype() if value.dtype.kind == "f" else None)
        return torch.tensor(value, dtype=dtype, requires_grad=requires_grad)

    for name in ("randn", "rand", "normal"):
        monkeypatch.setattr(torch, name, lambda *size, _kind=name, dtype=None, requires_grad=False, **_:
                            replay(_kind, dtype, requires_grad))
    for name in ("randint", "randperm", "multinomial"):
        monkeypatch.setattr(torch, name, lambda *_, _kind=name, dtype=None, **__: replay(_kind, dtype))
    for name in ("randn_like", "rand_like"):
        monkeypatch.setattr(torch, name, lambda like, _kind=name, dtype=None, **_: replay(_kind, dtype or like.dtype))

    def filling(kind):
        def fill(tensor, *_, **__):
            with torch.no_grad():
                return tensor.copy_(torch.from_numpy(next(queues[kind])))
        return fill
    for name in FILLS:
        monkeypatch.setattr(torch.nn.init, name, filling(name))
    for name in TENSOR_FILLS:
        monkeypatch.setattr(torch.Tensor, name, filling(f"tensor.{name}"))
    monkeypatch.setattr(torch.distributions.multinomial.Multinomial, "sample",
                        lambda self, *_, **__: torch.tensor(next(queues["Multinomial"]), dtype=self.probs.dtype))
    monkeypatch.setattr(torch.distributions.MultivariateNormal, "sample",
                        lambda self, *_, **__: torch.tensor(next(queues["MultivariateNormal"]), dtype=self.loc.dtype))
    monkeypatch.setattr(torch.distributions.Categorical, "sample",  # a language model's next character (Raschka ch. 15)
                        lambda self, *_, **__: torch.from_numpy(next(queues["Categorical"])))
    monkeypatch.setattr(torch.distributions.Normal, "sample",  # a normalizing flow's prior (UvA DL tutorial 11)
                        lambda self, *_, **__: torch.tensor(next(queues["Normal"]), dtype=self.loc.dtype))

    def reset_parameters(self):
        kind = type(self).__name__
        if kind not in INITIALISED:  # a subclass our run did not record: MultiheadAttention's out_proj, which the
            return  # attention's own replay fills
        values = next(queues[kind])
        parameters = list(self.parameters())
        assert [p.shape for p in parameters] == [v.shape for v in values]
        with torch.no_grad():
            for p, v in zip(parameters, values, strict=True):
                p.copy_(torch.from_numpy(v))
    for name in INITIALISED:
        method = "_reset_parameters" if name == "MultiheadAttention" else "reset_parameters"
        monkeypatch.setattr(getattr(torch.nn, name), method, reset_parameters)

    def lazy_reset(self):  # a LazyLinear once its shapes are known: replayed as the Linear it becomes (ours records)
        if not self.has_uninitialized_params() and self.in_features != 0:
            lazy, self.__class__ = self.__class__, torch.nn.Linear
            torch.nn.Linear.reset_parameters(self)
            self.__class__ = lazy
    monkeypatch.setattr(torch.nn.LazyLinear, "reset_parameters", lazy_reset)
    subset = torch.utils.data.Subset

    def random_split(dataset, *_, **__):
        return [subset(dataset, indices) for indices in next(queues["random_split"])]
    monkeypatch.setattr(torch.utils.data, "random_split", random_split)
    monkeypatch.setattr(torch.utils.data.dataset, "random_split", random_split)
    monkeypatch.setattr(torch.utils.data.RandomSampler, "__iter__", lambda self: iter(next(queues["RandomSampler"])))
    monkeypatch.setattr(torch.utils.data.SubsetRandomSampler, "__iter__",
                        lambda self: iter(next(queues["SubsetRandomSampler"])))
    def dropout(input, p=0.5, training=True, inplace=False):
        if not training or p == 0:
            return input
        if p == 1:  # (ours draws no mask either)
            return input.mul_(0) if inplace else input * 0
        mask = torch.from_numpy(next(queues["dropout"])).to(input.dtype)
        assert mask.dim() == input.dim() and all(m in (1, n) for m, n in zip(mask.shape, input.shape)), (
            f"PyTorch's dropout of a {tuple(input.shape)} tensor, ours drew a mask of {tuple(mask.shape)}")
        return input.mul_(mask) if inplace else input * mask
    for name in DROPOUTS:
        monkeypatch.setattr(torch.nn.functional, name, dropout)
    return queues


NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
# A shape printed as a tuple of integers: ours (a shape is a tuple, there is no torch.Size); see compare_with_pytorch.
SHAPE = re.compile(r"\((?:\d+(?:, \d+)*,?)?\)")
# A time of day and a duration, never the same in two runs: the DLwPT book's `datetime.datetime.now()` in its training
# loops, Liu Er's `time_since(start)` ("[0m 3s]").
CLOCK = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?|\[\d+m \d+s\]")


def without_printed_tensors(text):
    """`text` with each printed tensor (`Value(...)`, `tensor(...)`, `torch.Size(...)`, to its closing parenthesis,
    over as many lines as it takes) left out: the two libraries print them differently."""
    kept, start = [], 0
    for match in re.finditer(r"\b(?:Value|tensor|Size)\(", text):
        if match.start() < start:
            continue
        kept.append(text[start:match.start()])
        depth, i = 1, match.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        start = i
    return "".join(kept) + text[start:]


def reported_numbers(printed, *, ignore_lines=None, ignore_shapes=False):
    """The numbers a program prints, without what the two libraries print differently: tensors, a line that says
    "shape", and our modules' parameter counts (`# 1,216 parameters`, at a line's end or inside it: a module in a
    printed list); PyTorch's `torch.Size([a, b])` (`str(p.shape)` inside a string) is read as the tuple `(a, b)` we
    print. Also left out: the clock (CLOCK), the lines the regular expression `ignore_lines` finds (timings,
    speeds), and with `ignore_shapes` every tuple of integers (a shape printed as `x.shape` is a tuple in ours, a
    torch.Size in PyTorch)."""
    return [float(n) for n in _number_texts(printed, ignore_lines=ignore_lines, ignore_shapes=ignore_shapes)]


def _number_texts(printed, *, ignore_lines=None, ignore_shapes=False):
    """reported_numbers as the texts printed."""
    printed = CLOCK.sub("<time>", printed)
    printed = re.sub(r"torch\.Size\(\[([^\]]*)\]\)", r"(\1)", printed)
    if ignore_lines is not None:
        printed = "\n".join(line for line in printed.splitlines() if not re.search(ignore_lines, line))
    if ignore_shapes:
        printed = SHAPE.sub("", printed)
    lines = [re.sub(r"\s+# [\d,]+ parameters\b", "", line)
             for line in without_printed_tensors(printed).splitlines() if "shape" not in line]
    return [n for line in lines for n in re.findall(NUMBER, line)]


def printed_resolution(text):
    """The unit of the last digit of a number printed with a decimal point (`2.066`: 0.001, `1.5e-08`: 1e-09), within
    which two runs' equal numbers may print apart when they lie across a rounding boundary; 0 for an integer."""
    mantissa, _, exponent = text.lower().partition("e")
    if "." not in mantissa:
        return 0.0
    return 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2]))


def assert_runs(program, name, *, show_tensors=False, ignore_lines=None):
    """The program, with its imports changed to autograd_core, runs and prints finite numbers. Returns its namespace
    and what it printed."""
    ag.manual_seed(0)
    namespace, printed = run(with_our_imports(program), name, show_tensors=show_tensors)
    numbers = reported_numbers(printed, ignore_lines=ignore_lines)
    assert numbers and np.all(np.isfinite(numbers)), printed
    return namespace, printed


def _run_ours(program, name, monkeypatch, same_start, in_float64, show_tensors):
    """Our half of run_both, with PyTorch hidden from the import system (conftest.pytorch_hidden), as on a machine
    without it: ((namespace, printed), draws)."""
    for old, new in same_start:
        assert old in program, old
        program = program.replace(old, new)
    ag.manual_seed(0)
    dtype = ag.get_default_dtype()
    if in_float64:
        ag.set_default_dtype(ag.float64)
    try:
        with monkeypatch.context() as patch, pytorch_hidden():
            draws = record_draws(patch)
            ours = run(with_our_imports(program), name, show_tensors=show_tensors)
    finally:
        ag.set_default_dtype(dtype)
    return ours, draws


def _run_theirs(program, name, monkeypatch, torch, draws, same_start, in_float64, show_tensors):
    """PyTorch's half of run_both, replaying `draws`: (namespace, printed)."""
    for old, new in same_start:
        program = program.replace(old, new)
    dtypes, threads = (ag.get_default_dtype(), torch.get_default_dtype()), torch.get_num_threads()
    torch.set_num_threads(1)
    if in_float64:
        ag.set_default_dtype(ag.float64)
        torch.set_default_dtype(torch.float64)
    try:
        with monkeypatch.context() as patch:
            replays = replay_draws(patch, torch, draws)
            theirs = run(program, name, show_tensors=show_tensors)
        # PyTorch's run drawing more than ours ends it (a replay runs out); drawing less is caught here.
        unreplayed = [kind for kind, replay in replays.items() if next(replay, None) is not None]
        assert not unreplayed, f"draws of our run that PyTorch's did not make: {unreplayed}"
    finally:
        ag.set_default_dtype(dtypes[0])
        torch.set_default_dtype(dtypes[1])
        torch.set_num_threads(threads)
    return theirs


def run_both(program, name, monkeypatch, *, same_start=(), in_float64=False, show_tensors=False, check_ours=None):
    """Run `program` with autograd_core, recording its draws (record_draws), then with PyTorch replaying them
    (replay_draws), every one of them; both runs' (namespace, what it printed), ours first.

    Our run comes first and sees no PyTorch (conftest.pytorch_hidden), as on a machine without it; then the test
    needs PyTorch for the rest of it (conftest.pytorch_for_the_rest_of_this_test): without PyTorch it skips there,
    after our run, whose exception fails it. `check_ours(namespace, printed)`, if given, is called with our run's
    before PyTorch is asked for, so that it checks our run also without PyTorch: a test's assertions about the
    program as written, whose run this must then be (no `same_start`, not `in_float64`; else ValueError).

    `same_start`: (old, new) pairs replaced in the program for both runs (each `old` must be there): settings that
    would draw from each library's own generator (an RNN's dropout between layers, a shuffle). `in_float64`: both
    runs with float64 as the default dtype. `show_tensors`: printed tensors shown as their numbers (see run). Both
    runs use PyTorch's one thread (for these small programs PyTorch's thread pool only waits: seconds on
    a busy machine)."""
    ours, draws = _run_ours(program, name, monkeypatch, same_start, in_float64, show_tensors)
    if check_ours is not None:
        if same_start or in_float64:
            raise ValueError("run_both: check_ours checks the program as written, which this run is not")
        check_ours(*ours)
    torch = pytorch_for_the_rest_of_this_test()
    return ours, _run_theirs(program, name, monkeypatch, torch, draws, same_start, in_float64, show_tensors)


FLOAT32_RTOL = 2e-4  # compare_with_pytorch's relative tolerance: float32 precision after a program's steps


def compare_with_pytorch(program, name, monkeypatch, *, same_start=(), in_float64=False, show_tensors=False,
                         ignore_lines=None, ignore_shapes=False, fewest=3, rtol=FLOAT32_RTOL, pytorch_setup=None,
                         check_ours=None, runs_as_written=True):
    """Run `program` with autograd_core and with PyTorch from the same draws (as run_both, which `same_start`,
    `in_float64` and `show_tensors` are passed to); every number it prints (reported_numbers) agrees to float32
    precision (relative `rtol`), and there are `fewest` or more. `ignore_lines`, `ignore_shapes`: see
    reported_numbers. `pytorch_setup(torch)`, if given, is called before PyTorch's run (a stand-in for torchvision).
    `check_ours(namespace, printed)`, if given, checks our run of the program as written, before PyTorch is asked for
    (so also without it): a test's own assertions about what the program computes.

    It proves all that assert_runs(program, name, show_tensors=..., ignore_lines=...) proves, also without PyTorch,
    so that a program compared needs no test of its own that it runs (such a run was the work of the comparison's
    first half done again):
    - our run comes first, with PyTorch hidden from the import system (conftest.pytorch_hidden), as a user without
      PyTorch runs it, and its numbers must be `fewest` or more and finite: assert_runs's check;
    - if that run is not the program as written (a `same_start` change, `in_float64`), the program as written runs
      too (assert_runs, PyTorch hidden), unless `runs_as_written` is False: a test of its own runs it as written, or
      it is not meant to run as written (the tutorial's whole-model save, which this library refuses);
    - only then does the test need PyTorch (conftest.pytorch_for_the_rest_of_this_test): without it, it skips there,
      after the checks above, which fail it if they fail. With PyTorch installed, the requests for it from there on
      do not list the test for scripts/test.sh's second run, without PyTorch: the first run has already proved what
      that run would, with PyTorch hidden.
    """
    (namespace, our_printed), draws = _run_ours(program, name, monkeypatch, same_start, in_float64, show_tensors)
    our_numbers = reported_numbers(our_printed, ignore_lines=ignore_lines, ignore_shapes=ignore_shapes)
    assert len(our_numbers) >= fewest and np.all(np.isfinite(our_numbers)), our_printed
    as_written = namespace, our_printed
    if (same_start or in_float64) and runs_as_written:
        with pytorch_hidden():
            as_written = assert_runs(program, name, show_tensors=show_tensors, ignore_lines=ignore_lines)
    if check_ours is not None:
        if (same_start or in_float64) and not runs_as_written:
            raise ValueError("compare_with_pytorch: check_ours checks the program as written, which did not run")
        check_ours(*as_written)
    torch = pytorch_for_the_rest_of_this_test()
    if pytorch_setup is not None:
        pytorch_setup(torch)
    _, their_printed = _run_theirs(program, name, monkeypatch, torch, draws, same_start, in_float64, show_tensors)
    message = f"ours:\n{our_printed}\nPyTorch:\n{their_printed}"
    their_numbers = reported_numbers(their_printed, ignore_lines=ignore_lines, ignore_shapes=ignore_shapes)
    assert len(our_numbers) == len(their_numbers) >= fewest, message
    # each side is rounded to what it printed, by half the unit of its last digit at most: two numbers may also differ
    # by that (2.0655 printed as 2.066 and 2.0654 as 2.065: PyTorch's and our float32 steps differ in last bits)
    resolution = sum(np.array([printed_resolution(t) for t in _number_texts(
        text, ignore_lines=ignore_lines, ignore_shapes=ignore_shapes)]) for text in (our_printed, their_printed)) / 2
    close = np.abs(np.subtract(our_numbers, their_numbers)) <= 1.5e-4 + rtol * np.abs(their_numbers) + resolution
    if not close.all():
        np.testing.assert_allclose(our_numbers, their_numbers, rtol=rtol, atol=1.5e-4, err_msg=message)


def marked(programs, xfail):
    """The names of `programs` as pytest parameters, those in the dict `xfail` marked xfail(strict=True) with its
    reason."""
    return [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=xfail[name])) if name in xfail else name
            for name in programs]


def synthetic_text(lines=120, seed=1):
    """Short sentences from a tiny grammar: a corpus for programs that train on Shakespeare's (the GPT lecture,
    nanoGPT's shakespeare_char)."""
    rng = random.Random(seed)
    subjects = ["the cat", "a dog", "my friend", "the king", "our teacher", "the bird"]
    verbs = ["sees", "likes", "follows", "finds", "calls", "helps"]
    objects = ["the moon", "a river", "the queen", "her brother", "a small house", "the green tree"]
    return "".join(f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}.\n" for _ in range(lines))
