"""Karpathy's "Neural Networks: Zero to Hero", lectures 5-7, run with `import autograd_core as torch`.

The programs below are the lectures' code, written from memory in their idioms: makemore part 4 ("becoming a
backprop ninja": the forward pass in small steps, every derivative by hand, `cmp` against `.grad`, cross entropy
and batchnorm backward in one go, a training loop with manual gradients), makemore part 5 (a WaveNet from
hand-written layer classes) and "Let's build GPT" (the bigram model, the self-attention trick, gpt.py). Sizes are
tiny and the data synthetic (names.txt and input.txt are written in a temporary folder), nothing else changes.

Each program runs with its import lines changed to autograd_core and must learn; where PyTorch is installed it
also runs with PyTorch from the same starting numbers (every randn, randint and multinomial draw, and the initial
weights of nn.Linear and nn.Embedding, replayed from our run in the same order: tests/program_harness.py's
run_both), and the printed numbers (losses, gradient differences, parameter counts) agree to float32 precision.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
from program_harness import NUMBER, run, run_both, synthetic_text, with_our_imports

import autograd_core as ag
from autograd_core import nn
from autograd_core.gradcheck import numerical_jacobian

BACKPROP_NINJA = '''
import torch
import torch.nn.functional as F
import random

words = open('names.txt', 'r').read().splitlines()
print(len(words))
print(max(len(w) for w in words))
print(words[:8])

chars = sorted(list(set(''.join(words))))
stoi = {s:i+1 for i,s in enumerate(chars)}
stoi['.'] = 0
itos = {i:s for s,i in stoi.items()}
vocab_size = len(itos)
print(itos)
print(vocab_size)

block_size = 3

def build_dataset(words):
  X, Y = [], []

  for w in words:
    context = [0] * block_size
    for ch in w + '.':
      ix = stoi[ch]
      X.append(context)
      Y.append(ix)
      context = context[1:] + [ix]

  X = torch.tensor(X)
  Y = torch.tensor(Y)
  print(X.shape, Y.shape)
  return X, Y

random.seed(42)
random.shuffle(words)
n1 = int(0.8*len(words))
n2 = int(0.9*len(words))

Xtr,  Ytr  = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:n2])
Xte,  Yte  = build_dataset(words[n2:])

def cmp(s, dt, t):
  ex = torch.all(dt == t.grad).item()
  app = torch.allclose(dt, t.grad)
  maxdiff = (dt - t.grad).abs().max().item()
  print(f'{s:15s} | exact: {str(ex):5s} | approximate: {str(app):5s} | maxdiff: {maxdiff}')

n_embd = 10
n_hidden = 64

g = torch.Generator().manual_seed(2147483647)
C  = torch.randn((vocab_size, n_embd),            generator=g)
W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5/3)/((n_embd * block_size)**0.5)
b1 = torch.randn(n_hidden,                        generator=g) * 0.1
W2 = torch.randn((n_hidden, vocab_size),          generator=g) * 0.1
b2 = torch.randn(vocab_size,                      generator=g) * 0.1
bngain = torch.randn((1, n_hidden))*0.1 + 1.0
bnbias = torch.randn((1, n_hidden))*0.1

parameters = [C, W1, b1, W2, b2, bngain, bnbias]
print(sum(p.nelement() for p in parameters))
for p in parameters:
  p.requires_grad = True

batch_size = 32
n = batch_size
ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
Xb, Yb = Xtr[ix], Ytr[ix]

emb = C[Xb]
embcat = emb.view(emb.shape[0], -1)
hprebn = embcat @ W1 + b1
bnmeani = 1/n*hprebn.sum(0, keepdim=True)
bndiff = hprebn - bnmeani
bndiff2 = bndiff**2
bnvar = 1/(n-1)*(bndiff2).sum(0, keepdim=True)
bnvar_inv = (bnvar + 1e-5)**-0.5
bnraw = bndiff * bnvar_inv
hpreact = bngain * bnraw + bnbias
h = torch.tanh(hpreact)
logits = h @ W2 + b2
logit_maxes = logits.max(1, keepdim=True).values
norm_logits = logits - logit_maxes
counts = norm_logits.exp()
counts_sum = counts.sum(1, keepdims=True)
counts_sum_inv = counts_sum**-1
probs = counts * counts_sum_inv
logprobs = probs.log()
loss = -logprobs[range(n), Yb].mean()

for p in parameters:
  p.grad = None
for t in [logprobs, probs, counts, counts_sum, counts_sum_inv,
          norm_logits, logit_maxes, logits, h, hpreact, bnraw,
          bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani,
          embcat, emb]:
  t.retain_grad()
loss.backward()
print('loss', loss.item())

# Exercise 1: backprop through the whole thing manually

dlogprobs = torch.zeros_like(logprobs)
dlogprobs[range(n), Yb] = -1.0/n
dprobs = (1.0 / probs) * dlogprobs
dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
dcounts = counts_sum_inv * dprobs
dcounts_sum = (-counts_sum**-2) * dcounts_sum_inv
dcounts += torch.ones_like(counts) * dcounts_sum
dnorm_logits = counts * dcounts
dlogits = dnorm_logits.clone()
dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes
dh = dlogits @ W2.T
dW2 = h.T @ dlogits
db2 = dlogits.sum(0)
dhpreact = (1.0 - h**2) * dh
dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
dbnraw = bngain * dhpreact
dbnbias = dhpreact.sum(0, keepdim=True)
dbndiff = bnvar_inv * dbnraw
dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
dbnvar = (-0.5*(bnvar + 1e-5)**-1.5) * dbnvar_inv
dbndiff2 = (1.0/(n-1))*torch.ones_like(bndiff2) * dbnvar
dbndiff += (2*bndiff) * dbndiff2
dhprebn = dbndiff.clone()
dbnmeani = (-dbndiff).sum(0)
dhprebn += 1.0/n * (torch.ones_like(hprebn) * dbnmeani)
dembcat = dhprebn @ W1.T
dW1 = embcat.T @ dhprebn
db1 = dhprebn.sum(0)
demb = dembcat.view(emb.shape)
dC = torch.zeros_like(C)
for k in range(Xb.shape[0]):
  for j in range(Xb.shape[1]):
    ix = Xb[k,j]
    dC[ix] += demb[k,j]

cmp('logprobs', dlogprobs, logprobs)
cmp('probs', dprobs, probs)
cmp('counts_sum_inv', dcounts_sum_inv, counts_sum_inv)
cmp('counts_sum', dcounts_sum, counts_sum)
cmp('counts', dcounts, counts)
cmp('norm_logits', dnorm_logits, norm_logits)
cmp('logit_maxes', dlogit_maxes, logit_maxes)
cmp('logits', dlogits, logits)
cmp('h', dh, h)
cmp('W2', dW2, W2)
cmp('b2', db2, b2)
cmp('hpreact', dhpreact, hpreact)
cmp('bngain', dbngain, bngain)
cmp('bnbias', dbnbias, bnbias)
cmp('bnraw', dbnraw, bnraw)
cmp('bnvar_inv', dbnvar_inv, bnvar_inv)
cmp('bnvar', dbnvar, bnvar)
cmp('bndiff2', dbndiff2, bndiff2)
cmp('bndiff', dbndiff, bndiff)
cmp('bnmeani', dbnmeani, bnmeani)
cmp('hprebn', dhprebn, hprebn)
cmp('embcat', dembcat, embcat)
cmp('W1', dW1, W1)
cmp('b1', db1, b1)
cmp('emb', demb, emb)
cmp('C', dC, C)

# Exercise 2: backprop through cross_entropy but all in one go

loss_fast = F.cross_entropy(logits, Yb)
print(loss_fast.item(), 'diff:', (loss_fast - loss).item())

dlogits = F.softmax(logits, 1)
dlogits[range(n), Yb] -= 1
dlogits /= n

cmp('logits', dlogits, logits)

# Exercise 3: backprop through batchnorm but all in one go

hpreact_fast = (bngain * (hprebn - hprebn.mean(0, keepdim=True))
                / torch.sqrt(hprebn.var(0, keepdim=True, unbiased=True) + 1e-5) + bnbias)
print('max diff:', (hpreact_fast - hpreact).abs().max().item())

dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) - n/(n-1)*bnraw*(dhpreact*bnraw).sum(0))

cmp('hprebn', dhprebn, hprebn)

# Exercise 4: putting it all together: a training loop with our own backward pass

n_embd = 10
n_hidden = 64

g = torch.Generator().manual_seed(2147483647)
C  = torch.randn((vocab_size, n_embd),            generator=g)
W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5/3)/((n_embd * block_size)**0.5)
b1 = torch.randn(n_hidden,                        generator=g) * 0.1
W2 = torch.randn((n_hidden, vocab_size),          generator=g) * 0.1
b2 = torch.randn(vocab_size,                      generator=g) * 0.1
bngain = torch.randn((1, n_hidden))*0.1 + 1.0
bnbias = torch.randn((1, n_hidden))*0.1

parameters = [C, W1, b1, W2, b2, bngain, bnbias]
print(sum(p.nelement() for p in parameters))
for p in parameters:
  p.requires_grad = True

max_steps = 200
batch_size = 32
n = batch_size
lossi = []

# first one step with PyTorch's backward pass as well, for the comparison (as in the lecture, then deleted)
for i in range(max_steps):

  ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
  Xb, Yb = Xtr[ix], Ytr[ix]

  emb = C[Xb]
  embcat = emb.view(emb.shape[0], -1)
  hprebn = embcat @ W1 + b1
  bnmean = hprebn.mean(0, keepdim=True)
  bnvar = hprebn.var(0, keepdim=True, unbiased=True)
  bnvar_inv = (bnvar + 1e-5)**-0.5
  bnraw = (hprebn - bnmean) * bnvar_inv
  hpreact = bngain * bnraw + bnbias
  h = torch.tanh(hpreact)
  logits = h @ W2 + b2
  loss = F.cross_entropy(logits, Yb)

  for p in parameters:
    p.grad = None
  loss.backward()

  dlogits = F.softmax(logits, 1)
  dlogits[range(n), Yb] -= 1
  dlogits /= n
  dh = dlogits @ W2.T
  dW2 = h.T @ dlogits
  db2 = dlogits.sum(0)
  dhpreact = (1.0 - h**2) * dh
  dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
  dbnbias = dhpreact.sum(0, keepdim=True)
  dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) - n/(n-1)*bnraw*(dhpreact*bnraw).sum(0))
  dembcat = dhprebn @ W1.T
  dW1 = embcat.T @ dhprebn
  db1 = dhprebn.sum(0)
  demb = dembcat.view(emb.shape)
  dC = torch.zeros_like(C)
  for k in range(Xb.shape[0]):
    for j in range(Xb.shape[1]):
      ix = Xb[k,j]
      dC[ix] += demb[k,j]
  grads = [dC, dW1, db1, dW2, db2, dbngain, dbnbias]

  break

for p, grad in zip(parameters, grads):
  cmp(str(tuple(p.shape)), grad, p)

with torch.no_grad():

  for i in range(max_steps):

    ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
    Xb, Yb = Xtr[ix], Ytr[ix]

    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmean = hprebn.mean(0, keepdim=True)
    bnvar = hprebn.var(0, keepdim=True, unbiased=True)
    bnvar_inv = (bnvar + 1e-5)**-0.5
    bnraw = (hprebn - bnmean) * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Yb)

    dlogits = F.softmax(logits, 1)
    dlogits[range(n), Yb] -= 1
    dlogits /= n
    dh = dlogits @ W2.T
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(0)
    dhpreact = (1.0 - h**2) * dh
    dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
    dbnbias = dhpreact.sum(0, keepdim=True)
    dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) - n/(n-1)*bnraw*(dhpreact*bnraw).sum(0))
    dembcat = dhprebn @ W1.T
    dW1 = embcat.T @ dhprebn
    db1 = dhprebn.sum(0)
    demb = dembcat.view(emb.shape)
    dC = torch.zeros_like(C)
    for k in range(Xb.shape[0]):
      for j in range(Xb.shape[1]):
        ix = Xb[k,j]
        dC[ix] += demb[k,j]
    grads = [dC, dW1, db1, dW2, db2, dbngain, dbnbias]

    lr = 0.1 if i < 150 else 0.01
    for p, grad in zip(parameters, grads):
      p.data += -lr * grad

    if i % 50 == 0:
      print(f'{i:7d}/{max_steps:7d}: {loss.item():.4f}')
    lossi.append(loss.log10().item())

with torch.no_grad():
  emb = C[Xtr]
  embcat = emb.view(emb.shape[0], -1)
  hpreact = embcat @ W1 + b1
  bnmean = hpreact.mean(0, keepdim=True)
  bnvar = hpreact.var(0, keepdim=True, unbiased=True)

@torch.no_grad()
def split_loss(split):
  x,y = {
    'train': (Xtr, Ytr),
    'val': (Xdev, Ydev),
    'test': (Xte, Yte),
  }[split]
  emb = C[x]
  embcat = emb.view(emb.shape[0], -1)
  hpreact = embcat @ W1 + b1
  hpreact = bngain * (hpreact - bnmean) * (bnvar + 1e-5)**-0.5 + bnbias
  h = torch.tanh(hpreact)
  logits = h @ W2 + b2
  loss = F.cross_entropy(logits, y)
  print(split, loss.item())

split_loss('train')
split_loss('val')

g = torch.Generator().manual_seed(2147483647 + 10)

for _ in range(10):

  out = []
  context = [0] * block_size
  while True:
    emb = C[torch.tensor([context])]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1 + b1
    hpreact = bngain * (hpreact - bnmean) * (bnvar + 1e-5)**-0.5 + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    probs = F.softmax(logits, dim=1)
    ix = torch.multinomial(probs, num_samples=1, generator=g).item()
    context = context[1:] + [ix]
    out.append(ix)
    if ix == 0:
      break

  print(''.join(itos[i] for i in out))
'''

WAVENET = '''
import torch
import torch.nn.functional as F
import random

words = open('names.txt', 'r').read().splitlines()
print(len(words))
print(max(len(w) for w in words))
print(words[:8])

chars = sorted(list(set(''.join(words))))
stoi = {s:i+1 for i,s in enumerate(chars)}
stoi['.'] = 0
itos = {i:s for s,i in stoi.items()}
vocab_size = len(itos)
print(itos)
print(vocab_size)

random.seed(42)
random.shuffle(words)

block_size = 8

def build_dataset(words):
  X, Y = [], []

  for w in words:
    context = [0] * block_size
    for ch in w + '.':
      ix = stoi[ch]
      X.append(context)
      Y.append(ix)
      context = context[1:] + [ix]

  X = torch.tensor(X)
  Y = torch.tensor(Y)
  print(X.shape, Y.shape)
  return X, Y

n1 = int(0.8*len(words))
n2 = int(0.9*len(words))
Xtr,  Ytr  = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:n2])
Xte,  Yte  = build_dataset(words[n2:])

for x,y in zip(Xtr[:20], Ytr[:20]):
  print(''.join(itos[ix.item()] for ix in x), '-->', itos[y.item()])

class Linear:

  def __init__(self, fan_in, fan_out, bias=True):
    self.weight = torch.randn((fan_in, fan_out)) / fan_in**0.5
    self.bias = torch.zeros(fan_out) if bias else None

  def __call__(self, x):
    self.out = x @ self.weight
    if self.bias is not None:
      self.out += self.bias
    return self.out

  def parameters(self):
    return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:

  def __init__(self, dim, eps=1e-5, momentum=0.1):
    self.eps = eps
    self.momentum = momentum
    self.training = True
    self.gamma = torch.ones(dim)
    self.beta = torch.zeros(dim)
    self.running_mean = torch.zeros(dim)
    self.running_var = torch.ones(dim)

  def __call__(self, x):
    if self.training:
      if x.ndim == 2:
        dim = 0
      elif x.ndim == 3:
        dim = (0,1)
      xmean = x.mean(dim, keepdim=True)
      xvar = x.var(dim, keepdim=True)
    else:
      xmean = self.running_mean
      xvar = self.running_var
    xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
    self.out = self.gamma * xhat + self.beta
    if self.training:
      with torch.no_grad():
        self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
        self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
    return self.out

  def parameters(self):
    return [self.gamma, self.beta]


class Tanh:
  def __call__(self, x):
    self.out = torch.tanh(x)
    return self.out
  def parameters(self):
    return []


class Embedding:

  def __init__(self, num_embeddings, embedding_dim):
    self.weight = torch.randn((num_embeddings, embedding_dim))

  def __call__(self, IX):
    self.out = self.weight[IX]
    return self.out

  def parameters(self):
    return [self.weight]


class FlattenConsecutive:

  def __init__(self, n):
    self.n = n

  def __call__(self, x):
    B, T, C = x.shape
    x = x.view(B, T//self.n, C*self.n)
    if x.shape[1] == 1:
      x = x.squeeze(1)
    self.out = x
    return self.out

  def parameters(self):
    return []


class Sequential:

  def __init__(self, layers):
    self.layers = layers

  def __call__(self, x):
    for layer in self.layers:
      x = layer(x)
    self.out = x
    return self.out

  def parameters(self):
    return [p for layer in self.layers for p in layer.parameters()]


torch.manual_seed(42);

n_embd = 10
n_hidden = 32
model = Sequential([
  Embedding(vocab_size, n_embd),
  FlattenConsecutive(2), Linear(n_embd * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
  FlattenConsecutive(2), Linear(n_hidden*2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
  FlattenConsecutive(2), Linear(n_hidden*2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
  Linear(n_hidden, vocab_size),
])

with torch.no_grad():
  model.layers[-1].weight *= 0.1

parameters = model.parameters()
print(sum(p.nelement() for p in parameters))
for p in parameters:
  p.requires_grad = True

ix = torch.randint(0, Xtr.shape[0], (4,))
Xb, Yb = Xtr[ix], Ytr[ix]
logits = model(Xb)
print(Xb.shape)

for layer in model.layers:
  print(layer.__class__.__name__, ':', tuple(layer.out.shape))

e = torch.randn(4, 8, 10)
explicit = torch.cat([e[:, ::2, :], e[:, 1::2, :]], dim=2)
print((e.view(4, 4, 20) == explicit).all().item())

max_steps = 400
batch_size = 32
lossi = []

for i in range(max_steps):

  ix = torch.randint(0, Xtr.shape[0], (batch_size,))
  Xb, Yb = Xtr[ix], Ytr[ix]

  logits = model(Xb)
  loss = F.cross_entropy(logits, Yb)

  for p in parameters:
    p.grad = None
  loss.backward()

  lr = 0.1 if i < 300 else 0.01
  for p in parameters:
    p.data += -lr * p.grad

  if i % 100 == 0:
    print(f'{i:7d}/{max_steps:7d}: {loss.item():.4f}')
  lossi.append(loss.log10().item())

print(torch.tensor(lossi).view(-1, 100).mean(1).tolist())

print(model.layers[3].running_mean.shape)

for layer in model.layers:
  layer.training = False

@torch.no_grad()
def split_loss(split):
  x,y = {
    'train': (Xtr, Ytr),
    'val': (Xdev, Ydev),
    'test': (Xte, Yte),
  }[split]
  logits = model(x)
  loss = F.cross_entropy(logits, y)
  print(split, loss.item())

split_loss('train')
split_loss('val')

for _ in range(10):

    out = []
    context = [0] * block_size
    while True:
      logits = model(torch.tensor([context]))
      probs = F.softmax(logits, dim=1)
      ix = torch.multinomial(probs, num_samples=1).item()
      context = context[1:] + [ix]
      out.append(ix)
      if ix == 0:
        break

    print(''.join(itos[i] for i in out))
'''

GPT = '''
import torch
import torch.nn as nn
from torch.nn import functional as F

with open('input.txt', 'r', encoding='utf-8') as f:
    text = f.read()

print("length of dataset in characters: ", len(text))
print(text[:100])

chars = sorted(list(set(text)))
vocab_size = len(chars)
print(''.join(chars))
print(vocab_size)

stoi = { ch:i for i,ch in enumerate(chars) }
itos = { i:ch for i,ch in enumerate(chars) }
encode = lambda s: [stoi[c] for c in s]
decode = lambda l: ''.join([itos[i] for i in l])

print(encode("the cat"))
print(decode(encode("the cat")))

data = torch.tensor(encode(text), dtype=torch.long)
print(data.shape, data.dtype)
print(data[:100].tolist())

n = int(0.9*len(data))
train_data = data[:n]
val_data = data[n:]

block_size = 8
train_data[:block_size+1]

x = train_data[:block_size]
y = train_data[1:block_size+1]
for t in range(block_size):
    context = x[:t+1]
    target = y[t]
    print(f"when input is {context.tolist()} the target: {target.item()}")

torch.manual_seed(1337)
batch_size = 4
block_size = 8

def get_batch(split):
    data = train_data if split == 'train' else val_data
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([data[i:i+block_size] for i in ix])
    y = torch.stack([data[i+1:i+block_size+1] for i in ix])
    return x, y

xb, yb = get_batch('train')
print('inputs:')
print(xb.shape)
print(xb.tolist())
print('targets:')
print(yb.shape)
print(yb.tolist())

for b in range(batch_size):
    for t in range(block_size):
        context = xb[b, :t+1]
        target = yb[b,t]
        print(f"when input is {context.tolist()} the target: {target}")

torch.manual_seed(1337)

class BigramLanguageModel(nn.Module):

    def __init__(self, vocab_size):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab_size, vocab_size)

    def forward(self, idx, targets=None):
        logits = self.token_embedding_table(idx)

        if targets is None:
            loss = None
        else:
            B, T, C = logits.shape
            logits = logits.view(B*T, C)
            targets = targets.view(B*T)
            loss = F.cross_entropy(logits, targets)

        return logits, loss

    def generate(self, idx, max_new_tokens):
        for _ in range(max_new_tokens):
            logits, loss = self(idx)
            logits = logits[:, -1, :]
            probs = F.softmax(logits, dim=-1)
            idx_next = torch.multinomial(probs, num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx

m = BigramLanguageModel(vocab_size)
logits, loss = m(xb, yb)
print(logits.shape)
print(loss)

print(decode(m.generate(idx = torch.zeros((1, 1), dtype=torch.long), max_new_tokens=50)[0].tolist()))

optimizer = torch.optim.AdamW(m.parameters(), lr=1e-3)

batch_size = 32
for steps in range(100):
    xb, yb = get_batch('train')
    logits, loss = m(xb, yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()

print(loss.item())
print(decode(m.generate(idx = torch.zeros((1, 1), dtype=torch.long), max_new_tokens=50)[0].tolist()))

# the mathematical trick in self-attention
torch.manual_seed(42)
a = torch.tril(torch.ones(3, 3))
a = a / torch.sum(a, 1, keepdim=True)
b = torch.randint(0,10,(3,2)).float()
c = a @ b
print('a=')
print(a.tolist())
print('--')
print('b=')
print(b.tolist())
print('--')
print('c=')
print(c.tolist())

torch.manual_seed(1337)
B,T,C = 4,8,2
x = torch.randn(B,T,C)
print(x.shape)

# version 1: for loops
xbow = torch.zeros((B,T,C))
for b in range(B):
    for t in range(T):
        xprev = x[b,:t+1]
        xbow[b,t] = torch.mean(xprev, 0)

# version 2: matrix multiply as weighted aggregation
wei = torch.tril(torch.ones(T, T))
wei = wei / wei.sum(1, keepdim=True)
xbow2 = wei @ x
print(torch.allclose(xbow, xbow2))

# version 3: use Softmax
tril = torch.tril(torch.ones(T, T))
wei = torch.zeros((T,T))
wei = wei.masked_fill(tril == 0, float('-inf'))
wei = F.softmax(wei, dim=-1)
xbow3 = wei @ x
print(torch.allclose(xbow, xbow3))

# version 4: self-attention!
torch.manual_seed(1337)
B,T,C = 4,8,32
x = torch.randn(B,T,C)

head_size = 16
key = nn.Linear(C, head_size, bias=False)
query = nn.Linear(C, head_size, bias=False)
value = nn.Linear(C, head_size, bias=False)
k = key(x)
q = query(x)
wei =  q @ k.transpose(-2, -1)

tril = torch.tril(torch.ones(T, T))
wei = wei.masked_fill(tril == 0, float('-inf'))
wei = F.softmax(wei, dim=-1)

v = value(x)
out = wei @ v
print(out.shape)
print(wei[0].tolist())

k = torch.randn(B,T,head_size)
q = torch.randn(B,T,head_size)
wei = q @ k.transpose(-2, -1) * head_size**-0.5
print(k.var().item(), q.var().item(), wei.var().item())

print(torch.softmax(torch.tensor([0.1, -0.2, 0.3, -0.2, 0.5]), dim=-1).tolist())
print(torch.softmax(torch.tensor([0.1, -0.2, 0.3, -0.2, 0.5])*8, dim=-1).tolist())

class LayerNorm1d: # (used to be BatchNorm1d)

  def __init__(self, dim, eps=1e-5, momentum=0.1):
    self.eps = eps
    self.gamma = torch.ones(dim)
    self.beta = torch.zeros(dim)

  def __call__(self, x):
    xmean = x.mean(1, keepdim=True) # batch mean
    xvar = x.var(1, keepdim=True) # batch variance
    xhat = (x - xmean) / torch.sqrt(xvar + self.eps) # normalize to unit variance
    self.out = self.gamma * xhat + self.beta
    return self.out

  def parameters(self):
    return [self.gamma, self.beta]

torch.manual_seed(1337)
module = LayerNorm1d(100)
x = torch.randn(32, 100) # batch size 32 of 100-dimensional vectors
x = module(x)
print(x.shape)
print(x[:,0].mean().item(), x[:,0].std().item()) # mean,std of one feature across all batch inputs
print(x[0,:].mean().item(), x[0,:].std().item()) # mean,std of a single input from the batch, of its features

# gpt.py
batch_size = 8
block_size = 16
max_iters = 60
eval_interval = 20
learning_rate = 1e-3
device = 'cuda' if torch.cuda.is_available() else 'cpu'
eval_iters = 5
n_embd = 32
n_head = 4
n_layer = 2
dropout = 0.2

torch.manual_seed(1337)

def get_batch(split):
    data = train_data if split == 'train' else val_data
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([data[i:i+block_size] for i in ix])
    y = torch.stack([data[i+1:i+block_size+1] for i in ix])
    x, y = x.to(device), y.to(device)
    return x, y

@torch.no_grad()
def estimate_loss():
    out = {}
    model.eval()
    for split in ['train', 'val']:
        losses = torch.zeros(eval_iters)
        for k in range(eval_iters):
            X, Y = get_batch(split)
            logits, loss = model(X, Y)
            losses[k] = loss.item()
        out[split] = losses.mean()
    model.train()
    return out

class Head(nn.Module):
    """ one head of self-attention """

    def __init__(self, head_size):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)
        self.register_buffer('tril', torch.tril(torch.ones(block_size, block_size)))

        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        B,T,C = x.shape
        k = self.key(x)
        q = self.query(x)
        wei = q @ k.transpose(-2,-1) * k.shape[-1]**-0.5
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float('-inf'))
        wei = F.softmax(wei, dim=-1)
        wei = self.dropout(wei)
        v = self.value(x)
        out = wei @ v
        return out

class MultiHeadAttention(nn.Module):
    """ multiple heads of self-attention in parallel """

    def __init__(self, num_heads, head_size):
        super().__init__()
        self.heads = nn.ModuleList([Head(head_size) for _ in range(num_heads)])
        self.proj = nn.Linear(head_size * num_heads, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        out = torch.cat([h(x) for h in self.heads], dim=-1)
        out = self.dropout(self.proj(out))
        return out

class FeedFoward(nn.Module):
    """ a simple linear layer followed by a non-linearity """

    def __init__(self, n_embd):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd),
            nn.ReLU(),
            nn.Linear(4 * n_embd, n_embd),
            nn.Dropout(dropout),
        )

    def forward(self, x):
        return self.net(x)

class Block(nn.Module):
    """ Transformer block: communication followed by computation """

    def __init__(self, n_embd, n_head):
        super().__init__()
        head_size = n_embd // n_head
        self.sa = MultiHeadAttention(n_head, head_size)
        self.ffwd = FeedFoward(n_embd)
        self.ln1 = nn.LayerNorm(n_embd)
        self.ln2 = nn.LayerNorm(n_embd)

    def forward(self, x):
        x = x + self.sa(self.ln1(x))
        x = x + self.ffwd(self.ln2(x))
        return x

class GPTLanguageModel(nn.Module):

    def __init__(self):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
        self.position_embedding_table = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head=n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size)

        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        B, T = idx.shape

        tok_emb = self.token_embedding_table(idx)
        pos_emb = self.position_embedding_table(torch.arange(T, device=device))
        x = tok_emb + pos_emb
        x = self.blocks(x)
        x = self.ln_f(x)
        logits = self.lm_head(x)

        if targets is None:
            loss = None
        else:
            B, T, C = logits.shape
            logits = logits.view(B*T, C)
            targets = targets.view(B*T)
            loss = F.cross_entropy(logits, targets)

        return logits, loss

    def generate(self, idx, max_new_tokens):
        for _ in range(max_new_tokens):
            idx_cond = idx[:, -block_size:]
            logits, loss = self(idx_cond)
            logits = logits[:, -1, :]
            probs = F.softmax(logits, dim=-1)
            idx_next = torch.multinomial(probs, num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx

model = GPTLanguageModel()
m = model.to(device)
print(sum(p.numel() for p in m.parameters())/1e6, 'M parameters')

optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)

for iter in range(max_iters):

    if iter % eval_interval == 0 or iter == max_iters - 1:
        losses = estimate_loss()
        print(f"step {iter}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")

    xb, yb = get_batch('train')

    logits, loss = model(xb, yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()

context = torch.zeros((1, 1), dtype=torch.long, device=device)
print(decode(m.generate(context, max_new_tokens=50)[0].tolist()))
'''

LESSONS = {"backprop_ninja": BACKPROP_NINJA, "wavenet": WAVENET, "gpt": GPT}


def synthetic_names(count=300, seed=0):
    """Made-up names of syllables (the lectures read 32,000 real ones from names.txt)."""
    rng = random.Random(seed)
    onsets = ["", "b", "d", "j", "k", "l", "m", "n", "r", "s", "t", "v", "z", "ch", "sh"]
    vowels = ["a", "e", "i", "o", "u", "ay", "ee"]
    codas = ["", "", "n", "l", "r", "s", "h", "y"]
    return ["".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(1, 3))) + rng.choice(codas)
            for _ in range(count)]


@pytest.fixture(autouse=True)
def _data_files_in_a_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "names.txt").write_text("\n".join(synthetic_names()) + "\n")
    (tmp_path / "input.txt").write_text(synthetic_text(), encoding="utf-8")


def reported_numbers(printed):
    """Every number the lesson prints, with the parts where the two libraries' reprs differ taken out (dtype names,
    `op=`/`grad_fn=`, `torch.Size`)."""
    text = re.sub(r"dtype=[\w.]+|op='\w+'|grad_fn=<\w+>|torch\.\w+|\b(?:u?int|float|bool)\d*\b", "", printed)
    return [float(n) for n in re.findall(NUMBER, text)]


def cmp_lines(printed):
    """The backprop ninja's `cmp` lines: (name, exact, approximate, maxdiff)."""
    return [(m[1], m[2] == "True", m[3] == "True", float(m[4])) for m in
            re.finditer(r"^(.+?)\s*\| exact: (\w+)\s*\| approximate: (\w+)\s*\| maxdiff: (\S+)$", printed, re.M)]


def losses_after(printed, pattern):
    return [float(m) for m in re.findall(pattern, printed, re.M)]


# The lessons' settings for the comparison with PyTorch: GPT's dropout masks come from each library's own random
# numbers, so both runs there use dropout 0.
SAME_START = {"gpt": ("dropout = 0.2", "dropout = 0.0")}


def lesson(name, same_start=False):
    text = LESSONS[name]
    if same_start and name in SAME_START:
        text = text.replace(*SAME_START[name])
    return text


def test_backprop_ninja_runs_and_every_manual_gradient_agrees():
    ag.manual_seed(0)
    _, printed = run(with_our_imports(lesson("backprop_ninja")), "backprop_ninja")
    compared = cmp_lines(printed)
    assert len(compared) == 35, printed  # exercise 1's 26, exercise 2's logits, 3's hprebn, 4's parameters
    for name, _, approximate, maxdiff in compared:
        assert approximate and maxdiff < 1e-7, (name, printed)
    assert all(exact for _, exact, _, _ in compared[:7]), printed  # logprobs ... logit_maxes: the same arithmetic
    fast, diff = re.search(rf"^({NUMBER}) diff: ({NUMBER})$", printed, re.M).groups()
    assert abs(float(diff)) < 1e-6 and abs(float(fast) - float(re.search(r"^loss (\S+)", printed, re.M)[1])) < 1e-6
    assert float(re.search(r"max diff: (\S+)", printed)[1]) < 1e-5, printed
    losses = losses_after(printed, rf"^\s*\d+/\s*\d+: ({NUMBER})$")
    assert len(losses) == 4 and losses[-1] < losses[0] - 0.5, printed  # the manual gradients train the network
    train, val = losses_after(printed, rf"^(?:train|val) ({NUMBER})$")
    assert train < losses[0] and val < losses[0], printed


def test_wavenet_runs_and_learns():
    ag.manual_seed(0)
    namespace, printed = run(with_our_imports(lesson("wavenet")), "wavenet")
    assert "FlattenConsecutive : (4, 4, 20)" in printed and "Linear : (4, 21)" in printed, printed
    assert "\nTrue\n" in printed  # view(4, 4, 20) is the explicit concatenation of consecutive pairs
    assert "\n(1, 1, 32)\n" in printed  # BatchNorm1d's running mean of 3-d input: dims (0, 1) kept
    losses = losses_after(printed, rf"^\s*\d+/\s*\d+: ({NUMBER})$")
    smoothed = namespace["lossi"]
    assert len(losses) == 4 and len(smoothed) == 400 and losses[-1] < losses[0] - 0.5, printed
    train, val = losses_after(printed, rf"^(?:train|val) ({NUMBER})$")
    assert train < losses[0] - 0.5 and val < losses[0], printed
    assert all(not layer.training for layer in namespace["model"].layers if hasattr(layer, "training"))


def test_gpt_runs_and_learns():
    ag.manual_seed(0)
    namespace, printed = run(with_our_imports(lesson("gpt")), "gpt")
    assert len(re.findall(r"^True$", printed, re.M)) == 2, printed  # the three versions of the averaging trick agree
    row_mean, row_std = re.findall(rf"^({NUMBER}) ({NUMBER})$", printed, re.M)[-1]  # LayerNorm1d: each row
    assert abs(float(row_mean)) < 1e-6 and abs(float(row_std) - 1) < 1e-3, printed
    evaluations = re.findall(rf"step (\d+): train loss ({NUMBER}), val loss ({NUMBER})", printed)
    assert [int(step) for step, *_ in evaluations] == [0, 20, 40, 59], printed
    assert float(evaluations[-1][1]) < float(evaluations[0][1]) - 0.5, printed
    assert float(evaluations[-1][2]) < float(evaluations[0][2]) - 0.5, printed
    assert namespace["model"].training and "M parameters" in printed
    generated = printed.rstrip("\n").rsplit("\n", 1)[-1]
    assert generated and set(generated) <= set(namespace["chars"]), printed


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_reproduces_pytorch_from_the_same_start(name, monkeypatch):
    (_, our_printed), (_, their_printed) = run_both(lesson(name, same_start=True), name, monkeypatch)
    message = f"ours:\n{our_printed}\nPyTorch:\n{their_printed}"
    ours, theirs = reported_numbers(our_printed), reported_numbers(their_printed)
    assert len(ours) == len(theirs) > 50, message
    np.testing.assert_allclose(ours, theirs, rtol=5e-4, atol=1e-5, err_msg=message)
    if name == "backprop_ninja":  # PyTorch's own `.grad`s agree with the manual gradients as ours do
        assert [c[0] for c in cmp_lines(our_printed)] == [c[0] for c in cmp_lines(their_printed)]
        assert all(approximate for _, _, approximate, _ in cmp_lines(their_printed)), their_printed


# ----------------------------------------------------------------------------------------------------
# What the lessons needed from the library, one by one.


def test_setting_requires_grad_on_a_computed_value_makes_it_a_leaf():
    """`W = torch.randn(3, 4) * 0.1; W.requires_grad = True` (every lesson's initialisation): W is a leaf that
    gets a gradient, as in PyTorch (the backward pass took it for the product it was computed by)."""
    x = ag.tensor(np.arange(6.0).reshape(2, 3), dtype=ag.float32)  # (float64 @ float32 is PyTorch's RuntimeError)
    w = ag.randn(3, 4) * 0.1
    w.requires_grad = True
    assert w.is_leaf and w.requires_grad and w.op == ""
    (x @ w).tanh().sum().backward()
    expected = x.data.T @ (1 - np.tanh(x.data @ w.data) ** 2)
    np.testing.assert_allclose(w.grad, expected, rtol=1e-6)
    ag.gradcheck(lambda v: (x.double() @ v).tanh().sum(), [w.data])  # (gradcheck works in float64)
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        (w * 2).requires_grad = False
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([1, 2]).requires_grad = True


def test_setting_requires_grad_matches_pytorch():
    torch = pytest.importorskip("torch")
    start = np.random.default_rng(0).normal(size=(3, 2))
    ours, theirs = ag.tensor(start) * 0.5, torch.tensor(start) * 0.5
    ours.requires_grad = True
    theirs.requires_grad = True
    (ours.exp() * ours).sum().backward()
    (theirs.exp() * theirs).sum().backward()
    assert ours.is_leaf == theirs.is_leaf
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12)


def test_register_buffer_takes_a_tensor():
    """Head's `self.register_buffer('tril', torch.tril(torch.ones(block_size, block_size)))`."""
    head = nn.Module()
    head.register_buffer("tril", ag.tril(ag.ones(3, 3)))
    assert head.tril.tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]] and list(head.state_dict()) == ["tril"]
    scores = ag.tensor(np.zeros((2, 2)), requires_grad=True)
    wei = scores.masked_fill(head.tril[:2, :2] == 0, float("-inf")).softmax(-1)
    assert wei.tolist() == [[1.0, 0.0], [0.5, 0.5]]


def _assignments(dlogits, rows, targets, dC, demb, picks):
    """The ninja's two recorded assignments: `dlogits[range(n), Yb] -= 1` into a graph's result, and
    `dC[ix] += demb[k, j]` into zeros that need no gradient, with a value that does."""
    dlogits[range(rows), targets] -= 1
    dlogits /= rows
    for k, ix in enumerate(picks):
        dC[ix] += demb[k]
    return dlogits, dC


def test_assignment_into_a_recorded_value_is_recorded():
    rng = np.random.default_rng(1)
    logits0, demb0, weights = rng.normal(size=(4, 5)), rng.normal(size=(6, 3)), rng.normal(size=(4, 5))
    targets, picks = ag.tensor([1, 0, 4, 1]), [ag.tensor([0, 2])[0], 1, 0, 2, 2, ag.tensor(1)]

    def f(logits, demb):
        dlogits, dC = _assignments(ag.softmax(logits, 1), 4, targets, ag.zeros((3, 3), dtype=ag.float64), demb, picks)
        return (dlogits * weights).sum() + (dC * dC).sum()

    logits, demb = ag.tensor(logits0, requires_grad=True), ag.tensor(demb0, requires_grad=True)
    dlogits, dC = _assignments(ag.softmax(logits, 1), 4, targets, ag.zeros((3, 3), dtype=ag.float64), demb, picks)
    expected = np.exp(logits0) / np.exp(logits0).sum(1, keepdims=True)
    expected[range(4), targets.data] -= 1
    np.testing.assert_allclose(dlogits.data, expected / 4, rtol=1e-12)
    np.testing.assert_allclose(dC.data, [demb0[0] + demb0[2], demb0[1] + demb0[5], demb0[3] + demb0[4]],
                               rtol=1e-12)
    assert not dC.is_leaf and dC.requires_grad  # as in PyTorch: the zeros became part of the graph
    # PyTorch refuses this backward pass (softmax saved the output that changed in place); here the node standing
    # for the old contents keeps them, so the gradient is the out-of-place one
    ag.gradcheck(f, [logits0, demb0])
    f(logits, demb).backward()  # one pass, without retain_graph: each node is reached once, after its children
    for leaf, numeric in zip((logits, demb), numerical_jacobian(f, [logits0, demb0])):
        np.testing.assert_allclose(leaf.grad, np.reshape(numeric, leaf.shape), rtol=1e-6, atol=1e-8)


def test_assignment_into_a_recorded_value_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    logits0, demb0, weights = rng.normal(size=(4, 5)), rng.normal(size=(6, 3)), rng.normal(size=(4, 5))
    picks = [0, 2, 1, 0, 2, 2]
    ours = ag.tensor(logits0, requires_grad=True), ag.tensor(demb0, requires_grad=True)
    theirs = torch.tensor(logits0, requires_grad=True), torch.tensor(demb0, requires_grad=True)
    for lib, (logits, demb) in [(ag, ours), (torch, theirs)]:
        # logits * 1.5 rather than softmax: PyTorch's softmax saves its output and refuses a changed one
        dlogits, dC = _assignments(logits * 1.5, 4, lib.tensor([1, 0, 4, 1]), lib.zeros((3, 3), dtype=lib.float64),
                                   demb, picks)
        ((dlogits * lib.tensor(weights)).sum() + (dC ** 3).sum()).backward()
        assert not dC.is_leaf
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_assignment_still_refuses_a_leaf_that_requires_grad():
    w = ag.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Value that requires grad"):
        w[0] = ag.tensor(1.0, requires_grad=True)
