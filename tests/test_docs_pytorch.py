"""docs/coming-from-pytorch.md: every Python example runs as written and prints what its comments say."""

import contextlib
import io
import re
from pathlib import Path

import pytest
from test_readme import _expected_outputs

import autograd_core as ag

PAGE = Path(__file__).resolve().parents[1] / "docs" / "coming-from-pytorch.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_runs_and_prints_what_it_says(block):
    ag.manual_seed(0)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(PAGE), "exec"), {"__name__": "docs"})
    printed = " ".join(out.getvalue().split())
    for expected in _expected_outputs(block):
        promise = " ".join(expected.split())
        assert promise in printed, f"the page promises {promise!r}; the example printed {printed!r}"


def test_page_has_examples():
    assert len(BLOCKS) >= 8


def test_the_special_values_probe_is_as_large_as_the_page_says():
    # "Gradients at special values follow PyTorch's (... runs N expressions at ±inf, NaN, ±0 and ties ...)": N is the
    # probe's table of rows (an expression on one set of inputs), which grows as rows are added.
    from test_pytorch_probe_special_values import ROWS

    said = re.search(r"runs\s+([\d,]+)\s+expressions\s+at\s+±inf", PAGE.read_text(encoding="utf-8"))
    assert said, "the page no longer says how many expressions the probe runs"
    assert int(said.group(1).replace(",", "")) == len(ROWS)


def test_the_linear_shape_error_the_page_quotes_is_the_one_raised():
    quoted = re.search(r'\("(mat1 and mat2 shapes cannot be multiplied[^"]*)"\)', PAGE.read_text(encoding="utf-8"))
    assert quoted, "the page no longer quotes Linear's shape error"
    with pytest.raises(ag.ShapeError) as info:
        ag.nn.Linear(10, 2)(ag.ones(1, 18))
    assert " ".join(quoted.group(1).split()) == str(info.value)
