"""AdaptiveLogSoftmaxWithLoss (Grave et al., 2017, "Efficient softmax approximation for GPUs"; PyTorch's class of
the same name): a softmax over many classes, cheap when their frequencies are skewed.

The classes, sorted by frequency, are split by `cutoffs` c_1 < c_2 < ... into a shortlist [0, c_1) and clusters
[c_i, c_{i+1}). The head scores the shortlist and one column per cluster; cluster i has its own small tail, a
projection to in_features / div_value^i features followed by its classes' scores:

    log p(y | x) = log softmax(head(x))_y                                     y in the shortlist
    log p(y | x) = log softmax(head(x))_{shortlist + i} + log softmax(tail_i(x))_{y − c_i}   y in cluster i

forward(input, target) computes only the target's term, each tail only on the rows whose target is in its cluster;
log_prob(input) every class's. Everything is a composition of Linear, log_softmax and indexing, whose rules give
the gradients. Submodules carry PyTorch's names (`head`, `tail.0.0`, `tail.0.1`, ...), so PyTorch's state dicts
load as they are.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from autograd_core import DTypeError, ShapeError, Value
from autograd_core.ops import concatenate, data_of, getitem

from . import init
from .activation import log_softmax
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])  # PyTorch's name and fields


class AdaptiveLogSoftmaxWithLoss(Module):
    """AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device=None,
    dtype=None, rng=None): the adaptive softmax (see the module docstring).

    cutoffs: unique increasing ints in [1, n_classes − 1]; `self.cutoffs` is them with n_classes appended, as
    PyTorch's. head: Linear(in_features, cutoffs[0] + n_clusters, bias=head_bias); tail[i]: Sequential(
    Linear(in_features, in_features // div_value^(i+1), bias=False), Linear(that, size of cluster i, bias=False)).
    rng: ours, after PyTorch's arguments (see nn.init).

    forward(input (N, in_features), target (N,) ints) -> _ASMoutput(output (N,) log p(target), loss = mean(−output));
    unbatched input (in_features,) with target () gives a 0-d output. log_prob(input (N, in_features)) ->
    (N, n_classes); predict(input) -> (N,) int64, the most probable class of each row.
    """

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device=None, dtype=None,
                 rng=None):
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             f"order, where each value is between 1 and n_classes-1 (n_classes={n_classes}, "
                             f"cutoffs={cutoffs})")
        rng = init.get_rng(rng)
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, head_bias, device, dtype, rng)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            classes = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, False, device, dtype, rng),
                                        Linear(hidden, classes, False, device, dtype, rng)))

    def reset_parameters(self, rng=None):
        """Draw every weight (and the head's bias) again from PyTorch's Linear defaults."""
        rng = init.get_rng(rng)
        for layer in [self.head] + [linear for projection in self.tail for linear in projection]:
            layer.weight.data[...] = init.default_weight(layer.weight.shape, rng, layer.weight.dtype)
            if layer.bias is not None:
                layer.bias.data[...] = init.default_bias(layer.bias.shape, layer.in_features, rng, layer.bias.dtype)

    def _as_value(self, input):
        return input if isinstance(input, Value) else Value(input, requires_grad=False, dtype=self.head.weight.dtype)

    def forward(self, input_, target_):  # PyTorch's parameter names, trailing underscores and all
        x, t = self._as_value(input_), np.asarray(data_of(target_))
        if t.dtype.kind not in "iu":
            raise DTypeError(f"AdaptiveLogSoftmaxWithLoss: target must hold integer class indices, got {t.dtype}")
        if t.ndim == 1:
            if x.ndim == 0 or x.shape[0] != t.shape[0]:
                raise ShapeError("Input and target should have the same size in the batch dimension "
                                 f"(input {x.shape}, target {t.shape}).")
            if x.ndim != 2:
                raise ShapeError(f"1D target tensor expects 2D input tensors, but found inputs with size {x.shape}")
        elif t.ndim == 0:
            if x.ndim != 1:
                raise ShapeError(f"0D target tensor expects 1D input tensors, but found inputs with size {x.shape}")
        else:
            raise ShapeError(f"0D or 1D target tensor expected, multi-target not supported (got shape {t.shape})")
        batched = t.ndim == 1
        if not batched:
            x, t = x.reshape((1, x.shape[0])), t.reshape(1)
        if t.size and (t.min() < 0 or t.max() > self.n_classes - 1):
            raise ValueError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                             f"[{t.min()}, {t.max()}] were found.")
        rows = np.arange(t.shape[0])
        cluster = np.searchsorted(self.cutoffs, t, side="right")   # 0: the shortlist; i: cluster i (tail i − 1)
        head_column = np.where(cluster == 0, t, self.shortlist_size + cluster - 1)
        output = getitem(log_softmax(self.head(x), dim=1), (rows, head_column))
        # Each cluster's own term, on its rows only; the shortlist's rows add 0. The pieces are put back in row
        # order by one permutation.
        in_order, pieces = [np.flatnonzero(cluster == 0)], [Value(np.zeros(np.sum(cluster == 0), output.dtype),
                                                                  requires_grad=False)]
        for i in range(1, self.n_clusters + 1):
            chosen = np.flatnonzero(cluster == i)
            if chosen.size:
                local = log_softmax(self.tail[i - 1](getitem(x, chosen)), dim=1)
                pieces.append(getitem(local, (np.arange(chosen.size), t[chosen] - self.cutoffs[i - 1])))
                in_order.append(chosen)
        if len(pieces) > 1:
            output = getitem(concatenate(pieces), np.argsort(np.concatenate(in_order), kind="stable")) + output
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.reshape(()), loss)

    def _full_log_prob(self, x, head_output):
        """(N, n_classes): the shortlist's log-probabilities, then each cluster's, given head_output = head(x)."""
        head_logprob = log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i, projection in enumerate(self.tail):   # cluster i: its classes' log p within it, plus log p(cluster)
            column = self.shortlist_size + i
            parts.append(log_softmax(projection(x), dim=1) + head_logprob[:, column:column + 1])
        return concatenate(parts, axis=1)

    def log_prob(self, input):
        """input (N, in_features) -> (N, n_classes): log p(c | x) for every class c."""
        x = self._as_value(input)
        if x.ndim != 2:
            raise ShapeError(f"AdaptiveLogSoftmaxWithLoss.log_prob: expected input (N, in_features), got {x.shape}")
        return self._full_log_prob(x, self.head(x))

    def predict(self, input):
        """input (N, in_features) -> (N,) int64: argmax_c log p(c | x), log_prob(input).argmax(1), computing the
        tails only for the rows whose best head column is a cluster's (a shortlist class that beats every cluster
        beats every class in it)."""
        x = self._as_value(input)
        if x.ndim != 2:
            raise ShapeError(f"AdaptiveLogSoftmaxWithLoss.predict: expected input (N, in_features), got {x.shape}")
        head_output = self.head(x)
        output = np.asarray(data_of(head_output)).argmax(axis=1)
        in_tail = np.flatnonzero(output >= self.shortlist_size)
        if in_tail.size:
            log_prob = self._full_log_prob(getitem(x, in_tail), getitem(head_output, in_tail))
            output[in_tail] = np.asarray(data_of(log_prob)).argmax(axis=1)
        return Value(output, dtype=np.int64, requires_grad=False)
