"""torch.jit's names that code written for TorchScript touches, and torch.futures: TorchScript itself is not here
(script and trace say so, see test_compile.py), but the decorators, annotations, fork/wait, the exception and
warning classes and the executor switches work, and freeze/optimize_for_inference give PyTorch's errors."""

import threading
import typing
import warnings
from typing import Dict, List, Optional, Tuple

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import nn
from probe_helpers import error_of


class MyDecisionGate(nn.Module):
    """PyTorch's TorchScript tutorial, with only the import line changed."""

    threshold: torch.jit.Final[float] = 0.0

    def forward(self, x):
        if x.sum() > self.threshold:
            return x
        return -x


class MyCell(nn.Module):
    def __init__(self, dg):
        super().__init__()
        self.dg = dg
        self.linear = nn.Linear(4, 4)

    @torch.jit.export
    def reset(self):
        return torch.jit.annotate(List[int], [])

    @torch.jit.ignore
    def debug(self, x):
        return x.shape

    @torch.jit.unused
    def old(self):
        raise RuntimeError("never called")

    def forward(self, x, h):
        if not torch.jit.is_scripting():
            assert self.debug(x) == (3, 4)
        new_h = torch.tanh(self.dg(self.linear(x)) + h)
        return new_h, new_h


def test_a_torchscript_tutorial_model_runs_eagerly():
    torch.manual_seed(0)
    cell = MyCell(MyDecisionGate())
    x, h = torch.rand(3, 4), torch.rand(3, 4)
    new_h, _ = cell(x, h)
    assert new_h.shape == (3, 4) and cell.reset() == []
    assert typing.get_origin(MyDecisionGate.__annotations__["threshold"]) is typing.Final
    assert not isinstance(cell, torch.jit.ScriptModule)
    with pytest.raises(NotImplementedError, match="TorchScript is not part of autograd_core"):
        torch.jit.script(cell)


def test_fork_runs_now_and_wait_returns_its_value():
    def double(x, scale=2):
        return x * scale

    future = torch.jit.fork(double, torch.ones(3), scale=3)
    assert isinstance(future, torch.jit.Future) and isinstance(future, torch.futures.Future) and future.done()
    np.testing.assert_array_equal(torch.jit.wait(future).data, [3, 3, 3])
    np.testing.assert_array_equal(future.wait().data, [3, 3, 3])

    def fails():
        raise ValueError("boom")
    with pytest.raises(ValueError, match="boom"):  # raised at fork, as PyTorch's eager fork
        torch.jit.fork(fails)
    # the ensemble pattern of PyTorch's fork tutorial
    models = [nn.Linear(2, 1) for _ in range(3)]
    x = torch.randn(4, 2)
    futures = [torch.jit.fork(m, x) for m in models]
    results = [torch.jit.wait(f) for f in futures]
    assert torch.stack(results).sum(dim=0).shape == (4, 1)
    real = pytest.importorskip("torch")
    assert error_of(lambda: real.jit.fork(fails)) == error_of(lambda: torch.jit.fork(fails))


def test_futures_complete_once_and_chain_as_pytorchs():
    futures = torch.futures
    f = futures.Future()
    chained = f.then(lambda done: done.wait() + 1)
    assert not f.done() and not chained.done()
    with pytest.raises(RuntimeError, match="not complete yet"):
        f.value()
    f.set_result(1)
    assert chained.wait() == 2 and f.value() == 1
    already = (RuntimeError, "Attempting to mark a completed Future as complete again. Note that a Future can only "
                             "be marked completed once.")
    assert error_of(lambda: f.set_result(2)) == already
    g = futures.Future()
    after = g.then(lambda done: done.wait())
    g.set_exception(ValueError("y"))
    with pytest.raises(ValueError, match="y"):
        g.wait()
    with pytest.raises(RuntimeError, match="Got the following error when running the callback: ValueError: y"):
        after.wait()
    assert error_of(lambda: futures.Future().set_exception("no")) == (
        AssertionError, "no is of type <class 'str'>, not an Exception.")
    a, b = futures.Future(), futures.Future()
    both = futures.collect_all([a, b])
    threading.Thread(target=lambda: (a.set_result(1), b.set_result(2))).start()  # completed from another thread
    assert both.wait() == [a, b] and futures.wait_all([a, b]) == [1, 2]
    real = pytest.importorskip("torch")
    theirs = real.futures.Future()
    theirs.set_result(1)
    assert error_of(lambda: theirs.set_result(2)) == already
    assert error_of(lambda: real.futures.Future().set_exception("no")) == error_of(
        lambda: futures.Future().set_exception("no"))
    assert futures.__all__ == real.futures.__all__


def test_freeze_and_optimize_for_inference_give_pytorchs_errors():
    model = nn.Linear(2, 2).eval()
    ours = [error_of(lambda: torch.jit.freeze(model)), error_of(lambda: torch.jit.optimize_for_inference(model))]
    assert ours == [
        (RuntimeError, "Freezing expects a ScriptModule as input. Please use torch.jit.script or torch.jit.trace to "
                       "script your 'nn.Module'."),
        (RuntimeError, "optimize_for_inference expects a ScriptModule as input. Please use torch.jit.script or "
                       "torch.jit.trace to script your 'nn.Module'.")]
    real = pytest.importorskip("torch")
    theirs = real.nn.Linear(2, 2).eval()
    assert ours == [error_of(lambda: real.jit.freeze(theirs)),
                    error_of(lambda: real.jit.optimize_for_inference(theirs))]


def test_script_module_and_function_never_exist_here():
    with pytest.raises(NotImplementedError, match="Subclass nn.Module instead"):
        class Old(torch.jit.ScriptModule):
            @torch.jit.script_method
            def forward(self, x):
                return x
        Old()
    assert not isinstance(len, torch.jit.ScriptFunction)
    for call in (lambda: torch.jit.save(nn.Linear(1, 1), "m.pt"), lambda: torch.jit.load("m.pt")):
        with pytest.raises(NotImplementedError, match="TorchScript is not part of autograd_core"):
            call()


def test_annotations_and_decorators_leave_things_as_they_are():
    def f(x):
        return x
    for decorate in (torch.jit.script_method, torch.jit.script_if_tracing, torch.jit.interface, torch.jit.ignore,
                     torch.jit.unused, torch.jit.export, torch.jit.ignore(drop=True)):
        assert decorate(f) is f
    assert torch.jit.Final is typing.Final
    value = {"a": 1}
    assert torch.jit.annotate(Dict[str, int], value) is value
    attribute = torch.jit.Attribute(0, int)
    assert attribute == (0, int) and attribute.value == 0 and attribute.type is int
    assert repr(attribute) == "Attribute(value=0, type=<class 'int'>)"
    real = pytest.importorskip("torch")
    assert repr(real.jit.Attribute(0, int)) == repr(attribute)


@pytest.mark.parametrize("obj, kind, expected", [
    ([1, 2], List[int], True), ([1, "a"], List[int], False), ((1, "a"), Tuple[int, str], True),
    ((1, 2), Tuple[int, str], False), ((1, 2, 3), Tuple[int, ...], False), (None, Optional[int], True),
    (3, Optional[int], True), ("a", Optional[int], False), ({"a": [1]}, Dict[str, List[int]], True),
    ({"a": ["b"]}, Dict[str, List[int]], False), ([1], Dict[str, int], False), (3, int, True),
    ([1, 2], list[int], True), (3, int | str, True), (3.0, int | str, False)])
def test_jit_isinstance_refines_containers_as_pytorchs(obj, kind, expected):
    assert torch.jit.isinstance(obj, kind) is expected
    real = pytest.importorskip("torch")
    assert real.jit.isinstance(obj, kind) is expected


def test_jit_isinstance_of_tensors_and_empty_containers():
    assert torch.jit.isinstance({"w": torch.ones(1)}, Dict[str, torch.Tensor])
    assert not torch.jit.isinstance({"w": 1.0}, Dict[str, torch.Tensor])
    with pytest.warns(UserWarning, match="The inner type of a container is lost when calling torch.jit.isinstance"):
        assert torch.jit.isinstance([], List[str])
    assert isinstance  # the builtin is untouched in this module, and torch.jit's own functions keep theirs
    assert "isinstance" in dir(torch.jit) and "isinstance" not in vars(torch.jit)


def test_exceptions_warnings_and_switches():
    assert issubclass(torch.jit.Error, Exception) and not issubclass(torch.jit.Error, RuntimeError)
    assert issubclass(torch.jit.TracerWarning, Warning) and issubclass(torch.jit.ScriptWarning, Warning)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)  # a tutorial's filter
        torch.jit.TracerWarning.ignore_lib_warnings()
    error = torch.jit.TracingCheckError("graph a vs b", None, extra_msg="check 1")
    assert str(error) == "Tracing failed sanity checks!\ncheck 1\nERROR: Graphs differed across invocations!\n" \
                         "\tgraph a vs b\n"
    with torch.jit.optimized_execution(False), torch.jit.fuser("fuser1"), torch.jit.strict_fusion():
        pass
    with pytest.raises(Exception, match=r"unrecognized fuser option \(name: fuserX\)"):
        with torch.jit.fuser("fuserX"):
            pass
    assert torch.jit.set_fusion_strategy([("DYNAMIC", 3)]) == [("STATIC", 2), ("DYNAMIC", 10)]
    assert torch.jit.set_fusion_strategy([("STATIC", 2), ("DYNAMIC", 10)]) == [("DYNAMIC", 3)]
    assert not torch.jit.onednn_fusion_enabled()
    torch.jit.enable_onednn_fusion(True)
    assert torch.jit.onednn_fusion_enabled()
    torch.jit.enable_onednn_fusion(False)
    real = pytest.importorskip("torch")
    assert str(real.jit.TracingCheckError("graph a vs b", None, extra_msg="check 1")) == str(error)
    assert [c.__name__ for c in real.jit.Error.__mro__[1:]] == [c.__name__ for c in torch.jit.Error.__mro__[1:]]


def test_the_names_courses_touch_exist_as_in_pytorch():
    names = ["Attribute", "Error", "Final", "Future", "ScriptFunction", "ScriptModule", "ScriptWarning",
             "TracerWarning", "TracingCheckError", "annotate", "enable_onednn_fusion", "export", "fork", "freeze",
             "fuser", "ignore", "interface", "is_scripting", "is_tracing", "isinstance", "load",
             "onednn_fusion_enabled", "optimize_for_inference", "optimized_execution", "save", "script",
             "script_if_tracing", "script_method", "set_fusion_strategy", "strict_fusion", "trace", "unused", "wait"]
    missing = [name for name in names if not hasattr(torch.jit, name)]
    assert missing == []
    real = pytest.importorskip("torch")
    assert [name for name in names if not hasattr(real.jit, name)] == []
