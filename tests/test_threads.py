"""Intra-op threads (autograd_core.threads): the setting, how split_batch covers a batch, and the kernels that
split theirs (convolutions, max pooling) giving the one-thread results bit for bit."""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
import time
import warnings
import weakref

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import threads
from autograd_core.nn import im2col
from autograd_core.nn import max_pool_kernels as pool_kernels
from test_nn_conv_scratch import GEOMETRIES, kernels, problem


@pytest.fixture
def restore_threads():
    saved = threads._state["threads"]
    yield
    threads._state["threads"] = saved


@pytest.fixture
def split_everything(monkeypatch, restore_threads):
    """Split every batch of two or more samples into up to three parts, whatever its size; record the threads
    that ran parts of kernels (to show that the kernels did split)."""
    monkeypatch.setattr(threads, "MIN_WORK", 1)
    monkeypatch.setattr(threads, "ADAPTIVE", False)  # every kernel call splits, whichever way was faster so far
    ran_in = set()
    real = threads.split_batch

    def spy(n, body, work):
        def part(s):
            ran_in.add(threading.get_ident())
            body(s)
        real(n, part, work)

    monkeypatch.setattr(im2col, "split_batch", spy)  # the convolutions' and pooling's `_split` calls it
    return ran_in


# ----------------------------------------------------------------------------------------------------
# The setting.


def test_set_num_threads_round_trips_and_is_exported(restore_threads):
    ag.set_num_threads(3)
    assert ag.get_num_threads() == 3 == threads.get_num_threads()
    ag.set_num_threads(1)
    assert ag.get_num_threads() == 1
    ag.set_num_threads(np.int64(2))  # as torch.set_num_threads takes it
    assert ag.get_num_threads() == 2 and type(ag.get_num_threads()) is int


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, np.True_, "2", None, np.int32(0)])
@pytest.mark.filterwarnings("error")  # and says nothing else first (NumPy 2.2 warned at operator.index(np.True_))
def test_set_num_threads_rejects_what_is_not_a_positive_int(bad, restore_threads):
    before = ag.get_num_threads()
    with pytest.raises(ValueError, match="int >= 1"):
        ag.set_num_threads(bad)
    assert ag.get_num_threads() == before  # unchanged


def test_the_default_follows_omp_num_threads_like_pytorch(monkeypatch, restore_threads):
    threads._state["threads"] = None
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert ag.get_num_threads() == 3
    threads._state["threads"] = None
    monkeypatch.setenv("OMP_NUM_THREADS", "lots")  # not a number: the CPUs this process may use
    assert ag.get_num_threads() == threads._default_threads() >= 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert threads._default_threads() >= 1


# ----------------------------------------------------------------------------------------------------
# split_batch.


@pytest.mark.parametrize("n", [0, 1, 2, 5, 7, 64])
def test_split_batch_covers_the_batch_once_on_several_threads(n, monkeypatch, restore_threads):
    monkeypatch.setattr(threads, "MIN_WORK", 1)
    ag.set_num_threads(3)
    counts = np.zeros(n, int)
    parts = []

    def body(part):
        parts.append((threading.get_ident(), part))
        counts[part] += 1

    threads.split_batch(n, body, work=10 * n)
    assert (counts == 1).all()
    assert len(parts) == max(min(n, 3), 1)
    ran_in = {ident for ident, _ in parts}
    assert threading.get_ident() in ran_in  # the caller takes a part itself
    assert len(ran_in) == (2 if n >= 2 else 1) or len(ran_in) == 3  # a pool thread may take two parts


def test_small_work_and_one_thread_stay_in_the_calling_thread(monkeypatch, restore_threads):
    ran_in = []
    ag.set_num_threads(4)
    threads.split_batch(64, lambda part: ran_in.append((threading.get_ident(), part)), work=threads.MIN_WORK)
    ag.set_num_threads(1)
    threads.split_batch(64, lambda part: ran_in.append((threading.get_ident(), part)), work=10**12)
    assert ran_in == [(threading.get_ident(), slice(0, 64))] * 2


def test_a_split_inside_a_part_runs_serially_in_that_part(monkeypatch, restore_threads):
    """A kernel called from a pool thread never waits on the pool it runs in (no deadlock, one part)."""
    monkeypatch.setattr(threads, "MIN_WORK", 1)
    ag.set_num_threads(2)
    inner = []

    def body(part):
        threads.split_batch(8, lambda p: inner.append((threading.get_ident(), p, part.start)), work=100)

    threads.split_batch(2, body, work=100)
    by_outer = {start: [(ident, p) for ident, p, s in inner if s == start] for start in (0, 1)}
    main = threading.get_ident()
    assert len(by_outer[1]) == 1 and by_outer[1][0][0] != main and by_outer[1][0][1] == slice(0, 8)
    # The calling thread's own part may split again, onto pool threads that are free (none if the pool has only one).
    covered = np.zeros(8, int)
    for _, p in by_outer[0]:
        covered[p] += 1
    assert (covered == 1).all() and main in {ident for ident, _ in by_outer[0]}


@pytest.fixture
def fresh_timings(monkeypatch):
    """An empty table of split timings, restored afterwards; the choice made, as in use (ADAPTIVE on)."""
    monkeypatch.setattr(threads, "_timings", {})
    monkeypatch.setattr(threads, "ADAPTIVE", True)
    return threads._timings


def test_a_call_site_splits_only_while_splitting_has_been_faster(fresh_timings):
    """should_split alternates until each way has three timings, then takes the one with the lower median, except
    every EXPLORE-th call, which runs the other way (so that a change of load is noticed)."""
    site = ("kernel", 64, 10**6)
    ways = []
    for _ in range(6):
        split = threads.should_split(site)
        ways.append(split)
        threads.record(site, split, 2.0 if split else 1.0)  # splitting twice as slow
    assert ways == [True, False, True, False, True, False]
    later = [threads.should_split(site) for _ in range(2 * threads.EXPLORE)]
    assert later.count(True) == 2 and not later[0]  # serial, exploring the split twice
    for _ in range(threads.SAMPLES):  # splitting became faster (the machine got quiet)
        threads.record(site, True, 0.5)
    assert threads.should_split(site)
    assert threads.should_split(("another kernel", 64, 10**6))  # each site decides for itself


def test_a_kernel_whose_split_was_slower_runs_in_the_calling_thread_with_the_same_bits(fresh_timings,
                                                                                        monkeypatch,
                                                                                        restore_threads):
    monkeypatch.setattr(threads, "MIN_WORK", 1)
    ran_in = []
    real = threads.split_batch
    monkeypatch.setattr(im2col, "split_batch", lambda n, body, work: ran_in.append(n) or real(n, body, work))
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 2, 9, 9)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    geometry = ((1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    ag.set_num_threads(1)
    serial = im2col._conv2d_np(x, w, *geometry)
    ag.set_num_threads(2)
    site = ("conv2d", 6, 6 * 2 * 9 * 9 * 9)  # the kernel, its batch and its work (the column matrix)
    threads._timings[site] = timings = threads._Timings()
    timings.serial, timings.split = [1e-6] * 3, [1.0] * 3  # splitting far slower so far
    assert np.array_equal(im2col._conv2d_np(x, w, *geometry), serial)
    assert ran_in == [] and len(timings.serial) == 4  # ran serially, and was timed
    timings.serial, timings.split = [1.0] * 3, [0.5] * 3  # now splitting is faster
    assert np.array_equal(im2col._conv2d_np(x, w, *geometry), serial)
    assert ran_in == [6] and len(timings.split) == 4


def test_concurrent_split_calls_each_cover_their_batch(monkeypatch, restore_threads):
    """Split calls from several threads at once share the pool: each gets the pool threads that are free (or none,
    and runs serially), and every batch is covered exactly once."""
    monkeypatch.setattr(threads, "MIN_WORK", 1)
    ag.set_num_threads(3)
    pool_before = threads._state["pool_threads"]  # an earlier test in this process may have grown the pool
    counts = np.zeros((8, 40), int)

    def caller(i):
        for _ in range(20):
            def body(part):
                counts[i, part] += 1
                time.sleep(0.0005)
            threads.split_batch(40, body, work=400)

    callers = [threading.Thread(target=caller, args=(i,)) for i in range(8)]
    for t in callers:
        t.start()
    for t in callers:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in callers)
    assert (counts == 20).all()
    assert threads._state["pool_threads"] == max(pool_before, 2)  # grown to 2 at most, whatever the contention


def test_an_error_in_a_part_propagates_after_every_part_finished(monkeypatch, restore_threads):
    monkeypatch.setattr(threads, "MIN_WORK", 1)
    ag.set_num_threads(2)
    finished = []

    def body(part):
        if part.start == 0:
            raise ValueError("part 0 failed")
        time.sleep(0.05)
        finished.append(part)

    with pytest.raises(ValueError, match="part 0 failed"):
        threads.split_batch(4, body, work=100)
    assert finished == [slice(2, 4)]  # the other part had finished writing before the error reached us

    def body_worker_fails(part):
        if part.start:
            raise KeyError("part 1 failed")

    with pytest.raises(KeyError, match="part 1 failed"):
        threads.split_batch(4, body_worker_fails, work=100)


def _split_in_child(conn):
    threads.MIN_WORK = 1
    threads.set_num_threads(2)
    out = np.zeros(6)

    def body(part):
        out[part] = threading.get_ident()

    threads.split_batch(6, body, work=100)
    conn.send(len(set(out)))


def _split_in_forked_child(hung, during_fork=None):
    """Fork (inside `during_fork`) a child that makes a split call; fail with `hung` if it does not finish. Returns
    the child's exit code and the number of threads its parts ran on."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    with during_fork or contextlib.nullcontext(), warnings.catch_warnings():
        # Forking a process with threads is what is tested; Python 3.12+ warn that it "may lead to deadlocks".
        warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
        child = context.Process(target=_split_in_child, args=(send,))
        child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail(hung)
    return child.exitcode, receive.recv() if child.exitcode == 0 else None  # (a crashed child sent nothing)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform")
def test_a_forked_child_gets_a_pool_of_its_own(monkeypatch, restore_threads):
    """Threads do not survive fork: a child using the parent's pool would wait forever."""
    monkeypatch.setattr(threads, "MIN_WORK", 1)
    ag.set_num_threads(2)
    threads.split_batch(4, lambda part: None, work=100)  # the parent's pool exists
    assert _split_in_forked_child("the forked child hung on the parent's thread pool") == (0, 2)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform")
def test_a_child_forked_while_another_thread_reserves_pool_threads_does_not_hang(monkeypatch, restore_threads):
    """A fork copies the pool's lock in whatever state another thread left it: held, the child's first split call
    would wait forever."""
    monkeypatch.setattr(threads, "MIN_WORK", 1)
    ag.set_num_threads(2)
    # (holding the lock as a split call in another thread does for a moment)
    assert _split_in_forked_child("the forked child hung on the pool's lock", during_fork=threads._lock) == (0, 2)


# ----------------------------------------------------------------------------------------------------
# The kernels: split results equal the one-thread results, bit for bit.


@pytest.mark.parametrize("name", sorted(GEOMETRIES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_convolution_kernels_give_the_one_thread_results_bit_for_bit(name, dtype, split_everything):
    rng = np.random.default_rng(7)
    (x, w, b, g), geometry = problem(name, rng, dtype)
    ag.set_num_threads(1)
    serial = kernels(x, w, b, g, *geometry)
    ag.set_num_threads(3)
    split = kernels(x, w, b, g, *geometry)
    assert len(split_everything) > 1  # the kernels did run in parts on several threads
    for a, c in zip(serial, split):
        assert a.dtype == c.dtype and a.shape == c.shape and np.array_equal(a, c)


POOLS = {  # (x shape, kernel, stride, padding, dilation): disjoint, overlapping, padded, dilated windows
    "2x2": ((5, 3, 8, 8), (2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1)),
    "3x3_stride2_pad1": ((4, 2, 9, 7), (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)),
    "overlap_dilated": ((3, 2, 10, 9), (2, 3), (1, 2), ((0, 1), (1, 1)), (2, 1)),
}


@pytest.mark.parametrize("name", sorted(POOLS))
@pytest.mark.parametrize("with_nan", [False, True])
def test_max_pool_kernels_give_the_one_thread_results_bit_for_bit(name, with_nan, split_everything):
    shape, kernel, stride, padding, dilation = POOLS[name]
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, shape).astype(np.float32)  # ties: the first maximum must win in every part
    if with_nan:
        x[-1, 0, 1, 1] = np.nan

    def run():
        out = pool_kernels._max_np(x, kernel, stride, padding, dilation)
        g = np.arange(out.size, dtype=np.float32).reshape(out.shape)
        return out, pool_kernels._scatter_to_max(g, x, out, kernel, stride, padding, dilation)

    ag.set_num_threads(1)
    serial = run()
    ag.set_num_threads(3)
    split = run()
    assert len(split_everything) > 1
    for a, c in zip(serial, split):
        assert a.dtype == c.dtype and np.array_equal(a, c, equal_nan=True)


def test_a_cnn_training_step_gives_the_same_gradients_on_one_and_two_threads(split_everything):
    from autograd_core import Value, nn
    from autograd_core.nn import functional as F

    rng = np.random.default_rng(0)
    x = Value(rng.standard_normal((6, 2, 10, 10)).astype(np.float32))
    labels = rng.integers(0, 3, 6)

    def gradients():
        f32 = np.float32
        model = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, rng=1, dtype=f32), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(4, 5, 3, stride=2, rng=2, dtype=f32), nn.Flatten(),
                              nn.Linear(20, 3, rng=3, dtype=f32))
        F.cross_entropy(model(x), labels).backward()
        return [p.grad.copy() for p in model.parameters()]

    ag.set_num_threads(1)
    serial = gradients()
    ag.set_num_threads(2)
    split = gradients()
    assert len(split_everything) > 1
    assert all(np.array_equal(a, c) for a, c in zip(serial, split))


def test_a_compiled_cnn_step_on_two_threads_gives_eager_one_thread_numbers(split_everything):
    """compile replays the same kernels, which then split their batches too: its steps equal eager mode's steps
    on one thread, bit for bit."""
    from autograd_core import nn, optim
    from autograd_core.nn import functional as F

    def make():
        f32 = np.float32
        model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1, rng=4, dtype=f32), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(48, 4, rng=5, dtype=f32))
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, labels):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), labels)
            loss.backward()
            opt.step()
            return loss

        return model, step

    rng = np.random.default_rng(1)
    batches = [(rng.standard_normal((5, 1, 8, 8)).astype(np.float32), rng.integers(0, 4, 5)) for _ in range(4)]
    (m1, eager), (m2, step) = make(), make()
    compiled = ag.compile(step)
    for x, labels in batches:
        ag.set_num_threads(1)
        expected = eager(x, labels).data
        ag.set_num_threads(2)
        assert np.array_equal(compiled(x, labels).data, expected)
        assert all(np.array_equal(p.data, q.data) for p, q in zip(m1.parameters(), m2.parameters()))
    assert compiled.stats["replayed"] == 2 and len(split_everything) > 1


def test_growing_the_pool_keeps_its_threads(monkeypatch, restore_threads):
    """More threads allowed later: the pool adds threads to those it has, and every call still gets its parts run."""
    monkeypatch.setattr(threads, "MIN_WORK", 1)
    ag.set_num_threads(2)
    ran_in = set()
    threads.split_batch(8, lambda part: ran_in.add(threading.get_ident()), work=100)
    before = threads._state["pool_threads"]
    ag.set_num_threads(4)
    barrier = threading.Barrier(4, timeout=10)  # every part waits for the three others: four threads at once
    counts = np.zeros(8, int)

    def body(part):
        barrier.wait()
        counts[part] += 1
        ran_in.add(threading.get_ident())

    threads.split_batch(8, body, work=100)
    assert before >= 1 and threads._state["pool_threads"] == 3 and (counts == 1).all() and len(ran_in) == 4


def test_parts_use_rows_of_the_callers_scratch_buffers(split_everything):
    """A split call keeps no buffers in the pool threads: its parts write rows of the calling thread's buffers,
    which have the whole batch's size, as on one thread."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 2, 9, 9)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    im2col._clear_scratch()
    pool_threads_before = {ident for ident in split_everything}
    ag.set_num_threads(2)
    y = im2col._conv2d_np(x, w, (1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    workers = split_everything - pool_threads_before - {threading.get_ident()}
    assert workers  # a pool thread ran a part
    kept = {role: flat.size for (role, _), flat in im2col._local.buffers.items()}
    assert kept["columns"] >= 6 * 2 * 3 * 3 * 9 * 9  # the whole batch's column matrix

    def pool_thread_buffers():
        return len(getattr(im2col._local, "buffers", None) or {})

    in_pool_thread = []
    threads.split_batch(2, lambda part: part.start and in_pool_thread.append(pool_thread_buffers()), work=10**9)
    assert in_pool_thread == [0]
    ag.set_num_threads(1)
    assert np.array_equal(y, im2col._conv2d_np(x, w, (1, 1), ((1, 1), (1, 1)), (1, 1), 1))


def test_a_pool_thread_lets_go_of_the_body_before_the_part_is_reported_done(monkeypatch, restore_threads):
    """The arrays a part's closure holds are freed by the calling thread when it drops them, not later by a pool
    thread: once split_batch returns, no pool thread refers to the body any more."""
    monkeypatch.setattr(threads, "MIN_WORK", 1)
    ag.set_num_threads(2)

    class Body:
        def __call__(self, part):
            pass

    body = Body()
    alive = weakref.ref(body)
    threads.split_batch(4, body, work=100)
    del body
    assert alive() is None


class _Interrupted(Exception):
    pass


def test_an_interrupt_while_waiting_is_raised_once_every_part_is_done(monkeypatch, restore_threads):
    """Ctrl-C while the calling thread waits for a pool thread: the part goes on writing into the caller's arrays, so
    the wait goes on too, and the interrupt is raised after it; the pool thread is then free for the next call."""
    monkeypatch.setattr(threads, "MIN_WORK", 1)
    ag.set_num_threads(2)
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")

    def on_signal(signum, frame):
        raise _Interrupted()

    previous = signal.signal(signal.SIGUSR1, on_signal)
    finished = []
    try:
        def body(part):
            if part.start:
                time.sleep(0.2)
                finished.append(part)

        timer = threading.Timer(0.05, signal.pthread_kill, (threading.main_thread().ident, signal.SIGUSR1))
        timer.start()
        with pytest.raises(_Interrupted):
            threads.split_batch(4, body, work=100)
        timer.join()
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert finished == [slice(2, 4)]
    counts, ran_in = np.zeros(4, int), set()

    def count(part):
        time.sleep(0.01)  # long enough that the pool thread surely takes its part
        counts[part] += 1
        ran_in.add(threading.get_ident())

    threads.split_batch(4, count, work=100)  # the next call finds its pool thread back and ready, not a stale report
    assert (counts == 1).all() and len(ran_in) == 2


def test_a_pool_thread_that_cannot_start_leaves_the_call_serial(monkeypatch, restore_threads):
    """No new thread (interpreter shutdown, a process limit): the call runs in the calling thread, whole."""
    monkeypatch.setattr(threads, "MIN_WORK", 1)
    monkeypatch.setattr(threads, "_state", {"threads": 3, "idle": [], "pool_threads": 0, "pid": None})

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    ran_in = []
    threads.split_batch(6, lambda part: ran_in.append((threading.get_ident(), part)), work=100)
    assert ran_in == [(threading.get_ident(), slice(0, 6))] and threads._state["pool_threads"] == 0
