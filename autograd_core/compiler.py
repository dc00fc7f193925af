"""PyTorch's `torch.compiler` functions, over `autograd_core.compile` (jit.py).

    @torch.compiler.disable
    def log_stats(x): ...                 # always runs as Python: a compiled function that calls it runs eagerly

    if not torch.compiler.is_compiling(): ...
"""

from __future__ import annotations

import functools
import sys

__all__ = ["allow_in_graph", "cudagraph_mark_step_begin", "disable", "is_compiling", "is_dynamo_compiling", "reset"]


def _jit():
    """The compiler's module if something has loaded it (nothing compiles before that), else None."""
    return sys.modules.get("autograd_core.jit")


def is_compiling():
    """True while this thread runs a call that `compile` records (PyTorch's: while Dynamo traces it), False when it
    runs eagerly or outside any compiled function. Code that skips work when it is True skips it in the recorded
    calls, hence in every replay, as in PyTorch's compiled graphs."""
    jit = _jit()
    return jit is not None and jit._recording_here() is not None


is_dynamo_compiling = is_compiling


def disable(fn=None, recursive=True, *, reason=None):
    """PyTorch's `@torch.compiler.disable`: `fn` always runs as the Python it is. A compiled function that calls it
    while being recorded runs eagerly (with a CompileWarning naming `fn`, an error with fullgraph=True), where
    PyTorch breaks the graph around the call: the same numbers. Usable as `@disable` and `@disable(reason=...)`.
    recursive: accepted (what `fn` calls runs eagerly either way)."""
    if fn is None:
        return functools.partial(disable, recursive=recursive, reason=reason)
    why = f"it calls {getattr(fn, '__qualname__', fn)!r}, marked torch.compiler.disable" + (
        f" ({reason})" if reason else "")

    @functools.wraps(fn)
    def disabled(*args, **kwargs):
        jit = _jit()
        if jit is not None:
            jit.not_replayable(why)
        return fn(*args, **kwargs)

    return disabled


def allow_in_graph(fn):
    """PyTorch's `torch.compiler.allow_in_graph`: `fn` itself. A recording here sees the operations inside any
    function, so there is nothing to allow."""
    return fn


def reset():
    """PyTorch's `torch.compiler.reset()`: every compiled function forgets its recordings and programs; their next
    calls are recorded anew."""
    jit = _jit()
    if jit is not None:
        jit.forget_all_recordings()


def cudagraph_mark_step_begin():
    """PyTorch's marker between steps for CUDA graphs (mode="reduce-overhead"): nothing to do on the CPU."""
