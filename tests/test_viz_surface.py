"""What a student meets first in viz: a picture's highlight of a path, export's format keyword, the CLI's
--highlight of a constant. Each says what it shows, or refuses with the reason."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd_core import Value, viz

REPO = Path(__file__).resolve().parents[1]


def _tanh_of_product():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    y = Value(3.0, label="y", requires_grad=False)
    f = (x * w * y).tanh()
    f.label = "f"
    f.backward(retain_graph=True)
    return f, w, y


def test_highlight_shows_the_chain_rule_also_without_the_edge_numbers():
    """show= without 'derivs' hides the numbers on the edges; the title still multiplies them (it said they had been
    freed by backward(), after a backward(retain_graph=True))."""
    f, w, _ = _tanh_of_product()
    chain = viz.chain_rule(f, w)
    title = viz.draw(f, highlight=w, show=("data", "grad")).source.split("\n")[1]
    assert "freed" not in title and title.count("∂f/∂w") == 1 and f"{float(w.grad):.6g}" in title, title
    assert chain.total == pytest.approx(float(w.grad))
    edges = [line for line in viz.draw(f, show=("data", "grad")).source.split("\n") if "->" in line]
    assert not any("label=" in line for line in edges)  # and the edges still show no numbers


def test_a_constant_has_no_chain_rule_paths():
    f, _, y = _tanh_of_product()
    for attempt in (lambda: viz.draw(f, highlight=y), lambda: viz.chain_rule(f, "y")):
        with pytest.raises(ValueError, match="y does not require a gradient") as err:
            attempt()
        assert "freed" not in str(err.value)


def test_export_takes_format_as_graphviz_and_matplotlib_name_it(tmp_path):
    f, _, _ = _tanh_of_product()
    assert viz.export(f, tmp_path / "f.data", format="json") == "json"
    assert (tmp_path / "f.data").read_text().startswith('{"schema"')
    assert viz.export(f, tmp_path / "f.dot", format="dot") == "dot"
    with pytest.raises(ValueError, match="does not match the file name"):
        viz.export(f, tmp_path / "f.svg", format="json")
    with pytest.raises(TypeError, match="give one of them"):
        viz.export(f, tmp_path / "g.json", "dot", format="json")
    assert sorted(os.listdir(tmp_path)) == ["f.data", "f.dot"]


def test_cli_highlight_of_a_constant_is_a_usage_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-m", "autograd_core.viz", "export", "x*y", "--set", "x=1", "--const", "y=2",
                        "--highlight", "y", "--backward", "-o", "f.svg"], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=60)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == ("autograd-graph: error: --highlight y: a constant (--const, or requires_grad=False in --file's "
                        "code) gets no gradient, so it has no chain-rule paths to show; highlight a variable\n")
    assert os.listdir(tmp_path) == []


@pytest.mark.needs("dot")
def test_backward_steps_ending_a_notebook_cell_show_every_frame():
    """`viz.backward_steps(f)` as a cell's last line showed a list of one-line reprs; now its frames, one under
    another, as `for frame in frames: display(frame)` shows them. It is still a list."""
    from autograd_core.viz import jupyter

    f, w, _ = _tanh_of_product()
    frames = viz.backward_steps(f)
    assert isinstance(frames, list) and len(frames) == 5
    bundle = frames._repr_mimebundle_()
    html = bundle["text/html"]
    assert html.count("<svg") == len(frames) and "<?xml" not in html and "<!DOCTYPE" not in html
    assert all(f"backward step {k}/5" in html for k in range(1, 6))
    assert bundle["text/plain"].startswith("[<graph picture: ")
    many = jupyter.StepPictures(frames * 9)  # 45 frames: text that says how to see them
    assert set(many._repr_mimebundle_()) == {"text/plain"}
    assert "display(frames[k])" in many._repr_mimebundle_()["text/plain"]


def test_cli_steps_of_a_tensor_output_names_the_option_given(tmp_path, capsys, monkeypatch):
    """--steps runs the backward pass, so it needs a scalar output; the message named --backward, which the user had
    not written."""
    from autograd_core.viz import cli

    monkeypatch.chdir(tmp_path)
    assert cli.main(["export", "x*2", "--set", "x=[1,2]", "--steps", "frames"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("autograd-graph: error: --steps (which runs the backward pass) needs a scalar output, but "
                          "the output has shape (2,)") and err.count("\n") == 1
    assert cli.main(["export", "x*2", "--set", "x=[1,2]", "--backward"]) == 2
    assert capsys.readouterr().err.startswith("autograd-graph: error: --backward needs a scalar output")
    assert os.listdir(tmp_path) == []


def test_cli_file_that_is_a_folder_says_so(tmp_path, capsys, monkeypatch):
    from autograd_core.viz import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.py").mkdir()
    assert cli.main(["export", "--file", "model.py:build"]) == 2
    assert capsys.readouterr().err == "autograd-graph: error: model.py: a folder, not a Python file\n"
    assert cli.main(["export", "--file", "other.py:build"]) == 2
    assert capsys.readouterr().err == "autograd-graph: error: other.py: no such file\n"


@pytest.mark.parametrize("option", ["--set", "--const"])
def test_cli_set_of_a_constants_name_is_refused(tmp_path, capsys, monkeypatch, option):
    """`--set pi=1` shadowed the constant pi without a word (and the error for another name then listed pi twice,
    as a variable and as a constant), while a program's `pi = ...` is refused."""
    from autograd_core.viz import cli

    monkeypatch.chdir(tmp_path)
    assert cli.main(["export", "pi*x", option, "pi=1", "--set", "x=2"]) == 2
    assert capsys.readouterr().err == (f"autograd-graph: error: {option}: 'pi' is a constant (pi = 3.14159); choose "
                                       "another variable name\n")
    assert cli.main(["export", "pi = x*2; f = pi", "--set", "x=2"]) == 2
    assert "'pi' cannot be assigned" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["x", "--const", "x=a"], "--const x: 'a' is not a number or a nested list of numbers"),
    (["x", "--const", "x=@none.npy"], "--const: @none.npy: no such file"),
    (["x", "--set", "x=[1,[2]]"], "--set x: the nested lists are ragged (rows of different lengths)"),
    (["--mlp", "2,4,1", "--input", "a,b"], "--input: '[a,b]' is not a number or a nested list of numbers"),
])
def test_cli_value_errors_name_the_option_they_came_from(tmp_path, capsys, monkeypatch, args, message):
    """A bad --const or --input value was reported as '--set x: ...' and '--set --input: ...'."""
    from autograd_core.viz import cli

    monkeypatch.chdir(tmp_path)
    assert cli.main(["export", *args]) == 2
    assert capsys.readouterr().err == f"autograd-graph: error: {message}\n"


def test_cli_functions_say_which_variance_var_is():
    """var(x) of [1, 2, 3, 4] is 5/3 (÷ n − 1, PyTorch's default), where a NumPy user expects 1.25 (÷ n)."""
    from autograd_core.viz import cli, expr

    line = next(line for line in cli.functions_text().splitlines() if line.strip().startswith("var("))
    assert "÷ (n − 1)" in line, line
    assert float(expr.evaluate("var(x)", {"x": Value([1.0, 2.0, 3.0, 4.0])}).data) == pytest.approx(5 / 3)


def test_drawing_a_model_or_a_function_says_what_to_draw_instead():
    """viz.draw(model) said the Linear came from 'another library' and told the user to import Value."""
    from autograd_core import nn

    with pytest.raises(TypeError, match=r"got the module Linear itself: draw what a call computes, e\.g\. "
                                        r"viz\.draw\(model\(x\)\)") as err:
        viz.draw(nn.Linear(2, 2))
    assert "another library" not in str(err.value)
    with pytest.raises(TypeError, match=r"got function \(draw the Value it returns: viz\.draw\(f\(x\)\)\)"):
        viz.draw(lambda x: x * 2)
    with pytest.raises(TypeError, match="NumPy data records no graph"):
        viz.trace(np.ones(3))
    with pytest.raises(TypeError, match=r"expected a Value, got float$"):
        viz.draw(3.0)
