# %% [markdown]
# # 8. Deep or fat? The same number of parameters, arranged two ways
#
# The lecture asks (为什么模型总是越来越长,而不是越来越胖?, why do models grow deeper rather than fatter?): one
# hidden layer with enough neurons can approximate any continuous function on a closed, bounded region to any
# accuracy (通用近似定理, the universal approximation theorem), so why use several? The lecture cites
# speech-recognition experiments in which, at equal numbers of parameters, deep thin networks beat shallow
# fat ones.
#
# (The lecture's timeline puts the theorem as "one hidden layer can fit any function" (1个隐藏层就可拟合任何函数).
# The precise statement is narrower: a network with one hidden layer of a non-polynomial activation, such
# as the sigmoid or ReLU, and a linear output layer can *approximate*, to any given accuracy, any
# *continuous* function on a closed and bounded set. It does not say how many neurons that takes, which
# may be very many, nor that gradient descent will find the weights; that gap is where depth can help.)
#
# Here we run that experiment ourselves, on the 8×8 handwritten digits: for a few parameter budgets, networks
# with 1, 2 and 4 hidden layers whose widths are chosen so that all of them have (almost) the same number of
# parameters, each trained with the same recipe from three seeds, compared on held-out test images. The
# answer printed at the end is what this data set and this recipe say; it is not a general law.

# %%
import matplotlib.pyplot as plt
import numpy as np

plt.rcParams.update({"figure.dpi": 90})

from autograd_core import nn
import autograd_core.nn.functional as F
from autograd_core import optim
from autograd_core import no_grad

# %% [markdown]
# ## Matching the budgets
#
# A network 64 → h → ⋯ → h → 10 with L hidden layers of width h. We let the module count its parameters
# (`num_parameters()`) and search, for each depth, the width whose count is closest to the budget. (The
# count grows with h, so a bisection finds it.)

# %%
def make_mlp(depth, width, seed=None):
    return nn.MLP(64, [width] * depth + [10], activation="relu", rng=seed, dtype=np.float64)


def count(depth, width):
    return make_mlp(depth, width).num_parameters()


def width_for(depth, budget):
    """The width h whose network of this depth has the parameter count closest to budget."""
    lo, hi = 1, 4096
    while lo < hi:                           # smallest h with count >= budget
        mid = (lo + hi) // 2
        if count(depth, mid) < budget:
            lo = mid + 1
        else:
            hi = mid
    candidates = [h for h in (lo - 1, lo) if h >= 1]
    return min(candidates, key=lambda h: abs(count(depth, h) - budget))


budgets = [1000, 3000, 10000]
depths = [1, 2, 4]
plan = {(budget, depth): width_for(depth, budget) for budget in budgets for depth in depths}

print(f"{'budget':>7}{'hidden layers':>15}{'width':>7}{'parameters':>12}{'off by':>9}")
for (budget, depth), width in plan.items():
    n = count(depth, width)
    print(f"{budget:7d}{depth:15d}{width:7d}{n:12d}{(n - budget) / budget:9.1%}")
    assert abs(n - budget) / budget < 0.05

# %% [markdown]
# ## One recipe for every network
#
# Adam (learning rate 3·10⁻³), mini-batches of 32, 12 epochs over the training images, ReLU hidden layers,
# PyTorch's default initialisation; seeds 0, 1, 2 fix the initial weights and the order of the batches. We
# record the accuracy on the held-out test images (and which test images each run gets right) and the final
# training loss. With only three runs per network, the spread is the sample standard deviation (dividing by
# n − 1 = 2).

# %%
X_train, X_test, y_train, y_test = nn.load_digits(dtype=np.float64)
print(f"{len(X_train)} training images, {len(X_test)} test images, {X_train.shape[1]} pixels each")
seeds = [0, 1, 2]
EPOCHS = 12


def train_and_test(depth, width, seed):
    model = make_mlp(depth, width, seed=seed)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(EPOCHS):
        for xb, yb in nn.DataLoader(X_train, y_train, batch_size=32, shuffle=True, rng=1000 * seed + epoch):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    with no_grad():
        train_loss = float(F.cross_entropy(model(X_train), y_train))
        right = model(X_test).data.argmax(axis=1) == y_test       # which test images it classifies correctly
    return right, train_loss


results, right = {}, {}
for (budget, depth), width in plan.items():
    runs = [train_and_test(depth, width, seed) for seed in seeds]
    right[budget, depth] = np.array([r for r, _ in runs])          # (seeds, test images), True where right
    results[budget, depth] = np.array([(r.mean(), loss) for r, loss in runs])   # (seeds, 2): accuracy, loss

print(f"{'budget':>7}{'hidden layers':>15}{'width':>7}{'test accuracy: mean ± sd':>27}{'seeds 0, 1, 2':>24}"
      f"{'training loss: mean ± sd':>27}")
for (budget, depth), runs in results.items():
    acc, loss = runs[:, 0], runs[:, 1]
    per_seed = " ".join(f"{a:.1%}" for a in acc)
    print(f"{budget:7d}{depth:15d}{plan[budget, depth]:7d}{acc.mean():18.1%} ± {acc.std(ddof=1):.1%}"
          f"{per_seed:>24}{loss.mean():18.4f} ± {loss.std(ddof=1):.4f}")

# %% [markdown]
# ## The answer, in a picture

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
for depth in depths:
    params = [count(depth, plan[b, depth]) for b in budgets]
    acc = np.array([results[b, depth][:, 0] for b in budgets])
    loss = np.array([results[b, depth][:, 1] for b in budgets])
    label = f"{depth} hidden layer{'s' if depth > 1 else ''}"
    ax1.errorbar(params, acc.mean(axis=1), yerr=[acc.mean(axis=1) - acc.min(axis=1),
                 acc.max(axis=1) - acc.mean(axis=1)], fmt="o-", capsize=3, label=label)
    ax2.errorbar(params, loss.mean(axis=1), yerr=[loss.mean(axis=1) - loss.min(axis=1),
                 loss.max(axis=1) - loss.mean(axis=1)], fmt="o-", capsize=3, label=label)
ax2.set_yscale("log")
ax1.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0, decimals=0))
for ax in (ax1, ax2):
    ax.set_xscale("log")
    ax.set_xlabel("number of parameters")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
ax1.set_ylabel("test accuracy (mean, bars: min–max over seeds)")
ax2.set_ylabel("training loss after the last epoch\n(mean, bars: min–max over seeds)")
ax1.set_title("held-out digits")
ax2.set_title("training set")
plt.tight_layout()
plt.show()

n_test = len(y_test)
print(f"one test image is {100 / n_test:.2f} points of accuracy")
print("verdict on the test accuracy, per budget: the gap to the runner-up against twice each of two standard")
print("errors: over seeds, sqrt(sd₁²/3 + sd₂²/3) (would another training run change it?), and over test images,")
print("the sd of the per-image difference / sqrt(n_test) (would other digits change it?); a rough test")


def accuracy_lead(a, b):
    """Network a's mean test accuracy minus network b's (keys of `results`), and its two standard errors."""
    gap = results[a][:, 0].mean() - results[b][:, 0].mean()
    seed_error = np.sqrt(sum(results[k][:, 0].var(ddof=1) / len(seeds) for k in (a, b)))
    per_image = right[a].mean(axis=0) - right[b].mean(axis=0)       # per test image, averaged over seeds
    image_error = per_image.std(ddof=1) / np.sqrt(n_test)
    assert np.isclose(per_image.mean(), gap)
    return gap, seed_error, image_error


for budget in budgets:
    means = {depth: results[budget, depth][:, 0].mean() for depth in depths}
    best = max(means, key=means.get)
    runner_up = max((d for d in depths if d != best), key=means.get)
    gap, seed_error, image_error = accuracy_lead((budget, best), (budget, runner_up))
    clear = "a clear lead" if gap > 2 * max(seed_error, image_error) else "not clear"
    print(f"  {budget:>6} parameters: best {best} hidden layer(s), {means[best]:.1%}, {100 * gap:.1f} points ahead "
          f"of {runner_up}; twice the errors {100 * 2 * seed_error:.1f} (seeds), {100 * 2 * image_error:.1f} "
          f"(test images): {clear}")
print("lowest training loss, per budget (the same rough test over seeds):")
for budget in budgets:
    losses = {depth: results[budget, depth][:, 1].mean() for depth in depths}
    lowest = min(losses, key=losses.get)
    runner_up = min((d for d in depths if d != lowest), key=losses.get)
    gap = losses[runner_up] - losses[lowest]
    seed_error = np.sqrt(sum(results[budget, d][:, 1].var(ddof=1) / len(seeds) for d in (lowest, runner_up)))
    clear = "a clear lead" if gap > 2 * seed_error else "not clear"
    print(f"  {budget:>6} parameters: lowest {lowest} hidden layer(s), {losses[lowest]:.4f} (test accuracy "
          f"{results[budget, lowest][:, 0].mean():.1%}), {gap:.4f} below {runner_up}; twice the error "
          f"{2 * seed_error:.4f}: {clear}")
print("test accuracy from each budget to the next larger one (the same rough test):")
for depth in depths:
    for small, large in zip(budgets[:-1], budgets[1:]):
        gap, seed_error, image_error = accuracy_lead((large, depth), (small, depth))
        verdict = "clearly up" if gap > 2 * max(seed_error, image_error) else "not clear"
        print(f"  {depth} hidden layer(s), {small:>5}→{large:<5}: {100 * gap:+5.1f} points; twice the errors "
              f"{100 * 2 * seed_error:.1f} (seeds), {100 * 2 * image_error:.1f} (test images): {verdict}")

# %% [markdown]
# ## Reading the result
#
# The verdict above is the measurement. What it does and does not say:
#
# * It compares networks at *equal parameter counts* trained with *one fixed recipe*. A deeper network with
#   the same budget has much narrower layers (the widths are in the first table), and it may need more
#   epochs or another learning rate than the shallow one; the training-loss panel shows whether a network
#   was still far from fitting its training set when we stopped. Compare the two verdicts above: when both
#   are clear and the depth with the lowest training loss is not the one with the best test accuracy, the
#   difference between the networks is in how well they generalise from the training images to new ones,
#   not in how well they can fit them. A verdict that is not clear names no winner.
# * Two things could make a measured lead vanish: another training run (the spread over seeds), and other
#   digits to test on. Every run is scored on the same test images, and one image is 0.22 points of
#   accuracy, so a lead of one point is a handful of images. The second standard error measures that: how
#   much the gap would move with another sample of test images of the same size, read from how often the
#   two networks differ image by image. A lead is called clear only when it is more than twice both.
# * The 8×8 digits are a small, easy problem (the sizes are printed above). The lecture's evidence
#   for depth comes from speech recognition (Seide, Li and Yu, 2011), a far larger problem, and its argument
#   for depth is modularisation: lower layers learn features that higher layers reuse, which pays off when
#   the function to learn is built from many reusable parts.
# * The lecture also says that, in general, more parameters give better results (参数越多,模型表现效果越好).
#   The last lines above say whether that held here, depth by depth and budget by budget: a rise of the
#   mean that is not clear is not evidence for it (nor against it). It is a tendency on problems with
#   enough data, not a rule: a bigger network can also fit the noise of its training set, and notebook 5
#   shows a test loss getting worse while the training loss keeps falling.
# * So this notebook does not settle the lecture's question in general; it shows how to ask it properly:
#   count parameters with the API, match the budgets, fix the recipe, repeat over seeds, look at the spread
#   before declaring a winner. Try it yourself with more epochs, other budgets, or the convolutional
#   network of notebook 7.
