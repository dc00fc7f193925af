"""The API reference in docs/api/ is generated (scripts/gen_api_docs.py): the committed pages must equal what the
generator produces from the code now, and every public callable must have a docstring (its first paragraph is what
the reference shows). The generator runs in a fresh interpreter, so names other tests attach to modules don't count.
"""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
REGENERATE = "run `python scripts/gen_api_docs.py` and commit docs/api/"


@pytest.fixture(scope="module")
def report():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_api_docs.py"), "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_committed_api_pages_are_up_to_date(report):
    assert not report["stale"], f"docs/api/ is stale ({', '.join(report['stale'])}): {REGENERATE}"


def test_every_public_callable_has_a_docstring(report):
    missing = report["missing"]
    assert not missing, (f"{len(missing)} public callables have no docstring (write a first line stating shapes and "
                         f"semantics, then {REGENERATE}):\n  " + "\n  ".join(missing))
