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
    assert r.returncode == 1  # a failure of a valid command, not a usage error (2)
    assert r.stderr == "autograd-graph: error: cannot write to standard output: No space left on device\n"


def test_ctrl_c_is_one_line_and_status_130(monkeypatch, capsys):
    from autograd_core.viz import cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_export", interrupted)
    assert cli.main(["export", "w*2", "--set", "w=1"]) == 130
    assert capsys.readouterr().err == "autograd-graph: interrupted\n"


def _cli(*args, cwd, path=None):
    env = dict(os.environ, **({"PATH": path} if path is not None else {}))
    return subprocess.run([*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_exit_status_is_2_for_usage_errors_and_1_for_failures(tmp_path):
    """Shell conventions: 2 when the command cannot run as written (fix the command), 1 when a valid command
    failed (Graphviz missing, a write that failed, the code of --file raising); one line on stderr either way."""
    small = ["export", "w*2", "--set", "w=1"]
    usage = {
        "unknown option": [*small, "--bogus"],
        "no such folder": [*small, "-o", "nowhere/out.svg"],
        "empty output name": [*small, "-o", ""],
        "a directory": [*small, "-f", "svg", "-o", "."],
        "bad expression": ["export", "w*", "--set", "w=1", "-o", "out.svg"],
    }
    for case, args in usage.items():
        r = _cli(*args, cwd=tmp_path)
        assert (r.returncode, r.stdout, r.stderr.count("\n")) == (2, "", 1), (case, r)
    (tmp_path / "model.py").write_text("def build():\n    raise ValueError('boom')\n")
    failures = {"the code of --file raised": (["export", "--file", "model.py:build", "-o", "out.svg"], None),
                "no Graphviz": ([*small, "-o", "out.svg"], str(tmp_path / "empty"))}
    if os.path.exists("/dev/full"):
        failures["a full disk"] = ([*small, "-f", "svg", "-o", "/dev/full"], None)
    (tmp_path / "empty").mkdir()
    for case, (args, path) in failures.items():
        r = _cli(*args, cwd=tmp_path, path=path)
        assert (r.returncode, r.stdout, r.stderr.count("\n")) == (1, "", 1), (case, r)
        assert r.stderr.startswith("autograd-graph: error: ") and "Traceback" not in r.stderr, (case, r)
    # no output, not even a partial one (importing model.py may leave its bytecode: CI's set-up lets Python write it)
    assert sorted(set(os.listdir(tmp_path)) - {"__pycache__"}) == ["empty", "model.py"]
