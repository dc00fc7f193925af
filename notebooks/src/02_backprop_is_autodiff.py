# %% [markdown]
# # 2. Backpropagation is reverse-mode automatic differentiation
#
# The lecture (反向传播, backpropagation) computes the gradient of a cost $C$ with respect to every weight of
# a fully connected network in two sweeps. For a weight $w$ feeding the weighted input $z$ of a neuron,
#
# $$\frac{\partial C}{\partial w} = \frac{\partial z}{\partial w}\,\frac{\partial C}{\partial z}.$$
#
# * **Forward pass**: $z = \dots + w\,a + \dots$, so $\partial z/\partial w = a$, the *input* on that weight's
#   edge (the previous layer's activation, or $x$ in the first layer). Running the network gives them all.
# * **Backward pass**: with $a = \sigma(z)$ feeding the weighted inputs $z'$ of the next layer through
#   weights $w'$,
#   $$\frac{\partial C}{\partial z} = \sigma'(z) \sum_{z'} w' \frac{\partial C}{\partial z'},$$
#   a network run backwards, from the output layer (where $\partial C/\partial z = \sigma'(z)\,\partial C/\partial y$)
#   to the first, with each neuron's $\sigma'(z)$ acting as an amplifier.
#
# Part 1 writes those two sweeps by hand in NumPy and compares them with the engine's `loss.backward()`.
# Part 2 shows why this recipe is the *reverse* mode of automatic differentiation, and why that mode is the
# right one for training: by measuring the forward mode against it.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from threadpoolctl import threadpool_limits   # installed with scikit-learn

plt.rcParams.update({"figure.dpi": 90, "axes.grid": True, "grid.alpha": 0.3})

import autograd_core as ag
from autograd_core import nn
from autograd_core import viz
from autograd_core import Value

# %% [markdown]
# ## Part 1: the two sweeps by hand
#
# A small network 3 → 4 → 3 → 2 with sigmoid neurons everywhere (as in the lecture), in float64, and a
# batch of five examples. The cost of one example is $C^n = \tfrac12\lVert y^n - \hat y^n\rVert^2$, the total
# $L = \sum_n C^n$. The network is built from `nn.Layer`, so the engine and the hand computation read the
# very same weights.

# %%
nn.manual_seed(0)
net = nn.Sequential(
    nn.Layer(3, 4, activation="sigmoid", dtype=np.float64),
    nn.Layer(4, 3, activation="sigmoid", dtype=np.float64),
    nn.Layer(3, 2, activation="sigmoid", dtype=np.float64),
)
rng = np.random.default_rng(1)
X = rng.normal(size=(5, 3))          # five examples x^n
Y = rng.uniform(size=(5, 2))         # their targets ŷ^n
print(net)

# %% [markdown]
# The engine: one forward call, one `backward()`.

# %%
loss = 0.5 * ((net(Value(X, requires_grad=False)) - Y) ** 2).sum()
loss.backward()
print(f"L = {float(loss):.10f}")
display(viz.draw(loss, show=("shape", "derivs")))

# %% [markdown]
# Each layer is a box holding one `linear` node, whose output (5, nout) is the weighted inputs z of the
# layer's neurons for all five examples, and one `sigmoid` node, the activations a = σ(z). The edges of these
# tensor nodes are labelled with their rules (g is the gradient arriving from below, the output side): the
# input of a `linear` node gets g·W, which is the lecture's Σ w′ ∂C/∂z′ for every neuron at once; its weight
# gets gᵀ·x, ∂C/∂z times the input (∂z/∂w = input); and the sigmoid's g⊙σ(x)(1−σ(x)) is the σ′(z)
# amplifier. The picture writes the name of an argument in place of its letter only for an operation with
# several inputs: in the one-input rule of `sigmoid`, x is the sigmoid's own input (n4, n8, n12: the layer's
# z), not the network's input x (the unnamed `const (5, 3)`, which is the x of layer 0's gᵀ·x).
#
# By hand, with nothing but NumPy and the lecture's two formulas, one example at a time, one neuron at a
# time:

# %%
Ws = [layer.weight.data for layer in net]   # W[l][j, i]: weight from input i to neuron j of layer l
bs = [layer.bias.data for layer in net]


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


dL_dW = [np.zeros_like(W) for W in Ws]
dL_db = [np.zeros_like(b) for b in bs]
for x, y_hat in zip(X, Y):
    # Forward pass: keep every layer's input a (these are the ∂z/∂w) and weighted input z.
    inputs, zs = [], []
    a = x
    for W, b in zip(Ws, bs):
        inputs.append(a)
        z = W @ a + b
        zs.append(z)
        a = sigmoid(z)
    y = a

    # Backward pass: ∂C/∂z for the output layer, then each earlier layer from the one after it.
    dC_dz = [None] * len(Ws)
    dC_dz[-1] = sigmoid_prime(zs[-1]) * (y - y_hat)             # σ'(z) · ∂C/∂y, with C = ½‖y − ŷ‖²
    for l in range(len(Ws) - 2, -1, -1):
        W_next = Ws[l + 1]
        dC_dz[l] = np.array([
            sigmoid_prime(zs[l][j]) * sum(W_next[k, j] * dC_dz[l + 1][k] for k in range(W_next.shape[0]))
            for j in range(Ws[l].shape[0])
        ])                                                        # σ'(z) · Σ w' ∂C/∂z'

    # ∂C/∂w = ∂z/∂w · ∂C/∂z, where ∂z/∂w is the input on the weight's edge; summed over examples into L.
    for l in range(len(Ws)):
        for j in range(Ws[l].shape[0]):
            for i in range(Ws[l].shape[1]):
                dL_dW[l][j, i] += inputs[l][i] * dC_dz[l][j]
            dL_db[l][j] += 1.0 * dC_dz[l][j]                      # ∂z/∂b = 1

# %% [markdown]
# The two agree, parameter by parameter:

# %%
worst = 0.0
for l, layer in enumerate(net):
    dW = np.abs(dL_dW[l] - layer.weight.grad).max()
    db = np.abs(dL_db[l] - layer.bias.grad).max()
    worst = max(worst, dW, db)
    print(f"layer {l}: max |by hand − engine| = {dW:.2e} for the weights, {db:.2e} for the biases")
print(f"largest difference: {worst:.2e}")
assert worst <= 1e-12

# %% [markdown]
# The engine never saw these formulas. It knows only the local derivative of each primitive (the `linear`
# node's rule g·W for its input and gᵀ·x for W, the `sigmoid` node's g·σ(1 − σ), the loss's) and applies the
# chain rule edge by edge from the output backwards. The lecture's backward pass is that procedure written
# out for a sigmoid network; the "reversed network with amplifiers σ′(z)" is the graph above traversed
# against its arrows.
#
# ## Part 2: forward mode or reverse mode?
#
# The chain rule multiplies Jacobians, and the product can be evaluated from either end:
#
# * **forward mode** (`autograd_core.jvp`): push a tangent $t$ from the inputs to the output, getting
#   $J\,t$, the derivative along one input direction. A full gradient of $f:\mathbb R^n \to \mathbb R$ needs
#   one call per input ($t = e_1, \dots, e_n$).
# * **reverse mode** (`autograd_core.vjp`, and `backward()`): pull a cotangent $u$ from the output back to the
#   inputs, getting $u^\top J$. For a scalar output, $u = 1$ gives the whole gradient in one call.
#
# A training loss has one output and as many inputs as the network has parameters. We measure the time to
# get the full gradient of such a function, a least-squares loss of a linear model with n weights,
# $f(w) = \operatorname{mean}((Aw - y)^2)$ (A a 32 × n matrix), with n jvp calls and with one vjp call.
#
# The times below are CPU times of the running thread (`time.thread_time`), with NumPy's matrix products
# kept on that one thread: the time other programs take on a busy machine then does not count, and each
# measurement is repeated to show how much the repeats still spread.

# %%
def full_gradient_forward(f, w):
    """n jvp calls, tangent e_i each time: the gradient one component at a time."""
    basis = np.eye(w.size)
    return np.array([ag.jvp(f, (w,), (basis[i],))[1] for i in range(w.size)])


def full_gradient_reverse(f, w):
    """One vjp call with cotangent 1: the whole gradient at once."""
    _, pullback = ag.vjp(f, w)
    return pullback(1.0)[0]


threadpool_limits(limits=1)   # from here on: NumPy's matrix products on one thread, the one we time
REPEATS = 7


def cpu_times(fn, *args, repeats=REPEATS):
    """(array of the CPU times of `repeats` calls of fn(*args), the last call's result).

    A first call, not timed, pays the one-time costs (imports, caches). The fastest timed call is the best
    estimate of the cost (the machine's other work only ever adds time); the slowest one shows how far the
    repeats spread."""
    fn(*args)
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        result = fn(*args)
        times.append(time.thread_time() - start)
    return np.array(times), result


def ms_range(times):
    """'fastest–slowest' of a set of times, in ms."""
    return f"{1e3 * times.min():.3g}–{1e3 * times.max():.3g}"


def plot_with_spread(ax, sizes, runs, style, label):
    """Per size, the fastest of the repeats as a line on log-log axes, shaded up to the slowest."""
    fastest = np.array([times.min() for times in runs])
    slowest = np.array([times.max() for times in runs])
    line, = ax.loglog(sizes, fastest, style, label=label)
    ax.fill_between(sizes, fastest, slowest, color=line.get_color(), alpha=0.2)


def lead_range(loser, winner):
    """How many times slower the losing mode is: (from the fastest calls, at least: its fastest call against
    the winner's slowest, at most: its slowest against the winner's fastest)."""
    return loser.min() / winner.min(), loser.min() / winner.max(), loser.max() / winner.min()


rng = np.random.default_rng(0)
sizes = [2, 8, 32, 128, 512]
t_forward, t_reverse = [], []    # the times of the repeats, one array per size
print(f"{'n inputs':>9}{'n × jvp [ms]':>16}{'1 × vjp [ms]':>16}{'ratio (at least–at most)':>27}"
      f"{'max |difference|':>19}")
for n in sizes:
    A, target = rng.normal(size=(32, n)), rng.normal(size=32)
    f = lambda w, A=A, target=target: ((A @ w - target) ** 2).mean()
    w0 = rng.normal(size=n)
    tf, g_forward = cpu_times(full_gradient_forward, f, w0)
    tr, g_reverse = cpu_times(full_gradient_reverse, f, w0)
    g_exact = 2 * A.T @ (A @ w0 - target) / 32          # the gradient in closed form
    diff = max(np.abs(g_forward - g_exact).max(), np.abs(g_reverse - g_exact).max())
    assert diff < 1e-10
    t_forward.append(tf)
    t_reverse.append(tr)
    ratio, low, high = lead_range(tf, tr)
    print(f"{n:9d}{ms_range(tf):>16}{ms_range(tr):>16}{f'{ratio:.1f} ({low:.1f}–{high:.1f})':>27}{diff:19.1e}")
print(f"each time: fastest–slowest of {REPEATS} repeats; ratio: fastest against fastest")

# %%
fig, ax = plt.subplots(figsize=(6, 3.8))
plot_with_spread(ax, sizes, t_forward, "o-", "forward mode: n jvp calls")
plot_with_spread(ax, sizes, t_reverse, "s-", "reverse mode: 1 vjp call")
ax.set_xlabel("number of inputs n (one output)")
ax.set_ylabel("CPU time for the full gradient [s]")
ax.set_title("Gradient of f: ℝⁿ → ℝ (band: fastest to slowest repeat)")
ax.legend()
plt.show()

fastest_forward = [t.min() for t in t_forward]
fastest_reverse = [t.min() for t in t_reverse]
slope = np.polyfit(np.log(sizes[2:]), np.log(fastest_forward[2:]), 1)[0]
print(f"forward mode: time grows like n^{slope:.2f} over the larger sizes; "
      f"reverse mode: {1e3 * min(fastest_reverse):.3g} to {1e3 * max(fastest_reverse):.3g} ms whatever n "
      f"(fastest repeats)")

# %% [markdown]
# Forward mode pays once per input; reverse mode pays once per output. `autograd_core.jvp` is a real forward
# mode: it runs f once, and every operation computes its output's tangent from its inputs' tangents with the
# primitive's JVP rule (the derivative of `sin` sends t to t·cos x), beside the value: dual numbers. Its cost
# is a small multiple of one evaluation of f, whatever the number of outputs: for g(s) = sin(s·c)·s the
# tangents need operations of their own beside the values' three (a cos beside the sin, the product rule's
# two products and a sum), plus the bookkeeping of the tangents. Measured with 1000 outputs (CPU time,
# 15 rounds of 100 calls):

# %%
c1000 = np.linspace(-1, 1, 1000)
g1000 = lambda s: ag.sin(s * c1000) * s                     # ℝ → ℝ¹⁰⁰⁰
rounds = {"evaluation": [], "jvp": []}
for _ in range(15):   # the two take turns, so that other load on the machine hits both alike; CPU time
    for name, call in (("evaluation", lambda: g1000(ag.Value(0.3, requires_grad=False))),
                       ("jvp", lambda: ag.jvp(g1000, (0.3,), (1.0,)))):
        start = time.thread_time()
        for _ in range(100):
            call()
        rounds[name].append((time.thread_time() - start) / 100)
t_eval, t_jvp = np.median(rounds["evaluation"]), np.median(rounds["jvp"])
round_ratios = np.array(rounds["jvp"]) / np.array(rounds["evaluation"])   # each round's two measurements
print(f"one evaluation of g: {t_eval * 1e6:.0f} µs; one jvp of g: {t_jvp * 1e6:.0f} µs (medians): "
      f"{t_jvp / t_eval:.1f}× an evaluation ({round_ratios.min():.1f}× to {round_ratios.max():.1f}× "
      f"in the {len(round_ratios)} rounds)")

# %% [markdown]
# The roles swap for a function with one input and many outputs, $g:\mathbb R \to \mathbb R^m$: one jvp call
# gives the whole Jacobian column, while reverse mode needs one vjp call per output.

# %%
def jacobian_forward(g, s):
    return ag.jvp(g, (s,), (1.0,))[1]


def jacobian_reverse(g, s, m):
    out, pullback = ag.vjp(g, s)
    basis = np.eye(m)
    return np.array([pullback(basis[k])[0] for k in range(m)])


outputs = [2, 8, 32, 128, 512]
t_fwd_m, t_rev_m = [], []
for m in outputs:
    c = np.linspace(-1, 1, m)
    g = lambda s, c=c: ag.sin(s * c) * s                   # m outputs from one input s
    tf, col_forward = cpu_times(jacobian_forward, g, 0.3)
    tr, col_reverse = cpu_times(jacobian_reverse, g, 0.3, m)
    exact = c * np.cos(0.3 * c) * 0.3 + np.sin(0.3 * c)    # d/ds of sin(s·c)·s
    assert np.allclose(col_forward, exact) and np.allclose(col_reverse, exact)
    t_fwd_m.append(tf)
    t_rev_m.append(tr)

fig, ax = plt.subplots(figsize=(6, 3.8))
plot_with_spread(ax, outputs, t_fwd_m, "o-", "forward mode: 1 jvp call")
plot_with_spread(ax, outputs, t_rev_m, "s-", "reverse mode: m vjp calls")
ax.set_xlabel("number of outputs m (one input)")
ax.set_ylabel("CPU time for the full Jacobian [s]")
ax.set_title("Jacobian of g: ℝ → ℝᵐ (band: fastest to slowest repeat)")
ax.legend()
plt.show()

# %% [markdown]
# Side by side, from the timings above (nothing typed in): who wins, and by how much. Each time is the fastest
# of the repeats, and each lead comes with its spread: "at least" sets the loser's fastest repeat against the
# winner's slowest, so a winner is named only where even that is above 1 (as printed, to one decimal); where
# it is not (it can happen at the smallest size, where the loser makes only two calls), the repeats do not
# decide. The factor grows roughly in proportion to n for the gradient of f: ℝⁿ → ℝ (reverse mode wins) and to
# m for the Jacobian of g: ℝ → ℝᵐ (forward mode wins), because the losing mode makes n (or m) calls where the
# winner makes one; the last line fits the growth of each factor (fastest against fastest) as a power of the
# size: a power near 1 where the winner's one call costs about the same at every size, lower where that call
# itself grows with the size (the one jvp of g computes m sines and cosines). On another machine the times
# differ; the factors, set by the number of calls, stay of this size.

# %%
def verdict(mode, loser, winner):
    ratio, low, high = lead_range(loser, winner)
    said = f"{mode} wins by" if round(low, 1) > 1 else "undecided:"
    return f"{said:>15} {ratio:6.1f}× (at least {low:5.1f}×)"


print(f"{'size':>6} | {'f: ℝⁿ→ℝ, n × jvp':>17} {'1 × vjp':>9}  {'lead of reverse mode':<37} | "
      f"{'g: ℝ→ℝᵐ, 1 × jvp':>17} {'m × vjp':>9}  lead of forward mode")
for n, tf, tr, tfm, trm in zip(sizes, t_forward, t_reverse, t_fwd_m, t_rev_m):
    print(f"{n:6d} | {1e3 * tf.min():14.2f} ms {1e3 * tr.min():6.2f} ms  {verdict('reverse', tf, tr)} | "
          f"{1e3 * tfm.min():14.2f} ms {1e3 * trm.min():6.2f} ms  {verdict('forward', trm, tfm)}")
reverse_factor = np.array([tf.min() / tr.min() for tf, tr in zip(t_forward, t_reverse)])
forward_factor = np.array([trm.min() / tfm.min() for trm, tfm in zip(t_rev_m, t_fwd_m)])
print(f"each factor grows like size^p over the sizes {sizes[2]} to {sizes[-1]}: "
      f"p = {np.polyfit(np.log(sizes[2:]), np.log(reverse_factor[2:]), 1)[0]:.2f} (reverse mode's lead), "
      f"p = {np.polyfit(np.log(outputs[2:]), np.log(forward_factor[2:]), 1)[0]:.2f} (forward mode's lead)")

# %% [markdown]
# A network's loss is the first case at its most extreme: one output, thousands or millions of parameters.
# Reverse mode gets every ∂L/∂w for the price of about one extra pass over the graph, which is what the
# lecture's backward pass does. Backpropagation is reverse-mode automatic differentiation, specialised to
# layered networks (反向传播算法只是自动微分的一种特殊形式).
#
# ## What one backward pass costs
#
# The lecture's summary says that the backward pass costs as much as the forward pass (计算量和前向传播一样).
# That is right in order of magnitude, which is what matters, but the backward pass does more: per layer,
# the forward pass does one matrix product ($x W^\top$), the backward pass two ($g W$ for the layer's input,
# $g^\top x$ for its weights; the first layer needs only the second, its input x needs no gradient), plus
# elementwise work the size of the forward's. So expect one to three forward passes' worth, for every gradient
# at once: nothing like the one pass *per parameter* that forward mode needs. Measured on a sigmoid network
# 256 → 256 → 256 → 10 and a batch of 256 (CPU time on one thread as above, median of 7 runs, with the
# spread of each run's own ratio):

# %%
nn.manual_seed(0)
wide = nn.MLP(256, [256, 256, 10], activation="sigmoid", dtype=np.float64)
X_wide = rng.normal(size=(256, 256))
y_wide = rng.integers(0, 10, size=256)
forward_times, backward_times = [], []
for _ in range(7):
    start = time.thread_time()
    loss_wide = nn.functional.cross_entropy(wide(X_wide), y_wide)
    middle = time.thread_time()
    loss_wide.backward()
    forward_times.append(middle - start)
    backward_times.append(time.thread_time() - middle)
    wide.zero_grad()
t_fwd, t_bwd = np.median(forward_times), np.median(backward_times)
run_ratios = np.array(backward_times) / np.array(forward_times)
print(f"forward {1e3 * t_fwd:.1f} ms, backward {1e3 * t_bwd:.1f} ms (medians): the backward pass costs "
      f"{t_bwd / t_fwd:.1f} forward passes ({run_ratios.min():.1f} to {run_ratios.max():.1f} in the "
      f"{len(run_ratios)} runs), for all {wide.num_parameters():,} gradients at once")
