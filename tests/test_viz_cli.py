"""The autograd-graph command line, run in a subprocess (`python -m autograd_core.viz`): every format, each class of
bad input (exit status 2, a one-line message on stderr, no output file left behind)."""

import json
import os
import pathlib
import re
import shlex
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.needs("dot")


def run(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(REPO))  # the checkout's packages, wherever cwd is
    return subprocess.run([sys.executable, "-m", "autograd_core.viz", *args], cwd=cwd, env=env, capture_output=True,
                          timeout=60)


def svg_texts(data):
    return {t.text.strip() for t in ET.fromstring(data).iter("{http://www.w3.org/2000/svg}text") if t.text}


@needs_dot
def test_svg_from_suffix_with_backward_and_highlight(tmp_path):
    r = run("export", "sigmoid(w*x + b)", "--set", "w=2", "--set", "x=-1", "--set", "b=0.5", "--backward",
            "--highlight", "w", "-o", "sigma.svg", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    texts = svg_texts((tmp_path / "sigma.svg").read_bytes())
    assert {"w", "x", "b", "sigmoid"} <= texts
    assert any(t.startswith("∂") for t in texts)  # the chain-rule title
    assert os.listdir(tmp_path) == ["sigma.svg"]  # no temporary files left
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "sigma.svg").stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's private 0600


def test_json_to_stdout_with_npy(tmp_path):
    np.save(tmp_path / "x.npy", np.array([1.0, -2.0]))
    r = run("export", "sum(relu(W @ x + b))", "--set", "W=[[1,2],[3,4]]", "--set", "x=@x.npy",
            "--set", "b=[0,1]", "-f", "json", "-o", "-", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema"] == "autograd-core.graph/1"
    labels = {n["label"]: n for n in doc["nodes"] if n["label"]}
    assert labels["x"]["data"] == [1.0, -2.0] and labels["W"]["shape"] == [2, 2]
    assert {n["op"] for n in doc["nodes"]} >= {"matmul", "+", "relu", "sum"}


def test_dot_to_stdout_by_default(tmp_path):
    r = run("export", "tanh(a) * a", "--set", "a=0.5", "--rankdir", "TB", "--show", "data", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(b"digraph") and b"rankdir=TB" in r.stdout and b"grad" not in r.stdout


@needs_dot
def test_png_from_a_users_function(tmp_path):
    (tmp_path / "model.py").write_text(textwrap.dedent("""
        from autograd_core import Value
        def build():
            w = Value(3.0, label="w")
            return (w * w).tanh()
    """))
    r = run("export", "--file", "model.py:build", "--backward", "-f", "png", "-o", "model.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "model.png").read_bytes()[:4] == b"\x89PNG"


@needs_dot
def test_pdf_of_an_mlp_and_backward_steps(tmp_path):
    r = run("export", "--mlp", "2,2,1", "--input", "1,-1", "--backward", "-o", "mlp.pdf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "mlp.pdf").read_bytes()[:4] == b"%PDF"
    r = run("export", "tanh(w*x + b)", "--set", "w=1", "--set", "x=2", "--set", "b=0", "--steps", "frames",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    frames = sorted(os.listdir(tmp_path / "frames"))
    assert frames == [f"step_{k:03d}.svg" for k in range(6)]  # w, x, b, w*x, +, tanh
    assert "grad ?" in " ".join(svg_texts((tmp_path / "frames" / "step_000.svg").read_bytes()))


def test_functions_and_help(tmp_path):
    r = run("functions", cwd=tmp_path)
    assert r.returncode == 0 and b"sigmoid(x)" in r.stdout and b"sum(x, axis=" in r.stdout
    r = run("export", "--help", cwd=tmp_path)
    assert r.returncode == 0 and b"examples:" in r.stdout
    assert b"--file FILE.py:FUNC RUNS THE CODE IN FILE.py" in r.stdout


BAD_INPUTS = {
    "unknown name": (["w*y", "--set", "w=1"], "unknown name 'y' at column 3"),
    "bad syntax": (["w*(x", "--set", "w=1", "--set", "x=1"], "invalid syntax at column 3"),
    "wrong shapes": (["W @ x", "--set", "W=[[1,2],[3,4]]", "--set", "x=[1,2,3]"], "shapes (2, 2) and (3,)"),
    "too long": (["+".join(["w"] * 1200), "--set", "w=1"], "the limit is 2000"),
    "code injection": (["__import__('os').system('touch pwned')"], "unknown function"),
    "bad value": (["w*2", "--set", "w=[1,[2]]"], "--set w"),
    "non-scalar backward": (["w*2", "--set", "w=[1,2]", "--backward"], "needs a scalar output"),
    "missing model file": (["--file", "nope.py:build"], "nope.py: no such file"),
    "file in the expression position": (["model.py:build"], "never runs code: to run a Python file, write --file"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line_and_no_output(tmp_path, case):
    args, fragment = BAD_INPUTS[case]
    r = run("export", *args, "-o", "out.svg", cwd=tmp_path)
    assert r.returncode == 2
    stderr = r.stderr.decode()
    assert stderr.count("\n") == 1 and stderr.startswith("autograd-graph: error: ")
    assert fragment in stderr
    assert os.listdir(tmp_path) == []


def test_binary_format_to_stdout_is_refused(tmp_path):
    r = run("export", "w*2", "--set", "w=1", "-f", "png", cwd=tmp_path)
    assert r.returncode == 2 and b"binary format" in r.stderr and r.stdout == b""


def test_a_label_that_modules_repeat_is_named_by_its_module_path(tmp_path):
    """An MLP has a w[0,0] in every layer: --highlight names one by its module path, and the error for the bare
    label lists those paths (exit 2, one line)."""
    mlp = ("export", "--mlp", "2,3,1", "--input", "1,-1", "--backward", "-f", "dot")
    done = run(*mlp, "--highlight", "w[0,0]", cwd=tmp_path)
    err = done.stderr.decode()
    assert done.returncode == 2 and err.count("\n") == 1
    assert "2 nodes labelled 'w[0,0]'" in err
    assert "layers.0.neurons.0.w[0,0]" in err and "layers.1.neurons.0.w[0,0]" in err
    done = run(*mlp, "--highlight", "layers.1.neurons.0.w[0,0]", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert run(*mlp, "--highlight", "layers.7.w[0,0]", cwd=tmp_path).returncode == 2


def test_module_paths_pick_one_node_of_the_graph():
    from autograd_core import nn
    from autograd_core.viz import trace

    model = nn.MLP(2, [3, 1], rng=0)
    out = model([1.0, -1.0])
    out.backward()
    graph = trace(out)
    second = graph.node_of("layers.1.neurons.0.w[0,0]")
    assert second.label == "w[0,0]" and graph.path_of(second) == "layers.1.neurons.0.w[0,0]"
    assert graph.node_of("layers.0.neurons.0.w[0,1]") is not graph.node_of("layers.1.neurons.0.w[0,1]")
    assert graph.node_of("neurons.2.w[2,1]").label == "w[2,1]"  # a path's tail is enough when it is unique
    with pytest.raises(KeyError, match="by its module path"):
        graph.node_of("w[0,0]")


def run_with_input(data, *args, cwd):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "autograd_core.viz", *args], cwd=cwd, env=env, capture_output=True,
                          input=data, timeout=60)


def test_dash_reads_the_expression_or_a_program_from_standard_input(tmp_path):
    r = run_with_input(b"sigmoid(w*x + b)\n", "export", "-", "--set", "w=2", "--set", "x=-1", "--set", "b=0.5",
                       "--backward", "-f", "json", "-o", "-", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    nodes = json.loads(r.stdout)["nodes"]
    assert {n["op"] for n in nodes} >= {"*", "+", "sigmoid"}
    program = b"h1 = x*w\nh2 = h1 + b\nf = tanh(h2)\n"  # a file of assignments, one a line: `< steps.txt`
    r = run_with_input(program, "export", "-", "--set", "x=1", "--set", "w=2", "--set", "b=0", "-f", "json",
                       "-o", "-", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert {"h1", "h2", "f"} <= {n["label"] for n in json.loads(r.stdout)["nodes"]}


@pytest.mark.parametrize("data, message", [
    (b"", b"standard input is empty"),
    (b"  \n", b"standard input is empty"),
    (b"\xff\xfe x", b"standard input is not UTF-8 text"),
    (b"x+" * 3000 + b"x", b"longer than the limit of 2000 characters"),
    ("é".encode() * 20000, b"longer than the limit of 2000 characters"),
    (b"model.py:build", b"an expression never runs code"),
])
def test_bad_standard_input_is_one_line_and_status_2(tmp_path, data, message):
    r = run_with_input(data, "export", "-", "--set", "x=1", "-o", "out.dot", cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and r.stderr.count(b"\n") == 1, r.stderr
    assert os.listdir(tmp_path) == []


def test_the_json_schema_pages_example_is_what_its_command_writes(tmp_path):
    # docs/graph-json-schema.md shows a command and, "formatted", the document it writes: the same JSON value.
    page = (REPO / "docs" / "graph-json-schema.md").read_text(encoding="utf-8")
    command = re.search(r"`(autograd-graph export [^`]*)`, formatted:", page).group(1)
    shown = json.loads(re.search(r"```json\n(.*?)```", page, flags=re.S).group(1))
    done = run(*shlex.split(command)[1:], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == shown


@needs_dot
def test_the_readmes_autograd_graph_commands_run_as_written(tmp_path):
    # README's "The picture of a graph" lists commands to copy: each runs from a shell as written and makes its file.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```bash\n(.*?)```", readme, flags=re.S) if "autograd-graph export" in b)
    commands = block.replace("\\\n", " ").splitlines()
    assert len(commands) >= 7
    venv_bin = pathlib.Path(sys.executable).parent  # where pip put the autograd-graph script
    env = dict(os.environ, PYTHONPATH=str(REPO), PATH=f"{venv_bin}{os.pathsep}{os.environ['PATH']}")
    for command in commands:
        done = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{command}: {done.stderr}"
        written = re.search(r"-o (\S+)", command)
        if written and written.group(1) != "-":
            assert (tmp_path / written.group(1)).stat().st_size > 0, command
    assert sorted(p.name for p in (tmp_path / "frames").iterdir())[:2] == ["step_000.svg", "step_001.svg"]
