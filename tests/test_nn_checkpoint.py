"""Checkpoints: atomic `Module.save` (kill -9 at random moments), defensive `Module.load` (bombs, many
members, lossy casts, duplicates, one exception type, no open files, model unchanged), and the Dropout
generator's state, so a resumed run is bit-identical."""

import contextlib
import gc
import os
import pathlib
import random
import re
import signal
import stat
import subprocess
import sys
import textwrap
import time
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, nn, optim
from autograd_core.nn import CheckpointError, Module, Parameter

REPO = pathlib.Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs and signals")


class Small(Module):
    def __init__(self):
        self.weight = Parameter(np.ones(3, np.float32))
        self.register_buffer("count", np.array(0, dtype=np.int64))

    def forward(self, x):
        return x * self.weight


def npy_bytes(array):
    import io

    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def write_zip(path, members, compression=zipfile.ZIP_STORED):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names, which one test wants
        with zipfile.ZipFile(path, "w", compression) as z:
            for name, data in members:
                z.writestr(name, data)


def good_members(model, **changes):
    state = model.state_dict()
    state.update(changes)
    return [(k + ".npy", npy_bytes(v)) for k, v in state.items()]



def release(fifo, reader):
    """Wait for the reader thread; if nothing ever opened the FIFO for writing, open it once so the
    reader's blocked open() returns (a failing test must not hang)."""
    reader.join(20)
    if reader.is_alive():
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        reader.join(5)


def open_fds():
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None


@contextlib.contextmanager
def collector_off_then_young_collected():
    """Runs the block with the cyclic collector off, then collects the youngest generation: what the block made
    stays there (nothing moves objects while the collector is off), so a file it left in a reference cycle is
    finalized, and warns, here, as in a full gc.collect(), which would walk the heap of the whole collected suite
    (~1 s a test in a worker holding it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.collect(0)
    finally:
        if was_enabled:
            gc.enable()


# ----------------------------------------------------------------------------------------------------
# Saving: atomic, keeps the mode, follows symlinks.

SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    from autograd_core.nn import Module, Parameter

    class Big(Module):
        def __init__(self):
            self.a = Parameter(np.zeros(1_000_000))
            self.b = Parameter(np.zeros(1_000_000))

    model, path, k = Big(), sys.argv[1], 0
    while True:
        k += 1
        model.a.data[:] = k
        model.b.data[:] = k
        model.save(path)
        print(k, flush=True)
""")


@posix_only
def test_kill_9_during_save_leaves_a_complete_checkpoint(tmp_path):
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    path = tmp_path / "model.npz"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    rng = random.Random(0)
    for attempt in range(4):
        proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, env=env)
        try:
            assert proc.stdout.readline().strip()  # one save is complete: the old checkpoint exists
            time.sleep(rng.uniform(0.0, 0.4))       # now kill it somewhere inside a later save
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
        model = nn.Module()
        model.a, model.b = Parameter(np.zeros(1_000_000)), Parameter(np.zeros(1_000_000))
        model.load(path)  # the old or the new complete checkpoint, never a torn one
        k = model.a.data[0]
        assert k >= 1 and np.all(model.a.data == k) and np.all(model.b.data == k), attempt


def test_save_keeps_the_mode_and_follows_a_symlink(tmp_path):
    model = Small()
    path = tmp_path / "private.npz"
    model.save(path)
    os.chmod(path, 0o600)
    model.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    link = tmp_path / "latest.npz"
    link.symlink_to(path.name)
    model.weight.data[:] = 5
    model.save(link)
    assert link.is_symlink() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    other = Small()
    other.load(path)
    assert np.all(other.weight.data == 5)
    assert sorted(os.listdir(tmp_path)) == ["latest.npz", "private.npz"]  # no temporary file left


@posix_only
def test_save_into_a_pipe_or_device_keeps_it(tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    Small().save(fifo)
    release(fifo, reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and received[0][:2] == b"PK"
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the same device as /dev/null
    except OSError:
        pass
    else:
        Small().save(device)
        assert stat.S_ISCHR(os.stat(device).st_mode)
    (tmp_path / "dir.npz").mkdir()
    with pytest.raises(IsADirectoryError):
        Small().save(tmp_path / "dir.npz")
    with pytest.raises(OSError, match="will not create a new file under /dev"):
        Small().save("/dev/autograd-core-test-no-such-file.npz")
    assert not os.path.exists("/dev/autograd-core-test-no-such-file.npz")
    assert sorted(os.listdir(tmp_path)) in (["dir.npz", "null", "pipe"], ["dir.npz", "pipe"])


def test_failed_save_leaves_the_old_file(tmp_path):
    model = Small()
    path = tmp_path / "m.npz"
    model.save(path)
    before = path.read_bytes()

    class Broken(Small):
        def state_dict(self):
            state = super().state_dict()
            state["bad"] = np.array([object()], dtype=object)  # write_array refuses to pickle it
            return state

    with pytest.raises(ValueError):
        Broken().save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.npz"]


# ----------------------------------------------------------------------------------------------------
# Loading: checked before read, one exception type, model unchanged, no file left open.


def test_zip_bomb_under_an_unexpected_key_is_never_decompressed(tmp_path):
    path = tmp_path / "bomb.npz"
    model = Small()
    bomb = npy_bytes(np.zeros(50_000_000, np.uint8))  # 50 MB of zeros deflate to ~50 KB
    write_zip(path, good_members(model) + [("bomb.npy", bomb)], zipfile.ZIP_DEFLATED)
    del bomb
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=r"bomb.npz.*unexpected keys \['bomb'\]"):
            model.load(path)
        missing, unexpected = model.load(path, strict=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert missing == [] and unexpected == ["bomb"]
    assert peak < 5_000_000


def test_lying_sizes_and_shapes_are_refused_before_reading(tmp_path):
    model = Small()
    path = tmp_path / "m.npz"
    big = npy_bytes(np.zeros((3000, 3000), np.float32))  # the header says (3000, 3000); the model has (3,)
    write_zip(path, [("weight.npy", big), ("count.npy", npy_bytes(np.array(0)))], zipfile.ZIP_DEFLATED)
    with pytest.raises(CheckpointError, match=r"m.npz: key 'weight': shape mismatch.*\(3000, 3000\).*\(3,\)"):
        model.load(path)
    # A (3,) header followed by far more data than it declares:
    payload = npy_bytes(np.ones(3, np.float32)) + bytes(10_000_000)
    write_zip(path, [("weight.npy", payload), ("count.npy", npy_bytes(np.array(0)))], zipfile.ZIP_DEFLATED)
    with pytest.raises(CheckpointError, match=r"key 'weight': the archive declares \d+ bytes"):
        model.load(path)
    assert np.all(model.weight.data == 1) and model.count == 0


def test_many_members_are_refused_quickly_with_a_short_message(tmp_path):
    path = tmp_path / "many.npz"
    tiny = npy_bytes(np.zeros(1))
    write_zip(path, [(f"k{i}.npy", tiny) for i in range(12_000)])
    start = time.perf_counter()
    with pytest.raises(CheckpointError, match=r"many.npz: 12000 members is more than the limit 10000") as err:
        Small().load(path)
    assert time.perf_counter() - start < 5
    write_zip(path, good_members(Small()) + [(f"k{i}.npy", tiny) for i in range(3000)])
    with pytest.raises(CheckpointError, match=r"unexpected keys \['k0', 'k1', 'k2', 'k3', 'k4'\] and 2995 more"):
        Small().load(path)
    assert len(str(err.value)) < 300


@pytest.mark.parametrize("key, value, fragment", [
    ("count", np.array(np.nan), "value nan cannot be stored as int64"),
    ("count", np.array(3.9), "value 3.9 cannot be stored as int64"),
    ("weight", np.array([1.0, 1e300, 2.0]), "value 1e+300 cannot be stored as float32"),
    ("count", np.array(2**63, np.uint64), "value 9223372036854775808 cannot be stored as int64"),
])
def test_lossy_casts_are_errors_from_a_file_and_from_a_dict(tmp_path, key, value, fragment):
    model = Small()
    path = tmp_path / "lossy.npz"
    write_zip(path, good_members(model, **{key: value}))
    with pytest.raises(CheckpointError, match=rf"lossy.npz: key '{key}': {re.escape(fragment)}"):
        model.load(path)
    with pytest.raises(CheckpointError, match=rf"load_state_dict: key '{key}': {re.escape(fragment)}"):
        model.load_state_dict({**model.state_dict(), key: value})
    assert np.all(model.weight.data == 1) and model.count == 0 and model.count.dtype == np.int64


def test_exact_casts_still_load(tmp_path):
    model = Small()
    model.load_state_dict({"weight": np.array([0.1, 2, 3]), "count": np.array(7.0)})  # f64 -> f32 rounds
    assert model.weight.dtype == np.float32 and model.weight.data[0] == np.float32(0.1) and model.count == 7
    model.load_state_dict({"weight": np.array([np.nan, np.inf, 1]), "count": np.array(True)})
    assert np.isnan(model.weight.data[0]) and model.count == 1


BROKEN_FILES = {
    "duplicate member": (lambda p: write_zip(p, good_members(Small()) + [("count.npy", npy_bytes(np.array(5)))]),
                         "key 'count' appears more than once"),
    "not a zip": (lambda p: p.write_bytes(b"hello" * 100), "not a readable .npz checkpoint"),
    "truncated": (lambda p: (Small().save(p), p.write_bytes(p.read_bytes()[:300])), "not a readable .npz"),
    "pickled object": (lambda p: np.savez(p, weight=np.array([object()] * 3), count=np.array(0)), "pickle"),
    "not an array": (lambda p: write_zip(p, good_members(Small()) + [("notes.txt", b"hi")]),
                     "member 'notes.txt' is not a .npy array"),
    "bad header": (lambda p: write_zip(p, [("weight.npy", b"\x93NUMPY\x01\x00garbage"),
                                           ("count.npy", npy_bytes(np.array(0)))]), "key 'weight': not a .npy"),
    "missing key": (lambda p: write_zip(p, good_members(Small())[:1]), r"missing keys \['count'\]"),
    "no such file": (lambda p: None, "no such file"),
}


@pytest.mark.parametrize("case", list(BROKEN_FILES))
def test_every_load_failure_is_a_checkpoint_error_naming_the_file(tmp_path, case):
    make, fragment = BROKEN_FILES[case]
    path = tmp_path / "broken.npz"
    make(path)
    model = Small()
    model.weight.data[:] = 4
    fds = open_fds()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        with collector_off_then_young_collected():
            with pytest.raises(CheckpointError, match=fragment) as err:
                model.load(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert isinstance(err.value, ValueError)
    assert open_fds() == fds  # the archive was closed on the error path
    assert np.all(model.weight.data == 4) and model.count == 0


def test_load_round_trip_closes_the_file(tmp_path):
    a, b = nn.MLP(3, [4, 2], rng=1), nn.MLP(3, [4, 2], rng=2)
    path = tmp_path / "m.npz"
    a.save(path)
    np.savez_compressed(tmp_path / "c.npz", **a.state_dict())  # NumPy's own compressed files load too
    fds = open_fds()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        with collector_off_then_young_collected():
            b.load(path)
            b.load(tmp_path / "c.npz")
    assert open_fds() == fds
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(pa.data, pb.data, err_msg=name)


# ----------------------------------------------------------------------------------------------------
# A Dropout's own generator travels with the model; the default generator is the program's (saved beside the model
# with get_rng_state, as in PyTorch): a resumed run is bit-identical.


def _net(seed_rng):
    return nn.Sequential(nn.Linear(4, 16, rng=0, dtype=np.float64), nn.Tanh(), nn.Dropout(0.5, rng=seed_rng),
                         nn.Linear(16, 1, rng=1, dtype=np.float64), nn.Dropout(0.3))


def _train(model, steps):
    opt = optim.SGD(model.parameters(), lr=0.05)  # no optimizer state: only the model's state matters
    x = Value(np.linspace(-1, 1, 32).reshape(8, 4))
    for _ in range(steps):
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()


@pytest.mark.parametrize("own_rng", [7, None], ids=["own generator", "module-wide generator"])
def test_resuming_with_dropout_is_bit_identical(tmp_path, own_rng):
    nn.manual_seed(123)
    straight = _net(own_rng)
    _train(straight, 10)
    expected = straight.state_dict()

    nn.manual_seed(123)
    first = _net(own_rng)
    _train(first, 4)
    first.save(tmp_path / "ckpt.npz")
    np.save(tmp_path / "rng.npy", ag.get_rng_state())  # the default generator's state, as PyTorch scripts keep it
    nn.manual_seed(999)  # a new process: a different module-wide generator
    resumed = _net(None if own_rng is None else 555)
    resumed.load(tmp_path / "ckpt.npz")
    ag.set_rng_state(np.load(tmp_path / "rng.npy"))
    _train(resumed, 6)
    for key, value in expected.items():
        np.testing.assert_array_equal(resumed.state_dict()[key], value, err_msg=key)


def test_dropout_state_is_optional_and_checked():
    model = _net(7)
    state = model.state_dict()
    assert [k for k in state if k.endswith("_extra_state")] == ["2._extra_state"]  # (4: no generator of its own)
    plain = {k: v for k, v in state.items() if not k.endswith("_extra_state")}
    assert model.load_state_dict(plain) == ([], [])  # a PyTorch state dict has no extra state
    before = model[2].get_extra_state()
    bad = dict(state)
    bad["2._extra_state"] = np.frombuffer(b'{"bit_generator": "MT19937", "state": {}}', np.uint8)
    with pytest.raises(CheckpointError, match="2._extra_state.*MT19937"):
        model.load_state_dict(bad)
    np.testing.assert_array_equal(model[2].get_extra_state(), before)


def test_loading_a_model_leaves_the_default_generator_alone(tmp_path):
    # PyTorch's Dropout has no state: loading the best weights back mid-run (early stopping) must not rewind the
    # draws of the default generator (dropout masks, shuffles, torch.rand), which the module-wide Dropout reads.
    model = _net(None)
    state = model.state_dict()
    assert not [k for k in state if k.endswith("_extra_state")]  # the keys of PyTorch's state dict
    old = dict(state, **{"4._extra_state": np.frombuffer(b"{}", np.uint8)})  # as written before: ignored
    model.save(tmp_path / "m.npz")
    np.savez(tmp_path / "old.npz", **old)
    first = ag.rand(4).data
    for load in (lambda: model.load_state_dict(state), lambda: model.load_state_dict(old),
                 lambda: model.load(tmp_path / "m.npz"), lambda: model.load(tmp_path / "old.npz")):
        assert load() == ([], [])
        assert not np.array_equal(ag.rand(4).data, first)  # the next draws, not the same ones again
    shared = nn.Dropout(0.5)  # one module under two names: an old checkpoint has an entry for each
    twice = nn.Sequential(shared, nn.Linear(2, 2), shared)
    state = twice.state_dict()
    assert twice.load_state_dict(dict(state, **{f"{k}._extra_state": np.frombuffer(b"{}", np.uint8)
                                                for k in (0, 2)})) == ([], [])
