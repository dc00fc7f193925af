"""NumPy's floating-point warnings inside the library: PyTorch computes log(0) = -inf, 0/0 = nan, exp(1000) = inf
silently, and so do we; the user's own NumPy code, and the user's own warning filters, are left as they were."""

import subprocess
import sys

EDGE_CASES = """
import numpy as np
import autograd_core as ag
import autograd_core.nn.functional as F
x = ag.tensor([0.0, 1.0, -1.0, 1000.0], dtype=ag.float64, requires_grad=True)
y = ag.log(x).sum() + x.sqrt().sum() + (1 / x).sum() + x.exp().sum() + F.softmax(x * np.inf, 0).sum()
y.backward()
print(y.item(), x.grad.tolist())
compiled = ag.compile(lambda v: ag.log(v) + 1)
for _ in range(4):  # recorded twice, then replayed: the replay is our code too
    compiled(ag.tensor([0.0, -1.0]))
"""


def _run(code, *options):
    return subprocess.run([sys.executable, *options, "-c", code], capture_output=True, text=True, timeout=120)


def test_edge_cases_of_float_operations_are_silent_as_in_pytorch():
    done = _run(EDGE_CASES)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # without the filter: seven RuntimeWarnings pointing at engine.py and the rules
    assert done.stdout.startswith("nan [nan")  # the IEEE results, as PyTorch's


def test_the_users_own_numpy_code_still_warns():
    done = _run("import numpy as np, autograd_core; np.log(np.zeros(1))")
    assert "RuntimeWarning: divide by zero encountered in log" in done.stderr


def test_the_users_filters_come_first():
    done = _run(EDGE_CASES, "-W", "error::RuntimeWarning")
    assert done.returncode != 0 and "RuntimeWarning: divide by zero encountered in log" in done.stderr
    done = _run("import numpy as np, autograd_core as ag\nwith np.errstate(all='raise'):\n"
                "    try:\n        ag.log(ag.tensor([0.0]))\n    except FloatingPointError:\n        print('raised')")
    assert done.stdout.strip() == "raised"
