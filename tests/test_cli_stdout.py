"""autograd-graph and its standard output: a reader that stops early, a full disk (shell conventions)."""

import os
import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "autograd_core.viz"]


@pytest.mark.parametrize("args", [["export", "w*2", "--set", "w=1", "-o", "-"], ["functions"]])
def test_a_reader_that_has_stopped_is_not_an_error(args):
    """`autograd-graph ... -o - | head -c 10`: the pipe is closed when we write; no 'internal error', no
    traceback, as `yes | head` (the read end is closed before the start, so that the write surely fails)."""
    read, write = os.pipe()
    os.close(read)
    try:
        r = subprocess.run([*CLI, *args], stdout=write, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert (r.returncode, r.stderr) == (1, "")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [["export", "w*2", "--set", "w=1", "-o", "-"], ["functions"]])
def test_a_full_disk_on_stdout_is_one_line_naming_it(args):
    with open("/dev/full", "wb") as full:
        r = subprocess.run([*CLI, *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr == "autograd-graph: error: cannot write to standard output: No space left on device\n"


def test_ctrl_c_is_one_line_and_status_130(monkeypatch, capsys):
    from autograd_core.viz import cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_export", interrupted)
    assert cli.main(["export", "w*2", "--set", "w=1"]) == 130
    assert capsys.readouterr().err == "autograd-graph: interrupted\n"
