"""PyTorch's legacy `torch.autograd.profiler`: `profile(enabled=True, record_shapes=..., profile_memory=...)`, a
context manager whose results are those of `torch.profiler.profile` (`key_averages()`, `table()`,
`total_average()`, `self_cpu_time_total`, `function_events`, `export_chrome_trace()`), and `record_function`.

    with torch.autograd.profiler.profile(record_shapes=True) as prof:
        model(x).sum().backward()
    print(prof.key_averages().table(sort_by="self_cpu_time_total"))

What is recorded, and the event names: see `autograd_core.profiler`.
"""

from __future__ import annotations

import warnings

from ..profiler import _Results, _refuse_compile_replay
from ..profiler.events import EventList, FunctionEvent, FunctionEventAvg
from ..profiler.recording import Recording, record_function

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]


class profile(_Results):
    """The legacy profiler: with `enabled`, records the calling thread's operations, backward nodes and
    `record_function` blocks between `__enter__` and `__exit__` (record_shapes, profile_memory as in
    `torch.profiler.profile`); disabled, it records nothing. use_cuda=True warns, as PyTorch's CPU build does, that
    CUDA is not available. with_stack, with_flops, with_modules: as in `torch.profiler.profile` (stacks,
    `export_stacks`, FLOPs, module hierarchies). use_kineto and the rest: accepted, not recorded."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None,
                 post_processing_timeout_s=None):
        self.enabled = enabled
        self.record_shapes, self.profile_memory = bool(record_shapes), bool(profile_memory)
        self.with_stack, self.with_flops, self.with_modules = bool(with_stack), bool(with_flops), bool(with_modules)
        self._recording = None
        self._events = None
        if enabled and use_cuda:
            warnings.warn("The attribute `use_cuda` will be deprecated soon, please use ``use_device = 'cuda'`` "
                          "instead.", FutureWarning, stacklevel=2)
        if enabled and (use_cuda or use_device not in (None, "cpu")):
            warnings.warn(f"{(use_device or 'cuda').upper()} is not available, disabling "
                          f"{(use_device or 'cuda').upper()} profiling", UserWarning, stacklevel=2)

    def __enter__(self):
        if self.enabled:
            if self._recording is not None:
                raise RuntimeError("profiler context manager is not reentrant")
            _refuse_compile_replay()
            self._recording = Recording(self.record_shapes, self.profile_memory, self.with_stack, self.with_flops,
                                        self.with_modules)
            self._recording.start()
        return self

    def __exit__(self, *exc):
        if self._recording is not None:
            recording, self._recording = self._recording, None
            self._events = recording.stop()
        return False

    def __repr__(self):
        return "<unfinished torch.autograd.profile>" if self._events is None else repr(self._events)
