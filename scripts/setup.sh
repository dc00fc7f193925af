# Sourced by demo.sh and test.sh: makes .venv, installs the package, and finds Graphviz's `dot`.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "autograd-core needs Python >= 3.10 (found: $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.x" >&2
    exit 1
fi

install_graphviz() {
    command -v dot >/dev/null 2>&1 && return 0
    echo "setup: installing Graphviz (the 'dot' program that renders SVG/PNG/PDF)..."
    if command -v apt-get >/dev/null 2>&1; then
        local SUDO=""
        [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
        { $SUDO apt-get update -qq && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; } || true
    elif command -v brew >/dev/null 2>&1; then
        brew install graphviz || true
    elif command -v conda >/dev/null 2>&1; then
        conda install -y -c conda-forge graphviz || true
    fi
    if ! command -v dot >/dev/null 2>&1; then
        echo "setup: could not install Graphviz. DOT and JSON export still work; for pictures install it:" >&2
        echo "  Debian/Ubuntu: sudo apt-get install graphviz | macOS: brew install graphviz | conda: conda install -c conda-forge graphviz" >&2
    fi
}

make_venv() {
    if [ ! -x .venv/bin/python ]; then
        echo "setup: creating .venv"
        "$PYTHON" -m venv .venv
    fi
    local want have=""
    want="$(cat pyproject.toml scripts/setup.sh | "$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')-$1"
    [ -f .venv/.installed ] && have="$(cat .venv/.installed)"
    if [ "$want" != "$have" ]; then
        echo "setup: installing autograd-core[$1] into .venv (first run takes a minute or two)"
        local log=.venv/setup.log
        if ! .venv/bin/python -m pip install -e ".[$1]" >"$log" 2>&1; then
            grep -v "is ignored" "$log" | tail -20 >&2
            echo "setup: pip install failed (full log: $log)" >&2
            exit 1
        fi
        if [ "$1" = "test" ]; then
            # PyTorch is only a test oracle. Take it only when its CPU wheel is on this machine (pip's
            # find-links): a plain `pip install torch` elsewhere would download gigabytes of CUDA.
            local wheels
            wheels="$(mktemp -d)"
            if .venv/bin/python -m pip download -q --no-index --no-deps -d "$wheels" torch==2.13.0 >/dev/null 2>&1 \
                && .venv/bin/python -m pip install -q "$wheels"/torch-*.whl >>"$log" 2>&1; then
                echo "setup: PyTorch 2.13.0 (CPU, local wheel) installed; the comparisons with PyTorch will run"
            else
                echo "setup: no local PyTorch wheel; the tests that compare with PyTorch will be skipped"
            fi
            rm -rf "$wheels"
        fi
        echo "$want" > .venv/.installed
    fi
}
