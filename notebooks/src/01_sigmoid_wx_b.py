# %% [markdown]
# # 1. The computation graph of σ(w·x + b), forward and backward
#
# The lecture (计算图与自动微分, computation graphs and automatic differentiation) takes one neuron,
#
# $$f(x; w, b) = \sigma(w x + b) = \frac{1}{1 + e^{-(w x + b)}},$$
#
# and cuts it into six elementary steps, each simple enough to differentiate by hand:
#
# | step | operation | local derivative |
# |---|---|---|
# | $h_1 = x \cdot w$ | multiply | $\partial h_1/\partial w = x$ |
# | $h_2 = h_1 + b$ | add | $\partial h_2/\partial h_1 = 1$ |
# | $h_3 = -h_2$ | negate | $\partial h_3/\partial h_2 = -1$ |
# | $h_4 = \exp(h_3)$ | exponential | $\partial h_4/\partial h_3 = \exp(h_3) = h_4$ |
# | $h_5 = h_4 + 1$ | add | $\partial h_5/\partial h_4 = 1$ |
# | $h_6 = 1/h_5$ | reciprocal | $\partial h_6/\partial h_5 = -1/h_5^2$ |
#
# The chain rule (链式法则) then says that $\partial f/\partial w$ is the product of the local derivatives
# along the path from $w$ to $f$:
#
# $$\frac{\partial f}{\partial w} = \frac{\partial f}{\partial h_6}\frac{\partial h_6}{\partial h_5}
# \frac{\partial h_5}{\partial h_4}\frac{\partial h_4}{\partial h_3}\frac{\partial h_3}{\partial h_2}
# \frac{\partial h_2}{\partial h_1}\frac{\partial h_1}{\partial w}.$$
#
# This notebook builds exactly that graph with `autograd_core`, looks at it with `viz`, and checks every
# number: the forward values, the local derivative on each edge, the backward pass one step at a time, and
# the product above against the gradient the engine computes.

# %%
import numpy as np
from IPython.display import display

from autograd_core import viz
from autograd_core import Value

# %% [markdown]
# ## The graph, built step by step
#
# `x` is the input (a constant: we do not need its gradient), `w` and `b` are the parameters. Each line
# below records one node; the labels name them as the lecture does.

# %%
x = Value(1.5, label="x", requires_grad=False)
w = Value(0.8, label="w")
b = Value(-0.5, label="b")

h1 = x * w
h2 = h1 + b
h3 = -h2
h4 = h3.exp()
h5 = h4 + 1
h6 = 1 / h5
for i, h in enumerate((h1, h2, h3, h4, h5, h6), start=1):
    h.label = f"h{i}"
f = h6

sigma = 1 / (1 + np.exp(-(0.8 * 1.5 - 0.5)))  # the same function written directly in NumPy
print(f"f = h6 = {float(f):.6f}   σ(w·x + b) computed directly = {sigma:.6f}")
assert np.isclose(float(f), sigma)

# %% [markdown]
# ## Forward: the values
#
# Every node holds its value (`data`). Each oval is an operation; the number on an edge is the local
# derivative ∂(child)/∂(parent), available as soon as the forward pass has run. No gradient exists yet.

# %%
display(viz.draw(f, show=("data", "derivs")))

# %% [markdown]
# The same graph as a table, read from `viz.trace` (every node in topological order: parents first). The
# constant 1 of h₄ + 1 and of 1/h₅ is a single node, used twice (the engine keeps one Value per number): the
# table lists it once. The picture above draws it at each of its two uses, so that no long edge crosses the
# picture: as a small grey box beside the + of h₄ + 1, and inside the operation `1 / h5`, which writes its
# operands in place because a division, unlike a sum, depends on their order (`h5 / 1` would be another
# function). The check below confirms it is one node with two uses.

# %%
graph = viz.trace(f)
print(f"{'node':<6}{'kind':<14}{'operation':<11}{'value':>10}")
for node in graph.nodes:
    name = node.label or f"{float(node.data):g}"
    print(f"{name:<6}{node.role:<14}{node.op or '-':<11}{float(node.data):10.4f}")
ones = [n for n in graph.nodes if n.role == "constant" and not n.label and float(n.data) == 1.0]
uses = [e for e in graph.edges if e.src == ones[0].id]
print(f"the constant 1: {len(ones)} node, {len(uses)} uses (h5 = h4 + 1 and f = 1/h5)")
assert len(ones) == 1 and len(uses) == 2

# %% [markdown]
# ## The local derivative on each edge
#
# `viz.trace` evaluates each edge's rule (the vector-Jacobian product of the primitive with output gradient
# 1), which for scalars is the local derivative. Next to it, the closed form from the table above, computed
# from the forward values:

# %%
closed_form = {
    ("w", "h1"): float(x.data),                 # ∂(x·w)/∂w = x
    ("b", "h2"): 1.0,                           # ∂(h1 + b)/∂b = 1
    ("h1", "h2"): 1.0,
    ("h2", "h3"): -1.0,                         # ∂(−h2)/∂h2
    ("h3", "h4"): float(np.exp(h3.data)),       # ∂exp(h3)/∂h3 = exp(h3)
    ("h4", "h5"): 1.0,
    ("h5", "h6"): -1.0 / float(h5.data) ** 2,   # ∂(1/h5)/∂h5 = −1/h5²
}
nodes = {n.id: n for n in graph.nodes}
print(f"{'edge':<14}{'engine':>10}{'closed form':>13}")
for edge in graph.edges:
    src, dst = nodes[edge.src], nodes[edge.dst]
    if edge.derivative is None:  # edges from constants (x, the 1 in h4 + 1, the 1 in 1/h5) carry none
        continue
    expected = closed_form[(src.name, dst.name)]
    print(f"∂{dst.name}/∂{src.name:<9}{edge.derivative:10.4f}{expected:13.4f}")
    assert np.isclose(edge.derivative, expected)
print("every local derivative matches its closed form")

# %% [markdown]
# ## Backward, frame by frame
#
# `f.backward()` seeds ∂f/∂f = 1 at the output and visits the nodes in reverse topological order. When it
# reaches a node, every path from that node to the output has already been accounted for, so the node's
# gradient is complete; it then multiplies that gradient by the local derivative of each incoming edge and
# passes the product on to the parent. In the frames below the node just completed is orange, `grad ?`
# marks gradients not yet known, and each title shows the step's arithmetic,
# grad h₃ = grad h₄ · ∂h₄/∂h₃. (`retain_graph=True` keeps the values the local derivatives need, so the
# frames, the explorer and `viz.chain_rule` can still evaluate them after the backward pass.)

# %%
f.backward(retain_graph=True)
frames = viz.backward_steps(f)
print(f"{len(frames)} backward steps")
for frame in frames:
    display(frame)

# %% [markdown]
# ## ∂f/∂w as the product of the six local derivatives
#
# `viz.chain_rule(f, w)` lists the paths from `w` to `f` (here exactly one) and the local derivatives along
# each, output side first. Their product is what the backward pass accumulated into `w.grad`.

# %%
chain = viz.chain_rule(f, w)
print(chain.equation())
(path,) = chain.paths
product = 1.0
for factor in path.factors:
    print(f"  {str(factor):<10} = {factor.derivative: .6f}")
    product *= factor.derivative
print(f"product of the {len(path.factors)} local derivatives = {product:.12f}")
print(f"w.grad                              = {float(w.grad):.12f}")
print(f"σ'(z)·x = σ(z)(1 − σ(z))·x          = {sigma * (1 - sigma) * 1.5:.12f}")
assert chain.n_paths == 1 and len(path.factors) == 6
assert np.isclose(product, float(w.grad), rtol=1e-14, atol=0)
assert np.isclose(float(w.grad), sigma * (1 - sigma) * 1.5)

# %% [markdown]
# The six factors are ∂h₆/∂h₅ ⋯ ∂h₁/∂w; the lecture's first factor ∂f/∂h₆ is 1 because f *is* h₆. The
# picture highlights the path and writes the same equation as its title:

# %%
display(viz.draw(f, highlight=w))

# %% [markdown]
# The bias takes a shorter path: it joins at h₂, so its product has five factors and no `x`.

# %%
chain_b = viz.chain_rule(f, b)
print(chain_b.equation())
assert np.isclose(chain_b.total, float(b.grad)) and len(chain_b.paths[0].factors) == 5

# %% [markdown]
# ## The chain rule's two cases
#
# The lecture (反向传播 → 链式法则) states the chain rule in two forms.
#
# **Case 1**, a chain: $y = g(x)$, $z = h(y)$ gives $\dfrac{dz}{dx} = \dfrac{dz}{dy}\dfrac{dy}{dx}$.
# Take $g(x) = x^2$ and $h(y) = \sin y$:

# %%
x1 = Value(0.7, label="x")
y1 = x1**2
y1.label = "y"
z1 = y1.sin()
z1.label = "z"
z1.backward()

chain1 = viz.chain_rule(z1, x1)
by_hand = np.cos(0.7**2) * 2 * 0.7  # dz/dy · dy/dx = cos(y) · 2x
print(chain1.equation())
print(f"x.grad = {float(x1.grad):.12f}   cos(y)·2x = {by_hand:.12f}")
assert chain1.n_paths == 1 and np.isclose(float(x1.grad), by_hand)
display(viz.draw(z1, highlight=x1))

# %% [markdown]
# **Case 2**, two paths: $x = g(s)$, $y = h(s)$, $z = k(x, y)$ gives
#
# $$\frac{dz}{ds} = \frac{\partial z}{\partial x}\frac{dx}{ds} + \frac{\partial z}{\partial y}\frac{dy}{ds}.$$
#
# Take $g(s) = s^2$, $h(s) = e^s$ and $k(x, y) = x \cdot y$. The variable $s$ reaches $z$ along two paths;
# the chain rule multiplies along each and adds the paths.

# %%
s = Value(0.5, label="s")
x2 = s**2
x2.label = "x"
y2 = s.exp()
y2.label = "y"
z2 = x2 * y2
z2.label = "z"
z2.backward()

chain2 = viz.chain_rule(z2, s)
print(chain2.equation())
for k, p in enumerate(chain2.paths, start=1):
    print(f"path {k}: " + " · ".join(str(f) for f in p.factors) + f" = {p.product:.6f}")
sv = 0.5
by_hand = np.exp(sv) * 2 * sv + sv**2 * np.exp(sv)  # ∂z/∂x·dx/ds + ∂z/∂y·dy/ds = y·2s + x·eˢ
print(f"sum of the paths = {chain2.total:.12f}   s.grad = {float(s.grad):.12f}   by hand = {by_hand:.12f}")
assert chain2.n_paths == 2
assert np.isclose(sum(p.product for p in chain2.paths), float(s.grad), rtol=1e-14, atol=0)
assert np.isclose(float(s.grad), by_hand)
display(viz.draw(z2, highlight=s))

# %% [markdown]
# The backward pass never enumerates paths: it visits `z`, then `x` and `y`, then `s`, and `s` receives one
# contribution from each child, which it adds. That sum is exactly the sum over paths printed above, and it
# costs one visit per edge however many paths there are; a graph with many shared nodes can have
# exponentially many paths but only linearly many edges. That is why backpropagation is cheap.

# %% [markdown]
# ## Explore the graph yourself
#
# `viz.explore(f)` shows the same graph as an interactive page (in Jupyter: below; or `.save("f.html")` and
# open it in a browser, offline). Drag to pan and scroll to zoom; click a node for its value and gradient;
# hover an edge for its local derivative; click `w` to see its path to `f` with the product of the local
# derivatives, equal to `w.grad`; the backward-pass controls replay the steps above one by one, each with
# its arithmetic. (A notebook viewer that does not run scripts, such as a static web page, shows only an
# empty frame: run the notebook.)

# %%
viz.explore(f, highlight=w, height=560)
