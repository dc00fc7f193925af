"""`.grad` as PyTorch users handle it (GradArray), and the errors of the new in-place and I/O surface."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import Value, nn
from autograd_core.grad_array import GradArray, ParameterArray


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


def test_in_place_add_and_sub_of_gradients_and_parameters_check_alpha_as_pytorch():
    from autograd_core import nn

    x = Value(np.arange(3.0))
    g = gradient_of(x, lambda v: v * v)
    p = nn.Parameter(np.ones(3, np.float32))
    for array in (g, p.data):  # a GradArray and a ParameterArray
        before = array.copy()
        with pytest.raises(RuntimeError, match="add_: Boolean alpha only supported for Boolean results"):
            array.add_(np.ones(3), alpha=True)
        with pytest.raises(RuntimeError, match="sub_: Boolean alpha only supported"):
            array.sub_(1.0, alpha=False)
        with pytest.raises(RuntimeError, match="sub_: Subtraction, the `-` operator, with a bool tensor"):
            array.sub_(True)
        np.testing.assert_array_equal(array, before)  # nothing changed
        assert array.sub_(np.ones(3), alpha=0.5) is array
        np.testing.assert_array_equal(array, before - 0.5)
    counts = nn.Parameter(np.zeros(2)).data.view(np.ndarray).astype(np.int64).view(type(g))
    with pytest.raises(RuntimeError, match="add_: For integral input tensors, argument alpha must not be a floating"):
        counts.add_(1, alpha=0.5)
    assert counts.add_(1, alpha=3).tolist() == [3, 3]


def test_arithmetic_of_gradients_and_numbers_gives_gradients_with_another_array_plain_arrays():
    x = Value(np.ones((2, 2)))
    g = gradient_of(x, lambda v: v * 2)
    for result in (0.1 * g, g + g, np.sqrt(g), g.T @ g, g.clone() * 1, -g, g ** 2, g.abs()):  # PyTorch's tensors
        assert type(result) is GradArray
    assert not np.shares_memory(0.1 * g, g)
    for result in (g + np.ones(2), x.data * g, np.ones((2, 2)) @ g):  # another array: the class goes no further
        assert type(result) is np.ndarray
    assert type(g.sum()) is np.float64 and type(g.max()) is np.float64  # NumPy's reductions: NumPy scalars
    assert type(g.std()) is GradArray and g.std().shape == () and type(g.var()) is GradArray  # 0-d tensors
    p = nn.Parameter(np.ones((2, 2)))
    p.data -= 0.5 * g.data  # PyTorch's old idiom: the parameter's data stays its own class, not a GradArray
    assert type(p.data) is ParameterArray and p.data.tolist() == [[0.0, 0.0], [0.0, 0.0]]


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
    assert type(layer.weight.data) is ParameterArray and np.isfinite(layer.weight.data).all()


# ----------------------------------------------------------------------------------------------------
# PyTorch's other tensor methods on a gradient: as on a Value holding it (PyTorch's `p.grad` is a tensor).


# (expression on g, the gradient of x = G0 under (x * G0).sum(), so that g is G0): the idioms of PyTorch code that
# logs, clips or inspects gradients. Each gives what the same expression gives on PyTorch's x.grad.
G0 = np.array([[1.5, -2.0, 0.0], [4.0, -0.5, 3.0]])
TORCH_IDIOMS = [
    "g.view(-1)", "g.view(3, 2)", "g.view((1, 6))", "g.pow(2).sum().sqrt()", "g.square().sum()", "g.size()",
    "g.size(1)", "g.numel()", "g.dim()", "g.unsqueeze(0)", "g.float()", "g.double()", "g.abs().mean()",
    "g.clamp(-1, 1)", "g.sign()", "g.exp()", "g.neg()", "g.add(1)", "g.mul(2)", "g.div(2)", "g.sum(dim=0)",
    "g.sum(0, keepdim=True)", "g.mean(dim=1)", "g.max(dim=1).values", "g.max(dim=1).indices", "g.min(dim=0)[0]",
    "g.amax(dim=1)", "g.argmax(dim=1)", "g.cumsum(dim=1)", "g.norm(dim=1)", "g.norm(2)", "g.transpose(0, 1)",
    "g.t()", "g.permute(1, 0)", "g.flip(0)", "g.roll(1, 0)", "g.isnan().any()", "g.isfinite().all()",
    "g.eq(0).sum()", "g.ne(0).sum()", "g.count_nonzero()", "g.masked_fill(g > 0, 0)", "g.softmax(dim=1)",
    "g.topk(2).values", "g.narrow(1, 0, 2)", "g.chunk(2)[1]", "g.split(1)[0]", "g.expand(2, 2, 3)",
    "g.contiguous()", "g.clone().detach()", "g.detach().cpu().numpy()", "g.std(dim=0)", "g.var(1, keepdim=True)",
    "g.to(torch.float64)", "g.type(torch.float64)", "g.new_zeros(2)", "g.is_contiguous()", "g.requires_grad",
    "g.is_leaf", "g.grad_fn", "g.reshape(3, 2)", "g.flatten()", "g.item() if g.numel() == 1 else g.tolist()",
]


def _gradient_like(lib, dtype):
    x = lib.tensor(G0, dtype=dtype, requires_grad=True)
    (x * lib.tensor(G0, dtype=dtype)).sum().backward()
    return x.grad


def _as_plain(result):
    if isinstance(result, tuple) and not hasattr(result, "_fields") and not all(isinstance(r, int) for r in result):
        return [_as_plain(r) for r in result]
    if hasattr(result, "numpy") and not isinstance(result, np.ndarray):
        return np.array(result.detach().numpy() if hasattr(result, "detach") else result.numpy())
    return np.asarray(result) if not isinstance(result, (bool, type(None), str)) else result


@pytest.mark.parametrize("expression", TORCH_IDIOMS)
def test_pytorchs_tensor_methods_on_a_gradient_give_pytorchs_results(expression):
    g = _gradient_like(torch, torch.float64)
    ours = eval(expression, {"g": g, "torch": torch})
    # what the same expression gives on a Value holding the gradient (PyTorch's semantics of each method)
    expected = eval(expression, {"g": Value(G0, requires_grad=False), "torch": torch})
    np.testing.assert_equal(_as_plain(ours), _as_plain(expected))
    assert g.tolist() == G0.tolist()  # the gradient itself unchanged
    torch_ = _torch_or_none()
    if torch_ is not None:
        theirs = _as_plain(eval(expression, {"g": _gradient_like(torch_, torch_.float64), "torch": torch_}))
        if theirs is None or isinstance(theirs, bool):
            assert _as_plain(ours) == theirs
        else:
            np.testing.assert_allclose(_as_plain(ours), theirs, rtol=1e-12, atol=0)


def _torch_or_none():
    try:
        import torch as torch_
    except ImportError:
        return None
    return torch_


def test_a_view_of_a_gradient_shares_its_memory_and_numpys_view_still_takes_a_dtype():
    g = _gradient_like(torch, torch.float64)
    flat = g.view(-1)
    assert isinstance(flat, Value) and np.shares_memory(flat.data, g)
    assert g.view(np.int64).dtype == np.int64 and type(g.view(np.ndarray)) is np.ndarray
    assert g.size == 6 and g.size() == (2, 3) and g.size(-1) == 3  # NumPy's attribute and PyTorch's method


def test_transpose_of_two_dims_swaps_them_as_pytorch_does():
    # NumPy's g.transpose(0, 1) orders the axes as they are (a matrix comes back unchanged); PyTorch swaps dim 0
    # and dim 1. A gradient takes PyTorch's meaning for two dims and NumPy's otherwise.
    g = _gradient_like(torch, torch.float64)
    assert g.transpose(0, 1).tolist() == G0.T.tolist() and g.transpose(1, 0).tolist() == G0.T.tolist()
    assert g.transpose().tolist() == G0.T.tolist() and g.transpose((1, 0)).tolist() == G0.T.tolist()


def test_numpys_functions_and_method_calls_on_a_gradient_keep_numpys_meaning():
    g = _gradient_like(torch, torch.float64)
    assert type(g.sum()) is np.float64 and g.max(0).tolist() == [4.0, -0.5, 3.0]  # NumPy's max(axis)
    assert np.sum(g, axis=0).tolist() == [5.5, -2.5, 3.0] and np.mean(g, keepdims=True).shape == (1, 1)
    assert np.argmax(g) == 3 and np.cumsum(g).shape == (6,) and np.max(g, axis=1).tolist() == [1.5, 4.0]
    assert np.all(g.any(axis=1)) and g.repeat(2).shape == (12,) and type(g.astype(np.float32)) is GradArray


@pytest.mark.parametrize("call, expected", [
    ("g.neg_()", -G0), ("g.abs_()", np.abs(G0)), ("g.pow_(2)", G0 ** 2), ("g.masked_fill_(g < 0, 0.0)",
                                                                          np.maximum(G0, 0)),
    ("g.lerp_(torch.zeros(2, 3, dtype=torch.float64), 0.5)", G0 / 2), ("g.sign_()", np.sign(G0)),
    ("g.addcmul_(g, g, value=0.5)", G0 + 0.5 * G0 * G0), ("g.clamp_min_(0)", np.maximum(G0, 0)),
])
def test_in_place_methods_change_the_gradient_and_return_it(call, expected):
    x = Value(G0.copy(), requires_grad=True)
    (x * Value(G0)).sum().backward()
    g = x.grad
    assert eval(call, {"g": g, "torch": torch}) is g
    assert x.grad is g and np.array_equal(x.grad, expected)


def test_in_place_methods_that_would_change_a_gradients_shape_are_refused():
    x = Value(G0.copy(), requires_grad=True)
    (x * Value(G0)).sum().backward()
    for call in ("unsqueeze_(0)", "t_()", "transpose_(0, 1)"):
        with pytest.raises(RuntimeError, match="cannot change its shape in place"):
            eval(f"x.grad.{call}")
    assert x.grad.shape == (2, 3) and x.grad.tolist() == G0.tolist()


def test_random_fills_of_a_gradient_draw_into_it():
    x = Value(np.zeros((100, 10)), requires_grad=True)
    x.sum().backward()
    g = x.grad
    assert g.normal_(0.0, 2.0) is g and abs(float(g.std()) - 2.0) < 0.1
    assert g.uniform_(-1, 1) is g and -1 <= g.min() and g.max() <= 1 and x.grad is g


def test_what_belongs_to_a_graph_node_is_not_a_gradients():
    g = _gradient_like(torch, torch.float64)
    for name in ("backward", "register_hook", "retain_grad", "op", "parents", "_grad", "label"):
        with pytest.raises(AttributeError, match=f"'GradArray' object has no attribute '{name}'"):
            getattr(g, name)
    assert g.requires_grad_(False) is g and g.detach_() is g and g.cpu() is g
    with pytest.raises(TypeError, match=r"requires_grad_\(True\)"):
        g.requires_grad_()


def test_a_clone_of_a_gradient_is_a_gradient_array_of_its_own():
    g = _gradient_like(torch, torch.float64)
    c = g.clone()
    assert type(c) is GradArray and not np.shares_memory(c, g) and c.detach() is c
    c.zero_()
    assert g.tolist() == G0.tolist()


# ----------------------------------------------------------------------------------------------------
# A parameter's .data: assigning a Value, and nn.init on the array.


def test_assigning_a_value_to_a_parameters_data_stores_its_array():
    layer = nn.Linear(3, 2)
    layer.weight.data = torch.ones(2, 3)  # PyTorch's idiom; the array, not the Value, is stored
    assert type(layer.weight.data) is ParameterArray and layer.weight.data.tolist() == [[1.0] * 3] * 2
    layer.bias.data = np.zeros(2, dtype=np.float32)
    assert layer(torch.ones(1, 3)).tolist() == [[3.0, 3.0]]
    layer.weight.data = layer.weight.data * 2  # arrays as given, as before
    assert layer(torch.ones(1, 3)).tolist() == [[6.0, 6.0]]


def test_a_compiled_function_sees_a_parameters_data_assigned():
    # The parameter's own data property (which stores a Value's array) is watched while compile records, as
    # Value's slot is: the function runs eagerly (it writes outside the recorded operations), never a stale replay.
    p = nn.Parameter(np.ones(3))

    def halve(x):
        y = (p * x).sum()
        p.data = p.data * 0.5
        return y

    compiled = torch.compile(halve)
    with pytest.warns(torch.jit.CompileWarning, match=r"assigns a parameter's \.data"):
        results = [float(compiled(torch.ones(3, dtype=torch.float64)).data) for _ in range(4)]
    assert results == [3.0, 1.5, 0.75, 0.375] and p.data.tolist() == [0.0625] * 3


def test_nn_init_writes_into_a_parameters_array():
    # DCGAN's `nn.init.normal_(m.weight.data, 0.0, 0.02)`: the array in place, the parameter keeps it.
    layer = nn.Linear(30, 20)
    w = layer.weight.data
    assert nn.init.normal_(w, 0.0, 0.02) is w and layer.weight.data is w and abs(w.std() - 0.02) < 0.005
    assert nn.init.constant_(layer.bias.data, 0.5) is layer.bias.data and layer.bias.data.tolist() == [0.5] * 20
    assert nn.init.xavier_uniform_(w) is w and w.dtype == np.float32


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
        Value(5, 3)  # PyTorch's torch.Tensor(5, 3): Value(5, requires_grad=3) would be a scalar
    assert not Value(1.0, np.bool_(False)).requires_grad


def test_torch_tensor_called_is_pytorchs_legacy_constructor_and_stays_the_node_type():
    # The sequence-to-sequence tutorial's loss = torch.Tensor([0]); loss += l: float32, no gradient, in place.
    loss = torch.Tensor([0])
    assert loss.dtype == np.float32 and not loss.requires_grad
    loss += torch.tensor([1.5])
    assert loss.tolist() == [1.5]
    assert torch.Tensor(5, 3).shape == (5, 3) and torch.Tensor().shape == (0,)  # zeros, where PyTorch's are garbage
    assert torch.Tensor(np.arange(3)).dtype == np.float32 and type(torch.Tensor([1])) is Value
    assert isinstance(Value(1.0), torch.Tensor) and issubclass(Value, torch.Tensor)
    assert not isinstance(1.0, torch.Tensor)
    assert torch.Tensor.add(torch.ones(2), torch.ones(2)).tolist() == [2.0, 2.0]  # Value's methods
    with pytest.raises(TypeError, match=r"Tensor\(\): expected data"):
        torch.Tensor(2, "3")
    torch_ = pytest.importorskip("torch")
    theirs = torch_.Tensor([0])
    assert str(theirs.dtype) == "torch.float32" and not theirs.requires_grad


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


def test_torch_autograd_grad_gives_a_tuple_of_gradient_arrays():
    # The per-sample-gradients tutorial's manual loop: torch.autograd.grad(loss, params) then .norm() on each.
    x = torch.ones(3, requires_grad=True)
    w = torch.ones((2, 2), requires_grad=True)
    grads = torch.autograd.grad((x * 2).sum() + (w * w).sum(), (x, w))
    assert type(grads) is tuple and all(type(g) is GradArray for g in grads)
    assert float(grads[0].norm()) == pytest.approx(12 ** 0.5) and grads[1].view(-1).tolist() == [2.0] * 4
    assert x.grad is None  # nothing accumulated
    (second,) = torch.autograd.grad((x * x).sum(), x, create_graph=True)
    assert isinstance(second, Value)


# ----------------------------------------------------------------------------------------------------
# A parameter's .data: an ndarray with PyTorch's tensor methods (ParameterArray).


def test_parameter_data_answers_d2l_and_tutorial_initialisation_idioms():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 3))
    weight, bias = net[0].weight, net[0].bias
    assert type(weight.data) is ParameterArray and type(bias.data) is ParameterArray
    assert weight.data.normal_(0, 0.01) is weight.data                     # d2l 3.3: in place, returns the array
    assert 0 < float(np.std(weight.data)) < 0.05
    bias.data.fill_(0)
    assert bias.data.tolist() == [0.0] * 3
    weight.data.uniform_(-10, 10)
    weight.data *= weight.data.abs() >= 5                                   # d2l 5.2's my_init
    assert np.all((weight.data == 0) | (np.abs(weight.data) >= 5))
    target = nn.Linear(4, 3)
    before = target.weight.data.copy()
    target.weight.data.copy_(0.5 * weight.data + 0.5 * target.weight.data)  # DQN's soft update
    np.testing.assert_allclose(target.weight.data, 0.5 * weight.data + 0.5 * before, rtol=1e-6)
    weight.data.zero_()
    assert not weight.data.any()
    with pytest.raises(RuntimeError, match="cannot change its shape in place"):
        weight.data.unsqueeze_(0)


def test_a_buffer_and_a_parameters_data_take_pytorchs_view_of_sizes():
    """A module's buffer is a ParameterArray, and PyTorch code views it (llama2.c's reshape_for_broadcast:
    `self.freqs_cos[:seqlen]`, then `.view(shape)` with a list of sizes): sizes are PyTorch's view, a Value sharing
    the memory, as a gradient's view; NumPy's view(dtype or type) is unchanged."""
    layer = nn.Linear(3, 2)
    layer.register_buffer("table", np.arange(12.0, dtype=np.float32).reshape(4, 3))
    rows = layer.table[:2]
    assert type(rows) is ParameterArray
    for view in (rows.view([1, 2, 1, 3]), rows.view(1, 2, 1, 3), rows.view((1, 2, 1, 3)), rows.view(size=(6,))):
        assert isinstance(view, Value) and np.shares_memory(view.data, layer.table)
    assert rows.view([1, 2, 1, 3]).tolist() == [[[[0.0, 1.0, 2.0]], [[3.0, 4.0, 5.0]]]]
    assert layer.weight.data.view(-1).shape == (6,) and not layer.weight.data.view(-1).requires_grad
    assert type(rows.view(np.ndarray)) is np.ndarray and rows.view(np.int32).dtype == np.int32


def test_parameter_data_keeps_numpys_meaning_and_class_only_on_parameters():
    layer = nn.Linear(3, 2)
    w = layer.weight.data
    assert w.size == 6 and w.transpose().shape == (3, 2) and w.view(np.float32) is not w
    assert type(w.sum()) is np.float32 and type(w.std()) is np.float32  # NumPy scalars
    plain = w.view(np.ndarray)
    assert w.std() == pytest.approx(plain.std(ddof=1)) and w.var() == pytest.approx(plain.var(ddof=1))  # PyTorch's
    assert np.std(w) == plain.std() and w.std(axis=0).tolist() == plain.std(0).tolist()  # NumPy's keywords: NumPy's
    assert repr(w).startswith("array(")
    x = np.ones((5, 3), np.float32)
    assert type(x @ w.T) is np.ndarray and type(w * 2.0 + x[:2, :]) is np.ndarray  # a plain array decides
    out = layer(Value(x))
    out.sum().backward()
    assert type(out.data) is np.ndarray and type(layer.weight.grad) is GradArray
    assert isinstance(w.sum(dim=0), Value)                                  # PyTorch's keywords: Value's method
    for opt in (torch.optim.SGD(layer.parameters(), lr=0.1), torch.optim.Adam(layer.parameters())):
        opt.step()
        assert type(layer.weight.data) is ParameterArray and layer.weight.data is w  # updated in place
    layer.load_state_dict({k: np.zeros_like(v) for k, v in layer.state_dict().items()})
    assert type(layer.weight.data) is ParameterArray and not layer.weight.data.any()
    scalar = nn.Parameter(2.0)  # a 0-d parameter's data stays a NumPy scalar, as micrograd's lessons print it
    assert not isinstance(scalar.data, ParameterArray)


def test_parameter_data_methods_match_pytorch():
    torch_ = pytest.importorskip("torch")
    start = np.array([[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]])
    other = np.array([[1.0, 2.0, -3.0], [0.5, 0.5, 0.5]])
    for name, args in [("add_", (other,)), ("sub_", (other,)), ("mul_", (other,)), ("div_", (other,)),
                       ("clamp_", (-1.0, 1.0)), ("fill_", (7.0,)), ("zero_", ()), ("copy_", (other,)),
                       ("abs_", ()), ("exp_", ()), ("neg_", ())]:
        ours = nn.Parameter(start.copy())
        theirs = torch_.nn.Parameter(torch_.tensor(start.copy()))
        getattr(ours.data, name)(*[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
        getattr(theirs.data, name)(*[torch_.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
        np.testing.assert_allclose(ours.data, theirs.data.numpy(), rtol=1e-12, err_msg=name)
    ours, theirs = nn.Parameter(start.copy()), torch_.nn.Parameter(torch_.tensor(start.copy()))
    ours.data.add_(torch.tensor(other), alpha=-0.5)
    theirs.data.add_(torch_.tensor(other), alpha=-0.5)
    np.testing.assert_allclose(ours.data, theirs.data.numpy(), rtol=1e-12)
    assert float(ours.data.abs().sum()) == pytest.approx(float(theirs.data.abs().sum()))


def test_a_sum_of_parameters_alone_is_plain_numpy_data():
    # Operations on parameters alone give ParameterArrays (p ** 2); their sum takes NumPy's reduction directly (not
    # the ParameterArray's Python `sum` method) and is plain data: a NumPy scalar, or a plain array with keepdims.
    from autograd_core import nn

    p = nn.Parameter(np.arange(6, dtype=np.float32).reshape(2, 3))
    total = (p ** 2).sum()
    assert type(total.data) is np.float32 and total.data == np.sum(np.arange(6, dtype=np.float32) ** 2)
    assert type((p * 2.0).sum(keepdims=True).data) is np.ndarray
    assert type(p.mean().data) is np.float32 and type((p * p).mean(0).data) is np.ndarray
    total.backward()
    np.testing.assert_array_equal(p.grad, 2 * p.data)
