# Sourced by demo.sh and test.sh: makes .venv, installs the package, and finds Graphviz's `dot`.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
# Python keeps the bytecode of each module it imports (in __pycache__/, ignored by git), as it does by default: with
# PYTHONDONTWRITEBYTECODE set (some images set it), every interpreter the scripts start (each test worker, each
# subprocess a test launches, the notebooks' kernels) would compile the package and the test files again. pip is
# told not to compile what it installs (below), so a module is compiled on its first import, once.
unset PYTHONDONTWRITEBYTECODE
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "autograd-core needs Python >= 3.10 (found: $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.x" >&2
    exit 1
fi

# Runs a command as root: directly when we are root (containers, CI), through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "setup: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

# install_program PROGRAM APT-PACKAGES... [-- BREW-PACKAGE]: makes PROGRAM available from the system's packages.
# A program still missing afterwards is an error in CI (CI=true), where tests must not skip silently, and a
# warning elsewhere (the tests that need it skip, saying why).
install_program() {
    local program="$1"; shift
    command -v "$program" >/dev/null 2>&1 && return 0
    local apt=() brew=""
    while [ $# -gt 0 ]; do
        if [ "$1" = "--" ]; then brew="${2:-}"; break; fi
        apt+=("$1"); shift
    done
    echo "setup: installing ${apt[*]} (for '$program')..."
    if command -v apt-get >/dev/null 2>&1; then
        # Twice: a mirror that drops a connection fails apt's whole install.
        local attempt
        for attempt in 1 2; do
            { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt[@]}" >/dev/null; } \
                && break
        done
    elif [ -n "$brew" ] && command -v brew >/dev/null 2>&1; then
        brew install "$brew" || true
    fi
    if ! command -v "$program" >/dev/null 2>&1; then
        echo "setup: could not install '$program' (Debian/Ubuntu: sudo apt-get install ${apt[*]})" >&2
        if [ "${CI:-}" = "true" ]; then
            echo "setup: CI needs '$program'; stopping" >&2
            exit 1
        fi
    fi
}

install_graphviz() {
    install_program dot graphviz -- graphviz
    install_cjk_font
}

# A font for Chinese, Japanese and Korean text: Graphviz draws the text of PNG and PDF pictures with the fonts that
# fontconfig finds, and Debian's graphviz brings Latin, Greek and math fonts only, so a node labelled 损失 (loss)
# came out as empty boxes. WenQuanYi Micro Hei is a 1.6 MB download (Noto CJK: 57 MB). Skipped when fontconfig
# already finds a Chinese font, or is not there to ask (macOS ships its own CJK fonts). Never fatal: without it
# the pictures still render, and viz warns (MissingFontWarning) naming the characters and this package.
install_cjk_font() {
    command -v fc-list >/dev/null 2>&1 || return 0
    [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ] && return 0
    command -v apt-get >/dev/null 2>&1 || return 0
    echo "setup: installing fonts-wqy-microhei (Chinese, Japanese and Korean text in PNG and PDF pictures)..."
    local attempt
    for attempt in 1 2; do
        { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            fonts-wqy-microhei >/dev/null; } && break
    done
    if [ -z "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]; then
        echo "setup: could not install a CJK font (Debian/Ubuntu: sudo apt-get install fonts-wqy-microhei);" \
            "Chinese labels will be empty boxes in PNG and PDF pictures" >&2
    fi
}

# MPI for autograd_core.distributed: the `distributed` extra (part of `test`) installs MPICH's wheel, which puts
# `mpiexec` in .venv/bin; where that wheel is missing or does not run, the system's MPICH.
install_mpi() {
    if [ -x .venv/bin/mpiexec ] && .venv/bin/mpiexec -n 1 true >/dev/null 2>&1; then
        return 0
    fi
    install_program mpiexec mpich -- mpich
}

# Headless Chromium and its WebDriver: the graph explorer's tests drive the page in a real browser.
install_browser() {
    install_program chromium chromium chromium-driver
    install_program chromedriver chromium-driver
}

# install_local_torch VENV LOG: PyTorch into VENV if its CPU wheel for VENV's Python is on this machine (pip's
# find-links); fails otherwise. PyTorch is only a test oracle: a plain `pip install torch` elsewhere would download
# gigabytes of CUDA.
install_local_torch() {
    local venv="$1" log="$2" wheels status=1
    wheels="$(mktemp -d)"
    if "$venv/bin/python" -m pip download -q --no-index --no-deps -d "$wheels" torch==2.13.0 >/dev/null 2>&1 \
        && "$venv/bin/python" -m pip install -q --no-compile "$wheels"/torch-*.whl >>"$log" 2>&1; then
        status=0
    fi
    rm -rf "$wheels"
    return $status
}

# pip_install LOG ARGS...: `pip install ARGS` into .venv, its output in LOG. pip retries a failed connection but not
# a download cut short, which fails its hash check (a CI run was lost to a truncated MPICH wheel), so the install is
# tried three times, a few seconds apart. A full disk is not tried again.
pip_install() {
    local log="$1"; shift
    local attempt
    : >"$log"
    for attempt in 1 2 3; do
        echo "setup: pip install $* (attempt $attempt of 3)" >>"$log"
        if .venv/bin/python -m pip install "$@" >>"$log" 2>&1; then
            return 0
        fi
        if grep -q "No space left on device" "$log" || [ "$attempt" -eq 3 ]; then
            return 1
        fi
        echo "setup: pip install failed ($(tac "$log" | grep -m1 "^ERROR" || echo "see $log")); trying again" >&2
        sleep "${AUTOGRAD_CORE_SETUP_RETRY_PAUSE:-5}"
    done
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
        # --no-compile: pip would compile every module of every package (half of the install's time, most of it
        # never imported); Python compiles what is imported on first use instead (see PYTHONDONTWRITEBYTECODE above).
        if ! pip_install "$log" --no-compile -e ".[$1]"; then
            grep -v "is ignored" "$log" | tail -20 >&2
            if grep -q "No space left on device" "$log"; then
                # The test extras and PyTorch take about 1.5 GB; say where the space went, not only that pip failed.
                echo "setup: the disk is full ($(df -h . | awk 'NR==2 {print $4}') free here; the test set-up needs about 1.5 GB)" >&2
            fi
            echo "setup: pip install failed (full log: $log)" >&2
            exit 1
        fi
        if [ "$1" = "test" ]; then
            if install_local_torch .venv "$log"; then
                echo "setup: PyTorch 2.13.0 (CPU, local wheel) installed; the comparisons with PyTorch will run"
            else
                echo "setup: no local PyTorch wheel; the tests that compare with PyTorch will be skipped"
            fi
        fi
        echo "$want" > .venv/.installed
    fi
}
