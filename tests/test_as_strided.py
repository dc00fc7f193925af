"""torch.as_strided and torch.as_strided_scatter (autograd_core/ops/strided.py): the storage's geometry, a view that
shares memory, the gradient of positions read, PyTorch's errors, and compiled replays that re-record when an input
is laid out otherwise. The op table (tests/test_ops_table.py) checks gradients, second derivatives, forward mode
and compile on three more cases."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value


def _weights(shape):
    return np.random.default_rng(1).standard_normal(shape)


def test_the_geometry_is_the_storages():
    x = ag.arange(10.0)
    assert x.as_strided((3, 3), (1, 1)).tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4]]  # windows, no copy
    assert x.as_strided((2, 3), (3, 1), 4).tolist() == [[4, 5, 6], [7, 8, 9]]
    view = x[2:8]  # strides count the storage, and the offset starts where the view does
    assert view.storage_offset() == 2
    assert view.as_strided((3,), (2,)).tolist() == [2, 4, 6]
    assert view.as_strided((3,), (1,), 0).tolist() == [0, 1, 2]  # memory before the view: still the storage
    t = ag.arange(6.0).reshape(2, 3).t()  # a transpose shares its storage, laid out by rows
    assert t.as_strided((2, 3), (3, 1)).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert ag.as_strided(x, size=(2,), stride=(5,), storage_offset=1).tolist() == [1, 6]
    assert x.as_strided((0, 4), (1, 1), 10).shape == (0, 4)  # nothing read: no storage needed
    assert ag.tensor(3.0).as_strided((2,), (0,)).tolist() == [3, 3]  # a 0-d Value's storage: its number


def test_the_result_shares_the_memory():
    x = ag.arange(6.0)
    windows = x.as_strided((2, 2), (2, 1))
    assert np.shares_memory(windows.data, x.data)
    windows[1, 0] = 20.0
    assert x.tolist() == [0, 1, 20, 3, 4, 5]
    x.add_(1)
    assert windows.tolist() == [[1, 2], [21, 4]]
    params = ag.nn.Parameter(ag.zeros(4))
    assert np.shares_memory(params.as_strided((2,), (2,)).data, params.data)


def test_gradients_go_to_the_elements_holding_the_positions_read():
    x = ag.tensor(np.arange(10.0), requires_grad=True)
    windows = x.as_strided((3, 3), (1, 1))
    w = _weights((3, 3))
    (windows * ag.tensor(w)).sum().backward()
    expected = np.zeros(10)
    for i in range(3):
        for j in range(3):
            expected[i + j] += w[i, j]  # overlapping windows: their gradients add up
    np.testing.assert_allclose(x.grad, expected)

    x.grad = None
    y = x * 1  # a view past the start reads memory outside itself: those positions give no gradient to it
    part = y[2:8]
    part.retain_grad()
    (part.as_strided((4,), (1,), 0) * ag.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(part.grad, [3, 4, 0, 0, 0, 0])
    np.testing.assert_array_equal(x.grad, [0, 0, 3, 4, 0, 0, 0, 0, 0, 0])


def test_an_expand_shares_the_gradient_of_a_position_and_adds_it_back_once():
    z = ag.tensor([1.0, 2.0], requires_grad=True)
    read = z.expand(3, 2).as_strided((2,), (1,))  # each position held by three elements of the expand
    (read * ag.tensor([3.0, 5.0])).sum().backward()
    np.testing.assert_allclose(z.grad, [3.0, 5.0])  # as PyTorch's (not 3× that)


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda m, x: x.as_strided((3, 3), (1, 1)),
        lambda m, x: (x * 1)[2:8].as_strided((3,), (2,)),
        lambda m, x: (x * 1)[2:8].as_strided((3,), (1,), 0),
        lambda m, x: x.reshape(2, 5).t().as_strided((2, 2), (1, 5)),
        lambda m, x: x[:2].expand(3, 2).as_strided((2,), (1,)),
        lambda m, x: (x * 1).expand(3, 10).as_strided((4,), (3,)),
        lambda m, x: m.as_strided(x, (2, 4), (2, 1), 1),
        lambda m, x: x.sum().as_strided((3,), (0,)),
    ]
    data = np.random.default_rng(0).standard_normal(10)
    for k, f in enumerate(cases):
        ours, theirs = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        out, expected = f(ag, ours), f(torch, theirs)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-15, err_msg=str(k))
        w = _weights(out.shape)
        (out * ag.tensor(w)).sum().backward()
        (expected * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), err_msg=str(k))


def test_an_in_place_change_through_the_view_reaches_the_graph():
    x = ag.tensor(np.arange(6.0), requires_grad=True)
    y = x * 1
    y.as_strided((2,), (2,), 1).mul_(10)
    assert y.tolist() == [0, 10, 2, 30, 4, 5]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1, 10, 1, 10, 1, 1])  # PyTorch's
    leaf = ag.tensor(np.arange(4.0), requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf"):
        leaf.as_strided((2,), (1,)).mul_(2)
    with pytest.raises(RuntimeError, match="single memory location"):
        (leaf * 1).as_strided((2, 2), (1, 1)).mul_(2)  # overlapping windows: refused, as an expand's


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.as_strided((2, 2), (1,)), RuntimeError, "mismatch in length of strides and shape"),
    (lambda x: x.as_strided((3, 3), (2, 2)), RuntimeError,
     r"sizes \[3, 3\], strides \[2, 2\], storage offset 0, and itemsize 4 requiring a storage size of 36 are out of "
     r"bounds for storage of size 24"),
    (lambda x: x[1:].as_strided((6,), (1,)), RuntimeError, "storage offset 1"),  # the view's own offset, by default
    (lambda x: x.as_strided((2,), (-1,)), RuntimeError, "Negative strides are not supported"),
    (lambda x: x.as_strided((-1,), (1,)), RuntimeError, "negative size"),
    (lambda x: x.as_strided((2,), (1,), -1), RuntimeError, "invalid storage offset -1"),
    (lambda x: x.as_strided((2.5,), (1,)), TypeError, "size must be a sequence of integers"),
    (lambda x: x.as_strided((2,), (1,), 0.5), TypeError, "storage_offset must be an integer"),
    (lambda x: x.as_strided_scatter(ag.ones(3), (2,), (1,)), RuntimeError, "src to have a size equal to the slice"),
])
def test_bad_geometries_raise_pytorchs_errors(call, error, message):
    x = ag.arange(6.0)
    with pytest.raises(error, match=message):
        call(x)
    assert x.tolist() == [0, 1, 2, 3, 4, 5]


def test_as_strided_scatter_writes_where_the_view_reads():
    x = ag.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    src = ag.tensor([10.0, 20.0, 30.0], requires_grad=True)
    out = ag.as_strided_scatter(x, src, (3,), (4,))  # the diagonal
    assert out.tolist() == [[10, 1, 2], [3, 20, 5], [6, 7, 30]]
    assert x.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]  # a copy: input unchanged
    w = _weights((3, 3))
    (out * ag.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad, w * (1 - np.eye(3)))  # where input was kept
    np.testing.assert_allclose(src.grad, np.diag(w), rtol=1e-6)  # where src (float32) was written
    # The storage's geometry again: a transpose's storage is laid out by rows, a strided slice's has gaps.
    t = ag.arange(9.0).reshape(3, 3).t()
    assert t.as_strided_scatter(ag.full((3,), 7.0), (3,), (1,)).tolist() == [[7, 3, 6], [7, 4, 7], [7, 5, 8]]
    gaps = ag.zeros(6)[::2]
    assert gaps.as_strided_scatter(ag.ones(2) * 5, (2,), (1,), 1).tolist() == [0, 5, 0]  # position 1: not gaps'


def test_as_strided_scatter_gradient_matches_finite_differences():
    # PyTorch 2.13 gives input the gradient of the positions written instead (its own gradcheck fails there).
    x = ag.tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    src = ag.tensor(np.random.default_rng(3).standard_normal((2, 2)), requires_grad=True)
    assert ag.autograd.gradcheck(lambda a, b: ag.as_strided_scatter(a * a, b * b, (2, 2), (4, 1), 1), (x, src))


def test_forward_mode_and_second_derivatives():
    x = ag.tensor(np.random.default_rng(4).standard_normal(6), requires_grad=True)
    f = lambda v: (v.as_strided((3, 2), (1, 2)) ** 3).sum()  # noqa: E731
    hessian = ag.func.hessian(f)(x)
    expected = np.zeros((6, 6))
    for i in range(3):
        for j in range(2):
            p = i + 2 * j
            expected[p, p] += 6 * x.data[p]
    np.testing.assert_allclose(hessian.data, expected)
    t = np.arange(6.0)
    _, tangent = ag.func.jvp(lambda v: v.as_strided((3, 2), (1, 2)), (x,), (ag.tensor(t),))
    np.testing.assert_array_equal(tangent.data, t[np.add.outer(np.arange(3), 2 * np.arange(2))])


def test_a_compiled_call_records_again_for_an_input_laid_out_otherwise():
    def step(a):
        x = Value(a, requires_grad=True)
        y = x.as_strided((2, 2), (1, 1))
        (y * y).sum().backward()
        return y.data, x.grad

    compiled = ag.compile(step)
    for k in range(4):
        compiled(np.arange(4.0) + k)
    assert compiled.stats["replayed"] == 2
    storage = np.arange(10.0)
    out, grad = compiled(storage[3:7])  # same shape and dtype, but 3 elements into its storage
    expected_out, expected_grad = step(storage[3:7])
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(out, [[3, 4], [4, 5]])
    np.testing.assert_array_equal(grad, expected_grad)
    assert compiled.stats["guard_failures"] == 1


def _run_apart(code):
    """Run code in a fresh interpreter (a read outside memory crashes that one, not the suite): (returncode, stdout)."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr[-2000:]


def test_a_compiled_replay_on_a_shorter_storage_records_again_instead_of_reading_past_it():
    # Recorded on views of 4e6-element storages, the step is replayed on an array laid out alike (same shape, strides
    # and offset) over 16 bytes that no ndarray owns: the geometry would read 4e6 elements from a 2-element copy.
    code, out = _run_apart("""
        import numpy as np
        import autograd_core as ag

        compiled = ag.compile(lambda a: ag.from_numpy(a).as_strided((4_000_000,), (1,)) * 1.0)
        for k in range(5):
            compiled((np.arange(4_000_000.0) + k)[:2])
        assert compiled.stats["replayed"] == 3, compiled.stats
        try:
            compiled(np.frombuffer(bytearray(16), dtype=np.float64))
        except RuntimeError as error:
            print(error)
        print(compiled.stats["guard_failures"])
    """)
    assert code == 0, out  # (before the fix: -11, a segmentation fault)
    assert "requiring a storage size of 32000000 are out of bounds for storage of size 16" in out
    assert out.split()[-1] == "1"  # the replay's guard failed: recorded again, eager's error


def test_the_view_checks_its_geometry_against_the_memory_it_views():
    # The kernel itself, given a geometry worked out for a longer storage than its input's (whatever path led there:
    # a replay, a rule): PyTorch's error, not a read past the end (np.lib.stride_tricks.as_strided checks nothing).
    code, out = _run_apart("""
        import numpy as np
        from autograd_core import Value
        from autograd_core.ops import strided

        geometry = strided._geometry(Value(np.arange(4_000_000.0)[:2]), (4_000_000,), (1,), None, "as_strided")
        for memory in (bytearray(16), np.zeros(2)):  # the copy path (no ndarray owner), the view path
            try:
                strided._as_strided.forward(np.frombuffer(memory, dtype=np.float64), geometry=geometry)
            except RuntimeError as error:
                print(error)
    """)
    assert code == 0, out
    assert out.count("out of bounds for storage of size 16") == 2


def test_geometries_past_int64_raise_instead_of_wrapping_round():
    # Sizes × strides past 2**63 bytes: NumPy's own bound check of np.ndarray(buffer=..., strides=...) wraps round
    # (it accepts shape (2, 2), strides (2**62, 2**62) over 32 bytes), and np.lib.stride_tricks.as_strided checks
    # nothing; the bounds are worked out in Python's integers before either is called.
    code, out = _run_apart("""
        import autograd_core as ag

        x = ag.arange(4.0, dtype=ag.float64)
        for call in (lambda: x.as_strided((2, 2), (2**59, 2**59)), lambda: x.as_strided((3,), (2**62,)),
                     lambda: x.as_strided((2,), (1,), 2**63 - 1), lambda: x[1:].as_strided((2, 2), (2**59, 2**59)),
                     lambda: ag.as_strided_scatter(x, ag.zeros(2, 2), (2, 2), (2**59, 2**59))):
            try:
                print("read", call().sum().item())
            except RuntimeError as error:
                print("refused", "out of bounds for storage of size 32" in str(error) or str(error)[:60])
    """)
    assert code == 0, out
    assert out.split() == ["refused", "True"] * 5, out
