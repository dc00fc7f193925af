"""fast.ai's "Practical Deep Learning for Coders" part 2 (2022, course22p2), "from the foundations", run with
`import autograd_core as torch`.

The notebooks write PyTorch tensor code by hand: 01_matmul (matrix multiplication with loops, broadcasting, einsum),
02_meanshift (mean-shift clustering, one point at a time and batched), 03_backprop (forward and backward passes by
hand, gradients kept in a `.g` attribute set on tensors, checked against autograd), 04_minibatch_training
(log-softmax and cross-entropy by hand, training loops, nn.Module, optimizers, Dataset/DataLoader/samplers written
and then PyTorch's, `num_workers=2` included: this library's workers run in-process; a computed tensor that another
process gets pickles as a leaf copy, test_a_computed_value_pickles_as_a_leaf_copy_as_in_pytorch). Each is written as
the notebook writes it, a cell's output shown with `print`; the `fastcore` helpers a program uses are defined in it
in a few lines. MNIST is a small random stand-in of its shapes (784 float pixels in [0, 1), int64 labels 0-9) saved
as the notebooks' `data/mnist.pkl.gz`, which they open as they open the real one. 05-15 are in
test_fastai_foundations_training.py.

The harness is tests/program_harness.py's, printed tensors shown as their numbers: each program runs with
autograd_core; where PyTorch is installed it runs again with PyTorch, replaying our random draws (MultivariateNormal's
samples and nn.init.kaiming_normal_'s fills among them), and every printed number agrees to float32 precision.
"""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest
from program_harness import compare_with_pytorch, marked

import autograd_core as ag

MATMUL = r'''
from pathlib import Path
import pickle, gzip, math, os, time, shutil, matplotlib as mpl, matplotlib.pyplot as plt

path_data = Path('data')
path_gz = path_data/'mnist.pkl.gz'
with gzip.open(path_gz, 'rb') as f: ((x_train, y_train), (x_valid, y_valid), _) = pickle.load(f, encoding='latin-1')
lst1 = list(x_train[0])
vals = lst1[200:210]
print(vals)

def chunks(x, sz):
    for i in range(0, len(x), sz): yield x[i:i+sz]

print(list(chunks(vals, 5)))

class Matrix:
    def __init__(self, xs): self.xs = xs
    def __getitem__(self, idxs): return self.xs[idxs[0]][idxs[1]]

from itertools import islice
it = iter(lst1)
img = list(iter(lambda: list(islice(it, 28)), []))
m = Matrix(img)
print(m[20,15])

import torch
from torch import tensor
print(tensor([1,2,3]))
x_train,y_train,x_valid,y_valid = map(tensor, (x_train,y_train,x_valid,y_valid))
print(x_train.shape)
print(x_train.type() == 'torch.FloatTensor')  # the notebook's x_train.type()
imgs = x_train.reshape((-1,28,28))
print(imgs.shape)
print(imgs[0,20,15])
n,c = x_train.shape
print(y_train, y_train.shape)
print(min(y_train),max(y_train))
print(y_train.min(), y_train.max())

rnd_state = None
def seed(a):
    global rnd_state
    a, x = divmod(a, 30268)
    a, y = divmod(a, 30306)
    a, z = divmod(a, 30322)
    rnd_state = int(x)+1, int(y)+1, int(z)+1

seed(457428938475)
print(rnd_state)

def rand():
    global rnd_state
    x, y, z = rnd_state
    x = (171 * x) % 30269
    y = (172 * y) % 30307
    z = (170 * z) % 30323
    rnd_state = x,y,z
    return (x/30269 + y/30307 + z/30323) % 1.0

print(rand(),rand(),rand())

torch.manual_seed(1)
weights = torch.randn(784,10)
bias = torch.zeros(10)
m1 = x_valid[:2]  # the notebook's x_valid[:5]: two rows keep the triple loop below short
m2 = weights
print(m1.shape,m2.shape)
ar,ac = m1.shape # n_rows * n_cols
br,bc = m2.shape
print((ar,ac),(br,bc))
t1 = torch.zeros(ar, bc)
print(t1.shape)
for i in range(ar):         # 5
    for j in range(bc):     # 10
        for k in range(ac): # 784
            t1[i,j] += m1[i,k] * m2[k,j]
print(t1)
print(t1.shape)

import numpy as np
np.set_printoptions(precision=2, linewidth=140)
torch.set_printoptions(precision=2, linewidth=140, sci_mode=False)

def test_close(a,b,eps=1e-5):  # fastcore.test's
    assert (abs(a-b) < eps).all(), (a, b)

def matmul(a,b):
    (ar,ac),(br,bc) = a.shape,b.shape
    c = torch.zeros(ar, bc)
    for i in range(ar):
        for j in range(bc):
            for k in range(ac): c[i,j] += a[i,k] * b[k,j]
    return c

def njit(f):  # numba is not installed: the function runs as Python, returning a Python float as numba's does
    return lambda *args: float(f(*args))

@njit
def dot(a,b):
    res = 0.
    for i in range(len(a)): res+=a[i]*b[i]
    return res

from numpy import array
print(dot(array([1.,2,3]),array([2.,3,4])))

def matmul(a,b):
    (ar,ac),(br,bc) = a.shape,b.shape
    c = torch.zeros(ar, bc)
    for i in range(ar):
        for j in range(bc): c[i,j] = dot(a[i,:], b[:,j])
    return c

m1a,m2a = m1.numpy(),m2.numpy()
test_close(t1,matmul(m1a, m2a), eps=1e-4)

a = tensor([10., 6, -4])
b = tensor([2., 8, 7])
print(a,b)
print(a + b)
print((a < b).float().mean())
m = tensor([[1., 2, 3], [4,5,6], [7,8,9]]); print(m)
sf = (m*m).sum()
print(sf)
print(sf.sqrt())
print(m[2,:],m[:,2])
print(m[2])

def matmul(a,b):
    (ar,ac),(br,bc) = a.shape,b.shape
    c = torch.zeros(ar, bc)
    for i in range(ar):
        for j in range(bc): c[i,j] = (a[i,:] * b[:,j]).sum()
    return c

test_close(t1,matmul(m1, m2), eps=1e-4)

def matmul(a,b):
    (ar,ac),(br,bc) = a.shape,b.shape
    c = torch.zeros(ar, bc)
    for i in range(ar):
        for j in range(bc): c[i,j] = torch.dot(a[i,:], b[:,j])
    return c

test_close(t1,matmul(m1, m2), eps=1e-4)

print(a > 0)
print(a + 1)
print(2*m)
c = tensor([10.,20,30]); print(c)
print(m.shape,c.shape)
print(m + c)
print(c + m)
t = c.expand_as(m)
print(t)
print(m + t)
print(t.storage())
print(t.stride(), t.shape)
print(c.unsqueeze(0), c[None, :])
print(c.shape, c.unsqueeze(0).shape)
print(c.unsqueeze(1), c[:, None])
print(c.shape, c.unsqueeze(1).shape)
print(c[None].shape,c[...,None].shape)
print(c[:,None].expand_as(m))
print(m + c[:,None])
print(m + c[None,:])
print(c[None,:] * c[:,None])
print(c[None] > c[:,None])
print(m*m)
n = tensor([[1., 2, 3, 4], [5,6,7,8]])
print(m.shape, n.shape)
try: m*n
except RuntimeError as e: print('m*n: RuntimeError')

digit = m1[0]
print(digit.shape,m2.shape)
print(digit[:,None].shape)
print(digit[:,None].expand_as(m2).shape)
print((digit[:,None]*m2).shape)

def matmul(a,b):
    (ar,ac),(br,bc) = a.shape,b.shape
    c = torch.zeros(ar, bc)
    for i in range(ar):
#       c[i,j] = (a[i,:] * b[:,j]).sum()      # previous version
        c[i]   = (a[i,:,None] * b).sum(dim=0) # broadcast version
    return c

test_close(t1,matmul(m1, m2), eps=1e-4)
tr = matmul(x_train, weights)
print(tr)
print(tr.shape)

mr = torch.einsum('ik,kj->ikj', m1, m2)
print(mr.shape)
print(mr.sum(1))
print(torch.einsum('ik,kj->ij', m1, m2))
def matmul(a,b): return torch.einsum('ik,kj->ij', a, b)
test_close(tr, matmul(x_train, weights), eps=1e-3)
test_close(tr, x_train@weights, eps=1e-3)

def matmul(grid, a,b,c):
    i,j = grid
    if i < c.shape[0] and j < c.shape[1]:
        tmp = 0.
        for k in range(a.shape[1]): tmp += a[i, k] * b[k, j]
        c[i,j] = tmp

res = torch.zeros(ar, bc)
for i in range(ar):
    for j in range(bc): matmul((i,j), m1, m2, res)
test_close(t1,res, eps=1e-4)
print(res)
'''

MEANSHIFT = r'''
import math, matplotlib.pyplot as plt, operator, torch
from functools import partial

torch.manual_seed(42)
torch.set_printoptions(precision=3, linewidth=140, sci_mode=False)

n_clusters=6
n_samples =25  # the notebook's 250
centroids = torch.rand(n_clusters, 2)*70-35
print(centroids)

from torch.distributions.multivariate_normal import MultivariateNormal
from torch import tensor

def sample(m): return MultivariateNormal(m, torch.diag(tensor([5.,5.]))).sample((n_samples,))

slices = [sample(c) for c in centroids]
data = torch.cat(slices)
print(data.shape)

def plot_data(centroids, data, n_samples, ax=None):
    if ax is None: _,ax = plt.subplots()
    for i, centroid in enumerate(centroids):
        samples = data[i*n_samples:(i+1)*n_samples]
        ax.scatter(samples[:,0], samples[:,1], s=1)
        ax.plot(*centroid, markersize=10, marker="x", color='k', mew=5)
        ax.plot(*centroid, markersize=5, marker="x", color='m', mew=2)

plot_data(centroids, data, n_samples)

def gaussian(d, bw): return torch.exp(-0.5*((d/bw))**2) / (bw*math.sqrt(2*math.pi))

def plot_func(f):
    x = torch.linspace(0,10,100)
    plt.plot(x, f(x))

plot_func(partial(gaussian, bw=2.5))
f = partial(gaussian, bw=2.5)
print(f(torch.tensor(4.)))

def tri(d, i): return (-d+i).clamp_min(0)/i

plot_func(partial(tri, i=8))
X = data.clone()
x = data[0]
print(x)
print(x.shape,X.shape,x[None].shape)
print((x[None]-X)[:8])
print((x-X)[:8])
dist = ((x-X)**2).sum(1).sqrt()
print(dist[:8])
weight = gaussian(dist, 2.5)
print(weight)
print(weight.shape,X.shape)
print(weight[:,None].shape)
print(weight[:,None]*X)

def one_update(X):
    for i, x in enumerate(X):
        dist = torch.sqrt(((x-X)**2).sum(1))
#         weight = gaussian(dist, 2.5)
        weight = tri(dist, 8)
        X[i] = (weight[:,None]*X).sum(0)/weight.sum()

def meanshift(data):
    X = data.clone()
    for it in range(5): one_update(X)
    return X

X=meanshift(data)
print(X[::n_samples])
plot_data(centroids+2, X, n_samples)

from matplotlib.animation import FuncAnimation

def do_one(d):
    if d: one_update(X)
    ax.clear()
    plot_data(centroids+2, X, n_samples, ax=ax)

X = data.clone()
fig,ax = plt.subplots()
ani = FuncAnimation(fig, do_one, frames=5, interval=500, repeat=False)
ani.to_jshtml()  # the notebook shows HTML(ani.to_jshtml())
plt.close()
print(X[::n_samples])

bs=5
X = data.clone()
x = X[:bs]
print(x.shape,X.shape)

def dist_b(a,b): return (((a[None]-b[:,None])**2).sum(2)).sqrt()

print(dist_b(X, x))
print(dist_b(X, x).shape)
print(X[None,:].shape, x[:,None].shape, (X[None,:]-x[:,None]).shape)
weight = gaussian(dist_b(X, x), 2)
print(weight)
print(weight.shape,X.shape)
print(weight[...,None].shape, X[None].shape)
num = (weight[...,None]*X[None]).sum(1)
print(num.shape)
print(num)
print(torch.einsum('ij,jk->ik', weight, X))
print(weight@X)
div = weight.sum(1, keepdim=True)
print(div.shape)
print(num/div)

def meanshift(data, bs=500):
    n = len(data)
    X = data.clone()
    for it in range(5):
        for i in range(0, n, bs):
            s = slice(i, min(i+bs,n))
            weight = gaussian(dist_b(X, X[s]), 2.5)
#             weight = tri(dist_b(X, X[s]), 8)
            div = weight.sum(1, keepdim=True)
            X[s] = weight@X/div
    return X

# the notebook moves data to the GPU (data.cuda()) first: there is none here
X = meanshift(data, 40).cpu()
print(X[::n_samples])
plot_data(centroids+2, X, n_samples)
plt.close('all')
'''

BACKPROP = r'''
import pickle,gzip,math,os,time,shutil,torch,matplotlib as mpl, numpy as np
from pathlib import Path
from torch import tensor
torch.manual_seed(42)

mpl.rcParams['image.cmap'] = 'gray'
torch.set_printoptions(precision=2, linewidth=125, sci_mode=False)
np.set_printoptions(precision=2, linewidth=125)

def test_close(a,b,eps=1e-5):  # fastcore.test's
    assert (abs(a-b) < eps).all(), (a, b)

path_data = Path('data')
path_gz = path_data/'mnist.pkl.gz'
with gzip.open(path_gz, 'rb') as f: ((x_train, y_train), (x_valid, y_valid), _) = pickle.load(f, encoding='latin-1')
x_train, y_train, x_valid, y_valid = map(tensor, [x_train, y_train, x_valid, y_valid])

n,m = x_train.shape
c = y_train.max()+1
print(n,m,c)
nh = 50
w1 = torch.randn(m,nh)
b1 = torch.zeros(nh)
w2 = torch.randn(nh,1)
b2 = torch.zeros(1)

def lin(x, w, b): return x@w + b
t = lin(x_valid, w1, b1)
print(t.shape)
def relu(x): return x.clamp_min(0.)
t = relu(t)
print(t)

def model(xb):
    l1 = lin(xb, w1, b1)
    l2 = relu(l1)
    return lin(l2, w2, b2)

res = model(x_valid)
print(res.shape)
print(res.shape,y_valid.shape)
print((res-y_valid).shape)
print(res[:,0].shape)
print(res.squeeze().shape)
print((res[:,0]-y_valid).shape)
y_train,y_valid = y_train.float(),y_valid.float()
preds = model(x_train)
print(preds.shape)
def mse(output, targ): return (output[:,0]-targ).pow(2).mean()
print(mse(preds, y_train))

def lin_grad(inp, out, w, b):
    # grad of matmul with respect to input
    inp.g = out.g @ w.t()
    w.g = (inp.unsqueeze(-1) * out.g.unsqueeze(1)).sum(0)
    b.g = out.g.sum(0)

def forward_and_backward(inp, targ):
    # forward pass:
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    diff = out[:,0]-targ
    loss = res.pow(2).mean()

    # backward pass:
    out.g = 2.*diff[:,None] / inp.shape[0]
    lin_grad(l2, out, w2, b2)
    l1.g = (l1>0).float() * l2.g
    lin_grad(inp, l1, w1, b1)

forward_and_backward(x_train, y_train)

# Save for testing against later
def get_grad(x): return x.g.clone()
chks = w1,w2,b1,b2,x_train
w1g,w2g,b1g,b2g,ig = map(get_grad, chks)
grads = w1g,w2g,b1g,b2g,ig
print(b1g, b2g)

def mkgrad(x): return x.clone().requires_grad_(True)
w12,w22,b12,b22,xt2 = map(mkgrad, chks)
ptgrads = w12,w22,b12,b22,xt2

def forward(inp, targ):
    l1 = lin(inp, w12, b12)
    l2 = relu(l1)
    out = lin(l2, w22, b22)
    return mse(out, targ)

loss = forward(xt2, y_train)
loss.backward()
for a,b in zip(grads, ptgrads): test_close(a, b.grad, eps=0.01)

class Relu():
    def __call__(self, inp):
        self.inp = inp
        self.out = inp.clamp_min(0.)
        return self.out

    def backward(self): self.inp.g = (self.inp>0).float() * self.out.g

class Lin():
    def __init__(self, w, b): self.w,self.b = w,b

    def __call__(self, inp):
        self.inp = inp
        self.out = lin(inp, self.w, self.b)
        return self.out

    def backward(self):
        self.inp.g = self.out.g @ self.w.t()
        self.w.g = self.inp.t() @ self.out.g
        self.b.g = self.out.g.sum(0)

class Mse():
    def __call__(self, inp, targ):
        self.inp,self.targ = inp,targ
        self.out = mse(inp, targ)
        return self.out

    def backward(self):
        self.inp.g = 2. * (self.inp.squeeze() - self.targ).unsqueeze(-1) / self.targ.shape[0]

class Model():
    def __init__(self, w1, b1, w2, b2):
        self.layers = [Lin(w1,b1), Relu(), Lin(w2,b2)]
        self.loss = Mse()

    def __call__(self, x, targ):
        for l in self.layers: x = l(x)
        return self.loss(x, targ)

    def backward(self):
        self.loss.backward()
        for l in reversed(self.layers): l.backward()

model = Model(w1, b1, w2, b2)
loss = model(x_train, y_train)
print(loss)
model.backward()
test_close(w2g, w2.g, eps=0.01)
test_close(b2g, b2.g, eps=0.01)
test_close(w1g, w1.g, eps=0.01)
test_close(b1g, b1.g, eps=0.01)
test_close(ig, x_train.g, eps=0.01)

class Module():
    def __call__(self, *args):
        self.args = args
        self.out = self.forward(*args)
        return self.out

    def forward(self): raise Exception('not implemented')
    def backward(self): self.bwd(self.out, *self.args)
    def bwd(self): raise Exception('not implemented')

class Relu(Module):
    def forward(self, inp): return inp.clamp_min(0.)
    def bwd(self, out, inp): inp.g = (inp>0).float() * out.g

class Lin(Module):
    def __init__(self, w, b): self.w,self.b = w,b
    def forward(self, inp): return inp@self.w + self.b
    def bwd(self, out, inp):
        inp.g = self.out.g @ self.w.t()
        self.w.g = inp.t() @ self.out.g
        self.b.g = self.out.g.sum(0)

class Mse(Module):
    def forward (self, inp, targ): return (inp.squeeze() - targ).pow(2).mean()
    def bwd(self, out, inp, targ): inp.g = 2*(inp.squeeze()-targ).unsqueeze(-1) / targ.shape[0]

model = Model(w1, b1, w2, b2)
loss = model(x_train, y_train)
model.backward()
test_close(w2g, w2.g, eps=0.01)
test_close(b2g, b2.g, eps=0.01)
test_close(w1g, w1.g, eps=0.01)
test_close(b1g, b1.g, eps=0.01)
test_close(ig, x_train.g, eps=0.01)

from torch import nn
import torch.nn.functional as F

class Linear(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.w = torch.randn(n_in,n_out).requires_grad_()
        self.b = torch.zeros(n_out).requires_grad_()
    def forward(self, inp): return inp@self.w + self.b

class Model(nn.Module):
    def __init__(self, n_in, nh, n_out):
        super().__init__()
        self.layers = [Linear(n_in,nh), nn.ReLU(), Linear(nh,n_out)]

    def __call__(self, x, targ):
        for l in self.layers: x = l(x)
        return F.mse_loss(x, targ[:,None])

model = Model(m, nh, 1)
loss = model(x_train, y_train)
loss.backward()
l0 = model.layers[0]
print(l0.b.grad)
'''

# fastcore's helpers that the programs use (`import fastcore.all as fc`), as fastcore defines them, in a few lines
FASTCORE = r'''
import inspect, types
from itertools import islice

def _store_attr():  # fc.store_attr(): the calling method's arguments become attributes of its self
    frame = inspect.currentframe().f_back
    names = frame.f_code.co_varnames[1:frame.f_code.co_argcount]
    for k in names: setattr(frame.f_locals['self'], k, frame.f_locals[k])

def _chunked(it, chunk_sz=None, drop_last=False):  # fc.chunked
    it = iter(it)
    while True:
        res = list(islice(it, chunk_sz))
        if res and (len(res)==chunk_sz or not drop_last): yield res
        if len(res)<chunk_sz: return

class _L(list):  # fc.L: a list, made from None, one item or a list
    def __init__(self, items=None):
        super().__init__([] if items is None else items if isinstance(items, (list, tuple)) else [items])

fc = types.SimpleNamespace(store_attr=_store_attr, chunked=_chunked, L=_L, noop=lambda x=None, *args, **kwargs: x)
'''

MINIBATCH = FASTCORE + r'''
import pickle,gzip,math,os,time,shutil,torch,matplotlib as mpl,numpy as np,matplotlib.pyplot as plt
from pathlib import Path
from torch import tensor,nn
import torch.nn.functional as F

def test_close(a,b,eps=1e-5):  # fastcore.test's
    assert (abs(a-b) < eps).all(), (a, b)

torch.set_printoptions(precision=2, linewidth=140, sci_mode=False)
torch.manual_seed(1)
mpl.rcParams['image.cmap'] = 'gray'

path_data = Path('data')
path_gz = path_data/'mnist.pkl.gz'
with gzip.open(path_gz, 'rb') as f: ((x_train, y_train), (x_valid, y_valid), _) = pickle.load(f, encoding='latin-1')
x_train, y_train, x_valid, y_valid = map(tensor, [x_train, y_train, x_valid, y_valid])

n,m = x_train.shape
c = y_train.max()+1
nh = 50

class Model(nn.Module):
    def __init__(self, n_in, nh, n_out):
        super().__init__()
        self.layers = [nn.Linear(n_in,nh), nn.ReLU(), nn.Linear(nh,n_out)]

    def __call__(self, x):
        for l in self.layers: x = l(x)
        return x

model = Model(m, nh, 10)
pred = model(x_train)
print(pred.shape)

def log_softmax(x): return (x.exp()/(x.exp().sum(-1,keepdim=True))).log()
print(log_softmax(pred))
def log_softmax(x): return x - x.exp().sum(-1,keepdim=True).log()

def logsumexp(x):
    m = x.max(-1)[0]
    return m + (x-m[:,None]).exp().sum(-1).log()

def log_softmax(x): return x - x.logsumexp(-1,keepdim=True)
test_close(logsumexp(pred), pred.logsumexp(-1))
sm_pred = log_softmax(pred)
print(sm_pred)
print(y_train[:3])
print(sm_pred[0,5],sm_pred[1,0],sm_pred[2,4])
print(sm_pred[[0,1,2], y_train[:3]])

def nll(input, target): return -input[range(target.shape[0]), target].mean()
loss = nll(sm_pred, y_train)
print(loss)
test_close(F.nll_loss(F.log_softmax(pred, -1), y_train), loss, 1e-3)
test_close(F.cross_entropy(pred, y_train), loss, 1e-3)

loss_func = F.cross_entropy
bs=50
xb = x_train[0:bs]     # a mini-batch from x
preds = model(xb)      # predictions
print(preds[0], preds.shape)
yb = y_train[0:bs]
print(yb)
print(loss_func(preds, yb))
print(preds.argmax(dim=1))

def accuracy(out, yb): return (out.argmax(dim=1)==yb).float().mean()
print(accuracy(preds, yb))
lr = 0.5   # learning rate
epochs = 3 # how many epochs to train for

def report(loss, preds, yb): print(f'{loss:.2f}, {accuracy(preds, yb):.2f}')

xb,yb = x_train[:bs],y_train[:bs]
preds = model(xb)
report(loss_func(preds, yb), preds, yb)

for epoch in range(epochs):
    for i in range(0, n, bs):
        s = slice(i, min(n,i+bs))
        xb,yb = x_train[s],y_train[s]
        preds = model(xb)
        loss = loss_func(preds, yb)
        loss.backward()
        with torch.no_grad():
            for l in model.layers:
                if hasattr(l, 'weight'):
                    l.weight -= l.weight.grad * lr
                    l.bias   -= l.bias.grad   * lr
                    l.weight.grad.zero_()
                    l.bias  .grad.zero_()
    report(loss, preds, yb)

m1 = nn.Module()
m1.foo = nn.Linear(3,4)
print(m1)
print(list(m1.named_children()))
print([p.shape for p in m1.parameters()])

class MLP(nn.Module):
    def __init__(self, n_in, nh, n_out):
        super().__init__()
        self.l1 = nn.Linear(n_in,nh)
        self.l2 = nn.Linear(nh,n_out)
        self.relu = nn.ReLU()

    def forward(self, x): return self.l2(self.relu(self.l1(x)))

model = MLP(m, nh, 10)
print(model.l1)
print(model)
for name,l in model.named_children(): print(f"{name}: {l}")
for p in model.parameters(): print(p.shape)

def fit():
    for epoch in range(epochs):
        for i in range(0, n, bs):
            s = slice(i, min(n,i+bs))
            xb,yb = x_train[s],y_train[s]
            preds = model(xb)
            loss = loss_func(preds, yb)
            loss.backward()
            with torch.no_grad():
                for p in model.parameters(): p -= p.grad * lr
                model.zero_grad()
        report(loss, preds, yb)

fit()

class MyModule:
    def __init__(self, n_in, nh, n_out):
        self._modules = {}
        self.l1 = nn.Linear(n_in,nh)
        self.l2 = nn.Linear(nh,n_out)

    def __setattr__(self,k,v):
        if not k.startswith("_"): self._modules[k] = v
        super().__setattr__(k,v)

    def __repr__(self): return f'{self._modules}'

    def parameters(self):
        for l in self._modules.values(): yield from l.parameters()

mdl = MyModule(m,nh,10)
print(mdl)
for p in mdl.parameters(): print(p.shape)

from functools import reduce
layers = [nn.Linear(m,nh), nn.ReLU(), nn.Linear(nh,10)]

class Model(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = layers
        for i,l in enumerate(self.layers): self.add_module(f'layer_{i}', l)

    def forward(self, x): return reduce(lambda val,layer: layer(val), self.layers, x)

model = Model(layers)
print(model)
print(model(xb).shape)

class SequentialModel(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        for l in self.layers: x = l(x)
        return x

model = SequentialModel(layers)
print(model)
fit()
print(loss_func(model(xb), yb), accuracy(model(xb), yb))

model = nn.Sequential(nn.Linear(m,nh), nn.ReLU(), nn.Linear(nh,10))
fit()
print(loss_func(model(xb), yb), accuracy(model(xb), yb))
print(model)

class Optimizer():
    def __init__(self, params, lr=0.5): self.params,self.lr=list(params),lr

    def step(self):
        with torch.no_grad():
            for p in self.params: p -= p.grad * self.lr

    def zero_grad(self):
        for p in self.params: p.grad.data.zero_()

model = nn.Sequential(nn.Linear(m,nh), nn.ReLU(), nn.Linear(nh,10))
opt = Optimizer(model.parameters())
for epoch in range(epochs):
    for i in range(0, n, bs):
        s = slice(i, min(n,i+bs))
        xb,yb = x_train[s],y_train[s]
        preds = model(xb)
        loss = loss_func(preds, yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
    report(loss, preds, yb)

from torch import optim

def get_model():
    model = nn.Sequential(nn.Linear(m,nh), nn.ReLU(), nn.Linear(nh,10))
    return model, optim.SGD(model.parameters(), lr=lr)

model,opt = get_model()
print(loss_func(model(xb), yb))
for epoch in range(epochs):
    for i in range(0, n, bs):
        s = slice(i, min(n,i+bs))
        xb,yb = x_train[s],y_train[s]
        preds = model(xb)
        loss = loss_func(preds, yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
    report(loss, preds, yb)

class Dataset():
    def __init__(self, x, y): self.x,self.y = x,y
    def __len__(self): return len(self.x)
    def __getitem__(self, i): return self.x[i],self.y[i]

train_ds,valid_ds = Dataset(x_train, y_train),Dataset(x_valid, y_valid)
assert len(train_ds)==len(x_train)
assert len(valid_ds)==len(x_valid)
xb,yb = train_ds[0:5]
assert xb.shape==(5,28*28)
assert yb.shape==(5,)
print(xb,yb)

model,opt = get_model()
for epoch in range(epochs):
    for i in range(0, n, bs):
        xb,yb = train_ds[i:min(n,i+bs)]
        preds = model(xb)
        loss = loss_func(preds, yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
    report(loss, preds, yb)

class DataLoader():
    def __init__(self, ds, bs): self.ds,self.bs = ds,bs
    def __iter__(self):
        for i in range(0, len(self.ds), self.bs): yield self.ds[i:i+self.bs]

train_dl = DataLoader(train_ds, bs)
valid_dl = DataLoader(valid_ds, bs)
xb,yb = next(iter(valid_dl))
print(xb.shape)
print(yb)
plt.imshow(xb[0].view(28,28))
print(yb[0])
model,opt = get_model()

def fit():
    for epoch in range(epochs):
        for xb,yb in train_dl:
            preds = model(xb)
            loss = loss_func(preds, yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        report(loss, preds, yb)

fit()
print(loss_func(model(xb), yb), accuracy(model(xb), yb))

import random

class Sampler():
    def __init__(self, ds, shuffle=False): self.n,self.shuffle = len(ds),shuffle
    def __iter__(self):
        res = list(range(self.n))
        if self.shuffle: random.shuffle(res)
        return iter(res)

from itertools import islice
ss = Sampler(train_ds)
it = iter(ss)
for o in range(5): print(next(it))
print(list(islice(ss, 5)))
ss = Sampler(train_ds, shuffle=True)
print(list(islice(ss, 5)))

class BatchSampler():
    def __init__(self, sampler, bs, drop_last=False): fc.store_attr()
    def __iter__(self): yield from fc.chunked(iter(self.sampler), self.bs, drop_last=self.drop_last)

batchs = BatchSampler(ss, 4)
print(list(islice(batchs, 5)))

def collate(b):
    xs,ys = zip(*b)
    return torch.stack(xs),torch.stack(ys)

class DataLoader():
    def __init__(self, ds, batchs, collate_fn=collate): fc.store_attr()
    def __iter__(self): yield from (self.collate_fn(self.ds[i] for i in b) for b in self.batchs)

train_samp = BatchSampler(Sampler(train_ds, shuffle=True ), bs)
valid_samp = BatchSampler(Sampler(valid_ds, shuffle=False), bs)
train_dl = DataLoader(train_ds, batchs=train_samp)
valid_dl = DataLoader(valid_ds, batchs=valid_samp)
xb,yb = next(iter(valid_dl))
plt.imshow(xb[0].view(28,28))
print(yb[0])
print(xb.shape,yb.shape)
model,opt = get_model()
fit()

print(train_ds[[3,6,8,1]])
print(train_ds.__getitem__([3,6,8,1]))
for o in map(train_ds.__getitem__, ([3,6],[8,1])): print(o)


from torch.utils.data import DataLoader, SequentialSampler, RandomSampler, BatchSampler

train_samp = BatchSampler(RandomSampler(train_ds),     bs, drop_last=False)
valid_samp = BatchSampler(SequentialSampler(valid_ds), bs, drop_last=False)
train_dl = DataLoader(train_ds, batch_sampler=train_samp, collate_fn=collate)
valid_dl = DataLoader(valid_ds, batch_sampler=valid_samp, collate_fn=collate)
model,opt = get_model()
fit()
print(loss_func(model(xb), yb), accuracy(model(xb), yb))
train_dl = DataLoader(train_ds, bs, sampler=RandomSampler(train_ds), collate_fn=collate)
valid_dl = DataLoader(valid_ds, bs, sampler=SequentialSampler(valid_ds), collate_fn=collate)
train_dl = DataLoader(train_ds, bs, shuffle=True, drop_last=True, num_workers=2)
xb,yb = next(iter(train_dl))
print(xb.shape,yb.shape)
train_dl = DataLoader(train_ds, sampler=train_samp)
xb,yb = next(iter(train_dl))
print(xb.shape,yb.shape)

def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb,yb in train_dl:
            loss = loss_func(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()

        model.eval()
        with torch.no_grad():
            tot_loss,tot_acc,count = 0.,0.,0
            for xb,yb in valid_dl:
                pred = model(xb)
                n = len(xb)
                count += n
                tot_loss += loss_func(pred,yb).item()*n
                tot_acc  += accuracy (pred,yb).item()*n
        print(epoch, tot_loss/count, tot_acc/count)
    return tot_loss/count, tot_acc/count

def get_dls(train_ds, valid_ds, bs, **kwargs):
    return (DataLoader(train_ds, batch_size=bs, shuffle=True, **kwargs),
            DataLoader(valid_ds, batch_size=bs*2, **kwargs))

train_dl,valid_dl = get_dls(train_ds, valid_ds, bs)
model,opt = get_model()
loss,acc = fit(5, model, loss_func, opt, train_dl, valid_dl)
plt.close('all')
'''


PROGRAMS = {"matmul": MATMUL, "meanshift": MEANSHIFT, "backprop": BACKPROP, "minibatch_training": MINIBATCH}

XFAIL = {}


@pytest.fixture(autouse=True)
def _mnist_in_a_temporary_folder(tmp_path, monkeypatch):
    """The notebooks' data/mnist.pkl.gz, a random stand-in of MNIST's shapes, in a temporary working folder."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)

    def split(n):
        return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)
    (tmp_path / "data").mkdir()
    with gzip.open(tmp_path / "data" / "mnist.pkl.gz", "wb") as f:
        pickle.dump((split(100), split(40), split(10)), f)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")


@pytest.mark.parametrize("name", marked(PROGRAMS, XFAIL))
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy")  # PyTorch's Tensor.__array__
@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")  # PyTorch's, on 01_matmul's t.storage()
def test_fastai_program_reproduces_pytorch_from_the_same_start(name, monkeypatch):
    compare_with_pytorch(PROGRAMS[name], name, monkeypatch, show_tensors=True,
                         fewest=4)  # every program here prints more than three numbers


def _row_sums(x):
    return x.sum(1).detach()  # a leaf: a computed Value does not pickle yet (the xfail below)


def test_torch_multiprocessing_is_pythons_and_sends_values_as_copies():
    """04_minibatch_training's `import torch.multiprocessing as mp` and its `mp.Pool(n).map(...)`: the standard
    library's module under PyTorch's name; a Value goes to a worker pickled (a copy)."""
    import multiprocessing

    import autograd_core.multiprocessing as mp

    assert mp.Pool is multiprocessing.Pool and mp.get_context is multiprocessing.get_context
    assert set(multiprocessing.__all__) <= set(dir(mp))
    xs = [ag.tensor([[1.0, 2.0], [3.0, 4.0]]), ag.tensor([[5.0, 6.0]])]
    with mp.get_context("fork").Pool(2) as pool:
        sums = pool.map(_row_sums, xs)
    assert [s.tolist() for s in sums] == [[3.0, 7.0], [11.0]]
    assert mp.get_sharing_strategy() in mp.get_all_sharing_strategies()
    mp.set_sharing_strategy("file_system")
    try:
        assert mp.get_sharing_strategy() == "file_system"
    finally:
        mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(ValueError, match="set_sharing_strategy"):
        mp.set_sharing_strategy("shared_memory")
    torch = pytest.importorskip("torch")
    assert torch.multiprocessing.get_all_sharing_strategies() == mp.get_all_sharing_strategies()


# 04_minibatch_training's multiprocessing DataLoader returns `self.x[i],self.y[i]` from its workers: computed Values,
# which PyTorch pickles as a leaf copy of their data (requires_grad kept, no graph); Value.__reduce_ex__ does the same.
def test_a_computed_value_pickles_as_a_leaf_copy_as_in_pytorch():
    x = ag.arange(6.0).reshape(2, 3)
    w = ag.tensor([1.0, 2.0], requires_grad=True) * 2
    y, v = pickle.loads(pickle.dumps((x[0], w)))
    assert y.tolist() == [0.0, 1.0, 2.0] and not y.requires_grad
    assert v.tolist() == [2.0, 4.0] and v.requires_grad and v.grad_fn is None
