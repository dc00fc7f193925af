"""PyTorch's `torch.futures`: a Future, the result of work that completes later (`torch.jit.fork` returns one).

    fut = torch.jit.fork(model, x)      # here the work runs at once: the future is already complete
    y = fut.wait()                      # its value (or the exception the work raised)

A Future is completed once, by `set_result` or `set_exception` (from any thread); `wait()` blocks until then.
`then(callback)` chains a callback run with the completed future, whose result completes the returned future;
`collect_all` and `wait_all` gather several.
"""

from __future__ import annotations

import threading

__all__ = ["Future", "collect_all", "wait_all"]


class Future:
    """The result of asynchronous work: pending until `set_result` or `set_exception` completes it, once."""

    def __init__(self, *, devices=None):
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._value = self._exception = None
        self._callbacks = []

    def done(self):
        """Whether the future is complete (with a value or an exception)."""
        return self._done.is_set()

    def wait(self):
        """Block until complete, then return the value, or raise the exception it was completed with."""
        self._done.wait()
        if self._exception is not None:
            raise self._exception
        return self._value

    def value(self):
        """The value of a complete future (raises its exception; RuntimeError while it is pending)."""
        if not self.done():
            raise RuntimeError("Future.value(): the future is not complete yet; call wait() to block until it is")
        return self.wait()

    def then(self, callback):
        """A new future completed with callback(self) once this one completes (at once if it has). An exception
        raised by callback completes the new future with PyTorch's RuntimeError naming it."""
        chained = Future()

        def run(completed):
            try:
                chained.set_result(callback(completed))
            except Exception as err:  # noqa: BLE001  (handed to whoever waits on the chained future)
                chained.set_exception(RuntimeError(f"Got the following error when running the callback: "
                                                   f"{type(err).__name__}: {err}"))
        self.add_done_callback(run)
        return chained

    def add_done_callback(self, callback):
        """Call callback(self) once the future completes (at once if it has); its result is ignored."""
        with self._lock:
            if not self.done():
                self._callbacks.append(callback)
                return
        callback(self)

    def set_result(self, result):
        """Complete the future with `result` and run its callbacks; RuntimeError if it is already complete."""
        self._complete(result, None)

    def set_exception(self, result):
        """Complete the future with the exception `result` (AssertionError for anything else), raised by wait()."""
        if not isinstance(result, Exception):
            raise AssertionError(f"{result} is of type {type(result)}, not an Exception.")
        self._complete(None, result)

    def _complete(self, value, exception):
        with self._lock:
            if self.done():
                raise RuntimeError("Attempting to mark a completed Future as complete again. Note that a Future can "
                                   "only be marked completed once.")
            self._value, self._exception = value, exception
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)


def collect_all(futures):
    """A future completed, once every one of `futures` is, with the list of them."""
    collected = Future()
    futures = list(futures)
    remaining = [len(futures)]
    lock = threading.Lock()

    def one_done(_):
        with lock:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            collected.set_result(futures)
    if not futures:
        collected.set_result([])
    for future in futures:
        future.add_done_callback(one_done)
    return collected


def wait_all(futures):
    """Wait for each of `futures`; the list of their values (the first exception is raised)."""
    return [future.wait() for future in futures]
