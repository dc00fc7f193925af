"""torch.utils.benchmark's `Timer` and `Measurement`: time a statement as PyTorch's tutorials do
(`Timer(stmt="f(x)", globals=globals()).timeit(100)`, `.blocked_autorange()`), print the measurement in PyTorch's
layout and read `.times`, `.mean`, `.median`. Python statements only, timed with `timeit` in this thread; the
`num_threads` asked for is recorded, not set (this library's own thread pool is `set_num_threads`)."""

from __future__ import annotations

import statistics
import timeit as _timeit

__all__ = ["Timer", "Measurement"]


def _time_text(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.2f} {unit}"
    return f"{seconds / 1e-9:.2f} ns"


class Measurement:
    """The times of `number_per_run` runs of a statement, one entry of `times` (seconds per run) per measurement."""

    def __init__(self, number_per_run, raw_times, task_spec):
        self.number_per_run = number_per_run
        self.raw_times = list(raw_times)  # seconds for number_per_run runs, per measurement
        self.task_spec = task_spec

    @property
    def times(self):
        """Seconds per run, one entry per measurement."""
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def mean(self):
        return statistics.fmean(self.times)

    @property
    def median(self):
        return statistics.median(self.times)

    @property
    def iqr(self):
        times = sorted(self.times)
        if len(times) < 2:
            return 0.0
        quartiles = statistics.quantiles(times, n=4, method="inclusive")
        return quartiles[2] - quartiles[0]

    @property
    def title(self):
        return self.task_spec.get("label") or self.task_spec["stmt"]

    def __repr__(self):
        n = len(self.times)
        runs = f"{self.number_per_run} runs per measurement" if n > 1 else f"{self.number_per_run} runs "
        median = f"Median: {_time_text(self.median)}" if n > 1 else _time_text(self.median)
        return (f"<{type(self).__module__}.Measurement object at {id(self):#x}>\n{self.title}\n  {median}\n"
                f"  {n} measurement{'s' if n > 1 else ''}, {runs}, {self.task_spec['num_threads']} thread")


class Timer:
    """torch.utils.benchmark.Timer: `stmt` (run with `setup` first, in `globals`) timed by `timeit(number)` (one
    measurement of `number` runs) or `blocked_autorange(min_run_time)` (blocks of runs until that many seconds have
    passed). `label`, `sub_label`, `description`, `env` and `num_threads` are kept for the printed result."""

    def __init__(self, stmt="pass", setup="pass", global_setup="", timer=_timeit.default_timer, globals=None,
                 label=None, sub_label=None, description=None, env=None, num_threads=1, language="python"):
        if str(getattr(language, "name", language)).lower() != "python":
            raise ValueError("Timer: only Python statements can be timed here (language='python')")
        if global_setup:
            raise ValueError("global_setup is C++ only.")
        self._timer = _timeit.Timer(stmt=stmt, setup=setup, timer=timer, globals=dict(globals or {}))
        self._task_spec = {"stmt": stmt, "setup": setup, "label": label, "sub_label": sub_label,
                           "description": description, "env": env, "num_threads": num_threads}

    def timeit(self, number=1000000):
        """One measurement: the time of `number` runs of stmt (after one run to warm up)."""
        self._timer.timeit(number=1)
        return Measurement(number, [self._timer.timeit(number=number)], self._task_spec)

    def repeat(self, repeat=-1, number=-1):
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def blocked_autorange(self, callback=None, min_run_time=0.2):
        """Measurements of blocks of runs (each block about 0.01 s or longer) until min_run_time seconds have passed
        in them; `callback(number, seconds)` after each block."""
        number = 1
        while True:  # a block long enough that the clock's resolution does not matter
            seconds = self._timer.timeit(number=number)
            if seconds >= 0.01 or number >= 1 << 30:
                break
            number *= 10
        times, total = [], 0.0
        while total < min_run_time or len(times) < 3 and total < 10 * min_run_time:
            seconds = self._timer.timeit(number=number)
            if callback is not None:
                callback(number, seconds)
            times.append(seconds)
            total += seconds
        return Measurement(number, times, self._task_spec)

    def adaptive_autorange(self, threshold=0.1, *, min_run_time=0.01, max_run_time=10.0, callback=None):
        """blocked_autorange with min_run_time: this Timer does not stop early on a small spread."""
        return self.blocked_autorange(callback=callback, min_run_time=min_run_time)
