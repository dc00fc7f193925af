#!/usr/bin/env bash
# The test suite: sets everything up on a fresh machine, lints, then runs pytest on 2 workers. With no
# arguments it then runs the tests that compare with PyTorch again as on a machine without PyTorch
# (AUTOGRAD_CORE_TEST_WITHOUT=torch): each comparison must skip with a reason and the rest pass (HIPS
# autograd stays an oracle that always runs), so every run proves that users without PyTorch get a green suite.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
install_graphviz
install_browser
make_venv test
install_mpi
.venv/bin/python -m ruff check .
.venv/bin/python -m pytest -n 2 -q "$@"
if [ $# -eq 0 ] && .venv/bin/python -c "import torch" >/dev/null 2>&1; then
    mapfile -t torch_tests < <(grep -l "torch" tests/test_*.py)
    echo "test.sh: again without PyTorch: ${torch_tests[*]}"
    AUTOGRAD_CORE_TEST_WITHOUT=torch .venv/bin/python -m pytest -n 2 -q "${torch_tests[@]}"
fi
