"""Threads: large kernels split their batch across a few threads (PyTorch's `set_num_threads`), and the backward
pass sets a convolution's weight gradient aside on one while it goes on (`run_aside`, at the end of this module).

    autograd_core.set_num_threads(1)     # everything in the calling thread, as before
    autograd_core.get_num_threads()      # default: OMP_NUM_THREADS if set, else the CPUs this process may use

Why threads work here: NumPy releases the GIL inside its loops (copies, ufuncs, reductions, matrix products),
so two halves of a batch convolved in two threads run on two cores at once; only the Python between those
loops takes turns. A kernel opts in through `split_batch`, giving the size of the largest array it fills:
parts are made only when each would get at least `MIN_WORK` elements of it, so small calls (and every scalar
graph) stay in the calling thread and pay nothing. A kernel that names its call site times its split calls
against serial ones and runs serially where that has been faster (`should_split`: on some hosts, or under load,
a second thread costs more than it saves). Results do not depend on the number of threads, bit for bit: each
part writes its own samples' rows of arrays the caller allocated, and sums over the batch are taken afterwards in
the calling thread.
"""

from __future__ import annotations

import contextvars
import operator
import os
import threading
from time import perf_counter as _clock

import numpy as np

# Elements of the largest array a kernel fills per part (its column matrix, or its input). Handing a part to
# another thread costs ~20 µs, and more while the two threads take turns at the GIL between NumPy calls: measured
# on 2 cores, a convolution gained from two parts at 480,000 column elements (1.3×) and lost below ~250,000
# (100,000 and 60,000 made no difference to bench_conv's CNN once a part's hand-over had become cheaper).
MIN_WORK = 200_000

_lock = threading.Lock()
_state = {"threads": None, "idle": [], "pool_threads": 0}  # idle: pool threads free to take a part
_local = threading.local()  # .worker: this thread is one of the pool's (its kernels run serially)


def _after_fork_in_child():
    """A forked child has none of the pool's threads, and `_lock` is held forever if another thread of the parent
    held it at the fork (a split call reserving threads): start afresh."""
    global _lock
    _lock = threading.Lock()
    _state.update(idle=[], pool_threads=0)


if hasattr(os, "register_at_fork"):  # wherever there is fork
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _default_threads():
    env = os.environ.get("OMP_NUM_THREADS", "").strip()  # PyTorch reads it too
    if env.isdigit() and int(env) >= 1:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def get_num_threads():
    """The number of threads a large kernel (convolution, pooling) and the backward pass's work set aside (a
    convolution's weight gradient) may use; 1 means the calling thread only. Each still runs in the calling thread
    where that has been the faster way for it (autograd_core.threads.should_split)."""
    threads = _state["threads"]
    if threads is None:
        threads = _state["threads"] = _default_threads()
    return threads


def set_num_threads(num):
    """Use up to `num` threads (an int >= 1) in large kernels and the backward pass's work set aside, from now on, in
    every thread of this process.

    Unlike torch.set_num_threads, this leaves NumPy's BLAS (matrix products) alone: OpenBLAS reads
    OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) once, at start-up; the threadpoolctl package can change it later."""
    count = None
    if not isinstance(num, (bool, np.bool_)):  # asked first: NumPy 2.2 warns when operator.index is given a np.bool
        try:
            count = operator.index(num)  # an int, or a NumPy integer
        except TypeError:
            pass
    if count is None or count < 1:
        raise ValueError(f"set_num_threads: the number of threads must be an int >= 1, got {num!r}")
    with _lock:
        _state["threads"] = count


class _Worker:
    """A pool thread that runs one part at a time, handed to it through two locks: no queue and no future, so a part
    starts and reports back sooner than through concurrent.futures (a two-part call with nothing to do: 22 µs against
    32 back to back, 32 against 45 after 2 ms idle, on this project's 2-core VM; a CNN step makes nine such calls)."""

    def __init__(self):
        self._go, self._done = threading.Lock(), threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._body = self._part = self._error = None
        self._aside = False  # running a `run_aside` call: it goes back to the idle threads by itself
        threading.Thread(target=self._run, name="autograd_core_worker", daemon=True).start()

    def start(self, body, part):
        self._body, self._part = body, part
        self._go.release()

    def finish(self):
        """Wait until the part is done; return the exception it raised, or None. The wait outlasts Ctrl-C (raised here
        afterwards): the part writes into the caller's arrays, and this thread is free for the next part only then."""
        interrupted = None
        while True:
            try:
                self._done.acquire()
                break
            except BaseException as error:  # KeyboardInterrupt while waiting
                interrupted = error
        error, self._error = self._error, None
        if interrupted is not None:
            raise interrupted
        return error

    def _run(self):
        _local.worker = True  # kernels called by a part run serially here
        while True:
            self._go.acquire()
            body, part = self._body, self._part
            self._body = self._part = None
            try:
                body(part)
            except BaseException as error:
                self._error = error
            # Let go of body (and of the arrays its closure holds) before the caller learns that the part is done, so
            # the caller's thread drops the last references itself: the arrays are freed by the thread that made them.
            body = part = None
            if self._aside:  # no one waits on _done: the Aside was told (and its error kept) by the call itself
                self._aside = False
                _release([self])
            else:
                self._done.release()


def _claim(k):
    """Up to k idle pool threads, reserved for the caller until `_release`: the pool grows to k threads if it is
    smaller; while other split calls hold some of them, or when no thread can be started, fewer (a nested or
    concurrent call may get none, and runs serially). A forked child starts a pool of its own: threads do not
    survive fork."""
    with _lock:
        idle = _state["idle"]
        taken = idle[len(idle) - min(k, len(idle)):]
        del idle[len(idle) - len(taken):]
        for _ in range(min(k - len(taken), k - _state["pool_threads"])):
            try:
                taken.append(_Worker())
            except RuntimeError:  # no new thread (at interpreter shutdown, or a limit reached): fewer parts
                break
            _state["pool_threads"] += 1
        return taken


def _release(workers):
    with _lock:
        _state["idle"].extend(workers)


def parts_for(n, work):
    """How many parts `split_batch(n, body, work)` makes: 1 (the calling thread alone) for small work, one thread
    allowed, or a call from inside a pool thread."""
    if work < 2 * MIN_WORK or getattr(_local, "worker", False):
        return 1  # the first test alone decides for small kernels, which are most calls
    return max(1, min(get_num_threads(), n, work // MIN_WORK))


def split_batch(n, body, work):
    """Call body(part) for slices `part` of range(n) that together cover it, in parallel when worth it.

    n:    the batch size; work: the elements of the largest array the call fills (its column matrix, say).
    body: writes the results of samples `part` into rows of arrays allocated beforehand (each part its own
          rows, so the parts never write the same memory) and returns nothing.
    Up to get_num_threads() parts, each with at least MIN_WORK of the work; otherwise (or inside a pool thread, so that
    nested kernels never wait on the pool they run in, or while other split calls hold every pool thread) body(slice(0,
    n)) in the calling thread.
    The calling thread runs the first part itself. If a part raises, the others still finish before the
    exception propagates (they write into the caller's arrays).
    """
    parts = parts_for(n, work)
    workers = _claim(parts - 1) if parts > 1 else []
    if not workers:
        body(slice(0, n))
        return
    parts = len(workers) + 1
    bounds = [n * k // parts for k in range(parts + 1)]
    started = []
    try:
        for k, worker in enumerate(workers, 1):
            worker.start(body, slice(bounds[k], bounds[k + 1]))
            started.append(worker)
        body(slice(bounds[0], bounds[1]))
    finally:
        try:
            errors = _finish(started)
        finally:
            _release(workers)  # even after Ctrl-C: every part is done by then
    for error in errors:
        if error is not None:
            raise error


# ----------------------------------------------------------------------------------------------------
# Whether splitting pays, measured. On some hosts a kernel split in two is slower than on one thread: its parts take
# turns at the GIL between their NumPy calls, and each turn waits for the other vCPU to wake (measured on a 2-core
# Intel VM: W3's first convolution 0.40 ms on one thread, 0.61 on two); on a loaded machine the second core is
# busy anyway. So a kernel may time its split calls against serial ones, per call site and size, and take the
# faster. The results are the same bits either way (the kernels' contract), so the choice changes only the speed.

ADAPTIVE = True  # False: a kernel splits whenever parts_for allows (tests that need the parts set it)
SAMPLES = 5  # wall times kept per call site and way; their median decides
EXPLORE = 32  # every EXPLORE-th call at a site runs the other way, so that a change of load is noticed
_MAX_SITES = 256
_timings = {}  # key -> _Timings


class _Timings:
    """Recent wall times of one call site, run serially and split, and how many calls it had."""

    __slots__ = ("serial", "split", "calls")

    def __init__(self):
        self.serial, self.split, self.calls = [], [], 0


def _median(samples):
    ordered = sorted(samples)
    return ordered[len(ordered) // 2]


def should_split(key):
    """Whether the split call site `key` (hashable: the kernel and its sizes) should run in parts this time: yes
    while either way has fewer than three timings (alternating), then the way with the lower median wall time,
    except every EXPLORE-th call, which runs the other way. Always yes when ADAPTIVE is False."""
    if not ADAPTIVE:
        return True
    timings = _timings.get(key)
    if timings is None:
        if len(_timings) >= _MAX_SITES:
            _timings.clear()
        timings = _timings[key] = _Timings()
    timings.calls += 1
    if len(timings.split) < 3 or len(timings.serial) < 3:
        return len(timings.split) <= len(timings.serial)
    faster = _median(timings.split) < _median(timings.serial)
    return faster != (timings.calls % EXPLORE == 0)


def record(key, split, seconds):
    """Note that call site `key` took `seconds` (wall clock), run in parts if `split`, else serially."""
    timings = _timings.get(key)
    if timings is not None:
        samples = timings.split if split else timings.serial
        samples.append(seconds)
        if len(samples) > SAMPLES:
            del samples[0]


def _finish(workers):
    """Wait for every part to be done (even after Ctrl-C, raised once all are); the errors they raised, or None."""
    errors, interrupted = [], None
    for worker in workers:
        try:
            errors.append(worker.finish())
        except BaseException as error:  # finish() waited all the same
            interrupted = error
    if interrupted is not None:
        raise interrupted
    return errors


# ----------------------------------------------------------------------------------------------------
# Work set aside: one call run on a pool thread while the calling thread goes on (inter-op parallelism). The backward
# pass hands a convolution's weight gradient to a pool thread and goes on down the graph: the parameter's gradient is
# first needed when the pass reaches the parameter, at its end (engine.py). Whether that pays is measured per call site,
# as for split kernels: where the calling thread's wait for the result (plus the hand-over) has been longer than the
# call itself takes in the calling thread (a busy second core), the call runs there.


class Aside:
    """The result of a call given to `run_aside`: `result()` waits for it if it runs on a pool thread (and raises what
    the call raised); `wait()` waits and drops it. The pool thread goes back to the idle ones as soon as the call
    ends."""

    __slots__ = ("_done", "_value", "_error", "_key", "_spent")

    def __init__(self, key=None, value=None):
        self._done = threading.Lock()
        self._value, self._error, self._key, self._spent = value, None, key, 0.0

    def _run(self, call):
        context, function = call
        try:
            self._value = context.run(function)
        except BaseException as error:
            self._error = error
        finally:
            self._done.release()

    def result(self):
        """The call's result, once it has ended (the wait outlasts Ctrl-C, raised afterwards, as `split_batch`'s)."""
        start, interrupted = _clock(), None
        while True:
            try:
                self._done.acquire()
                break
            except BaseException as error:
                interrupted = error
        self._done.release()  # (a second call returns at once)
        if interrupted is not None:
            raise interrupted
        if self._error is not None:
            raise self._error
        key, self._key = self._key, None
        if key is not None:  # set aside: what it cost the calling thread, the hand-over and the wait
            record(key, True, self._spent + _clock() - start)
        value, self._value = self._value, None
        return value

    def __add__(self, other):
        """result() + other: a backward pass adding a second gradient to a leaf's first, set aside."""
        return self.result() + other

    def wait(self):
        """Wait for the call to end, dropping its result or exception (a pass that failed)."""
        self._key = None
        try:
            self.result()
        except Exception:
            pass


def run_aside(function, key):
    """function() (no arguments), run on an idle pool thread while the caller goes on, or in the calling thread where
    that has been the faster way for call site `key` (hashable; `should_split`'s choice, timed on the calling thread
    either way); an `Aside` holding its result. None, and nothing is called, where one thread is allowed
    (`set_num_threads(1)`) or the caller is a pool thread: the caller then calls function itself. On a pool thread the
    call runs in a copy of the caller's context (NumPy's error state, grad mode, name scopes), its kernels serial."""
    if getattr(_local, "worker", False) or get_num_threads() < 2:
        return None
    start = _clock()
    workers = _claim(1) if should_split(key) else None
    if not workers:  # serial has been faster here (or every pool thread is busy): in this thread, timed
        aside = Aside(None, function())
        if workers is None:
            record(key, False, _clock() - start)
        return aside
    aside, worker = Aside(key), workers[0]
    aside._done.acquire()
    worker._aside = True
    worker.start(aside._run, (contextvars.copy_context(), function))
    aside._spent = _clock() - start
    return aside
