"""PyTorch's torch.jit names around TorchScript, which is not part of this library (a compiler of models to a
Python-free program, saved as an archive): models run as Python here, and `autograd_core.compile` replays a
training step. What code written for TorchScript touches still works:

- `script`, `trace`, `save`, `load` and building a `ScriptModule` raise NotImplementedError saying so and what to
  do instead; `freeze` and `optimize_for_inference`, which take a ScriptModule, raise PyTorch's RuntimeError for
  anything else (there is never one here);
- the questions library code asks answer no (`is_scripting`, `is_tracing`), and the decorators and annotations
  leave functions and values as they are (`ignore`, `unused`, `export`, `script_method`, `script_if_tracing`,
  `interface`, `annotate`, `Final`, `Attribute`);
- `fork(fn, *args)` runs fn at once and returns a completed `torch.futures.Future`; `wait(future)` is its value;
- `isinstance(obj, List[int])` checks containers as TorchScript's refinement does (inner types of empty containers
  are not checked, as PyTorch's eager mode);
- the exception and warning classes exist for `except` clauses and warning filters (`Error`, `TracerWarning`,
  `TracingCheckError`, `ScriptWarning`), and the executor switches are kept (`optimized_execution`, `fuser`,
  `set_fusion_strategy`, `enable_onednn_fusion`).
"""

from __future__ import annotations

import collections
import contextlib
import typing
import warnings
from typing import Final  # noqa: F401  (torch.jit.Final: a class constant, `x: torch.jit.Final[int] = 3`)

from .futures import Future

__all__ = ["Attribute", "Error", "Final", "Future", "ScriptFunction", "ScriptModule", "ScriptWarning",
           "TracerWarning", "TracingCheckError", "annotate", "enable_onednn_fusion", "export", "fork", "freeze",
           "fuser", "ignore", "interface", "is_scripting", "is_tracing", "isinstance", "load",
           "onednn_fusion_enabled", "optimize_for_inference", "optimized_execution", "save", "script",
           "script_if_tracing", "script_method", "set_fusion_strategy", "strict_fusion", "trace", "unused", "wait"]

_builtin_isinstance = isinstance

_NO_TORCHSCRIPT = ("TorchScript is not part of autograd_core: models run as Python. autograd_core.compile(step) "
                   "replays a training step without the graph's Python objects; save weights with "
                   "torch.save(model.state_dict(), path)")


def script(obj, *args, **kwargs):
    """PyTorch's `torch.jit.script`: raises NotImplementedError (no TorchScript here; see `compile`)."""
    raise NotImplementedError(f"torch.jit.script: {_NO_TORCHSCRIPT}")


def trace(func, *args, **kwargs):
    """PyTorch's `torch.jit.trace`: raises NotImplementedError (no TorchScript here; see `compile`)."""
    raise NotImplementedError(f"torch.jit.trace: {_NO_TORCHSCRIPT}")


def save(m, f, _extra_files=None):
    """PyTorch's `torch.jit.save` of a ScriptModule: raises NotImplementedError (there is none here)."""
    raise NotImplementedError(f"torch.jit.save: {_NO_TORCHSCRIPT}")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """PyTorch's `torch.jit.load` of a TorchScript archive: raises NotImplementedError (TorchScript programs cannot
    run here; a state dict saved with torch.save loads with autograd_core.load)."""
    raise NotImplementedError(f"torch.jit.load: {_NO_TORCHSCRIPT}")


def is_scripting():
    """False: code never runs under TorchScript here (PyTorch's `torch.jit.is_scripting`)."""
    return False


def is_tracing():
    """False: code never runs under a TorchScript trace here (PyTorch's `torch.jit.is_tracing`)."""
    return False


def ignore(fn=None, **kwargs):
    """PyTorch's `@torch.jit.ignore` (also `@torch.jit.ignore(drop=True)`): the function as it is."""
    return fn if fn is not None else (lambda f: f)


unused = export = ignore


def script_method(fn):
    """PyTorch's `@torch.jit.script_method` (methods of a ScriptModule subclass): the function as it is."""
    return fn


def script_if_tracing(fn):
    """PyTorch's `@torch.jit.script_if_tracing`: the function as it is (never traced here)."""
    return fn


def interface(obj):
    """PyTorch's `@torch.jit.interface` (a TorchScript interface type): the class as it is."""
    return obj


def annotate(the_type, the_value):
    """`the_value`: PyTorch's type hint for TorchScript (`x = torch.jit.annotate(List[int], [])`) changes nothing
    in Python."""
    return the_value


class Attribute(collections.namedtuple("Attribute", ["value", "type"])):
    """PyTorch's `torch.jit.Attribute(value, type)`: a TorchScript attribute's value and type; in Python, the pair."""

    __slots__ = ()


class Error(Exception):
    """PyTorch's `torch.jit.Error`: an error raised inside a TorchScript program (never, here)."""


class TracerWarning(Warning):
    """PyTorch's warning about code a trace cannot follow (never issued here; for warning filters)."""

    @staticmethod
    def ignore_lib_warnings():
        """Ignore TracerWarnings raised by this library's own modules (PyTorch's, for torch's)."""
        warnings.filterwarnings("ignore", category=TracerWarning, module="autograd_core.(?!jit)")


class ScriptWarning(Warning):
    """PyTorch's warning from the TorchScript compiler (never issued here)."""


class TracingCheckError(Exception):
    """PyTorch's error of a trace whose check runs disagree (never raised here), with PyTorch's message."""

    def __init__(self, graph_diff_error, tensor_compare_error, extra_msg=None):
        self.message = "Tracing failed sanity checks!\n"
        if extra_msg is not None:
            self.message += extra_msg + "\n"
        if graph_diff_error is not None:
            self.message += "ERROR: Graphs differed across invocations!\n" + _indent(graph_diff_error) + "\n"
        if tensor_compare_error is not None:
            self.message += ("ERROR: Tensor-valued Constant nodes differed in value across invocations. This often "
                             "indicates that the tracer has encountered untraceable code.\n"
                             + _indent(tensor_compare_error) + "\n")
        super().__init__(self.message)


def _indent(text):
    return "\n".join("\t" + line for line in text.splitlines())


class ScriptModule:
    """PyTorch's compiled module class. None exists here: `isinstance(m, torch.jit.ScriptModule)` is False for
    every model, and making one (or a subclass, TorchScript's older style) raises NotImplementedError: subclass
    nn.Module instead and drop @torch.jit.script_method."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(f"torch.jit.ScriptModule: {_NO_TORCHSCRIPT}. Subclass nn.Module instead (its "
                                  "@torch.jit.script_method decorators may stay: they change nothing here)")


class ScriptFunction:
    """PyTorch's compiled function class: none exists here (`isinstance(f, torch.jit.ScriptFunction)` is False)."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(f"torch.jit.ScriptFunction: {_NO_TORCHSCRIPT}")


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """PyTorch's `torch.jit.freeze` of a ScriptModule: RuntimeError (PyTorch's) for anything else, which is every
    module here."""
    raise RuntimeError("Freezing expects a ScriptModule as input. Please use torch.jit.script or torch.jit.trace to "
                       "script your 'nn.Module'.")


def optimize_for_inference(mod, other_methods=None):
    """PyTorch's `torch.jit.optimize_for_inference` of a ScriptModule: RuntimeError (PyTorch's) for anything else,
    which is every module here."""
    raise RuntimeError("optimize_for_inference expects a ScriptModule as input. Please use torch.jit.script or "
                       "torch.jit.trace to script your 'nn.Module'.")


def fork(func, *args, **kwargs):
    """Run func(*args, **kwargs) now and return a completed Future holding its result (PyTorch's `torch.jit.fork`
    outside TorchScript also runs it at once); an exception func raises propagates from here, as in PyTorch."""
    future = Future()
    future.set_result(func(*args, **kwargs))
    return future


def wait(future):
    """The value of `future` (PyTorch's `torch.jit.wait`), waiting for it to complete."""
    return future.wait()


def isinstance(obj, target_type):  # noqa: A001  (PyTorch's name)
    """Whether `obj` is of `target_type`, which may be a container type as TorchScript writes them: List[int],
    Dict[str, Tensor], Tuple[int, str], Optional[T], Union[...]. An empty list or dict matches any inner type (PyTorch
    warns that eager mode cannot tell, and so does this)."""
    origin, args = typing.get_origin(target_type), typing.get_args(target_type)
    if origin is None:
        return _builtin_isinstance(obj, target_type)
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return any(isinstance(obj, option) for option in args)
    if origin in (list, dict, tuple) and not _builtin_isinstance(obj, origin):
        return False
    if origin is list:
        _warn_if_empty(obj)
        return all(isinstance(item, args[0]) for item in obj) if args else True
    if origin is dict:
        _warn_if_empty(obj)
        return all(isinstance(k, args[0]) and isinstance(v, args[1]) for k, v in obj.items()) if args else True
    if origin is tuple:
        if not args:
            return True
        # Tuple[int, ...] is not TorchScript's: PyTorch compares it as the 2-tuple (int, Ellipsis), and so does this
        return len(obj) == len(args) and all(isinstance(item, kind) for item, kind in zip(obj, args))
    return _builtin_isinstance(obj, origin)


def _warn_if_empty(container):
    if not container:
        warnings.warn("The inner type of a container is lost when calling torch.jit.isinstance in eager mode. For "
                      "example, List[int] would become list and therefore falsely return True for List[float] or "
                      "List[str].", stacklevel=3)


_EXECUTOR = {"optimize": True, "onednn_fusion": False, "fusion_strategy": [("STATIC", 2), ("DYNAMIC", 10)]}


@contextlib.contextmanager
def optimized_execution(should_optimize):
    """PyTorch's switch of TorchScript's executor optimisations, for a block: kept, unused."""
    previous, _EXECUTOR["optimize"] = _EXECUTOR["optimize"], should_optimize
    try:
        yield
    finally:
        _EXECUTOR["optimize"] = previous


@contextlib.contextmanager
def fuser(name):
    """PyTorch's choice of TorchScript fuser for a block ("fuser0" ... "fuser3", "none"): nothing is fused here;
    another name raises PyTorch's Exception."""
    if name not in ("fuser0", "fuser1", "fuser2", "fuser3", "none"):
        raise Exception(f"unrecognized fuser option (name: {name})")  # PyTorch's type  # noqa: TRY002
    yield


def set_fusion_strategy(strategy):
    """Keep TorchScript's fusion strategy (a list of ("STATIC" or "DYNAMIC", depth)); returns the previous one."""
    previous, _EXECUTOR["fusion_strategy"] = _EXECUTOR["fusion_strategy"], list(strategy)
    return previous


def enable_onednn_fusion(enabled):
    """Keep PyTorch's oneDNN-fusion switch (unused: there is no oneDNN here)."""
    _EXECUTOR["onednn_fusion"] = bool(enabled)


def onednn_fusion_enabled():
    """The switch enable_onednn_fusion set (False at first)."""
    return _EXECUTOR["onednn_fusion"]


class strict_fusion:  # noqa: N801  (PyTorch's name)
    """PyTorch's `with torch.jit.strict_fusion():` (fail unless a TorchScript region fuses): nothing to check here."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
