"""Build the teaching notebooks from their sources in notebooks/src/, execute them, store their outputs.

    .venv/bin/python notebooks/_build.py            # every notebook
    .venv/bin/python notebooks/_build.py 03 07      # the ones whose file name starts with 03 or 07

A source is a Python file in the "percent" format that editors and jupytext understand:

    # %% [markdown]
    # # A title
    # Some text; every line starts with "# ".

    # %%
    print("a code cell")

Each source becomes `notebooks/<same name>.ipynb`, executed in a fresh kernel started from the Python
running this script (the working directory is notebooks/), and written with its outputs so that it reads
well on a web page. The execution time of each notebook (and of its slowest cell) is printed. The tests execute the
committed notebooks again (tests/test_notebooks.py) but never write them: run this script after editing a
source, and commit both.
"""

from __future__ import annotations

import re
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
CELL_TIMEOUT = 120  # seconds, as in the tests
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

_MARKER = re.compile(r"^# %%(?P<markdown> \[markdown\])?\s*$")


def parse_cells(text: str):
    """The cells of a percent-format source: a list of ('code' | 'markdown', source text)."""
    cells, kind, lines = [], None, []

    def flush():
        body = "\n".join(lines).strip("\n")
        if kind is not None and body:
            cells.append((kind, body))

    for line in text.splitlines():
        match = _MARKER.match(line)
        if match:
            flush()
            kind, lines = ("markdown" if match["markdown"] else "code"), []
            continue
        if kind == "markdown":
            if line.strip() and not line.startswith("#"):
                raise ValueError(f"a markdown cell line must start with '#': {line!r}")
            line = line[2:] if line.startswith("# ") else line.lstrip("#")
        elif kind is None:
            if line.strip():
                raise ValueError(f"text before the first '# %%' marker: {line!r}")
            continue
        lines.append(line)
    flush()
    return cells


def build_notebook(source: Path):
    """An unexecuted notebook (nbformat v4) from one percent-format source file."""
    nb = nbformat.v4.new_notebook()
    for kind, body in parse_cells(source.read_text(encoding="utf-8")):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(body))
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    # Stable cell ids keep the diffs of committed notebooks small when a source changes.
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{source.stem[:2]}-{i:02d}"
    return nb


def execute(nb, workdir: Path = HERE):
    """Run every cell of `nb` in place, in a fresh python3 kernel.

    Returns (seconds for the whole notebook, seconds of its slowest cell). The per-cell timestamps nbclient
    records are removed afterwards: they would change the committed file on every build.
    """
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    client.execute()
    total = time.perf_counter() - start
    slowest = 0.0
    for cell in nb.cells:
        stamps = cell.get("metadata", {}).pop("execution", None)
        if stamps and "iopub.execute_input" in stamps and "shell.execute_reply" in stamps:
            began = datetime.fromisoformat(stamps["iopub.execute_input"].replace("Z", "+00:00"))
            ended = datetime.fromisoformat(stamps["shell.execute_reply"].replace("Z", "+00:00"))
            slowest = max(slowest, (ended - began).total_seconds())
    return total, slowest


def main(argv):
    sources = sorted(SOURCES.glob("[0-9][0-9]_*.py"))
    if argv:
        sources = [s for s in sources if any(s.name.startswith(prefix) for prefix in argv)]
        if not sources:
            raise SystemExit(f"no source in {SOURCES} starts with {' or '.join(argv)}")
    timings = []
    for source in sources:
        nb = build_notebook(source)
        seconds, slowest = execute(nb)
        nb.metadata["language_info"] = {"name": "python", "version": ".".join(map(str, sys.version_info[:3]))}
        target = HERE / f"{source.stem}.ipynb"
        nbformat.write(nb, target)
        timings.append((target.name, seconds))
        print(f"{target.name:<48} {seconds:6.1f} s   (slowest cell {slowest:.1f} s)", flush=True)
    print(f"{'total':<48} {sum(s for _, s in timings):6.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
