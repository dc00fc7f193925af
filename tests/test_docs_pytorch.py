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


# The page says how large some test tables are ("`tests/test_shape_errors.py`: 76 cases"); each number is the length of
# the table the tests are parametrised over, and grows with it: (what the page says, with the number as a group; the
# test module; its table).
COUNTED = [
    (r"runs\s+([\d,]+)\s+expressions\s+at\s+±inf", "test_pytorch_probe_special_values", "ROWS"),
    (r"test_shape_errors\.py`:\s+([\d,]+)\s+cases", "test_shape_errors", "CASES"),
    (r"test_error_classes\.py`\s+checks\s+([\d,]+)\s+mistakes", "test_error_classes", "CASES"),
    (r"test_testing\.py`\s+compares\s+([\d,]+)\s+cases", "test_testing", "CASES"),
    (r"test_grad_array\.py`\s+runs\s+([\d,]+)\s+such\s+idioms", "test_grad_array", "TORCH_IDIOMS"),
]


@pytest.mark.parametrize("said, module, table", COUNTED, ids=[c[1] for c in COUNTED])
def test_the_test_tables_are_as_large_as_the_page_says(said, module, table):
    import importlib

    found = re.search(said, PAGE.read_text(encoding="utf-8"))
    assert found, f"the page no longer says how large {module}'s {table} is"
    assert int(found.group(1).replace(",", "")) == len(getattr(importlib.import_module(module), table))


def test_the_linear_shape_error_the_page_quotes_is_the_one_raised():
    quoted = re.search(r'\("(mat1 and mat2 shapes cannot be multiplied[^"]*)"\)', PAGE.read_text(encoding="utf-8"))
    assert quoted, "the page no longer quotes Linear's shape error"
    with pytest.raises(ag.ShapeError) as info:
        ag.nn.Linear(10, 2)(ag.ones(1, 18))
    assert " ".join(quoted.group(1).split()) == str(info.value)
