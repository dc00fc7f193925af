"""Shared test set-up, kept small.

The engine tests import their op table and backends from sibling modules (`test_ops_table`,
`test_ops_backends`): make this folder importable whatever pytest's --import-mode.

`@pytest.mark.needs("dot")` marks a test that needs a program on PATH (Graphviz's `dot`, a browser, an MPI
launcher). On a user's machine a missing program skips the test with the reason; in CI (`CI` set to true), the
set-up script must have installed it, so a missing program fails the test instead of hiding it.

A test module's generator at module level (`RNG = np.random.default_rng(0)`, also named `R` or `rng`), and the
library's default generator (what `ag.randn` and new layers draw from), are replaced for each test by ones seeded from
the test's id: what a test draws no longer depends on which tests ran before it in
the same process, which under pytest-xdist changes from run to run (a tolerance that held for one draw failed for
another, now and then).

`AUTOGRAD_CORE_TEST_ORDER=reverse` runs the tests in the reverse of their usual order, to find tests that pass only
after (or before) some others in the same process: state that one test leaves behind (a thread pool, a cache, a
default) and another depends on.

`AUTOGRAD_CORE_TEST_WITHOUT=torch` makes `import torch` fail in this run, as on a machine without PyTorch:
.ci/run uses it to prove that the comparisons with PyTorch skip cleanly.
"""

import os
import shutil
import sys
import zlib

import numpy as np
import pytest

_HIDDEN = frozenset(filter(None, os.environ.get("AUTOGRAD_CORE_TEST_WITHOUT", "").split(",")))


class _HidePackages:
    """A finder first on sys.meta_path: `import torch` raises ModuleNotFoundError, as if it were not installed.
    (Not `sys.modules['torch'] = None`: libraries such as SciPy take a name in sys.modules as loaded.)"""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in _HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r} (hidden by AUTOGRAD_CORE_TEST_WITHOUT)", name=name)
        return None


if _HIDDEN:
    assert not _HIDDEN & set(sys.modules), f"already imported: {sorted(_HIDDEN & set(sys.modules))}"
    sys.meta_path.insert(0, _HidePackages())

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

_MODULE_GENERATOR_NAMES = ("RNG", "R", "rng")


@pytest.fixture(autouse=True)
def _module_generator_per_test(request, monkeypatch):
    """The test module's generator (see the module docstring), and the library's default generator (`ag.randn`,
    layers' initial weights), seeded from this test's id for this test; the library's is given back afterwards."""
    seed = zlib.crc32(request.node.nodeid.encode())
    module = getattr(request, "module", None)
    for name in _MODULE_GENERATOR_NAMES:
        if isinstance(getattr(module, name, None), np.random.Generator):
            monkeypatch.setattr(module, name, np.random.default_rng(seed))
    library = sys.modules.get("autograd_core.tensor")  # imported by the tests that use it (never imported here)
    if library is not None:
        monkeypatch.setitem(library.DEFAULTS, "rng", np.random.default_rng(seed))
        monkeypatch.setitem(library.DEFAULTS, "seed", seed)


@pytest.fixture(autouse=True)
def _print_options_per_test():
    """Print options as they were before the test: the book programs run in-process call `torch.set_printoptions`
    and `np.set_printoptions` (precision=2, as their authors like it), which would otherwise change what every later
    test in the same process prints (a README example's promised digits, a lesson's printed statistics)."""
    numpy_options = np.get_printoptions()
    ours = sys.modules.get("autograd_core.value")
    our_options = dict(ours._PRINT_OPTIONS) if ours is not None else None
    torch = sys.modules.get("torch")
    torch_options = None
    if torch is not None and hasattr(torch, "_tensor_str"):
        torch_options = dict(vars(torch._tensor_str.PRINT_OPTS))
    yield
    np.set_printoptions(**numpy_options)
    ours = sys.modules.get("autograd_core.value")
    if ours is not None:
        ours._PRINT_OPTIONS.clear()
        ours._PRINT_OPTIONS.update(our_options if our_options is not None else ours._PRINT_DEFAULTS)
    torch = sys.modules.get("torch")
    if torch_options is not None:
        vars(torch._tensor_str.PRINT_OPTS).update(torch_options)
    elif torch is not None and hasattr(torch, "set_printoptions"):  # imported by this test: PyTorch's defaults
        torch.set_printoptions(profile="default", sci_mode=None)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("AUTOGRAD_CORE_TEST_ORDER", "") == "reverse":
        items.reverse()


def pytest_configure(config):
    config.addinivalue_line("markers", "needs(program): the test needs this program on PATH (fails in CI if missing)")


def pytest_runtest_setup(item):
    for marker in item.iter_markers(name="needs"):
        for program in marker.args:
            # Programs from pip wheels (MPICH's mpiexec) live beside the interpreter, which may not be on PATH.
            if shutil.which(program) is None and shutil.which(program, path=os.path.dirname(sys.executable)) is None:
                message = f"{program!r} is not installed (bash scripts/test.sh installs it)"
                if IN_CI:
                    pytest.fail(f"CI: {message}", pytrace=False)
                pytest.skip(message)

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
