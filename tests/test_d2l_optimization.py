"""Dive into Deep Learning (d2l, PyTorch edition; d2l-zh has the same code), chapters 11 and 12, run with
`import autograd_core as torch`, and giving PyTorch's numbers.

Chapter 11, optimization algorithms: gradient descent in one and two dimensions (`train_2d`), Newton's method,
stochastic gradient descent with learning-rate functions, minibatch SGD (`get_data_ch11`, `train_ch11`,
`train_concise_ch11`), momentum, Adagrad, RMSProp, Adadelta, Adam and Yogi from scratch and with the torch.optim
class, and learning-rate scheduling (`SquareRootScheduler`, `FactorScheduler`, `lr_scheduler.MultiStepLR`,
`CosineScheduler`) on a small LeNet. Chapter 12, computational performance, where it runs on a CPU: asynchronous
computation's `torch.cuda.synchronize` behind `torch.cuda.is_available()`. Hybridization (12.1) compiles the model
with `torch.jit.script` and saves a TorchScript archive, which autograd_core does not have (coming-from-pytorch:
"Not here: TorchScript archives"): only the error is checked. Automatic parallelism and multi-GPU training
(12.3, 12.5-12.7) need GPUs and are left out.

The programs are the book's code with small sizes: a 200-row stand-in for the airfoil data (six float32 columns,
drawn by NumPy from a fixed seed, normalised as `get_data_ch11` does), a 32-image stand-in for Fashion-MNIST, and
the d2l helpers they use (`Timer`, `Accumulator`, `Animator` without its drawing, `linreg`, `squared_loss`,
`load_array`, `evaluate_loss`, `accuracy`, `evaluate_accuracy_gpu`) defined inline as the book defines them. Lines
that print timings print the losses only (the times differ from run to run), and losses are printed with six
digits instead of three so that the comparison means something.

The harness is tests/program_harness.py's: each program runs with autograd_core; where PyTorch is installed it
runs again with PyTorch from the same starting numbers (every random draw, layer initialisation and DataLoader
shuffle replayed from our run) and every number it prints agrees to float32 precision.
"""

from __future__ import annotations

import numpy as np
import pytest
from program_harness import compare_with_pytorch, marked

import autograd_core as ag
from autograd_core import nn

# The d2l helpers the chapter-11 programs use, as d2l/torch.py defines them (the plots drawn with matplotlib's Agg
# backend, not shown; Animator keeps the points it would draw).
D2L = r'''
import math
import time
import matplotlib
import numpy as np
import torch
from torch import nn
from torch.utils import data

matplotlib.use('Agg')  # the book's use_svg_display() shows the figures in Jupyter
from matplotlib import pyplot as plt


def set_figsize(figsize=(3.5, 2.5)):
    """设置matplotlib的图表大小"""
    plt.rcParams['figure.figsize'] = figsize


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend):
    """设置matplotlib的轴"""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid()


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None,
         ylim=None, xscale='linear', yscale='linear',
         fmts=('-', 'm--', 'g-.', 'r:'), figsize=(3.5, 2.5), axes=None):
    """绘制数据点"""
    if legend is None:
        legend = []

    set_figsize(figsize)
    axes = axes if axes else plt.gca()

    # 如果X有一个轴，输出True
    def has_one_axis(X):
        return (hasattr(X, "ndim") and X.ndim == 1 or isinstance(X, list)
                and not hasattr(X[0], "__len__"))

    if has_one_axis(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif has_one_axis(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    axes.cla()
    for x, y, fmt in zip(X, Y, fmts):
        if len(x):
            axes.plot(x, y, fmt)
        else:
            axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)


def show_trace_2d(f, results):
    """显示优化过程中2D变量的轨迹"""
    set_figsize()
    plt.plot(*zip(*results), '-o', color='#ff7f0e')
    x1, x2 = torch.meshgrid(torch.arange(-5.5, 1.0, 0.1),
                            torch.arange(-3.0, 1.0, 0.1), indexing='ij')
    plt.contour(x1, x2, f(x1, x2), colors='#1f77b4')
    plt.xlabel('x1')
    plt.ylabel('x2')
    plt.close('all')


class Timer:
    """记录多次运行时间"""
    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        self.tik = time.time()

    def stop(self):
        self.times.append(time.time() - self.tik)
        return self.times[-1]

    def avg(self):
        return sum(self.times) / len(self.times)

    def sum(self):
        return sum(self.times)

    def cumsum(self):
        return np.array(self.times).cumsum().tolist()


class Accumulator:
    """在n个变量上累加"""
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


class Animator:
    """在动画中绘制数据 (the points only)"""
    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None, xscale='linear',
                 yscale='linear', fmts=('-', 'm--', 'g-.', 'r:'), nrows=1, ncols=1, figsize=(3.5, 2.5)):
        self.X, self.Y, self.fmts = None, None, fmts

    def add(self, x, y):
        if not hasattr(y, "__len__"):
            y = [y]
        n = len(y)
        if not hasattr(x, "__len__"):
            x = [x] * n
        if not self.X:
            self.X = [[] for _ in range(n)]
        if not self.Y:
            self.Y = [[] for _ in range(n)]
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(a)
                self.Y[i].append(b)


def linreg(X, w, b):
    """线性回归模型"""
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    """均方损失"""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def load_array(data_arrays, batch_size, is_train=True):
    """构造一个PyTorch数据迭代器"""
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)


def evaluate_loss(net, data_iter, loss):
    """评估给定数据集上模型的损失"""
    metric = Accumulator(2)  # 损失的总和,样本数量
    for X, y in data_iter:
        out = net(X)
        y = y.reshape(out.shape)
        l = loss(out, y)
        metric.add(l.sum(), l.numel())
    return metric[0] / metric[1]


def train_2d(trainer, steps=20, f_grad=None):
    """用定制的训练机优化2D目标函数"""
    # s1和s2是稍后将使用的内部状态变量
    x1, x2, s1, s2 = -5, -2, 0, 0
    results = [(x1, x2)]
    for i in range(steps):
        if f_grad:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2, f_grad)
        else:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2)
        results.append((x1, x2))
    print(f'epoch {i + 1}, x1: {float(x1):f}, x2: {float(x2):f}')
    return results


def get_data_ch11(batch_size=10, n=1500):
    # The airfoil data's stand-in: 200 rows of six float32 columns (the book reads 1503 from a download).
    data = np.random.RandomState(11).rand(200, 6).astype(np.float32) * np.float32([2e4, 20, 0.3, 70, 0.05, 130])
    data = torch.from_numpy((data - data.mean(axis=0)) / data.std(axis=0))
    data_iter = load_array((data[:n, :-1], data[:n, -1]), batch_size, is_train=True)
    return data_iter, data.shape[1]-1


def train_ch11(trainer_fn, states, hyperparams, data_iter, feature_dim, num_epochs=2):
    # 初始化模型
    w = torch.normal(mean=0.0, std=0.01, size=(feature_dim, 1), requires_grad=True)
    b = torch.zeros((1), requires_grad=True)
    net, loss = lambda X: linreg(X, w, b), squared_loss
    # 训练模型
    animator = Animator(xlabel='epoch', ylabel='loss', xlim=[0, num_epochs], ylim=[0.22, 0.35])
    n, timer = 0, Timer()
    for _ in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y).mean()
            l.backward()
            trainer_fn([w, b], states, hyperparams)
            n += X.shape[0]
            if n % 200 == 0:
                timer.stop()
                animator.add(n/X.shape[0]/len(data_iter), (evaluate_loss(net, data_iter, loss),))
                timer.start()
    print(f'loss: {animator.Y[0][-1]:.6f}')  # the book also prints {timer.avg():.3f} sec/epoch
    return timer.cumsum(), animator.Y[0]


def train_concise_ch11(trainer_fn, hyperparams, data_iter, num_epochs=4):
    # 初始化模型
    net = nn.Sequential(nn.Linear(5, 1))
    def init_weights(m):
        if type(m) == nn.Linear:
            torch.nn.init.normal_(m.weight, std=0.01)
    net.apply(init_weights)

    optimizer = trainer_fn(net.parameters(), **hyperparams)
    loss = nn.MSELoss(reduction='none')
    animator = Animator(xlabel='epoch', ylabel='loss', xlim=[0, num_epochs], ylim=[0.22, 0.35])
    n, timer = 0, Timer()
    for _ in range(num_epochs):
        for X, y in data_iter:
            optimizer.zero_grad()
            out = net(X)
            y = y.reshape(out.shape)
            l = loss(out, y)
            l.mean().backward()
            optimizer.step()
            n += X.shape[0]
            if n % 200 == 0:
                timer.stop()
                # MSELoss计算平方误差时不带系数1/2
                animator.add(n/X.shape[0]/len(data_iter), (evaluate_loss(net, data_iter, loss) / 2,))
                timer.start()
    print(f'loss: {animator.Y[0][-1]:.6f}')  # the book also prints {timer.avg():.3f} sec/epoch
'''

# 11.1 优化和深度学习, 11.2 凸性 (the plots, and the numbers matplotlib drew)
INTRO_CONVEXITY = r'''
import numpy as np
import torch
from mpl_toolkits import mplot3d


def f(x):
    return x * torch.cos(np.pi * x)


def g(x):
    return f(x) + 0.2 * torch.cos(5 * np.pi * x)


def annotate(text, xy, xytext):
    plt.gca().annotate(text, xy=xy, xytext=xytext,
                       arrowprops=dict(arrowstyle='->'))


def drawn():
    """The points of each line drawn on the current axes (the book shows the figure)."""
    return [round(float(y), 5) for line in plt.gca().lines for y in line.get_ydata()[::37]]

x = torch.arange(0.5, 1.5, 0.01)
set_figsize((4.5, 2.5))
plot(x, [f(x), g(x)], 'x', 'risk')
annotate('min of\nempirical risk', (1.0, -1.2), (0.5, -1.1))
annotate('min of risk', (1.1, -1.05), (0.95, -0.5))
print(drawn())

x = torch.arange(-1.0, 2.0, 0.01)
plot(x, [f(x), ], 'x', 'f(x)')
annotate('local minimum', (-0.3, -0.25), (-0.77, -1.0))
annotate('global minimum', (1.1, -0.95), (0.6, 0.8))
print(drawn())

x = torch.arange(-2.0, 2.0, 0.01)
plot(x, [x**3], 'x', 'f(x)')
annotate('saddle point', (0, -0.2), (-0.52, -5.0))
print(drawn())

x, y = torch.meshgrid(
    torch.linspace(-1.0, 1.0, 101), torch.linspace(-1.0, 1.0, 101))
z = x**2 - y**2

ax = plt.figure().add_subplot(111, projection='3d')
ax.plot_wireframe(x, y, z, **{'rstride': 10, 'cstride': 10})
ax.plot([0], [0], [0], 'rx')
ticks = [-1, 0, 1]
plt.xticks(ticks)
plt.yticks(ticks)
ax.set_zticks(ticks)
plt.xlabel('x')
plt.ylabel('y')
print([round(float(v), 4) for v in z[::25, ::25].reshape(-1)])
plt.close('all')

x = torch.arange(-2.0, 5.0, 0.01)
plot(x, [torch.tanh(x)], 'x', 'f(x)')
annotate('vanishing gradient', (4, 1), (2, 0.0))
print(drawn())
plt.close('all')

# 11.2 凸性
f = lambda x: 0.5 * x**2  # 凸函数
g = lambda x: torch.cos(np.pi * x)  # 非凸函数
h = lambda x: torch.exp(0.5 * x)  # 凸函数

x, segment = torch.arange(-2, 2, 0.01), torch.tensor([-1.5, 1])
_, axes = plt.subplots(1, 3, figsize=(9, 3))
for ax, func in zip(axes, [f, g, h]):
    plot([x, segment], [func(x), func(segment)], axes=ax)
    print([round(float(y), 5) for line in ax.lines for y in line.get_ydata()[::41]])
plt.close('all')

f = lambda x: (x - 1) ** 2
set_figsize()
plot([x, segment], [f(x), f(segment)], 'x', 'f(x)')
print(drawn())
plt.close('all')
'''

# 11.3 梯度下降
GD = r'''
import numpy as np
import torch

def f(x):  # 目标函数
    return x ** 2

def f_grad(x):  # 目标函数的梯度(导数)
    return 2 * x

def gd(eta, f_grad):
    x = 10.0
    results = [x]
    for i in range(10):
        x -= eta * f_grad(x)
        results.append(float(x))
    print(f'epoch 10, x: {x:f}')
    return results

def show_trace(results, f):
    n = max(abs(min(results)), abs(max(results)))
    f_line = torch.arange(-n, n, 0.01)
    set_figsize()
    plot([f_line, results], [[f(x) for x in f_line], [
        f(x) for x in results]], 'x', 'f(x)', fmts=['-', '-o'])
    plt.close('all')
    print(f'trace: {len(f_line)} points, along the path {[round(float(f(x)), 4) for x in results]}')

results = gd(0.2, f_grad)
show_trace(results, f)
show_trace(gd(0.05, f_grad), f)
show_trace(gd(1.1, f_grad), f)

c = torch.tensor(0.15 * np.pi)

def f(x):  # 目标函数
    return x * torch.cos(c * x)

def f_grad(x):  # 目标函数的梯度
    return torch.cos(c * x) - c * x * torch.sin(c * x)

show_trace(gd(2, f_grad), f)

def f_2d(x1, x2):  # 目标函数
    return x1 ** 2 + 2 * x2 ** 2

def f_2d_grad(x1, x2):  # 目标函数的梯度
    return (2 * x1, 4 * x2)

def gd_2d(x1, x2, s1, s2, f_grad):
    g1, g2 = f_grad(x1, x2)
    return (x1 - eta * g1, x2 - eta * g2, 0, 0)

eta = 0.1
show_trace_2d(f_2d, train_2d(gd_2d, f_grad=f_2d_grad))

# 牛顿法
c = torch.tensor(0.5)

def f(x):  # O目标函数
    return torch.cosh(c * x)

def f_grad(x):  # 目标函数的梯度
    return c * torch.sinh(c * x)

def f_hess(x):  # 目标函数的Hessian
    return c**2 * torch.cosh(c * x)

def newton(eta=1):
    x = 10.0
    results = [x]
    for i in range(10):
        x -= eta * f_grad(x) / f_hess(x)
        results.append(float(x))
    print('epoch 10, x:', x)
    print(f'x = {float(x):f}')
    return results

show_trace(newton(), f)

c = torch.tensor(0.15 * np.pi)

def f(x):  # 目标函数
    return x * torch.cos(c * x)

def f_grad(x):  # 目标函数的梯度
    return torch.cos(c * x) - c * x * torch.sin(c * x)

def f_hess(x):  # 目标函数的Hessian
    return - 2 * c * torch.sin(c * x) - x * c**2 * torch.cos(c * x)

show_trace(newton(), f)
show_trace(newton(0.5), f)
'''

# 11.4 随机梯度下降
SGD = r'''
import math
import torch

def f(x1, x2):  # 目标函数
    return x1 ** 2 + 2 * x2 ** 2

def f_grad(x1, x2):  # 目标函数的梯度
    return 2 * x1, 4 * x2

def sgd(x1, x2, s1, s2, f_grad):
    g1, g2 = f_grad(x1, x2)
    # 模拟有噪声的梯度
    g1 += torch.normal(0.0, 1, (1,))
    g2 += torch.normal(0.0, 1, (1,))
    eta_t = eta * lr()
    return (x1 - eta_t * g1, x2 - eta_t * g2, 0, 0)

def constant_lr():
    return 1

eta = 0.1
lr = constant_lr  # 常数学习速度
# The book shows each trace with show_trace_2d(f, ...): its points, the start (-5, -2) as ints and then 1-element
# tensors, make an inhomogeneous array for NumPy >= 1.24, an error with PyTorch too. The traces are not drawn here.
train_2d(sgd, steps=50, f_grad=f_grad)

def exponential_lr():
    # 在函数外部定义，而在内部更新的全局变量
    global t
    t += 1
    return math.exp(-0.1 * t)

t = 1
lr = exponential_lr
train_2d(sgd, steps=1000, f_grad=f_grad)

def polynomial_lr():
    # 在函数外部定义，而在内部更新的全局变量
    global t
    t += 1
    return (1 + 0.1 * t) ** (-0.5)

t = 1
lr = polynomial_lr
train_2d(sgd, steps=50, f_grad=f_grad)
'''

# 11.5 小批量随机梯度下降
MINIBATCH_SGD = r'''
import numpy as np
import torch
from torch import nn

timer = Timer()
A = torch.zeros(16, 16)  # the book's 256 x 256, smaller
B = torch.randn(16, 16)
C = torch.randn(16, 16)

# 逐元素计算A=BC
timer.start()
for i in range(16):
    for j in range(16):
        A[i, j] = torch.dot(B[i, :], C[:, j])
timer.stop()
print(f'elementwise: {float(A.sum()):f}')

# 逐列计算A=BC
timer.start()
for j in range(16):
    A[:, j] = torch.mv(B, C[:, j])
timer.stop()
print(f'column-wise: {float(A.sum()):f}')

# 一次性计算A=BC
timer.start()
A = torch.mm(B, C)
timer.stop()
print(f'full: {float(A.sum()):f}')

# 乘法和加法作为单独的操作（在实践中融合）
gigaflops = [2/i for i in timer.times if i > 0]

timer.start()
for j in range(0, 16, 4):
    A[:, j:j+4] = torch.mm(B, C[:, j:j+4])
timer.stop()
print(f'blocks of 4: {float(A.sum()):f}')

data_iter, _ = get_data_ch11(10)
trainer = torch.optim.SGD
train_concise_ch11(trainer, {'lr': 0.01}, data_iter)
'''

# 11.5's training from scratch
MINIBATCH_SGD_SCRATCH = r'''
import torch


def sgd(params, states, hyperparams):
    for p in params:
        # The book: p.data.sub_(hyperparams['lr'] * p.grad). w and b are tensors made with requires_grad=True, not
        # nn.Parameters: their .data is a plain ndarray (coming-from-pytorch), so NumPy's in-place operator.
        p.data -= hyperparams['lr'] * p.grad
        p.grad.data.zero_()


def train_sgd(lr, batch_size, num_epochs=2):
    data_iter, feature_dim = get_data_ch11(batch_size)
    return train_ch11(sgd, None, {'lr': lr}, data_iter, feature_dim, num_epochs)

gd_res = train_sgd(1, 1500, 10)
sgd_res = train_sgd(0.005, 1)
mini1_res = train_sgd(.4, 100)
mini2_res = train_sgd(.05, 10)

set_figsize([6, 3])
plot(*list(map(list, zip(gd_res, sgd_res, mini1_res, mini2_res))),
     'time (sec)', 'loss', xlim=[1e-2, 10],
     legend=['gd', 'sgd', 'batch size=100', 'batch size=10'])
plt.gca().set_xscale('log')
print([round(float(y), 6) for line in plt.gca().lines for y in line.get_ydata()])
plt.close('all')
'''

# 11.6 动量法
MOMENTUM = r'''
import torch

eta = 0.4
def f_2d(x1, x2):
    return 0.1 * x1 ** 2 + 2 * x2 ** 2
def gd_2d(x1, x2, s1, s2):
    return (x1 - eta * 0.2 * x1, x2 - eta * 4 * x2, 0, 0)

show_trace_2d(f_2d, train_2d(gd_2d))
eta = 0.6
show_trace_2d(f_2d, train_2d(gd_2d))

def momentum_2d(x1, x2, v1, v2):
    v1 = beta * v1 + 0.2 * x1
    v2 = beta * v2 + 4 * x2
    return x1 - eta * v1, x2 - eta * v2, v1, v2

eta, beta = 0.6, 0.5
show_trace_2d(f_2d, train_2d(momentum_2d))
eta, beta = 0.6, 0.25
show_trace_2d(f_2d, train_2d(momentum_2d))

betas = [0.95, 0.9, 0.6, 0]
set_figsize()
for beta in betas:
    x = torch.arange(40).detach().numpy()
    plt.plot(x, beta ** x, label=f'beta = {beta:.2f}')
    print(f'beta = {beta:.2f}: {float((beta ** x).sum()):f}')
plt.xlabel('time')
plt.legend()
plt.close('all')

def init_momentum_states(feature_dim):
    v_w = torch.zeros((feature_dim, 1))
    v_b = torch.zeros(1)
    return (v_w, v_b)

def sgd_momentum(params, states, hyperparams):
    for p, v in zip(params, states):
        with torch.no_grad():
            v[:] = hyperparams['momentum'] * v + p.grad
            p[:] -= hyperparams['lr'] * v
        p.grad.data.zero_()

def train_momentum(lr, momentum, num_epochs=2):
    train_ch11(sgd_momentum, init_momentum_states(feature_dim),
               {'lr': lr, 'momentum': momentum}, data_iter, feature_dim, num_epochs)

data_iter, feature_dim = get_data_ch11(batch_size=10)
train_momentum(0.02, 0.5)
train_momentum(0.01, 0.9)
train_momentum(0.005, 0.9)

trainer = torch.optim.SGD
train_concise_ch11(trainer, {'lr': 0.005, 'momentum': 0.9}, data_iter)

lambdas = [0.1, 1, 10, 19]
eta = 0.1
for lam in lambdas:
    t = torch.arange(20).detach().numpy()
    print(f'lambda = {lam:.2f}: {float(((1 - eta * lam) ** t).sum()):f}')
'''

# 11.7 AdaGrad, 11.8 RMSProp, 11.9 Adadelta
ADAGRAD_RMSPROP_ADADELTA = r'''
import math
import torch

def adagrad_2d(x1, x2, s1, s2):
    eps = 1e-6
    g1, g2 = 0.2 * x1, 4 * x2
    s1 += g1 ** 2
    s2 += g2 ** 2
    x1 -= eta / math.sqrt(s1 + eps) * g1
    x2 -= eta / math.sqrt(s2 + eps) * g2
    return x1, x2, s1, s2

def f_2d(x1, x2):
    return 0.1 * x1 ** 2 + 2 * x2 ** 2

eta = 0.4
show_trace_2d(f_2d, train_2d(adagrad_2d))
eta = 2
show_trace_2d(f_2d, train_2d(adagrad_2d))

def init_adagrad_states(feature_dim):
    s_w = torch.zeros((feature_dim, 1))
    s_b = torch.zeros(1)
    return (s_w, s_b)

def adagrad(params, states, hyperparams):
    eps = 1e-6
    for p, s in zip(params, states):
        with torch.no_grad():
            s[:] += torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()

data_iter, feature_dim = get_data_ch11(batch_size=10)
train_ch11(adagrad, init_adagrad_states(feature_dim), {'lr': 0.1}, data_iter, feature_dim)

trainer = torch.optim.Adagrad
train_concise_ch11(trainer, {'lr': 0.1}, data_iter)

# RMSProp
gammas = [0.95, 0.9, 0.8, 0.7]
set_figsize()
for gamma in gammas:
    x = torch.arange(40).detach().numpy()
    plt.plot(x, (1-gamma) * gamma ** x, label=f'gamma = {gamma:.2f}')
    print(f'gamma = {gamma:.2f}: {float(((1-gamma) * gamma ** x).sum()):f}')
plt.xlabel('time')
plt.close('all')

def rmsprop_2d(x1, x2, s1, s2):
    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
    s1 = gamma * s1 + (1 - gamma) * g1 ** 2
    s2 = gamma * s2 + (1 - gamma) * g2 ** 2
    x1 -= eta / math.sqrt(s1 + eps) * g1
    x2 -= eta / math.sqrt(s2 + eps) * g2
    return x1, x2, s1, s2

eta, gamma = 0.4, 0.9
show_trace_2d(f_2d, train_2d(rmsprop_2d))

def init_rmsprop_states(feature_dim):
    s_w = torch.zeros((feature_dim, 1))
    s_b = torch.zeros(1)
    return (s_w, s_b)

def rmsprop(params, states, hyperparams):
    gamma, eps = hyperparams['gamma'], 1e-6
    for p, s in zip(params, states):
        with torch.no_grad():
            s[:] = gamma * s + (1 - gamma) * torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()

train_ch11(rmsprop, init_rmsprop_states(feature_dim), {'lr': 0.01, 'gamma': 0.9}, data_iter, feature_dim)

trainer = torch.optim.RMSprop
train_concise_ch11(trainer, {'lr': 0.01, 'alpha': 0.9}, data_iter)

# Adadelta
def init_adadelta_states(feature_dim):
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    delta_w, delta_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((s_w, delta_w), (s_b, delta_b))

def adadelta(params, states, hyperparams):
    rho, eps = hyperparams['rho'], 1e-5
    for p, (s, delta) in zip(params, states):
        with torch.no_grad():
            # In-placeupdatesvia[:]
            s[:] = rho * s + (1 - rho) * torch.square(p.grad)
            g = (torch.sqrt(delta + eps) / torch.sqrt(s + eps)) * p.grad
            p[:] -= g
            delta[:] = rho * delta + (1 - rho) * g * g
        p.grad.data.zero_()

train_ch11(adadelta, init_adadelta_states(feature_dim), {'rho': 0.9}, data_iter, feature_dim)

trainer = torch.optim.Adadelta
train_concise_ch11(trainer, {'rho': 0.9}, data_iter)
'''

# 11.10 Adam (and Yogi)
ADAM = r'''
import torch

def init_adam_states(feature_dim):
    v_w, v_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((v_w, s_w), (v_b, s_b))

def adam(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr)
                                                       + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1

data_iter, feature_dim = get_data_ch11(batch_size=10)
train_ch11(adam, init_adam_states(feature_dim), {'lr': 0.01, 't': 1}, data_iter, feature_dim)

trainer = torch.optim.Adam
train_concise_ch11(trainer, {'lr': 0.01}, data_iter)

def yogi(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-3
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = s + (1 - beta2) * torch.sign(
                torch.square(p.grad) - s) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr)
                                                       + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1

data_iter, feature_dim = get_data_ch11(batch_size=10)
train_ch11(yogi, init_adam_states(feature_dim), {'lr': 0.01, 't': 1}, data_iter, feature_dim)
'''

# 11.11 学习率调度器
LR_SCHEDULER = r'''
import math
import torch
from torch import nn
from torch.optim import lr_scheduler

def net_fn():
    model = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))

    return model

loss = nn.CrossEntropyLoss()
device = torch.device('cpu')  # d2l.try_gpu()

# Fashion-MNIST's stand-in: 32 training and 16 test images of 1x28x28 in [0, 1), ten classes
batch_size = 16
train_iter = load_array((torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,))), batch_size)
test_iter = load_array((torch.rand(16, 1, 28, 28), torch.randint(0, 10, (16,))), batch_size, is_train=False)


def accuracy(y_hat, y):
    """计算预测正确的数量"""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """使用GPU计算模型在数据集上的精度"""
    if isinstance(net, nn.Module):
        net.eval()  # 设置为评估模式
        if not device:
            device = next(iter(net.parameters())).device
    # 正确预测的数量，总预测的数量
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            if isinstance(X, list):
                X = [x.to(device) for x in X]
            else:
                X = X.to(device)
            y = y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


# 代码几乎与d2l.train_ch6定义在卷积神经网络一章LeNet一节中的相同
def train(net, train_iter, test_iter, num_epochs, loss, trainer, device,
          scheduler=None):
    net.to(device)
    animator = Animator(xlabel='epoch', xlim=[0, num_epochs],
                        legend=['train loss', 'train acc', 'test acc'])

    for epoch in range(num_epochs):
        metric = Accumulator(3)  # train_loss,train_acc,num_examples
        for i, (X, y) in enumerate(train_iter):
            net.train()
            trainer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            trainer.step()
            with torch.no_grad():
                metric.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])
            train_loss = metric[0] / metric[2]
            train_acc = metric[1] / metric[2]
            if (i + 1) % 50 == 0:
                animator.add(epoch + i / len(train_iter),
                             (train_loss, train_acc, None))

        test_acc = evaluate_accuracy_gpu(net, test_iter)
        animator.add(epoch+1, (None, None, test_acc))

        if scheduler:
            if scheduler.__module__ == lr_scheduler.__name__:
                # UsingPyTorchIn-Builtscheduler
                scheduler.step()
            else:
                # Usingcustomdefinedscheduler
                for param_group in trainer.param_groups:
                    param_group['lr'] = scheduler(epoch)
        print(f'epoch {epoch + 1}: lr {trainer.param_groups[0]["lr"]:.6f}')

    print(f'train loss {train_loss:.6f}, train acc {train_acc:.3f}, '
          f'test acc {test_acc:.3f}')

lr, num_epochs = 0.3, 2
net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=lr)
train(net, train_iter, test_iter, num_epochs, loss, trainer, device)

lr = 0.1
trainer.param_groups[0]["lr"] = lr
print(f'learning rate is now {trainer.param_groups[0]["lr"]:.2f}')

class SquareRootScheduler:
    def __init__(self, lr=0.1):
        self.lr = lr

    def __call__(self, num_update):
        return self.lr * pow(num_update + 1.0, -0.5)

scheduler = SquareRootScheduler(lr=0.1)
plot(torch.arange(30), [scheduler(t) for t in range(30)])  # the book's 30 epochs
print([round(scheduler(t), 6) for t in range(30)])

net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr)
train(net, train_iter, test_iter, num_epochs, loss, trainer, device, scheduler)

class FactorScheduler:
    def __init__(self, factor=1, stop_factor_lr=1e-7, base_lr=0.1):
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.base_lr = base_lr

    def __call__(self, num_update):
        self.base_lr = max(self.stop_factor_lr, self.base_lr * self.factor)
        return self.base_lr

scheduler = FactorScheduler(factor=0.9, stop_factor_lr=1e-2, base_lr=2.0)
plot(torch.arange(50), [scheduler(t) for t in range(50)])

net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=0.5)
scheduler = lr_scheduler.MultiStepLR(trainer, milestones=[15, 30], gamma=0.5)

def get_lr(trainer, scheduler):
    lr = scheduler.get_last_lr()[0]
    trainer.step()
    scheduler.step()
    return lr

lrs = [get_lr(trainer, scheduler) for t in range(num_epochs * 20)]
plot(torch.arange(num_epochs * 20), lrs)
print(lrs)

net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=0.5)
scheduler = lr_scheduler.MultiStepLR(trainer, milestones=[1], gamma=0.5)
train(net, train_iter, test_iter, num_epochs, loss, trainer, device, scheduler)

class CosineScheduler:
    def __init__(self, max_update, base_lr=0.01, final_lr=0,
               warmup_steps=0, warmup_begin_lr=0):
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.warmup_steps = warmup_steps
        self.warmup_begin_lr = warmup_begin_lr
        self.max_steps = self.max_update - self.warmup_steps

    def get_warmup_lr(self, epoch):
        increase = (self.base_lr_orig - self.warmup_begin_lr) \
                       * float(epoch) / float(self.warmup_steps)
        return self.warmup_begin_lr + increase

    def __call__(self, epoch):
        if epoch < self.warmup_steps:
            return self.get_warmup_lr(epoch)
        if epoch <= self.max_update:
            self.base_lr = self.final_lr + (
                self.base_lr_orig - self.final_lr) * (1 + math.cos(
                math.pi * (epoch - self.warmup_steps) / self.max_steps)) / 2
        return self.base_lr

scheduler = CosineScheduler(max_update=20, base_lr=0.3, final_lr=0.01)
plot(torch.arange(30), [scheduler(t) for t in range(30)])
print([round(scheduler(t), 6) for t in range(30)])

net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=0.3)
train(net, train_iter, test_iter, num_epochs, loss, trainer, device, scheduler)

scheduler = CosineScheduler(20, warmup_steps=5, base_lr=0.3, final_lr=0.01)
plot(torch.arange(30), [scheduler(t) for t in range(30)])
print([round(scheduler(t), 6) for t in range(30)])

net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=0.3)
train(net, train_iter, test_iter, num_epochs, loss, trainer, device, scheduler)
'''

# 12.2 异步计算 (on the CPU: the book's torch.cuda.synchronize behind torch.cuda.is_available())
ASYNC = r'''
import numpy
import torch
from torch import nn

class Benchmark:
    """用于测量运行时间"""
    def __init__(self, description='Done'):
        self.description = description

    def __enter__(self):
        self.timer = Timer()
        return self

    def __exit__(self, *args):
        self.seconds = self.timer.stop()  # the book prints f'{self.description}: {...:.4f} sec'

device = torch.device('cpu')  # d2l.try_gpu()
a = torch.randn(size=(100, 100), device=device)
b = torch.mm(a, a)

with Benchmark('numpy'):
    for _ in range(10):
        a = numpy.random.normal(size=(100, 100))
        b = numpy.dot(a, a)

with Benchmark('torch'):
    for _ in range(10):
        a = torch.randn(size=(100, 100), device=device)
        b = torch.mm(a, a)
print(f'torch: {float(b.sum()):f}')

with Benchmark():
    for _ in range(10):
        a = torch.randn(size=(100, 100), device=device)
        b = torch.mm(a, a)
    if torch.cuda.is_available():
        torch.cuda.synchronize(device)
print(f'synchronized: {float(b.sum()):f}')

x = torch.ones((1, 2), device=device)
y = torch.ones((1, 2), device=device)
z = x * y + 2
print(z)
print(z.tolist())
'''

PROGRAMS = {"intro_convexity": INTRO_CONVEXITY, "gd": GD, "sgd": SGD, "minibatch_sgd": MINIBATCH_SGD,
            "minibatch_sgd_scratch": MINIBATCH_SGD_SCRATCH, "momentum": MOMENTUM,
            "adagrad_rmsprop_adadelta": ADAGRAD_RMSPROP_ADADELTA, "adam": ADAM, "lr_scheduler": LR_SCHEDULER,
            "async": ASYNC}

@pytest.fixture(autouse=True)
def _in_a_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


# Programs that stop at a gap someone else is fixing (marked so that the fix turns them green and the mark goes).
LEADS_GAPS = {}
CASES = marked(PROGRAMS, LEADS_GAPS)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True")  # PyTorch's, on the book's code
@pytest.mark.filterwarnings("ignore:torch.meshgrid")  # PyTorch's, on the book's code
def test_d2l_program_reproduces_pytorch_from_the_same_start(name, monkeypatch):
    # A shape printed as a tuple of integers (ours; PyTorch's torch.Size is left out anyway) is not compared.
    compare_with_pytorch(D2L + PROGRAMS[name], name, monkeypatch, ignore_shapes=True)


def test_torchscript_as_d2l_hybridizes_says_it_is_not_here():
    # d2l 12.1: net = torch.jit.script(net); net(x); net.save('my_mlp'). TorchScript is not part of autograd_core:
    # the call should say so (and what to do instead), not fail on a missing attribute.
    net = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2))
    with pytest.raises(NotImplementedError, match="TorchScript"):
        ag.jit.script(net)


# d2l 11.11's train() tells PyTorch's schedulers from its own by the module that defines them:
#     if scheduler.__module__ == lr_scheduler.__name__: scheduler.step()      # a built-in scheduler
#     else: for param_group in trainer.param_groups: param_group['lr'] = scheduler(epoch)
# PyTorch defines every scheduler in torch.optim.lr_scheduler.
SCHEDULERS = ["ChainedScheduler", "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR",
              "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR", "MultiplicativeLR", "OneCycleLR",
              "PolynomialLR", "ReduceLROnPlateau", "SequentialLR", "StepLR"]


@pytest.mark.parametrize("name", SCHEDULERS)
def test_every_scheduler_says_it_is_defined_in_lr_scheduler_as_pytorchs(name):
    from autograd_core.optim import lr_scheduler
    cls = getattr(lr_scheduler, name)
    assert cls.__module__ == lr_scheduler.__name__
    assert getattr(ag.optim, name) is cls
    torch = pytest.importorskip("torch")
    assert getattr(torch.optim.lr_scheduler, name).__module__ == torch.optim.lr_scheduler.__name__


D2L_SCHEDULED = {
    "OneCycleLR": lambda lr_scheduler, trainer: lr_scheduler.OneCycleLR(trainer, max_lr=0.5, total_steps=8),
    "CyclicLR": lambda lr_scheduler, trainer: lr_scheduler.CyclicLR(trainer, 0.01, 0.5, step_size_up=2),
    "PolynomialLR": lambda lr_scheduler, trainer: lr_scheduler.PolynomialLR(trainer, total_iters=4, power=2.0),
    "SequentialLR": lambda lr_scheduler, trainer: lr_scheduler.SequentialLR(
        trainer, [lr_scheduler.ConstantLR(trainer, 0.5, 2), lr_scheduler.ExponentialLR(trainer, 0.9)], milestones=[2]),
}


@pytest.mark.parametrize("name", D2L_SCHEDULED)
def test_d2l_training_loop_steps_a_built_in_scheduler_as_pytorchs(name):
    def learning_rates(torch):
        from_lr_scheduler = torch.optim.lr_scheduler
        trainer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.3, momentum=0.9)
        scheduler = D2L_SCHEDULED[name](from_lr_scheduler, trainer)
        rates = []
        for epoch in range(6):
            trainer.step()
            if scheduler.__module__ == from_lr_scheduler.__name__:
                scheduler.step()  # UsingPyTorchIn-Builtscheduler
            else:
                for param_group in trainer.param_groups:  # Usingcustomdefinedscheduler
                    param_group['lr'] = scheduler(epoch)
            rates.append(trainer.param_groups[0]["lr"])
        return rates

    ours = learning_rates(ag)
    assert len(set(ours)) > 1
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(ours, learning_rates(torch), rtol=1e-12)


def test_a_scheduler_subclassing_pytorchs_old_lr_scheduler_name_runs_as_pytorchs():
    # Older tutorials write their warm-up as a subclass of _LRScheduler, PyTorch's name before LRScheduler (a
    # subclass of it, so the built-in schedulers are not instances of it).
    def learning_rates(torch):
        _LRScheduler = torch.optim.lr_scheduler._LRScheduler  # from torch.optim.lr_scheduler import _LRScheduler

        class WarmUp(_LRScheduler):
            def __init__(self, optimizer, warmup, last_epoch=-1):
                self.warmup = warmup
                super().__init__(optimizer, last_epoch)

            def get_lr(self):
                return [base * min(1.0, (self.last_epoch + 1) / self.warmup) for base in self.base_lrs]
        trainer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.5)
        scheduler, rates = WarmUp(trainer, 4), []
        for _ in range(6):
            trainer.step()
            scheduler.step()
            rates.append(scheduler.get_last_lr()[0])
        built_in = torch.optim.lr_scheduler.StepLR(trainer, 2)
        assert isinstance(scheduler, torch.optim.lr_scheduler.LRScheduler)
        assert not isinstance(built_in, _LRScheduler) and _LRScheduler.__name__ == "_LRScheduler"
        return rates

    ours = learning_rates(ag)
    assert ours == [0.25, 0.375, 0.5, 0.5, 0.5, 0.5]
    torch = pytest.importorskip("torch")
    assert ours == learning_rates(torch)
