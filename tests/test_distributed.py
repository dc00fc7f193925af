"""Data-parallel training: autograd_core.distributed, nn.parallel.DistributedDataParallel, DistributedSampler.

The tests in one process check the parts that need no MPI (the sampler's shards, a world of one, the engine's
post-accumulate hooks). The others launch `mpiexec` on tests/distributed_worker.py, a few scenarios with many
checks each (a launch costs about a second): DDP on 2 and 3 ranks equals one process trained on the joined
batches, and failures end the job instead of hanging it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from autograd_core import Value
from autograd_core import distributed as dist
from autograd_core import engine, nn
from autograd_core.value_hooks import HOOKED_LEAVES
from autograd_core.nn import functional as F

WORKER = Path(__file__).with_name("distributed_worker.py")
ROOT = Path(__file__).resolve().parents[1]
needs_mpiexec = pytest.mark.needs("mpiexec")


def mpiexec(n, scenario, timeout=240, script=WORKER):
    """Run the worker's scenario (or `script` with arguments `scenario`) on n ranks; returns
    (exit status, stdout, stderr, seconds)."""
    if importlib.util.find_spec("mpi4py") is None:
        message = "mpi4py is not installed (pip install -e '.[distributed]'; bash scripts/test.sh installs it)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI: {message}", pytrace=False)
        pytest.skip(message)
    program = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
    command = [program, "-n", str(n)]
    version = subprocess.run([program, "--version"], capture_output=True, text=True).stdout
    if "Open MPI" in version or "OpenRTE" in version:
        command += ["--oversubscribe", "--allow-run-as-root"]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    start = time.monotonic()
    arguments = [scenario] if isinstance(scenario, str) else list(scenario)
    done = subprocess.run(command + [sys.executable, str(script)] + arguments, capture_output=True, text=True,
                          timeout=timeout, env=env)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


# ----------------------------------------------------------------------------------------------------
# Across processes.


@needs_mpiexec
@pytest.mark.parametrize("ranks", [2, 3])
def test_ddp_equals_one_process_on_the_joined_batches(ranks):
    status, out, err, _ = mpiexec(ranks, "train")
    assert status == 0, err[-3000:]
    lines = out.splitlines()
    assert "ok collectives" in lines and "ok sampler" in lines
    assert "ok mlp sgd float64 accumulate=1" in lines and "ok cnn adam float32 accumulate=1" in lines or ranks == 3
    assert "ok mlp sgd float64 accumulate=3" in lines and "ok cnn adam float64 accumulate=2" in lines
    assert "ok cnn_bn sgd float64 accumulate=1" in lines and "ok cnn_bn adam float32 accumulate=1" in lines
    assert "ok hooks go with the wrapper" in lines
    assert sum(line.startswith("ok ") for line in lines) == (15 if ranks == 2 else 13)


@needs_mpiexec
def test_a_rank_that_raises_ends_the_job():
    status, _, err, seconds = mpiexec(2, "raise", timeout=60)
    assert status != 0
    assert "boom on purpose on rank 1" in err and "[rank 1 of 2]" in err
    assert seconds < 30


@needs_mpiexec
def test_ranks_taking_different_numbers_of_steps_are_named():
    status, _, err, seconds = mpiexec(2, "extra_step", timeout=60)
    assert status != 0
    assert "rank 0 has already finished" in err and "did not take the same number of steps" in err
    assert seconds < 30


@needs_mpiexec
def test_a_collective_that_waits_longer_than_the_timeout_ends_the_job():
    status, _, err, seconds = mpiexec(2, "timeout", timeout=60)
    assert status != 0
    assert "TimeoutError: barrier on rank 0: the other ranks did not join within 1 s" in err
    assert seconds < 15  # rank 1 would sleep for 20 s


@needs_mpiexec
def test_models_that_differ_across_ranks_are_named():
    status, _, err, _ = mpiexec(2, "shapes", timeout=60)
    assert status != 0
    assert "rank 0 has '0.weight' of shape (5, 16)" in err or "rank 0 has '0.weight' of shape (16, 5)" in err
    assert "rank 1 has '0.weight'" in err


@pytest.mark.slow
@needs_mpiexec
def test_digits_example_on_two_ranks_resumes_from_a_checkpoint_and_reports_once(tmp_path):
    pytest.importorskip("sklearn", reason="the digits come from scikit-learn")
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    sys.path.insert(0, str(ROOT))
    from examples import train_digits_cnn

    checkpoint = tmp_path / "digits.npz"
    train_digits_cnn.train(epochs=1, progress=False, channels=(4, 8), max_train=128, checkpoint=checkpoint)
    argv = ["--distributed", "--channels", "4", "8", "--max-train", "128", "--no-progress", "--min-accuracy", "0",
            "--out", str(tmp_path), "--checkpoint", str(checkpoint), "--epochs", "2", "--resume"]
    status, out, err, _ = mpiexec(2, argv, script=ROOT / "examples" / "train_digits_cnn.py")
    assert status == 0, err[-3000:]
    assert out.count("digits CNN: 2 epochs") == 1  # rank 0 reports, the other rank is silent
    with np.load(checkpoint) as saved:  # rank 0 saved the second epoch, whole
        assert '"epochs_done": 2' in str(saved["meta"])
    assert not list(tmp_path.glob("*.partial*"))


def test_digits_example_resumed_from_a_checkpoint_ends_where_an_uninterrupted_run_ends(tmp_path, monkeypatch):
    pytest.importorskip("sklearn", reason="the digits come from scikit-learn")
    pytest.importorskip("tqdm")
    sys.path.insert(0, str(ROOT))
    from examples import train_digits_cnn

    settings = dict(epochs=3, seed=2, progress=False, channels=(4, 8), max_train=96)
    whole, history = train_digits_cnn.train(**settings)
    checkpoint = tmp_path / "digits.npz"
    save = train_digits_cnn.save_checkpoint
    monkeypatch.setattr(train_digits_cnn, "save_checkpoint",  # as if the run had stopped after epoch 2
                        lambda path, *args: save(path, *args) if args[3] <= 2 else None)
    train_digits_cnn.train(**settings, checkpoint=checkpoint)
    monkeypatch.undo()
    resumed, resumed_history = train_digits_cnn.train(**settings, checkpoint=checkpoint, resume=True)
    for p, q in zip(whole.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert resumed_history["test_accuracy"] == history["test_accuracy"]
    assert resumed_history["step_loss"] == history["step_loss"]


def test_importing_the_library_does_not_need_mpi():
    code = ("import sys; import autograd_core, autograd_core.nn, autograd_core.distributed; "
            "from autograd_core.nn.parallel import DistributedDataParallel; "
            "assert 'mpi4py' not in sys.modules, 'mpi4py was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, env={k: v for k, v in os.environ.items()
                                                                     if not k.startswith(("PMI", "OMPI", "PMIX"))})


# ----------------------------------------------------------------------------------------------------
# In one process.


@pytest.mark.parametrize("n, world", [(10, 3), (12, 4), (2, 3), (7, 1)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_shards_cover_the_data_set_once_per_epoch(n, world, drop_last):
    shards = [list(dist.DistributedSampler(n, num_replicas=world, rank=r, seed=5, drop_last=drop_last))
              for r in range(world)]
    assert len({len(s) for s in shards}) == 1  # the same number of steps on every rank
    seen = sorted(i for s in shards for i in s)
    if drop_last:
        assert len(seen) == len(set(seen)) == n // world * world
    else:
        assert set(seen) == set(range(n))  # every sample ...
        assert len(seen) == -(-n // world) * world  # ... once, plus the padding up to a multiple of world
        if n % world == 0:
            assert seen == list(range(n))


def test_sampler_reshuffles_with_set_epoch_and_agrees_across_ranks():
    a0 = dist.DistributedSampler(100, num_replicas=2, rank=0, seed=1)
    a1 = dist.DistributedSampler(100, num_replicas=2, rank=1, seed=1)
    first = list(a0)
    assert list(a0) == first  # the same epoch, the same order
    a0.set_epoch(1)
    a1.set_epoch(1)
    assert list(a0) != first
    assert sorted(list(a0) + list(a1)) == list(range(100))
    ordered = list(dist.DistributedSampler(10, num_replicas=2, rank=1, shuffle=False))
    assert ordered == [1, 3, 5, 7, 9]


def test_sampler_rejects_bad_arguments():
    with pytest.raises(ValueError, match="invalid rank 2"):
        dist.DistributedSampler(10, num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas"):
        dist.DistributedSampler(10, num_replicas=0, rank=0)


def test_dataloader_takes_a_sampler():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    sampler = dist.DistributedSampler(X, num_replicas=2, rank=1, shuffle=False)
    loader = nn.DataLoader(X, y, batch_size=2, sampler=sampler)
    assert len(loader) == 3
    batches = [yb.tolist() for _, yb in loader]
    assert batches == [[1, 3], [5, 7], [9]]
    with pytest.raises(ValueError, match="exclude each other"):
        nn.DataLoader(X, y, sampler=sampler, shuffle=True)
    from autograd_core.utils.data import DistributedSampler, TensorDataset

    assert DistributedSampler is dist.DistributedSampler  # where PyTorch users look for it
    loader = nn.DataLoader(TensorDataset(X, y), batch_size=2, sampler=sampler)
    assert [yb.data.tolist() for _, yb in loader] == [[1, 3], [5, 7], [9]]


def test_a_world_of_one_without_mpiexec():
    dist.init()
    assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    a = np.arange(3.0)
    assert dist.all_reduce(a, op=dist.ReduceOp.AVG) is None and a.tolist() == [0, 1, 2]
    work = dist.all_reduce(a, async_op=True)
    assert work.wait() and work.is_completed()
    gathered = [None]
    dist.all_gather(gathered, a)
    assert gathered[0].tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="NumPy array or a Value"):
        dist.all_reduce(3.0)
    with pytest.raises(TypeError, match="AVG needs a float array"):
        dist.all_reduce(np.arange(3), op=dist.ReduceOp.AVG)
    dist.init_process_group("gloo", world_size=1, rank=0)  # as a script written for PyTorch calls it
    dist.destroy_process_group()
    with pytest.raises(ValueError, match="world_size=2, but mpiexec started this process with world_size 1"):
        dist.init_process_group(world_size=2)


def test_ddp_in_a_world_of_one_trains_like_the_model_and_names_state_like_PyTorch():
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))
    plain = nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))
    ddp = nn.parallel.DistributedDataParallel(model)
    assert ddp.module is model
    assert list(ddp.state_dict()) == ["module." + k for k in model.state_dict()]
    x = np.random.default_rng(0).normal(size=(5, 3))
    F.cross_entropy(ddp(x), np.array([0, 1, 1, 0, 1])).backward()
    F.cross_entropy(plain(x), np.array([0, 1, 1, 0, 1])).backward()
    for p, q in zip(ddp.parameters(), plain.parameters()):
        np.testing.assert_array_equal(p.grad, q.grad)
    ddp.load_state_dict(plain.state_dict())  # the bare model's names work too
    ddp.load_state_dict(ddp.state_dict())
    with pytest.raises(TypeError, match="expected a Module"):
        nn.parallel.DistributedDataParallel(lambda x: x)


def test_a_leaf_hook_runs_as_soon_as_the_leaf_gradient_is_complete_not_at_the_end():
    W, b = Value(np.ones((3, 3)), label="W"), Value(np.zeros(3), label="b")
    events = []
    W.register_hook(lambda g: events.append(("W", g.copy())))
    handle = b.register_hook(lambda g: events.append(("b", g.copy())))
    x = Value(np.ones((2, 3)), requires_grad=False)
    hidden = x @ W + b
    activated = hidden.tanh()
    out = (activated @ W).sum()  # W is used twice: its hook waits for both contributions
    seen_at = {}
    hidden.register_hook(lambda g: seen_at.update(hidden=[name for name, _ in events]))
    out.register_hook(lambda g: engine.queue_callback(lambda: events.append(("end", W.grad.copy()))))
    out.backward()
    assert [name for name, _ in events] == ["b", "W", "end"]
    assert seen_at == {"hidden": []}  # b's hook ran right after `hidden`, before x @ W was differentiated
    np.testing.assert_array_equal(events[1][1], W.grad)  # the hook saw the whole gradient
    np.testing.assert_array_equal(events[2][1], W.grad)  # the callback runs once .grad is written
    expected_W = W.grad.copy()
    handle.remove()
    assert b not in HOOKED_LEAVES and W in HOOKED_LEAVES
    events.clear()
    W.grad = b.grad = None
    ((x @ W + b).tanh() @ W).sum().backward()
    np.testing.assert_allclose(W.grad, expected_W)
    assert [name for name, _ in events] == ["W"]
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        engine.queue_callback(lambda: None)


def test_convert_sync_batchnorm_keeps_the_parameters_and_acts_as_batchnorm_in_one_process():
    model = nn.Sequential(nn.Conv2d(1, 3, 3, rng=0), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                          nn.Linear(3 * 36, 4, rng=1), nn.BatchNorm1d(4))
    plain = nn.Sequential(nn.Conv2d(1, 3, 3, rng=0), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                          nn.Linear(3 * 36, 4, rng=1), nn.BatchNorm1d(4))
    weight = model[1].weight
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model and isinstance(model[1], nn.SyncBatchNorm) and isinstance(model[5], nn.SyncBatchNorm)
    assert model[1].weight is weight and list(model.state_dict()) == list(plain.state_dict())
    dist.init()
    x = np.random.default_rng(0).normal(size=(6, 1, 8, 8))
    model(x).sum().backward()
    plain(x).sum().backward()
    for p, q in zip(model.parameters(), plain.parameters()):
        np.testing.assert_array_equal(p.grad, q.grad)
    for a, b in zip(model.buffers(), plain.buffers()):
        np.testing.assert_array_equal(a, b)
    assert isinstance(nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(2)), nn.SyncBatchNorm)
