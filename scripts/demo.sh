#!/usr/bin/env bash
# The demo: sets everything up on a fresh machine, then runs examples/demo.py.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
install_graphviz
make_venv test
exec .venv/bin/python examples/demo.py "$@"
