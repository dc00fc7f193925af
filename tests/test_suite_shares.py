"""scripts/test.sh runs the suite in two plain pytest processes that claim its tests as they go (tests/conftest.py's
_ClaimedTests): each starts at the head of its half of the list, and every test runs once, in one of them.

It then runs again without PyTorch the tests that asked for it, in two plain pytest processes, each on a share of
their modules that scripts/split_listed.py deals: every module in one share, every line of the list with its module,
the shares near in weight; and the run fails if either share fails (pytest's "no test collected", a share whose
modules all skipped at their import, is not a failure).

Both passes' processes run without pytest's cache and write their outcomes instead, which scripts/last_failed.py folds
into pytest's record of the last failures, so that `scripts/test.sh --lf` reruns the failures of either process."""

import hashlib
import importlib.util
import json
import os
import re
import signal
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("split_listed", ROOT / "scripts" / "split_listed.py")
split_listed = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(split_listed)
_spec = importlib.util.spec_from_file_location("last_failed", ROOT / "scripts" / "last_failed.py")
last_failed = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(last_failed)
_spec = importlib.util.spec_from_file_location("suite_total", ROOT / "scripts" / "suite_total.py")
suite_total = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(suite_total)


def _modules(folder, functions):
    """Test modules in `folder` with the given numbers of test functions. Returns their paths, as strings."""
    paths = []
    for name, count in functions.items():
        path = folder / f"test_{name}.py"
        path.write_text("".join(f"def test_{i}():\n    pass\n" for i in range(count)))
        paths.append(str(path))
    return paths


def test_each_module_and_its_lines_go_to_one_share_the_heaviest_first_to_the_lighter(tmp_path):
    a, b, c, d = _modules(tmp_path, {"a": 1, "b": 1, "c": 1, "d": 1})
    lines = [f"{a}::t{i}" for i in range(5)] + [f"{b}::t{i}" for i in range(3)] + [f"{c}::x", f"{c}::y"] + \
        [f"{d}::p[1]", f"{d}::p[2]"]
    shares = split_listed.split(lines, [d, c, b, a])
    # a (5) to the first; b (3) to the second; c (2) to the second (3 < 5); d (2) to the first (5 = 5: the first)
    assert shares == [([a, d], lines[:5] + lines[10:]), ([b, c], lines[5:10])]


def test_a_module_named_whole_weighs_its_test_functions_and_star_names_every_test_in_both(tmp_path):
    big, small, other = _modules(tmp_path, {"big": 6, "small": 2, "other": 1})
    shares = split_listed.split([big, f"{small}::t0", f"{small}::t1", f"{small}::t2", other], [small, other, big])
    assert shares == [([big], [big]), ([small, other], [f"{small}::t0", f"{small}::t1", f"{small}::t2", other])]
    shares = split_listed.split(["*"], [small, other, big])
    assert [files for files, _ in shares] == [[big], [small, other]] and [s for _, s in shares] == [["*"], ["*"]]


def test_main_writes_the_files_and_lists_of_both_shares(tmp_path):
    a, b = _modules(tmp_path, {"a": 1, "b": 1})
    (tmp_path / "list").write_text(f"{a}::t0\n{a}::t1\n{b}\n")
    split_listed.main(tmp_path / "list", tmp_path / "share", [a, b])
    assert (tmp_path / "share.0.files").read_text() == f"{a}\n" and (tmp_path / "share.1.files").read_text() == f"{b}\n"
    assert (tmp_path / "share.0.list").read_text() == f"{a}::t0\n{a}::t1\n"
    assert (tmp_path / "share.1.list").read_text() == f"{b}\n"


def _run_again_without_pytorch(work, functions, listing, statuses):
    """Runs test.sh's run without PyTorch (its block from `if [ -s "$requests/list" ]` to its `fi`) in the new folder
    `work`, on `listing` of the modules tests/test_NAME.py with functions[NAME] test functions, with a stand-in for
    .venv/bin/python whose `-m pytest` records what it was given and exits with statuses[NAME] (0 if not given) for
    the first module it is given. Returns (exit status, output, {first module's path: its list and hidden package})."""
    script = (ROOT / "scripts" / "test.sh").read_text()
    start = script.index('if [ -s "$requests/list" ]')
    block = script[start:script.index("\nfi\n", start) + 4]
    (work / "tests").mkdir(parents=True)
    _modules(work / "tests", functions)
    (work / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "split_listed.py", work / "scripts")
    python = work / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    cases = "\n".join(f"    tests/test_{name}.py) exit {status} ;;" for name, status in statuses.items())
    python.write_text(f"""#!/usr/bin/env bash
if [ "$1" = "-c" ]; then exit 0; fi
if [ "$1" != "-m" ]; then exec {shutil.which("python3")} "$@"; fi
shift 5  # -m pytest -q -p no:cacheprovider
echo "$1: $(tr '\\n' ' ' < "$AUTOGRAD_CORE_TEST_ONLY")without $AUTOGRAD_CORE_TEST_WITHOUT" >> "{work}/runs"
case "$1" in
{cases}
esac
""")
    python.chmod(0o755)
    (work / "requests").mkdir()
    (work / "requests" / "list").write_text("".join(line + "\n" for line in listing))
    record = script[script.index("record_outcomes() {"):script.index("\n}\n", script.index("record_outcomes() {")) + 3]
    result = subprocess.run(["bash", "-c", f"set -euo pipefail\nrequests=requests\n{record}{block}"], cwd=work,
                            capture_output=True, text=True, timeout=60, env={"PATH": os.environ["PATH"]})
    runs = dict(line.split(": ", 1) for line in (work / "runs").read_text().splitlines())
    return result.returncode, result.stdout, runs


@pytest.mark.parametrize("failing", [None, "a", "b"])
def test_the_run_without_pytorch_fails_when_either_share_fails(tmp_path, failing):
    a, b = "tests/test_a.py", "tests/test_b.py"
    status, out, runs = _run_again_without_pytorch(tmp_path, {"a": 1, "b": 1}, [f"{a}::t0", f"{a}::t1", b],
                                                   {} if failing is None else {failing: 1})
    assert runs == {a: f"{a}::t0 {a}::t1 without torch", b: f"{b} without torch"}
    assert status == (0 if failing is None else 1)
    assert "the other share of the run without PyTorch" in out


def test_a_share_of_modules_that_all_skipped_at_their_import_does_not_fail_the_run(tmp_path):
    a, b = "tests/test_a.py", "tests/test_b.py"
    assert _run_again_without_pytorch(tmp_path / "1", {"a": 2, "b": 1}, [a, b], {"a": 5, "b": 5})[0] == 0
    assert _run_again_without_pytorch(tmp_path / "2", {"a": 2, "b": 1}, [a, b], {"a": 5, "b": 2})[0] == 2
    status, out, runs = _run_again_without_pytorch(tmp_path / "3", {"a": 2}, [a], {"a": 4})
    assert status == 4 and list(runs) == [a] and "the other share" not in out  # one module: one process


# ---- the suite itself: two processes that claim its tests as they go (tests/conftest.py's _ClaimedTests) ----

def _share(tmp_path, share, claims, failing=(), **env):
    """Starts one process of a shared run of a module of 10 tests, test_0 ... test_9, those numbered in `failing`
    failing (with this folder's conftest.py as a plugin; `env`: more environment). Returns the process: its stdout, a
    pipe, says which tests it ran (-v)."""
    module = tmp_path / "test_ten.py"
    if not module.exists():
        module.write_text("".join(f"def test_{i}():\n    assert {i not in failing}\n\n\n" for i in range(10)))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests"), AUTOGRAD_CORE_TEST_SHARE=share,
               AUTOGRAD_CORE_TEST_CLAIMS=str(claims), **env)
    env.pop("AUTOGRAD_CORE_TEST_TORCH_LOG", None)
    env.pop("AUTOGRAD_CORE_TEST_ONLY", None)
    return subprocess.Popen([sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-v",
                             "-c", os.devnull, "--rootdir", str(tmp_path), str(module)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _ran(process):
    out = process.communicate(timeout=120)[0]
    assert process.returncode == 0, out
    return [line.split("::")[1].split()[0] for line in out.splitlines() if line.endswith("]") and " PASSED " in line]


def test_a_process_alone_starts_at_the_head_of_its_part_and_goes_round_the_list(tmp_path):
    claims = tmp_path / "claims"
    claims.mkdir()
    # share 1 of 2 of 10 tests starts at the 6th (xdist's first deal: 5 and 5), and takes all: no other is running
    assert _ran(_share(tmp_path, "1/2", claims)) == [f"test_{i}" for i in [*range(5, 10), *range(5)]]
    assert _ran(_share(tmp_path, "0/2", claims)) == []  # each test once: all claimed
    assert len(list(claims.iterdir())) == 10


def test_two_processes_run_each_test_once_between_them(tmp_path):
    claims = tmp_path / "claims"
    claims.mkdir()
    processes = [_share(tmp_path, f"{k}/2", claims) for k in (0, 1)]
    ran = [_ran(process) for process in processes]
    assert sorted(ran[0] + ran[1]) == sorted(f"test_{i}" for i in range(10))


def test_an_interrupted_suite_leaves_no_process_running(tmp_path):
    """Ctrl-C (SIGINT to the script's process group) while the suite runs: the process in the foreground stops, and the
    script stops the one it started in the background, which bash starts ignoring SIGINT, even one that outlives
    SIGTERM. Runs test.sh's suite block (from `requests=` to its first `wait`) with a stand-in for .venv/bin/python
    that writes its pid and sleeps (its share 1/2 ignoring SIGTERM)."""
    script = (ROOT / "scripts" / "test.sh").read_text()
    start = script.index('requests="$(mktemp -d)"')
    block = script[start:script.index("\n", script.index('wait "${background[-1]}"', start))]
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f"""#!{sys.executable}
import os, signal, time
share = os.environ["AUTOGRAD_CORE_TEST_SHARE"]
if share == "1/2":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
open(os.path.join({str(tmp_path)!r}, "pid." + share[0]), "w").write(str(os.getpid()))
time.sleep(60)
""")
    python.chmod(0o755)
    script_process = subprocess.Popen(["bash", "-c", f"set -euo pipefail\n{block}\n"], cwd=tmp_path,
                                      start_new_session=True, env={"PATH": os.environ["PATH"]},
                                      preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    pids = [tmp_path / "pid.0", tmp_path / "pid.1"]
    deadline = time.monotonic() + 30
    while not all(p.exists() and p.read_text() for p in pids):
        assert time.monotonic() < deadline and script_process.poll() is None
        time.sleep(0.05)
    os.killpg(script_process.pid, signal.SIGINT)
    assert script_process.wait(timeout=20) == 130
    for p in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(int(p.read_text()), 0)


# ---- pytest's record of the last failures, for `scripts/test.sh --lf` (conftest's _Outcomes, last_failed.py) ----

def test_the_record_adds_what_failed_drops_what_passed_and_keeps_what_did_not_run():
    record = {"t::a": True, "t::b": True, "t::c": True}
    outcomes = [{"failed": ["t::d"], "passed": ["t::a"]}, {"failed": ["t::b"], "passed": ["t::e"]}]
    assert last_failed.fold(record, outcomes) == {"t::b": True, "t::c": True, "t::d": True}
    # a test that failed in one pass and passed in another (with PyTorch, then without it) stays a failure
    assert last_failed.fold({}, [{"failed": ["t::a"], "passed": []}, {"failed": [], "passed": ["t::a"]}]) == {
        "t::a": True}


def test_the_record_is_made_as_pytest_makes_it_and_a_killed_process_changes_nothing(tmp_path):
    cache = tmp_path / ".pytest_cache"
    (tmp_path / "one.json").write_text(json.dumps({"failed": ["t::x"], "passed": []}))
    last_failed.main(cache, [tmp_path / "one.json", tmp_path / "killed.json"])
    assert json.loads((cache / "v" / "cache" / "lastfailed").read_text()) == {"t::x": True}
    assert (cache / ".gitignore").read_text().endswith("*\n") and (cache / "CACHEDIR.TAG").exists()
    last_failed.main(cache, [tmp_path / "killed.json"])  # nothing to fold: the record stays
    assert json.loads((cache / "v" / "cache" / "lastfailed").read_text()) == {"t::x": True}
    assert [p.name for p in (cache / "v" / "cache").iterdir()] == ["lastfailed"]  # no staged file left


def test_after_a_shared_run_lf_reruns_the_failures_of_both_processes(tmp_path):
    """Two claiming processes write their outcomes (each given half of the tests: the other half is claimed before it
    starts), last_failed.py folds them into a cache that held an old failure (test_0, which passes now), and pytest's
    own `--lf` with that cache selects exactly this run's failures, from both halves."""
    cache = tmp_path / ".pytest_cache"
    (cache / "v" / "cache").mkdir(parents=True)
    (cache / "v" / "cache" / "lastfailed").write_text(json.dumps({"test_ten.py::test_0": True}))
    failing = (2, 7, 9)
    outcomes = []
    for k, others in enumerate([range(5, 10), range(5)]):
        claims = tmp_path / f"claims{k}"
        claims.mkdir()
        for i in others:
            (claims / hashlib.sha1(f"test_ten.py::test_{i}".encode()).hexdigest()).touch()
        outcomes.append(tmp_path / f"outcomes{k}.json")
        process = _share(tmp_path, f"{k}/2", claims, failing, AUTOGRAD_CORE_TEST_OUTCOMES=str(outcomes[-1]))
        out = process.communicate(timeout=120)[0]
        assert process.returncode == 1, out
    assert [json.loads(path.read_text())["failed"] for path in outcomes] == [
        ["test_ten.py::test_2"], ["test_ten.py::test_7", "test_ten.py::test_9"]]
    counts = suite_total.total([json.loads(path.read_text()) for path in outcomes])
    assert counts == {"failed": 3, "passed": 7}  # pytest's own counts of the two halves, added up
    last_failed.main(cache, outcomes)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOGRAD_CORE_TEST_")}
    rerun = subprocess.run([sys.executable, "-m", "pytest", "--lf", "-v", "-c", os.devnull, "--rootdir",
                            str(tmp_path), "-o", f"cache_dir={cache}", "test_ten.py"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    ran = sorted(line.split("::")[1].split()[0] for line in rerun.stdout.splitlines() if " FAILED " in line
                 or " PASSED " in line)
    assert ran == [f"test_{i}" for i in failing], rerun.stdout


def test_the_suite_block_folds_both_processes_outcomes_into_the_record_and_says_their_total(tmp_path):
    """test.sh's suite block (from `requests=` to its record_outcomes) with a stand-in for .venv/bin/python whose
    `-m pytest` writes its process's outcomes (one failure each, and 2 or 3 passes) and fails: the record then holds
    both failures, and the last line adds both processes' counts up."""
    script = (ROOT / "scripts" / "test.sh").read_text()
    start = script.index('requests="$(mktemp -d)"')
    end = script.index("\n", script.index('\nrecord_outcomes "the whole suite', start) + 1) + 1
    block = script[start:end]
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "last_failed.py", tmp_path / "scripts")
    shutil.copy(ROOT / "scripts" / "suite_total.py", tmp_path / "scripts")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f"""#!{sys.executable}
import json, os, subprocess, sys
if sys.argv[1] != "-m":
    sys.exit(subprocess.call([{sys.executable!r}] + sys.argv[1:]))
share = os.environ["AUTOGRAD_CORE_TEST_SHARE"][0]
with open(os.environ["AUTOGRAD_CORE_TEST_OUTCOMES"], "w") as out:
    json.dump({{"failed": ["t::share" + share], "passed": [],
               "counts": {{"failed": 1, "passed": 2 + int(share), "warnings": 1}}}}, out)
sys.exit(1)
""")
    python.chmod(0o755)
    result = subprocess.run(["bash", "-c", f"set -euo pipefail\n{block}"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, env={"PATH": os.environ["PATH"]})
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / ".pytest_cache" / "v" / "cache" / "lastfailed").read_text())
    assert record == {"t::share0": True, "t::share1": True}
    assert re.fullmatch(r"test\.sh: the whole suite, both processes: 2 failed, 5 passed, 2 warnings in [0-9]s",
                        result.stdout.splitlines()[-1]), result.stdout


def test_the_total_adds_the_counts_up_in_pytests_order_and_says_a_process_that_did_not_finish(tmp_path, capsys):
    counts = suite_total.total([{"counts": {"passed": 18972, "skipped": 3}},
                                {"counts": {"passed": 21037, "xfailed": 1, "failed": 2}}])
    assert suite_total.line(counts, 317.2) == "2 failed, 40,009 passed, 3 skipped, 1 xfailed in 317s (0:05:17)"
    assert suite_total.line({}, 0) == "no tests ran in 0s"
    (tmp_path / "outcomes.0.json").write_text(json.dumps({"counts": {"passed": 4}}))
    suite_total.main("the pass", "2", [tmp_path / "outcomes.0.json", tmp_path / "outcomes.1.json"])
    assert capsys.readouterr().out == (
        "test.sh: the pass: 4 passed in 2s (and 1 process that did not finish, not counted)\n")
