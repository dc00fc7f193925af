"""torch.amp's names (autograd_core/amp.py): GradScaler's loss scaling, autocast regions, and the bfloat16 dtype that
NumPy lacks. GradScaler's scale, skipped steps and parameters are compared with PyTorch's torch.amp.GradScaler("cpu")
where PyTorch is installed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import amp, nn, optim


def _model_and_optimizer(lr=0.1):
    w = nn.Parameter(ag.tensor([1.0, -2.0, 3.0]))
    return w, optim.SGD([w], lr=lr)


def _iteration(scaler, w, opt, overflow=False):
    """One training iteration through the scaler; whether it changed w. overflow: an inf in w's gradient."""
    before = w.data.copy()
    opt.zero_grad()
    scaler.scale((w * w).sum()).backward()
    if overflow:
        w.grad[1] = np.inf
    scaler.step(opt)
    scaler.update()
    return not np.array_equal(w.data, before)


def test_scale_unscale_step_and_update():
    w, opt = _model_and_optimizer()
    scaler = amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    assert scaler.is_enabled() and scaler.get_scale() == 8.0
    loss = (w * w).sum()
    scaled = scaler.scale(loss)
    assert scaled.item() == 8.0 * loss.item() == 112.0
    scaled.backward()
    np.testing.assert_array_equal(w.grad, [16.0, -32.0, 48.0])      # 2w × 8
    scaler.unscale_(opt)
    np.testing.assert_array_equal(w.grad, [2.0, -4.0, 6.0])         # 2w
    scaler.step(opt)
    np.testing.assert_allclose(w.data, [0.8, -1.6, 2.4], rtol=1e-6)   # w − 0.1·2w
    scaler.update()
    assert scaler.get_scale() == 8.0                                 # one clean step of growth_interval 2
    assert _iteration(scaler, w, opt)
    assert scaler.get_scale() == 16.0                                # two: the scale grows
    assert not _iteration(scaler, w, opt, overflow=True)             # an inf: the step is skipped
    assert scaler.get_scale() == 8.0                                 # and the scale backs off
    assert scaler.state_dict() == {"scale": 8.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                                   "growth_interval": 2, "_growth_tracker": 0}


def test_step_returns_what_the_optimizer_returns_and_refuses_a_closure():
    w, opt = _model_and_optimizer()
    scaler = amp.GradScaler("cpu")
    scaler.scale((w * w).sum()).backward()
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: (w * w).sum())
    opt.step = lambda: "stepped"
    assert scaler.step(opt) == "stepped"
    scaler.update()
    scaler.scale((w * w).sum()).backward()
    w.grad[0] = np.nan
    assert scaler.step(opt) is None  # skipped


def test_the_order_of_calls_is_checked():
    w, opt = _model_and_optimizer()
    scaler = amp.GradScaler("cpu")
    with pytest.raises(RuntimeError, match="scaler.scale"):
        scaler.unscale_(opt)
    scaler.scale((w * w).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called on this optimizer since the last update"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="after step"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    scaler.update()
    scaler.scale((w * w).sum()).backward()
    scaler.step(opt)  # a new iteration: allowed again


def test_settings_and_state_dict():
    with pytest.raises(ValueError, match="growth factor must be > 1.0"):
        amp.GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(ValueError, match="backoff factor must be < 1.0"):
        amp.GradScaler("cpu", backoff_factor=1.5)
    with pytest.raises(ValueError, match="growth_interval must be a positive integer"):
        amp.GradScaler("cpu", growth_interval=0)
    w, opt = _model_and_optimizer()
    scaler = amp.GradScaler("cpu", init_scale=4.0, growth_interval=3)
    _iteration(scaler, w, opt)
    copy = amp.GradScaler("cpu")
    copy.load_state_dict(scaler.state_dict())
    assert copy.state_dict() == scaler.state_dict() == {"scale": 4.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                                                         "growth_interval": 3, "_growth_tracker": 1}
    with pytest.raises(RuntimeError, match="source state dict is empty"):
        copy.load_state_dict(amp.GradScaler("cpu", enabled=False).state_dict())
    scaler.update(new_scale=ag.tensor(32.0))
    assert scaler.get_scale() == 32.0


def test_scale_takes_lists_and_tuples_of_tensors():
    a, b = ag.tensor(1.0, requires_grad=True), ag.tensor(2.0, requires_grad=True)
    scaled = amp.GradScaler("cpu", init_scale=4.0).scale([a, (b, a)])
    assert isinstance(scaled, list) and isinstance(scaled[1], tuple)
    assert [scaled[0].item(), scaled[1][0].item(), scaled[1][1].item()] == [4.0, 8.0, 4.0]
    with pytest.raises(TypeError, match="outputs must be a tensor"):
        amp.GradScaler("cpu").scale(3.0)


def test_a_disabled_scaler_passes_everything_through():
    w, opt = _model_and_optimizer()
    scaler = amp.GradScaler("cpu", enabled=False)
    loss = (w * w).sum()
    assert scaler.scale(loss) is loss and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    loss.backward()
    scaler.unscale_(opt)
    np.testing.assert_array_equal(w.grad, [2.0, -4.0, 6.0])
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(w.data, [0.8, -1.6, 2.4], rtol=1e-6)
    scaler.load_state_dict({})


def test_a_scaler_for_the_gpu_disables_itself_here():
    """nanoGPT's `torch.cuda.amp.GradScaler(enabled=(dtype == 'float16'))` on a machine without CUDA: PyTorch warns
    and passes everything through."""
    with pytest.warns(UserWarning, match=r"torch\.cuda\.amp\.GradScaler is enabled, but CUDA is not available"):
        scaler = ag.cuda.amp.GradScaler(enabled=True)
    assert not scaler.is_enabled() and isinstance(scaler, amp.GradScaler)
    with pytest.warns(UserWarning, match="CUDA is not available"):
        assert not amp.GradScaler().is_enabled()  # PyTorch's default device is "cuda"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert not ag.cuda.amp.GradScaler(enabled=False).is_enabled()
    assert [(w.category, str(w.message), w.filename) for w in caught] == [  # PyTorch's, on its deprecated name
        (FutureWarning, "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use `torch.amp.GradScaler("
                        "'cuda', args...)` instead.", __file__)]


def test_grad_scaler_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours_w, ours_opt = _model_and_optimizer()
    ours = amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    theirs_w = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0]))
    theirs_opt = torch.optim.SGD([theirs_w], lr=0.1)
    theirs = torch.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    for overflow in (False, False, True, False, False, False, True, True, False):
        skipped = not _iteration(ours, ours_w, ours_opt, overflow)
        theirs_opt.zero_grad()
        theirs.scale((theirs_w * theirs_w).sum()).backward()
        if overflow:
            theirs_w.grad[1] = float("inf")
        theirs.step(theirs_opt)
        theirs.update()
        assert skipped == overflow
        assert ours.get_scale() == theirs.get_scale()
        np.testing.assert_allclose(ours_w.data, theirs_w.detach().numpy(), rtol=1e-6)
    assert ours.state_dict() == {k: (v.item() if hasattr(v, "item") else v) for k, v in theirs.state_dict().items()}


def test_a_compiled_step_with_an_enabled_scaler_runs_eagerly():
    w, opt = _model_and_optimizer()
    scaler = amp.GradScaler("cpu", init_scale=8.0)
    eager_w, eager_opt = _model_and_optimizer()
    eager_scaler = amp.GradScaler("cpu", init_scale=8.0)
    step = ag.compile(lambda: _iteration(scaler, w, opt))
    with pytest.warns(ag.CompileWarning, match="GradScaler"):
        for _ in range(3):
            step()
            _iteration(eager_scaler, eager_w, eager_opt)
    np.testing.assert_array_equal(w.data, eager_w.data)


def test_autocast_regions_run_at_full_precision(monkeypatch):
    monkeypatch.setattr(amp, "_SAID", [])  # the warning comes once per process
    x = ag.randn(4, 3)
    outside = (x @ x.T).sum()
    with pytest.warns(UserWarning, match="run at full precision, not in torch.bfloat16"):
        with ag.autocast(device_type="cpu", dtype=ag.bfloat16):
            inside = (x @ x.T).sum()
    assert inside.dtype == ag.float32 and inside.item() == outside.item()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once is enough
        with ag.amp.autocast("cpu"):
            pass
        with ag.autocast("cpu", enabled=False):
            pass

    @ag.autocast("cpu")
    def f(a):
        return a * 2
    assert f(ag.ones(2)).tolist() == [2.0, 2.0]


def test_autocast_for_a_device_that_is_not_here_or_a_dtype_it_does_not_take():
    with pytest.warns(UserWarning, match="User provided device_type of 'cuda', but CUDA is not available. Disabling"):
        ag.autocast(device_type="cuda", dtype=ag.float16)
    with pytest.warns(UserWarning, match="CUDA is not available"):
        ag.cuda.amp.autocast()
    with pytest.warns(UserWarning, match="target dtype is not supported"):
        ag.autocast("cpu", dtype=ag.float64)
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        ag.autocast(ag.device("cpu"))
    with pytest.warns(FutureWarning, match=r"`torch.cpu.amp.autocast\(args...\)` is deprecated. Please use "
                                           r"`torch.amp.autocast\('cpu', args...\)` instead."):
        assert isinstance(ag.cpu.amp.autocast(enabled=False), amp.autocast)
    assert amp.is_autocast_available("cpu") and not amp.is_autocast_available("cuda")


def test_bfloat16_is_a_name_numpy_has_no_type_for():
    """nanoGPT builds {'float32': torch.float32, 'bfloat16': torch.bfloat16, 'float16': torch.float16}: the name
    exists; a tensor in it cannot, and says why."""
    assert repr(ag.bfloat16) == "torch.bfloat16" and ag.bfloat16.is_floating_point
    assert {ag.bfloat16: "b"}[ag.bfloat16] == "b"
    assert ag.ones(2).dtype != ag.bfloat16 and not (ag.float32 == ag.bfloat16)
    assert not ag.cuda.is_bf16_supported()
    for make in (lambda: ag.zeros(2, dtype=ag.bfloat16), lambda: ag.ones(2).to(ag.bfloat16),
                 lambda: ag.tensor([1.0], dtype=ag.bfloat16), lambda: nn.Linear(2, 2, dtype=ag.bfloat16)):
        with pytest.raises(TypeError, match="bfloat16: NumPy has no bfloat16 type.*use float32"):
            make()


def test_float32_matmul_precision_is_kept():
    """build-nanogpt's `torch.set_float32_matmul_precision('high')`: accepted and kept; products stay full precision."""
    assert ag.get_float32_matmul_precision() == "highest"
    x = ag.randn(3, 3)
    before = (x @ x).data
    try:
        ag.set_float32_matmul_precision("high")
        assert ag.get_float32_matmul_precision() == "high"
        np.testing.assert_array_equal((x @ x).data, before)
        with pytest.raises(RuntimeError, match="must be 'highest', 'high' or 'medium'"):
            ag.set_float32_matmul_precision("low")
    finally:
        ag.set_float32_matmul_precision("highest")
