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
# 300 points for training and 300 more for testing. `make_moons` spaces the points evenly along the two half
# circles and adds Gaussian noise of standard deviation 0.15 to each coordinate; the test set gets noise of
# its own (another seed), so no test point coincides with a training point.

# %%
X_train, y_train = nn.make_moons(300, noise=0.15, rng=0)
X_test, y_test = nn.make_moons(300, noise=0.15, rng=1)

# Blue and red as in the probability colour map below, but lighter than its ends, with a white rim and a
# shape per class: a point stays visible on a background of its own colour and on the black boundary line.
CLASS_COLOURS = [plt.cm.RdBu_r(0.12), plt.cm.RdBu_r(0.88)]
CLASS_MARKERS = ["o", "^"]


def scatter_classes(ax, X, y, size):
    """The points of each class in its colour and shape: class 0 blue circles, class 1 red triangles."""
    for label in (0, 1):
        ax.scatter(*X[y == label].T, s=size, color=CLASS_COLOURS[label], marker=CLASS_MARKERS[label],
                   edgecolors="white", linewidths=0.4, label=f"class {label}")


fig, ax = plt.subplots(figsize=(5.5, 3.6))
scatter_classes(ax, X_train, y_train, 18)
ax.set_title("two moons (training set)")
ax.set_xlabel("$x_1$")
ax.set_ylabel("$x_2$")
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
# test loss and the test accuracy, and at a few steps we keep a snapshot of the decision regions.

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
train_losses, test_losses, test_accuracies, snapshots, test_mistakes = [], [], [], {}, {}
for step in range(steps + 1):
    if step in (0, 10, 40, steps):
        snapshots[step] = probability_of_class_1(model, grid).reshape(xx.shape)
    if step % 25 == 0:
        with no_grad():
            test_losses.append((step, float(F.cross_entropy(model(X_test), y_test))))
        test_accuracies.append((step, accuracy(model, X_test, y_test)))
        test_mistakes[step] = set(np.flatnonzero((probability_of_class_1(model, X_test) > 0.5) != y_test))
    if step == steps:
        break
    loss = F.cross_entropy(model(X_train), y_train)
    opt.zero_grad()
    loss.backward()
    opt.step()
    train_losses.append(float(loss))

train_acc, test_acc = accuracy(model, X_train, y_train), accuracy(model, X_test, y_test)
with no_grad():   # train_losses[-1] was computed before the last step; this is the loss after it
    final_train_loss = float(F.cross_entropy(model(X_train), y_train))
print(f"after {steps} steps: training loss {final_train_loss:.4f}, "
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

rises = np.diff(train_losses)
print(f"training loss: {train_losses[0]:.4f} at step 0, {train_losses[-1]:.4f} at step {steps - 1}; it rose at "
      f"{(rises > 0).sum()} of {len(rises)} steps, by at most {rises.max():.4f}")
best_step, best_test_loss = min(test_losses, key=lambda pair: pair[1])
accuracy_at = dict(test_accuracies)
print(f"test loss (recorded every 25 steps): lowest at step {best_step} ({best_test_loss:.4f}), "
      f"{test_losses[-1][1]:.4f} at step {steps}")
print(f"test accuracy: {accuracy_at[best_step]:.1%} at step {best_step}, {accuracy_at[steps]:.1%} at step {steps}")
assert best_step < steps and test_losses[-1][1] > best_test_loss
kept = test_mistakes[best_step] & test_mistakes[steps]
print(f"misclassified test points: {len(test_mistakes[best_step])} at step {best_step}, "
      f"{len(test_mistakes[steps])} at step {steps}, {len(kept)} of them the same points")
p_true = np.where(y_test == 1, probability_of_class_1(model, X_test), 1 - probability_of_class_1(model, X_test))
nll = -np.log(p_true)                                # each test point's cross-entropy at step 400
mistakes = p_true < 0.5
print(f"at step {steps}: the {mistakes.sum()} misclassified test points carry {nll[mistakes].sum() / nll.sum():.0%} "
      f"of the test loss (mean −ln p {nll[mistakes].mean():.2f}; the other {(~mistakes).sum()}: "
      f"{nll[~mistakes].mean():.4f})")

# %% [markdown]
# The training loss keeps falling (on the full batch there is no sampling noise, but Adam's steps overshoot
# now and then: the loss rises by the small amounts printed above, the bumps near step 15 and around steps 300
# to 340 in the plot), but the test loss does not follow it to the end: it is lowest early (the step is
# printed above) and creeps up afterwards, while the test accuracy hardly changes. The network keeps
# sharpening its probabilities on the training points, towards 0 and 1; on the few test points it gets wrong
# it is then confidently wrong, and cross-entropy punishes a confident mistake heavily ($-\ln p$ grows without
# bound as $p \to 0$): the last line above shows the few mistakes carrying most of the test loss. And they are
# mostly the same few points as at the test loss's lowest (the line before it): training did not turn many
# right answers into wrong ones, it made the network surer of the answers it had, wrong ones included. That is
# overfitting as the loss sees it: on the training points the growing confidence pays, on new points it costs;
# the accuracy, which only asks on which side of 1/2 a probability falls, barely moves. The usual remedies are
# stopping early (keep the weights of the best test, or better validation, loss), weight decay, or more data.
# The decision boundary below shows the sharpening: at step 400 the probability jumps from 0 to 1 across a
# thin band.

# %% [markdown]
# ## The decision boundary
#
# The background colour is the network's probability of class 1 at each point of the plane (blue near 0, red
# near 1), the markers are the training points in the colour and shape of their class (blue circles, red
# triangles), and the black line is where the probability equals 1/2, the decision boundary. At step 0 the
# random network draws a boundary with nothing to do with the data; training bends it around the moons.

# %%
fig, axes = plt.subplots(1, len(snapshots), figsize=(16, 3.6), sharey=True, layout="constrained")
for ax, (step, p) in zip(axes, snapshots.items()):
    regions = ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    ax.contour(xx, yy, p, levels=[0.5], colors="k", linewidths=1.5)
    scatter_classes(ax, X_train, y_train, 16)
    ax.set_title(f"step {step}")
    ax.set_xlabel("$x_1$")
axes[0].set_ylabel("$x_2$")
axes[0].legend(loc="lower left", fontsize=8)
fig.colorbar(regions, ax=axes, label="P(class 1)", shrink=0.9)
plt.show()

# %% [markdown]
# The same picture on the held-out test points, with the misclassified ones circled:

# %%
wrong = (probability_of_class_1(model, X_test) > 0.5) != y_test
fig, ax = plt.subplots(figsize=(6.8, 4))
regions = ax.contourf(xx, yy, snapshots[steps], levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
fig.colorbar(regions, ax=ax, label="P(class 1)")
ax.contour(xx, yy, snapshots[steps], levels=[0.5], colors="k", linewidths=1.5)
scatter_classes(ax, X_test, y_test, 22)
ax.scatter(*X_test[wrong].T, s=90, facecolors="none", edgecolors="k", linewidths=1.2, label="misclassified")
ax.set_title(f"test set: {wrong.sum()} of {len(y_test)} misclassified")
ax.set_xlabel("$x_1$")
ax.set_ylabel("$x_2$")
ax.legend(loc="lower left")
plt.show()
