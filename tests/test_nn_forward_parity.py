"""nn modules' forward() takes torch.nn's parameter names: a program written for PyTorch may call a layer by keyword
(`linear(input=x)`, `loss(input=y, target=t)`, `lstm(input=x, hx=h)`, `attention(query=q, key=k, value=v)`).

`test_forward_matches_torch` compares every module class we share with torch.nn: the names, kinds and defaults of
forward's parameters after self, as `inspect.signature` reads them. The torch-free tests call a sample of modules by
keyword, so that a run without PyTorch still guards the names.
"""

import inspect

import numpy as np
import pytest
from nn_helpers import rand, torch_or_skip

import autograd_core.nn as nn
from autograd_core import Value
from autograd_core.nn.lazy import LazyModuleMixin

MODULE_CLASSES = sorted(name for name in dir(nn) if isinstance(getattr(nn, name), type)
                        and issubclass(getattr(nn, name), nn.Module))

# Our classes without a torch.nn twin: nothing to compare their forward with.
OURS_ONLY = {
    "Neuron": "micrograd's scalar neuron, forward(x) as in micrograd",
    "Layer": "micrograd's layer of Neurons, forward(x) as in micrograd",
    "MLP": "micrograd's MLP, forward(x) as in micrograd",
    "GlobalAvgPool2d": "our own layer (PyTorch spells it AdaptiveAvgPool2d(1))",
    "HingeLoss": "our own loss (PyTorch has only F.multi_margin_loss / nn.HingeEmbeddingLoss)",
    "Residual": "our own wrapper, x + module(x)",
}

_P = inspect.Parameter


def _forward_parameters(forward):
    """forward's parameters after self as (name, kind, default) triples, variadic ones by kind alone."""
    params = list(inspect.signature(forward).parameters.values())[1:]
    return [(p.kind.name,) if p.kind in (_P.VAR_POSITIONAL, _P.VAR_KEYWORD) else (p.name, p.kind.name, repr(p.default))
            for p in params]


def forward_problem(ours, theirs):
    """Why a forward call written for `theirs` (a torch.nn class) would not mean the same with `ours`, or None."""
    if theirs.forward.__name__ == "_forward_unimplemented":
        # PyTorch's base classes and containers (Module, ModuleList, RNNBase, ...) have no forward: ours must take
        # anything and refuse it, as theirs does.
        mine = _forward_parameters(ours.forward)
        return None if mine == [("VAR_POSITIONAL",), ("VAR_KEYWORD",)] else f"ours takes {mine}, PyTorch's nothing"
    forward = ours.forward
    if issubclass(ours, LazyModuleMixin):
        # A lazy layer's first call becomes cls_to_become and runs its forward with the same arguments: that
        # forward is the one a caller meets (the mixin's own takes input and passes the rest on).
        if _forward_parameters(forward)[:1] != [("input", "POSITIONAL_OR_KEYWORD", repr(_P.empty))]:
            return f"the lazy forward takes {_forward_parameters(forward)}, not input first"
        forward = ours.cls_to_become.forward
    mine, expected = _forward_parameters(forward), _forward_parameters(theirs.forward)
    return None if mine == expected else f"ours {mine} != PyTorch's {expected}"


def test_our_own_classes_are_listed():
    torch = torch_or_skip()
    assert {name for name in MODULE_CLASSES if not isinstance(getattr(torch.nn, name, None), type)} == set(OURS_ONLY)


@pytest.mark.parametrize("name", [name for name in MODULE_CLASSES if name not in OURS_ONLY])
def test_forward_matches_torch(name):
    torch = torch_or_skip()
    problem = forward_problem(getattr(nn, name), getattr(torch.nn, name))
    assert problem is None, f"{name}.forward: {problem}"


def test_forward_check_sees_a_renamed_or_reordered_parameter():
    """The checker itself, on made-up classes against torch.nn.Linear and torch.nn.MSELoss."""
    torch = torch_or_skip()

    class Renamed(nn.Module):
        def forward(self, x):
            return x

    class Swapped(nn.Module):
        def forward(self, target, input):
            return input

    class Defaulted(nn.Module):
        def forward(self, input, target=None):
            return input

    assert forward_problem(Renamed, torch.nn.Linear) is not None
    assert forward_problem(Swapped, torch.nn.MSELoss) is not None
    assert forward_problem(Defaulted, torch.nn.MSELoss) is not None
    assert forward_problem(nn.Linear, torch.nn.Linear) is None


# ----------------------------------------------------------------------------------------------------
# Without PyTorch: modules called by keyword, with PyTorch's names.

def _x(*shape):
    return Value(rand(*shape), dtype=np.float32)  # the modules' dtype: PyTorch refuses a float64 input to them


KEYWORD_CALLS = {
    "Linear": (lambda: nn.Linear(2, 3), lambda: {"input": _x(4, 2)}),
    "Conv2d": (lambda: nn.Conv2d(1, 2, 3), lambda: {"input": _x(1, 1, 5, 5)}),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(1, 2, 3, stride=2),
                        lambda: {"input": _x(1, 1, 3, 3), "output_size": (8, 8)}),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), lambda: {"input": _x(1, 1, 4, 4)}),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), lambda: {"input": _x(4, 3)}),
    "LayerNorm": (lambda: nn.LayerNorm(3), lambda: {"input": _x(4, 3)}),
    "ReLU": (lambda: nn.ReLU(), lambda: {"input": _x(3)}),
    "Dropout": (lambda: nn.Dropout(0.5).eval(), lambda: {"input": _x(3)}),
    "Embedding": (lambda: nn.Embedding(5, 2), lambda: {"input": np.array([0, 4])}),
    "Sequential": (lambda: nn.Sequential(nn.Linear(2, 2), nn.Tanh()), lambda: {"input": _x(1, 2)}),
    "MSELoss": (lambda: nn.MSELoss(), lambda: {"input": _x(3), "target": _x(3)}),
    "CrossEntropyLoss": (lambda: nn.CrossEntropyLoss(), lambda: {"input": _x(2, 3), "target": np.array([0, 2])}),
    "PoissonNLLLoss": (lambda: nn.PoissonNLLLoss(), lambda: {"log_input": _x(3), "target": Value(np.ones(3))}),
    "MarginRankingLoss": (lambda: nn.MarginRankingLoss(),
                          lambda: {"input1": _x(3), "input2": _x(3), "target": Value(np.ones(3))}),
    "CosineEmbeddingLoss": (lambda: nn.CosineEmbeddingLoss(),
                            lambda: {"input1": _x(2, 3), "input2": _x(2, 3), "target": Value(np.ones(2))}),
    "TripletMarginLoss": (lambda: nn.TripletMarginLoss(),
                          lambda: {"anchor": _x(2, 3), "positive": _x(2, 3), "negative": _x(2, 3)}),
    "LSTM": (lambda: nn.LSTM(2, 3), lambda: {"input": _x(4, 1, 2), "hx": (_x(1, 1, 3), _x(1, 1, 3))}),
    "GRU": (lambda: nn.GRU(2, 3), lambda: {"input": _x(4, 1, 2), "hx": _x(1, 1, 3)}),
    "MultiheadAttention": (lambda: nn.MultiheadAttention(4, 2),
                           lambda: {"query": _x(3, 1, 4), "key": _x(3, 1, 4), "value": _x(3, 1, 4)}),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0),
                                lambda: {"src": _x(3, 1, 4)}),
    "LazyLinear": (lambda: nn.LazyLinear(3), lambda: {"input": _x(4, 2)}),
}


def _output(result):
    return result[0] if isinstance(result, tuple) else result


@pytest.mark.parametrize("name", sorted(KEYWORD_CALLS))
def test_module_called_by_keyword(name):
    """module(**PyTorch's keywords) gives what module(*the same values in order) gives. The keyword call comes
    first, so that the lazy layer becomes Linear in it."""
    build, make_inputs = KEYWORD_CALLS[name]
    module, kwargs = build(), make_inputs()
    got = _output(module(**kwargs))
    expected = _output(module(*kwargs.values()))
    np.testing.assert_allclose(got.data, expected.data, rtol=1e-12)


def test_keywords_reach_hooks_and_forward():
    """A forward pre-hook with_kwargs sees PyTorch's keyword and may replace it; a post hook sees it too."""
    linear = nn.Linear(2, 1)
    seen = []
    linear.register_forward_pre_hook(lambda m, args, kwargs: seen.append(sorted(kwargs)) or (args, {
        "input": kwargs["input"] * 0}), with_kwargs=True)
    linear.register_forward_hook(lambda m, args, kwargs, out: seen.append(sorted(kwargs)), with_kwargs=True)
    out = linear(input=_x(3, 2))
    assert seen == [["input"], ["input"]]
    np.testing.assert_allclose(out.data, np.broadcast_to(linear.bias.data, (3, 1)))


def test_wrong_keyword_names_the_module():
    """A keyword PyTorch does not take either is a TypeError naming it, as in PyTorch."""
    with pytest.raises(TypeError, match="'x'"):
        nn.Linear(2, 3)(x=_x(1, 2))
