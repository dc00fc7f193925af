"""The autograd-graph command line under hostile or unlucky input (issue 10): special output files, rendering
time, total work, DOT injection, code only through --file, and one-line errors (exit status 2) everywhere."""

import os
import pathlib
import stat
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from autograd_core import Value
from autograd_core.viz import cli, draw, explore, export, expr

REPO = pathlib.Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs and signals")
needs_dot = pytest.mark.needs("dot")
SVG = "{http://www.w3.org/2000/svg}"


def run(*args, cwd, env=None, timeout=60):
    env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run([sys.executable, "-m", "autograd_core.viz", *args], cwd=cwd, env=env, capture_output=True,
                          timeout=timeout)



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


def call(*args, cwd, monkeypatch, capture):
    """`cli.main(args)` in this process (quicker than a subprocess), as a CompletedProcess."""
    monkeypatch.chdir(cwd)
    try:
        code = cli.main(list(args))
    except SystemExit as stop:  # argparse's usage errors
        code = stop.code
    out, err = capture.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def one_line_error(r, fragment, status=2):
    """One line on stderr naming the problem, no traceback; status 2 for a usage error, 1 for a failure."""
    stderr = r.stderr.decode()
    assert r.returncode == status, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("autograd-graph: error: "), stderr
    assert "Traceback" not in stderr and fragment in stderr, stderr


SMALL = ["export", "tanh(w*x)", "--set", "w=2", "--set", "x=1"]


# ----------------------------------------------------------------------------------------------------
# -o respects what the path is (item 3).


@posix_only
def test_output_into_a_fifo_keeps_the_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = run(*SMALL, "-f", "dot", "-o", str(fifo), cwd=tmp_path)
    release(fifo, reader)
    assert r.returncode == 0, r.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and received[0].startswith(b"digraph")
    (tmp_path / "stdout").symlink_to("pipe")  # like /dev/stdout -> /proc/self/fd/1 -> a pipe
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = run(*SMALL, "-f", "json", "-o", "stdout", cwd=tmp_path)
    release(fifo, reader)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "stdout").is_symlink() and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received[1].startswith(b"{")
    assert sorted(os.listdir(tmp_path)) == ["pipe", "stdout"]


def test_output_into_a_character_device_keeps_the_device(tmp_path):
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the same device as /dev/null
    except (PermissionError, OSError) as err:
        pytest.skip(f"cannot make a device node here: {err}")
    r = run(*SMALL, "-f", "dot", "-o", str(device), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert stat.S_ISCHR(os.stat(device).st_mode)


def test_output_through_a_symlink_replaces_its_target_and_keeps_modes(tmp_path):
    real = tmp_path / "real.dot"
    real.write_text("old")
    os.chmod(real, 0o600)
    (tmp_path / "link.dot").symlink_to("real.dot")
    r = run(*SMALL, "-o", "link.dot", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "link.dot").is_symlink() and real.read_text().startswith("digraph")
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o600  # a private file stays private
    assert sorted(os.listdir(tmp_path)) == ["link.dot", "real.dot"]


def test_output_to_a_directory_is_refused(tmp_path):
    (tmp_path / "d.dot").mkdir()
    one_line_error(run(*SMALL, "-o", "d.dot", cwd=tmp_path), "d.dot is a directory")


def test_output_refusals_name_the_program_once_and_python_callers_by_their_function(tmp_path, monkeypatch,
                                                                                   capsysbinary):
    # The refusal used to read "autograd-graph: error: cannot write x/f.svg: autograd-graph: the folder ...", and
    # viz.export's own message started with "autograd-graph:" in a notebook, where no command line ran.
    r = call(*SMALL, "-o", "missing/f.svg", cwd=tmp_path, monkeypatch=monkeypatch, capture=capsysbinary)
    one_line_error(r, "cannot write: the folder")
    assert r.stderr.decode().count("autograd-graph") == 1, r.stderr
    with pytest.raises(FileNotFoundError, match=r"^viz\.export: the folder .*missing"):
        export(Value(1.0) * 2, str(tmp_path / "missing" / "f.dot"))
    with pytest.raises(IsADirectoryError, match=r"^Explorer\.save: "):
        explore(Value(1.0) * 2).save(tmp_path)
    assert sorted(os.listdir(tmp_path)) == []


def test_a_value_that_starts_with_a_minus_is_told_how_to_write_it(tmp_path, monkeypatch, capsysbinary):
    # argparse takes "-1,2" for an option and said only "argument --input: expected one argument"
    r = call("export", "--mlp", "2,2,1", "--input", "-1,2", cwd=tmp_path, monkeypatch=monkeypatch,
             capture=capsysbinary)
    one_line_error(r, "expected one argument; write --input=-1,2 (a value that starts with '-' goes after '=')")
    r = call(*SMALL, "-o", "-1.svg", cwd=tmp_path, monkeypatch=monkeypatch, capture=capsysbinary)
    one_line_error(r, "write --output=-1.svg")  # the long name: -o=-1.svg would name the file '=-1.svg'
    r = call(*SMALL, "--dpi", cwd=tmp_path, monkeypatch=monkeypatch, capture=capsysbinary)
    one_line_error(r, "argument --dpi: expected one argument (see")  # a value left out: no such advice
    assert os.listdir(tmp_path) == []


def test_a_format_that_contradicts_the_file_name_is_refused(tmp_path, monkeypatch, capsysbinary):
    # -f png -o graph.svg used to write a PNG into graph.svg, which a browser or an SVG viewer then rejects.
    r = call(*SMALL, "-f", "png", "-o", "graph.svg", cwd=tmp_path, monkeypatch=monkeypatch, capture=capsysbinary)
    one_line_error(r, "the format png does not match the file name 'graph.svg'")
    with pytest.raises(ValueError, match="does not match"):
        export(Value(1.0) * 2, str(tmp_path / "graph.json"), fmt="dot")
    assert os.listdir(tmp_path) == []
    # a suffix that names no format takes any -f, and .gv is DOT
    for name in ("graph.txt", "graph.gv"):
        r = call(*SMALL, "-f", "dot", "-o", name, cwd=tmp_path, monkeypatch=monkeypatch, capture=capsysbinary)
        assert r.returncode == 0, r.stderr
        assert (tmp_path / name).read_text().startswith("digraph")


def test_write_atomic_never_creates_files_under_dev():
    from autograd_core.viz.export import write_atomic

    with pytest.raises(OSError, match="will not create a new file under /dev"):
        write_atomic("/dev/autograd-core-test-no-such-file.svg", b"x")
    assert not os.path.exists("/dev/autograd-core-test-no-such-file.svg")


# ----------------------------------------------------------------------------------------------------
# Rendering time is bounded (item 4).


@needs_dot
def test_wide_mlp_is_collapsed_to_a_drawable_picture(tmp_path):
    r = run("export", "--mlp", "1,100", "--backward", "-o", "mlp.svg", "--time-limit", "50", cwd=tmp_path, timeout=90)
    assert r.returncode == 0, r.stderr
    texts = " ".join(t.text for t in ET.parse(tmp_path / "mlp.svg").iter(f"{SVG}text") if t.text)
    assert "hidden" in texts


def test_what_reaches_dot_is_bounded():
    from autograd_core.viz.cli import _mlp
    from autograd_core.viz.dot import MAX_RANKS_CROSSED, _ranks_crossed

    for sizes in ("1,50", "1,1000", "4,8,8,2"):
        picture = draw(_mlp(sizes, None, 0), max_nodes=400)
        assert len(picture.graph.nodes) <= 400 and _ranks_crossed(picture.graph) <= MAX_RANKS_CROSSED, sizes


def test_graphviz_time_limit_is_one_line(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "dot").write_text("#!/bin/sh\nexec sleep 60\n")  # a `dot` that never finishes
    os.chmod(fake / "dot", 0o755)
    start = time.monotonic()
    r = run(*SMALL, "-o", "out.svg", "--time-limit", "1", cwd=tmp_path, env={"PATH": f"{fake}:{os.environ['PATH']}"})
    one_line_error(r, "Graphviz 'dot' did not finish within", status=1)  # a valid command that failed
    assert time.monotonic() - start < 40 and os.listdir(tmp_path) == ["bin"]
    one_line_error(run(*SMALL, "-o", "out.svg", "--time-limit", "0.0001", cwd=tmp_path), "time limit", status=1)


@pytest.mark.parametrize("args, fragment", [
    (["--max-nodes", "0"], "--max-nodes must be between 2 and 1000"),
    (["--max-nodes", "5000"], "--max-nodes must be between 2 and 1000"),
    (["--max-frames", "1000"], "--max-frames must be between 1 and 100"),
    (["--time-limit", "0"], "--time-limit must be more than 0"),
    (["--max-nodes", "many"], "argument --max-nodes: invalid int value: 'many' (see 'autograd-graph export --help')"),
    (["--rankdir", "XY"], "argument --rankdir: invalid choice"),
])
def test_bounds_of_the_options(tmp_path, monkeypatch, capsysbinary, args, fragment):
    one_line_error(call(*SMALL, *args, cwd=tmp_path, monkeypatch=monkeypatch, capture=capsysbinary), fragment)


def test_steps_are_bounded_before_anything_is_drawn(tmp_path, monkeypatch, capsysbinary):
    start = time.monotonic()
    r = run("export", "--mlp", "1,40", "--steps", "frames", cwd=tmp_path)
    one_line_error(r, "step pictures; the limit is 100 (--max-frames")
    assert time.monotonic() - start < 30 and os.listdir(tmp_path) == []
    r = call(*SMALL, "--steps", "frames", "--max-frames", "3", cwd=tmp_path, monkeypatch=monkeypatch,
             capture=capsysbinary)
    one_line_error(r, "the limit is 3")


def test_steps_are_written_as_they_are_drawn(tmp_path, monkeypatch, capsys):
    from autograd_core.viz.export import GraphvizError

    calls = []

    def fake_render(picture, fmt, timeout=None):
        calls.append(timeout)
        if len(calls) == 4:
            raise GraphvizError("Graphviz 'dot' did not finish within 1 s")
        return b"<svg/>"

    monkeypatch.setattr(cli, "render_bytes", fake_render)
    code = cli.main(["export", "tanh(w*x)", "--set", "w=1", "--set", "x=2", "--steps", str(tmp_path / "f")])
    assert code == 1  # a failure, not a usage error
    assert sorted(os.listdir(tmp_path / "f")) == ["step_000.svg", "step_001.svg", "step_002.svg"]
    assert "3 of 4 step pictures were written" in capsys.readouterr().err
    assert all(t is not None and t <= cli.DEFAULT_TIME_LIMIT for t in calls)


def test_steps_into_a_folder_of_an_earlier_run_leave_no_frames_of_it(tmp_path, monkeypatch):
    # A 4-step run and then a 3-step run into one folder left the first run's step_003.svg ("step 4/4" of another
    # graph) among the second run's frames.
    monkeypatch.setattr(cli, "render_bytes", lambda picture, fmt, timeout=None: picture.graph_attr["label"].encode())
    frames = tmp_path / "f"
    assert cli.main(["export", "tanh(w*x)", "--set", "w=1", "--set", "x=2", "--steps", str(frames)]) == 0
    assert len(os.listdir(frames)) == 4
    (frames / "notes.txt").write_text("mine")  # what the run did not write stays
    assert cli.main(["export", "w*x", "--set", "w=1", "--set", "x=2", "--steps", str(frames)]) == 0
    assert sorted(os.listdir(frames)) == ["notes.txt", "step_000.svg", "step_001.svg", "step_002.svg"]
    assert all("/3:" in (frames / f"step_00{k}.svg").read_text() for k in range(3))


def test_help_states_the_bounds(tmp_path):
    r = run("export", "--help", cwd=tmp_path)
    text = r.stdout.decode()
    for fragment in ("Limits", "element-operations", "--time-limit", "--max-frames", "at most 1000",
                     "10,000,000", "1,000,000 characters"):
        assert fragment in text, fragment


# ----------------------------------------------------------------------------------------------------
# Total work of an expression (item 5).


def test_limits_that_multiply_are_bounded_in_total(tmp_path):
    column = "[" + ",".join(f"[{i}]" for i in range(1000)) + "]"  # (1000, 1): 6 KB of text
    row = "[" + ",".join(str(i) for i in range(1000)) + "]"         # (1000,): an outer product is 1M
    text = "+".join(["sum(c*r)"] * 90)                               # 0.8 KB, 90 outer products
    start = time.monotonic()
    r = run("export", text, "--set", f"c={column}", "--set", f"r={row}", "-f", "json", cwd=tmp_path)
    one_line_error(r, "more than 10,000,000 element-operations")
    assert time.monotonic() - start < 30


def test_matmul_work_counts_its_multiply_adds():
    a = Value(np.ones((1000, 1000)), label="a")
    with pytest.raises(expr.ExprError, match="element-operations"):
        expr.evaluate("sum(a @ a)", {"a": a})  # 10^9 multiply-adds, refused before it runs
    assert expr.evaluate("sum(a * 2)", {"a": a}).data == 2e6  # 2M element-operations are fine


def test_parse_literal_refuses_10_mb_without_parsing_it():
    text = "[" + "1," * 5_000_000 + "1]"
    start = time.perf_counter()
    with pytest.raises(expr.ExprError, match="the limit is 1000000"):
        expr.parse_literal(text, "x")
    big_python = "(" + "1," * 100_000 + ")"  # not JSON: Python's parser would need far more memory
    with pytest.raises(expr.ExprError, match="too long to read as a Python literal"):
        expr.parse_literal(big_python, "x")
    assert time.perf_counter() - start < 1.0
    assert expr.parse_literal("(1, 2)").tolist() == [1.0, 2.0]  # short Python literals still work


# ----------------------------------------------------------------------------------------------------
# User text is quoted wherever it reaches DOT (item 6).

HOSTILE = [
    'a" URL="javascript:alert(1)" x="',
    '<<table><tr><td href="javascript:alert(1)">x</td></tr></table>>',
    '"] ; evil [label="pwned" URL="javascript:alert(2)"]; x [label="',
    '"',
    "trailing backslash \\",
    'nul\x00 and\nnewline and \\N \\G',
    "\udcff undecodable",
    "x" * 5000,
]


@needs_dot
@pytest.mark.parametrize("title", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_titles_and_labels_stay_text(title):
    from autograd_core.viz.export import render_bytes

    w = Value(2.0, label=title)
    y = (w * w).tanh()
    y.label = title[::-1]
    picture = draw(y, title=title)
    svg = render_bytes(picture, "svg", timeout=30).decode()
    root = ET.fromstring(svg)
    assert not any("javascript" in value for element in root.iter() for value in element.attrib.values())
    assert not any(key.endswith("href") for element in root.iter() for key in element.attrib)
    nodes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    assert len(nodes) == len(picture.graph.nodes) + sum(1 for n in picture.graph.nodes if n.op)  # no extra node


def test_title_and_labels_are_quoted_in_the_dot_text():
    w = Value(1.0, label='w"];x[URL="javascript:1')
    source = draw(w * 2, title='<<b>t</b>"]; y [URL="javascript:2">').source
    assert 'label="<<b>t</b>\\"]; y [URL=\\"javascript:2\\">"' in source  # a quoted string, not an HTML label
    assert "w&quot;];x[URL=&quot;javascript:1" in source
    assert "label=<<b>t" not in source


@needs_dot
def test_hostile_title_from_the_command_line(tmp_path, monkeypatch, capsysbinary):
    r = run(*SMALL, "--title", '" ] ; n9 [URL="javascript:alert(1)"] ; "', "-o", "t.svg", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert b"javascript" not in (tmp_path / "t.svg").read_bytes().replace(b'URL=&quot;javascript:alert(1)', b"")
    r = call(*SMALL, "--title", "x" * 2000, cwd=tmp_path, monkeypatch=monkeypatch, capture=capsysbinary)
    one_line_error(r, "--title is 2000 characters long")


# ----------------------------------------------------------------------------------------------------
# Code runs only through --file (item 7).


def test_an_expression_never_imports_a_file(tmp_path):
    (tmp_path / "evil.py").write_text("open('ran', 'w').write('yes')\ndef f():\n    pass\n")
    for source in ("evil.py:f", str(tmp_path / "evil.py") + ":f"):
        one_line_error(run("export", source, cwd=tmp_path), "never runs code")
    assert not (tmp_path / "ran").exists()
    r = run("export", "--file", "evil.py:f", cwd=tmp_path)  # explicit: runs, then refuses the None
    one_line_error(r, "returned NoneType, not a Value")
    assert (tmp_path / "ran").exists()


# ----------------------------------------------------------------------------------------------------
# One-line errors instead of tracebacks (item 11).


def test_steps_into_a_file_or_an_unusable_path(tmp_path, monkeypatch, capsysbinary):
    (tmp_path / "taken").write_text("x")
    r = call(*SMALL, "--steps", "taken", cwd=tmp_path, monkeypatch=monkeypatch, capture=capsysbinary)
    one_line_error(r, "--steps taken: exists and is not a folder")
    r = call(*SMALL, "--steps", "taken/frames", cwd=tmp_path, monkeypatch=monkeypatch, capture=capsysbinary)
    one_line_error(r, "--steps taken/frames: cannot create")


def test_graphviz_failure_is_one_line(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "dot").write_text("#!/bin/sh\necho 'Error: syntax error in line 1' >&2\nexit 1\n")
    os.chmod(fake / "dot", 0o755)
    r = run(*SMALL, "-o", "out.svg", cwd=tmp_path, env={"PATH": f"{fake}:{os.environ['PATH']}"})
    one_line_error(r, "Graphviz 'dot' failed (exit status 1): Error: syntax error in line 1", status=1)
    assert not (tmp_path / "out.svg").exists()


def test_memory_error_is_one_line(monkeypatch, capsys):
    def no_memory(args):
        raise MemoryError

    monkeypatch.setattr(cli, "_source_value", no_memory)
    assert cli.main(SMALL) == 1
    assert capsys.readouterr().err == "autograd-graph: error: out of memory; draw a smaller graph (see the limits in " \
                                      "--help)\n"


@pytest.mark.parametrize("body, fragment", [
    ("raise ValueError('bad\\nthing')", "build raised ValueError: bad thing"),
    ("import sys; sys.exit(3)", "build raised SystemExit: 3"),
    ("raise MemoryError()", "build raised MemoryError"),
    ("return build()", "build raised RecursionError"),
])
def test_exceptions_from_a_users_function_are_one_line(tmp_path, body, fragment):
    (tmp_path / "model.py").write_text(f"def build():\n    {body}\n")
    one_line_error(run("export", "--file", "model.py:build", cwd=tmp_path), fragment, status=1)  # the code failed


def test_set_names_are_nfkc_normalised_like_expression_names(tmp_path, monkeypatch, capsysbinary):
    r = call("export", "x*x", "--set", "\uff58=3", "-f", "json", cwd=tmp_path, monkeypatch=monkeypatch,
             capture=capsysbinary)  # a fullwidth x
    assert r.returncode == 0, r.stderr
    r = call("export", "x*x", "--set", "x=1", "--set", "\uff58=2", cwd=tmp_path, monkeypatch=monkeypatch,
             capture=capsysbinary)
    one_line_error(r, "--set x is given twice")


@pytest.mark.parametrize("text", ["x/0", "log(x - 2)", "sqrt(-x) * x"])
def test_division_by_zero_and_log_of_negatives_give_one_note(tmp_path, text):
    r = run("export", text, "--set", "x=1", "--backward", "-f", "dot", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    stderr = r.stderr.decode()
    assert "RuntimeWarning" not in stderr and stderr.count("\n") == 1 and "note: some values are inf or nan" in stderr
    assert b"inf" in r.stdout or b"nan" in r.stdout
