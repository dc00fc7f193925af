#!/usr/bin/env bash
# The test suite: sets everything up on a fresh machine, lints, then runs pytest in 2 processes. With no
# arguments it then runs again, as on a machine without PyTorch (AUTOGRAD_CORE_TEST_WITHOUT=torch), every test that
# asked for PyTorch in the first run (AUTOGRAD_CORE_TEST_TORCH_LOG: the tests, and whole test modules, that made a
# request for `torch` to the import system; see _TorchRequests in tests/conftest.py): each comparison must skip with
# a reason and the rest pass (HIPS autograd stays an oracle that always runs), so every run proves that users without
# PyTorch get a green suite. A test that never asks for PyTorch runs the same without it, and is not run again; nor
# is a comparison of tests/program_harness.py, whose autograd_core half ran with PyTorch hidden before it asked for
# PyTorch (tests/conftest.py's pytorch_for_the_rest_of_this_test): without PyTorch it would repeat that half, then skip.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
install_graphviz
install_browser
make_venv test
install_mpi
.venv/bin/python -m ruff check .
# With arguments (a file, -k, -x): 2 xdist workers; the one that runs out of tests takes them from the other's end (the
# longest start first: conftest.py). Without: two processes that share the tests (below).
workers=(-n 2 --dist worksteal)
# One thread each for NumPy's BLAS (OpenBLAS) and PyTorch's kernels (MKL_NUM_THREADS also sets torch's intra-op
# threads): with a worker per core, a pool of threads in each worker only waits for the others and for the other
# worker, spinning. On a 2-core host the tests' CPU time fell from 1,837 to 1,244 s (minGPT's sort demo 61 -> 15 s,
# nanoGPT with compile 38 -> 8 s; micrograd's demo, pure Python, 73 -> 84 s: the host, not this). autograd_core's own
# threads (threads.py: OMP_NUM_THREADS, else the CPUs) are left as they are: they are part of what the tests test.
# Subprocesses (examples, notebooks' kernels) inherit these. Set either variable to choose otherwise.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"
if [ $# -gt 0 ]; then
    exec .venv/bin/python -m pytest "${workers[@]}" -q "$@"
fi
requests="$(mktemp -d)"
# The processes started in the background below ignore Ctrl-C (bash starts them so): this script stops them when it
# ends, however it ends, so that an interrupted run leaves nothing running: SIGTERM, then SIGKILL for one still running
# a second later (an interrupted run here once went on after SIGTERM, as if a test's code had taken the signal over).
background=()
stop_background() {
    local pid
    for pid in "${background[@]}"; do
        kill "$pid" 2>/dev/null || continue
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    wait || true
}
# pytest's record of the last failures (for a later `scripts/test.sh --lf`) gets each pass's outcomes once its
# processes have ended, or, when the script is stopped, what they wrote before (see the suite's comment below).
# With a title and the second the pass started at (a pass that ended), the pass's counts added up are said first,
# with its time on the wall clock: each process's closing line counts only the tests it ran.
record_outcomes() {
    local outcomes=("$requests"/outcomes.*.json)
    if [ $# -gt 0 ]; then
        .venv/bin/python scripts/suite_total.py "$1" "$((SECONDS - $2))" "$requests"/outcomes.{0,1}.json || true
    fi
    if [ -e "${outcomes[0]}" ]; then
        .venv/bin/python scripts/last_failed.py .pytest_cache "${outcomes[@]}" || true
        rm -f "${outcomes[@]}"
    fi
}
trap 'stop_background; record_outcomes; rm -rf "$requests"' EXIT
trap 'exit 130' INT TERM
# The whole suite: not on xdist's workers but in two plain pytest processes that share its tests as they run
# (tests/conftest.py's _ClaimedTests: each starts at the head of its half of the list, then takes what the other has
# not yet started), with the same balance as xdist's work stealing and without its cost per test: each worker sent
# each report to xdist's controller, a third process on the same 2 cores (~1.3 ms of CPU a test, ~40,000 tests).
# The second process's output follows the first's, then the two processes' counts added up.
mkdir "$requests/claims"
shares=(env AUTOGRAD_CORE_TEST_CLAIMS="$requests/claims" AUTOGRAD_CORE_TEST_TORCH_LOG="$requests/asked")
status=0
# (A simple command: $! is pytest's own process, which the trap above can stop. Without pytest's cache: each process
# would write its own results as the whole run's last failures, over the other's. Each writes its outcomes instead
# (AUTOGRAD_CORE_TEST_OUTCOMES), which record_outcomes folds into the cache, so that `scripts/test.sh --lf` reruns
# this run's failures.)
started=$SECONDS
"${shares[@]}" AUTOGRAD_CORE_TEST_SHARE=1/2 AUTOGRAD_CORE_TEST_OUTCOMES="$requests/outcomes.1.json" \
    .venv/bin/python -m pytest -q -p no:cacheprovider > "$requests/suite.1.out" 2>&1 &
background+=("$!")
"${shares[@]}" AUTOGRAD_CORE_TEST_SHARE=0/2 AUTOGRAD_CORE_TEST_OUTCOMES="$requests/outcomes.0.json" \
    .venv/bin/python -m pytest -q -p no:cacheprovider || status=$?
wait "${background[-1]}" || status=$?
background=()  # (ended and reaped: its pid may be another process's by the time this script ends)
echo "test.sh: the other process of the suite:"
cat "$requests/suite.1.out"
record_outcomes "the whole suite, both processes" "$started"
if [ "$status" -ne 0 ]; then
    exit "$status"
fi
cat "$requests"/asked.* | sort -u > "$requests/list"
if [ -s "$requests/list" ] && .venv/bin/python -c "import torch" >/dev/null 2>&1; then
    if grep -qx '\*' "$requests/list"; then  # a request from outside any test or module: all of them
        torch_tests=(tests)
    else
        mapfile -t torch_tests < <(sed 's/::.*//' "$requests/list" | sort -u)
    fi
    echo "test.sh: again without PyTorch, the $(grep -c . "$requests/list") tests and modules that asked for it, in: ${torch_tests[*]}"
    # Not on xdist's workers but in two plain pytest processes, each on its share of the modules: nearly all of these
    # ~20,000 tests skip at once without PyTorch (~1.5 ms each), and xdist's own cost per test (its workers send each
    # report to its controller, a third process on the same 2 cores: ~1.3 ms of CPU a test) and each worker's
    # collection of every module took as long again (38 s). The modules are dealt, the most listed tests first, to
    # the process with fewer so far (a whole module counts as its tests' functions), each with the list of its own.
    .venv/bin/python scripts/split_listed.py "$requests/list" "$requests/share" "${torch_tests[@]}"
    # (pytest's status 5, no test collected: each of a share's modules skipped as a whole at its import, as a module
    # that needs PyTorch from its first line does; a whole run of them was always possible, two shares make it likely.)
    share_command() {  # sets `command`: share $1's run, a simple command (see above)
        local files
        mapfile -t files < "$requests/share.$1.files"
        command=(env AUTOGRAD_CORE_TEST_WITHOUT=torch AUTOGRAD_CORE_TEST_ONLY="$requests/share.$1.list"
                 AUTOGRAD_CORE_TEST_OUTCOMES="$requests/outcomes.$1.json"
                 .venv/bin/python -m pytest -q -p no:cacheprovider "${files[@]}")
    }
    status=0 other_status=0 started=$SECONDS
    if [ -s "$requests/share.1.files" ]; then
        share_command 1
        "${command[@]}" > "$requests/share.1.out" 2>&1 &
        background+=("$!")
    fi
    share_command 0
    "${command[@]}" || status=$?
    if [ -s "$requests/share.1.files" ]; then
        wait "${background[-1]}" || other_status=$?
        background=()
        echo "test.sh: the other share of the run without PyTorch:"
        cat "$requests/share.1.out"
        record_outcomes "the run without PyTorch, both shares" "$started"
    fi
    record_outcomes
    for share_status in "$status" "$other_status"; do
        if [ "$share_status" -ne 0 ] && [ "$share_status" -ne 5 ]; then
            echo "test.sh: failed with PyTorch hidden; to run the failures again as here:" \
                "AUTOGRAD_CORE_TEST_WITHOUT=torch bash scripts/test.sh --lf"
            exit "$share_status"
        fi
    done
    exit 0
fi
