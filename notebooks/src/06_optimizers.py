# %% [markdown]
# # 6. Optimizers: how the gradient becomes a step
#
# Backpropagation gives the gradient; an optimizer (优化算法) decides the step. The lecture lists:
#
# * **SGD** (stochastic gradient descent): one example per update; fast, noisy.
# * **Mini-batch gradient descent**: a small batch of examples per update; a balance of speed and stability.
# * **Momentum**: a velocity, a decaying sum of past gradients, accelerates along consistent directions and
#   damps oscillation. **Nesterov** momentum looks one velocity step ahead.
# * **RMSprop**: divides each parameter's step by a running root-mean-square of its gradients.
# * **Adagrad**: divides by the root of the *accumulated* squared gradients, so steps shrink over time;
#   suited to sparse data.
# * **Adam**: momentum (first moment) and RMSprop (second moment) together, with bias corrections.
# * **Adamax**: Adam with the infinity norm (a decaying maximum of |g|) instead of the root mean square.
#
# All of them are in `optim`, with PyTorch's interface (`zero_grad()`, `step()`) and PyTorch's update rules,
# written out and checked below. We then run the lecture's PyTorch example, watch the optimizers on two small
# loss surfaces of two parameters, where their paths can be drawn over the contours, see on the lecture's
# smallest network why a non-convex loss makes the starting point matter, and train a network on the digits
# with each optimizer.

# %%
import matplotlib.pyplot as plt
import numpy as np

plt.rcParams.update({"figure.dpi": 90})

import autograd_core as ag
from autograd_core import nn
import autograd_core.nn.functional as F
from autograd_core import optim
from autograd_core import Value, no_grad

# %% [markdown]
# ## The update rules
#
# Each optimizer turns the gradient $g_t$ of step $t = 1, 2, \dots$ into a change of the parameters $\theta$,
# elementwise, with learning rate $\eta$. These are the rules `optim` implements, the same as PyTorch's
# (including where $\epsilon$ goes), with the default constants in brackets:
#
# * **SGD**: $\theta \leftarrow \theta - \eta\, g_t$.
# * **Momentum** $\mu$: $b_t = \mu\, b_{t-1} + g_t$ (with $b_1 = g_1$), then $\theta \leftarrow \theta - \eta\, b_t$.
# * **Nesterov** $\mu$: $b_t$ as for momentum, then $\theta \leftarrow \theta - \eta\,(g_t + \mu\, b_t)$.
# * **RMSprop** ($\alpha = 0.99$, $\epsilon = 10^{-8}$): $v_t = \alpha\, v_{t-1} + (1 - \alpha)\, g_t^2$
#   (with $v_0 = 0$), then $\theta \leftarrow \theta - \eta\, g_t / (\sqrt{v_t} + \epsilon)$.
# * **Adagrad** ($\epsilon = 10^{-10}$): $s_t = s_{t-1} + g_t^2$ (with $s_0 = 0$), then
#   $\theta \leftarrow \theta - \eta\, g_t / (\sqrt{s_t} + \epsilon)$.
# * **Adam** ($\beta_1 = 0.9$, $\beta_2 = 0.999$, $\epsilon = 10^{-8}$): $m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t$
#   and $v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2$ (with $m_0 = v_0 = 0$), bias-corrected to
#   $\hat m_t = m_t / (1 - \beta_1^t)$ and $\hat v_t = v_t / (1 - \beta_2^t)$, then
#   $\theta \leftarrow \theta - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)$.
# * **Adamax** ($\beta_1 = 0.9$, $\beta_2 = 0.999$, $\epsilon = 10^{-8}$): $m_t$ as for Adam and
#   $u_t = \max(\beta_2 u_{t-1},\, \lvert g_t\rvert + \epsilon)$ (with $u_0 = 0$), then
#   $\theta \leftarrow \theta - \eta\, \hat m_t / u_t$ with $\hat m_t = m_t / (1 - \beta_1^t)$.
#
# The bias corrections of Adam exist because $m$ and $v$ start at 0: after one step $m_1 = (1 - \beta_1) g_1$,
# a tenth of the gradient, and dividing by $1 - \beta_1^1 = 0.1$ gives back $g_1$; likewise
# $\hat v_1 = g_1^2$, so Adam's first step is $\eta\, g_1/(\lvert g_1\rvert + \epsilon)$, a step of size $\eta$ in each
# coordinate. Adamax corrects only $m$: its maximum $u_1 = \lvert g_1\rvert + \epsilon$ is not shrunk by the zero
# start. RMSprop has no correction, so its first step is $\eta\, g_1/\sqrt{0.01\, g_1^2} = 10\,\eta$ in size.
# The momentum here is PyTorch's form, the learning rate outside the velocity; the textbook form
# $v \leftarrow \mu v - \eta g$, $\theta \leftarrow \theta + v$ takes the same steps as long as $\eta$ is constant.
#
# Nesterov's rule needs a word, because the formula above computes the gradient at the current $\theta$ and
# seems to look nowhere ahead. The textbook form (Nesterov's, as Sutskever et al. (2013) write it for deep
# learning) evaluates the gradient at the look-ahead point $\theta + \mu v$:
# $v_t = \mu v_{t-1} - \eta\, \nabla f(\theta_{t-1} + \mu v_{t-1})$, $\theta_t = \theta_{t-1} + v_t$ (with $v_0 = 0$).
# PyTorch's form keeps the look-ahead point itself as the parameter: write $\varphi = \theta + \mu v$ and
# $b = -v/\eta$; then $g_t = \nabla f(\varphi_{t-1})$, $b_t = \mu b_{t-1} + g_t$ and
# $\varphi_t = \varphi_{t-1} - \eta\,(g_t + \mu\, b_t)$, which is the rule in the list. The two forms take
# the same steps; PyTorch's parameter is the textbook's $\theta + \mu v$, and only one gradient per step is
# needed, at the stored parameter. This notebook shows PyTorch's forms throughout because `optim` follows
# PyTorch, so that code and results carry over unchanged; the lecture names the methods without formulas.
#
# The check: five steps of each optimizer on $f(\theta) = \tfrac12 \theta^\top A\, \theta$ (gradient $A\theta$),
# once with `optim` and once with the rules above written in NumPy.

# %%
A = np.array([[3.0, 1.0], [1.0, 0.5]])
mu, beta1, beta2 = 0.9, 0.9, 0.999


def by_the_table(name, lr, theta, steps=5):
    """The parameter after `steps` updates of the rule above, in plain NumPy."""
    theta = theta.copy()
    b = m = v = s = u = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = A @ theta
        if name == "SGD":
            theta = theta - lr * g
        elif name in ("momentum", "Nesterov"):
            b = g if t == 1 else mu * b + g
            theta = theta - lr * (b if name == "momentum" else g + mu * b)
        elif name == "RMSprop":
            v = 0.99 * v + 0.01 * g**2
            theta = theta - lr * g / (np.sqrt(v) + 1e-8)
        elif name == "Adagrad":
            s = s + g**2
            theta = theta - lr * g / (np.sqrt(s) + 1e-10)
        elif name == "Adam":
            m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g**2
            m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
            theta = theta - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        elif name == "Adamax":
            m, u = beta1 * m + (1 - beta1) * g, np.maximum(beta2 * u, np.abs(g) + 1e-8)
            theta = theta - lr / (1 - beta1**t) * m / u
    return theta


rules = {
    "SGD": lambda ps, lr: optim.SGD(ps, lr=lr),
    "momentum": lambda ps, lr: optim.SGD(ps, lr=lr, momentum=mu),
    "Nesterov": lambda ps, lr: optim.SGD(ps, lr=lr, momentum=mu, nesterov=True),
    "RMSprop": lambda ps, lr: optim.RMSprop(ps, lr=lr),
    "Adagrad": lambda ps, lr: optim.Adagrad(ps, lr=lr),
    "Adam": lambda ps, lr: optim.Adam(ps, lr=lr),
    "Adamax": lambda ps, lr: optim.Adamax(ps, lr=lr),
}
theta0 = np.array([1.0, -2.0])
for name, make in rules.items():
    theta = Value(theta0.copy())
    opt = make([theta], 0.1)
    for _ in range(5):
        opt.zero_grad()
        (0.5 * theta @ (Value(A, requires_grad=False) @ theta)).backward()
        opt.step()
    expected = by_the_table(name, 0.1, theta0)
    print(f"{name:<9} after 5 steps: optim {np.array2string(theta.data, precision=6)}, "
          f"table {np.array2string(expected, precision=6)}")
    assert np.allclose(theta.data, expected, rtol=1e-12, atol=1e-12)

# Nesterov in the textbook form: the gradient taken at the look-ahead point θ + μv.
theta, v = theta0.copy(), np.zeros(2)
for _ in range(5):
    v = mu * v - 0.1 * (A @ (theta + mu * v))
    theta = theta + v
print(f"textbook Nesterov after 5 steps: θ {np.array2string(theta, precision=6)}, "
      f"θ + μv {np.array2string(theta + mu * v, precision=6)} (= optim's Nesterov above)")
assert np.allclose(theta + mu * v, by_the_table("Nesterov", 0.1, theta0), rtol=1e-12, atol=1e-12)

# %% [markdown]
# ## The lecture's PyTorch example
#
# The lecture ends with a few lines of PyTorch: a tensor [1, 2] that requires a gradient, pulled towards
# [3, 4] by ten SGD steps on the mean squared error. One line does not run as written:
# `torch.optim.SGD(variable, lr=0.1)` hands the optimizer a single tensor where PyTorch expects an iterable
# of parameters (a list, or `model.parameters()`), and PyTorch raises a `TypeError`; the fix is `[variable]`.
# `optim` behaves the same way. Here are the lecture's lines with that fix, and the result checked by hand:
# the gradient of $\tfrac12\sum_i (v_i - t_i)^2$ is $v - t$, so each step shrinks the distance to the
# target by the factor $1 - 0.1 = 0.9$, and after ten steps $v = t - 0.9^{10}(t - v_0)$.

# %%
variable = Value(np.array([1.0, 2.0]))
target = np.array([3.0, 4.0])
try:
    optim.SGD(variable, lr=0.1)                    # as written in the lecture
except TypeError as error:
    print(f"TypeError: {error}")

loss_fn = nn.MSELoss()
optimizer = optim.SGD([variable], lr=0.1)          # a list of parameters
for _ in range(10):
    optimizer.zero_grad()
    loss = loss_fn(variable, target)
    loss.backward()
    optimizer.step()
by_hand = target - 0.9**10 * (target - np.array([1.0, 2.0]))
print(f"updated value of variable: {variable.data}   by hand: {by_hand}")
assert np.allclose(variable.data, by_hand)

# %% [markdown]
# ## SGD, mini-batch and full batch on a least-squares loss
#
# Fit $y \approx w x + b$ to 200 noisy points. The loss $L(w, b) = \frac1N\sum_n (w x_n + b - y_n)^2$ is a
# bowl over the plane of the two parameters, elongated because the $x_n$ are not centred. The parameters are
# one Value of two elements, $\theta = (w, b)$; each variant makes 100 updates with the same learning rate,
# from the same start, and differs only in how many examples each gradient is computed from.

# %%
rng = np.random.default_rng(0)
x_data = rng.uniform(0, 3, size=200)
y_data = 2.0 * x_data - 1.0 + rng.normal(0, 0.5, size=200)


def batch_loss(theta, x, y):
    return ((theta[0] * x + theta[1] - y) ** 2).mean()


def run(batch_size, steps=100, lr=0.05, start=(-1.0, 2.5)):
    theta = Value(np.array(start))
    opt = optim.SGD([theta], lr=lr)
    loader = nn.DataLoader(x_data, y_data, batch_size=batch_size, shuffle=True, rng=1)
    path = [theta.data.copy()]
    while len(path) <= steps:
        for xb, yb in loader:
            opt.zero_grad()
            batch_loss(theta, xb, yb).backward()
            opt.step()
            path.append(theta.data.copy())
            if len(path) > steps:
                break
    return np.array(path)


ws, bs = np.meshgrid(np.linspace(-1.5, 3.5, 200), np.linspace(-3, 3, 200))
surface = ((ws[..., None] * x_data + bs[..., None] - y_data) ** 2).mean(axis=-1)
best = np.linalg.lstsq(np.stack([x_data, np.ones_like(x_data)], axis=1), y_data, rcond=None)[0]

variants = {"SGD (batch 1)": 1, "mini-batch (batch 16)": 16, "full batch (200)": 200}
styles = {"SGD (batch 1)": dict(color="tab:red", lw=1, ms=3, marker=".", zorder=3),
          "mini-batch (batch 16)": dict(color="tab:blue", lw=1, ms=4, marker="o", mfc="none", zorder=4),
          "full batch (200)": dict(color="tab:green", lw=5, alpha=0.45, zorder=2)}  # wide and pale: underneath
fig, (ax, ax_gap) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1.3, 1]})
ax.contour(ws, bs, surface, levels=np.geomspace(surface.min() + 0.05, surface.max(), 18), colors="0.65",
           linewidths=0.7)
paths = {name: run(size) for name, size in variants.items()}
print(f"{'variant':<24}{'final loss':>11}{'examples used':>15}{'max distance to full batch':>28}")
for name, path in paths.items():
    ax.plot(path[:, 0], path[:, 1], label=name, **styles[name])
    final = float(batch_loss(Value(path[-1]), x_data, y_data))
    gap = np.linalg.norm(path - paths["full batch (200)"], axis=1)
    if name != "full batch (200)":
        ax_gap.semilogy(np.arange(1, len(gap)), gap[1:], color=styles[name]["color"], label=name)
    print(f"{name:<24}{final:11.4f}{variants[name] * (len(path) - 1):15d}{gap.max():28.4f}")
ax.plot(*best, "k*", ms=14, label="least-squares solution", zorder=5)
ax.set_xlabel("w")
ax.set_ylabel("b")
ax.set_title("100 updates, learning rate 0.05")
ax.legend(fontsize=8)
ax_gap.set_xlabel("update")
ax_gap.set_ylabel("distance ‖θ − θ_full batch‖ (log scale)")
ax_gap.set_title("how far each path is from the full-batch path")
ax_gap.legend(fontsize=8)
plt.tight_layout()
plt.show()
print(f"minimum of the full loss: {float(batch_loss(Value(best), x_data, y_data)):.4f} at w = {best[0]:.3f}, "
      f"b = {best[1]:.3f}")
mini_gap = np.linalg.norm(paths["mini-batch (batch 16)"] - paths["full batch (200)"], axis=1).max()
sgd_gap = np.linalg.norm(paths["SGD (batch 1)"] - paths["full batch (200)"], axis=1).max()
assert mini_gap < sgd_gap
# Update by update (the right panel): how often is the mini-batch path the closer one, and by what factor?
gaps = {name: np.linalg.norm(paths[name] - paths["full batch (200)"], axis=1)[1:] for name in variants}
closer = int((gaps["mini-batch (batch 16)"] < gaps["SGD (batch 1)"]).sum())
ratio = np.median(gaps["SGD (batch 1)"] / gaps["mini-batch (batch 16)"])
print(f"the mini-batch path is the closer one to the full-batch path after {closer} of 100 updates; "
      f"median ratio of the distances (SGD / mini-batch): {ratio:.1f}")
assert closer > 75 and ratio > 3

# %% [markdown]
# All three head down the same valley. The full-batch path is smooth (wide pale green); the single-example
# path zig-zags, because each gradient comes from one point. The mini-batch path (blue circles) lies almost
# exactly on the full-batch path, and that is not a plotting error: the right panel measures the gap. A
# mini-batch gradient is the average of 16 single-example gradients, so its noise around the full gradient
# is about 1/√16 = 1/4 of one example's, and with a small learning rate the updates add up to nearly the same
# path. Its distance to the full-batch path is smaller than SGD's after most updates, typically several
# times smaller (the last line printed above counts them); single examples now and then happen to agree with
# the full gradient, so SGD's distance sometimes dips below. The column "examples used" of the table
# counts the cost: per update, the full batch reads every example, SGD reads one, the mini-batch 16, for
# nearly the full-batch path.
#
# ## Momentum and adaptive methods on the Rosenbrock function
#
# $f(x, y) = (1 - x)^2 + 100 (y - x^2)^2$ has its minimum at (1, 1), at the end of a long, curved, narrow
# valley: gradient descent with a learning rate small enough not to diverge across the valley crawls along
# it. Each optimizer starts at (−1.2, 1) and takes 1,500 steps on a 2-element Value; the learning rates were
# picked by hand for each (one value per method, not a search), so this shows how each behaves, not which
# one is best. In each panel the shading is the contour map of f (darker is lower; each band spans a
# constant factor of f, from 0.01 up to 3,000), the black dot the start, the star the minimum; the last
# panel plots f along each path on a log scale.

# %%
def rosenbrock(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


optimizers = {
    "gradient descent, lr 1e-3": lambda p: optim.SGD([p], lr=1e-3),
    "momentum 0.9, lr 1e-3": lambda p: optim.SGD([p], lr=1e-3, momentum=0.9),
    "Nesterov 0.9, lr 1e-3": lambda p: optim.SGD([p], lr=1e-3, momentum=0.9, nesterov=True),
    "RMSprop, lr 1e-2": lambda p: optim.RMSprop([p], lr=1e-2),
    "Adagrad, lr 0.5": lambda p: optim.Adagrad([p], lr=0.5),
    "Adam, lr 0.05": lambda p: optim.Adam([p], lr=0.05),
    "Adamax, lr 0.1": lambda p: optim.Adamax([p], lr=0.1),
}
paths = {}
for name, make in optimizers.items():
    p = Value(np.array([-1.2, 1.0]))
    opt = make(p)
    path = [p.data.copy()]
    for _ in range(1500):
        opt.zero_grad()
        rosenbrock(p).backward()
        opt.step()
        path.append(p.data.copy())
    paths[name] = np.array(path)

gx, gy = np.meshgrid(np.linspace(-1.6, 1.6, 160), np.linspace(-0.6, 1.9, 160))
gz = (1 - gx) ** 2 + 100 * (gy - gx**2) ** 2
fig, axes = plt.subplots(2, 4, figsize=(14, 6.6))
for ax, (name, path) in zip(axes.flat, paths.items()):
    ax.contourf(gx, gy, gz, levels=np.geomspace(0.01, 3000, 12), colors=plt.cm.Blues(np.linspace(0.45, 0.05, 11)))
    ax.plot(path[:, 0], path[:, 1], "-", color="tab:red", lw=1.2)
    ax.plot(path[::100, 0], path[::100, 1], "o", color="tab:red", ms=3)   # a dot every 100 steps
    ax.plot(1, 1, "k*", ms=12)
    ax.plot(-1.2, 1, "ko", ms=5)
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-0.6, 1.9)
    ax.set_title(name, fontsize=10)
for ax in axes[:, 0]:
    ax.set_ylabel("y")
for ax in axes[1, :3]:
    ax.set_xlabel("x")
ax = axes.flat[-1]
for name, path in paths.items():
    x, y = path[::10, 0], path[::10, 1]
    ax.semilogy(np.arange(0, len(path), 10), (1 - x) ** 2 + 100 * (y - x**2) ** 2, lw=1.2, label=name.split(",")[0])
ax.set_xlabel("step")
ax.set_ylabel("f(x, y)")
ax.set_title("f along each path", fontsize=10)
ax.legend(fontsize=7)
plt.suptitle("Rosenbrock function from (−1.2, 1) to the minimum (1, 1): 1,500 steps, a dot every 100")
plt.tight_layout()
plt.show()

start = Value(np.array([-1.2, 1.0]))
rosenbrock(start).backward()
print(f"gradient at the start (−1.2, 1): ({start.grad[0]:.1f}, {start.grad[1]:.1f})\n")
print(f"{'optimizer':<28}{'f after 1,500 steps':>20}{'distance to (1, 1)':>20}{'first step |Δx|, |Δy|':>26}")
for name, path in paths.items():
    end, first = path[-1], np.abs(path[1] - path[0])
    print(f"{name:<28}{float(rosenbrock(Value(end))):20.2e}{np.hypot(*(end - 1)):20.4f}"
          f"{first[0]:15.4f}, {first[1]:.4f}")

# %% [markdown]
# The table gives each method's value and distance to the minimum after 1,500 steps. The momentum methods
# build up speed along the valley floor, where successive gradients agree; plain gradient descent has to use
# a learning rate small enough for the steep walls and so creeps along the flat floor. The adaptive methods
# divide each coordinate's step by the size of its recent gradients, so the size of their steps no longer
# follows the size of the gradient: the last column shows that their first step moves both coordinates by
# the same amount (lr for Adagrad, Adam and Adamax, 10·lr for RMSprop, whose running average starts at
# 0.01·g²), although the gradient at the start, printed above, is larger in x than in y.
#
# ## A non-convex loss: where gradient descent ends depends on where it starts
#
# The Rosenbrock function has one minimum. A network's loss usually does not: the lecture's example
# (非凸优化问题, a non-convex optimisation problem) is the smallest network there is, $y = \sigma(w_2\,
# \sigma(w_1 x))$, trained on one example $x = 1$ with target 1 and the squared error,
# $L(w_1, w_2) = (\sigma(w_2\, \sigma(w_1)) - 1)^2$. A function is convex exactly when its Hessian (the matrix
# of second derivatives) is positive semi-definite everywhere; `ag.hessian` finds a point where it is not.
# Then plain gradient descent (learning rate 1, 300 steps) from four starting points.

# %%
def tiny_network_loss(w):
    """(σ(w₂ σ(w₁ x)) − 1)² for the one example x = 1, target 1; w = (w₁, w₂)."""
    return (ag.sigmoid(w[1] * ag.sigmoid(w[0] * 1.0)) - 1.0) ** 2


H = ag.hessian(tiny_network_loss)(np.zeros(2))
print(f"Hessian at (0, 0): {np.array2string(H, precision=4)}, eigenvalues {np.linalg.eigvalsh(H).round(4)}")
assert np.linalg.eigvalsh(H).min() < 0                 # a negative curvature: L is not convex

starts = [(-1.0, 2.0), (-4.0, 4.0), (4.0, -4.0), (-4.0, -2.0)]
tiny_paths = {}
for start in starts:
    w = Value(np.array(start))
    opt = optim.SGD([w], lr=1.0)
    path = [w.data.copy()]
    for _ in range(300):
        opt.zero_grad()
        tiny_network_loss(w).backward()
        opt.step()
        path.append(w.data.copy())
    tiny_paths[start] = np.array(path)

sig = lambda z: 1 / (1 + np.exp(-z))
w1s, w2s = np.meshgrid(np.linspace(-7, 7, 200), np.linspace(-7, 7, 200))
fig, ax = plt.subplots(figsize=(6.5, 5))
filled = ax.contourf(w1s, w2s, (sig(w2s * sig(w1s)) - 1) ** 2, levels=np.linspace(0, 1, 21), cmap="Blues_r")
fig.colorbar(filled, ax=ax, label="loss L(w₁, w₂)")
print(f"{'start (w₁, w₂)':<18}{'end after 300 steps':>24}{'loss at the end':>18}")
# Colours that stand out on both the dark and the light blue (the default first colour, blue, did not).
for (start, path), colour in zip(tiny_paths.items(), ["gold", "tab:orange", "tab:green", "tab:red"]):
    line, = ax.plot(path[:, 0], path[:, 1], "-", lw=1.5, color=colour)
    ax.plot(*path[0], "o", color=line.get_color(), ms=6)
    ax.plot(*path[-1], "x", color=line.get_color(), ms=9, mew=2)
    end_loss = float(tiny_network_loss(Value(path[-1])))
    print(f"{str(start):<18}{np.array2string(path[-1], precision=2):>24}{end_loss:18.4f}")
ax.set_xlabel("w₁")
ax.set_ylabel("w₂")
ax.set_title("L(w₁, w₂) = (σ(w₂ σ(w₁)) − 1)²\ngradient descent: o start, × after 300 steps", fontsize=10)
ax.set_xlim(-7, 7)
ax.set_ylim(-7, 7)
plt.show()
final_losses = [float(tiny_network_loss(Value(path[-1]))) for path in tiny_paths.values()]
assert sorted(loss < 0.01 for loss in final_losses) == [False, True, True, True] and max(final_losses) > 0.2

# %% [markdown]
# Three starts slide down to the region where $w_2\,\sigma(w_1)$ is large and the loss is near 0. The start
# at (−4, −2) does not, in these 300 steps. To raise the output $\sigma(w_2 \sigma(w_1))$ towards 1, the
# descent makes $w_2 \sigma(w_1)$ less negative; with $w_2 < 0$ the quicker way at first is a smaller
# $\sigma(w_1)$, so $w_1$ moves further negative, where the output is close to $\sigma(0) = 1/2$ and the loss
# to 1/4: a flat plateau on which the gradient with respect to $w_2$, proportional to $\sigma(w_1)$, is tiny,
# so $w_2$ creeps towards the good side. The start (4, −4) also has $w_2 < 0$, but there
# $\sigma(w_1) \approx 1$, so $w_2$ receives the full gradient and crosses over quickly.
#
# Is the fourth start stuck for good? This loss has no local minimum anywhere: its gradient with respect to
# $w_2$ is $2(y - 1)\,\sigma'(w_2 \sigma(w_1))\,\sigma(w_1)$, and none of the three factors is ever 0. So the
# descent must eventually leave the plateau. We continue it from (−4, −2), with the same learning rate, until
# the loss is below 0.01:

# %%
w = Value(np.array([-4.0, -2.0]))
opt = optim.SGD([w], lr=1.0)
trace, losses = [w.data.copy()], []
while True:
    opt.zero_grad()
    loss = tiny_network_loss(w)
    losses.append(float(loss))
    if losses[-1] < 0.01 or len(losses) > 20000:
        break
    loss.backward()
    opt.step()
    trace.append(w.data.copy())
trace = np.array(trace)
steps_to_cross = int(np.argmax(trace[:, 1] > 0))              # the first step after which w₂ > 0
steps_to_low = len(trace) - 1
print(f"start (-4, -2): w₂ crosses 0 after {steps_to_cross} steps, the loss is below 0.01 after {steps_to_low} "
      f"steps; lowest w₁ on the way {trace[:, 0].min():.2f}")
assert 300 < steps_to_cross < steps_to_low <= 20000 and losses[-1] < 0.01
assert steps_to_low > 10 * 300          # the other three starts were below 0.01 within 300 steps

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4))
ax1.plot(trace[:, 0], label="w₁")
ax1.plot(trace[:, 1], label="w₂")
ax1.axhline(0, color="grey", lw=0.8)
ax1.set_ylabel("weight")
ax1.legend(fontsize=8)
ax2.plot(losses)
ax2.set_ylabel("loss L(w₁, w₂)")
for ax in (ax1, ax2):
    ax.set_xlabel("step of gradient descent, from (−4, −2)")
    ax.axvline(300, color="grey", ls=":")                    # where the picture above stopped
ax1.set_title("the weights (dotted: step 300)")
ax2.set_title("the loss: a plateau at 1/4, then the way down")
plt.tight_layout()
plt.show()

# %% [markdown]
# The plateau does not trap the descent, it delays it: $w_1$ stops moving away, $w_2$ creeps across 0, and
# the loss falls to near 0, as for the other starts, but after more than ten times as many steps (the
# printed count, against fewer than 300 for them). With a fixed budget of
# steps, which is how networks are trained, the start decides where training ends.
#
# This is the lecture's warning about gradient descent: the result depends on the random initial weights
# (由于初始的权重系数是随机选取的,导致最后的最优化结果也各不相同). The lecture says the minimum found is a local, not
# the global, minimum (不是全局最小值,而是局部最小值); "may be" is the accurate word. This small loss has no
# local minimum at all, yet one start in four was still on a plateau after 300 steps; on the losses of
# larger networks, plateaus and saddle points slow the descent in the same way, and a start can also lead
# into a local minimum that is not the lowest. On a non-convex loss, what gradient descent reaches in a
# given number of steps depends on where it starts.
#
# ## Training a network on the digits with each optimizer
#
# An MLP 64 → 32 → 10 (ReLU) on the 8×8 handwritten digits, five epochs, the same initial weights for every
# run. SGD updates after every single image; all the others use mini-batches of 32. The learning rates are
# common starting values for each method, not tuned.

# %%
X_train, X_test, y_train, y_test = nn.load_digits(dtype=np.float64)

settings = {
    "SGD (batch 1), lr 0.01": (1, lambda ps: optim.SGD(ps, lr=0.01)),
    "mini-batch SGD, lr 0.1": (32, lambda ps: optim.SGD(ps, lr=0.1)),
    "momentum 0.9, lr 0.05": (32, lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9)),
    "Nesterov 0.9, lr 0.05": (32, lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True)),
    "RMSprop, lr 1e-3": (32, lambda ps: optim.RMSprop(ps, lr=1e-3)),
    "Adagrad, lr 0.05": (32, lambda ps: optim.Adagrad(ps, lr=0.05)),
    "Adam, lr 3e-3": (32, lambda ps: optim.Adam(ps, lr=3e-3)),
    "Adamax, lr 5e-3": (32, lambda ps: optim.Adamax(ps, lr=5e-3)),
}
initial = nn.MLP(64, [32, 10], rng=0, dtype=np.float64).state_dict()


def full_loss(model):
    with no_grad():
        return float(F.cross_entropy(model(X_train), y_train))


curves, accuracies = {}, {}
for name, (batch_size, make) in settings.items():
    model = nn.MLP(64, [32, 10], dtype=np.float64)
    model.load_state_dict(initial)
    opt = make(model.parameters())
    curve = [full_loss(model)]
    for epoch in range(5):
        for xb, yb in nn.DataLoader(X_train, y_train, batch_size=batch_size, shuffle=True, rng=epoch):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        curve.append(full_loss(model))
    curves[name] = curve
    with no_grad():
        accuracies[name] = float((model(X_test).data.argmax(axis=1) == y_test).mean())

fig, ax = plt.subplots(figsize=(8, 4.5))
for name, curve in curves.items():
    ax.semilogy(range(len(curve)), curve, "o-", ms=4, label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (whole training set)")
ax.set_title("MLP 64-32-10 on the digits")
ax.grid(True, alpha=0.3)
ax.legend(fontsize=8)
plt.show()

print(f"{'optimizer':<26}{'loss after 5 epochs':>20}{'test accuracy':>15}")
for name in settings:
    print(f"{name:<26}{curves[name][-1]:20.4f}{accuracies[name]:15.1%}")
assert all(curve[-1] < curve[0] for curve in curves.values())

# %% [markdown]
# Every optimizer lowers the loss (the assertion above checks it). How fast depends as much on the learning
# rate as on the method; with these settings the table and the curves rank them for this network and
# these five epochs only. Single-example SGD makes one update per image instead of one per 32 images, each
# from a noisier gradient.
