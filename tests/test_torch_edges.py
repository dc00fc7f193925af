"""Edge cases where PyTorch's answer is the expected one: variance with a correction of at least the element
count, the higher derivatives of x ** n at x = 0, reductions along dim 0 or -1 of a 0-d tensor, and `with
torch.device(...)`."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value


@pytest.mark.parametrize("correction", [3, 4])
def test_var_with_correction_at_least_n_is_inf_not_an_error(correction):
    x = Value(np.array([1.0, 2.0, 4.0]))
    v = x.var(correction=correction)
    assert np.isinf(v.data)
    v.backward()
    assert np.all(np.isinf(x.grad))
    assert np.isinf(x.std(correction=correction).data)
    assert np.isinf(Value(np.array([1.0, 2.0, 4.0])).var(ddof=correction).data)  # NumPy's spelling too


def test_var_of_one_element_is_nan_with_pytorchs_default():
    x = Value(np.array([5.0]))
    v = x.var()
    v.backward()
    assert np.isnan(v.data) and np.isnan(x.grad).all()


def test_var_edge_cases_match_pytorch():
    # correction == n only: for correction > n PyTorch's forward gives inf but its backward divides by the
    # negative n - correction (a finite gradient); ours stays consistent with the forward (±inf).
    torch = pytest.importorskip("torch")
    data = np.array([[1.0, 2.0, 3.0], [3.0, 3.0, 3.0]])
    for correction in (3,):
        x = Value(data)
        x.var(dim=1, correction=correction).sum().backward()
        t = torch.tensor(data, requires_grad=True)
        t.var(dim=1, correction=correction).sum().backward()
        np.testing.assert_array_equal(x.var(dim=1, correction=correction).data,
                                      t.var(dim=1, correction=correction).detach().numpy())
        np.testing.assert_array_equal(x.grad, t.grad.numpy())  # ±inf, and nan where x equals the mean


@pytest.mark.parametrize("exponent, second", [(0, 0.0), (1, 0.0), (2, 2.0), (3, 0.0)])
def test_second_derivative_of_power_at_zero(exponent, second):
    hessian = ag.hessian(lambda x: x ** exponent)(Value(0.0))
    assert float(hessian) == second  # not nan (0 · inf) as before


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, 0.5, 2.5])
def test_derivatives_of_power_at_zero_match_pytorch(exponent):
    torch = pytest.importorskip("torch")
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(t ** exponent, t, create_graph=True)
    second = torch.autograd.grad(first, t)[0].item() if first.requires_grad else 0.0
    x = Value(0.0)
    g = ag.grad(lambda v: v ** exponent)(x)
    np.testing.assert_equal(float(g), first.item())
    np.testing.assert_equal(float(ag.hessian(lambda v: v ** exponent)(x)), second)


def test_third_derivative_of_x_to_the_one_is_finite():
    x = Value(0.0)
    (g,) = ag.engine.grad(x ** 1, [x], create_graph=True)
    (h,) = ag.engine.grad(g, [x], create_graph=True, allow_unused=True)
    assert h is None or float(h.data) == 0.0


def test_cpu_is_the_module_or_value_itself_and_cuda_says_there_is_no_gpu():
    # PyTorch code moves models and tensors with .cpu()/.cuda(): the first is a no-op here, the second the clear
    # error of .to("cuda"), not an AttributeError.
    from autograd_core import nn

    model, x = nn.Linear(2, 3), ag.ones(2)
    assert model.cpu() is model and x.cpu() is x
    for move, device in ((model.cuda, "cuda"), (x.cuda, "cuda"), (lambda: model.cuda(0), "cuda:0"),
                         (lambda: x.cuda(1), "cuda:1")):
        with pytest.raises(RuntimeError, match=f"device '{device}' is not available"):
            move()


def test_module_to_accepts_the_cpu_and_converts_dtypes():
    from autograd_core import nn

    model = nn.Linear(2, 3)
    weight = model.weight
    assert model.to("cpu") is model and model.to(ag.device("cpu")) is model
    model.to(ag.float64)
    assert model.weight is weight and weight.dtype == np.float64 and model.bias.dtype == np.float64
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        model.to("cuda")
    assert ag.cuda.is_available() is False


def test_dataloader_shuffles_with_a_seeded_generator_and_old_form_still_works():
    from autograd_core.utils.data import DataLoader, TensorDataset

    data = TensorDataset(ag.arange(10), ag.arange(10) * 2)

    def order(seed):
        return [xb.tolist() for xb, _ in DataLoader(data, batch_size=4, shuffle=True,
                                                    generator=ag.Generator().manual_seed(seed))]

    assert order(1) == order(1) != order(2)
    assert sorted(sum(order(1), [])) == list(range(10))
    (xb, yb), *_ = DataLoader(data, batch_size=4)
    assert isinstance(xb, Value) and xb.tolist() == [0, 1, 2, 3] and yb.tolist() == [0, 2, 4, 6]
    assert len(DataLoader(data)) == 10  # PyTorch's default batch_size=1 for a data set
    arrays = DataLoader(np.arange(10.0), np.arange(10), batch_size=4)  # the older form: arrays, batch_size 32
    assert len(arrays) == 3 and isinstance(next(iter(arrays))[0], np.ndarray)


def test_size_is_numpys_count_and_pytorchs_shape_and_pickles_as_an_int():
    import pickle

    x = ag.zeros(2, 3)
    assert x.size == 6 and x.size() == (2, 3) and x.size(-1) == 3 and x.size + 1 == 7
    restored = pickle.loads(pickle.dumps(x.size))
    assert restored == 6 and type(restored) is int


def test_set_printoptions_changes_how_a_values_array_is_shown_and_nothing_else():
    x = ag.arange(12, dtype=ag.float32) / 7
    default = repr(x)
    assert "0.1429, ..., 1.4286" in default and np.get_printoptions()["precision"] == 8
    try:
        ag.set_printoptions(precision=2)
        assert "0.14, ..., 1.43" in repr(x)
        ag.set_printoptions(profile="full")
        assert "..." not in repr(x) and "0.8571" in repr(x) and "\n" not in repr(x)
        ag.set_printoptions(sci_mode=True)
        assert "1.4286e-01" in repr(x[:3])
        ag.set_printoptions(profile="default", threshold=float("inf"))  # PyTorch's way to print everything
        assert "..." not in repr(x)
        ag.set_printoptions(profile="default", sci_mode=False)
        assert repr(ag.tensor([1e-8, 1e5])).startswith("Value([     0., 100000.]")
        for bad in (dict(precision=-1), dict(threshold="all"), dict(profile="long"), dict(sci_mode="yes")):
            with pytest.raises(ValueError, match="set_printoptions"):
                ag.set_printoptions(**bad)
        assert np.get_printoptions()["precision"] == 8  # NumPy's own options are the user's, untouched
    finally:
        ag.set_printoptions(profile="default")
    assert repr(x) == default


def test_apply_and_map_run_a_python_function_per_element_in_place():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.apply_(lambda v: v * v + 0.5) is x and x.tolist() == [[1.5, 4.5], [9.5, 16.5]]
    counts = ag.tensor([1, 2, 3])
    counts.apply_(lambda v: v / 2)  # into the Value's own dtype, as PyTorch's: int64 truncates
    assert counts.tolist() == [0, 1, 1] and counts.dtype == ag.int64
    m = ag.tensor([1.0, 2.0])
    assert m.map_(ag.tensor([10.0, 20.0]), lambda a, b: a * b) is m and m.tolist() == [10.0, 40.0]
    m.map_(3.0, lambda a, b: a - b)  # a number broadcast, as a 0-d tensor is in PyTorch
    assert m.tolist() == [7.0, 37.0]
    for call in (lambda w: w.apply_(abs), lambda w: w.map_(w, max)):
        with pytest.raises(RuntimeError, match=r"Can't call (apply|map)_\(\) on Variable that requires grad"):
            call(ag.ones(2, requires_grad=True))


def test_legacy_typed_constructors_and_the_default_device_are_top_level_names():
    letters = ag.LongTensor([1, 2, 3])  # the name-generation tutorial's torch.LongTensor(letter_indexes)
    assert letters.dtype == ag.int64 and isinstance(letters, ag.LongTensor) and not isinstance(letters, ag.FloatTensor)
    assert ag.FloatTensor(2, 3).shape == (2, 3) and ag.ones(2).type(ag.LongTensor).dtype == ag.int64
    ag.set_default_device("cpu")
    assert str(ag.get_default_device()) == "cpu"
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        ag.set_default_device("cuda")


def test_a_device_is_a_context_manager_of_the_default_device():
    """`with torch.device("cpu"):` runs its block, as PyTorch's (the CPU is the default device here); the meta
    device of Raschka's memory-efficient weight loading (`with torch.device("meta"): model = GPTModel(cfg)`) is not
    here and says so as it is entered (it was a TypeError: 'Device' object does not support the context manager
    protocol)."""
    with ag.device("cpu") as device:
        made = ag.nn.Linear(2, 3)
    assert device == ag.device("cpu") and made.weight.device == device and ag.ones(1).device == device
    for name in ("meta", "cuda"):
        with pytest.raises(RuntimeError, match=f"device '{name}' is not available"), ag.device(name):
            pass
    assert ag.get_default_device() == "cpu" and ag.ones(1).device == "cpu"
    torch = pytest.importorskip("torch")
    with torch.device("cpu") as theirs:
        assert theirs == torch.device("cpu") and torch.nn.Linear(2, 3).weight.device == theirs


_ZERO_D_REDUCTIONS = {
    "sum": lambda x, d, k: x.sum(d, keepdim=k), "mean": lambda x, d, k: x.mean(d, keepdim=k),
    "prod": lambda x, d, k: x.prod(d, keepdim=k), "amax": lambda x, d, k: x.amax(d, keepdim=k),
    "amin": lambda x, d, k: x.amin(d, keepdim=k), "max": lambda x, d, k: x.max(d, keepdim=k)[0],
    "logsumexp": lambda x, d, k: x.logsumexp(d, keepdim=k), "softmax": lambda x, d, k: x.softmax(d),
    "log_softmax": lambda x, d, k: x.log_softmax(d), "std": lambda x, d, k: x.std(d, keepdim=k),
    "var-0": lambda x, d, k: x.var(d, correction=0, keepdim=k), "norm": lambda x, d, k: x.norm(dim=d, keepdim=k),
    "nansum": lambda x, d, k: x.nansum(d, keepdim=k), "sum-tuple": lambda x, d, k: x.sum((d,), keepdim=k),
}


@pytest.mark.parametrize("name", sorted(_ZERO_D_REDUCTIONS))
@pytest.mark.parametrize("dim, keepdim", [(0, False), (-1, True)])
def test_reductions_along_dim_0_of_a_0d_tensor_are_pytorchs(name, dim, keepdim):
    """PyTorch takes dim 0 (or -1) of a 0-d tensor as its one element: x.sum(0) is x. NumPy's axis 0 of a 0-d array
    raises, which every reduction here did (Primitive.defreduction)."""
    torch = pytest.importorskip("torch")
    fn = _ZERO_D_REDUCTIONS[name]
    results = []
    for m in (torch, ag):
        x = m.tensor(-1.5, dtype=m.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # std of one element: PyTorch's and NumPy's degrees-of-freedom warnings
            out = fn(x, dim, keepdim)
            out.backward()
        results.append((tuple(out.shape), float(out), float(x.grad)))
    np.testing.assert_equal(results[1], results[0])


def test_other_dims_of_a_0d_tensor_raise_pytorchs_errors():
    x = ag.tensor(1.5)
    for dim in (1, -2):
        with pytest.raises(IndexError, match=rf"Dimension out of range \(expected to be in range of \[-1, 0\], but "
                                             rf"got {dim}\)"):
            x.sum(dim)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        x.sum((0, -1))


def test_std_of_a_constant_row_has_pytorchs_zero_gradient():
    """std's derivative 1/(2·std) is taken as 0 where std = 0 (PyTorch's std_backward masks it so), not 1/0: the
    hand-written LayerNorm of "The Annotated Transformer", a_2·(x − mean)/(std + eps) + b_2, on a row of equal
    features (a padded position) had a nan gradient that spread to every parameter at the next step."""
    data = np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 1.5, 1.5, 1.5]], dtype=np.float32)
    x = Value(data, requires_grad=True)
    std = x.std(-1, keepdim=True)
    assert std.grad_fn.name() == "StdBackward0"
    std.sum().backward()
    centred = data[0] - data[0].mean()
    np.testing.assert_allclose(x.grad[0], centred / (3 * data[0].std(ddof=1)), rtol=1e-6)
    np.testing.assert_array_equal(x.grad[1], 0.0)
    a_2 = Value(np.ones(4, dtype=np.float32), requires_grad=True)
    layer_norm = a_2 * (x - x.mean(-1, keepdim=True)) / (x.std(-1, keepdim=True) + 1e-6)
    layer_norm.square().sum().backward()
    assert np.isfinite(x.grad).all() and np.isfinite(a_2.grad).all()
    torch = pytest.importorskip("torch")
    for lib_x, keep in ((Value(data, requires_grad=True), True), (Value(data, requires_grad=True), False)):
        t = torch.tensor(data, requires_grad=True)
        ours, theirs = lib_x.std(dim=1, keepdim=keep, unbiased=False), t.std(dim=1, keepdim=keep, unbiased=False)
        (ours * ours.detach() + ours).sum().backward()
        (theirs * theirs.detach() + theirs).sum().backward()
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-6)
        np.testing.assert_allclose(lib_x.grad, t.grad.numpy(), rtol=1e-5, atol=1e-7)


def _relu_second_derivatives(lib, data, w1, w2):
    """u(x) = w2·relu(w1·x) per sample; (g, u_x requires grad, u_xx) with u_x by create_graph, as a physics-informed
    net computes it: ReLU's second derivative is zeros (the lesson: use tanh there), not missing."""
    x = lib.tensor(data, requires_grad=True)
    g, = lib.autograd.grad(lib.relu(x).sum(), x, create_graph=True)
    u = lib.relu(x[:, None] * lib.tensor(w1)) @ lib.tensor(w2)
    u_x, = lib.autograd.grad(u.sum(), x, create_graph=True)
    u_xx, = lib.autograd.grad(u_x.sum(), x)
    h, = lib.autograd.grad(g.sum(), x)
    return g, u_x.requires_grad, u_xx, h


def _relu_rule_edges(lib):
    x = lib.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    g, = lib.autograd.grad(lib.relu(x * 2).sum(), x, create_graph=True)
    rule = g.grad_fn.next_functions[0][0]  # g = (rule of relu)·2: MulBackward0 over ThresholdBackwardBackward0
    return [type(rule).__name__] + [None if f is None else type(f).__name__ for f, _ in rule.next_functions]


def test_relus_rule_made_with_create_graph_reads_relus_result_as_pytorchs():
    # PyTorch's threshold_backward(grad, result, 0): its edge goes to ReLU's node, not to what ReLU read (stop 65: to
    # the x * 2 node, MulBackward0)
    assert _relu_rule_edges(ag) == ["ThresholdBackwardBackward0", None, "ReluBackward0"]
    torch = pytest.importorskip("torch")
    assert _relu_rule_edges(torch) == _relu_rule_edges(ag)


def test_relus_second_derivative_is_zeros_as_pytorchs():
    """With create_graph, ReLU's rule is a node with an edge to x whose derivative is 0 (PyTorch's
    ThresholdBackwardBackward0): grad(grad(relu(x).sum(), x).sum(), x) is zeros. Without that edge x looked unused
    and autograd.grad raised."""
    data = np.array([-1.0, 2.0, 3.0, -0.5], dtype=np.float32)
    w1, w2 = np.array([1.0, -2.0, 0.5], dtype=np.float32), np.array([0.3, 1.0, -2.0], dtype=np.float32)
    g, u_x_needs_grad, u_xx, h = _relu_second_derivatives(ag, data, w1, w2)
    assert type(g.grad_fn).__name__ == "ThresholdBackwardBackward0" and g.requires_grad and u_x_needs_grad
    np.testing.assert_array_equal(g.data, [0, 1, 1, 0])
    np.testing.assert_array_equal(np.asarray(u_xx.data), 0.0)
    np.testing.assert_array_equal(np.asarray(h.data), 0.0)
    torch = pytest.importorskip("torch")
    tg, t_needs_grad, t_u_xx, t_h = _relu_second_derivatives(torch, data, w1, w2)
    assert type(tg.grad_fn).__name__ == type(g.grad_fn).__name__ and t_needs_grad == u_x_needs_grad
    np.testing.assert_array_equal(g.data, tg.detach().numpy())
    np.testing.assert_array_equal(np.asarray(u_xx.data), t_u_xx.numpy())
    np.testing.assert_array_equal(np.asarray(h.data), t_h.numpy())
