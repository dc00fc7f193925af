"""Every writer of files goes through `autograd_core.files.replace_file`, so each keeps its promises alike: a new file
gets the umask's mode (torch.save's 0644, not mkstemp's 0600), an old file keeps its mode, a symlink stays a link, a
device or a pipe is written into and never replaced, a failure leaves the old file and no temporary one."""

import os
import stat
import threading

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.files import replace_file

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")


def _save(path):
    ag.save({"w": ag.tensor([1.0, 2.0])}, path)


def _module_save(path):
    nn.Linear(2, 2, rng=0).save(path)


def _picture(path):
    from autograd_core import viz

    x = ag.Value(2.0, label="x")
    viz.export((x * x).tanh(), path, fmt="json")


def _trace(path):
    with ag.profiler.profile() as prof:
        ag.tensor([1.0]).exp()
    prof.export_chrome_trace(path)


def _stacks(path):
    with ag.profiler.profile(with_stack=True) as prof:
        x = ag.randn(200, 200)
        x @ x
    prof.export_stacks(path)


def _raw(path):
    replace_file(path, lambda file: file.write(b"content"))


WRITERS = {"save": _save, "Module.save": _module_save, "viz.export": _picture, "export_chrome_trace": _trace,
           "export_stacks": _stacks, "replace_file": _raw}


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize("writer", WRITERS)
def test_a_new_file_gets_the_umasks_mode_and_an_old_one_keeps_its_own(writer, tmp_path, umask_022):
    path = tmp_path / "out.bin"
    WRITERS[writer](path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644  # what open() and torch.save give; mkstemp's is 0600
    os.chmod(path, 0o600)
    WRITERS[writer](path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["out.bin"]  # no temporary file left


@pytest.mark.parametrize("writer", WRITERS)
def test_a_symlink_stays_a_link_to_the_replaced_file(writer, tmp_path):
    (tmp_path / "real.bin").write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to("real.bin")
    WRITERS[writer](link)
    assert link.is_symlink() and (tmp_path / "real.bin").read_bytes() != b"old"


@posix_only
@pytest.mark.parametrize("writer", WRITERS)
def test_a_pipe_is_written_into_not_replaced(writer, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    WRITERS[writer](fifo)
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and received and received[0]


@pytest.mark.parametrize("writer", WRITERS)
def test_a_character_device_is_written_into_not_replaced(writer, tmp_path):
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the same device as /dev/null
    except (OSError, AttributeError):
        pytest.skip("making a device node needs root")  # (CI runs as root)
    WRITERS[writer](device)
    assert stat.S_ISCHR(os.stat(device).st_mode)


@pytest.mark.parametrize("writer", WRITERS)
def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(writer, tmp_path, monkeypatch):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")

    def refuse(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        WRITERS[writer](path)
    assert path.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["out.bin"]


@pytest.mark.parametrize("writer", WRITERS)
def test_a_folder_or_a_missing_folder_is_refused_by_name(writer, tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        WRITERS[writer](tmp_path / "folder")
    with pytest.raises(FileNotFoundError, match="the folder .*nowhere.* does not exist"):
        WRITERS[writer](tmp_path / "nowhere" / "out.bin")
    with pytest.raises(OSError, match="will not create a new file under /dev"):
        WRITERS[writer]("/dev/autograd-core-test-no-such-file")
    assert not os.path.exists("/dev/autograd-core-test-no-such-file")


def test_a_checkpoint_is_flushed_to_disk_with_its_folder_and_other_files_are_not(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(stat.S_ISDIR(os.fstat(fd).st_mode)) or real_fsync(fd))
    _module_save(tmp_path / "model.npz")
    assert synced == [False, True]  # the file, then the folder that holds its new name
    synced.clear()
    _save(tmp_path / "state.pt")
    assert synced == []  # save() is torch.save, which does not fsync either


def test_a_standard_stream_redirected_to_a_file_is_appended_to(tmp_path):
    # /dev/stdout of a process started with `>> log` is that log file: appended to, as the shell opened it.
    log = tmp_path / "log"
    log.write_bytes(b"before\n")
    with open(log, "ab") as stream:
        fd_path = f"/proc/self/fd/{stream.fileno()}"
        if not os.path.exists(fd_path):
            pytest.skip("needs /proc/self/fd")
        replace_file(fd_path, lambda file: file.write(b"after\n"))
    assert log.read_bytes() == b"before\nafter\n" and not os.path.islink(log)


def test_projector_files_are_written_whole_with_the_umasks_mode(tmp_path, umask_022):
    from autograd_core.utils.tensorboard import SummaryWriter

    with SummaryWriter(tmp_path) as writer:
        writer.add_embedding(np.eye(3, dtype=np.float32), metadata=["a", "b", "c"])
    written = [os.path.join(folder, name) for folder, _, names in os.walk(tmp_path) for name in names
               if name.endswith((".tsv", ".pbtxt"))]
    assert written and all(stat.S_IMODE(os.stat(path).st_mode) == 0o644 for path in written)
    assert not [name for _, _, names in os.walk(tmp_path) for name in names if name.endswith(".tmp")]
