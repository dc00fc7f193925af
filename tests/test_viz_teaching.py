"""A teacher's slides made with viz and autograd-graph: lecture notes in Chinese label their nodes 输入, 权重, 损失;
pictures go to PNG and PDF at slide resolution, one frame per backward step, and a folder of figures is scripted
from saved graphs (JSON). What a teacher tripped over, each pinned by a test."""

import os
import pathlib
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

from autograd_core import Value, viz
from autograd_core.viz import fonts

REPO = pathlib.Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.needs("dot")

# fontconfig's charsets of two fonts with Latin, Greek, sub- and superscripts and math, but no CJK (DejaVu-like)
NO_CJK = fonts.parse_charsets("20-7e a0-17f 370-3ff 2070-209f\n2200-22ff 2190-21ff 2010-2027\n")
WITH_CJK = fonts.parse_charsets("20-7e a0-17f 370-3ff 2070-209f\n2200-22ff 2190-21ff 2010-2027\n4e00-9fff\n")


def run_cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "autograd_core.viz", *args], cwd=cwd, env=env, capture_output=True,
                          timeout=60)


def neuron():
    """The notes' neuron: z = x·w + b, a = σ(z), 损失 C = (a - 1)²."""
    x = Value(1.5, label="输入 x", requires_grad=False)
    w, b = Value(-0.8, label="权重 w"), Value(0.3, label="偏置 b")
    z = x * w + b
    z.label = "z"
    loss = (z.sigmoid() - 1.0) ** 2
    loss.label = "损失 C"
    loss.backward(retain_graph=True)
    return loss, w


def test_parse_charsets_merges_ranges():
    starts, ends = fonts.parse_charsets("20-7e a0-ff\n41-5a 100-17f 3a3\n")
    assert (starts, ends) == ([0x20, 0xa0, 0x3a3], [0x7e, 0x17f, 0x3a3])
    assert fonts.parse_charsets("") is None


def test_missing_characters_are_those_no_font_covers():
    text = "∂(损失 C)/∂(权重 w₁) = σ · h₂ → 损失"
    assert fonts.missing_characters(text, NO_CJK) == "损失权重"  # each once, in order of appearance
    assert fonts.missing_characters(text, WITH_CJK) == ""


@needs_dot
def test_png_of_chinese_labels_warns_when_no_font_has_them(monkeypatch):
    # A fresh Debian machine: graphviz brings no CJK font, and the PNG showed 损失 as two empty boxes, silently.
    loss, _ = neuron()
    monkeypatch.setattr(fonts, "_coverage", NO_CJK)
    with pytest.warns(viz.MissingFontWarning, match=r"输 入 权 重 偏 置 损 失.*fonts-wqy-microhei.*SVG"):
        viz.export_bytes(loss, "png")
    with pytest.warns(viz.MissingFontWarning):
        viz.render_bytes(viz.draw(loss), "pdf")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        viz.export_bytes(loss, "svg")  # an SVG's text is drawn by its viewer, with the viewer's fonts
        monkeypatch.setattr(fonts, "_coverage", WITH_CJK)
        viz.export_bytes(loss, "png")


def test_no_warning_when_fonts_cannot_be_listed(monkeypatch):
    monkeypatch.setattr(fonts, "_coverage", False)  # no fc-list (or it failed): nothing can be told
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fonts.warn_missing("损失", "png")


@pytest.mark.needs("fc-list")
def test_font_coverage_reads_fontconfig(monkeypatch):
    monkeypatch.setattr(fonts, "_coverage", None)
    starts, ends = fonts.font_coverage()
    assert fonts.missing_characters("A", (starts, ends)) == ""  # every machine with fonts has a Latin A


@needs_dot
def test_cli_says_once_which_characters_no_font_has(tmp_path, monkeypatch):
    # the CLI runs in a subprocess: give it a fontconfig whose only font has no CJK
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "fc-list").write_text("#!/bin/sh\necho '20-7e a0-17f 2070-209f 2200-22ff'\n")
    (bin_dir / "fc-list").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    r = run_cli("export", "损失 * w", "--set", "损失=2", "--set", "w=3", "--backward", "--steps", "frames",
                "--steps-format", "png", "-o", "f.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.decode().splitlines()
    assert len(lines) == 1, lines  # one note for the picture and its frames, not one per frame
    assert lines[0].startswith("autograd-graph: note: no font on this machine has the characters 损 失")


def test_backward_steps_frames_take_dpi_and_size():
    loss, _ = neuron()
    frames = viz.backward_steps(loss, dpi=200, size="8,4.5")
    assert all(f.graph_attr["dpi"] == "200" and f.graph_attr["size"] == "8,4.5" for f in frames)
    assert "dpi" not in viz.backward_steps(loss)[0].graph_attr  # the default picture is unchanged
    with pytest.raises(ValueError, match="dpi must be"):
        viz.backward_steps(loss, dpi=5)


def test_backward_steps_of_a_saved_graph_says_why_not():
    loss, _ = neuron()
    with pytest.raises(TypeError, match="keeps no backward order.*viz.draw"):  # was: AttributeError 'grad'
        viz.backward_steps(viz.from_json(viz.to_json(viz.trace(loss))))


def test_unknown_gradient_keeps_the_width_of_the_number_it_becomes():
    # Frames of a slide sequence: "grad ?" became "grad -0.1188" in the next frame, the table grew and the whole
    # picture shifted (frame widths 479 to 578 px on the notes' neuron). The blank after ? stands for the number.
    loss, _ = neuron()
    first, last = viz.backward_steps(loss)[0], viz.backward_steps(loss)[-1]
    graph = first.graph
    for node in graph.nodes:
        if node.id == graph.output or not node.requires_grad or node.grad is None:
            continue
        line = next(x for x in first.source.splitlines() if x.startswith(f"\t{node.id} ["))
        unknown = line.split('<font color="#94a3b8">', 1)[1].split("</font>", 1)[0]
        line = next(x for x in last.source.splitlines() if x.startswith(f"\t{node.id} ["))
        known = re.search(r"grad [^<]*", line).group(0)
        assert unknown.startswith("grad ?") and len(unknown) == len(known), (unknown, known)
        assert unknown[6:].isspace()


def test_graph_from_dict_refuses_ids_that_name_nothing():
    loss, _ = neuron()
    d = viz.graph_to_dict(viz.trace(loss))
    d["edges"][0]["src"] = "n99"
    with pytest.raises(ValueError, match="n99.*not a node id"):
        viz.graph_from_dict(d)
    d = viz.graph_to_dict(viz.trace(loss))
    d["output"] = "n77"
    with pytest.raises(ValueError, match="output 'n77'"):
        viz.graph_from_dict(d)


@needs_dot
def test_cli_draws_a_folder_of_saved_graphs(tmp_path):
    # A teacher saves each lecture's graph as JSON once, then scripts the figures: there was no way to give the CLI
    # a saved graph ('g.json' was read as an expression: "attribute access not allowed at column 1").
    loss, w = neuron()
    viz.export(loss, tmp_path / "neuron.json")
    r = run_cli("export", "--graph", "neuron.json", "--highlight", "权重 w", "--dpi", "200", "--title", "一个神经元",
                "-o", "neuron.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "neuron.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = run_cli("export", "--graph", "neuron.json", "--highlight", "权重 w", "-f", "dot", "-o", "-", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    dot = r.stdout.decode()
    assert "∂(损失 C)/∂(权重 w)" in dot and f"{w.grad:.6g}" in dot  # the chain rule from the saved numbers
    assert dot == viz.draw(loss, highlight=w).source.rstrip("\n") + "\n"  # the same picture as from the Value


def test_cli_reads_a_saved_graph_from_standard_input(tmp_path):
    # `-` is standard input, as for an expression: a graph piped from one command into the next
    loss, w = neuron()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    saved = viz.export_bytes(loss, "json")
    r = subprocess.run([sys.executable, "-m", "autograd_core.viz", "export", "--graph", "-", "--highlight", "权重 w",
                        "-f", "dot", "-o", "-"], input=saved, cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == viz.draw(loss, highlight=w).source.rstrip("\n") + "\n"
    r = subprocess.run([sys.executable, "-m", "autograd_core.viz", "export", "--graph", "-", "-o", "x.svg"],
                       input=b'{"nodes": [', cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert r.returncode == 2 and "--graph (standard input): not a graph as -f json writes it" in r.stderr.decode()
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.parametrize("args, message", [
    (("export", "neuron.json", "-o", "x.svg"), "not an expression; to draw a saved graph, write --graph neuron.json"),
    (("export", "--graph", "neuron.json", "--backward", "-o", "x.svg"), "--backward does not apply to --graph"),
    (("export", "--graph", "neuron.json", "--steps", "f"), "--steps does not apply to --graph"),
    (("export", "--graph", "none.json", "-o", "x.svg"), "--graph none.json: no such file"),
    (("export", "--graph", "bad.json", "-o", "x.svg"), "bad.json: not a graph as -f json writes it"),
    (("export", "--graph", "neuron.json", "w*x", "-o", "x.svg"), "give exactly one of"),
])
def test_cli_saved_graph_usage_errors(tmp_path, args, message):
    loss, _ = neuron()
    viz.export(loss, tmp_path / "neuron.json")
    (tmp_path / "bad.json").write_text('{"schema": "autograd-core.graph/1", "nodes": []}')
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr.decode(), r.stderr
    assert not (tmp_path / "x.svg").exists()


@needs_dot
def test_cli_steps_as_png_frames_at_slide_resolution(tmp_path):
    # --steps wrote SVG only, and ignored --dpi: a slide deck wants PNG (or PDF) frames at its resolution
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "step_007.svg").write_text("<svg/>")  # an earlier run's frame, in another format
    r = run_cli("export", "h = x*w; f = tanh(h)", "--set", "w=2", "--const", "x=1", "--steps", "frames",
                "--steps-format", "png", "--dpi", "150", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    names = sorted(os.listdir(tmp_path / "frames"))
    assert names == ["step_000.png", "step_001.png", "step_002.png"]
    small = run_cli("export", "h = x*w; f = tanh(h)", "--set", "w=2", "--const", "x=1", "--steps", "small",
                    "--steps-format", "png", cwd=tmp_path)
    assert small.returncode == 0, small.stderr
    big, default = ((tmp_path / d / "step_000.png").read_bytes() for d in ("frames", "small"))
    width = int.from_bytes(big[16:20], "big"), int.from_bytes(default[16:20], "big")
    assert abs(width[0] / width[1] - 150 / 96) < 0.05  # drawn at --dpi
    r = run_cli("export", "w*x", "--set", "w=1", "--set", "x=2", "--steps-format", "png", "-o", "a.svg", cwd=tmp_path)
    assert r.returncode == 2 and "--steps-format png applies to the frames of --steps" in r.stderr.decode()


def test_font_and_background_for_slides(monkeypatch):
    # A teacher's slide has its own font and colour: the pictures were always Helvetica on white
    monkeypatch.setattr(fonts, "_families", frozenset({"noto sans", "wenquanyi micro hei"}))
    model_loss, w = neuron()
    pic = viz.draw(model_loss, font="WenQuanYi Micro Hei", background="transparent")
    assert pic.graph_attr["bgcolor"] == "transparent"
    assert all(a["fontname"] == "WenQuanYi Micro Hei" for a in (pic.graph_attr, pic.node_attr, pic.edge_attr))
    assert "Helvetica" not in pic.source
    default = viz.draw(model_loss)
    assert "bgcolor" not in default.graph_attr and default.graph_attr["fontname"] == "Helvetica"
    from autograd_core import nn  # module headings (bold) take the family too
    mlp = nn.MLP(2, [2, 1], rng=0)
    out = mlp([Value(1.0), Value(-1.0)])
    headed = viz.draw(out, font="Noto Sans", background="#fff8e1")
    assert 'fontname="Noto Sans Bold"' in headed.source and "Helvetica" not in headed.source
    assert headed.graph_attr["bgcolor"] == "#fff8e1"
    for bad in ("red; x", "#12345", ""):
        with pytest.raises(ValueError, match="background must be"):
            viz.draw(model_loss, background=bad)
    with pytest.raises(ValueError, match="font must be"):
        viz.draw(model_loss, font='a"b')
    frames = viz.backward_steps(model_loss, font="Noto Sans", background="transparent")
    assert all(f.node_attr["fontname"] == "Noto Sans" and f.graph_attr["bgcolor"] == "transparent" for f in frames)


def test_a_font_that_is_not_installed_is_said(monkeypatch):
    # fontconfig silently draws a missing family in another font: the teacher would not know why
    monkeypatch.setattr(fonts, "_families", frozenset({"dejavu sans", "wenquanyi micro hei"}))
    loss, _ = neuron()
    with pytest.warns(viz.MissingFontWarning, match="no installed font is called 'Comic Sans'"):
        viz.draw(loss, font="Comic Sans")
    with pytest.warns(viz.MissingFontWarning) as said:
        viz.backward_steps(loss, font="Comic Sans")
    assert len(said) == 1  # once, not once per frame
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("WenQuanYi Micro Hei", "dejavu sans", "Helvetica", "Times-Roman", "sans-serif"):
            viz.draw(loss, font=name)


def test_cli_font_and_background(tmp_path):
    r = run_cli("export", "w*x", "--set", "w=2", "--set", "x=3", "--backward", "--font", "DejaVu Sans",
                "--background", "transparent", "-f", "dot", "-o", "-", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'fontname="DejaVu Sans"' in r.stdout.decode() and "bgcolor=transparent" in r.stdout.decode()
    r = run_cli("export", "w*x", "--set", "w=2", "--set", "x=3", "--background", "red;", "-o", "x.svg", cwd=tmp_path)
    assert r.returncode == 2 and "background must be" in r.stderr.decode()


def test_expressions_take_names_with_subscripts_and_in_any_script():
    # The notes write z = x₁w₁ + x₂w₂ + b and 损失: `w₁` was a syntax error, `--set w₁=…` drew "w1" (NFKC), and a
    # program could not assign 损失 = … (its names had to be ASCII)
    from autograd_core.viz.expr import ExprError, evaluate_program, parse_assignment, parse_constant

    variables = dict([parse_assignment("w₁=0.5"), parse_assignment("w₂=-0.3"), parse_assignment("b=0.1"),
                      parse_constant("x₁=1"), parse_constant("x₂=-1")])
    assert sorted(variables) == ["b", "w₁", "w₂", "x₁", "x₂"]
    loss = evaluate_program("z = x₁*w₁ + x₂*w₂ + b; a = sigmoid(z); 损失 = (a - 1)**2", variables)
    assert loss.label == "损失"
    loss.backward()
    labels = {n.label for n in viz.trace(loss).nodes}
    assert {"w₁", "w₂", "x₁", "x₂", "z", "a", "损失"} <= labels
    a = 1 / (1 + np.exp(-(0.5 + 0.3 + 0.1)))
    assert np.isclose(variables["w₁"].grad, 2 * (a - 1) * a * (1 - a) * 1.0)
    assert parse_assignment("ｗ₁=1")[0] == "w₁"  # NFKC as Python reads names, the subscript kept
    with pytest.raises(ExprError, match=r"unknown name 'x₃' at column 6"):  # the user's column, not ast's bytes
        evaluate_program("w₁ + x₃", variables)
    with pytest.raises(ExprError, match=r"unknown name 'q' at column 6"):
        evaluate_program("损失 + q", {"损失": Value(1.0, label="损失")})
    with pytest.raises(ExprError, match="a subscript .* may only end or continue a name"):
        evaluate_program("2₁ * w₁", variables)
    with pytest.raises(ExprError, match="not a valid variable name"):
        parse_assignment("₁w=1")


@needs_dot
def test_cli_lecture_neuron_with_subscripts(tmp_path):
    r = run_cli("export", "z = x₁*w₁ + x₂*w₂ + b; a = sigmoid(z); 损失 = (a - 1)**2", "--const", "x₁=1", "--const",
                "x₂=-1", "--set", "w₁=0.5", "--set", "w₂=-0.3", "--set", "b=0.1", "--backward", "--highlight", "w₁",
                "-o", "neuron.svg", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    svg = (tmp_path / "neuron.svg").read_text()
    assert "∂损失/∂w₁" in svg and ">w₁<" in svg and "x₁ = 1" in svg


def test_size_with_bang_scales_up_to_fill_a_slide():
    # size= only scaled down: a small graph stayed small on a 1920-px slide, and 'W,H!' (Graphviz's way) was refused
    loss, _ = neuron()
    assert viz.draw(loss, size="8,4.5!").graph_attr["size"] == "8,4.5!"
    assert viz.draw(loss, size="8,4.5").graph_attr["size"] == "8,4.5"
    assert viz.backward_steps(loss, size=" 8,4.5! ")[0].graph_attr["size"] == "8,4.5!"
    for bad in ("!", "8,!", "8,4.5!!", "-1!"):
        with pytest.raises(ValueError, match="size must be"):
            viz.draw(loss, size=bad)


@needs_dot
def test_cli_size_fill_makes_slide_pixels(tmp_path):
    r = run_cli("export", "tanh(w*x)", "--set", "w=1", "--set", "x=2", "--backward", "--size", "8,4.5!", "--dpi", "240",
                "-o", "f.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert int.from_bytes((tmp_path / "f.png").read_bytes()[16:20], "big") == 1920  # 8 in x 240 dpi


SLIDES = REPO / "docs" / "slides.md"


@needs_dot
def test_slides_page_python_runs_as_written():
    block = re.search(r"```python\n(.*?)```", SLIDES.read_text(encoding="utf-8"), flags=re.S).group(1)
    scope = {}
    exec(compile(block, str(SLIDES), "exec"), scope)  # noqa: S102 (the page's own example)
    out = pathlib.Path(scope["out"])
    names = sorted(p.name for p in out.iterdir())
    assert names[:2] == ["graph.pdf", "graph.png"] and names[2:] == [f"step_{k:02d}.png" for k in range(len(names) - 2)]
    png = (out / "graph.png").read_bytes()
    assert int.from_bytes(png[16:20], "big") == 1920 or int.from_bytes(png[20:24], "big") == 1080


@needs_dot
def test_slides_page_commands_run_as_written(tmp_path):
    block = re.search(r"```bash\n(.*?)```", SLIDES.read_text(encoding="utf-8"), flags=re.S).group(1)
    venv_bin = pathlib.Path(sys.executable).parent  # where pip put the autograd-graph script
    env = dict(os.environ, PYTHONPATH=str(REPO), PATH=f"{venv_bin}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path / "figures")) == ["chain.pdf", "neuron.png", "tanh.png"]
    assert sorted(os.listdir(tmp_path / "frames")) == [f"step_{k:03d}.png" for k in range(5)]


@needs_dot
def test_backward_steps_take_a_heading_for_every_frame(tmp_path):
    # --title was dropped from the --steps frames: a slide sequence lost the lecture's heading
    loss, _ = neuron()
    frames = viz.backward_steps(loss, title="反向传播")
    assert all(f.graph_attr["label"].startswith("反向传播\\lbackward step ") for f in frames)
    assert viz.backward_steps(loss)[0].graph_attr["label"].startswith("backward step 1/")
    r = run_cli("export", "tanh(w*x)", "--set", "w=1", "--const", "x=2", "--steps", "frames", "--steps-format", "svg",
                "--title", "反向传播", "--dpi", "150", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert all("反向传播" in p.read_text() for p in (tmp_path / "frames").iterdir())
