"""Run by tests/test_distributed.py under `mpiexec -n N`: one scenario per launch, several checks per scenario.

    mpiexec -n 2 python tests/distributed_worker.py train      # DDP equals one process on the joined batches
    mpiexec -n 2 python tests/distributed_worker.py raise      # rank 1 raises: the job must end, non-zero

Each check compares this rank's result with a reference computed in the same process (one model trained on
the concatenation of every rank's batches), raises AssertionError on a difference (which aborts the job), and
rank 0 prints "ok <check>" lines that the test reads.
"""

from __future__ import annotations

import contextlib
import sys
import time

import numpy as np

from autograd_core import distributed as dist
from autograd_core import nn, optim
from autograd_core.nn import functional as F
from autograd_core.nn.parallel import DistributedDataParallel

STEPS = 20
BATCH = 3  # per rank and step


def mlp(seed, dtype, hidden=16):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(5, hidden, rng=rng, dtype=dtype), nn.Tanh(),
                         nn.Linear(hidden, 3, rng=rng, dtype=dtype))


def cnn(seed, dtype):
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, rng=rng, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, padding=1, rng=rng, dtype=dtype), nn.ReLU(),
        nn.Flatten(), nn.Linear(6 * 4 * 4, 3, rng=rng, dtype=dtype),
    )


def cnn_bn(seed, dtype):
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        # no bias before a BatchNorm: its gradient would be rounding noise, which Adam turns into full steps
        nn.Conv2d(1, 4, 3, padding=1, bias=False, rng=rng, dtype=dtype), nn.BatchNorm2d(4, dtype=dtype), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 6, bias=False, rng=rng, dtype=dtype),
        nn.BatchNorm1d(6, dtype=dtype), nn.Tanh(), nn.Linear(6, 3, rng=rng, dtype=dtype),
    )


def data(kind, dtype, world, steps=STEPS, batch=BATCH, seed=1):
    """x (steps, world * batch, ...) and labels (steps, world * batch): each step's batch of all ranks."""
    rng = np.random.default_rng(seed)
    shape = (5,) if kind == "mlp" else (1, 8, 8)  # cnn, cnn_bn
    x = rng.normal(size=(steps, world * batch) + shape).astype(dtype)
    y = rng.integers(0, 3, size=(steps, world * batch))
    return x, y


def optimizer(name, params):
    if name == "sgd":
        return optim.SGD(params, lr=0.05, momentum=0.9)
    return optim.Adam(params, lr=0.01)


def relative_error(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / max(np.max(np.abs(np.asarray(b))), 1e-30))


def check_training(kind, opt_name, dtype, rank, world, accumulate=1):
    """DDP over `world` ranks (buckets of a few hundred bytes, so several) against one process on the joined
    batches. With accumulate=k, each step is k micro-batches: k - 1 backward passes inside no_sync()."""
    make = {"mlp": mlp, "cnn": cnn, "cnn_bn": cnn_bn}[kind]
    x, y = data(kind, dtype, world * accumulate)
    model = make(seed=100 + rank, dtype=dtype)  # different on every rank: DDP must copy rank 0's
    if kind == "cnn_bn":  # batch statistics over all ranks: equal to one process's BatchNorm on the joined batch
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        assert isinstance(model[1], nn.SyncBatchNorm) and isinstance(model[6], nn.SyncBatchNorm)
    ddp = DistributedDataParallel(model, bucket_cap_mb=0.0005)
    assert len(ddp._buckets) > 1
    reference = make(seed=100, dtype=dtype)
    opt, ref_opt = optimizer(opt_name, ddp.parameters()), optimizer(opt_name, reference.parameters())
    for step in range(STEPS):
        opt.zero_grad()
        for micro in range(accumulate):
            lo = (micro * world + rank) * BATCH
            syncing = micro == accumulate - 1
            started = dist._WORLD.collectives
            with contextlib.nullcontext() if syncing else ddp.no_sync():
                loss = F.cross_entropy(ddp(x[step, lo:lo + BATCH]), y[step, lo:lo + BATCH]) * (1.0 / accumulate)
                loss.backward()
            sent = dist._WORLD.collectives - started
            if kind != "cnn_bn":  # (SyncBatchNorm and the buffers' broadcast communicate too)
                assert sent == (len(ddp._buckets) if syncing else 0), f"{sent} all-reduces (syncing={syncing})"
        opt.step()
        ref_opt.zero_grad()
        F.cross_entropy(reference(x[step]), y[step]).backward()
        ref_opt.step()
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        error = relative_error(p.data, q.data)
        assert error <= tolerance, f"{kind}/{opt_name}/{np.dtype(dtype)}: {name} differs by {error:.3g} (rank {rank})"
        assert p.data.dtype == dtype
    for (name, a), b in zip(model.named_buffers(), reference.buffers()):
        error = relative_error(a, b)
        assert error <= tolerance, f"{kind}/{opt_name}/{np.dtype(dtype)}: buffer {name} differs by {error:.3g}"
    # the replicas are equal bit for bit
    for p in model.parameters():
        gathered = [None] * world
        dist.all_gather(gathered, p.data)
        assert all(np.array_equal(gathered[0], g) for g in gathered)
    return f"{kind} {opt_name} {np.dtype(dtype)} accumulate={accumulate}"


def check_collectives(rank, world):
    a = np.full(4, rank + 1.0)
    dist.all_reduce(a)
    assert np.all(a == world * (world + 1) / 2), a
    b = np.full((2, 3), float(rank))
    dist.all_reduce(b, op=dist.ReduceOp.AVG)
    assert np.allclose(b, (world - 1) / 2)
    c = np.array([rank, -rank], dtype=np.int64)
    dist.all_reduce(c, op=dist.ReduceOp.MAX)
    assert c.tolist() == [world - 1, 0]
    s = np.ones((3, 4))[:, ::2] * rank  # not contiguous: reduced through a copy, written back
    dist.all_reduce(s)
    assert np.all(s == world * (world - 1) / 2)
    from autograd_core import Value

    v = Value(float(rank))  # a 0-d Value: its data (a NumPy scalar) is replaced
    dist.all_reduce(v, op=dist.ReduceOp.MAX)
    assert float(v.data) == world - 1
    w = np.arange(5.0) * (rank + 1)
    dist.broadcast(w, src=world - 1)
    assert np.all(w == np.arange(5.0) * world)
    gathered = [None] * world
    dist.all_gather(gathered, np.array([rank, rank * 10]))
    assert [g.tolist() for g in gathered] == [[r, r * 10] for r in range(world)]
    objects = [None] * world
    dist.all_gather_object(objects, {"rank": rank, "loss": 0.5 * rank})
    assert objects == [{"rank": r, "loss": 0.5 * r} for r in range(world)]
    dist.barrier()
    return "collectives"


def check_sampler(rank, world):
    for n, drop_last in ((10, False), (10, True), (2, False)):
        sampler = dist.DistributedSampler(n, shuffle=True, seed=3, drop_last=drop_last)
        sampler.set_epoch(1)
        shards = [None] * world
        dist.all_gather_object(shards, list(sampler))
        lengths = {len(s) for s in shards}
        assert len(lengths) == 1, shards
        seen = sorted(i for s in shards for i in s)
        if drop_last:
            assert len(set(seen)) == len(seen) == n // world * world
        else:
            assert set(seen) == set(range(n)) and len(seen) == -(-n // world) * world
    return "sampler"


def check_hooks_go_with_the_wrapper(rank, world):
    import gc
    import weakref

    from autograd_core.value_hooks import HOOKED_LEAVES

    model = mlp(0, np.float64)
    ddp = DistributedDataParallel(model)
    assert all(p in HOOKED_LEAVES and p._hooks for p in model.parameters())
    alive = weakref.ref(ddp)
    del ddp
    gc.collect()
    assert alive() is None and not any(p in HOOKED_LEAVES or p._hooks for p in model.parameters())
    return "hooks go with the wrapper"


def scenario_train(rank, world):
    yield check_collectives(rank, world)
    yield check_sampler(rank, world)
    yield check_hooks_go_with_the_wrapper(rank, world)
    for kind in ("mlp", "cnn"):
        for opt_name in ("sgd", "adam"):
            for dtype in (np.float64, np.float32):
                if kind == "cnn" and dtype == np.float32 and world > 2:
                    continue  # keep the 3-rank launch short; float32 CNN runs on 2 ranks
                yield check_training(kind, opt_name, dtype, rank, world)
    yield check_training("cnn_bn", "sgd", np.float64, rank, world)
    yield check_training("cnn_bn", "adam", np.float32, rank, world)
    yield check_training("mlp", "sgd", np.float64, rank, world, accumulate=3)
    yield check_training("cnn", "adam", np.float64, rank, world, accumulate=2)


def scenario_raise(rank, world):
    if rank == 1:
        time.sleep(0.2)
        raise ValueError("boom on purpose on rank 1")
    dist.barrier()  # rank 1 never comes: without the abort this would wait forever
    yield "finished (should not happen)"


def scenario_extra_step(rank, world):
    model = DistributedDataParallel(mlp(0, np.float64))
    x, y = data("mlp", np.float64, world)
    for step in range(3 + (rank == world - 1)):  # the last rank takes one step more
        F.cross_entropy(model(x[step % STEPS, :BATCH]), y[step % STEPS, :BATCH]).backward()
    yield "finished (should not happen)"


def scenario_timeout(rank, world):
    if rank == 1:
        time.sleep(20)  # busy elsewhere, not finished: only the timeout can end rank 0's wait
    dist.barrier()
    yield "finished (should not happen)"


def scenario_shapes(rank, world):
    DistributedDataParallel(mlp(0, np.float64, hidden=16 + (rank == 1)))
    yield "finished (should not happen)"


def main(name):
    dist.init(timeout=1.0 if name == "timeout" else 60)
    rank, world = dist.get_rank(), dist.get_world_size()
    for done in globals()[f"scenario_{name}"](rank, world):
        if rank == 0:
            print("ok", done, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
