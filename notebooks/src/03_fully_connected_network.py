# %% [markdown]
# # 3. A fully connected feed-forward network is a nested function
#
# In the lecture (全连接前馈网络, fully connected feedforward network) a neuron is a logistic regression,
# $\sigma(\sum_i w_i a_i + b)$; a layer is a set of neurons reading the same inputs; and a network feeds each
# layer's outputs to every neuron of the next. Written with one weight matrix $W^l$ and bias vector $b^l$ per
# layer (矩阵运算, matrix operations), the whole network is one nested function:
#
# $$f(x) = \sigma\big(W^L \cdots \sigma(W^2\, \sigma(W^1 x + b^1) + b^2) \cdots + b^L\big).$$
#
# This notebook builds the lecture's example network from `nn.Layer`, checks the outputs the lecture
# states, draws it neuron by neuron, shows that the matrix form computes the same numbers and gradients as
# the neuron form, then draws a bigger network layer by layer.

# %%
import numpy as np
from IPython.display import display

import autograd_core as ag
from autograd_core import nn
import autograd_core.nn.functional as F
from autograd_core import viz
from autograd_core import Value

# %% [markdown]
# ## One neuron
#
# `nn.Neuron(nin, activation)` holds a weight vector and a bias. Called on a list of scalars it records one
# node per product, like the lecture's picture of a neuron; we check it against the formula.

# %%
neuron = nn.Neuron(2, activation="sigmoid", dtype=np.float64)
neuron.weight.data[...] = [1.0, -2.0]
nn.init.constant_(neuron.bias, 1.0)
a = neuron([1.0, -1.0])
z = 1.0 * 1.0 + (-1.0) * (-2.0) + 1.0          # Σ wᵢ aᵢ + b
print(f"neuron output {float(a):.4f}   σ(z) with z = {z:g}: {1 / (1 + np.exp(-z)):.4f}")
assert np.isclose(float(a), 1 / (1 + np.exp(-z)))

# %% [markdown]
# ## The lecture's network
#
# The example in the lecture has two inputs and three layers of two sigmoid neurons. Its weights (from the
# lecture's figure) are set below; the lecture states that $f([1, -1]) = [0.62, 0.83]$ and
# $f([0, 0]) = [0.51, 0.85]$.

# %%
net = nn.Sequential(*[nn.Layer(2, 2, activation="sigmoid", dtype=np.float64) for _ in range(3)])
weights = [np.array([[1.0, -2.0], [-1.0, 1.0]]), np.array([[2.0, -1.0], [-2.0, -1.0]]),
           np.array([[3.0, -1.0], [-1.0, 4.0]])]
biases = [np.array([1.0, 0.0]), np.array([0.0, 0.0]), np.array([-2.0, 2.0])]
for layer, W, b in zip(net, weights, biases):
    layer.weight.data[...] = W    # row j holds the weights of neuron j
    layer.bias.data[...] = b

stated_by_the_lecture = {(1.0, -1.0): [0.62, 0.83], (0.0, 0.0): [0.51, 0.85]}
for x, stated in stated_by_the_lecture.items():
    y = [float(v) for v in net(list(x))]
    print(f"f({list(x)}) = [{y[0]:.4f}, {y[1]:.4f}]   lecture: {stated}")
    assert np.allclose(np.round(y, 2), stated)

# %% [markdown]
# ## Neuron by neuron
#
# Called on a list of scalar Values, each `nn.Layer` records micrograd's graph: for each neuron, one node per
# product $w_{ji} a_i$, one per addition, one for the bias and one for σ. Here is the graph of the first
# output $y_1$ for $x = [1, -1]$ (it does not need the last layer's second neuron), drawn layer by layer from
# top to bottom, the neurons of each layer left to right in order: neuron 0, then neuron 1. Each module is
# named at the start of its block ("Sequential › Layer 0 › Neuron neurons.0", then "Neuron neurons.1"); the
# picture draws these headings rather than boxes around the modules, because Graphviz reorders the nodes
# inside boxes. The explorer below draws the boxes.

# %%
x1 = Value(1.0, label="x1", requires_grad=False)
x2 = Value(-1.0, label="x2", requires_grad=False)
y1, y2 = net([x1, x2])
y1.label = "y1"
display(viz.draw(y1, show=("data",), rankdir="TB"))

# %% [markdown]
# The same graph in the explorer: the modules nest as boxes (the network, its layers, their neurons, in
# order); click a node to see its value and gradient, click a weight to see its paths to $y_1$ with the
# products of the local derivatives, hover an edge for its local derivative, fold a layer from the list on
# the right. `y1.backward()` runs first (keeping the graph, `retain_graph=True`), so that every node has its
# gradient and the backward-pass controls can replay it step by step. (It runs in Jupyter; a static viewer
# of the notebook shows an empty frame.)

# %%
y1.backward(retain_graph=True)
viz.explore(y1, height=600)

# %% [markdown]
# ## Matrix form equals neuron form
#
# The same Parameters also run as matrices: called on an array of shape (batch, nin), a layer computes
# $\sigma(x W^\top + b)$ for all examples at once, one `linear` node and one `sigmoid` node. We compute the
# network three ways on a batch of inputs: the nested formula in NumPy, the layers in matrix (tensor) mode,
# and the layers neuron by neuron.

# %%
def sigma(z):
    return 1 / (1 + np.exp(-z))


W1, W2, W3 = (layer.weight.data for layer in net)
b1, b2, b3 = (layer.bias.data for layer in net)
X = np.random.default_rng(0).normal(size=(6, 2))

nested = np.array([sigma(W3 @ sigma(W2 @ sigma(W1 @ x + b1) + b2) + b3) for x in X])  # f(x) as in the lecture
matrix = net(X).data                                                                   # (6, 2) in 2 nodes per layer
neurons = np.array([[float(v) for v in net(list(x))] for x in X])                      # scalar graphs
print(f"nested formula vs matrix mode: max |difference| = {np.abs(nested - matrix).max():.1e}")
print(f"nested formula vs neuron mode: max |difference| = {np.abs(nested - neurons).max():.1e}")
assert np.allclose(nested, matrix, rtol=0, atol=1e-15) and np.allclose(nested, neurons, rtol=0, atol=1e-15)

# %% [markdown]
# Both modes read and write the same Parameters, so gradients agree as well. The cost here is
# $L = \sum_n \lVert f(x^n)\rVert^2$; first backward through the scalar graphs, then through the matrix graph.

# %%
net.zero_grad()
loss_neurons = None
for x in X:
    for out in net(list(x)):
        loss_neurons = out * out if loss_neurons is None else loss_neurons + out * out
loss_neurons.backward()
grads_neurons = [p.grad.copy() for p in net.parameters()]

net.zero_grad()
loss_matrix = (net(X) ** 2).sum()
loss_matrix.backward()
grads_matrix = [p.grad for p in net.parameters()]

nodes_neurons, nodes_matrix = len(viz.trace(loss_neurons).nodes), len(viz.trace(loss_matrix).nodes)
worst = max(np.abs(a - b).max() for a, b in zip(grads_neurons, grads_matrix))
print(f"loss: {float(loss_neurons):.12f} (neurons, {nodes_neurons} nodes) "
      f"{float(loss_matrix):.12f} (matrices, {nodes_matrix} nodes)")
print(f"largest gradient difference over {len(grads_matrix)} parameter arrays: {worst:.1e}")
assert np.isclose(float(loss_neurons), float(loss_matrix)) and worst < 1e-12

# %% [markdown]
# Same function, same derivatives. The matrix form just has far fewer nodes (counted above), each one a
# whole array operation: the engine pays its Python bookkeeping once per node, which is why it stays fast on
# real networks. The lecture's point about matrix operations is a different one: a matrix product is many
# independent multiply-adds, which a GPU (or NumPy's compiled code) carries out in parallel, so writing the
# network as matrices is what lets such hardware speed it up.
#
# ## A bigger network, layer by layer
#
# A network for 8×8 digit images: 64 inputs, hidden layers of 32 and 16 ReLU neurons, 10 outputs.
# `nn.MLP` makes the last layer linear (its outputs are the logits that `cross_entropy` turns into class
# probabilities with a softmax). It has $\sum_l (n_{l-1} + 1)\, n_l$ parameters:

# %%
nn.manual_seed(0)
mlp = nn.MLP(64, [32, 16, 10], activation="relu", dtype=np.float64)
sizes = [64, 32, 16, 10]
by_formula = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
print(f"parameters: {mlp.num_parameters()} (counted by the module), {by_formula} (formula)")
assert mlp.num_parameters() == by_formula
print(mlp)

# %% [markdown]
# In matrix mode on a batch of 8 images, each layer is a box with its weight, bias, `linear` node and
# activation; the loss sits outside the network. The loss is the lecture's cross-entropy
# $C^n = -\sum_i \hat y_i \ln y_i$ with $y$ the softmax of the scores, but `cross_entropy` averages it over the
# batch, as PyTorch's does, where the lecture sums, $L = \sum_n C^n$: `reduction="sum"` gives the lecture's L,
# N times larger, and so are its gradients (the edge into the loss below says ÷N for the mean); the mean just
# rescales the learning rate. The node tables give shapes instead of numbers, and each
# edge carries the rule of its local derivative (g is the gradient arriving from below; in the rule of a
# one-input operation such as relu's g⊙[x>0], x is that operation's own input, here the layer's
# `linear` output).

# %%
X_train, _, y_train, _ = nn.load_digits(dtype=np.float64)
loss = F.cross_entropy(mlp(X_train[:8]), y_train[:8])
lecture_L = F.cross_entropy(mlp(X_train[:8]), y_train[:8], reduction="sum")
print(f"mean over the batch {float(loss):.6f}; the lecture's sum L {float(lecture_L):.6f} = 8 × the mean")
assert np.isclose(float(lecture_L), 8 * float(loss))
loss.backward()
display(viz.draw(loss, show=("shape", "derivs")))

# %% [markdown]
# The same kind of network neuron by neuron has hundreds of nodes even when small. `max_nodes` folds modules
# into grey boxes: it starts with every module folded and opens them, outer ones first, while the picture
# stays within the budget. Here a 4 → 8 → 8 → 3 network on one input, with the cost $\sum_k y_k^2$: the
# network is opened, its three layers stay folded, each box saying how many nodes it hides.

# %%
small = nn.MLP(4, [8, 8, 3], activation="tanh", rng=0, dtype=np.float64)
outs = small([0.1, -0.2, 0.3, 0.4])
cost = (ag.stack(outs) ** 2).sum()
print(f"{len(viz.trace(cost).nodes)} nodes in the scalar graph")
display(viz.draw(cost, max_nodes=14, show=("data", "shape"), rankdir="TB"))   # top to bottom: fits the page
