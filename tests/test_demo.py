"""`bash scripts/demo.sh` runs examples/demo.py as a script: it must work from any directory, draw its picture
and train (the training part imports examples.train_moons, which a script only finds if it puts the repository on
sys.path)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.needs("dot")
def test_the_demo_script_writes_its_picture_and_plots(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "demo.py"), "--out", str(tmp_path),
                             "--steps", "3"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "<svg" in (tmp_path / "sigmoid.svg").read_text()
    assert {"sigmoid.json", "moons_boundary.png", "moons_training.png"} <= {p.name for p in tmp_path.iterdir()}
    # Output to a pipe or a log file has no progress bar (tqdm's carriage-return lines); a terminal shows one.
    assert "\r" not in result.stderr and "it/s" not in result.stderr, result.stderr[-500:]


def test_progress_bars_show_on_a_terminal_only():
    from examples._output import hidden_progress

    assert hidden_progress(None) is None  # tqdm's disable=None: shown only when the output is a terminal
    assert hidden_progress(True) is False and hidden_progress(False) is True
