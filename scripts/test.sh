#!/usr/bin/env bash
# The test suite: sets everything up on a fresh machine, lints, then runs pytest on 2 workers.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
install_graphviz
install_browser
make_venv test
.venv/bin/python -m ruff check .
exec .venv/bin/python -m pytest -n 2 -q "$@"
