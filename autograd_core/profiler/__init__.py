"""PyTorch's `torch.profiler` for this engine: which primitive's forward and which backward rule take the time.

    from autograd_core.profiler import profile, record_function, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True, profile_memory=True) as prof:
        with record_function("model_inference"):
            loss = loss_fn(model(x), y)
        loss.backward()
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
    prof.export_chrome_trace("trace.json")

What is recorded (recording.py): one event per operation run (`aten::mm`, `aten::tanh`, ...), one per node a backward
pass processes (`MmBackward0`, ...), one per `record_function` block, with CPU time (wall time of the thread), input
shapes (record_shapes) and the bytes of the result or of the gradients made (profile_memory); with_stack adds where the
user's code called each (`FunctionEvent.stack`, for `key_averages(group_by_stack_n=N)`, the table's "Source Location"
and `export_stacks`), with_flops the FLOPs PyTorch's formulas count (matrix products, linear, conv2d, `*`, `+`: the
table's "Total FLOPs"), with_modules the modules each ran in (`FunctionEvent.module_hierarchy`). Tables, averages and
the Chrome trace are PyTorch's (events.py). `schedule`, `on_trace_ready`, `step()` and `tensorboard_trace_handler`
follow PyTorch's semantics step for step.

Per thread, as PyTorch's: a profile records the thread that started it (ops run by other threads are not in it).
A compiled function (`autograd_core.compile`) called while profiling runs eagerly, so its operations are recorded; a
profile started inside a function being compiled makes that function run eagerly (with a CompileWarning). Profiling
never changes a number: the operations run as they do untraced. There is no accelerator: `ProfilerActivity.CUDA`
is accepted with PyTorch's CPU build's warning, and the device columns are absent (sorting by them sorts by zeros).
Profiles nested in one thread each record what runs inside them (the outer one the inner one's events too), where
PyTorch 2.13's outer profile loses its events. Not recorded: memory freed (PyTorch's negative "Self CPU Mem"), a
leaf's accumulation into `.grad`, PyTorch's Python-function events (with_stack's `nn.Module: Linear_0` rows).
"""

from __future__ import annotations

import enum
import os
import socket
import sys
import time
import warnings

from .events import EventList, FunctionEvent, FunctionEventAvg, UnknownSortKeyError
from .recording import Recording, record_function

__all__ = ["profile", "record_function", "schedule", "tensorboard_trace_handler", "ProfilerAction",
           "ProfilerActivity", "supported_activities", "EventList", "FunctionEvent", "FunctionEventAvg",
           "UnknownSortKeyError", "ScheduleError"]


class ProfilerActivity(enum.Enum):
    """What to profile, as PyTorch's: CPU (operations, backward nodes, record_function blocks); the device kinds are
    accepted and record nothing (there is no accelerator)."""

    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


def supported_activities():
    """The activities that record something here: {ProfilerActivity.CPU}."""
    return {ProfilerActivity.CPU}


class ProfilerAction(enum.Enum):
    """What a schedule asks of the profiler at a step: NONE (not recording), WARMUP (about to record: nothing kept),
    RECORD, RECORD_AND_SAVE (the cycle's last recorded step: `on_trace_ready` follows it)."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


class ScheduleError(ValueError, AssertionError):
    """A schedule with negative counts (an AssertionError too, as PyTorch raises)."""


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """PyTorch's `torch.profiler.schedule`: a function of the step number (from 0) giving a ProfilerAction.

    The first `skip_first` steps are NONE; then cycles of `wait` NONE steps, `warmup` WARMUP steps and `active`
    recorded steps, the last of which is RECORD_AND_SAVE (the profiler calls `on_trace_ready` after it); `repeat`
    cycles (0: as long as the profile runs), then NONE. `skip_first_wait` (nonzero) skips the first cycle's wait.
    wait, warmup, repeat and skip_first must be >= 0 and active > 0 (ScheduleError otherwise)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise ScheduleError(f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
                            f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
                            f"skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    cycle = wait + warmup + active

    def schedule_fn(step):
        if step < 0:
            raise ScheduleError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        position = step % cycle
        if position < wait:
            return ProfilerAction.NONE
        if position < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if position < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return schedule_fn


def _record_always(step):
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """An `on_trace_ready` that writes each trace to `dir_name` (created if missing) as
    `{worker_name}.{time.time_ns()}.pt.trace.json` (`.gz` with use_gzip), for TensorBoard's profiler plugin;
    worker_name defaults to `{hostname}_{pid}`."""
    def handler_fn(prof):
        nonlocal worker_name
        try:
            os.makedirs(dir_name, exist_ok=True)
        except OSError as err:
            raise RuntimeError(f"Can't create directory: {dir_name}") from err
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, file_name))

    return handler_fn


class _Results:
    """What both profilers show once recording has stopped: their events and PyTorch's views of them."""

    _events = None
    profile_memory = False

    def events(self):
        """The recorded events (an EventList of FunctionEvents, sorted by start time): the last cycle's."""
        if self._events is None:
            raise RuntimeError("profiler: no results yet (the profile has not stopped, or never recorded)")
        return self._events

    @property
    def function_events(self):
        """The recorded events (the legacy profiler's name for `events()`)."""
        return self.events()

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """The events averaged per name (and per input shapes with group_by_input_shape): an EventList of
        FunctionEventAvg, whose `table(sort_by=..., row_limit=...)` prints PyTorch's table."""
        return self.events().key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        """The table of the events one by one (not averaged): see EventList.table."""
        return self.events().table(sort_by, row_limit, max_src_column_width, max_name_column_width,
                                   max_shapes_column_width, header, top_level_events_only, time_unit)

    def total_average(self):
        """Every event added up, as one FunctionEventAvg with key "Total"."""
        return self.events().total_average()

    @property
    def self_cpu_time_total(self):
        """The sum of the events' self times, in microseconds."""
        return self.events().self_cpu_time_total

    def export_stacks(self, path, metric="self_cpu_time_total"):
        """Write the events' stacks to `path` as a flame-graph file (see EventList.export_stacks): one line per
        event, its frames outermost first joined by ";", then the metric in microseconds. Needs with_stack=True
        (AssertionError otherwise, as PyTorch's)."""
        events = self.events()
        if not getattr(self, "with_stack", False):
            raise AssertionError("export_stacks() requires with_stack=True")
        return events.export_stacks(path, metric)

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace JSON file (see EventList.export_chrome_trace; a path ending in .gz is
        written gzipped)."""
        if os.fspath(path).endswith(".gz"):
            import gzip
            import json

            from .events import write_atomically
            data = gzip.compress(json.dumps(self.events()._chrome_trace()).encode())
            return write_atomically(path, data)
        return self.events().export_chrome_trace(path)

    def __str__(self):
        return self.events().table() if self._events is not None else repr(self)


def _refuse_compile_replay():
    jit = sys.modules.get("autograd_core.jit")  # not loaded: no compile recording can be running
    if jit is not None:
        jit.not_replayable("torch.profiler.profile inside the function: a replay would run none of its Python, so "
                           "the profile would record nothing")


def _check_activities(activities, use_cuda):
    if activities is None:
        chosen = set(supported_activities())
    else:
        chosen = set()
        for item in activities:
            keys = item.keys() if isinstance(item, dict) else [item]
            for key in keys:
                if not isinstance(key, ProfilerActivity):
                    raise TypeError(f"profile: activities holds {key!r}, not a ProfilerActivity")
                chosen.add(key)
    if use_cuda is not None:
        warnings.warn("`use_cuda` is deprecated, use `activities` argument instead", FutureWarning, stacklevel=3)
        if use_cuda:
            chosen.add(ProfilerActivity.CUDA)
    if not chosen:
        raise ValueError("profile: no valid profiler activities found (activities is empty)")
    devices = chosen - {ProfilerActivity.CPU}
    if devices:  # what PyTorch's CPU build says, and does
        kind = "CUDA" if ProfilerActivity.CUDA in devices else sorted(d.name for d in devices)[0]
        warnings.warn(f"{kind} is not available, disabling {kind} profiling", UserWarning, stacklevel=3)
    return chosen


class profile(_Results):
    """PyTorch's `torch.profiler.profile`: a context manager (or `start()`/`stop()`) that records the operations,
    backward nodes and `record_function` blocks of the calling thread (see the module's docstring).

    record_shapes: keep each event's input shapes (for `key_averages(group_by_input_shape=True)`).
    profile_memory: keep the bytes each operation allocated for its result, each backward node for its gradients.
    schedule: step -> ProfilerAction (see `schedule`); the default records every step. With a schedule, each step
    is also a `ProfilerStep#N` event. `step()` ends a step; `step_num` counts them.
    on_trace_ready: called with the profiler at the end of each recorded cycle (and when the profile stops while
    recording); `events()`, `key_averages()` and `export_chrome_trace()` then show that cycle (all cycles so far
    with acc_events=True).
    with_stack: each event's `stack`, the user's source lines that led to it ("file(line): function", innermost
    first, autograd_core's own frames left out), for `key_averages(group_by_stack_n=N)`, the table's "Source
    Location" and `export_stacks`. with_flops: each event's `flops` (PyTorch's formulas; see recording.py), the
    table's "Total FLOPs" column; input shapes are recorded too. with_modules: each event's `module_hierarchy`
    (`TOP(Net)::forward.fc1(Linear)::forward.`). Each costs only the profiles that ask for it.
    experimental_config, execution_trace_observer: accepted, not recorded."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None, post_processing_timeout_s=None):
        self.activities = _check_activities(activities, use_cuda)
        self.record_shapes, self.profile_memory = bool(record_shapes), bool(profile_memory)
        self.with_stack, self.with_flops, self.with_modules = with_stack, with_flops, with_modules
        self.acc_events = acc_events
        self.schedule = schedule or _record_always
        self.record_steps = schedule is not None  # ProfilerStep#N events, as PyTorch's
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self._recording = None
        self._step_block = None
        self._events = None

    # -- what the actions do (PyTorch's prepare_trace, start_trace, stop_trace, trace_ready)
    def _prepare(self):
        self._recording = Recording(self.record_shapes, self.profile_memory, bool(self.with_stack),
                                    bool(self.with_flops), bool(self.with_modules))

    def _start_trace(self):
        if self._recording is None:
            self._prepare()
        _refuse_compile_replay()
        self._recording.start()

    def _stop_trace(self):
        if self._recording is None:
            return
        events, self._recording = self._recording.stop(), None
        if self.acc_events and self._events is not None:
            events = self._events._with(sorted([*self._events, *events], key=lambda e: e.start_ns))
        self._events = events

    def _trace_ready(self):
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def _transit(self, before, after):
        """PyTorch's action map: what moving from action `before` to `after` (None: the profile stops) does."""
        A = ProfilerAction
        recording = (A.RECORD, A.RECORD_AND_SAVE)
        if before is A.NONE:
            if after is A.WARMUP:
                self._prepare()
            elif after in recording:
                self._prepare()
                self._start_trace()
        elif before is A.WARMUP:
            if after in recording:
                self._start_trace()
            elif after is None or after is A.NONE:  # a warmup that was never recorded: an empty trace
                if after is A.NONE:
                    warnings.warn("Incorrect schedule: WARMUP followed by NONE", stacklevel=3)
                self._start_trace()
                self._stop_trace()
        elif before is A.RECORD:
            if after in (A.NONE, A.WARMUP):
                warnings.warn(f"Incorrect schedule: RECORD followed by {after.name}", stacklevel=3)
                self._stop_trace()
            elif after is None:
                self._stop_trace()
                self._trace_ready()
        elif before is A.RECORD_AND_SAVE:
            self._stop_trace()
            self._trace_ready()
            if after is A.WARMUP:
                self._prepare()
            elif after in recording:
                self._prepare()
                self._start_trace()

    def _enter_step_block(self):
        if self.record_steps:
            self._step_block = record_function(f"ProfilerStep#{self.step_num}")
            self._step_block.__enter__()

    def _exit_step_block(self):
        if self._step_block is not None:
            block, self._step_block = self._step_block, None
            block.__exit__(None, None, None)

    def start(self):
        """Begin profiling (as entering the `with` block does): the schedule's action for the current step."""
        self._transit(ProfilerAction.NONE, self.current_action)
        self._enter_step_block()

    def stop(self):
        """End profiling (as leaving the `with` block does): a recording cycle ends, and `on_trace_ready` runs."""
        self._exit_step_block()
        self._transit(self.current_action, None)

    def step(self):
        """Signal that the next step begins: the schedule's action for `step_num + 1` takes over."""
        self._exit_step_block()
        before = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit(before, self.current_action)
        self._enter_step_block()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
