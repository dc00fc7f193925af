"""`.grad` as PyTorch users handle it (GradArray), and the errors of the new in-place and I/O surface."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import Value, nn
from autograd_core.grad_array import GradArray


def gradient_of(x, f):
    f(x).sum().backward()
    return x.grad


def test_grad_is_an_ndarray_with_pytorchs_inplace_methods():
    x = Value(np.arange(3.0))
    g = gradient_of(x, lambda v: v * v)
    assert isinstance(g, np.ndarray) and isinstance(g, GradArray) and x.grad is g  # the same object each read
    assert g.data is g and g.detach() is g and type(g.numpy()) is np.ndarray
    assert repr(g) == "array([0., 2., 4.])"
    assert g.zero_() is g and x.grad.tolist() == [0.0, 0.0, 0.0]
    g.add_(np.ones(3), alpha=2).mul_(3).sub_(1).div_(5)
    np.testing.assert_allclose(x.grad, [1.0, 1.0, 1.0])
    g.copy_(Value(np.array([1.0, -5.0, 7.0]))).clamp_(-2, 2)
    assert x.grad.tolist() == [1.0, -2.0, 2.0] and g.norm() == 3.0 and g.fill_(0.5).tolist() == [0.5] * 3


def test_arithmetic_on_a_gradient_gives_plain_arrays_and_scalars():
    x = Value(np.ones((2, 2)))
    g = gradient_of(x, lambda v: v * 2)
    for result in (0.1 * g, g + g, np.sqrt(g), g.T @ g, g.clone()):
        assert type(result) is np.ndarray
    assert type(g.sum()) is np.float64 and type(g.max()) is np.float64
    p = nn.Parameter(np.ones((2, 2)))
    p.data -= 0.5 * g.data  # PyTorch's old idiom: the parameter's data stays a plain array
    assert type(p.data) is np.ndarray and p.data.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_zeroing_in_place_then_accumulating_matches_pytorch():
    torch_ = pytest.importorskip("torch")
    w0 = np.random.default_rng(0).normal(size=(3, 2))
    ours, theirs = Value(w0.copy()), torch_.tensor(w0, requires_grad=True)
    for w in (ours, theirs):
        (w * w).sum().backward()
        w.grad.zero_()
        (w ** 3).sum().backward()
        (w * 2).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12)


def test_changing_one_leafs_gradient_in_place_leaves_the_others_alone():
    a, b = Value(np.ones(3)), Value(np.ones(3))
    z = a + b
    (z * 2).sum().backward()
    a.grad.zero_()
    assert b.grad.tolist() == [2.0, 2.0, 2.0] and z.grad.tolist() == [2.0, 2.0, 2.0]


def test_scalar_gradients_stay_numpy_floats_as_micrograd_code_expects():
    a = Value(2.0)
    (a * a).backward()
    assert isinstance(a.grad, np.float64) and f"{a.grad:.2f}" == "4.00"


def test_a_differentiable_gradient_stays_a_value():
    x = Value(np.array([1.0, 2.0]))
    (x ** 3).sum().backward(create_graph=True)
    assert isinstance(x.grad, Value)


def test_optimizers_and_clipping_accept_gradient_arrays():
    layer = nn.Linear(3, 2)
    opt = torch.optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        layer(torch.ones(4, 3)).sum().backward()
        layer.weight.grad.mul_(0.5)  # a hand-made change, then the step
        nn.utils.clip_grad_norm_(layer.parameters(), 1.0)
        opt.step()
    assert type(layer.weight.data) is np.ndarray and np.isfinite(layer.weight.data).all()


# ----------------------------------------------------------------------------------------------------
# Errors of the in-place surface (PyTorch refuses the same first two).


def test_setitem_on_a_leaf_that_requires_grad_is_refused_like_pytorch():
    w = torch.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Value that requires grad"):
        w[0] = 1.0
    torch_ = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        torch_.zeros(3, requires_grad=True)[0] = 1.0


def test_out_with_a_recorded_result_is_refused_like_pytorch():
    x, out = torch.ones(2, requires_grad=True), torch.zeros(2)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        torch.mul(x, x, out=out)
    assert out.tolist() == [0.0, 0.0]  # unchanged
    with pytest.raises(RuntimeError, match="shape"):
        torch.add(torch.ones(2), 1.0, out=torch.zeros(3))
    torch_ = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        torch_.mul(torch_.ones(2, requires_grad=True), 2.0, out=torch_.zeros(2))


def test_inplace_methods_on_a_recorded_value_and_setitem_are_recorded():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    assert y.floor_() is y  # recorded, as in PyTorch (tests/test_inplace_recorded.py)
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]  # floor's derivative
    x.grad, y = None, x * 2
    y[0] = 0.0  # assignments are recorded, as in PyTorch (tests/test_zero_to_hero_gpt.py)
    z = torch.zeros(3)
    z[0] = x[0]
    (y.sum() + z.sum()).backward()
    assert x.grad.tolist() == [1.0, 2.0, 2.0]


def test_a_change_by_setitem_under_no_grad_makes_an_older_graph_refuse_backward():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    loss = (y * y).sum()
    with torch.no_grad():
        y[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_relu_inplace_on_a_recorded_value_gives_pytorchs_gradient():
    torch_ = pytest.importorskip("torch")
    x0 = np.array([-1.0, 0.5, 2.0])
    grads = []
    for lib in (torch, torch_):
        x = lib.tensor(x0, requires_grad=True)
        h = x * 3
        y = lib.nn.ReLU(inplace=True)(h)
        y = lib.nn.functional.relu(y - 1, inplace=True)
        (y * y).sum().backward()
        grads.append(np.array(x.grad.tolist()))
    np.testing.assert_allclose(grads[0], grads[1])


# ----------------------------------------------------------------------------------------------------
# save / load.


def test_save_and_load_a_models_and_an_optimizers_state(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.ones(2, 3)).sum().backward()
    opt.step()
    path = tmp_path / "checkpoint.pth"
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, path)
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pth"]  # no ".npz" added, no temporary left
    back = torch.load(path, weights_only=True)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    fresh.load_state_dict(back["model"])
    opt2 = torch.optim.Adam(fresh.parameters(), lr=0.01)
    opt2.load_state_dict(back["optimizer"])
    assert back["epoch"] == 3 and set(back["optimizer"]["state"]) == {0, 1, 2, 3}
    for a, b in zip(model.parameters(), fresh.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_save_refuses_what_it_cannot_store_and_leaves_the_file_alone(tmp_path):
    path = tmp_path / "state.pth"
    torch.save({"w": np.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"cannot save a Linear \(at the object\['model'\]\)"):
        torch.save({"model": nn.Linear(2, 2)}, path)
    with pytest.raises(TypeError, match="dict key"):
        torch.save({(1, 2): 3}, path)
    assert path.read_bytes() == before and len(list(tmp_path.iterdir())) == 1


def test_load_refuses_other_files_without_running_them(tmp_path):
    import pickle

    path = tmp_path / "pickled.pth"
    path.write_bytes(pickle.dumps({"w": [1.0]}))
    with pytest.raises(RuntimeError, match="not a file written by autograd_core.save"):
        torch.load(path)
    np.savez(tmp_path / "plain.npz", w=np.ones(2))
    with pytest.raises(RuntimeError, match="not a file written by autograd_core.save"):
        torch.load(tmp_path / "plain.npz")
    with pytest.raises(RuntimeError, match="map_location"):
        torch.load(path, map_location="cuda")


def test_inplace_activations_stay_right_in_a_compiled_function():
    """inplace=True changes the input: a compiled model (which replays recorded operations only) runs eagerly and
    keeps giving the eager numbers on every call, with or without recording."""
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 4), nn.LeakyReLU(0.1, inplace=True),
                          nn.Linear(4, 2))

    @torch.compile
    def infer(x):
        with torch.no_grad():
            return nn.functional.relu(model(x), inplace=True)

    for _ in range(5):
        x = torch.randn(5, 3)
        with torch.no_grad():
            expected = nn.functional.relu(model(x))
        np.testing.assert_allclose(infer(x).data, expected.data, rtol=1e-6)


def test_pytorchs_legacy_tensor_constructor_with_a_shape_is_an_error_not_a_scalar():
    with pytest.raises(TypeError, match=r"torch\.Tensor\(5, 3, \.\.\.\).*empty"):
        torch.Tensor(5, 3)  # PyTorch: an uninitialised 5x3 tensor; Value(5, requires_grad=3) would be a scalar
    assert torch.Tensor([1.0, 2.0]).shape == (2,) and not Value(1.0, np.bool_(False)).requires_grad


def test_numpys_out_and_augmented_assignment_keep_the_gradient_object():
    x = Value(np.ones(3))
    g = gradient_of(x, lambda v: v * 2)
    assert np.add(g, 1, out=g) is g  # as NumPy returns out=
    x.grad += 1
    x.grad *= 0.5
    assert x.grad is g and g.tolist() == [2.0, 2.0, 2.0]
    out = np.zeros(3)
    assert np.multiply(g, 2, out=out) is out and type(out) is np.ndarray


def test_stored_grad_reads_the_gradient_as_a_plain_array():
    # What the optimizers compute with: .grad's own array without the GradArray view (whose arithmetic goes
    # through Python), for every kind of gradient a Value may hold.
    from autograd_core.element import ElementView
    from autograd_core.value import stored_grad

    x = Value(np.arange(3.0))
    assert stored_grad(x) is None
    (x * x).sum().backward()
    g = stored_grad(x)
    assert type(g) is np.ndarray and np.shares_memory(g, x.grad) and g.tolist() == [0.0, 2.0, 4.0]
    assert type(stored_grad(x)) is np.ndarray  # also once .grad has been read (and is a GradArray)
    s = Value(2.0)
    (s * s).backward()
    assert stored_grad(s) == 4.0 and not isinstance(stored_grad(s), np.ndarray)
    y = Value(np.arange(2.0))
    (y * y).sum().backward(create_graph=True)
    assert isinstance(stored_grad(y), Value)
    m = Value(np.arange(4.0).reshape(2, 2))
    view = ElementView(m, (1, 0))
    (view * view).backward()
    assert stored_grad(view) == view.grad == 4.0  # a subclass keeping its gradient elsewhere: its property
