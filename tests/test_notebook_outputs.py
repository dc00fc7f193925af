"""The stored outputs of the teaching notebooks read cleanly: no warning or other stderr text in front of a
learner. (A warning printed by a notebook means an API it uses changed, or a computation overflowed: fix the
source, then rebuild with notebooks/_build.py.) Reads the committed files only; nothing is executed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
WARNING = re.compile(r"\b\w*(Warning|Error)\b:|warnings\.warn|Traceback \(most recent call last\)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_warning_in_stored_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "stream":
                continue
            text = output.get("text", "")
            assert output.get("name") != "stderr", f"{path.name}, cell {index} prints to stderr: {text[:200]!r}"
            lines = [ln for ln in text.splitlines() if WARNING.search(ln)]
            # A notebook may print an exception on purpose (06 shows the TypeError of the lecture's snippet): then
            # its own code says so, with an `except ...Error` in the cell.
            expected = {m[1] for m in re.finditer(r"except (\w+)", cell.source)}
            unexpected = [ln for ln in lines if not any(ln.startswith(f"{name}: ") for name in expected)]
            assert not unexpected, f"{path.name}, cell {index} prints a warning or error: {unexpected[0][:200]!r}"
