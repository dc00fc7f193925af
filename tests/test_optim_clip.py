"""clip_grad_norm_: the total norm and the clipped gradients, against NumPy and torch.nn.utils."""

import math

import numpy as np
import pytest

from autograd_core import optim
from autograd_core import Value

GRADS = [np.array([0.3, -1.2, 2.5]), np.array([[0.7, -0.1], [1.9, 0.4]]), np.float64(-0.8)]
NORM_TYPES = [2.0, 1.0, 3.0, 0.5, math.inf]


def make_params(grads=GRADS, dtype=np.float64):
    params = []
    for g in grads:
        p = Value(np.zeros(np.shape(g), dtype) if np.ndim(g) else np.dtype(dtype).type(0))
        p.grad = np.asarray(g, dtype)[()] if np.ndim(g) == 0 else np.asarray(g, dtype).copy()
        params.append(p)
    params.append(Value(np.ones(2)))  # no gradient: ignored
    return params


def numpy_norm(grads, norm_type):
    flat = np.abs(np.concatenate([np.ravel(g) for g in grads]))
    return flat.max() if norm_type == math.inf else np.sum(flat**norm_type) ** (1 / norm_type)


@pytest.mark.parametrize("norm_type", NORM_TYPES)
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_matches_numpy(norm_type, max_norm):
    params = make_params()
    total = optim.clip_grad_norm_(params, max_norm, norm_type)
    expected = numpy_norm(GRADS, norm_type)
    assert isinstance(total, Value) and total.shape == () and total.dtype == np.float64  # the gradients'
    assert total.item() == pytest.approx(expected, rel=1e-14)
    scale = min(1.0, max_norm / (expected + 1e-6))
    for p, g in zip(params, GRADS):
        np.testing.assert_allclose(p.grad, np.asarray(g) * scale, rtol=1e-14, atol=0)
    if max_norm < expected:
        assert numpy_norm([p.grad for p in params[:3]], norm_type) == pytest.approx(max_norm, rel=1e-5)
    assert params[3].grad is None


@pytest.mark.parametrize("norm_type", NORM_TYPES)
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    params = make_params()
    total = optim.clip_grad_norm_(params, max_norm, norm_type)
    tparams = [torch.zeros(np.shape(g), dtype=torch.float64, requires_grad=True) for g in GRADS]
    for t, g in zip(tparams, GRADS):
        t.grad = torch.tensor(np.asarray(g))
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type)
    assert total == pytest.approx(ttotal.item(), rel=1e-14)
    for p, t in zip(params, tparams):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-14, atol=0)


def test_does_not_modify_shared_gradient_arrays():
    shared = np.array([3.0, 4.0])
    a, b = Value(np.zeros(2)), Value(np.ones(2))
    a.grad = b.grad = shared  # one array, two owners (as after a backward pass through a sum)
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(math.sqrt(50))
    np.testing.assert_array_equal(shared, [3.0, 4.0])
    assert a.grad is not shared and b.grad is not shared
    np.testing.assert_allclose(a.grad, shared / (math.sqrt(50) + 1e-6))
    np.testing.assert_array_equal(a.grad, b.grad)


def test_no_clipping_keeps_the_gradient_objects():
    params = make_params()
    before = [p.grad for p in params]
    optim.clip_grad_norm_(params, max_norm=100.0)
    assert all(p.grad is g for p, g in zip(params, before))


def test_float32_gradients_stay_float32():
    params = make_params(dtype=np.float32)
    optim.clip_grad_norm_(params, max_norm=0.1)
    assert all(p.grad.dtype == np.float32 for p in params[:3])
    assert type(params[2].grad) is np.float32


def test_accepts_a_single_value_and_a_generator():
    p = Value(np.zeros(2))
    p.grad = np.array([6.0, 8.0])
    assert optim.clip_grad_norm_(p, 5.0) == 10.0
    np.testing.assert_allclose(p.grad, [3.0, 4.0], rtol=1e-6)
    params = make_params()
    assert optim.clip_grad_norm_((q for q in params), 1e9) == pytest.approx(numpy_norm(GRADS, 2))


def test_no_gradients_gives_zero():
    assert optim.clip_grad_norm_([Value(np.ones(3))], 1.0) == 0.0


def test_nonfinite_norm():
    p = Value(np.zeros(2))
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite|inf"):
        optim.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    p.grad = np.array([np.nan, 1.0])
    assert math.isnan(optim.clip_grad_norm_([p], 1.0))
    assert np.isnan(p.grad).all()  # as in PyTorch: a NaN norm spreads to every gradient


def test_argument_errors():
    params = make_params()
    with pytest.raises(ValueError, match="max_norm"):
        optim.clip_grad_norm_(params, -1.0)
    with pytest.raises(ValueError, match="norm_type"):
        optim.clip_grad_norm_(params, 1.0, norm_type=0)
    with pytest.raises(TypeError, match="max_norm"):
        optim.clip_grad_norm_(params, "1.0")


def test_clipping_keeps_no_model_alive():
    # The clipping runs in an effect of an object kept per list of parameters (a compiled step needs the same object
    # at every call); the cache holds it weakly, so a model that is no longer used is freed.
    import gc
    import weakref

    from autograd_core import nn

    model = nn.Linear(3, 2, rng=0)
    (model(np.ones((1, 3), dtype=np.float32)) ** 2).sum().backward()
    optim.clip_grad_norm_(model.parameters(), 0.1)
    alive = weakref.ref(model.weight)
    del model
    gc.collect()
    assert alive() is None


def test_the_returned_norm_is_a_0d_value_as_pytorchs_tensor():
    """PyTorch returns a 0-d tensor, which logging code reads with `.item()`, `float()` or a format; so does ours
    (a Value: a compiled step that returns it replays its own, see tests/test_compile_audit.py)."""
    import autograd_core as ag

    w = ag.tensor([3.0, 4.0], requires_grad=True)
    (w * w).sum().backward()  # grad (6, 8): norm 10
    norm = ag.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    assert isinstance(norm, Value) and not norm.requires_grad
    assert norm.item() == 10.0 and float(norm) == 10.0 and f"{norm:.1f}" == "10.0"
    assert ag.optim.clip_grad_norm_([w], max_norm=100.0).item() == pytest.approx(1.0, rel=1e-6)


def test_torch_backends_and_deterministic_switches_of_a_course_set_seed():
    """A course's set_seed() sets these; there is no GPU here, and everything is deterministic already."""
    import autograd_core as torch

    torch.manual_seed(0)
    torch.cuda.manual_seed_all(0)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        assert torch.are_deterministic_algorithms_enabled() and torch.backends.cudnn.deterministic
        assert not torch.backends.mps.is_available() and not torch.backends.cudnn.is_available()
        with pytest.raises(TypeError, match="mode must be a bool"):
            torch.use_deterministic_algorithms("yes")
    finally:
        torch.use_deterministic_algorithms(False)
        torch.backends.cudnn.deterministic = False


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_norm_is_in_the_gradients_dtype_as_pytorch(dtype):
    # PyTorch's total norm is a 0-d tensor of the gradients' dtype; with no gradient, of the default dtype
    params = make_params(dtype=dtype)
    total = optim.clip_grad_norm_(params, max_norm=0.1)
    assert total.dtype == dtype and total.data.__class__ is dtype
    np.testing.assert_allclose(total.item(), np.sqrt(sum(np.sum(np.square(g)) for g in GRADS)), rtol=1e-6)
    assert optim.clip_grad_norm_([Value(np.zeros(2))], 1.0).dtype == np.float32
    torch = pytest.importorskip("torch")
    tparams = [torch.zeros(np.shape(g), dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True) for g in GRADS]
    for p, g in zip(tparams, GRADS):
        p.grad = torch.tensor(np.asarray(g, dtype))
    assert torch.nn.utils.clip_grad_norm_(tparams, max_norm=0.1).dtype == getattr(torch, np.dtype(dtype).name)
    assert torch.nn.utils.clip_grad_norm_([torch.zeros(2, requires_grad=True)], 1.0).dtype == torch.float32
