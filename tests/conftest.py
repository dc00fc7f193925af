"""Shared test set-up, kept small.

The engine tests import their op table and backends from sibling modules (`test_ops_table`,
`test_ops_backends`): make this folder importable whatever pytest's --import-mode.

`@pytest.mark.needs("dot")` marks a test that needs a program on PATH (Graphviz's `dot`, a browser, an MPI
launcher). On a user's machine a missing program skips the test with the reason; in CI (`CI` set to true), the
set-up script must have installed it, so a missing program fails the test instead of hiding it. The same holds in CI
for a Python module a test asks for with `pytest.importorskip` (the test extras), PyTorch excepted: it is the one
oracle a green suite may lack.

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

`AUTOGRAD_CORE_TEST_TORCH_LOG=PATH` writes to PATH.<worker> the tests that ask for PyTorch in this run (see
`_TorchRequests`), and `AUTOGRAD_CORE_TEST_ONLY=PATH` runs only the tests such a list names: scripts/test.sh runs
without PyTorch again only the tests that asked for it with PyTorch installed, the only ones whose outcome can
depend on its absence.

`AUTOGRAD_CORE_TEST_SHARE=K/N` with `AUTOGRAD_CORE_TEST_CLAIMS=FOLDER` makes this process one of N that run the suite
between them, each test in one of them (see `_ClaimedTests`): scripts/test.sh's two processes.
"""

import ast
import builtins
import contextlib
import hashlib
import importlib
import importlib.util
import json
import os
import shutil
import sys
import zlib

import pytest

# One thread for NumPy's BLAS and PyTorch's kernels in each process of the suite, unless the caller chose otherwise:
# what scripts/test.sh exports (see the reason there), here too for `pytest -n 2` run by hand, so that such a run
# computes as CI does and takes CI's time (with a pool in each worker, minGPT's sort demo took 80 s instead of 14 s
# beside another worker). Set before NumPy's first import in this process; xdist's workers and the subprocesses
# tests start inherit it.
for _blas_threads in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_blas_threads, "1")

import numpy as np  # noqa: E402 (after the threads are set)

_HIDDEN = frozenset(filter(None, os.environ.get("AUTOGRAD_CORE_TEST_WITHOUT", "").split(",")))


class _HidePackages:
    """A finder first on sys.meta_path: `import torch` raises ModuleNotFoundError, as if it were not installed.
    (Not `sys.modules['torch'] = None`: libraries such as SciPy take a name in sys.modules as loaded.)"""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in _HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r} (hidden by AUTOGRAD_CORE_TEST_WITHOUT)", name=name)
        return None


def _find_spec_hiding(name, package=None, _find_spec=importlib.util.find_spec):
    """importlib.util.find_spec as on a machine without the hidden packages: None for one of them (a library's
    `find_spec("torch") is None` test, bench/bench_engine's), ModuleNotFoundError for a submodule of one (its
    parent is imported first); the finder above would raise for the package itself too."""
    top = (importlib.util.resolve_name(name, package) if name.startswith(".") else name).partition(".")
    if top[0] in _HIDDEN:
        if not top[2]:
            return None
        raise ModuleNotFoundError(f"No module named {top[0]!r} (hidden by AUTOGRAD_CORE_TEST_WITHOUT)", name=top[0])
    return _find_spec(name, package)


@contextlib.contextmanager
def pytorch_hidden():
    """Within: the import system answers as on a machine without PyTorch, even in a process that has imported it:
    a request for `torch` or a submodule (an import statement, `__import__`, `importlib.import_module`) raises
    ModuleNotFoundError, `importlib.util.find_spec("torch")` is None. (The finder of AUTOGRAD_CORE_TEST_WITHOUT is
    not enough here: once `torch` is in sys.modules, an import does not ask the finders.) A hidden request is not
    noted by AUTOGRAD_CORE_TEST_TORCH_LOG (_TorchRequests): its answer already is the one a run without PyTorch
    gets. program_harness runs a program's autograd_core half so: see pytorch_for_the_rest_of_this_test."""
    def hidden(name):
        return name.partition(".")[0] == "torch"

    def refuse(name):
        raise ModuleNotFoundError(f"No module named {name.partition('.')[0]!r} (hidden by pytorch_hidden)", name=name)
    saved = builtins.__import__, importlib.import_module, importlib.util.find_spec

    def __import__(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and hidden(name):
            refuse(name)
        return saved[0](name, globals, locals, fromlist, level)

    def import_module(name, package=None):
        if hidden(name):
            refuse(name)
        return saved[1](name, package)

    def find_spec(name, package=None):
        if hidden(name):
            if "." not in name:
                return None
            refuse(name)
        return saved[2](name, package)
    builtins.__import__, importlib.import_module, importlib.util.find_spec = __import__, import_module, find_spec
    try:
        yield
    finally:
        builtins.__import__, importlib.import_module, importlib.util.find_spec = saved


def pytorch_for_the_rest_of_this_test():
    """`pytest.importorskip("torch")`, for a test whose every step from here to its end needs PyTorch, having done
    before it, with PyTorch hidden (pytorch_hidden), all that it does without PyTorch: program_harness's comparisons
    (their autograd_core half runs first, hidden, then PyTorch's). Without PyTorch the test skips here, so its
    outcome without PyTorch is decided by what ran before: a failure there, else this skip. With PyTorch installed,
    the requests from here to the end of the test's call are not noted by AUTOGRAD_CORE_TEST_TORCH_LOG, so
    scripts/test.sh does not run the test again without PyTorch to repeat what its first run proved already (a
    request made before this point, outside pytorch_hidden, still lists the test). Returns the module torch."""
    if _TORCH_REQUESTS is not None:  # (from here: importorskip's own request too)
        _TORCH_REQUESTS.rest_of_the_test_needs_torch = True
    return pytest.importorskip("torch")


if _HIDDEN:
    assert not _HIDDEN & set(sys.modules), f"already imported: {sorted(_HIDDEN & set(sys.modules))}"
    sys.meta_path.insert(0, _HidePackages())
    importlib.util.find_spec = _find_spec_hiding

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# PyTorch is the one oracle a green suite may lack (README): its comparisons skip. Any other module a test asks for
# (`pytest.importorskip`) is in the test extras, which the set-up installs: in CI its absence fails the test.
_OPTIONAL_IN_CI = ("torch",)


# In CI with PyTorch installed nothing may skip: every comparison runs, and a test that skips itself (a case its
# author could not match, a platform it assumed) would hide a gap behind a green run. Without PyTorch (.ci/run's
# second run) its comparisons skip, as on a user's machine.
_CI_SKIPS_NOTHING = IN_CI and importlib.util.find_spec("torch") is not None


def _fail_a_skip_ci_forbids(report, reason):
    """In CI, a skip for a missing test extra fails (the set-up installs them), and with PyTorch installed any skip."""
    missing = reason.split("'")[1] if reason.startswith("could not import '") else None
    if IN_CI and missing is not None and missing.split(".")[0] not in _OPTIONAL_IN_CI:
        report.outcome = "failed"
        report.longrepr = f"CI: {reason} (bash scripts/test.sh installs the test extras)"
    elif _CI_SKIPS_NOTHING and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"CI: skipped with PyTorch installed ({reason}): CI skips nothing"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if report.skipped and call.excinfo is not None:
        _fail_a_skip_ci_forbids(report, str(call.excinfo.value))


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    report = (yield).get_result()
    if report.skipped and isinstance(report.longrepr, tuple):  # a module skipped as a whole: (path, line, reason)
        _fail_a_skip_ci_forbids(report, report.longrepr[2].removeprefix("Skipped: "))

_MODULE_GENERATOR_NAMES = ("RNG", "R", "rng")


@pytest.fixture(autouse=True)
def _fresh_state_per_test(request):
    """Each test starts from the same state whatever ran before it in its process, and leaves none behind:
    - the test module's generator (see the module docstring), and the library's default generator (`ag.randn`,
      layers' initial weights), seeded from this test's id for this test; both are given back afterwards;
    - the print options (NumPy's, the library's, PyTorch's) as they were before the test: the book programs run
      in-process call `torch.set_printoptions` and `np.set_printoptions` (precision=2, as their authors like it),
      which would otherwise change what every later test in the same process prints (a README example's promised
      digits, a lesson's printed statistics).
    One fixture, set up and torn down by hand rather than through `monkeypatch`: it runs around each of the suite's
    ~24,000 tests, and every fixture costs pytest's machinery its share of a millisecond per test."""
    seed = zlib.crc32(request.node.nodeid.encode())
    module = getattr(request, "module", None)
    generators = [(name, getattr(module, name)) for name in _MODULE_GENERATOR_NAMES
                  if isinstance(getattr(module, name, None), np.random.Generator)]
    for name, _ in generators:
        setattr(module, name, np.random.default_rng(seed))
    library = sys.modules.get("autograd_core.tensor")  # imported by the tests that use it (never imported here)
    library_defaults = None
    if library is not None:
        library_defaults = {key: library.DEFAULTS[key] for key in ("rng", "seed") if key in library.DEFAULTS}
        library.DEFAULTS.update(rng=np.random.default_rng(seed), seed=seed)
    numpy_options = np.get_printoptions()
    ours = sys.modules.get("autograd_core.value_printing")
    our_options = dict(ours._PRINT_OPTIONS) if ours is not None else None
    torch = sys.modules.get("torch")
    torch_options = None
    if torch is not None and hasattr(torch, "_tensor_str"):
        torch_options = dict(vars(torch._tensor_str.PRINT_OPTS))
    yield
    np.set_printoptions(**numpy_options)
    ours = sys.modules.get("autograd_core.value_printing")
    if ours is not None:
        ours._PRINT_OPTIONS.clear()
        ours._PRINT_OPTIONS.update(our_options if our_options is not None else ours._PRINT_DEFAULTS)
    torch = sys.modules.get("torch")
    if torch_options is not None:
        vars(torch._tensor_str.PRINT_OPTS).update(torch_options)
    elif torch is not None and hasattr(torch, "set_printoptions"):  # imported by this test: PyTorch's defaults
        torch.set_printoptions(profile="default", sci_mode=None)
    if library_defaults is not None:
        for key in ("rng", "seed"):
            if key in library_defaults:
                library.DEFAULTS[key] = library_defaults[key]
            else:
                library.DEFAULTS.pop(key, None)
    for name, generator in generators:
        setattr(module, name, generator)


@pytest.fixture(params=["one-function", "chunked"])
def compiled_program_layout(request, monkeypatch):
    """For the compile tests: each compiled program as one function, and split into parts of a few lines (as long
    programs are, jit_source._chunked). Returns which."""
    if request.param == "chunked":
        import autograd_core.jit_source

        monkeypatch.setattr(autograd_core.jit_source, "_ONE_FUNCTION", 0)
    return request.param


@pytest.fixture(params=["whole product", "blocked"])
def sgd_update(request, monkeypatch):
    """For the optimizer tests: SGD's update of a large parameter either way, as the one line `p -= lr * g` (every
    parameter under 16 MiB) or a block at a time (from 16 MiB; here lowered to what is over the 256 KiB scratch block,
    so that parameters of test size take it: optim/sgd.py's _BLOCKED_FROM). Returns which."""
    if request.param == "blocked":
        from autograd_core.optim import sgd

        monkeypatch.setattr(sgd, "_BLOCKED_FROM", sgd._BLOCK_BYTES + 1)
    return request.param


@pytest.hookimpl(trylast=True)  # after -k/-m, the listed-only filter and pytest's own reordering: the final list
def pytest_collection_modifyitems(config, items):
    if os.environ.get("AUTOGRAD_CORE_TEST_ORDER", "") == "reverse":
        items.reverse()
    worker = getattr(config, "workerinput", {})  # in an xdist worker: see pytest_configure_node
    if worker.get("autograd_core_dist") == "worksteal":
        longest_first(items, worker["workercount"])
    else:
        longest_first(items, _CLAIMS.count if _CLAIMS is not None else 1)


@pytest.hookimpl(optionalhook=True)  # (an xdist hook, run in the controller: a worker's own `--dist` is "no")
def pytest_configure_node(node):
    node.workerinput["autograd_core_dist"] = node.config.getoption("dist")


def _is_long(item):
    return item.get_closest_marker("slow") is not None or item.get_closest_marker("notebook") is not None


def longest_first(items, workers=1):
    """The longest tests (marked slow, and the notebooks) first, dealt in turn to each of `workers`, each group in
    its order.

    scripts/test.sh runs the suite on 2 workers with xdist's work stealing, which hands each worker one contiguous
    part of the list (the first half, the second half) and lets the first one idle take tests from the end of the
    other's. The long tests are dealt like cards to the heads of those parts: each worker starts with its share of
    them, and a 2-minute test overlaps the rest instead of running alone at the end of the suite while the other
    worker waits. (All of them at the head of the whole list put them all in the first worker's part, one after
    another: ~420 of that worker's ~950 s of CPU in one run, the other stealing the rest of its part meanwhile; with
    a few more of them, that worker alone would set the suite's time.)"""
    long, short = [item for item in items if _is_long(item)], [item for item in items if not _is_long(item)]
    parts = _part_sizes(len(items), workers)
    dealt = [long[worker::workers] for worker in range(workers)]
    if any(len(mine) > size for mine, size in zip(dealt, parts)):  # fewer tests than long ones for some worker
        dealt, parts = [long], [len(items)]
    items[:] = []
    for mine, size in zip(dealt, parts):
        items += mine + short[:size - len(mine)]
        del short[:size - len(mine)]


def _part_sizes(count, workers):
    """The sizes of the parts of a list of `count` tests that xdist's first deal gives `workers` workers (in order:
    WorkStealingScheduling.check_schedule); _ClaimedTests starts each process at the head of its part so."""
    parts, left = [], count
    for worker in range(workers):
        parts.append(left // (workers - worker))
        left -= parts[-1]
    return parts


class _ClaimedTests:
    """AUTOGRAD_CORE_TEST_SHARE=K/N and AUTOGRAD_CORE_TEST_CLAIMS=FOLDER: this process is the K-th (from 0) of N plain
    pytest processes that run the suite between them, as xdist's workers with work stealing would, without xdist's
    cost per test (each worker sends each report to its controller, a third process on the same cores: ~1.3 ms of
    CPU a test, a minute of the suite's ~40,000 on 2 cores).

    Each process collects every test (in the same order: longest_first's, dealt to N parts) and goes through the
    list from the head of its own part, round to the end of the part before it, running each test that no process
    has claimed yet. A test is claimed by creating the file named by its id's digest in FOLDER (os.O_EXCL: of two
    processes that try for one test, one gets it), just before the test before it runs (pytest needs the next test
    of a process to know which fixtures to tear down). So every collected test runs once, in the process that claimed
    it; a process that stops early (a crash, -x) fails the run by its own exit status, leaving its claimed test unrun.
    The processes end together: each runs its own part, then takes from where the others are still at work."""

    def __init__(self, share, folder):
        index, _, count = share.partition("/")
        self.index, self.count, self.folder = int(index), int(count), folder
        self.ran = self.collected = None

    def claim(self, item):
        name = os.path.join(self.folder, hashlib.sha1(item.nodeid.encode()).hexdigest())
        try:
            os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):  # (pytest's own, main.pytest_runtestloop, with claims)
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            raise session.Interrupted(f"{session.testsfailed} errors during collection")
        if session.config.option.collectonly:
            return True
        start = sum(_part_sizes(len(session.items), self.count)[:self.index])
        mine = (item for item in session.items[start:] + session.items[:start] if self.claim(item))
        self.ran, self.collected = 0, len(session.items)
        item = next(mine, None)
        while item is not None:
            nextitem = next(mine, None)
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            self.ran += 1
            if session.shouldfail:
                raise session.Failed(session.shouldfail)
            if session.shouldstop:
                raise session.Interrupted(session.shouldstop)
            item = nextitem
        return True

    def pytest_terminal_summary(self, terminalreporter):
        if self.ran is not None:
            terminalreporter.write_line(f"share {self.index}/{self.count}: ran {self.ran} of the {self.collected} "
                                        f"tests collected; the other processes ran the rest")


class _Outcomes:
    """AUTOGRAD_CORE_TEST_OUTCOMES=FILE: this run's outcomes, written to FILE as JSON when the session ends (a run
    stopped by Ctrl-C too): {"failed": ids, "passed": ids}, test ids that failed in any phase or passed (or skipped),
    and modules that failed or passed collection. scripts/test.sh runs pytest without its cache (each of its
    processes would write its own results as the whole run's last failures, over the other's) and folds these files
    into the cache's last failures itself (scripts/last_failed.py), so that a later `--lf` finds the run's."""

    def __init__(self, path):
        self.path, self.failed, self.passed = path, set(), set()

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.failed.add(report.nodeid)
        elif report.skipped or report.when == "call":  # (pytest's own rule for its last failures)
            self.passed.add(report.nodeid)

    def pytest_collectreport(self, report):
        (self.failed if report.failed else self.passed).add(report.nodeid)

    def pytest_sessionfinish(self, session):
        passed = self.passed - self.failed  # (a test that passed its call and failed its teardown failed)
        # and the counts of pytest's closing line ("2 failed, 18,972 passed, 3 skipped, ..."), as its terminal
        # reporter counted them: scripts/suite_total.py adds the processes' up
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        counts = {word: len(reports) for word, reports in (reporter.stats if reporter else {}).items() if word}
        staged = f"{self.path}.partial"
        with open(staged, "w", encoding="utf-8") as out:
            json.dump({"failed": sorted(self.failed), "passed": sorted(passed), "counts": counts}, out)
        # Whole or not at all: a run killed while writing leaves no half file. (Not autograd_core.files.replace_file:
        # the harness must record the failures of a library that does not even import.)
        os.replace(staged, self.path)


_CLAIMS = None
if os.environ.get("AUTOGRAD_CORE_TEST_SHARE"):
    _CLAIMS = _ClaimedTests(os.environ["AUTOGRAD_CORE_TEST_SHARE"], os.environ["AUTOGRAD_CORE_TEST_CLAIMS"])


def pytest_configure(config):
    config.addinivalue_line("markers", "needs(program): the test needs this program on PATH (fails in CI if missing)")
    if _CLAIMS is not None and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_CLAIMS, "autograd_core_claimed_tests")
    if _TORCH_REQUESTS is not None:
        config.pluginmanager.register(_TORCH_REQUESTS, "autograd_core_torch_requests")
    if os.environ.get("AUTOGRAD_CORE_TEST_ONLY"):
        config.pluginmanager.register(_OnlyListed(os.environ["AUTOGRAD_CORE_TEST_ONLY"]), "autograd_core_only_listed")
    if os.environ.get("AUTOGRAD_CORE_TEST_OUTCOMES") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Outcomes(os.environ["AUTOGRAD_CORE_TEST_OUTCOMES"]), "autograd_core_outcomes")


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


class _TorchRequests:
    """Which tests ask for PyTorch, recorded in a run where it is installed (AUTOGRAD_CORE_TEST_TORCH_LOG).

    Hiding PyTorch (AUTOGRAD_CORE_TEST_WITHOUT) changes nothing but the answer to a request for the module `torch`
    (or a submodule) made to the import system: an import statement, `__import__` (so `pytest.importorskip`),
    `importlib.import_module`, `importlib.util.find_spec`. Code that makes no such request runs the same with
    PyTorch hidden as with it installed, so a test whose run makes none, and that reaches no torch object kept from
    an earlier request, passes or fails the same in both runs. Every request is noted against what is running when it
    is made: a test (its set-up, call and tear-down), a fixture being set up, a module being imported or collected.
    Listed (in PATH.<worker> when the session ends), of the tests that ran in this process:
    - a test that made a request, itself or through a fixture it uses (a module- or session-scoped fixture that
      asked when it was set up for another test hands the same objects to this one);
    - a whole test module (its file's path), if it asked while being imported or collected (a module-level
      `torch = ...`, parameters made from torch), or if it imports a module that asked while being imported (a
      helper's or a benchmark's module-level `try: import torch`, however many imports deep): each of its tests,
      and its parameters, may depend on the answer;
    - everything ("*"), if a request came from anywhere else.
    Not listed for its requests: a test from where it calls pytorch_for_the_rest_of_this_test to the end of its call
    (without PyTorch it skips there, having done before it, with PyTorch hidden, what it does without PyTorch).
    What this cannot see is a torch object kept by one test and reached by another without a request (a cache):
    the helpers here keep none (signature_parity's cache of stubs is reached only with torch in hand)."""

    def __init__(self, path):
        self.path = path
        self.owners = []  # what is running, innermost last: ("test", nodeid), ("fixture", fixturedef), ("module", path)
        self.tests, self.fixtures, self.modules, self.importers = set(), set(), set(), set()
        self.anywhere = False
        self.rest_of_the_test_needs_torch = False  # see pytorch_for_the_rest_of_this_test
        self.ran = []
        self._import, self._import_module, self._find_spec = (builtins.__import__, importlib.import_module,
                                                              importlib.util.find_spec)

    def install(self):
        def __import__(name, globals=None, locals=None, fromlist=(), level=0):
            if level == 0 and name.partition(".")[0] == "torch":
                self.note()
            return self._import(name, globals, locals, fromlist, level)

        def import_module(name, package=None):
            if name.partition(".")[0] == "torch":
                self.note()
            return self._import_module(name, package)

        def find_spec(name, package=None):
            if name.partition(".")[0] == "torch":
                self.note()
            return self._find_spec(name, package)
        builtins.__import__, importlib.import_module, importlib.util.find_spec = __import__, import_module, find_spec

    def note(self):
        if not self.owners:
            self.anywhere = True
        for kind, owner in self.owners:
            if kind == "test":
                if not self.rest_of_the_test_needs_torch:
                    self.tests.add(owner)
            elif kind == "fixture":
                self.fixtures.add(owner)
            else:  # the test module being collected, and every module whose import is running (by name)
                self.modules.add(owner)
                frame = sys._getframe(1)
                while frame is not None:
                    name = (frame.f_globals.get("__name__") or "") if frame.f_code.co_name == "<module>" else ""
                    if name and name.partition(".")[0] != "torch":  # (torch's own imports are part of the request)
                        self.importers.add(name)
                    frame = frame.f_back

    def whole(self, item):
        path = str(item.path)
        return path in self.modules or any(
            name == asked or asked.startswith(name + ".") or name.startswith(asked + ".")
            for name in _imported_names(path) for asked in self.importers)

    def listed(self, item):
        if item.nodeid in self.tests:
            return True
        info = getattr(item, "_fixtureinfo", None)
        return info is not None and any(d in self.fixtures for defs in info.name2fixturedefs.values() for d in defs)

    # hooks (registered as a plugin by pytest_configure)
    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(self, collector):
        module = isinstance(collector, pytest.Module)
        if module:
            self.owners.append(("module", str(collector.path)))
        try:
            yield
        finally:
            if module:
                self.owners.pop()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.owners.append(("test", item.nodeid))
        self.ran.append(item)
        try:
            yield
        finally:
            self.owners.pop()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        try:
            yield
        finally:  # (a test's tear-down runs without PyTorch too: its requests are noted)
            self.rest_of_the_test_needs_torch = False

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        self.owners.append(("fixture", fixturedef))
        try:
            yield
        finally:
            self.owners.pop()

    def pytest_sessionfinish(self, session):
        files = {item.nodeid.partition("::")[0] for item in self.ran if self.whole(item)}
        tests = {item.nodeid for item in self.ran if item.nodeid.partition("::")[0] not in files and self.listed(item)}
        lines = ["*"] if self.anywhere else sorted(files) + sorted(tests)
        process = os.environ.get("PYTEST_XDIST_WORKER") or (f"share{_CLAIMS.index}" if _CLAIMS is not None else "main")
        with open(f"{self.path}.{process}", "w", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines))


_IMPORTED_NAMES = {}


def _imported_names(path):
    """The names of the modules that the file at `path` imports anywhere in it, and those that the modules of this
    folder among them import (a helper's imports are its importer's too)."""
    if path not in _IMPORTED_NAMES:
        _IMPORTED_NAMES[path] = found = set()
        with open(path, encoding="utf-8") as source:
            tree = ast.parse(source.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                found.add(name)
                local = os.path.join(_HERE, f"{name.partition('.')[0]}.py")
                if local != path and os.path.exists(local):
                    found |= _imported_names(local)
    return _IMPORTED_NAMES[path]


class _OnlyListed:
    """AUTOGRAD_CORE_TEST_ONLY=PATH: run only the tests, and the whole modules, that PATH lists (one a line; "*": all).
    A listed test that is not collected is an error, unless its module was skipped as a whole."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as listing:
            self.wanted = {line.strip() for line in listing if line.strip()}
        self.skipped_modules = set()

    def pytest_collectreport(self, report):
        if report.skipped:  # a module-level importorskip: none of its tests is collected
            self.skipped_modules.add(report.nodeid.partition("::")[0])

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        if "*" in self.wanted:
            return
        kept, left = [], []
        for item in items:
            wanted = item.nodeid in self.wanted or item.nodeid.partition("::")[0] in self.wanted
            (kept if wanted else left).append(item)
        collected = {item.nodeid for item in items}
        missing = sorted(name for name in self.wanted if "::" in name and name not in collected
                         and name.partition("::")[0] not in self.skipped_modules)
        if missing:
            raise pytest.UsageError(f"AUTOGRAD_CORE_TEST_ONLY: {len(missing)} listed tests were not collected, "
                                    f"such as {missing[:3]}")
        items[:] = kept
        config.hook.pytest_deselected(items=left)


_TORCH_REQUESTS = None
if os.environ.get("AUTOGRAD_CORE_TEST_TORCH_LOG"):  # installed now, before any test module is imported
    _TORCH_REQUESTS = _TorchRequests(os.environ["AUTOGRAD_CORE_TEST_TORCH_LOG"])
    _TORCH_REQUESTS.install()
