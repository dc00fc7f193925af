"""NumPy's floating-point warnings inside the library: PyTorch computes log(0) = -inf, 0/0 = nan, exp(1000) = inf
silently, and so do we, whatever the user's warning filters (-W error, -W always, pytest's filterwarnings = error,
simplefilter inside catch_warnings, resetwarnings: autograd_core/float_errors.py); the user's own NumPy code still
warns, and np.seterr(all="raise") still raises inside our operations."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.nn.functional as ag_F

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
    assert done.stderr == ""  # without the filter: seven RuntimeWarnings pointing at recording.py and the rules
    assert done.stdout.startswith("nan [nan")  # the IEEE results, as PyTorch's


def test_the_users_own_numpy_code_still_warns():
    done = _run("import numpy as np, autograd_core; np.log(np.zeros(1))")
    assert "RuntimeWarning: divide by zero encountered in log" in done.stderr




def test_the_users_start_up_filters_do_not_reach_our_operations():
    # -W error: forward, backward, BCE, softmax and the compiled replay raised RuntimeWarning (recording.py's forward)
    done = _run(EDGE_CASES + "np.log(np.zeros(1))  # the user's own code: still the user's filter\n", "-W", "error")
    assert "RuntimeWarning: divide by zero encountered in log" in done.stderr
    assert done.stdout.startswith("nan [nan") and done.stderr.count("RuntimeWarning") == 1, done.stderr
    assert '"<string>", line 12' in done.stderr  # raised at the user's line, not in ours
    done = _run(EDGE_CASES, "-W", "always")  # printed seven warnings
    assert done.returncode == 0 and done.stderr == "", done.stderr


def _edge_cases(lib, F):
    """(name, output, gradient) of float64 edge cases PyTorch computes silently: log, sqrt, 1/x, x**-1 and exp at
    0, -1 and 1000, softmax of infinities, BCE with probabilities of 0 and 1."""
    results = []
    for name, f in [("log", lib.log), ("sqrt", lib.sqrt), ("1/x", lambda x: 1 / x), ("x**-1", lambda x: x ** -1),
                    ("exp", lib.exp), ("softmax", lambda x: F.softmax(x * float("inf"), 0))]:
        x = lib.tensor([0.0, 1.0, -1.0, 1000.0], dtype=lib.float64, requires_grad=True)
        out = f(x)
        out.backward(lib.ones_like(out))
        results.append((name, out.detach().numpy().copy(), x.grad.numpy().copy()))
    p = lib.tensor([0.0, 1.0, 0.5], dtype=lib.float64, requires_grad=True)
    loss = F.binary_cross_entropy(p, lib.tensor([1.0, 0.0, 1.0], dtype=lib.float64))
    loss.backward()
    results.append(("bce", loss.detach().numpy().copy(), p.grad.numpy().copy()))
    return results


def _as_pytorchs(ours, theirs):
    for (name, out, grad), (_, their_out, their_grad) in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(out, their_out, rtol=1e-8, err_msg=name)  # (BCE: PyTorch clamps by 1e-12)
        np.testing.assert_allclose(grad, their_grad, rtol=1e-8, err_msg=name)


@pytest.mark.parametrize("reset", [False, True], ids=["simplefilter", "resetwarnings"])
def test_the_users_error_filter_set_after_import_lets_our_operations_run(reset):
    # pytest's -W error and filterwarnings = error: simplefilter("error") inside catch_warnings, in front of ours
    with warnings.catch_warnings():
        if reset:
            warnings.resetwarnings()
        warnings.simplefilter("error")
        ours = _edge_cases(ag, ag_F)
        logits = ag.tensor([[np.inf, -np.inf, 0.0]], requires_grad=True)  # (PyTorch's loss is nan, ours inf)
        ag_F.cross_entropy(logits, ag.tensor([1])).backward()  # raised: overflow encountered in exp
        compiled = ag.compile(lambda v: ag.log(v) + 1)
        replayed = [compiled(ag.tensor([0.0, -1.0])).numpy().tolist() for _ in range(4)]  # recorded, then replayed
        _, tangent = ag.func.jvp(ag.log, (ag.tensor([0.0, 1.0]),), (ag.tensor([1.0, 1.0]),))  # forward mode
        with pytest.raises(RuntimeWarning, match="divide by zero encountered in log"):
            np.log(np.zeros(1))  # the user's own code: the user's filter
    assert str(replayed) == str([[-np.inf, np.nan]] * 4) and tangent.tolist() == [np.inf, 1.0]
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        theirs = _edge_cases(torch, torch.nn.functional)
    _as_pytorchs(ours, theirs)


def test_backward_and_the_compiled_replay_are_silent_when_the_user_shows_every_warning():
    with np.errstate(divide="ignore", invalid="ignore"):  # (the forward's filter goes with pytest's collection)
        x = ag.tensor([0.0, 1.0, -1.0], requires_grad=True)
        y = ag.log(x).sum() + (1 / x).sum()
        compiled = ag.compile(lambda v: ag.log(v) * 2)
        for _ in range(2):  # the two recordings
            compiled(ag.tensor([0.0, -1.0]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("always")
        y.backward()
        out = compiled(ag.tensor([0.0, -1.0]))
        np.log(np.zeros(1))  # the user's own code still warns
    assert [str(w.message) for w in caught] == ["divide by zero encountered in log"]
    assert x.grad.tolist()[1:] == [0.0, -2.0] and np.isnan(x.grad.numpy()[0])
    assert out.tolist()[0] == -np.inf


def test_the_users_numpy_error_state_is_kept():
    # np.seterr(all="raise") is a request to find where a nan starts: our operations raise too, forward and backward
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    y = ag.log(x + 1).sum() + (1 / (x + 1)).sum()
    before = np.geterr()
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError):
            ag.log(x)
        with pytest.raises(FloatingPointError):
            (ag.log(x) if False else x.sqrt()).sum().backward()  # sqrt's rule divides by 2·sqrt(0)
        y.backward()  # nothing to report: it runs
    assert np.geterr() == before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ag.log(x).sum().backward()  # quiet, and leaves NumPy's state as it was for the user's own code
    assert np.geterr() == before
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.log(np.zeros(1))
    assert len(caught) == 1


def _in_place_edge_cases(lib):
    """The results of in-place changes at float edge cases, on Values that need no gradient: log_, div_, /=, pow_,
    sqrt_, mul_ by inf, and a 0-d Value's log_."""
    changes = [("log_", lambda x: x.log_()), ("div_", lambda x: x.div_(0.0)), ("/=", lambda x: x.__itruediv__(0.0)),
               ("pow_", lambda x: x.pow_(-1)), ("sqrt_", lambda x: x.sub_(1).sqrt_()),
               ("mul_", lambda x: x.mul_(float("inf"))), ("0-d log_", lambda x: x[0].clone().log_())]
    return [(name, change(lib.tensor([0.0, 1.0], dtype=lib.float64)).numpy().tolist()) for name, change in changes]


def test_in_place_changes_at_edge_cases_run_under_the_users_error_filter():
    # NumPy writes the whole result, then reports: an error raised then left x changed and the version not counted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = _in_place_edge_cases(ag)
    assert str(ours) == str([("log_", [-np.inf, 0.0]), ("div_", [np.nan, np.inf]), ("/=", [np.nan, np.inf]),
                             ("pow_", [np.inf, 1.0]), ("sqrt_", [np.nan, 0.0]), ("mul_", [np.nan, np.inf]),
                             ("0-d log_", -np.inf)])
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):  # the user's np.seterr still reaches them
        ag.tensor([0.0]).log_()
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert str(_in_place_edge_cases(torch)) == str(ours)
