"""The README's Python examples (and docs/architecture.md's) run as written, and print what the page says they print."""

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def _expected_outputs(block):
    """The `# value` comments after print(...) calls: what the README promises each call prints. A print inside a
    block (a loop, an `if`) is indented and promises as much as one at the top level."""
    same_line = re.finditer(r"^[ \t]*print\(.*\)[ \t]+#[ \t]*(.+)$", block, flags=re.M)
    next_line = re.finditer(r"^[ \t]*print\(.*\)\n#[ \t]*(.+)$", block, flags=re.M)
    return [m.group(1).strip() for m in (*same_line, *next_line)]


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs_and_prints_what_it_says(block):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), {"__name__": "readme"})
    printed = " ".join(out.getvalue().split())
    for expected in _expected_outputs(block):
        # Comments abbreviate multi-line output onto one line; compare with whitespace folded.
        promise = " ".join(expected.split())
        if any(c.isdigit() for c in promise):  # a value, not a remark
            assert promise in printed, f"README promises {promise!r}; the example printed {printed!r}"


def test_readme_has_examples():
    assert len(BLOCKS) >= 3


ARCHITECTURE = README.parent / "docs" / "architecture.md"


def test_architecture_example_runs_and_prints_what_it_says():
    # "Writing a primitive" registers a primitive of its own: run it in a fresh interpreter, so that the registry
    # the other tests walk (every primitive's JVP rule, compiled replays) stays the library's.
    blocks = re.findall(r"```python\n(.*?)```", ARCHITECTURE.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "docs/architecture.md has no Python example"
    for block in blocks:
        done = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, timeout=120,
                              cwd=README.parent)
        assert done.returncode == 0, done.stderr
        printed = " ".join(done.stdout.split())
        promises = _expected_outputs(block)
        assert promises, "the example promises no output"
        for expected in promises:
            assert " ".join(expected.split()) in printed, f"the page promises {expected!r}; it printed {printed!r}"
