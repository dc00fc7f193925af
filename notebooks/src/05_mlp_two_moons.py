# %% [markdown]
# # 5. Training an MLP on two moons
#
# The lecture's three steps of deep learning (深度学习三步骤): define a set of functions (a network), define
# how good a function is (a loss), pick the best function (gradient descent, with the gradient from
# backpropagation). Here they are on a problem no linear model can solve: two interleaving half circles.

# %%
import matplotlib.pyplot as plt
import numpy as np

plt.rcParams.update({"figure.dpi": 90})

from autograd_core import nn
import autograd_core.nn.functional as F
from autograd_core import optim
from autograd_core import no_grad

# %% [markdown]
# ## The data
#
# 300 points for training and 300 more, drawn independently, for testing; Gaussian noise of standard
# deviation 0.15 on each coordinate.

# %%
X_train, y_train = nn.make_moons(300, noise=0.15, rng=0)
X_test, y_test = nn.make_moons(300, noise=0.15, rng=1)

fig, ax = plt.subplots(figsize=(5.5, 3.6))
ax.scatter(*X_train[y_train == 0].T, s=12, c="tab:blue", label="class 0")
ax.scatter(*X_train[y_train == 1].T, s=12, c="tab:orange", label="class 1")
ax.set_title("two moons (training set)")
ax.legend()
plt.show()

# %% [markdown]
# ## Step 1: a set of functions
#
# An MLP 2 → 16 → 16 → 2 with tanh hidden layers; its two outputs are class scores (logits). Its
# parameters (counted below) pick one function from the set.

# %%
nn.manual_seed(0)
model = nn.MLP(2, [16, 16, 2], activation="tanh", dtype=np.float64)
print(model)

# %% [markdown]
# ## Step 2: how good is a function
#
# The cross-entropy between the softmax of the scores and the labels, averaged over the training set (the
# lecture's $C(y, \hat y) = -\sum_i \hat y_i \ln y_i$, summed over examples into $L$; the mean only rescales
# it). `F.cross_entropy` takes the raw scores and applies the softmax itself, in a numerically stable way.
#
# ## Step 3: pick the best function
#
# Gradient descent on all the points at once (full batch), with Adam; every 25 steps we also record the
# test loss and keep a snapshot of the decision regions.

# %%
xx, yy = np.meshgrid(np.linspace(-1.6, 2.6, 140), np.linspace(-1.2, 1.7, 100))
grid = np.stack([xx.ravel(), yy.ravel()], axis=1)


def probability_of_class_1(model, points):
    with no_grad():
        return model(points).softmax(axis=1).data[:, 1]


def accuracy(model, X, y):
    return float(((probability_of_class_1(model, X) > 0.5) == y).mean())


opt = optim.Adam(model.parameters(), lr=0.02)
steps = 400
train_losses, test_losses, snapshots = [], [], {}
for step in range(steps + 1):
    if step in (0, 10, 40, steps):
        snapshots[step] = probability_of_class_1(model, grid).reshape(xx.shape)
    if step % 25 == 0:
        with no_grad():
            test_losses.append((step, float(F.cross_entropy(model(X_test), y_test))))
    if step == steps:
        break
    loss = F.cross_entropy(model(X_train), y_train)
    opt.zero_grad()
    loss.backward()
    opt.step()
    train_losses.append(float(loss))

train_acc, test_acc = accuracy(model, X_train, y_train), accuracy(model, X_test, y_test)
print(f"after {steps} steps: training loss {train_losses[-1]:.4f}, "
      f"accuracy {train_acc:.1%} (training), {test_acc:.1%} (test)")
assert test_acc > 0.95

# %% [markdown]
# ## The loss curve

# %%
fig, ax = plt.subplots(figsize=(6, 3.6))
ax.semilogy(range(len(train_losses)), train_losses, label="training loss")
ax.semilogy(*zip(*test_losses), "o", ms=4, label="test loss")
ax.set_xlabel("step")
ax.set_ylabel("cross-entropy")
ax.grid(True, alpha=0.3)
ax.legend()
plt.show()

# %% [markdown]
# ## The decision boundary
#
# The colour is the network's probability of class 1 at each point of the plane; the black line is where it
# equals 1/2, the decision boundary. At step 0 the random network draws a boundary with nothing to do with
# the data; training bends it around the moons.

# %%
fig, axes = plt.subplots(1, len(snapshots), figsize=(16, 3.4), sharey=True)
for ax, (step, p) in zip(axes, snapshots.items()):
    ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    ax.contour(xx, yy, p, levels=[0.5], colors="k", linewidths=1.5)
    ax.scatter(*X_train.T, c=y_train, cmap="RdBu_r", s=8, edgecolors="k", linewidths=0.3)
    ax.set_title(f"step {step}")
plt.tight_layout()
plt.show()

# %% [markdown]
# The same picture on the held-out test points, with the misclassified ones circled:

# %%
wrong = (probability_of_class_1(model, X_test) > 0.5) != y_test
fig, ax = plt.subplots(figsize=(6, 4))
ax.contourf(xx, yy, snapshots[steps], levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
ax.contour(xx, yy, snapshots[steps], levels=[0.5], colors="k", linewidths=1.5)
ax.scatter(*X_test.T, c=y_test, cmap="RdBu_r", s=10, edgecolors="k", linewidths=0.3)
ax.scatter(*X_test[wrong].T, s=90, facecolors="none", edgecolors="k", linewidths=1.2, label="misclassified")
ax.set_title(f"test set: {wrong.sum()} of {len(y_test)} misclassified")
ax.legend(loc="lower left")
plt.show()
