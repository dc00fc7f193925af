# %% [markdown]
# # 7. Convolution, from a decaying signal to a CNN on handwritten digits
#
# The lecture introduces convolution (卷积) with a signal: a source emits $x_t$ at each time $t$, and a
# signal emitted $k - 1$ steps ago arrives attenuated by a factor $w_k$, with $w_1 = 1$, $w_2 = 1/2$,
# $w_3 = 1/4$. What arrives at time $t$ is the sum of the current signal and the delayed ones:
#
# $$y_t = w_1 x_t + w_2 x_{t-1} + w_3 x_{t-2} = \sum_{k=1}^{3} w_k\, x_{t-k+1}.$$
#
# The weights $w = (w_1, w_2, w_3)$ are the filter, or convolution kernel (滤波器, 卷积核), and $y$ is the
# filter's output. (The lecture note's sentence reads as if $y_t$ were called the filter; it is the
# weights $w_k$ that are, the same three numbers at every $t$, while $y_t$ changes with the signal.)
# This notebook computes that sum,
# then moves to two dimensions, to stride, padding and dilation (and the receptive field they give), to
# transposed convolution and pooling, and finally trains a convolutional network on real 8×8 handwritten
# digits and looks at what it learned. It ends with a residual block.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

plt.rcParams.update({"figure.dpi": 90})

from autograd_core import nn
import autograd_core.nn.functional as F
from autograd_core import optim
from autograd_core import Value, no_grad

# %% [markdown]
# ## 1-D: the delayed, decaying signal
#
# A signal of 16 time steps with a few pulses; before $t = 1$ nothing was emitted ($x_t = 0$). First the
# formula, literally:

# %%
x = np.zeros(16)
x[[1, 5, 6, 11]] = [1.0, 2.0, 1.0, 1.5]       # pulses (time steps counted from 0 in the code)
w = np.array([1.0, 1 / 2, 1 / 4])             # w_1, w_2, w_3

y_formula = np.zeros_like(x)
for t in range(len(x)):
    for k in range(1, len(w) + 1):            # y_t = Σ_k w_k · x_{t−k+1}
        if t - k + 1 >= 0:
            y_formula[t] += w[k - 1] * x[t - k + 1]
print("x =", x)
print("y =", y_formula)

# %% [markdown]
# `nn.functional.conv1d` computes, like PyTorch and every other deep-learning library, a
# *cross-correlation*: $o_t = \sum_j w'_j\, x_{t+j}$, the kernel sliding forward over the input, not
# flipped. To get the lecture's convolution we flip the kernel, $w' = (w_3, w_2, w_1)$, and put two zeros
# before the signal (the "nothing before t = 1"). Arrays are (batch, channels, length).

# %%
x_padded = np.concatenate([np.zeros(len(w) - 1), x])
y_conv1d = F.conv1d(x_padded.reshape(1, 1, -1), w[::-1].reshape(1, 1, -1)).reshape(-1)
y_unflipped = F.conv1d(x_padded.reshape(1, 1, -1), w.reshape(1, 1, -1)).reshape(-1)
y_numpy = np.convolve(x, w)[: len(x)]         # NumPy's convolve is the textbook (flipped) convolution

print("conv1d with the flipped kernel vs the formula: max |difference| =", np.abs(y_conv1d - y_formula).max())
print("np.convolve vs the formula:                    max |difference| =", np.abs(y_numpy - y_formula).max())
print("conv1d with the kernel as is vs the formula:   max |difference| =", np.abs(y_unflipped - y_formula).max())
assert np.allclose(y_conv1d, y_formula) and np.allclose(y_numpy, y_formula)
assert not np.allclose(y_unflipped, y_formula)

fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 4), sharex=True)
ax1.stem(range(len(x)), x, basefmt=" ")
ax1.set_ylabel("emitted $x_t$")
ax2.stem(range(len(x)), y_formula, basefmt=" ", linefmt="C1-", markerfmt="C1o", label="conv1d, flipped kernel")
ax2.plot(range(len(x)), y_unflipped, "k_", ms=12, mew=2, label="conv1d, kernel not flipped")
ax2.set_ylabel("received $y_t$")
ax2.set_xlabel("t")
ax2.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# Each pulse arrives with its two fading echoes (1, 1/2, 1/4) after it. Without the flip the pattern runs
# backwards, (1/4, 1/2, 1): the faint copies come first and the full-strength one two steps late (the black
# marks). A learned kernel does not care about the flip (the network learns the flipped
# weights instead), which is why libraries skip it.
#
# ## 2-D: a filter sliding over an image
#
# In two dimensions the kernel is a small matrix sliding over the image:
# $o_{ij} = \sum_{p,q} x_{i+p,\,j+q}\, W_{pq}$ (cross-correlation again). Two hand-made 3×3 kernels on a
# digit: one responds to vertical edges, the other to horizontal ones. In the pictures of the outputs, red is
# positive, blue negative and white 0 (a dark-to-bright edge gives one sign, a bright-to-dark edge the other).

# %%
X_train, X_test, y_train, y_test = nn.load_digits(images=True, dtype=np.float64)   # (n, 1, 8, 8)
image = X_train[:1]                                                                # one digit, (1, 1, 8, 8)

vertical = np.array([[1.0, 0.0, -1.0]] * 3)
horizontal = vertical.T
kernels = np.stack([vertical, horizontal])[:, None]     # (2 output channels, 1 input channel, 3, 3)
edges = F.conv2d(image, kernels, padding=1)             # (1, 2, 8, 8)

i, j = 3, 4                                             # one output pixel, by the formula
padded = np.pad(image[0, 0], 1)
by_hand = (padded[i:i + 3, j:j + 3] * vertical).sum()
print(f"output pixel ({i}, {j}): conv2d {edges[0, 0, i, j]:.6f}, by the formula {by_hand:.6f}")
assert np.isclose(edges[0, 0, i, j], by_hand)

fig, axes = plt.subplots(1, 3, figsize=(9, 3))
for ax, img, title in zip(axes, [image[0, 0], edges[0, 0], edges[0, 1]],
                          [f"digit {y_train[0]}", "vertical-edge kernel", "horizontal-edge kernel"]):
    if ax is axes[0]:
        ax.imshow(img, cmap="gray")
    else:
        limit = np.abs(img).max()
        ax.imshow(img, cmap="RdBu_r", vmin=-limit, vmax=limit)   # symmetric: white is 0
    ax.set_title(title)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Stride, padding, dilation, and the transposed convolution: output shapes
#
# * **stride** s: the kernel jumps s pixels at a time;
# * **padding** p: p rows and columns of zeros around the input;
# * **dilation** d: the kernel's taps are d pixels apart (空洞卷积, dilated or atrous convolution), so a
#   3×3 kernel covers a 5×5 patch at d = 2.
#
# For an input of size n and a kernel of size k the output has $\lfloor (n + 2p - d(k-1) - 1)/s \rfloor + 1$
# pixels per side. A transposed convolution (转置卷积, also fractionally strided, 微步卷积) goes the other
# way, from small to large: $(n-1)s - 2p + d(k-1) + \text{output\_padding} + 1$. The table runs each on a
# 1-channel input and compares the shape with the formula.

# %%
def conv_out(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def transposed_out(n, k, s, p, d, op):
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


rows = ["| operation | input | k | stride | padding | dilation | output (computed) | formula |",
        "|---|---|---|---|---|---|---|---|"]
for n, k, s, p, d in [(8, 3, 1, 0, 1), (8, 3, 1, 1, 1), (8, 3, 2, 1, 1), (8, 3, 1, 2, 2), (28, 5, 1, 0, 1),
                      (28, 5, 2, 2, 1), (28, 3, 1, 4, 4), (32, 4, 2, 1, 1)]:
    out = F.conv2d(np.zeros((1, 1, n, n)), np.zeros((1, 1, k, k)), stride=s, padding=p, dilation=d).shape[-1]
    assert out == conv_out(n, k, s, p, d)
    rows.append(f"| conv2d | {n}×{n} | {k} | {s} | {p} | {d} | {out}×{out} | {conv_out(n, k, s, p, d)} |")
for n, k, s, p, d, op in [(4, 3, 2, 1, 1, 1), (4, 4, 2, 1, 1, 0), (7, 3, 1, 0, 1, 0), (8, 3, 2, 1, 2, 1)]:
    out = F.conv_transpose2d(np.zeros((1, 1, n, n)), np.zeros((1, 1, k, k)), stride=s, padding=p, dilation=d,
                             output_padding=op).shape[-1]
    assert out == transposed_out(n, k, s, p, d, op)
    rows.append(f"| conv_transpose2d (output_padding {op}) | {n}×{n} | {k} | {s} | {p} | {d} | {out}×{out} | "
                f"{transposed_out(n, k, s, p, d, op)} |")
display(Markdown("\n".join(rows)))

# %% [markdown]
# The transposed convolution is not an inverse. It is the *adjoint* of the convolution, the map the
# backward pass uses to send gradients from a convolution's output to its input: for any x and y of
# matching shapes, $\langle \mathrm{conv}(x), y\rangle = \langle x, \mathrm{conv}^\top(y)\rangle$.

# %%
rng = np.random.default_rng(0)
K = rng.normal(size=(3, 2, 3, 3))                       # 2 → 3 channels
xa = rng.normal(size=(1, 2, 9, 9))
yb = rng.normal(size=(1, 3, 5, 5))                      # the shape of conv2d(xa, K, stride=2, padding=1)
lhs = (F.conv2d(xa, K, stride=2, padding=1) * yb).sum()
rhs = (xa * F.conv_transpose2d(yb, K, stride=2, padding=1)).sum()
print(f"<conv(x), y> = {lhs:.10f}   <x, convᵀ(y)> = {rhs:.10f}")
assert np.isclose(lhs, rhs)

# %% [markdown]
# ## The receptive field, read from gradients
#
# Which input pixels can one output pixel see? Exactly those with a non-zero gradient: backpropagate from
# one output pixel to the input and look where the gradient lands. With all-ones 3×3 kernels the gradient
# at an input pixel counts the paths from it to the output pixel. Stacks of one, two and three ordinary
# convolutions, one dilated convolution alone, and stacks whose dilations double (1, 2 and 1, 2, 4):

# %%
def input_gradient(dilations, n=21):
    """∂(centre output pixel)/∂(input) through 3×3 all-ones convolutions with these dilations."""
    x = Value(np.zeros((1, 1, n, n)))
    h = x
    for d in dilations:
        h = F.conv2d(h, np.ones((1, 1, 3, 3)), padding=d, dilation=d)
    centre = n // 2
    h[0, 0, centre, centre].backward()
    return x.grad[0, 0]


stacks = [(1,), (1, 1), (1, 1, 1), (2,), (1, 2), (1, 2, 4)]
fig, axes = plt.subplots(1, len(stacks), figsize=(15, 2.9))
for ax, dilations in zip(axes, stacks):
    g = input_gradient(dilations)
    seen = np.flatnonzero((g != 0).any(axis=1))
    size = seen.max() - seen.min() + 1
    assert size == 1 + sum(2 * d for d in dilations)        # each layer adds d·(k − 1) = 2d pixels
    ax.imshow(g, cmap="Greens")
    ax.set_title(f"dilations {dilations}\nfield {size}×{size}, {int((g != 0).sum())} pixels", fontsize=9)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# Each layer widens the field by d·(k − 1) = 2d pixels (the assertion checks it for every stack). A
# single dilated layer has holes (空洞): it sees 9 pixels spread over 5×5. Stacked on an ordinary layer the
# holes are filled, and with dilations 1, 2, 4 three layers see a 15×15 field, as far as seven ordinary
# layers would. This is how dilation increases the receptive field without more weights or pooling.
#
# ## Pooling
#
# Pooling (汇聚层) summarises each window by its maximum or its mean, which shrinks the feature maps (fewer
# neurons for the next layer). Its gradient shows how: a max pool sends each window's gradient to the one
# pixel that won (white: 1, black: 0; in a window of equal pixels, such as the blank background, the first
# one counts as the winner), an average pool spreads it evenly, 1/4 to each pixel of a 2×2 window (grey).

# %%
digit = Value(X_train[1:2])                                       # (1, 1, 8, 8)
pooled_max = F.max_pool2d(digit, 2)
pooled_avg = F.avg_pool2d(digit, 2)
pooled_max.sum().backward()
grad_max = digit.grad.copy()
digit.grad = None
pooled_avg.sum().backward()
print("shapes:", digit.shape, "→ max pool", pooled_max.shape, ", average pool", pooled_avg.shape)

fig, axes = plt.subplots(1, 5, figsize=(13, 2.8))
panels = [(digit.data, "digit"), (pooled_max.data, "max pool 2×2"), (pooled_avg.data, "average pool 2×2"),
          (grad_max, "gradient of Σ max pool"), (digit.grad, "gradient of Σ average pool")]
for k, (ax, (img, title)) in enumerate(zip(axes, panels)):
    gradient_panel = k >= 3                                  # both gradients on one scale, 0 (black) to 1 (white)
    ax.imshow(img[0, 0], cmap="gray", vmin=0 if gradient_panel else None, vmax=1 if gradient_panel else None)
    ax.set_title(title, fontsize=9)
    ax.axis("off")
plt.tight_layout()
plt.show()
assert (grad_max.reshape(4, 2, 4, 2).sum(axis=(1, 3)) == 1).all()   # one winner per 2×2 window
assert np.allclose(digit.grad, 0.25)

# %% [markdown]
# ## A convolutional network on handwritten digits
#
# The lecture's typical structure: N convolution blocks, each M convolutions followed by b pooling layers
# (M usually 2 to 5, b 0 or 1), then K fully connected layers (K usually 0 to 2). An 8×8 image is small, so
# here N = 2, M = 1, b = 1, K = 1: two blocks of one 3×3 convolution (8 then 16 filters, ReLU) and a 2×2 max
# pool turn an 8×8 digit into 16 maps of 2×2, which a linear layer maps to 10 class scores.

# %%
nn.manual_seed(0)
cnn = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1, dtype=np.float64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(8, 16, 3, padding=1, dtype=np.float64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(16 * 2 * 2, 10, dtype=np.float64),
)
print(cnn)

# %% [markdown]
# A convolution with $c_{in}$ input channels and $c_{out}$ filters of $k \times k$ has $c_{out}(c_{in} k^2 + 1)$
# parameters (one bias per filter), whatever the size of the image: the same filter is used at every
# position. That is the lecture's "convolution instead of full connection" (卷积代替全连接): a fully
# connected layer computing the same first-layer output, 8 maps of 8×8 from 64 pixels, would need a weight
# for every pair of input pixel and output value.

# %%
def conv_parameters(c_in, c_out, k):
    return c_out * (c_in * k * k + 1)


by_formula = conv_parameters(1, 8, 3) + conv_parameters(8, 16, 3) + (16 * 2 * 2 + 1) * 10
dense_first_layer = (64 + 1) * (8 * 8 * 8)
print(f"parameters: {cnn.num_parameters()} (counted by the module), {by_formula} (formula)")
print(f"first layer: {conv_parameters(1, 8, 3)} parameters as a convolution, "
      f"{dense_first_layer:,} as a fully connected layer")
assert cnn.num_parameters() == by_formula

# %% [markdown]
# Training: ten epochs of Adam on the training images; after each, the loss on the whole training set and
# the accuracy on the held-out images (how many of each is printed first).

# %%
print(f"{len(X_train)} training images, {len(X_test)} test images")
opt = optim.Adam(cnn.parameters(), lr=1e-2)
history = []
for epoch in range(10):
    for xb, yb in nn.DataLoader(X_train, y_train, batch_size=32, shuffle=True, rng=epoch):
        loss = F.cross_entropy(cnn(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with no_grad():
        train_loss = float(F.cross_entropy(cnn(X_train), y_train))
        test_accuracy = float((cnn(X_test).data.argmax(axis=1) == y_test).mean())
    history.append((train_loss, test_accuracy))
    print(f"epoch {epoch + 1:2d}: training loss {train_loss:.4f}, test accuracy {test_accuracy:.1%}")
assert history[-1][1] > 0.9

# %% [markdown]
# ## What the network learned
#
# The eight 3×3 filters of the first layer, and what they make of a test digit: the feature maps after the
# first convolution (and ReLU), then the sixteen 4×4 maps after the second. In the maps brighter means larger
# and the darkest colour is 0 (ReLU outputs nothing below it); each first-layer map has its own scale, the
# sixteen second-layer maps share one, so that their sizes can be compared.

# %%
filters = cnn[0].weight.data[:, 0]                          # (8, 3, 3)
fig, axes = plt.subplots(1, 8, figsize=(12, 1.8))
for k, ax in enumerate(axes):
    limit = np.abs(filters[k]).max()
    ax.imshow(filters[k], cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"filter {k}", fontsize=9)
    ax.axis("off")
plt.suptitle("first-layer filters (red positive, blue negative)", y=1.05)
plt.show()

sample = X_test[:1]
with no_grad():
    maps1 = cnn[:2](sample).data[0]                         # conv + ReLU: (8, 8, 8)
    maps2 = cnn[:5](sample).data[0]                         # second conv + ReLU: (16, 4, 4)
    predicted = int(cnn(sample).data.argmax())
fig, axes = plt.subplots(3, 9, figsize=(13, 4.6))
axes[0, 0].imshow(sample[0, 0], cmap="gray")
axes[0, 0].set_title(f"digit {y_test[0]}\npredicted {predicted}", fontsize=9)
for k in range(8):
    axes[0, k + 1].imshow(maps1[k], cmap="viridis", vmin=0)
    axes[0, k + 1].set_title(f"layer 1, map {k}", fontsize=8)
for k in range(16):
    ax = axes[1 + k // 8, 1 + k % 8]
    ax.imshow(maps2[k], cmap="viridis", vmin=0, vmax=max(maps2.max(), 1e-12))
    blank = " (all 0)" if not maps2[k].any() else ""
    ax.set_title(f"layer 2, map {k}{blank}", fontsize=8)
for ax in axes.flat:
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# Some of the second layer's maps are blank: every one of their 16 values is exactly 0. A map is the ReLU
# of a convolution plus a bias, so it is blank wherever that sum is negative everywhere. Is it this digit, or
# is the unit "dead", negative for every input, so that ReLU passes no gradient back to its filter and it
# never learns again? Count it over the whole test set:

# %%
with no_grad():
    all_maps2 = cnn[:5](X_test).data                       # (n_test, 16, 4, 4)
blank_here = [k for k in range(16) if not maps2[k].any()]
active_on = (all_maps2 > 0).any(axis=(2, 3)).mean(axis=0)  # fraction of test digits where map k is not blank
dead = [k for k in range(16) if active_on[k] == 0]
print(f"blank on this digit: {len(blank_here)} of 16 maps {blank_here}")
print(f"dead (blank on all {len(X_test)} test digits): {len(dead)} {dead}")
print(f"maps blank on this digit but active on some other test digit: {[k for k in blank_here if k not in dead]}")
with no_grad():
    before_relu = cnn[:4](X_train).data                    # the second convolution, before its ReLU
peak = before_relu.max(axis=(0, 2, 3))
for k in dead:
    print(f"  map {k:2d}: largest value before ReLU over all {len(X_train)} training digits: {peak[k]:.3f}")
assert set(blank_here) <= set(dead) and all(peak[k] <= 0 for k in dead)

# %% [markdown]
# So the blank maps are not a drawing error and not about this digit: each is a **dead ReLU unit**. Its
# convolution plus bias is negative at every position of every training digit (the largest value above is
# at most 0), so the ReLU outputs 0 everywhere, and since ReLU's derivative is 0 for a negative input, the
# filter and bias of that map receive a zero gradient from every example: once training pushed them there,
# they stopped learning. (Only a change in the layer below, which still learns, could make the sum positive
# somewhere again; by the end of training none did.) So the number of dead maps printed above, out of 16, is
# the part of this small network's second layer that does nothing. The usual remedies
# are a leaky ReLU (a small slope below 0 keeps a gradient), a smaller learning rate, or a different
# initialisation; notebook 04 shows how the choice of activation shapes the gradients.

# %% [markdown]
# ## A residual block
#
# The lecture's residual unit writes the function a block should learn as the identity plus a residual:
# $h(x) = x + (h(x) - x)$, where the block learns only $f(x, \theta) = h(x) - x$. `nn.Residual(block)`
# computes $x + f(x)$:

# %%
block = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, dtype=np.float64), nn.ReLU())
residual = nn.Residual(block)
features = np.random.default_rng(0).normal(size=(2, 8, 8, 8))
with no_grad():
    difference = np.abs(residual(features).data - (features + block(features).data)).max()
print("max |Residual(block)(x) − (x + block(x))| =", difference)
assert difference == 0

# %% [markdown]
# Why it helps: the backward pass through $x + f(x)$ gets a term 1 from the identity, whatever $f$'s
# derivative is, so the gradient cannot vanish along the skip connections. We measure it as in notebook 4: a
# stack of twelve conv-ReLU blocks (8 channels, default initialisation), plain or each wrapped in
# `nn.Residual`, and the norm of each convolution's weight gradient after one backward pass on 256 digits.
#
# These are ReLU blocks, yet the plain stack will lose its gradient: ReLU's derivative is 1 only where the
# unit is active, and the scale of the weights matters as much. PyTorch's default initialisation draws the
# weights uniformly from ±1/√fan_in, a variance of 1/(3·fan_in), where He's initialisation (notebook 4)
# uses 2/fan_in. Going back through one block multiplies the gradient's variance by about
# fan_out · Var(W) · ½ (the ½: ReLU passes half of the units), which is 1 with He's weights and 1/6 with the
# default ones, so its norm shrinks by about √(1/6) per block.

# %%
def conv_stack(residual, depth=12, seed=0):
    rng = np.random.default_rng(seed)
    blocks = []
    for _ in range(depth):
        b = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, rng=rng, dtype=np.float64), nn.ReLU())
        blocks.append(nn.Residual(b) if residual else b)
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, rng=rng, dtype=np.float64), *blocks,
                         nn.GlobalAvgPool2d(), nn.Linear(8, 10, rng=rng, dtype=np.float64))


fig, ax = plt.subplots(figsize=(7, 4))
for residual_blocks, label in [(False, "plain blocks"), (True, "residual blocks")]:
    model = conv_stack(residual_blocks)
    F.cross_entropy(model(X_train[:256]), y_train[:256]).backward()
    norms = [np.linalg.norm(m.weight.grad) for m in model.modules() if isinstance(m, nn.Conv2d)]
    ax.semilogy(range(len(norms)), norms, "o-", label=label)
    per_block = (norms[1] / norms[-1]) ** (1 / (len(norms) - 2))   # geometric mean over the 11 block-to-block steps
    print(f"{label:<16} ‖∂L/∂W‖ of the first convolution {norms[0]:.1e}, of the last {norms[-1]:.1e}; "
          f"factor per block towards the input {per_block:.2f}")
    if residual_blocks:
        assert max(norms) / min(norms) < 10        # the same order of magnitude all the way down
    else:
        assert norms[-1] / norms[0] > 1000          # vanishing towards the input
ax.set_xlabel("convolution (0 = first, next to the input)")
ax.set_ylabel("‖∂L/∂W‖")
ax.set_title(f"Gradient per convolution, {len(norms)} convolutions deep")
ax.legend()
plt.show()
print(f"√(1/6) = {np.sqrt(1 / 6):.2f}")

# %% [markdown]
# Without skip connections the gradient fades by orders of magnitude on its way to the first layers (the
# printed norms); with them every convolution receives a gradient of the same order. This is what lets
# residual networks (the Residual Net in the lecture's comparison of depths) be very deep.
