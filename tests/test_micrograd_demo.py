"""micrograd's demo (github.com/karpathy/micrograd, demo.ipynb) runs here with only its imports changed.

DEMO below is the notebook's code, cell by cell, with three differences, all in import lines or plotting:
`from micrograd.engine import Value` and `from micrograd.nn import ...` name autograd_core's classes, two moons
come from `autograd_core.nn.make_moons` instead of scikit-learn's, and the matplotlib calls are left out (the
decision boundary is still computed). It must train to 100% accuracy on its moons, as micrograd's does.
(`np.random.seed` and `random.seed` do not seed autograd_core.nn's generator; the test starts it as a fresh
process would, with `nn.manual_seed(0)`.)
"""

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

from autograd_core import Value, nn

IMPORTS = """\
import random
import numpy as np
from autograd_core import Value
from autograd_core.nn import Neuron, Layer, MLP
"""

DEMO = """\
np.random.seed(1337)
random.seed(1337)

# make up a dataset
from autograd_core.nn import make_moons
X, y = make_moons(n_samples=100, noise=0.1)

y = y*2 - 1 # make y be -1 or 1

# initialize a model
model = MLP(2, [16, 16, 1]) # 2-layer neural network
print(model)
print("number of parameters", len(model.parameters()))

# loss function
def loss(batch_size=None):

    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]

    # forward the model to get scores
    scores = list(map(model, inputs))

    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss

    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

total_loss, acc = loss()
print(total_loss, acc)

# optimization
for k in range(100):

    # forward
    total_loss, acc = loss()

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad

    if k % 1 == 0:
        print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")

# visualize decision boundary

h = 0.25
x_min, x_max = X[:, 0].min() - 1, X[:, 0].max() + 1
y_min, y_max = X[:, 1].min() - 1, X[:, 1].max() + 1
xx, yy = np.meshgrid(np.arange(x_min, x_max, h),
                     np.arange(y_min, y_max, h))
Xmesh = np.c_[xx.ravel(), yy.ravel()]
inputs = [list(map(Value, xrow)) for xrow in Xmesh]
scores = list(map(model, inputs))
Z = np.array([s.data > 0 for s in scores])
Z = Z.reshape(xx.shape)
"""


@pytest.mark.slow
def test_micrograd_demo_runs_with_only_its_imports_changed_and_reaches_100_percent():
    nn.manual_seed(0)  # as in a fresh kernel: make_moons and MLP draw from autograd_core.nn's generator
    namespace = {"__name__": "demo"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(IMPORTS + DEMO, "micrograd_demo", "exec"), namespace)
    printed = out.getvalue()
    assert "number of parameters 337" in printed
    accuracies = [float(a) for a in re.findall(r"accuracy ([\d.]+)%", printed)]
    assert len(accuracies) == 100 and accuracies[-1] == 100.0
    losses = [float(v) for v in re.findall(r"loss ([\d.e-]+),", printed)]
    assert losses[-1] < 0.1 * losses[0]
    model, X, y = namespace["model"], namespace["X"], namespace["y"]
    # the trained model classifies every point: the scalar graph and the tensor path agree on it
    assert ((model(X).data[:, 0] > 0) == (y > 0)).all()
    assert namespace["Z"].shape == namespace["xx"].shape and 0 < namespace["Z"].mean() < 1


def test_parameters_are_micrograds_list_of_scalars_in_its_order():
    model = nn.MLP(2, [16, 16, 1], rng=0)
    params = model.parameters()
    assert len(params) == 337 and len(list(params)) == 337
    assert all(isinstance(p, Value) and p.shape == () and p.is_leaf and p.is_parameter for p in params)
    assert len({id(p) for p in params}) == 337
    assert [p is q for p, q in zip(params, model.parameters())] == [True] * 337  # the same leaves every time
    expected = []  # per layer, per neuron: weights, then bias
    for layer in model.layers:
        for j in range(layer.nout):
            expected += [layer.weight.data[j, i] for i in range(layer.nin)] + [layer.bias.data[j]]
    np.testing.assert_array_equal([p.data for p in params], expected)
    assert [p.label for p in params[:3]] == ["w[0,0]", "w[0,1]", "b[0]"]
    neuron = model.layers[1].neurons[3]
    assert neuron.parameters() == neuron.w + [neuron.b] == params[48 + 3 * 17:48 + 4 * 17]
    # micrograd's neurons, layers and model hold lists of their parts
    assert len(model.layers[0].neurons) == 16 and len(neuron.w) == 16
    # state_dict still names the arrays, as a list of PyTorch Linear layers does
    assert list(model.state_dict()) == [f"layers.{i}.{n}" for i in range(3) for n in ("weight", "bias")]
    assert model.num_parameters() == 337


def test_scalar_updates_write_through_to_the_weight_arrays_and_back():
    layer = nn.Layer(3, 2, rng=0, dtype=np.float64)
    w01 = layer.neurons[0].w[1]
    w01.data -= 0.5
    assert layer.weight.data[0, 1] == w01.data
    layer.weight.data[1, 2] = 7.0
    assert layer.neurons[1].w[2].data == 7.0
    layer.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(2)})  # replaces the arrays
    assert w01.data == 1.0 and layer.neurons[1].b.data == 0.0
    with pytest.raises(ValueError, match="single number"):
        w01.data = np.ones(2)


def test_gradients_agree_between_the_scalar_graph_and_the_tensor_graph():
    model = nn.MLP(3, [4, 4, 1], rng=0, dtype=np.float64)
    x = [0.5, -1.0, 2.0]
    model.zero_grad()
    model(x).backward()  # micrograd's graph: gradients land in the scalar leaves ...
    scalar_grads = [p.grad for p in model.parameters()]
    array_grads = [p.grad.copy() for _, p in model.named_parameters()]  # ... which are elements of the arrays
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model(np.array([x])).sum().backward()  # the tensor graph: one node per layer
    for (_, p), g in zip(model.named_parameters(), array_grads):
        np.testing.assert_allclose(p.grad, g, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose([p.grad for p in model.parameters()], scalar_grads, rtol=1e-12, atol=1e-15)


def test_optimizers_given_micrograds_list_update_whole_arrays_in_both_modes():
    from autograd_core import optim

    a, b = nn.MLP(2, [3, 1], rng=1, dtype=np.float64), nn.MLP(2, [3, 1], rng=1, dtype=np.float64)
    opt = optim.SGD(a.parameters(), lr=0.1, momentum=0.9)
    assert [p.shape for p in opt.param_groups[0]["params"]] == [(3, 2), (3,), (1, 3), (1,)]
    assert [p.shape for p in optim.SGD(list(a.parameters()), lr=0.1).param_groups[0]["params"]] == \
        [(3, 2), (3,), (1, 3), (1,)]
    x = np.array([[0.3, -0.7], [1.0, 2.0]])
    for step in range(3):  # a: scalar graph + optimizer; b: tensor graph + micrograd's update by hand
        opt.zero_grad()
        sum(a(list(row)) for row in x).backward()
        opt.step()
        b.zero_grad()
        b(x).sum().backward()
        with_velocity = [p.grad for p in b.parameters()]
        if step == 0:
            velocity = with_velocity
        else:
            velocity = [0.9 * v + g for v, g in zip(velocity, with_velocity)]
        for p, v in zip(b.parameters(), velocity):
            p.data -= 0.1 * v
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=1e-12)


def test_the_picture_is_micrograds_graph_one_leaf_per_weight_neurons_in_order():
    from autograd_core.viz.graph import trace

    model = nn.MLP(2, [3, 3, 1], rng=0, dtype=np.float64)
    out = model([Value(0.5), Value(-1.5)])
    nodes = _walk(out)
    assert not [v for v in nodes if v.op == "getitem"]
    leaves = [v for v in nodes if v.is_leaf and v.is_parameter]
    assert {id(v) for v in leaves} == {id(p) for p in model.parameters()}  # every weight is its own leaf
    # neurons and layers in order: every node of neuron j of layer l is made before neuron j+1's
    order = [(_layer_of(v), int(v.scope.name.split(".")[1])) for v in sorted(nodes, key=lambda v: v.creation_index)
             if v.scope is not None and v.scope.kind == "Neuron"]
    assert order == sorted(order) and len(set(order)) == 3 + 3 + 1
    # a picture of it draws them too (micrograd's draw_dot: one box per leaf and per operation)
    graph = trace(out)
    assert len(graph.nodes) >= len(nodes) - 2  # inputs and weights, products, sums, ReLUs


def _layer_of(v):
    return next(s.name for s in v.scope.path() if s.kind == "Layer")


def _walk(root):
    seen, stack = {id(root): root}, [root]
    while stack:
        for p in stack.pop().parents:
            if id(p) not in seen:
                seen[id(p)] = p
                stack.append(p)
    return list(seen.values())


# ----------------------------------------------------------------------------------------------------
# docs/coming-from-micrograd.md: its examples run, in order, and print what their comments promise.

PAGE = Path(__file__).resolve().parents[1] / "docs" / "coming-from-micrograd.md"


def test_coming_from_micrograd_page_examples_run_and_print_what_they_say():
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 5
    namespace = {"__name__": "page"}
    for i, block in enumerate(blocks):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, f"{PAGE.name} block {i}", "exec"), namespace)
        printed = out.getvalue().splitlines()
        promises = re.findall(r"^print\(.*\)[ \t]+#[ \t]*(.+)$", block, flags=re.M)
        assert len(printed) == len(promises), f"block {i} printed {printed}"
        for line, promise in zip(printed, promises):
            assert line.strip() == promise.strip(), f"block {i}: promised {promise!r}, printed {line!r}"


def test_scalar_training_steps_are_freed_by_reference_counting():
    """Views, neurons and module scopes add no reference cycles: nothing is left for the cyclic collector."""
    import gc

    model = nn.MLP(2, [4, 1], rng=0)
    xs, ys = [[0.5, -1.0], [2.0, 1.0]], [1.0, -1.0]

    def step():
        loss = sum((1 + -y * model(list(map(Value, x)))).relu() for x, y in zip(xs, ys))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.01 * p.grad

    # With the collector off, what the steps make stays in its youngest generation: collecting only that one
    # finds any cycle they leave, without walking the heap of the whole collected suite (~1 s a collection in a
    # worker holding it)
    was_enabled = gc.isenabled()
    gc.collect(0)
    gc.disable()
    try:
        step()
        gc.collect(0)
        for _ in range(5):
            step()
        assert gc.collect(0) == 0
    finally:
        if was_enabled:
            gc.enable()


def test_second_pass_error_names_a_labelled_node_apart_from_its_op():
    # The lecture labels nodes with formulas (n = x1w1x2w2 + b, label 'x1*w1 + x2*w2') and builds a second graph
    # on them (the tanh rewritten with exp); its backward goes through the freed first graph. The message read
    # "(node 'x1*w1 + x2*w2' * of shape ())", the label and the op run together into one formula.
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1 + x2*w2"
    (x1w1 + 1.0).tanh().backward()
    with pytest.raises(RuntimeError) as info:
        (2 * x1w1).exp().backward()
    assert "(node 'x1*w1 + x2*w2', made by *, of shape ())" in str(info.value)
    assert "retain_graph=True" in str(info.value)
