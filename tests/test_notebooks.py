"""The teaching notebooks run: each committed notebook is executed in a fresh kernel, and any error fails.

Notebooks are read and executed in memory, never written back: the committed files keep the outputs that
`notebooks/_build.py` stored. That script builds them from `notebooks/src/*.py`; the tests below also check
that each committed notebook still holds the code of its source (so nobody edits one and forgets the other).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
# What the notebooks import (sklearn for nn.load_digits); looked up, not imported: importing is slow.
MISSING = [name for name in ("ipykernel", "matplotlib", "sklearn") if importlib.util.find_spec(name) is None]

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
SOURCES = sorted((NOTEBOOK_DIR / "src").glob("[0-9][0-9]_*.py"))
CELL_TIMEOUT = 120  # seconds per cell

pytestmark = [
    pytest.mark.notebook,
    pytest.mark.skipif(bool(MISSING), reason=f"the notebooks need {', '.join(MISSING)} (pip install -e '.[test]')"),
]


def _load_builder():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOK_DIR / "_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _execute(nb):
    """Run all cells in a fresh python3 kernel, working directory notebooks/; raises on the first error."""
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute()
    return nb


def test_kernel_is_this_python():
    """The python3 kernel must run in this environment (the venv with the package), not another Python."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.prefix)"))
    _execute(nb)
    kernel_prefix = nb.cells[0].outputs[0]["text"].strip()
    assert Path(kernel_prefix).resolve() == Path(sys.prefix).resolve(), (
        f"the 'python3' Jupyter kernel runs the Python in {kernel_prefix}, not this one ({sys.prefix}); "
        "a user-wide python3 kernelspec may shadow the venv's: see `jupyter kernelspec list`"
    )


def test_every_source_has_its_notebook():
    assert SOURCES, f"no notebook sources in {NOTEBOOK_DIR / 'src'}"
    assert [p.stem for p in NOTEBOOKS] == [p.stem for p in SOURCES], (
        "notebooks/*.ipynb and notebooks/src/*.py differ: run `python notebooks/_build.py`"
    )


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_committed_notebook_matches_its_source(source):
    """Same cells, same text, every code cell executed without error: the stored outputs are current."""
    builder = _load_builder()
    expected = builder.parse_cells(source.read_text(encoding="utf-8"))
    path = NOTEBOOK_DIR / f"{source.stem}.ipynb"
    assert path.exists(), f"{path.name} is missing: run `python notebooks/_build.py {source.stem[:2]}`"
    nb = nbformat.read(path, as_version=4)
    found = [(cell.cell_type, cell.source) for cell in nb.cells]
    assert found == expected, f"{path.name} is stale: run `python notebooks/_build.py {source.stem[:2]}`"
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"{path.name}: a code cell was not executed"
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name}: stored output holds an error: {errors[0].get('evalue')}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path):
    before = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    _execute(nb)
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code_cells and all(cell.execution_count is not None for cell in code_cells)
    assert path.read_bytes() == before, f"executing {path.name} rewrote the committed file"


def _stored_outputs(stem, code):
    """The stored outputs of the committed notebook's code cell whose source contains `code`."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{stem}.ipynb", as_version=4)
    cells = [cell for cell in nb.cells if cell.cell_type == "code" and code in cell.source]
    assert cells, f"{stem}: no code cell with {code!r}"
    return cells[0].outputs


@pytest.mark.parametrize("stem", ["01_sigmoid_wx_b", "03_fully_connected_network"])
def test_notebook_shows_the_explorer(stem):
    """Notebooks 01 and 03 end a cell with viz.explore(...): the stored output is the explorer's sandboxed frame."""
    frames = [o["data"]["text/html"] for o in _stored_outputs(stem, "viz.explore(")
              if o.get("output_type") in ("execute_result", "display_data") and "text/html" in o.get("data", {})]
    assert frames and frames[0].startswith("<iframe") and 'sandbox="allow-scripts"' in frames[0]
    assert "graph-data" in frames[0] and "autograd-core.explorer/1" in frames[0]


def test_notebook_03_neuron_graph_is_in_order_without_matrices():
    """The neuron-by-neuron picture of notebook 03: no getitem nodes or flattened matrices, each module named,
    neuron 0 left of neuron 1 (top to bottom picture)."""
    import re

    svgs = [o["data"]["image/svg+xml"] for o in _stored_outputs("03_fully_connected_network", "display(viz.draw(y1")
            if "image/svg+xml" in o.get("data", {})]
    assert svgs
    svg = svgs[0]
    assert "getitem" not in svg and "(2, 2)" not in svg and "(2,)" not in svg
    rows = {}
    for m in re.finditer(r'<text[^>]*x="([-\d.]+)" y="([-\d.]+)"[^>]*>([^<]*Neuron neurons\.([01]))<', svg):
        rows.setdefault(m.group(2), {})[int(m.group(4))] = float(m.group(1))
    pairs = [row for row in rows.values() if len(row) == 2]
    assert len(pairs) == 2  # layers 0 and 1 have two neurons (layer 2's second one is not needed for y1)
    assert all(row[0] < row[1] for row in pairs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_printed_outputs_show_numbers_not_objects(path):
    """A printed result reads as a number or a table, never as an engine object's repr: a `Value(...)` or
    `<... object at 0x...>` in a stored text output means a print forgot float() or .data."""
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text = output.get("text", "")
            elif output.get("output_type") == "execute_result":
                text = output.get("data", {}).get("text/plain", "")
            else:
                continue
            assert "Value(" not in text and " object at 0x" not in text, (
                f"{path.name}, cell {index}: a printed output shows an object instead of a number: {text[:120]!r}"
            )


def test_notebook_03_cross_entropy_edge_states_the_mean():
    """The digits network's picture in notebook 03: the loss is a mean over the batch, so the rule on the edge
    into cross_entropy must say that the gradient is divided by N (it once read g⊙(softmax(z) − onehot(y)))."""
    svgs = [o["data"]["image/svg+xml"] for o in _stored_outputs("03_fully_connected_network", "F.cross_entropy(mlp(")
            if "image/svg+xml" in o.get("data", {})]
    assert svgs and "onehot(y)), ÷N for the mean" in svgs[0]
