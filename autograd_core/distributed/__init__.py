"""Data-parallel training across processes and machines, on MPI (PyTorch's `torch.distributed` names).

    mpiexec -n 4 python train.py            # 4 processes ("ranks") on this machine

    from autograd_core import distributed as dist
    dist.init()                              # world size 1, without MPI, when not started by mpiexec
    rank, world = dist.get_rank(), dist.get_world_size()
    dist.all_reduce(array, op=dist.ReduceOp.AVG)   # in place, on every rank

Collectives work in place on NumPy arrays (or on a `Value`'s data), like torch's on tensors, and every
rank must call the same collectives in the same order. MPI comes from `mpi4py` (pip install
"autograd-core[distributed]" installs it with MPICH); importing autograd_core never needs it, and a script
run without `mpiexec` is a world of one process in which every collective returns at once.

Failures end the whole job instead of hanging it (see `init`): an uncaught exception on any rank prints its
traceback and aborts every rank (MPI_Abort, exit status 1); a rank waiting in a collective that another
rank will never join (because it finished, or took fewer steps) raises an error that names both.
"""

from __future__ import annotations

import atexit
import enum
import os
import pickle
import sys
import time

import numpy as np

__all__ = [
    "ReduceOp", "Work", "init", "init_process_group", "destroy_process_group", "is_initialized", "is_available",
    "get_rank", "get_world_size", "all_reduce", "broadcast", "barrier", "all_gather", "all_gather_object",
    "DistributedSampler",
]

# Environment variables by which launchers tell a process its place in a job: MPICH/Intel MPI (PMI),
# Open MPI, PMIx, Slurm's srun.
_LAUNCHER_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS")
_FINISHED = 7  # tag of the "this rank has finished" message on the control communicator
DEFAULT_TIMEOUT = 1800.0  # seconds a collective may wait for the other ranks (PyTorch's default, 30 min)


class ReduceOp(enum.Enum):
    """How `all_reduce` combines the ranks' arrays elementwise."""

    SUM = "sum"
    AVG = "avg"  # the sum divided by the world size (float arrays only)
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"


class _World:
    """The job this process belongs to: its MPI communicators, rank and size, and the collectives started."""

    def __init__(self, MPI, timeout):
        self.MPI = MPI
        self.comm = None if MPI is None else MPI.COMM_WORLD.Dup()     # the collectives
        self.control = None if MPI is None else MPI.COMM_WORLD.Dup()  # failure notices, never mixed with data
        self.rank = 0 if MPI is None else self.comm.Get_rank()
        self.size = 1 if MPI is None else self.comm.Get_size()
        self.timeout = float(timeout)
        self.collectives = 0  # how many collectives this rank has started: compared when ranks disagree
        self.finished = {}    # rank -> its number of collectives, for the ranks known to have finished


_WORLD = None


def launched_by_mpiexec():
    """True when an MPI launcher (mpiexec, mpirun, srun) started this process."""
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


def is_available():
    """True when mpi4py can be imported (the `distributed` extra is installed)."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def init(timeout=DEFAULT_TIMEOUT):
    """Join the job that `mpiexec` started (a world of one process without it); safe to call again.

    timeout: seconds a collective waits for the other ranks before raising TimeoutError (a rank that
             waits this long almost always means the ranks took different paths through the code).

    On a world of more than one rank, init also installs the failure handling: an uncaught exception
    prints its traceback (prefixed with the rank) and aborts every rank with exit status 1 (sys.excepthook
    calls MPI_Abort), and at exit each rank tells the others it has finished, so a rank still waiting in a
    collective raises an error naming the rank that left instead of hanging.
    """
    global _WORLD
    if _WORLD is not None:
        return
    if not launched_by_mpiexec():
        _WORLD = _World(None, timeout)
        return
    try:
        from mpi4py import MPI
    except ImportError:
        raise ImportError("distributed.init: this process was started by an MPI launcher, but mpi4py is not "
                          "installed: pip install 'autograd-core[distributed]'") from None
    _WORLD = _World(MPI, timeout)
    if _WORLD.size > 1:
        _install_failure_handling()


def init_process_group(backend="mpi", init_method=None, timeout=DEFAULT_TIMEOUT, world_size=-1, rank=-1, **_):
    """PyTorch's spelling of `init`, for scripts written for torch.distributed. The launcher decides the world
    here: `backend` and `init_method` are ignored, and a `world_size` or `rank` must agree with mpiexec's."""
    init(timeout.total_seconds() if hasattr(timeout, "total_seconds") else timeout)
    for name, given, actual in (("world_size", world_size, _WORLD.size), ("rank", rank, _WORLD.rank)):
        if given not in (-1, None) and given != actual:
            raise ValueError(f"init_process_group: {name}={given}, but mpiexec started this process with "
                             f"{name} {actual}")


def destroy_process_group():
    """Wait for every rank (PyTorch scripts end with it); MPI itself shuts down when the process exits."""
    if _WORLD is not None:
        barrier()


def is_initialized():
    return _WORLD is not None


def _world():
    if _WORLD is None:
        raise RuntimeError("distributed: call autograd_core.distributed.init() first")
    return _WORLD


def get_rank():
    """This process's number in the job, 0 ... world size - 1 (0 when not started by mpiexec)."""
    return _world().rank


def get_world_size():
    """How many processes take part (1 when not started by mpiexec)."""
    return _world().size


# ----------------------------------------------------------------------------------------------------
# Collectives. Each starts a non-blocking MPI operation and returns a `Work`; the blocking form waits on it.


class Work:
    """A collective in flight. `wait()` blocks until this rank's part is done (then the array holds the
    result); `is_completed()` asks without blocking."""

    def __init__(self, requests, what, finish=None):
        self._requests, self._what, self._finish = requests, what, finish
        self._done = not requests
        if self._done and finish is not None:
            finish()

    def is_completed(self):
        if not self._done and _WORLD.MPI.Request.Testall(self._requests):
            self._complete()
        return self._done

    def wait(self):
        if not self._done:
            _wait_all(self._requests, self._what)
            self._complete()
        return True

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()


def _wait_all(requests, what, others_may_finish=False):
    """Wait for MPI requests; raise instead of hanging when another rank has left or the timeout passes.

    Polls rather than blocking in MPI_Waitall, so that it can notice a rank that has finished (unless
    `others_may_finish`: at exit, where they do). It asks again
    at once for ~50 µs (a fast answer), then yields the core to other processes between questions (ranks
    often outnumber cores), and after 10 ms sleeps up to 1 ms between them.
    """
    world = _WORLD
    MPI = world.MPI
    testall = MPI.Request.Testall
    if testall(requests):
        return
    start = time.monotonic()
    polls = 0
    while not testall(requests):
        polls += 1
        waited = time.monotonic() - start
        if waited < 5e-5:
            continue
        if waited < 1e-2:
            _yield()
        else:
            time.sleep(min(1e-3, waited / 100))
        if polls % 64:
            continue
        status = MPI.Status()
        if not others_may_finish and world.control.Iprobe(source=MPI.ANY_SOURCE, tag=_FINISHED, status=status):
            other = status.Get_source()
            count = world.finished[other] = world.control.recv(source=other, tag=_FINISHED)
            if count >= world.collectives:
                continue  # it took part in this collective (done on its side, not yet on ours) and then left
            raise RuntimeError(
                f"{what} on rank {world.rank}: rank {other} has already finished, after {count} collective "
                f"operations, while this rank waits in its collective number {world.collectives}: the ranks "
                "did not take the same number of steps (give each the same number of batches, e.g. with "
                "DistributedSampler, and call the same collectives on every rank)")
        if waited > world.timeout:
            raise TimeoutError(
                f"{what} on rank {world.rank}: the other ranks did not join within {world.timeout:g} s "
                "(do all ranks run the same collectives in the same order?)")


_yield = getattr(os, "sched_yield", lambda: time.sleep(0))


def _buffer_of(tensor, what):
    """The ndarray behind `tensor` (an ndarray or a Value), which a collective may overwrite in place."""
    data = getattr(tensor, "data", None) if not isinstance(tensor, np.ndarray) else tensor
    if isinstance(data, np.ndarray):
        if not data.flags.writeable:
            raise ValueError(f"{what}: the array is read-only; it is changed in place")
        return data
    if isinstance(data, np.generic):  # a 0-d Value holds a NumPy scalar: use a 0-d array and put it back
        return None
    raise TypeError(f"{what}: expected a NumPy array or a Value, got {type(tensor).__name__} "
                    "(wrap a number as np.array(x) and read the result from it)")


def _in_place(tensor, what):
    """(contiguous buffer to send and receive, function that copies the result back into `tensor`)."""
    data = _buffer_of(tensor, what)
    if data is None:
        buf = np.array(tensor.data)

        def put_back():
            tensor.data = buf[()]
        return buf, put_back
    if data.flags.c_contiguous:
        return data, None
    buf = np.ascontiguousarray(data)
    return buf, lambda: np.copyto(data, buf)


def all_reduce(tensor, op=ReduceOp.SUM, async_op=False):
    """Combine `tensor` elementwise across all ranks, in place: afterwards every rank holds the result.

    tensor: an ndarray (any shape, the same shape and dtype on every rank) or a Value (its data).
    op:     ReduceOp.SUM, AVG (float arrays), MAX, MIN or PRODUCT.
    Returns None, or a `Work` to wait on when async_op=True (the array must not be touched meanwhile).
    """
    what = "all_reduce"
    world = _world()
    op = ReduceOp(op)
    buf, put_back = _in_place(tensor, what)
    if op is ReduceOp.AVG and buf.dtype.kind not in "fc":
        raise TypeError(f"all_reduce: ReduceOp.AVG needs a float array, got dtype {buf.dtype}")
    finish = put_back
    if world.size == 1:
        work = Work([], what, finish)
        return work if async_op else None
    MPI = world.MPI
    mpi_op = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX, ReduceOp.MIN: MPI.MIN,
              ReduceOp.PRODUCT: MPI.PROD}[op]
    if op is ReduceOp.AVG:
        def finish():
            np.divide(buf, world.size, out=buf)
            if put_back is not None:
                put_back()
    world.collectives += 1
    work = Work([world.comm.Iallreduce(MPI.IN_PLACE, buf, op=mpi_op)], what, finish)
    if async_op:
        return work
    work.wait()
    return None


def broadcast(tensor, src=0, async_op=False):
    """Copy `tensor` from rank `src` into the same-shaped `tensor` of every other rank, in place."""
    what = "broadcast"
    world = _world()
    if not 0 <= src < world.size:
        raise ValueError(f"broadcast: src={src} is not a rank of this world of {world.size}")
    buf, put_back = _in_place(tensor, what)
    if world.size == 1:
        work = Work([], what, put_back)
    else:
        world.collectives += 1
        work = Work([world.comm.Ibcast(buf, root=src)], what, put_back)
    if async_op:
        return work
    work.wait()
    return None


def barrier():
    """Wait until every rank has reached this call."""
    world = _world()
    if world.size > 1:
        world.collectives += 1
        _wait_all([world.comm.Ibarrier()], "barrier")


def all_gather(tensor_list, tensor):
    """Fill `tensor_list` (a list of world-size arrays) with `tensor` of every rank, in rank order.

    The same shape and dtype on every rank; the list's entries may be None (new arrays are made) or
    arrays to overwrite. For differently shaped data (metrics of any kind), use `all_gather_object`.
    """
    world = _world()
    data = np.ascontiguousarray(tensor.data if hasattr(tensor, "data") and not isinstance(tensor, np.ndarray)
                                else tensor)
    if len(tensor_list) != world.size:
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} entries; the world has {world.size} ranks")
    gathered = np.empty((world.size,) + data.shape, dtype=data.dtype)
    if world.size == 1:
        gathered[0] = data
    else:
        world.collectives += 1
        _wait_all([world.comm.Iallgather(data, gathered)], "all_gather")
    for i in range(world.size):
        if tensor_list[i] is None:
            tensor_list[i] = gathered[i].copy()
        else:
            np.copyto(_buffer_of(tensor_list[i], "all_gather"), gathered[i])


def all_gather_object(object_list, obj):
    """Fill `object_list` (world-size entries) with the picklable `obj` of every rank, in rank order.

    For metrics: `losses = [None] * world; dist.all_gather_object(losses, loss)`. Only for objects from
    the ranks of your own job: the bytes are unpickled.
    """
    world = _world()
    if len(object_list) != world.size:
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} entries; the world has "
                         f"{world.size} ranks")
    if world.size == 1:
        object_list[0] = obj
        return
    payload = np.frombuffer(pickle.dumps(obj), dtype=np.uint8)
    lengths = np.zeros(world.size, dtype=np.int64)
    world.collectives += 1
    _wait_all([world.comm.Iallgather(np.array([payload.size], dtype=np.int64), lengths)], "all_gather_object")
    received = np.empty(int(lengths.sum()), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    world.collectives += 1
    _wait_all([world.comm.Iallgatherv(payload, [received, lengths, offsets, world.MPI.BYTE])], "all_gather_object")
    for i in range(world.size):
        object_list[i] = pickle.loads(received[offsets[i]:offsets[i] + lengths[i]].tobytes())


# ----------------------------------------------------------------------------------------------------
# Failure handling: one rank's error ends the whole job, with that rank's traceback.


def _install_failure_handling():
    previous = sys.excepthook

    def abort_all_ranks(kind, value, traceback):
        world = _WORLD
        # The error itself first, on one line: mpiexec forwards output asynchronously, and the abort below can
        # cut off what was written last (the end of a long traceback).
        sys.stderr.write(f"[rank {world.rank} of {world.size}] uncaught {kind.__name__}: {value}\n"
                         f"[rank {world.rank} of {world.size}] aborting every rank; the traceback follows\n")
        sys.stderr.flush()
        previous(kind, value, traceback)
        sys.stderr.flush()
        sys.stdout.flush()
        time.sleep(0.5)  # let the launcher forward the traceback before the abort tears the job down
        world.MPI.COMM_WORLD.Abort(1)

    sys.excepthook = abort_all_ranks
    atexit.register(_announce_finish)


def _announce_finish():
    """At a normal exit: tell every other rank that this one is done, then wait until all of them are."""
    world = _WORLD
    if world is None or world.size == 1:
        return
    sends = [world.control.isend(world.collectives, dest=r, tag=_FINISHED)
             for r in range(world.size) if r != world.rank]
    try:
        _wait_all([world.control.Ibarrier()], "finishing", others_may_finish=True)
    except (RuntimeError, TimeoutError) as err:
        sys.stderr.write(f"[rank {world.rank} of {world.size}] {err}\n")
        sys.stderr.flush()
        world.MPI.COMM_WORLD.Abort(1)
    world.MPI.Request.Waitall(sends)
    # Every rank has finished: had one of them started a different number of collectives, they were paired
    # wrongly somewhere (e.g. one rank ran an extra all_reduce that another rank's barrier completed).
    counts = {r: world.finished[r] if r in world.finished else world.control.recv(source=r, tag=_FINISHED)
              for r in range(world.size) if r != world.rank}
    counts[world.rank] = world.collectives
    if len(set(counts.values())) > 1:
        sys.stderr.write(f"[rank {world.rank} of {world.size}] the ranks ran different numbers of collective "
                         f"operations: {dict(sorted(counts.items()))} (rank: count)\n")
        sys.stderr.flush()
        os._exit(1)


from .sampler import DistributedSampler  # noqa: E402, F401  (after the functions it calls)
