"""A PNG bigger than Graphviz's bitmaps allow (32,767 pixels a side) is scaled down by dot, which says so on its
stderr only: the library threw that line at the terminal (or, with a timeout, away), the CLI always away, so a user
got a smaller picture than asked for without a word. Now a `viz.PictureScaledWarning` says by how much and what keeps
every detail; the CLI shows it as one note. dot's other messages still reach stderr as before. A stand-in for `dot`
on PATH prints the real dot's words (Graphviz 2.43's)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import warnings

import pytest

from autograd_core import Value, viz

REPO = pathlib.Path(__file__).resolve().parents[1]
SCALED = "dot: graph is too large for cairo-renderer bitmaps. Scaling by 0.685832 to fit\n"


@pytest.fixture
def stand_in_dot(tmp_path, monkeypatch):
    """A `dot` that writes 'PNG' and, on stderr, the scaling line and one other warning."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    dot = bin_dir / "dot"
    dot.write_text(f"#!{sys.executable}\nimport sys\nsys.stdin.read()\nsys.stdout.write('PNG')\n"
                   f"sys.stderr.write({SCALED!r} + 'Warning: another of dot\\'s messages\\n')\n")
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir


def _graph():
    x = Value(0.5, label="x")
    y = x.tanh()
    y.backward()
    return y


@pytest.mark.parametrize("timeout", [None, 30.0], ids=["no timeout", "timeout"])
def test_a_png_scaled_to_fit_warns_by_how_much(stand_in_dot, capfd, timeout):
    with pytest.warns(viz.PictureScaledWarning, match=r"the PNG was scaled to 69% of its size.*32,767.*SVG or PDF"):
        assert viz.render_bytes(viz.draw(_graph()), "png", timeout=timeout) == b"PNG"
    err = capfd.readouterr().err
    assert "Scaling by" not in err  # said once, as the warning
    # dot's other words go to stderr as graphviz's pipe() let them through; with a timeout (Jupyter, the CLI) not
    assert ("another of dot's messages" in err) == (timeout is None)


def test_a_picture_dot_did_not_scale_says_nothing(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dot").write_text(f"#!{sys.executable}\nimport sys\nsys.stdin.read()\nsys.stdout.write('PNG')\n")
    (bin_dir / "dot").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert viz.export_bytes(_graph(), "png") == b"PNG"


def test_the_cli_says_it_in_one_note(stand_in_dot, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "autograd_core.viz", "export", "tanh(w)", "--set", "w=0.5",
                           "-o", "t.png"], cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograd-graph: note: the PNG was scaled to 69% of its size"), lines
    assert (tmp_path / "t.png").read_bytes() == b"PNG"
