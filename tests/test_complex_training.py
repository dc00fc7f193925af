"""Training with complex parameters: the optimizers step them as PyTorch's do (their real pairs, step for step against
PyTorch in complex128 and complex64, state dicts included), nn's complex parameters, layers, initialisers, `to`, and
their state dicts in both file formats; gradcheck and gradgradcheck of complex functions (against PyTorch's verdicts);
pictures of complex graphs (viz)."""

from __future__ import annotations

import copy
import io
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn, viz
from autograd_core.gradcheck import GradcheckError

RNG = np.random.default_rng(11)
Z0 = RNG.standard_normal((3, 2)) + 1j * RNG.standard_normal((3, 2))
X0 = RNG.standard_normal(4)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _numpy(t):
    data = t.detach().numpy() if hasattr(t, "detach") and not isinstance(t, ag.Value) else np.asarray(t.data)
    return np.array(data)


# ----------------------------------------------------------------------------------------------------
# Optimizers: a complex parameter is stepped as its real and imaginary parts, as PyTorch's view_as_real does.

OPTIMIZER_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, maximize=True)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.1, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.1, foreach=False)),
    ("AdamW", dict(lr=0.1)),
    ("AdamW", dict(lr=0.1, amsgrad=True, maximize=True)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.3, lr_decay=0.1)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("Adadelta", dict(lr=1.0, weight_decay=0.1)),
    ("Adamax", dict(lr=0.1)),
    ("NAdam", dict(lr=0.1)),
    ("NAdam", dict(lr=0.1, decoupled_weight_decay=True, weight_decay=0.1)),
    ("RAdam", dict(lr=0.1)),
    ("RAdam", dict(lr=0.1, decoupled_weight_decay=True, weight_decay=0.1)),
    ("ASGD", dict(lr=0.1, t0=1)),
    ("Rprop", dict(lr=0.1)),
]
# PyTorch keeps NAdam's mu_product and ASGD's eta and mu as float32 tensors: their steps differ from float64 ones by
# float32 rounding, for real parameters as for complex ones.
_FLOAT32_SCALARS = {"NAdam", "ASGD"}


def _gradients(dtype, steps):
    rng = np.random.default_rng(5)
    real = np.float64 if dtype == np.complex128 else np.float32
    return [((rng.standard_normal(Z0.shape) + 1j * rng.standard_normal(Z0.shape)).astype(dtype),
             rng.standard_normal(X0.shape).astype(real)) for _ in range(steps)]


def _run(m, name, kwargs, dtype, grads, state_dict_after=None):
    """Steps of optimizer `name` of library m on a complex and a real parameter, fed the same gradients; after
    `state_dict_after` steps, a new optimizer (and new parameters of the same numbers) continues from a copy of the
    state dict. Returns the two parameters' numbers and the last state dict."""
    real = np.float64 if dtype == np.complex128 else np.float32
    z = m.tensor(Z0.astype(dtype), requires_grad=True)
    x = m.tensor(X0.astype(real), requires_grad=True)
    opt = getattr(m.optim, name)([z, x], **kwargs)
    for k, (gz, gx) in enumerate(grads):
        if k == state_dict_after:
            saved = copy.deepcopy(opt.state_dict())
            z = m.tensor(_numpy(z), requires_grad=True)
            x = m.tensor(_numpy(x), requires_grad=True)
            opt = getattr(m.optim, name)([z, x], **kwargs)
            opt.load_state_dict(saved)
        z.grad, x.grad = m.tensor(gz), m.tensor(gx)
        opt.step()
    return _numpy(z), _numpy(x), opt.state_dict()


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64], ids=["complex128", "complex64"])
@pytest.mark.parametrize("name, kwargs", OPTIMIZER_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZER_CASES)])
def test_optimizer_steps_complex_parameters_as_pytorch(torch, name, kwargs, dtype):
    grads = _gradients(dtype, 5)
    torch_z, torch_x, torch_state = _run(torch, name, kwargs, dtype, grads, state_dict_after=3)
    our_z, our_x, our_state = _run(ag, name, kwargs, dtype, grads, state_dict_after=3)
    assert our_z.dtype == dtype
    rtol = (1e-7 if name in _FLOAT32_SCALARS else 1e-13) if dtype == np.complex128 else 2e-6
    np.testing.assert_allclose(our_z, torch_z, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(our_x, torch_x, rtol=rtol, atol=rtol)
    # the state is complex where PyTorch's is (exp_avg of a complex parameter is complex), with its numbers
    assert set(our_state["state"]) == set(torch_state["state"])
    for key, theirs in torch_state["state"].get(0, {}).items():
        ours = our_state["state"][0][key]
        if isinstance(theirs, torch.Tensor) and theirs.dim():
            assert np.asarray(ours).dtype == theirs.numpy().dtype, key
            np.testing.assert_allclose(ours, theirs.numpy(), rtol=rtol, atol=rtol, err_msg=key)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adams_flat_buffer_path_takes_complex_parameters(torch, name):
    """Adam's small parameters step together through flat buffers (foreach, the default): a complex one joins them
    as its real pairs, its state complex views of the buffers, also after a state dict is loaded."""
    grads = _gradients(np.complex128, 5)
    theirs = _run(torch, name, dict(lr=0.1, weight_decay=0.1), np.complex128, grads, state_dict_after=2)
    z = ag.tensor(Z0, requires_grad=True)
    x = ag.tensor(X0, requires_grad=True)
    opt = getattr(ag.optim, name)([z, x], lr=0.1, weight_decay=0.1)
    for k, (gz, gx) in enumerate(grads):
        if k == 2:
            saved = copy.deepcopy(opt.state_dict())
            z, x = ag.tensor(_numpy(z), requires_grad=True), ag.tensor(_numpy(x), requires_grad=True)
            opt = getattr(ag.optim, name)([z, x], lr=0.1, weight_decay=0.1)
            opt.load_state_dict(saved)
        z.grad, x.grad = ag.tensor(gz), ag.tensor(gx)
        opt.step()
        (flat,) = opt.__dict__["_flat_groups"].values()
        assert flat.params == [z, x]
        assert opt.state[z]["exp_avg"].dtype == np.complex128
        assert np.shares_memory(opt.state[z]["exp_avg"], flat.buffers[0])
    np.testing.assert_allclose(_numpy(z), theirs[0], rtol=1e-13)
    np.testing.assert_allclose(_numpy(x), theirs[1], rtol=1e-13)


def test_state_arrays_of_a_complex_parameter_are_complex_and_change_in_place():
    z = ag.tensor(Z0, requires_grad=True)
    opt = ag.optim.Adam([z], lr=0.1, foreach=False)
    z.grad = ag.tensor(Z0 * 1j)
    opt.step()
    exp_avg = opt.state[z]["exp_avg"]
    assert exp_avg.dtype == np.complex128 and exp_avg.shape == Z0.shape
    np.testing.assert_allclose(exp_avg, 0.1 * Z0 * 1j)
    held = exp_avg  # a user's reference to the moment sees the next step, as PyTorch's exp_avg does
    opt.step()
    assert opt.state[z]["exp_avg"] is held or np.shares_memory(opt.state[z]["exp_avg"], held)
    np.testing.assert_allclose(held, 0.19 * Z0 * 1j)


def test_sgd_and_adam_on_a_zero_dimensional_complex_parameter(torch):
    results = []
    for m in (ag, torch):
        z = m.tensor(1.5 - 0.5j, requires_grad=True)
        opt = m.optim.Adam([z], lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (z * z.conj()).real.backward()
            opt.step()
        results.append(complex(_numpy(z)))
    assert results[0] == pytest.approx(results[1], rel=1e-6)


def _lbfgs_run(m, line_search_fn):
    z = m.tensor(Z0, requires_grad=True)
    x = m.tensor(X0, requires_grad=True)
    weights = m.tensor(np.arange(1.0, 7.0).reshape(3, 2))
    opt = m.optim.LBFGS([z, x], lr=0.5, max_iter=5, line_search_fn=line_search_fn)

    def closure():
        opt.zero_grad()
        loss = (z.abs() ** 2 * weights).sum() + 0.5 * (z * z).real.sum() + (x * x).sum() \
            + 0.1 * (z.sum() * x.sum()).imag
        loss.backward()
        return loss

    for _ in range(2):
        opt.step(closure)
    return _numpy(z), _numpy(x)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_steps_complex_parameters_as_pytorch(torch, line_search_fn):
    ours, theirs = _lbfgs_run(ag, line_search_fn), _lbfgs_run(torch, line_search_fn)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, kwargs, stage", [("Adafactor", {}, "step"), ("Muon", {}, "step"),
                                                  ("SparseAdam", {}, "init")])
def test_optimizers_that_refuse_complex_parameters_say_what_pytorch_says(torch, name, kwargs, stage):
    errors = []
    for m in (ag, torch):
        z = m.tensor(Z0[:2], requires_grad=True)
        try:
            opt = getattr(m.optim, name)([z], **kwargs)
            assert stage == "step"
            z.grad = m.tensor(Z0[:2])
            before = _numpy(z)
            opt.step()
        except (RuntimeError, ValueError) as err:
            errors.append((type(err), str(err)))
            if stage == "step":
                np.testing.assert_array_equal(_numpy(z), before)  # refused before any change
    assert len(errors) == 2 and errors[0] == errors[1], errors


def test_real_parameters_take_the_same_path_after_complex_values_exist():
    """The real pairs are only for complex data: a real group's steps are the ones it took before (bit for bit)."""
    steps = []
    for make_complex in (False, True):
        if make_complex:
            ag.tensor(1j)  # (arms the complex machinery for the rest of this process)
        x = ag.tensor(X0, requires_grad=True)
        opt = ag.optim.Adam([x], lr=0.1, foreach=False)
        for k in range(3):
            x.grad = ag.tensor(X0 * (k + 1))
            opt.step()
        steps.append(_numpy(x))
    np.testing.assert_array_equal(*steps)


# ----------------------------------------------------------------------------------------------------
# gradcheck and gradgradcheck on complex inputs and outputs (each as its real and imaginary parts).

GRADCHECK_CASES = {
    "holomorphic": (lambda m, z: (z * z).exp(), "z"),
    "abs": (lambda m, z: z.abs(), "z"),
    "real-of-product": (lambda m, z: (z * z.conj()).real, "z"),
    "complex-and-real-in": (lambda m, z, x: z * x + z.conj(), "zx"),
    "view_as_real-out": (lambda m, z: m.view_as_real(z * 2), "z"),
    "complex-out-of-reals": (lambda m, x: m.complex(x, x * x), "x"),
    "linear": (lambda m, z, x: m.nn.functional.linear(z, z.conj() * 2), "zx"),
}


def _gradcheck_inputs(m, kinds):
    values = {"z": Z0, "x": RNG.standard_normal((3, 2))}
    return [m.tensor(values[k], requires_grad=True) for k in kinds]


@pytest.mark.parametrize("case", list(GRADCHECK_CASES))
def test_gradcheck_of_complex_functions_agrees_with_pytorch(torch, case):
    fn, kinds = GRADCHECK_CASES[case]
    if case == "linear":
        def fn(m, z, x):
            return m.nn.functional.linear(z, z.conj()[:2] * 2)
    assert ag.autograd.gradcheck(lambda *a: fn(ag, *a), _gradcheck_inputs(ag, kinds))
    assert torch.autograd.gradcheck(lambda *a: fn(torch, *a), _gradcheck_inputs(torch, kinds))
    if case != "abs":  # (|z| has no second derivative at 0; the others are smooth)
        assert ag.autograd.gradgradcheck(lambda *a: fn(ag, *a), _gradcheck_inputs(ag, kinds))
        assert torch.autograd.gradgradcheck(lambda *a: fn(torch, *a), _gradcheck_inputs(torch, kinds))


def _square_with_backward(m, conjugated):
    class Square(m.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z * z

        @staticmethod
        def backward(ctx, g):
            (z,) = ctx.saved_tensors
            return 2 * g * (z.conj() if conjugated else z)  # PyTorch's convention: g·conj(f'(z))

    return Square.apply


def test_gradcheck_finds_a_wrong_complex_backward_as_pytorch_does(torch):
    for m, check in ((ag, ag.autograd.gradcheck), (torch, torch.autograd.gradcheck)):
        assert check(_square_with_backward(m, True), [m.tensor(Z0, requires_grad=True)])
        assert not check(_square_with_backward(m, False), [m.tensor(Z0, requires_grad=True)], raise_exception=False)


def test_gradcheck_names_the_part_that_disagrees():
    with pytest.raises(GradcheckError, match=r"d (Re|Im) out\(\d, \d\) / d (Re|Im) input 0\(\d, \d\)"):
        ag.autograd.gradcheck(_square_with_backward(ag, False), [ag.tensor(Z0, requires_grad=True)])
    # a complex output of a real input: the output's part is named, the input's index is plain
    bad = _square_with_backward(ag, False)
    with pytest.raises(GradcheckError, match=r"d (Re|Im) out\(\d, \d\) / d input 0\(\d, \d\)"):
        ag.autograd.gradcheck(lambda x: bad(x * (1 + 1j)), [ag.tensor(RNG.standard_normal((3, 2)))])


def test_gradgradcheck_finds_a_complex_backward_that_is_not_differentiable():
    class Square(ag.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z * z

        @staticmethod
        def backward(ctx, g):
            (z,) = ctx.saved_tensors
            return 2 * g * z.detach().conj()  # right values, but no second derivative through z

    z = ag.tensor(Z0, requires_grad=True)
    assert ag.autograd.gradcheck(Square.apply, [z])
    with pytest.raises(GradcheckError, match=r"d (Re|Im) out\(\d,\) / d (Re|Im) input 0\(\d, \d\): analytic 0.0"):
        ag.autograd.gradgradcheck(Square.apply, [z])


def test_gradcheck_of_complex_functions_without_pytorch():
    """The same verdicts from the finite differences alone: a right and a wrong backward, fast_mode accepted."""
    z = ag.tensor(Z0, requires_grad=True)
    assert ag.autograd.gradcheck(lambda z: (z * 1j).exp().sum(), [z], fast_mode=True)
    assert ag.autograd.gradgradcheck(lambda z: (z * z * z).sum(), [z])
    assert not ag.autograd.gradcheck(_square_with_backward(ag, False), [z], raise_exception=False)
    assert ag.autograd.gradcheck(lambda x, y: ag.view_as_real(ag.complex(x, y).exp()),
                                 (Z0.real.copy(), Z0.imag.T.copy().T))  # a non-contiguous input too


# ----------------------------------------------------------------------------------------------------
# nn: complex parameters, layers, initialisers, `to`, state dicts.


def test_parameter_of_complex_data():
    p = nn.Parameter(ag.tensor(Z0))
    assert p.dtype == np.complex128 and p.requires_grad and p.is_leaf
    assert nn.Parameter(Z0.astype(np.complex64)).dtype == np.complex64


@pytest.mark.parametrize("dtype", ["cfloat", "cdouble"])
def test_complex_linear_layer_forward_and_backward_match_pytorch(torch, dtype):
    results = []
    x0 = (RNG.standard_normal((4, 3)) + 1j * RNG.standard_normal((4, 3)))
    weight0 = RNG.standard_normal((2, 3)) + 1j * RNG.standard_normal((2, 3))
    bias0 = RNG.standard_normal(2) + 1j * RNG.standard_normal(2)
    for m in (ag, torch):
        layer = m.nn.Linear(3, 2, dtype=getattr(m, dtype))
        assert str(layer.weight.dtype).endswith({"cfloat": "complex64", "cdouble": "complex128"}[dtype])
        with m.no_grad():
            layer.weight.copy_(m.tensor(weight0))
            layer.bias.copy_(m.tensor(bias0))
        out = layer(m.tensor(x0).to(getattr(m, dtype)))
        (out.abs() ** 2).sum().backward()
        results.append([_numpy(t) for t in (out, layer.weight.grad, layer.bias.grad)])
    rtol = 1e-12 if dtype == "cdouble" else 1e-5
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol)


def test_complex_bilinear_layer_as_pytorch(torch):
    """Bilinear runs on complex numbers without a gradient, with PyTorch's values; with one, PyTorch's error (it has no
    complex backward of _trilinear)."""
    x1, x2 = (RNG.standard_normal((4, 2)) + 1j * RNG.standard_normal((4, 2)) for _ in range(2))
    weight0 = RNG.standard_normal((3, 2, 2)) + 1j * RNG.standard_normal((3, 2, 2))
    results, errors = [], []
    for m in (ag, torch):
        layer = m.nn.Bilinear(2, 2, 3, dtype=m.cdouble)
        with m.no_grad():
            layer.weight.copy_(m.tensor(weight0))
            layer.bias.zero_()
            results.append(_numpy(layer(m.tensor(x1), m.tensor(x2))))
        try:
            layer(m.tensor(x1), m.tensor(x2))
        except RuntimeError as err:
            errors.append(str(err))
    np.testing.assert_allclose(*results, rtol=1e-13)
    assert len(errors) == 2 and errors[0] == errors[1]


def test_complex_embedding_as_pytorch(torch):
    """A complex table is looked up without a gradient; with one, PyTorch's error (it has no complex embedding
    backward)."""
    table = RNG.standard_normal((5, 3)) + 1j * RNG.standard_normal((5, 3))
    ids = np.array([[0, 2, 2], [4, 1, 0]])
    results, errors = [], []
    for m in (ag, torch):
        emb = m.nn.Embedding(5, 3, dtype=m.cdouble)
        with m.no_grad():
            emb.weight.copy_(m.tensor(table))
            results.append(_numpy(emb(m.tensor(ids))))
        try:
            emb(m.tensor(ids))
        except RuntimeError as err:
            errors.append(str(err))
    np.testing.assert_array_equal(*results)
    assert len(errors) == 2 and errors[0] == errors[1]


@pytest.mark.parametrize("make", ["Conv1d(2, 3, 3)", "Conv2d(2, 3, 3)", "Bilinear(2, 2, 3)", "RNN(2, 3)",
                                  "LayerNorm(3,)", "ConvTranspose1d(2, 3, 3)"])
def test_layers_take_a_complex_dtype_as_pytorch(torch, make):
    """Their parameters are made complex (the names and dtypes PyTorch gives); their forwards run where their
    operations are complex-ready, and otherwise refuse naming the operation."""
    name, args = make.split("(", 1)
    args = eval(f"({args}")  # noqa: S307  (the literal tuples above)
    ours = getattr(nn, name)(*args, dtype=ag.cfloat)
    theirs = getattr(torch.nn, name)(*args, dtype=torch.cfloat)
    assert [(k, str(p.dtype)) for k, p in ours.named_parameters()] == \
        [(k, str(p.dtype).replace("torch.", "")) for k, p in theirs.named_parameters()]


def test_init_of_complex_tensors_draws_both_parts_as_pytorch():
    w = ag.empty(300, 400, dtype=ag.cdouble)
    nn.init.uniform_(w, -1.0, 3.0)
    for part in (w.data.real, w.data.imag):
        assert part.min() >= -1 and part.max() < 3 and abs(part.mean() - 1) < 0.02
    nn.init.normal_(w, 1.0, 2.0)  # PyTorch's complex normal: each part N(mean, std²/2)
    for part in (w.data.real, w.data.imag):
        assert abs(part.mean() - 1) < 0.02 and abs(part.std() - 2 / np.sqrt(2)) < 0.02
    nn.init.kaiming_uniform_(w, a=np.sqrt(5))  # nn.Linear's: bound 1/√fan_in for each part
    assert 0.049 < np.abs(w.data.real).max() <= 0.05 and 0.049 < np.abs(w.data.imag).max() <= 0.05
    nn.init.xavier_normal_(w)
    assert abs(w.data.real.std() - np.sqrt(2 / 700) / np.sqrt(2)) < 0.001
    layer = nn.Linear(400, 300, dtype=ag.cfloat)
    assert layer.weight.dtype == np.complex64 and np.abs(layer.weight.data.imag).max() > 0


@pytest.mark.parametrize("init", ["trunc_normal_", "orthogonal_"])
def test_initialisers_pytorch_refuses_on_complex_tensors_refuse_in_its_words(torch, init):
    errors = []
    for m in (ag, torch):
        try:
            getattr(m.nn.init, init)(m.empty(3, 4, dtype=m.cfloat))
        except Exception as err:  # noqa: BLE001  (the two libraries' errors are compared)
            errors.append((type(err).__name__, str(err)))
    assert len(errors) == 2 and errors[0] == errors[1]


def test_module_to_a_complex_dtype_and_back(torch):
    # PyTorch warns "Casting complex values to real ..." once per process (TORCH_WARN_ONCE): in warn-always mode it
    # warns here whichever test cast complex values before
    always = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        _module_to_a_complex_dtype_and_back(ag)
        _module_to_a_complex_dtype_and_back(torch)
    finally:
        torch.set_warn_always(always)


def _module_to_a_complex_dtype_and_back(m):
    layer = m.nn.Linear(3, 2)
    before = _numpy(layer.weight)
    with pytest.warns(UserWarning, match="Complex modules are a new feature"):
        layer.to(m.cfloat)
    assert str(layer.weight.dtype).endswith("complex64")
    np.testing.assert_array_equal(_numpy(layer.weight), before.astype(np.complex64))
    layer.double()  # floating-point parameters only: complex ones stay
    assert str(layer.weight.dtype).endswith("complex64")
    with pytest.warns(UserWarning, match="Complex modules are a new feature"):
        layer.to(m.cdouble)
    assert str(layer.weight.dtype).endswith("complex128")
    with pytest.warns(UserWarning, match="Casting complex values to real discards the imaginary part"):
        layer.to(m.float32)
    assert str(layer.weight.dtype).endswith("float32")


def _linear_state(m, dtype):
    layer = m.nn.Linear(3, 2, dtype=getattr(m, dtype))
    with m.no_grad():
        layer.weight.copy_(m.tensor(Z0.T[:2] * 1.0))
    return layer


@pytest.mark.parametrize("dtype", ["cfloat", "cdouble"])
def test_complex_state_dicts_in_both_formats(torch, dtype, tmp_path):
    ours = _linear_state(ag, dtype)
    state = ours.state_dict()
    for fmt in ("npz", "torch"):
        path = tmp_path / f"linear.{fmt}"
        ag.save(state, path, format=fmt)
        back = ag.load(path)
        fresh = nn.Linear(3, 2, dtype=getattr(ag, dtype))
        fresh.load_state_dict(back)
        for key in state:
            assert np.asarray(back[key]).dtype == np.asarray(state[key]).dtype
            np.testing.assert_array_equal(_numpy(getattr(fresh, key)), np.asarray(state[key]))
        if fmt == "torch":  # PyTorch reads what we wrote
            theirs = torch.load(path)
            for key in state:
                np.testing.assert_array_equal(theirs[key].numpy(), np.asarray(state[key]))
    buffer = io.BytesIO()  # and we read what PyTorch wrote, parameters with requires_grad included
    layer = _linear_state(torch, dtype)
    torch.save({"state": layer.state_dict(), "weight": layer.weight}, buffer)
    buffer.seek(0)
    loaded = ag.load(buffer)
    fresh = nn.Linear(3, 2, dtype=getattr(ag, dtype))
    fresh.load_state_dict(loaded["state"])
    np.testing.assert_array_equal(_numpy(fresh.weight), layer.weight.detach().numpy())
    assert loaded["weight"].requires_grad and loaded["weight"].dtype == layer.weight.detach().numpy().dtype


def test_loading_complex_numbers_into_a_real_layer_keeps_the_real_parts_with_pytorchs_warning(torch):
    for m in (ag, torch):
        real = m.nn.Linear(3, 2, dtype=m.float64)
        with warnings.catch_warnings(record=True) as caught:  # (PyTorch warns once per process)
            warnings.simplefilter("always")
            real.load_state_dict(_linear_state(m, "cdouble").state_dict())
        if m is ag:
            assert any("Casting complex values to real discards the imaginary part" in str(w.message) for w in caught)
        np.testing.assert_array_equal(_numpy(real.weight), Z0.T[:2].real)


def test_an_optimizer_state_of_complex_parameters_loads_into_pytorch(torch, tmp_path):
    """Adam's complex moments, saved in PyTorch's format, continue in PyTorch's Adam with the same numbers."""
    grads = _gradients(np.complex128, 4)
    ours = ag.tensor(Z0, requires_grad=True)
    theirs = torch.tensor(Z0, requires_grad=True)
    our_opt, their_opt = ag.optim.Adam([ours], lr=0.1), torch.optim.Adam([theirs], lr=0.1)
    for gz, _ in grads[:2]:
        ours.grad = ag.tensor(gz)
        our_opt.step()
    ag.save(our_opt.state_dict(), tmp_path / "adam.pt", format="torch")
    with torch.no_grad():
        theirs.copy_(torch.tensor(_numpy(ours)))
    their_opt.load_state_dict(torch.load(tmp_path / "adam.pt"))
    for gz, _ in grads[2:]:
        ours.grad, theirs.grad = ag.tensor(gz), torch.tensor(gz)
        our_opt.step()
        their_opt.step()
    np.testing.assert_allclose(_numpy(ours), theirs.detach().numpy(), rtol=1e-13)


def test_assigning_complex_numpy_data_to_a_parameter_arms_the_complex_machinery():
    """`p.data = complex_array` (no complex Value made before, in a fresh process) switches on the refusals of
    operations not made for complex numbers and PyTorch's gradient convention, as making a complex Value does."""
    script = textwrap.dedent("""
        import numpy as np
        import autograd_core as ag
        from autograd_core import nn
        p = nn.Parameter(np.array([1.0, 2.0]))
        p.data = np.array([1 + 2j, 3j])
        (p * p).abs().sum().backward()
        assert np.allclose(p.grad, [2 + 4j, 6j]), p.grad  # PyTorch's, not its conjugate
        try:
            ag.relu(p)
        except NotImplementedError as err:
            assert "clamp is not supported for complex types" in str(err)
        else:
            raise AssertionError("relu of complex data ran")
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr


# ----------------------------------------------------------------------------------------------------
# Pictures of complex graphs.


def _scalar_graph():
    z = ag.Value(np.complex128(1 + 2j), label="z")
    w = ag.Value(np.complex128(0.5 - 1j), label="w")
    h = (z * w).exp()
    h.label = "h"
    out = (h * h.conj()).real
    out.label = "L"
    out.backward(retain_graph=True)
    return z, w, h, out


def test_trace_of_a_complex_graph_has_complex_numbers_and_holomorphic_derivatives():
    z, w, h, out = _scalar_graph()
    graph = viz.trace(out)
    nodes = {n.id: n for n in graph.nodes}
    by_ops = {(nodes[e.src].name, nodes[e.dst].op, e.index): e for e in graph.edges}
    assert by_ops[("z", "*", 0)].derivative == pytest.approx(0.5 - 1j)      # ∂(zw)/∂z = w
    assert by_ops[("w", "*", 1)].derivative == pytest.approx(1 + 2j)
    exp_edge = next(e for e in graph.edges if nodes[e.dst].op == "exp")
    assert exp_edge.derivative == pytest.approx(complex(h.data))           # exp' = exp
    assert by_ops[("h", "conj", 0)].derivative is None                     # not holomorphic: no single number
    real_edge = next(e for e in graph.edges if nodes[e.dst].op == "real")
    assert real_edge.derivative is None                                    # complex to real
    assert graph.node_of(z).grad == pytest.approx(complex(z.grad))


def test_picture_of_a_complex_scalar_graph_writes_its_numbers_and_rules():
    z, w, h, out = _scalar_graph()
    source = viz.draw(out, show=("data", "grad", "derivs")).source
    assert "data 1+2j" in source and "data 0.5-1j" in source
    assert f"grad {viz.texts.complex_text(complex(z.grad))}" in source
    assert 'label="0.5-1j"' in source                                      # the edge z -> z*w
    assert 'label="∂/∂h = conj(conj ḡ)"' in source                        # conj's rule, for PyTorch's g
    assert "data 148.4<" in source                                         # the real output stays real


@pytest.mark.needs("dot")
def test_picture_of_a_complex_tensor_graph_renders(tmp_path):
    z = ag.Value(Z0, label="Z")
    layer = nn.Linear(2, 3, dtype=ag.cdouble)
    loss = (layer(z).abs() ** 2).sum()
    loss.backward()
    picture = viz.draw(loss)
    assert "(3, 2) complex128" in picture.source and "max |·|" in picture.source
    assert "∂/∂weight = conj(ḡᵀ·Z)" in picture.source                    # a Linear's weight: gᵀ·conj(Z)
    png = picture.pipe(format="png")
    assert png.startswith(b"\x89PNG")
    bundle = (z * 2)._repr_mimebundle_()
    assert "image/svg+xml" in bundle


def test_complex_rule_text_is_pytorchs_gradient():
    """The written rule conj(F(ḡ)) of z·y's first input is g·conj(y): PyTorch's z.grad."""
    y0 = 0.3 + 0.7j
    z = ag.tensor(1 - 2j, requires_grad=True)
    out = z * ag.tensor(y0)
    graph = viz.trace(out)
    edge = next(e for e in graph.edges if e.index == 0)
    assert viz.labels.rule_text(edge.formula, graph.node(edge.src), graph.node(edge.dst)) == "conj(ḡ⊙y)"
    out.backward(ag.tensor(1 + 1j))
    assert complex(z.grad) == pytest.approx((1 + 1j) * np.conj(y0))


def test_chain_rule_of_a_holomorphic_path_and_the_error_through_a_non_holomorphic_step():
    z, w, h, out = _scalar_graph()
    chain = viz.chain_rule(h, z)
    assert chain.total == pytest.approx(complex(w.data) * complex(h.data))
    with pytest.raises(ValueError, match="is not one number"):
        viz.chain_rule(out, z)
    title = viz.draw(out, highlight=z).source
    assert "non-holomorphic step" in title


def test_json_export_of_a_complex_graph_round_trips():
    z, w, h, out = _scalar_graph()
    big = (ag.tensor(Z0, requires_grad=True) * z).abs().sum()
    for root in (out, big):
        if root is big:
            root.backward()
        graph = viz.trace(root)
        back = viz.from_json(viz.to_json(graph))
        for a, b in zip(graph.nodes, back.nodes):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(np.asarray(a.data), np.asarray(b.data))
            if a.grad is not None:
                np.testing.assert_array_equal(np.asarray(a.grad), np.asarray(b.grad))
        assert [e.derivative for e in back.edges] == [e.derivative for e in graph.edges]
    summary = next(n for n in viz.graph_to_dict(viz.trace(big), max_values=2)["nodes"] if n["shape"] == [3, 2])
    assert summary["data"] is None and set(summary["data_summary"]) == {"mean", "max_abs"}


def test_explorer_draws_complex_graphs():  # (in the browser: tests/test_complex_gaps.py)
    z, w, h, out = _scalar_graph()
    assert "j" in viz.explore(out).html


def test_pictures_of_real_graphs_are_unchanged_by_complex_ones():
    x = ag.Value(2.0, label="x")
    y = (x * 3).tanh()
    y.backward()
    before = viz.draw(y, show=("data", "grad", "derivs")).source
    _scalar_graph()
    assert viz.draw(y, show=("data", "grad", "derivs")).source == before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "conj" not in before
