"""PyTorch's namespaces that are modules there and must be modules here (`import torch.cuda`, `from torch.cuda import
amp`): torch.cuda and torch.cpu, torch.utils.hooks, torch.types, torch.backends' CPU switches, and
torch.nn.attention's sdpa_kernel. Each checked for its values and errors, against PyTorch where it is installed."""

import importlib
import subprocess
import sys
import typing
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import nn
from autograd_core.nn import functional as F
from probe_helpers import error_of


@pytest.mark.parametrize("module", ["autograd_core.cuda", "autograd_core.cuda.amp", "autograd_core.cpu",
                                    "autograd_core.cpu.amp", "autograd_core.utils.hooks", "autograd_core.types",
                                    "autograd_core.hub", "autograd_core.nn.attention",
                                    *[f"autograd_core.backends.{name}" for name in (
                                        "cpu", "mkl", "mkldnn", "openmp", "opt_einsum", "nnpack", "quantized",
                                        "mha")]])
def test_each_is_a_module_that_imports(module):
    imported = importlib.import_module(module)
    parent, _, name = module.rpartition(".")
    assert getattr(importlib.import_module(parent), name) is imported


def test_course_import_lines_run_in_a_fresh_interpreter():
    code = ("import autograd_core as torch\nimport autograd_core.cuda\nfrom autograd_core.cuda import amp\n"
            "import autograd_core.backends.mkldnn\nfrom autograd_core.nn.attention import SDPBackend, sdpa_kernel\n"
            "from autograd_core.utils.hooks import RemovableHandle\nfrom autograd_core.types import Number\n"
            "print(torch.cuda.is_available(), torch.cuda.device_count(), torch.cpu.device_count())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "0", "1"]
    code = ("import sys, autograd_core as torch\nimport autograd_core.cuda, autograd_core.cpu\n"
            "torch.cuda.is_available(); torch.cpu.is_available()\n"
            "assert 'autograd_core.amp' not in sys.modules  # amp loads on first use, as before")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# ----------------------------------------------------------------------------------------------------
# torch.cuda


def test_cuda_answers_as_pytorch_without_cuda():
    cuda = ag.cuda
    assert not cuda.is_available() and cuda.device_count() == 0 and not cuda.is_initialized()
    assert not cuda.is_bf16_supported() and not cuda.is_tf32_supported() and cuda.get_arch_list() == []
    assert cuda.memory_allocated() == cuda.max_memory_allocated() == cuda.memory_reserved() == 0
    assert cuda.memory_stats() == {} and cuda.get_rng_state_all() == []
    for call in (cuda.manual_seed, cuda.manual_seed_all):
        assert call(0) is None
    assert cuda.empty_cache() is None and cuda.seed() is None and cuda.synchronize() is None
    with cuda.device(0), cuda.device_of(ag.ones(1)):
        pass
    assert issubclass(cuda.OutOfMemoryError, RuntimeError)
    torch = pytest.importorskip("torch")
    for name in ("is_available", "device_count", "is_initialized", "is_bf16_supported", "get_arch_list",
                 "memory_allocated", "max_memory_reserved", "get_rng_state_all"):
        assert getattr(cuda, name)() == getattr(torch.cuda, name)(), name
    assert issubclass(torch.cuda.OutOfMemoryError, RuntimeError)


@pytest.mark.parametrize("name", ["current_device", "get_device_name", "get_device_properties",
                                  "get_device_capability", "init", "initial_seed", "get_rng_state", "mem_get_info",
                                  "current_stream", "ipc_collect"])
def test_what_needs_a_gpu_raises_pytorchs_assertion(name):
    expected = (AssertionError, "Torch not compiled with CUDA enabled")
    assert error_of(getattr(ag.cuda, name)) == expected
    torch = pytest.importorskip("torch")
    assert error_of(getattr(torch.cuda, name)) == expected


def test_set_device_and_streams_need_a_gpu():
    assert error_of(lambda: ag.cuda.set_device("cuda:0")) == (AssertionError, "Torch not compiled with CUDA enabled")
    assert error_of(ag.cuda.Stream) == (RuntimeError, "torch.cuda.Stream requires CUDA support")
    assert error_of(ag.cuda.Event) == (RuntimeError, "Tried to instantiate dummy base class Event")
    torch = pytest.importorskip("torch")
    assert error_of(torch.cuda.Stream) == error_of(ag.cuda.Stream)
    assert error_of(torch.cuda.Event) == error_of(ag.cuda.Event)


def test_cuda_amp_is_pytorchs_deprecated_spelling():
    from autograd_core.cuda import amp

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scaler = amp.GradScaler(enabled=True)
        region = amp.autocast()
    assert [(w.category, str(w.message)) for w in caught] == [
        (FutureWarning, "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use `torch.amp.GradScaler("
                        "'cuda', args...)` instead."),
        (UserWarning, "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling."),
        (FutureWarning, "`torch.cuda.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cuda', "
                        "args...)` instead."),
        (UserWarning, "User provided device_type of 'cuda', but CUDA is not available. Disabling")]
    assert all(w.filename == __file__ for w in caught)  # the caller's line
    assert not scaler.is_enabled() and region.device == "cuda"
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.custom_fwd\(args...\)` is deprecated"):
        amp.custom_fwd(lambda ctx, x: x)
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.custom_bwd\(args...\)` is deprecated"):
        amp.custom_bwd(lambda ctx, g: g)
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        torch.cuda.amp.GradScaler(enabled=True)
    assert [(w.category, str(w.message)) for w in theirs] == [(w.category, str(w.message)) for w in caught[:2]]


# ----------------------------------------------------------------------------------------------------
# torch.cpu


def test_cpu_module_as_pytorchs():
    cpu = ag.cpu
    assert cpu.is_available() and cpu.device_count() == 1 and cpu.current_device() == "cpu" and cpu.is_initialized()
    assert cpu.synchronize() is None and cpu.synchronize("cpu") is None and cpu.set_device("cpu") is None
    stream = cpu.Stream()
    outside = cpu.current_stream()
    with cpu.stream(stream):
        assert cpu.current_stream() is stream
    assert cpu.current_stream() is outside and cpu.Event().query()
    torch = pytest.importorskip("torch")
    for name in ("is_available", "device_count", "current_device", "is_initialized", "synchronize"):
        assert getattr(cpu, name)() == getattr(torch.cpu, name)(), name


def test_cpu_amp_autocast_is_the_deprecated_alias_of_amp_autocast_cpu():
    from autograd_core.cpu import amp

    with pytest.warns(FutureWarning) as caught:
        region = amp.autocast(enabled=False)
    message = ("`torch.cpu.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cpu', args...)` "
               "instead.")
    assert [str(w.message) for w in caught] == [message] and caught[0].filename == __file__
    assert isinstance(region, ag.amp.autocast) and region.device == "cpu" and region.fast_dtype == ag.bfloat16
    with region:
        assert (ag.ones(2) * 2).tolist() == [2.0, 2.0]
    with pytest.warns(FutureWarning, match=r"`torch.cpu.amp.GradScaler\(args...\)` is deprecated"):
        assert amp.GradScaler().is_enabled()  # the CPU is here
    torch = pytest.importorskip("torch")
    with pytest.warns(FutureWarning) as theirs:
        torch.cpu.amp.autocast(enabled=False)
    assert [str(w.message) for w in theirs] == [message]


# ----------------------------------------------------------------------------------------------------
# torch.utils.hooks


def test_every_hook_handle_is_a_removable_handle():
    from autograd_core.utils.hooks import RemovableHandle

    x = ag.ones(2, requires_grad=True)
    calls = []
    handle = x.register_hook(lambda g: calls.append("value"))
    post = x.register_post_accumulate_grad_hook(lambda leaf: calls.append("post"))
    model = nn.Linear(2, 1)
    forward = model.register_forward_hook(lambda m, i, o: calls.append("module"))
    state = model.register_state_dict_pre_hook(lambda *a: None)
    optimizer = ag.optim.SGD(model.parameters(), lr=0.1)
    step = optimizer.register_step_post_hook(lambda *a: calls.append("step"))
    handles = (handle, post, forward, state, step)
    for h in handles:
        assert isinstance(h, RemovableHandle), type(h)
    assert len({h.id for h in handles}) == len(handles)  # one counter for all
    assert list(x._backward_hooks) == [handle.id]  # PyTorch's private view: the gradient hooks only
    (x * 2).sum().backward()
    model(ag.ones(1, 2)).sum().backward()
    optimizer.step()
    assert calls == ["value", "post", "module", "step"]
    for h in handles:
        h.remove()
        h.remove()  # twice is fine
    calls.clear()
    (x * 2).sum().backward()
    model(ag.ones(1, 2)).sum().backward()
    optimizer.step()
    assert calls == [] and x._backward_hooks is None
    with model.register_forward_pre_hook(lambda m, i: calls.append("pre")):
        model(ag.ones(1, 2))
    model(ag.ones(1, 2))
    assert calls == ["pre"]  # removed on leaving the with block


def test_removable_handle_is_pytorchs():
    import collections
    import pickle

    from autograd_core.utils.hooks import RemovableHandle

    hooks, extra = collections.OrderedDict(), collections.OrderedDict()
    handle = RemovableHandle(hooks, extra_dict=extra)
    hooks[handle.id], extra[handle.id] = "hook", "extra"
    assert RemovableHandle.next_id == handle.id + 1
    copy = pickle.loads(pickle.dumps((hooks, handle)))[1]
    assert copy.id == handle.id
    with handle:
        pass
    assert not hooks and not extra
    torch = pytest.importorskip("torch")
    assert [n for n in dir(torch.utils.hooks.RemovableHandle) if not n.startswith("_")] == \
        [n for n in dir(RemovableHandle) if not n.startswith("_")] == ["next_id", "remove"]


def test_unserializable_hook_and_warn_if_has_hooks():
    from autograd_core.utils import hooks

    x = ag.ones(2, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hooks.warn_if_has_hooks(x)  # no hooks: silent
    x.register_hook(hooks.unserializable_hook(lambda g: g))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hooks.warn_if_has_hooks(x)  # marked: silent

    def plain(g):
        return g
    x.register_hook(plain)
    with pytest.warns(UserWarning, match=r"backward hook <function .*plain.*> on tensor will not be serialized.  If "
                                         r"this is expected, you can decorate the function with "
                                         r"@torch.utils.hooks.unserializable_hook to suppress this warning"):
        hooks.warn_if_has_hooks(x)


# ----------------------------------------------------------------------------------------------------
# torch.types


def test_types_are_aliases_for_annotations():
    from autograd_core import types

    assert types.__all__ == ["Number", "Device", "FileLike", "Storage"]
    assert typing.get_args(types.Number) == (int, float, bool)
    assert typing.get_args(types.Device) == (ag.device, str, int, type(None))
    assert types._dtype is ag.dtype and types.Tensor is ag.Tensor and types._int is int
    assert isinstance(3.5, typing.get_args(types.Number)) and isinstance(ag.device("cpu"), types._device)

    def course_function(x: types.Tensor, scale: types.Number = 1, device: types.Device = None) -> types.Tensor:
        return x * scale
    assert typing.get_type_hints(course_function)["scale"] == types.Number
    torch = pytest.importorskip("torch")
    assert types.__all__ == torch.types.__all__
    assert typing.get_args(types.Number) == typing.get_args(torch.types.Number)


# ----------------------------------------------------------------------------------------------------
# torch.backends


def test_backends_answer_for_this_library():
    backends = ag.backends
    assert backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512")
    assert backends.mkl.is_available() == ("mkl" in str(np.show_config(mode="dicts")["Build Dependencies"]["blas"]
                                                        ["name"]).lower())
    assert not backends.mkldnn.is_available() and backends.mkldnn.enabled
    assert not backends.openmp.is_available() and not backends.nnpack.is_available()
    assert not backends.opt_einsum.is_available() and backends.opt_einsum.get_opt_einsum() is None
    assert backends.opt_einsum.enabled is False and backends.opt_einsum.strategy is None
    assert backends.quantized.engine == "none" and backends.quantized.supported_engines == ["none"]
    assert backends.mha.get_fastpath_enabled()


def test_cpu_capability_follows_numpys_features(monkeypatch):
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:
        from numpy.core import _multiarray_umath as umath
    from autograd_core.backends import cpu

    for features, expected in (({"AVX512_SKX": True, "AVX2": True, "FMA3": True}, "AVX512"),
                               ({"AVX2": True, "FMA3": True}, "AVX2"), ({"AVX2": True}, "DEFAULT"), ({}, "DEFAULT")):
        monkeypatch.setattr(umath, "__cpu_features__", features)
        assert cpu.get_cpu_capability() == expected


def test_backend_switches_are_settable_and_checked_as_pytorchs():
    backends = ag.backends
    with backends.mkldnn.flags(enabled=False):
        assert backends.mkldnn.enabled is False
    assert backends.mkldnn.enabled is True
    with backends.nnpack.flags(enabled=False):
        assert backends.nnpack.enabled is False
    assert backends.nnpack.enabled is True
    with backends.mkl.verbose(backends.mkl.VERBOSE_ON), backends.mkldnn.verbose(backends.mkldnn.VERBOSE_ON):
        pass
    backends.mha.set_fastpath_enabled(False)
    assert not backends.mha.get_fastpath_enabled()
    backends.mha.set_fastpath_enabled(True)
    with pytest.raises(ValueError, match="opt_einsum is not available, so setting `enabled` to True will not reap"):
        with backends.opt_einsum.flags(enabled=True):
            pass
    with pytest.raises(ValueError, match="opt_einsum is not available, so setting `strategy` to greedy will not"):
        backends.opt_einsum.set_flags(_strategy="greedy")
    with backends.opt_einsum.flags(enabled=False):  # what it is: allowed
        assert backends.opt_einsum.enabled is False
    with pytest.raises(RuntimeError, match="quantized engine X86 is not supported"):
        backends.quantized.engine = "x86"
    with pytest.raises(RuntimeError, match="fancy is not a valid value for quantized engine"):
        backends.quantized.engine = "fancy"
    with pytest.raises(RuntimeError, match="Assignment not supported"):
        backends.quantized.supported_engines = ["x86"]
    backends.quantized.engine = "none"
    assert backends.quantized.engine == "none"
    torch = pytest.importorskip("torch")
    assert error_of(lambda: setattr(torch.backends.quantized, "engine", "fancy")) == \
        (RuntimeError, "fancy is not a valid value for quantized engine")
    assert error_of(lambda: setattr(torch.backends.quantized, "supported_engines", [])) == \
        (RuntimeError, "Assignment not supported")
    if not torch.backends.opt_einsum.is_available():
        assert error_of(lambda: torch.backends.opt_einsum.set_flags(True)) == \
            error_of(lambda: backends.opt_einsum.set_flags(True))
        assert error_of(lambda: torch.backends.opt_einsum.set_flags(None, "auto")) == \
            error_of(lambda: backends.opt_einsum.set_flags(None, "auto"))


# ----------------------------------------------------------------------------------------------------
# torch.nn.attention


def test_sdpa_runs_under_the_math_kernel_and_switches_come_back():
    from autograd_core.nn.attention import SDPBackend, sdpa_kernel

    q = ag.randn(2, 3, 5, 4, requires_grad=True)
    expected = F.scaled_dot_product_attention(q, q, q, is_causal=True)
    with sdpa_kernel(SDPBackend.MATH) as result:
        assert result == {}
        assert ag.backends.cuda.math_sdp_enabled() and not ag.backends.cuda.flash_sdp_enabled()
        out = F.scaled_dot_product_attention(q, q, q, is_causal=True)
        out.sum().backward()
    np.testing.assert_array_equal(out.data, expected.data)
    assert q.grad is not None
    assert ag.backends.cuda.flash_sdp_enabled() and ag.backends.cuda.mem_efficient_sdp_enabled()
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.MATH, SDPBackend.MATH], set_priority=True):
        np.testing.assert_array_equal(F.scaled_dot_product_attention(q, q, q, is_causal=True).data, expected.data)
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    with sdpa_kernel(SDPBackend.MATH):
        assert mha(q[0], q[0], q[0])[0].shape == (3, 5, 4)


@pytest.mark.parametrize("backends", ["EFFICIENT_ATTENTION", "CUDNN_ATTENTION", "ERROR", "OVERRIDEABLE",
                                      ["CUDNN_ATTENTION", "EFFICIENT_ATTENTION"], []])
def test_without_a_kernel_that_runs_here_sdpa_raises_as_pytorch_on_the_cpu(backends):
    from autograd_core.nn.attention import SDPBackend, sdpa_kernel

    chosen = [SDPBackend[b] for b in backends] if isinstance(backends, list) else SDPBackend[backends]
    q = ag.randn(1, 2, 3, 4)
    with sdpa_kernel(chosen):
        ours = error_of(lambda: F.scaled_dot_product_attention(q, q, q))
    assert ours == (RuntimeError, "No viable backend for scaled_dot_product_attention was found. This is likely due "
                                  "to turning off both the math kernel and the fused kernels.")
    assert ag.backends.cuda.math_sdp_enabled()  # back on after the block
    torch = pytest.importorskip("torch")
    from torch.nn.attention import SDPBackend as TheirBackend, sdpa_kernel as their_kernel

    theirs = [TheirBackend.__members__[b] for b in backends] if isinstance(backends, list) else \
        TheirBackend.__members__[backends]
    t = torch.randn(1, 2, 3, 4)
    with their_kernel(theirs):
        assert error_of(lambda: torch.nn.functional.scaled_dot_product_attention(t, t, t)) == ours


def test_sdp_backend_and_sdpa_kernel_as_pytorchs():
    from autograd_core.nn.attention import SDPBackend, sdpa_kernel

    assert {name: int(member.value) for name, member in SDPBackend.__members__.items()} == {
        "ERROR": -1, "MATH": 0, "FLASH_ATTENTION": 1, "EFFICIENT_ATTENTION": 2, "CUDNN_ATTENTION": 3,
        "OVERRIDEABLE": 4}
    assert repr(SDPBackend.MATH) == "<SDPBackend.MATH: 0>" and SDPBackend.MATH != 0
    assert ag.backends.cuda.SDPBackend is SDPBackend
    for bad in ("math", (SDPBackend.MATH,)):
        with pytest.raises(AssertionError, match="Backend must be an instance of SDPBackend or a list of SDPBackend "
                                                 f"instances, got {type(bad).__name__}"):
            with sdpa_kernel(bad):
                pass
    pytest.importorskip("torch")
    from torch.nn.attention import SDPBackend as theirs

    assert {n: int(m) for n, m in theirs.__members__.items()} == {n: int(m) for n, m in SDPBackend.__members__.items()}
    assert repr(theirs.MATH) == repr(SDPBackend.MATH)
