#!/usr/bin/env bash
# The test suite on each Python that pyproject.toml promises (requires-python >= 3.10) and this machine has, so
# that "Python >= 3.10" is measured rather than assumed. Not part of CI (.ci/run): one run per version takes
# minutes. Each version gets its own venv, kept between runs, with the package installed editable with its test
# extras; the suite then runs there with that venv first on PATH, so that the tests' subprocesses and console
# scripts (autograd-graph, mpiexec) are that version's too.
#
#   bash scripts/test_pythons.sh                        # every python3.X >= 3.10 on PATH and in pyenv
#   bash scripts/test_pythons.sh 3.10 3.13              # only these (a version, or a path to an interpreter)
#   bash scripts/test_pythons.sh 3.12 -- tests/test_readme.py -x   # pytest arguments after --
#
# Venvs go in .venvs/py3.X (git-ignored; TEST_PYTHONS_DIR=... to put them elsewhere). Prints one line per version
# (its pytest summary and the time it took; the full log stays in the venv's pytest.log) and exits non-zero if
# any version failed or none was found. PyTorch (a test oracle only) is installed where its local CPU wheel fits
# that Python, as scripts/test.sh does; elsewhere the comparisons with PyTorch skip.
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"   # this header
    exit 0
fi
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"   # sets -euo pipefail, cd to the repository, install_* helpers
install_graphviz
install_browser

CACHE="${TEST_PYTHONS_DIR:-$ROOT/.venvs}"
wanted=() pytest_args=()
while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then shift; pytest_args=("$@"); break; fi
    wanted+=("$1"); shift
done

# "3.X.Y <sys.executable>" for an interpreter that runs and is >= 3.10; nothing for a pyenv shim of a version
# that is installed but not selected (it prints "command not found" and fails) or an older Python.
probe() {
    "$1" -c 'import sys; assert sys.version_info >= (3, 10); print("%d.%d.%d" % sys.version_info[:3], sys.executable)' \
        2>/dev/null || true
}

# Candidates in order of preference: each python3.X on PATH (PATH order), then pyenv's versions.
candidates() {
    local name
    for name in $(compgen -c | grep -E '^python3\.[0-9]+$' | sort -u -V); do
        type -ap "$name"
    done
    local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
    if [ -d "$pyenv_root/versions" ]; then
        ls -d "$pyenv_root"/versions/3.*/bin/python3 2>/dev/null | sort -V
    fi
}

declare -A chosen=()   # 3.X -> "3.X.Y executable": the first candidate of each minor version
while read -r candidate; do
    found="$(probe "$candidate")"
    [ -n "$found" ] || continue
    minor="$(cut -d. -f1,2 <<<"$found")"
    [ -n "${chosen[$minor]:-}" ] || chosen[$minor]="$found"
done < <(candidates)

pythons=()   # "3.X.Y executable" lines to run
if [ ${#wanted[@]} -eq 0 ]; then
    for minor in $(printf '%s\n' "${!chosen[@]}" | sort -V); do pythons+=("${chosen[$minor]}"); done
else
    for want in "${wanted[@]}"; do
        if [[ "$want" == */* ]]; then                        # a path to an interpreter
            found="$(probe "$want")"
        else                                                 # 3.X, or 3.X.Y which must be the one found
            found="${chosen[$(cut -d. -f1,2 <<<"$want")]:-}"
            [[ "$found" == "$want "* || "$found" == "$want".* ]] || found=""
        fi
        if [ -z "$found" ]; then
            echo "test_pythons: no Python $want >= 3.10 found (on PATH or in pyenv)" >&2
            exit 1
        fi
        pythons+=("$found")
    done
fi
if [ ${#pythons[@]} -eq 0 ]; then
    echo "test_pythons: no Python >= 3.10 found on PATH or in pyenv" >&2
    exit 1
fi

# make_env PYTHON VENV: the venv with autograd-core[test], (re)made when the interpreter or pyproject.toml changed
# (the stamp file says what it was made from).
make_env() {
    local python="$1" venv="$2" want have=""
    want="$("$python" -c 'import sys; print(sys.executable, sys.version)' | cat - pyproject.toml \
        | "$python" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
    [ -f "$venv/.installed" ] && have="$(cat "$venv/.installed")"
    [ "$want" = "$have" ] && return 0
    rm -rf "$venv"
    "$python" -m venv "$venv" || return 1
    "$venv/bin/python" -m pip install -q -e ".[test]" >"$venv/setup.log" 2>&1 || { tail -20 "$venv/setup.log" >&2; return 1; }
    install_local_torch "$venv" "$venv/setup.log" || true   # setup.sh's: where its wheel fits this Python
    echo "$want" >"$venv/.installed"
}

mkdir -p "$CACHE"
summary=() failed=0
for entry in "${pythons[@]}"; do
    version="${entry%% *}" python="${entry#* }"
    minor="$(cut -d. -f1,2 <<<"$version")"
    venv="$CACHE/py$minor"
    echo "test_pythons: Python $version ($python) in $venv"
    if ! make_env "$python" "$venv"; then
        summary+=("py$minor ($version): FAILED to install (see $venv/setup.log)"); failed=1; continue
    fi
    numpy="$("$venv/bin/python" -c 'import numpy; print(numpy.__version__)' 2>/dev/null || echo '?')"
    start=$SECONDS
    # ${arr[@]+...}: an empty array is "unbound" to `set -u` in bash < 4.4
    if PATH="$venv/bin:$PATH" "$venv/bin/python" -m pytest -n 2 -q -p no:cacheprovider \
            ${pytest_args[@]+"${pytest_args[@]}"} >"$venv/pytest.log" 2>&1; then
        status=ok
    else
        status=FAILED; failed=1
    fi
    result="$(grep -E '(passed|failed|errors?|skipped|no tests ran).* in [0-9.]+s' "$venv/pytest.log" | tail -1 \
        | tr -d '=' | xargs || true)"
    summary+=("py$minor ($version, numpy $numpy): $status: ${result:-no pytest summary, see $venv/pytest.log} [$((SECONDS - start))s]")
    [ "$status" = ok ] || grep -E '^(FAILED|ERROR) ' "$venv/pytest.log" | head -20 | sed 's/^/    /' >&2 || true
done

echo
echo "test_pythons: one line per Python (logs: $CACHE/py3.X/pytest.log)"
printf '  %s\n' "${summary[@]}"
exit "$failed"
