# %% [markdown]
# # 4. Activation functions and the vanishing gradient
#
# An activation function (激活函数) gives a neuron its non-linearity. The lecture lists five:
#
# | name | formula | derivative |
# |---|---|---|
# | sigmoid | $\sigma(x) = 1/(1 + e^{-x})$ | $\sigma(x)(1 - \sigma(x))$ |
# | tanh | $(e^x - e^{-x})/(e^x + e^{-x})$ | $1 - \tanh^2 x$ |
# | ReLU | $\max(0, x)$ | $1$ for $x > 0$, $0$ for $x < 0$ |
# | leaky ReLU | $x$ for $x \ge 0$, $\alpha x$ for $x < 0$ | $1$ for $x > 0$, $\alpha$ for $x < 0$ |
# | softmax | $\mathrm{softmax}(z)_j = e^{z_j}/\sum_k e^{z_k}$ | $\partial p_i/\partial z_j = p_i(\delta_{ij} - p_j)$ |
#
# Here the engine computes every curve and every derivative, and we check them against the table. Then we
# measure what the lecture warns about (梯度消失问题, the vanishing gradient problem): backpropagation
# multiplies by the activation's derivative once per layer, and σ′ is never more than 1/4.

# %%
import matplotlib.pyplot as plt
import numpy as np

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})

import autograd_core as ag
from autograd_core import nn
import autograd_core.nn.functional as F
from autograd_core import optim
from autograd_core import no_grad

# %% [markdown]
# ## Curves and derivatives, computed by the engine
#
# For an elementwise function $a$, the gradient of $\sum_i a(x_i)$ with respect to the vector $x$ is the
# vector of derivatives $a'(x_i)$: one backward pass gives the whole derivative curve. `ag.grad` does that.

# %%
alpha = 0.1  # leaky ReLU slope, larger than the usual 0.01 so that it shows in the plot
activations = {
    "sigmoid": (ag.sigmoid, lambda x: 1 / (1 + np.exp(-x)), lambda a, x: a * (1 - a)),
    "tanh": (ag.tanh, np.tanh, lambda a, x: 1 - a**2),
    "ReLU": (ag.relu, lambda x: np.maximum(x, 0), lambda a, x: (x > 0).astype(float)),
    "leaky ReLU": (lambda v: ag.leaky_relu(v, negative_slope=alpha), lambda x: np.where(x >= 0, x, alpha * x),
                   lambda a, x: np.where(x > 0, 1.0, alpha)),
}
xs = np.linspace(-5, 5, 400)  # an even number of points: x = 0, where ReLU has no derivative, is not among them

fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
for ax, (name, (fn, formula, derivative)) in zip(axes, activations.items()):
    values = fn(ag.from_numpy(xs)).numpy()                 # on a tensor without gradient: just the forward pass
    slopes = ag.grad(lambda x, fn=fn: fn(x).sum())(xs)     # one backward pass: every a'(xᵢ)
    assert np.allclose(values, formula(xs)) and np.allclose(slopes, derivative(values, xs))
    ax.plot(xs, values, label=name)
    # The derivative is drawn in two pieces, x < 0 and x > 0: a line joining them at x = 0 would draw values
    # that ReLU's derivative never takes.
    gap = np.searchsorted(xs, 0.0)
    ax.plot(np.insert(xs, gap, np.nan), np.insert(slopes, gap, np.nan), "--", color="C1", label="derivative")
    ax.set_title(name)
    ax.set_xlabel("x")
    ax.legend(loc="upper left", fontsize=8)
    print(f"{name:<11} largest derivative on [-5, 5]: {slopes.max():.4f}")
plt.tight_layout()
plt.show()

# %% [markdown]
# The numbers printed above are the point of the second half: the sigmoid's slope never exceeds 1/4 (at
# x = 0), tanh's reaches 1 at x = 0 (the grid does not contain 0 itself, so the printed maximum is just below 1), and
# ReLU's is exactly 1 wherever the neuron is active. Both sigmoid and tanh
# flatten out for large |x| (saturation): there, the derivative is nearly 0 whatever comes after.
#
# ## ReLU's flat side: dead units, and why leaky ReLU exists
#
# The lecture says that ReLU solves the vanishing gradient problem (解决了梯度消失问题) but may leave neurons
# "dead" (神经元坏死). "Eases" is the more accurate word: where a unit is active its derivative is exactly 1,
# so the activation no longer shrinks the gradient there, but the weights still scale it at every layer
# (notebook 7 shows a stack of ReLU layers whose gradient vanishes for that reason), and where the unit is
# inactive its derivative is 0. A unit whose weighted input is negative for *every* example gets no gradient
# at all, so gradient descent can never bring it back: that is a dead unit. Here is one ReLU unit
# $\max(0, w \cdot x + b)$ with a bias so negative that $w \cdot x + b < 0$ on all 100 inputs, and the same
# unit with leaky ReLU, whose slope α below 0 keeps a gradient:

# %%
inputs = ag.Value(np.random.default_rng(0).normal(size=(100, 3)), requires_grad=False)
for name, fn in [("ReLU", ag.relu), ("leaky ReLU", lambda v: ag.leaky_relu(v, negative_slope=alpha))]:
    w, b = ag.Value(np.array([0.5, -0.3, 0.2])), ag.Value(-5.0)
    z = inputs @ w + b
    assert (z.data < 0).all()                          # off on every input
    fn(z).sum().backward()
    print(f"{name:<11} ∂/∂w = {np.array2string(w.grad, precision=4)}   ∂/∂b = {float(b.grad):.4f}")
    slope = 0.0 if name == "ReLU" else alpha            # the derivative below 0
    assert np.allclose(w.grad, slope * inputs.data.sum(axis=0)) and np.isclose(b.grad, slope * len(inputs))

# %% [markdown]
# With ReLU both gradients are exactly 0: no update will ever change this unit. With leaky ReLU the
# gradient is α times what an active unit would get (here ∂/∂b = α · 100), small but enough to move the unit
# back. Notebook 7 finds dead units in a trained convolutional network.
#
# ## Softmax: a function of a whole vector
#
# Softmax turns scores into probabilities; each output depends on every input, so its derivative is a
# matrix, the Jacobian $J_{ij} = \partial p_i / \partial z_j$. We move the first score $t$ of
# $z = (t, 1, -1)$ and follow the three probabilities and the first column of $J$ (computed by
# `ag.jacobian`, one reverse pass per output).

# %%
ts = np.linspace(-4, 5, 181)
probs, column = [], []
for t in ts:
    z = np.array([t, 1.0, -1.0])
    p = ag.softmax(ag.from_numpy(z), dim=0).numpy()
    J = ag.jacobian(lambda v: ag.softmax(v, dim=0))(z)      # (3, 3): J[i, j] = ∂pᵢ/∂zⱼ
    assert np.allclose(J, np.diag(p) - np.outer(p, p))      # pᵢ(δᵢⱼ − pⱼ)
    assert np.allclose(J.sum(axis=0), 0)                    # the probabilities always sum to 1
    probs.append(p)
    column.append(J[:, 0])
probs, column = np.array(probs), np.array(column)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4))
for i in range(3):
    ax1.plot(ts, probs[:, i], label=f"p{i + 1}")
    ax2.plot(ts, column[:, i], label=f"∂p{i + 1}/∂t")
ax1.set_title("softmax(t, 1, −1)")
ax1.set_ylabel("probability")
ax2.set_title("first column of the Jacobian")
ax2.set_ylabel("∂pᵢ/∂t")
for ax in (ax1, ax2):
    ax.set_xlabel("t")
    ax.legend(fontsize=8)
plt.tight_layout()
plt.show()
print(f"largest ∂p1/∂t: {column[:, 0].max():.4f} (at most 1/4, as for the sigmoid: p1(1 − p1))")

# %% [markdown]
# With two classes softmax *is* the sigmoid of the score difference, which the engine confirms:

# %%
d = ag.from_numpy(np.linspace(-3, 3, 7))  # torch's functions take tensors: a NumPy array is a TypeError
two_class = ag.softmax(ag.stack([d, ag.zeros_like(d)], dim=1), dim=1)[:, 0]
print(f"max |softmax(d, 0)₁ − σ(d)| = {float(np.abs(two_class - ag.sigmoid(d)).max()):.1e}")
assert np.allclose(two_class, ag.sigmoid(d))

# %% [markdown]
# ## The vanishing gradient, measured
#
# Backpropagation computes ∂C/∂z of a layer from the next one as σ′(z)·Σ w·∂C/∂z′ (notebook 2): one factor
# of the activation's derivative per layer. Take ten hidden layers of 32 neurons on the 8×8 digits and
# measure, after one backward pass on a batch of 256 images, the norm of the gradient of each layer's weight
# matrix, ‖∂L/∂W_l‖. Four networks: ReLU with He (Kaiming) initialisation, sigmoid with the very same
# weights, and sigmoid and tanh with Xavier (Glorot) initialisation, the usual one for them; biases start
# at 0.

# %%
X_train, X_test, y_train, y_test = nn.load_digits(dtype=np.float64)
mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-8
X_train, X_test = (X_train - mean) / std, (X_test - mean) / std   # standardised pixels

ACTIVATION_MODULES = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


def deep_network(activation, init, depth, width=32, seed=0):
    """depth hidden layers (Linear + activation) then a linear output layer of 10 scores."""
    rng = np.random.default_rng(seed)
    layers, n_in = [], 64
    for _ in range(depth):
        linear = nn.Linear(n_in, width, dtype=np.float64)
        if init == "he":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", rng=rng)
        else:
            nn.init.xavier_normal_(linear.weight, rng=rng)
        nn.init.zeros_(linear.bias)
        layers += [linear, ACTIVATION_MODULES[activation]()]
        n_in = width
    layers.append(nn.Linear(n_in, 10, rng=rng, dtype=np.float64))
    return nn.Sequential(*layers)


def weight_gradient_norms(model, X, y):
    model.zero_grad()
    F.cross_entropy(model(X), y).backward()
    return np.array([np.linalg.norm(m.weight.grad) for m in model if isinstance(m, nn.Linear)])


setups = [("sigmoid", "he"), ("sigmoid", "xavier"), ("tanh", "xavier"), ("relu", "he")]
norms = {}
for activation, init in setups:
    norms[activation, init] = weight_gradient_norms(deep_network(activation, init, depth=10),
                                                    X_train[:256], y_train[:256])

fig, ax = plt.subplots(figsize=(7, 4))
for (activation, init), g in norms.items():
    ax.semilogy(range(1, len(g) + 1), g, "o-", label=f"{activation}, {init} init")
ax.set_xlabel("layer (1 = next to the input, 11 = output layer)")
ax.set_ylabel("‖∂L/∂W‖")
ax.set_title("Gradient norm per layer, 10 hidden layers")
ax.legend(fontsize=8)
plt.show()

print(f"{'network':<20}{'layer 1':>10}{'layer 10':>10}{'factor per layer towards the input':>36}")
for (activation, init), g in norms.items():
    per_layer = (g[0] / g[9]) ** (1 / 9)   # geometric mean over the 9 steps from hidden layer 10 to 1
    print(f"{activation + ', ' + init:<20}{g[0]:10.1e}{g[9]:10.1e}{per_layer:36.2f}")
    hidden = g[:10]
    if activation == "sigmoid":
        assert hidden[9] / hidden[0] > 100          # several orders of magnitude from last to first
    else:
        assert hidden.max() / hidden.min() < 10     # within one order of magnitude

# %% [markdown]
# In the sigmoid networks the gradient is multiplied at every layer by about the factor in the last column
# (its geometric mean over the layers), so the first layers receive a gradient several orders of magnitude
# smaller than the last ones: they hardly learn. In the tanh and ReLU networks it stays within the same
# order of magnitude from layer to layer. The cause is the factor σ′(z) ≤ 1/4: here is its average over the
# batch in each hidden layer of the sigmoid network with Xavier weights, read from the activations
# a = σ(z) as a(1 − a).

# %%
def mean_slope_per_layer(model, X):
    """The mean over the batch of each hidden layer's activation derivative, read from its output a."""
    slopes = []
    with no_grad():
        a = X
        for module in model:
            a = module(a)
            if isinstance(module, nn.Sigmoid):
                slopes.append(float((a * (1 - a)).data.mean()))    # σ′(z) = σ(z)(1 − σ(z))
            elif isinstance(module, nn.Tanh):
                slopes.append(float((1 - a * a).data.mean()))      # tanh′(z) = 1 − tanh²(z)
    return slopes


sigmoid_slopes = mean_slope_per_layer(deep_network("sigmoid", "xavier", depth=10), X_train[:256])
print("mean σ′(z) per hidden layer:   ", " ".join(f"{s:.3f}" for s in sigmoid_slopes))
assert max(sigmoid_slopes) <= 0.25

# %% [markdown]
# The lecture adds that tanh has the vanishing gradient problem too (同样存在梯度消失问题): its derivative
# also tends to 0 when |z| grows, and a saturated tanh unit passes almost no gradient. It fared better above
# for two reasons: its derivative reaches 1 rather than 1/4, and its output is centred on 0, so with Xavier
# weights the units of this network stay mostly in the middle of the curve. The same measurement on the tanh
# network:

# %%
tanh_slopes = mean_slope_per_layer(deep_network("tanh", "xavier", depth=10), X_train[:256])
print("mean tanh′(z) per hidden layer:", " ".join(f"{s:.3f}" for s in tanh_slopes))
assert min(tanh_slopes) > 2 * max(sigmoid_slopes)

# %% [markdown]
# ## What it does to training
#
# Same experiment, six hidden layers, trained for six epochs with the same optimizer (SGD with momentum,
# learning rate 0.01, mini-batches of 32). SGD on purpose: adaptive optimizers such as Adam divide each
# parameter's step by the size of its recent gradients, which can partly make up for tiny gradients
# (notebook 6).

# %%
def train(model, epochs=6, lr=0.01):
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history = []
    for epoch in range(epochs):
        for xb, yb in nn.DataLoader(X_train, y_train, batch_size=32, shuffle=True, rng=epoch):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with no_grad():
            history.append(float(F.cross_entropy(model(X_train), y_train)))
    with no_grad():
        accuracy = float((model(X_test).data.argmax(axis=1) == y_test).mean())
    return history, accuracy


fig, ax = plt.subplots(figsize=(7, 4))
results = {}
for activation, init in [("sigmoid", "xavier"), ("tanh", "xavier"), ("relu", "he")]:
    history, accuracy = train(deep_network(activation, init, depth=6))
    results[activation] = (history, accuracy)
    ax.plot(range(1, len(history) + 1), history, "o-", label=f"{activation} (test accuracy {accuracy:.1%})")
ax.axhline(np.log(10), color="grey", ls=":", label="ln 10: a uniform guess over 10 classes")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.set_title("Six hidden layers of 32, SGD with momentum")
ax.legend(fontsize=8)
plt.show()
for activation, (history, accuracy) in results.items():
    print(f"{activation:<8} loss after each epoch: {' '.join(f'{h:.2f}' for h in history)};  "
          f"test accuracy {accuracy:.1%}")
print(f"ln 10 = {np.log(10):.2f}")
assert results["sigmoid"][0][-1] > 2.0 and max(results["tanh"][0][-1], results["relu"][0][-1]) < 1.0

# %% [markdown]
# The curves and numbers above are the lecture's story (激活函数可以有效减轻梯度消失问题, a better activation
# function eases the vanishing gradient): the sigmoid network's first layers receive almost no gradient, so
# for these six epochs it stays near the loss of a uniform guess, while tanh and ReLU, whose derivatives
# reach 1, train.
