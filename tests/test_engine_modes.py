"""Grad modes, detach, requires_grad_, hooks and detect_anomaly."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import AnomalyError, Value

# ----------------------------------------------------------------------------------------------------
# no_grad / enable_grad / set_grad_enabled.


def test_no_grad_context_records_nothing():
    x = Value(2.0)
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * 3
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.parents == ()
    assert y.data == 6.0


def test_no_grad_decorator():
    @ag.no_grad()
    def double(v):
        assert not ag.is_grad_enabled()
        return v * 2

    y = double(Value(1.0))
    assert not y.requires_grad and ag.is_grad_enabled()


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(KeyError):
        with ag.no_grad():
            raise KeyError("inside")
    assert ag.is_grad_enabled()


def test_enable_grad_inside_no_grad_and_nesting():
    x = Value(1.0)
    with ag.no_grad():
        with ag.enable_grad():
            y = x * 2
        z = x * 2
        with ag.set_grad_enabled(True):
            with ag.set_grad_enabled(False):
                w = x * 2
            assert ag.is_grad_enabled()
    assert y.requires_grad and not z.requires_grad and not w.requires_grad


def test_same_no_grad_object_reentrant():
    ctx = ag.no_grad()
    with ctx:
        with ctx:
            pass
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


# ----------------------------------------------------------------------------------------------------
# detach, requires_grad_.


def test_set_grad_enabled_called_as_a_function_sets_the_mode_as_pytorch():
    # PyTorch's inference scripts start with `torch.set_grad_enabled(False)`: a call, not a block
    try:
        ag.set_grad_enabled(False)
        assert not ag.is_grad_enabled() and not (Value(2.0) * 3).requires_grad
        ag.set_grad_enabled(True)
        assert ag.is_grad_enabled()
        with ag.no_grad():
            with ag.set_grad_enabled(True):  # as a block: the mode before the call comes back after it
                assert ag.is_grad_enabled()
            assert not ag.is_grad_enabled()

        @ag.set_grad_enabled(False)  # as a decorator: only inside the function, not from the decoration on
        def inside():
            return ag.is_grad_enabled()

        assert ag.is_grad_enabled() and inside() is False and ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)


def test_set_grad_enabled_forms_match_pytorch():
    torch = pytest.importorskip("torch")
    seen = {}
    for lib in (ag, torch):
        try:
            steps = [lib.is_grad_enabled()]
            lib.set_grad_enabled(False)
            steps.append(lib.is_grad_enabled())
            with lib.set_grad_enabled(True):
                steps.append(lib.is_grad_enabled())
            steps.append(lib.is_grad_enabled())
            decorated = lib.set_grad_enabled(True)(lib.is_grad_enabled)
            steps += [lib.is_grad_enabled(), decorated(), lib.is_grad_enabled()]
            seen[lib.__name__] = steps
        finally:
            lib.set_grad_enabled(True)
    assert seen["autograd_core"] == seen["torch"] == [True, False, True, False, False, True, False]


def test_a_decorated_function_in_two_threads_puts_back_each_threads_own_mode():
    # One decorator object serves every call: each call keeps what it found on its own stack (before, a thread
    # leaving the function could put back the mode another thread had found)
    import threading

    a_inside, b_inside, b_may_leave = threading.Event(), threading.Event(), threading.Event()
    after = {}

    @ag.no_grad()
    def work(who):
        if who == "A":
            a_inside.set()
            b_inside.wait(5)
        else:
            b_inside.set()
            b_may_leave.wait(5)

    def thread_a():  # grad mode on
        work("A")
        after["A"] = ag.is_grad_enabled()

    def thread_b():  # grad mode off, then into the function while A is inside it
        a_inside.wait(5)
        ag.set_grad_enabled(False)
        work("B")
        after["B"] = ag.is_grad_enabled()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    threads[0].join(5)
    b_may_leave.set()
    threads[1].join(5)
    assert after == {"A": True, "B": False}


def test_detach_shares_data_and_cuts_the_graph():
    x = Value(np.array([1.0, 2.0]))
    y = x * 3
    d = y.detach()
    assert d.data is y.data and not d.requires_grad and d.parents == () and d.is_leaf
    (d * x).sum().backward()
    np.testing.assert_allclose(x.grad, y.data)  # no gradient through d


def test_requires_grad_on_leaf():
    x = Value(np.ones(2), requires_grad=False)
    assert x.requires_grad_() is x and x.requires_grad
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 2.0])
    x.requires_grad_(False)
    assert not (x * 2).requires_grad


def test_requires_grad_false_on_non_leaf_raises():
    y = Value(1.0) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_requires_grad_on_integer_data_raises():
    x = Value(np.array([1, 2]), requires_grad=False, dtype=np.int64)
    with pytest.raises(TypeError, match="int64"):
        x.requires_grad_()


# ----------------------------------------------------------------------------------------------------
# Hooks.


def test_hook_sees_and_replaces_the_gradient():
    x = Value(np.array([1.0, 2.0]))
    seen = []
    x.register_hook(lambda g: seen.append(np.array(g)))
    x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    np.testing.assert_allclose(seen[0], 2 * x.data)
    np.testing.assert_allclose(x.grad, 20 * x.data)


def test_hook_on_intermediate_changes_what_flows_below():
    x = Value(2.0)
    y = x * 3
    y.register_hook(lambda g: g * 0.5)
    (y * y).backward()              # dL/dy = 2y = 12, halved to 6; dL/dx = 3 · 6
    assert y.grad == 6.0 and x.grad == 18.0


def test_hook_handle_remove():
    x = Value(1.0)
    handle = x.register_hook(lambda g: g * 100)
    handle.remove()
    handle.remove()  # twice is harmless
    (x * 2).backward()
    assert x.grad == 2.0


def test_hook_with_wrong_shape_raises():
    x = Value(np.ones(3))
    x.register_hook(lambda g: np.ones(2))
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        (x * 2).sum().backward()


def test_hook_on_value_without_gradient_raises():
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        Value(1.0, requires_grad=False).register_hook(print)


# ----------------------------------------------------------------------------------------------------
# detect_anomaly: names the operation and the user's line.


def test_anomaly_forward_nan_names_op_and_line():
    x = Value(np.array([-1.0, 1.0]))
    with ag.detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(AnomalyError, match=r"forward of 'log' produced nan.*test_engine_modes\.py:\d+.*x\.log\(\)"):
            x.log()


def test_anomaly_backward_names_op_and_line():
    x = Value(np.array([0.0, 4.0]))
    with ag.detect_anomaly(), np.errstate(divide="ignore"):
        y = x.sqrt()  # the line the error must point at
        line = r"test_engine_modes\.py:\d+: y = x\.sqrt\(\)"
        with pytest.raises(AnomalyError, match=r"backward of 'sqrt'.*input 0.*" + line):
            y.sum().backward()


def test_anomaly_backward_nan_from_finite_forward():
    x = Value(np.array([1.0, 2.0]))
    with ag.detect_anomaly():
        y = x * 1.0
        y.register_hook(lambda g: g * np.nan)  # a nan gradient enters the graph here
        with pytest.raises(AnomalyError, match=r"backward of '\*'"):
            (y * 2).sum().backward()


def test_anomaly_does_not_flag_propagated_infinities():
    with ag.detect_anomaly():
        y = Value(np.array([np.inf, 1.0])) * 2  # the input is already infinite
    assert np.isinf(y.data[0])


def test_anomaly_mode_is_off_outside_the_block():
    with np.errstate(invalid="ignore"):
        y = Value(-1.0).log()
    assert np.isnan(y.data)


# ----------------------------------------------------------------------------------------------------
# name_scope: nodes remember the innermost scope, for pictures.


def test_name_scope_tags_nodes_and_nests():
    x = Value(1.0)
    with ag.name_scope("outer", kind="module") as outer:
        a = x * 2
        with ag.name_scope("inner") as inner:
            b = a + 1
        c = b * b
    d = c - 1
    assert a.scope is outer and b.scope is inner and c.scope is outer and d.scope is None
    assert inner.parent is outer and [s.name for s in inner.path()] == ["outer", "inner"]
    assert (outer.kind, inner.kind) == ("module", "scope")


def test_name_scope_is_restored_after_an_exception():
    with pytest.raises(KeyError):
        with ag.name_scope("failing"):
            raise KeyError("inside")
    assert (Value(1.0) * 2).scope is None


def test_importing_keeps_numpy_error_state_and_sets_it_in_the_context():
    # modes.py sets NumPy's error-state variable to the object it holds (so that each ufunc call finds it cached):
    # the state a program set before the import stays, errstate blocks still nest, and another thread keeps NumPy's
    # default. A fresh interpreter: this one imported the engine long ago.
    import subprocess
    import sys

    code = """if True:
        import contextvars, threading
        import numpy as np
        from numpy._core._ufunc_config import _extobj_contextvar as extobj
        before, held = np.geterr(), extobj.get()
        assert extobj not in contextvars.copy_context()  # NumPy's default, not set in this context
        import autograd_core
        assert extobj in contextvars.copy_context() and extobj.get() is held
        assert np.geterr() == before, np.geterr()
        with np.errstate(all="ignore"):
            assert np.geterr()["over"] == "ignore"
        assert np.geterr() == before
        np.seterr(over="raise")
        assert np.geterr()["over"] == "raise"
        seen = []
        worker = threading.Thread(target=lambda: seen.append(np.geterr()["over"]))
        worker.start(); worker.join()
        assert seen == ["warn"], seen
    """
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_importing_sets_numpy_allocator_in_the_context_to_the_one_it_held():
    # modes.py sets NumPy's memory-handler variable (looked up at every array made) to the handler it holds, so that
    # each lookup finds it cached: the same allocator in this thread, NumPy's default in another, never set there.
    import subprocess
    import sys

    code = """if True:
        import contextvars, threading
        import numpy as np
        from numpy._core.multiarray import get_handler_name, get_handler_version

        def allocator_set_here():
            return [v.name for v in contextvars.copy_context() if v.name == "current_allocator"]

        before = get_handler_name(), get_handler_version()
        assert not allocator_set_here()
        import autograd_core
        assert allocator_set_here() == ["current_allocator"], allocator_set_here()
        assert (get_handler_name(), get_handler_version()) == before
        a = np.arange(6.0) * 2
        assert get_handler_name(a) == before[0] and a.sum() == 30.0
        seen = []
        worker = threading.Thread(target=lambda: seen.append((allocator_set_here(), get_handler_name())))
        worker.start(); worker.join()
        assert seen == [([], before[0])], seen
    """
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_process_wide_flags_are_instance_attributes_from_the_start():
    # ANOMALY.enabled is read per recorded operation: an attribute of the instance is CPython's quick lookup, one found
    # on the class through the instance its generic one. A fresh interpreter: here a test may have set them already.
    import subprocess
    import sys

    code = """if True:
        from autograd_core.modes import ANOMALY, INPLACE
        assert vars(ANOMALY) == {"enabled": False, "check_nan": True}, vars(ANOMALY)
        assert vars(INPLACE) == {"latest": -1}, vars(INPLACE)
    """
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
