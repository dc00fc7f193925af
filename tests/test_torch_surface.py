"""PyTorch's tensor surface, checked against PyTorch in float64: one table of cases, each the SAME code run
with `L = autograd_core` and with `L = torch` on the same inputs.

A case is `fn(L, *inputs)`; float inputs are leaves that require grad. Results are compared as numbers (Values
and tensors as arrays, dtypes by name, shapes as tuples), and when a result is a differentiable float tensor,
the gradients of Σ(result · w) for a fixed random w are compared too. `NAMES` lists the surface the issue asks
for: `test_every_name_has_a_case` fails when one of them has no case here.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pytest

import autograd_core as ag

NAMES = """
sum mean var std prod max min logsumexp softmax log_softmax argmax argmin
unsqueeze squeeze view reshape permute transpose expand clamp norm pow tolist clone to double float long
size dim numel T t mT grad_fn detach item requires_grad_ eq ne flatten type
tensor zeros ones randn rand randint arange linspace full eye zeros_like ones_like full_like randn_like rand_like
empty from_numpy manual_seed cat stack set_num_threads get_num_threads
dtype.float dtype.float32 dtype.float64 dtype.double dtype.long dtype.int64 dtype.int32 dtype.bool
Dataset TensorDataset DataLoader autograd.Function autograd.grad
iadd isub imul itruediv copy_ fill_ zero_ add_ sub_ mul_ div_ clamp_ Parameter.copy_ Parameter.fill_ Parameter.zero_
relu_ sigmoid_ tanh_ exp_ log_ sqrt_ abs_ neg_ pow_ uniform_ normal_ setitem grad.zero_ grad.data grad.add_
add sub mul div matmul neg square out= inference_mode Tensor F.relu.inplace nn.ReLU.inplace save load
nn.utils.clip_grad_norm_ nn.utils.clip_grad_value_ contiguous is_floating_point retain_grad masked_fill
new_zeros new_ones new_full new_tensor
relu sigmoid tanh exp log sqrt abs sin cos where maximum minimum clip Subset random_split
""".split()


@dataclass(frozen=True)
class Case:
    name: str
    label: str
    fn: object
    inputs: tuple
    grad: bool = True

    def __repr__(self):
        return self.label


CASES: list[Case] = []


def _rng(label):
    return np.random.default_rng(zlib.crc32(label.encode()))


def case(name, fn, *shapes, domain="real", grad=True):
    label = f"{name}-{sum(c.name == name for c in CASES)}"
    rng = _rng(label)
    inputs = []
    for shape in shapes:
        if domain == "real":
            inputs.append(rng.standard_normal(shape))
        elif domain == "positive":
            inputs.append(rng.uniform(0.5, 2.0, shape))
        elif domain == "distinct":  # no ties (max, min, argmax) and away from the clamp bounds ±0.5
            size = int(np.prod(shape))
            inputs.append(((rng.permutation(size) - size / 2) * 0.37 + 0.05).reshape(shape))
    CASES.append(Case(name, label, fn, tuple(inputs), grad))


M, V, C, B3 = (3, 4), (4,), (3, 1), (2, 3, 4)

# Reductions: dim/keepdim, tuples of dims, PyTorch's defaults (unbiased var/std, max with dim -> (values, indices)).
case("sum", lambda L, x: x.sum(dim=1, keepdim=True), M)
case("sum", lambda L, x: L.sum(x, dim=(0, 1)), M)
case("sum", lambda L, x: x.sum(0), M)
case("mean", lambda L, x: x.mean(dim=0), M)
case("mean", lambda L, x: L.mean(x, -1, keepdim=True), M)
case("var", lambda L, x: x.var(), M)
case("var", lambda L, x: x.var(dim=1), M)
case("var", lambda L, x: x.var(dim=0, unbiased=False), M)
case("var", lambda L, x: L.var(x, dim=1, correction=0, keepdim=True), M)
case("std", lambda L, x: x.std(), M)
case("std", lambda L, x: x.std(dim=0), M)
case("std", lambda L, x: L.std(x, dim=1, keepdim=True), M)
case("prod", lambda L, x: x.prod(), M)
case("prod", lambda L, x: x.prod(dim=1), M)
case("prod", lambda L, x: L.prod(x, 0, keepdim=True), M)
case("prod", lambda L, x: (x * (x > 0)).prod(dim=1), M)  # zeros: the product of the other elements
case("max", lambda L, x: x.max(), M, domain="distinct")
case("max", lambda L, x: x.max(dim=1), M, domain="distinct")
case("max", lambda L, x: x.max(1, keepdim=True), M, domain="distinct")
case("max", lambda L, x: L.max(x, 0), M, domain="distinct")
case("max", lambda L, x, y: L.max(x, y), M, M, domain="distinct")
case("min", lambda L, x: x.min(), M, domain="distinct")
case("min", lambda L, x: x.min(dim=0), M, domain="distinct")
case("min", lambda L, x: L.min(x, 1, keepdim=True), M, domain="distinct")
case("logsumexp", lambda L, x: x.logsumexp(dim=1), M)
case("logsumexp", lambda L, x: L.logsumexp(x, dim=0, keepdim=True), M)
case("softmax", lambda L, x: x.softmax(dim=1), M)
case("softmax", lambda L, x: L.softmax(x, dim=0), M)
case("log_softmax", lambda L, x: x.log_softmax(dim=-1), M)
case("log_softmax", lambda L, x: L.log_softmax(x, 1), M)
case("argmax", lambda L, x: x.argmax(), M, domain="distinct")
case("argmax", lambda L, x: x.argmax(dim=1), M, domain="distinct")
case("argmax", lambda L, x: L.argmax(x, 0, keepdim=True), M, domain="distinct")
case("argmin", lambda L, x: x.argmin(), M, domain="distinct")
case("argmin", lambda L, x: L.argmin(x, dim=1), M, domain="distinct")
case("norm", lambda L, x: x.norm(), M)
case("norm", lambda L, x: x.norm(p=1), M)
case("norm", lambda L, x: x.norm(dim=1), M)
case("norm", lambda L, x: x.norm(p=3, dim=0, keepdim=True), M)
case("norm", lambda L, x: x.norm(p=float("inf")), M, domain="distinct")
case("norm", lambda L, x: x.norm(p="fro"), M)

# Shapes.
case("unsqueeze", lambda L, x: x.unsqueeze(0), M)
case("unsqueeze", lambda L, x: x.unsqueeze(-1), M)
case("unsqueeze", lambda L, x: L.unsqueeze(x, 1), M)
case("squeeze", lambda L, x: x.unsqueeze(1).squeeze(), M)
case("squeeze", lambda L, x: x.squeeze(1), C)
case("squeeze", lambda L, x: x.squeeze(0), C)  # length 3: unchanged
case("view", lambda L, x: x.view(2, 6), M)
case("view", lambda L, x: x.view(-1), M)
case("view", lambda L, x: x.view((4, 3)), M)
case("reshape", lambda L, x: x.reshape(6, 2), M)
case("reshape", lambda L, x: L.reshape(x, (2, -1)), M)
case("permute", lambda L, x: x.permute(2, 0, 1), B3)
case("permute", lambda L, x: x.permute((1, 2, 0)), B3)
case("permute", lambda L, x: L.permute(x, (2, 1, 0)), B3)
case("transpose", lambda L, x: x.transpose(0, 1), M)
case("transpose", lambda L, x: x.transpose(0, 2), B3)
case("transpose", lambda L, x: L.transpose(x, 1, 2), B3)
case("expand", lambda L, x: x.expand(3, 4), C)
case("expand", lambda L, x: x.expand(-1, 4), C)
case("expand", lambda L, x: x.expand(2, 3, 4), V)
case("flatten", lambda L, x: x.flatten(), B3)
case("flatten", lambda L, x: x.flatten(1), B3)
case("flatten", lambda L, x: L.flatten(x, 0, 1), B3)
case("T", lambda L, x: x.T, M)
case("mT", lambda L, x: x.mT, B3)
case("t", lambda L, x: (x.t(), L.tensor([1.0, 2.0]).t()), M)
case("grad_fn", lambda L, x: ((x * 2).grad_fn is not None, x.grad_fn is None, x.detach().grad_fn is None), M)


def _grad_fn_graph(L, x):
    y = (x * 2).sum()
    (mul, _), = y.grad_fn.next_functions
    (leaf, _), (constant, _) = mul.next_functions
    return (y.grad_fn.name(), mul.name(), type(leaf).__name__, leaf.variable is x, constant,
            (x - 1).exp().grad_fn.name(), (x.tanh() / 3).grad_fn.next_functions[0][0].name(),
            y.grad_fn == y.grad_fn, repr(mul).split(" object at ")[0])


case("grad_fn", _grad_fn_graph, M, grad=False)

# Elementwise and conversions.
case("clamp", lambda L, x: x.clamp(-0.5, 0.5), M, domain="distinct")
case("clamp", lambda L, x: x.clamp(min=0.1), M, domain="distinct")
case("clamp", lambda L, x: L.clamp(x, max=0.2), M, domain="distinct")
case("pow", lambda L, x: x.pow(2), M)
case("pow", lambda L, x, y: x.pow(y), M, M, domain="positive")
case("pow", lambda L, x: L.pow(x, 3), M)
case("pow", lambda L, x: x.pow(L.tensor([1, 2, 3, 4])), M)
case("tolist", lambda L, x: x.tolist(), M)
case("clone", lambda L, x: x.clone() * 2, M)
case("to", lambda L, x: x.to(L.float32), M, grad=False)
case("to", lambda L, x: x.to(L.float64) * 2, M)
case("to", lambda L, x: x.to("cpu") * 2, M)
case("double", lambda L, x: x.double(), M)
case("float", lambda L, x: x.float(), M, grad=False)
case("long", lambda L, x: (x * 10).long(), M)
case("type", lambda L, x: (x > 0).type(L.float32).sum(), M)
case("size", lambda L, x: (x.size(), x.size(1), x.size(-1)), M)
case("dim", lambda L, x: x.dim(), B3)
case("numel", lambda L, x: (x.numel(), L.numel(x)), B3)
case("detach", lambda L, x: (x.detach() * 2, x.detach().requires_grad), M)
case("item", lambda L, x: x.sum().item(), M)
case("requires_grad_", lambda L: (L.zeros(3).requires_grad_().requires_grad, L.ones(2).requires_grad))
case("eq", lambda L, x: (x == x.clone(), x == 0.5, (x == x).all().item()), M)
case("eq", lambda L, x, y: x == y, M, M)
case("ne", lambda L, x, y: (x != y, x != x.detach()), M, M)

# Factories and dtypes (random ones: shape, dtype and range; seeded ones: repeatable).
case("tensor", lambda L: (L.tensor([1, 2]), L.tensor([1, 2]).dtype, L.tensor([1.5, 2]).dtype, L.tensor(3.0).dtype))
case("tensor", lambda L: (L.tensor([[1.0, 2.0]], dtype=L.float64), L.tensor(True).dtype, L.tensor(2).dtype))
case("tensor", lambda L, x: L.tensor(x.detach().numpy()) * 2, M)
case("zeros", lambda L: (L.zeros(2, 3), L.zeros((2, 3), dtype=L.float64), L.zeros(2).dtype))
case("ones", lambda L: (L.ones(2, 3), L.ones([3]).dtype, L.ones(2, dtype=L.int64)))
case("full", lambda L: (L.full((2, 2), 7.0), L.full((2,), 3).dtype, L.full((2,), 1.5).dtype))
case("eye", lambda L: (L.eye(3), L.eye(2, 3), L.eye(2).dtype))
case("arange", lambda L: (L.arange(5), L.arange(5).dtype, L.arange(1, 4, 0.5), L.arange(0.0, 1.0, 0.25).dtype))
case("linspace", lambda L: (L.linspace(-1, 1, 5), L.linspace(0, 1, 3).dtype))
case("zeros_like", lambda L, x: (L.zeros_like(x), L.zeros_like(x).dtype), M)
case("ones_like", lambda L, x: L.ones_like(x), M)
case("full_like", lambda L, x: L.full_like(x, 2.5), M)
case("empty", lambda L: (L.empty(2, 3).shape, L.empty(2).dtype))
case("randn", lambda L: (L.randn(2, 3).shape, L.randn(2).dtype, L.randn(()).shape, L.randn(3, dtype=L.float64).dtype))
case("rand", lambda L: (L.rand(4, 2).shape, bool(((L.rand(1000) >= 0) & (L.rand(1000) < 1)).all())))
case("randint", lambda L: (L.randint(0, 5, (3, 2)).shape, L.randint(5, (3,)).dtype,
                           bool(((L.randint(2, 4, (100,)) >= 2) & (L.randint(2, 4, (100,)) < 4)).all())))
case("randn_like", lambda L, x: (L.randn_like(x).shape, L.randn_like(x).dtype), M)
case("rand_like", lambda L, x: (L.rand_like(x).shape, L.rand_like(x).dtype), M)
case("from_numpy", lambda L: (L.from_numpy(np.arange(3.0)), L.from_numpy(np.arange(3)).dtype))


def _seeded_twice(L):
    L.manual_seed(7)
    first = L.randn(4)
    L.manual_seed(7)
    return L.equal(first, L.randn(4)), L.equal(L.randn(3), L.randn(3))


case("manual_seed", _seeded_twice)


def _one_thread_then_back(L):
    before = L.get_num_threads()
    L.set_num_threads(1)
    during = L.get_num_threads()
    L.set_num_threads(before)
    return during, L.get_num_threads() == before, before >= 1


case("set_num_threads", _one_thread_then_back)
case("get_num_threads", lambda L: isinstance(L.get_num_threads(), int))
case("cat", lambda L, x, y: L.cat([x, y], dim=0), M, M)
case("cat", lambda L, x, y: L.cat((x, y), 1), M, M)
case("stack", lambda L, x, y: L.stack([x, y]), M, M)
case("stack", lambda L, x, y: L.stack([x, y], dim=2), M, M)
for name in ["float", "float32", "float64", "double", "long", "int64", "int32", "bool"]:
    case(f"dtype.{name}", lambda L, name=name: (getattr(L, name), L.zeros(2, dtype=getattr(L, name)).dtype))


# Data: the same batches from the same data set.
def _loader_batches(L, x, y_labels=(0, 1, 2)):
    from importlib import import_module

    data = import_module(f"{L.__name__}.utils.data")
    labels = L.tensor(list(y_labels))
    loader = data.DataLoader(data.TensorDataset(x.detach(), labels), batch_size=2)
    return [(xb, yb) for xb, yb in loader] + [len(loader), len(loader.dataset)]


def _dataset_batches(L):
    from importlib import import_module

    data = import_module(f"{L.__name__}.utils.data")

    class Squares(data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return L.tensor([float(i), float(i * i)], dtype=L.float64), i

    batches = list(data.DataLoader(Squares(), batch_size=2, drop_last=True))
    return batches + [len(data.DataLoader(Squares(), batch_size=2))]


case("TensorDataset", lambda L, x: _loader_batches(L, x), (3, 2), grad=False)


def _custom_function(L, x):
    class Square(L.autograd.Function):
        @staticmethod
        def forward(ctx, v):
            ctx.save_for_backward(v)
            return v * v

        @staticmethod
        def backward(ctx, g):
            (v,) = ctx.saved_tensors
            return 2 * v * g

    return Square.apply(x).sum(dim=0)


case("autograd.Function", _custom_function, M)
case("autograd.grad", lambda L, x: L.autograd.grad((x ** 3).sum(), [x], create_graph=True)[0] * 1.0, M)
case("DataLoader", _dataset_batches)
case("Dataset", _dataset_batches)


# In place, under no_grad (on copies: leaves that require grad refuse to change outside no_grad).
def _inplace(op):
    def fn(L, x, y):
        w = x.detach().clone().requires_grad_()
        with L.no_grad():
            result = op(w, y.detach())
        return w * 1.0, result is w, w.requires_grad, w.is_leaf
    return fn


def _iadd(w, y):
    w += y
    return w


def _isub(w, y):
    w -= y
    return w


def _imul(w, y):
    w *= y
    return w


def _itruediv(w, y):
    w /= y
    return w


for name, op in [("iadd", _iadd), ("isub", _isub), ("imul", _imul), ("itruediv", _itruediv),
                 ("add_", lambda w, y: w.add_(y)), ("add_", lambda w, y: w.add_(y, alpha=-0.5)),
                 ("sub_", lambda w, y: w.sub_(y)), ("sub_", lambda w, y: w.sub_(y, alpha=2)),
                 ("mul_", lambda w, y: w.mul_(y)), ("div_", lambda w, y: w.div_(y)),
                 ("copy_", lambda w, y: w.copy_(y)), ("copy_", lambda w, y: w.copy_(y[0])),
                 ("fill_", lambda w, y: w.fill_(1.5)), ("zero_", lambda w, y: w.zero_()),
                 ("clamp_", lambda w, y: w.clamp_(-0.5, 0.5)), ("clamp_", lambda w, y: w.clamp_(min=0.0))]:
    case(name, _inplace(op), M, M, domain="positive" if name in ("itruediv", "div_") else "distinct", grad=False)
case("iadd", _inplace(_iadd), (), (), grad=False)  # 0-d


def _parameter_inplace(method, *args):
    def fn(L, x):
        p = L.nn.Parameter(x.detach().clone())
        with L.no_grad():
            out = getattr(p, method)(*[a(L) if callable(a) else a for a in args])
        return p * 1.0, out is p, type(p).__name__
    return fn


case("Parameter.copy_", _parameter_inplace("copy_", lambda L: L.ones(4, dtype=L.float64)), M, grad=False)
case("Parameter.fill_", _parameter_inplace("fill_", 2.0), M, grad=False)
case("Parameter.zero_", _parameter_inplace("zero_"), M, grad=False)

for name, op in [("relu_", lambda w, y: w.relu_()), ("sigmoid_", lambda w, y: w.sigmoid_()),
                 ("tanh_", lambda w, y: w.tanh_()), ("exp_", lambda w, y: w.exp_()), ("log_", lambda w, y: w.log_()),
                 ("sqrt_", lambda w, y: w.sqrt_()), ("abs_", lambda w, y: w.abs_()), ("neg_", lambda w, y: w.neg_()),
                 ("pow_", lambda w, y: w.pow_(2)), ("pow_", lambda w, y: w.pow_(y))]:
    case(name, _inplace(op), M, M, domain="positive" if name in ("log_", "sqrt_", "pow_") else "distinct", grad=False)
case("relu_", _inplace(lambda w, y: w.relu_()), (), (), grad=False)  # 0-d


def _random_fill(method, *args):
    def fn(L):
        w = L.zeros(4000, dtype=L.float64)
        out = getattr(w, method)(*args)
        lo, hi = (w.min().item(), w.max().item())
        return out is w, w.shape, (lo >= args[0] and hi < args[1]) if method == "uniform_" else (
            abs(w.mean().item() - args[0]) < 0.15 and abs(w.std().item() - args[1]) < 0.15)
    return fn


case("uniform_", _random_fill("uniform_", -2.0, 3.0))
case("normal_", _random_fill("normal_", 1.0, 2.0))


def _setitem(L, x, y):
    w = x.detach().clone()
    w[0, 1] = 5.0
    w[:, 2] = y.detach()[0, :3]
    w[..., -1] = w[..., 0].clone()
    w[w > 1] = 0.25
    w[[0, 2]] = -1.5
    w[L.tensor([1])] = w[2].clone()
    return w


case("setitem", _setitem, M, (4, 3), grad=False)


def _grad_idioms(L, x):
    """PyTorch's ways with a gradient: grad.zero_(), grad.data, grad.add_/mul_, p -= lr * p.grad.data."""
    (x * x).sum().backward()
    x.grad.zero_()
    (x * 3).sum().backward()
    after_zero = x.grad.clone()
    x.grad.data.mul_(2)
    x.grad.add_(x.detach(), alpha=0.5)
    with L.no_grad():
        x -= 0.1 * x.grad.data
    return after_zero, x.grad.clone(), x * 1.0, x.grad.sum().item(), x.grad.norm().item()


case("grad.zero_", _grad_idioms, M, grad=False)
case("grad.data", _grad_idioms, M, grad=False)
case("grad.add_", _grad_idioms, M, grad=False)

case("add", lambda L, x, y: (L.add(x, y), L.add(x, 2.0, alpha=3), x.add(y, alpha=-0.5)), M, M)
case("sub", lambda L, x, y: (L.sub(x, y), L.sub(x, y, alpha=2)), M, M)
case("mul", lambda L, x, y: (L.mul(x, y), L.mul(x, 3.0), L.multiply(x, y)), M, M)
case("div", lambda L, x, y: (L.div(x, y), L.divide(x, 2.0)), M, M, domain="positive")
case("matmul", lambda L, x, y: (L.matmul(x, y), L.mm(x, y)), M, (4, 2))
case("neg", lambda L, x: L.neg(x), M)
case("square", lambda L, x: L.square(x), M)


def _out(L, x, y):
    out = L.zeros(3, 4, dtype=L.float64)
    result = L.mul(x.detach(), y.detach(), out=out)
    prod = L.zeros(3, 3, dtype=L.float64)
    L.matmul(x.detach(), y.detach().T, out=prod)
    return result is out, out, prod, L.add(x.detach(), 1.0, out=out) is out, out


case("out=", _out, M, M, grad=False)


def _inference(L, x):
    with L.inference_mode():
        inside = x * 2

    @L.inference_mode()
    def f(v):
        return v * 3

    return inside.requires_grad, f(x).requires_grad, inside, (x * 2).requires_grad


case("inference_mode", _inference, M, grad=False)
case("Tensor", lambda L, x: (isinstance(x, L.Tensor), isinstance(L.zeros(2), L.Tensor), L.is_tensor(x)), M)


def _relu_inplace(L, x):
    """PyTorch changes the input in place; here the result is computed out of place (see nn/activation.py):
    the returned Values and the gradients are compared, not the inputs afterwards."""
    F = L.nn.functional
    layer = L.nn.ReLU(inplace=True)
    with L.no_grad():
        unrecorded = F.relu(x.detach() - 0.5, inplace=True) * 1.0
    return (F.relu(x * 2, inplace=True), layer(x * 3), F.leaky_relu(x - 0.5, 0.1, inplace=True),
            L.nn.LeakyReLU(0.2, inplace=True)(x + 0.1), F.elu(x * 1.5, inplace=True), L.nn.SiLU(inplace=True)(x * 1),
            unrecorded, repr(layer))


case("F.relu.inplace", _relu_inplace, M)
case("nn.ReLU.inplace", _relu_inplace, M)


def _save_load(L, x):
    import os
    import tempfile

    state = {"w": x.detach(), "step": 3, "nested": [x.detach() * 2, {"a": 1.5, 0: None}], "t": (1, "s")}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "state.pth")
        L.save(state, path)
        back = L.load(path, weights_only=True)
    return back["w"], back["step"], back["nested"][0], back["nested"][1]["a"], back["nested"][1][0], back["t"]


case("save", _save_load, M, grad=False)
case("load", _save_load, M, grad=False)


def _clip(L, x):
    w = x.detach().clone().requires_grad_()
    (w * w).sum().backward()
    norm = L.nn.utils.clip_grad_norm_([w], 1.0)
    clipped = w.grad.clone()
    L.nn.utils.clip_grad_value_([w], 0.1)
    return float(norm), clipped, w.grad


case("nn.utils.clip_grad_norm_", _clip, M, grad=False)
case("nn.utils.clip_grad_value_", _clip, M, grad=False)

case("contiguous", lambda L, x: (x.transpose(0, 1).contiguous().view(-1), x.is_contiguous()), M)
case("is_floating_point", lambda L, x: (x.is_floating_point(), L.tensor([1, 2]).is_floating_point()), M)


def _retain(L, x):
    h = x * 2
    h.retain_grad()
    (h * h).sum().backward()
    return h.grad, x.grad


case("retain_grad", _retain, M, grad=False)
case("masked_fill", lambda L, x: (x.masked_fill(x > 0.2, 0.0), x.masked_fill((x < 0)[0], -1.5)), M)
case("new_zeros", lambda L, x: (x.new_zeros(2, 3), x.new_zeros((2,)).dtype, x.new_zeros(2, dtype=L.int64)), M)
case("new_ones", lambda L, x: (x.new_ones(3), x.float().new_ones(2).dtype), M)
case("new_full", lambda L, x: (x.new_full((2, 2), 7.5), x.new_full((1,), 2).dtype), M)
case("new_tensor", lambda L, x: (x.new_tensor([1, 2]), x.new_tensor([1.5]).dtype, x.float().new_tensor([1]).dtype), M)

for name in ["relu", "sigmoid", "tanh", "exp", "abs", "sin", "cos"]:
    case(name, lambda L, x, name=name: (getattr(L, name)(x), getattr(x, name)()), M, domain="distinct")
for name in ["log", "sqrt"]:
    case(name, lambda L, x, name=name: (getattr(L, name)(x), getattr(x, name)()), M, domain="positive")
case("where", lambda L, x, y: (L.where(x > y, x, y), L.where(x > 0, x, 0.0)), M, M, domain="distinct")
case("maximum", lambda L, x, y: L.maximum(x, y), M, M, domain="distinct")
case("minimum", lambda L, x, y: L.minimum(x, y), M, M, domain="distinct")
case("clip", lambda L, x: (L.clip(x, -0.5, 0.5), x.clip(min=0.1)), M, domain="distinct")

def _random_split(L):
    from importlib import import_module

    data = import_module(f"{L.__name__}.utils.data")
    dataset = data.TensorDataset(L.tensor(np.arange(10.0)), L.tensor(np.arange(10) * 2))
    lengths = [[len(p) for p in data.random_split(dataset, split)] for split in ([0.7, 0.2, 0.1], [0.33, 0.33, 0.34],
                                                                                  [0.5, 0.5], [3, 7], [1.0])]
    parts = data.random_split(dataset, [0.6, 0.4])
    seen = sorted(int(p[i][0].item()) for p in parts for i in range(len(p)))
    subset = data.Subset(dataset, [3, 1])
    batches = [(x.tolist(), y.tolist()) for x, y in data.DataLoader(subset, batch_size=2)]
    return lengths, seen, len(subset), subset[0][0].item(), batches


case("random_split", _random_split)
case("Subset", _random_split)

CASE_IDS = [c.label for c in CASES]


# ----------------------------------------------------------------------------------------------------


def plain(x, torch=None):
    """A result as nested Python/NumPy data that compares across the two libraries."""
    if isinstance(x, ag.Value):
        return np.asarray(x.data)
    if torch is not None and isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if torch is not None and isinstance(x, torch.dtype):
        return str(x).replace("torch.", "")
    if isinstance(x, np.dtype):
        return str(x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # (values, indices)
        return [plain(v, torch) for v in x]
    if torch is not None and isinstance(x, torch.Size):
        return tuple(x)
    if isinstance(x, tuple) and all(isinstance(v, int) for v in x):  # a shape
        return tuple(x)
    if isinstance(x, (list, tuple)) and not (x and all(isinstance(v, (int, float)) for v in x)):
        return [plain(v, torch) for v in x]
    return x


def assert_same(ours, theirs, label):
    if isinstance(ours, list):
        assert isinstance(theirs, list) and len(ours) == len(theirs), (label, ours, theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b, label)
    elif isinstance(ours, np.ndarray):
        theirs = np.asarray(theirs)
        assert ours.shape == theirs.shape, (label, ours.shape, theirs.shape)
        assert ours.dtype == theirs.dtype or (ours.dtype.kind == theirs.dtype.kind == "f"), (label, ours.dtype,
                                                                                            theirs.dtype)
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=label)
    elif isinstance(ours, float):
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14), (label, ours, theirs)
    else:
        assert ours == theirs, (label, ours, theirs)


def differentiable_outputs(result, kind):
    """The float results that carry a gradient (for the gradient comparison)."""
    items = result if isinstance(result, (list, tuple)) else [result]
    return [r for r in items if isinstance(r, kind) and r.requires_grad and r.dtype in FLOATS[kind]]


FLOATS = {}


def run_case(c, L, make):
    leaves = [make(x) for x in c.inputs]
    return leaves, c.fn(L, *leaves)


def test_every_name_has_a_case():
    missing = sorted(set(NAMES) - {c.name for c in CASES})
    assert not missing, f"surface names without a case in tests/test_torch_surface.py: {missing}"


@pytest.mark.parametrize("c", CASES, ids=CASE_IDS)
def test_surface_case_runs(c):
    ag.manual_seed(0)
    _, result = run_case(c, ag, lambda x: ag.tensor(x, requires_grad=True))
    assert result is not None


@pytest.mark.parametrize("c", CASES, ids=CASE_IDS)
def test_surface_matches_pytorch(c):
    torch = pytest.importorskip("torch")
    ag.manual_seed(0)
    torch.manual_seed(0)
    ours_leaves, ours = run_case(c, ag, lambda x: ag.tensor(x, requires_grad=True))
    theirs_leaves, theirs = run_case(c, torch, lambda x: torch.tensor(x, requires_grad=True))
    assert_same(plain(ours), plain(theirs, torch), c.label)
    if not c.grad:
        return
    FLOATS[ag.Value], FLOATS[torch.Tensor] = (np.float64, np.float32), (torch.float64, torch.float32)
    ours_out, theirs_out = differentiable_outputs(ours, ag.Value), differentiable_outputs(theirs, torch.Tensor)
    assert len(ours_out) == len(theirs_out), c.label
    if not ours_out:
        return
    rng = _rng(c.label + "-w")
    weights = [rng.standard_normal(o.shape) for o in ours_out]
    sum(((o * w).sum() for o, w in zip(ours_out, weights)), ag.tensor(0.0, dtype=ag.float64)).backward()
    sum(((o * torch.tensor(w)).sum() for o, w in zip(theirs_out, weights)), torch.tensor(0.0,
                                                                                       dtype=torch.float64)).backward()
    for mine, reference in zip(ours_leaves, theirs_leaves):
        if reference.grad is None:
            assert mine.grad is None or not np.any(mine.grad), c.label
        else:
            np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=c.label)


# NumPy's spelling keeps NumPy's meaning beside PyTorch's: each pair is (ours with axis/keepdims/ddof, PyTorch's
# spelling of the same computation).
NUMPY_SPELLING = [
    ("sum", lambda x: x.sum(axis=1, keepdims=True), lambda t: t.sum(dim=1, keepdim=True)),
    ("sum", lambda x: x.sum(axis=(0, 1)), lambda t: t.sum(dim=(0, 1))),
    ("mean", lambda x: x.mean(axis=0), lambda t: t.mean(dim=0)),
    ("var", lambda x: x.var(axis=1), lambda t: t.var(dim=1, correction=0)),
    ("var", lambda x: x.var(), lambda t: t.var()),  # no NumPy keyword: PyTorch's unbiased default
    ("var", lambda x: x.var(ddof=1, axis=0, keepdims=True), lambda t: t.var(dim=0, keepdim=True)),
    ("std", lambda x: x.std(axis=0), lambda t: t.std(dim=0, correction=0)),
    ("max", lambda x: x.max(axis=1), lambda t: t.amax(dim=1)),
    ("min", lambda x: x.min(axis=0, keepdims=True), lambda t: t.amin(dim=0, keepdim=True)),
    ("prod", lambda x: x.prod(axis=1), lambda t: t.prod(dim=1)),
    ("logsumexp", lambda x: x.logsumexp(axis=1, keepdims=True), lambda t: t.logsumexp(dim=1, keepdim=True)),
    ("softmax", lambda x: x.softmax(axis=0), lambda t: t.softmax(dim=0)),
    ("argmax", lambda x: x.argmax(axis=1), lambda t: t.argmax(dim=1)),
    ("transpose", lambda x: x.transpose(), lambda t: t.T),
    ("transpose", lambda x: x.transpose((1, 0)), lambda t: t.permute(1, 0)),
    ("cat", lambda x: ag.cat([x, x], axis=1), lambda t: __import__("torch").cat([t, t], dim=1)),
    ("stack", lambda x: ag.stack([x, x], axis=1), lambda t: __import__("torch").stack([t, t], dim=1)),
    ("ag.sum", lambda x: ag.sum(x, axis=0), lambda t: __import__("torch").sum(t, dim=0)),
]


@pytest.mark.parametrize("index", range(len(NUMPY_SPELLING)), ids=[f"{n}-{i}" for i, (n, _, _) in
                                                                    enumerate(NUMPY_SPELLING)])
def test_numpy_spelling_keeps_working_and_means_what_numpy_means(index):
    torch = pytest.importorskip("torch")
    _, ours, theirs = NUMPY_SPELLING[index]
    x0 = _rng(f"numpy-{index}").standard_normal((3, 4))
    x, t = ag.Value(x0.copy()), torch.tensor(x0, requires_grad=True)
    out, tout = ours(x), theirs(t)
    np.testing.assert_allclose(np.asarray(out.data), tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    if tout.requires_grad:
        w = _rng(f"numpy-w-{index}").standard_normal(tout.shape)
        (out * w).sum().backward()
        (tout * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)
