"""`DistributedDataParallel`: one model replica per rank, gradients averaged across ranks during backward.

    from autograd_core import distributed as dist, nn, optim

    dist.init()
    model = nn.parallel.DistributedDataParallel(make_model())   # rank 0's weights on every rank
    opt = optim.Adam(model.parameters(), lr=1e-3)
    sampler = dist.DistributedSampler(X, shuffle=True, seed=0)
    loader = nn.DataLoader(X, y, batch_size=32, sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()          # returns with every .grad averaged over the ranks
            opt.step()               # the same step on every rank: the replicas stay equal

How the gradients travel. The parameters are grouped into buckets of about `bucket_cap_mb` megabytes, in
reverse order of `parameters()` (roughly the order in which backward finishes them). Each parameter has a
gradient hook (`register_hook`), which the engine runs as soon as that parameter's gradient is complete;
when a bucket is full, its gradients (plus what `.grad` held already) are copied into one flat array and a
non-blocking MPI all-reduce starts, while the backward pass goes on with the layers below. Buckets start in
a fixed order, the same on every rank. A callback queued on the backward pass (`backward_hooks.queue_callback`)
starts any bucket still waiting (parameters that got no gradient), waits for all of them, and sets each
parameter's `.grad` to the mean over ranks before `backward()` returns; so gradient clipping and the
optimizer see averaged gradients. A parameter that
no rank used keeps `.grad = None`, as in one process.

Gradient accumulation: inside `with model.no_sync():` forward/backward passes only accumulate locally; the
first backward of a forward outside it averages the accumulated gradients (as in PyTorch).

Buffers (BatchNorm's running statistics) are copied from rank 0 to all ranks at construction and at each
forward in training mode (broadcast_buffers=True, PyTorch's default). A BatchNorm layer normalises with the
mean and variance of its own rank's mini-batch, so a model trained on N ranks normalises like one with N times
smaller batches; `nn.SyncBatchNorm.convert_sync_batchnorm(model)` makes them use the statistics of the whole
batch across ranks (then N ranks compute exactly what one process would on the joined batch).

state_dict: as in PyTorch, `ddp.state_dict()` names entries `module.<name>` (the wrapped model is the child
`module`), and `ddp.module.state_dict()` gives the plain names to save for use without DDP.
`ddp.load_state_dict` takes either form.

Not supported (as in PyTorch): `autograd_core.grad(...)` through the wrapper (only `backward()` averages), and
`backward(create_graph=True)`.
"""

from __future__ import annotations

import contextlib
import weakref

import numpy as np

from autograd_core import Value
from autograd_core import distributed as dist
from autograd_core.backward_hooks import queue_callback

from .data_parallel import DataParallel
from .module import Module

__all__ = ["DataParallel", "DistributedDataParallel"]


class _Bucket:
    """Parameters whose gradients travel together in one flat array of one dtype.

    Layout of `flat`: each parameter's gradient at its offset, then one "used" flag per parameter (1 when this
    rank's backward reached it). After the all-reduce (a sum), a flag above 0 means some rank used it.
    """

    def __init__(self, params, dtype):
        self.params, self.dtype = params, dtype
        self.offsets, size = [], 0
        for p in params:
            self.offsets.append(size)
            size += p.data.size
        self.size = size
        self.flat = None     # allocated for each backward pass
        self.filled = None   # which of this pass's gradients are in `flat`
        self.work = None     # the all-reduce in flight

    def begin(self):
        self.flat = np.zeros(self.size + len(self.params), dtype=self.dtype)
        self.filled = [False] * len(self.params)
        self.work = None

    def end(self):
        self.flat = self.filled = self.work = None

    def complete(self):
        return all(self.filled)

    def put(self, i, grad):
        p = self.params[i]
        start = self.offsets[i]
        if grad is None:
            self.flat[start:start + p.data.size] = 0
        else:
            self.flat[start:start + p.data.size] = np.ravel(grad)
            self.flat[self.size + i] = 1
        self.filled[i] = True


class DistributedDataParallel(Module):
    """Wrap `module` for data-parallel training: every rank runs it on its own mini-batch, and `backward()`
    leaves each parameter's `.grad` averaged over all ranks (see the module docstring for how).

    DistributedDataParallel(module, bucket_cap_mb=25, broadcast_buffers=True)

    module:            the model (its parameters' names, shapes and dtypes must agree on every rank; a
                       difference raises ValueError naming it on every rank).
    bucket_cap_mb:     size of the gradient buckets, in MiB. Smaller buckets start communicating earlier
                       in the backward pass; larger ones send fewer messages.
    broadcast_buffers: copy rank 0's buffers to the other ranks before each forward in training mode.

    Construction initialises `autograd_core.distributed` if needed and copies rank 0's parameters and
    buffers to every rank. Call the wrapper like the model; `ddp.module` is the model.
    """

    def __init__(self, module, bucket_cap_mb=25, broadcast_buffers=True):
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected a Module, got {type(module).__name__}")
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb!r}")
        dist.init()
        self.module = module
        self.bucket_cap_mb, self.broadcast_buffers = bucket_cap_mb, bool(broadcast_buffers)
        self.require_backward_grad_sync = True
        self.world_size = dist.get_world_size()
        _check_same_model(module)
        self._sync_state(buffers_only=False)
        self._buckets = _make_buckets(list(module.parameters()), bucket_cap_mb * 2**20)
        self._pass = None       # True while a backward pass that averages gradients runs
        self._next_bucket = 0   # the next bucket to start: buckets start in order, the same on every rank
        if self.world_size > 1:
            me = weakref.ref(self)  # the hooks must not keep the wrapper alive: they go when it goes
            handles = [p.register_hook(_ReadyHook(me, b, i))
                       for b, bucket in enumerate(self._buckets) for i, p in enumerate(bucket.params)]
            weakref.finalize(self, _remove_hooks, handles)

    def extra_repr(self):
        return f"world_size={self.world_size}, buckets={len(self._buckets)}"

    # ------------------------------------------------------------------------------------------------

    def forward(self, *args, **kwargs):
        if self._pass is not None:  # the last backward pass failed before its end: forget its buckets
            self._end_pass()
        if self.world_size > 1 and self.broadcast_buffers and self.training:
            self._sync_state(buffers_only=True)
        out = self.module(*args, **kwargs)
        if self.world_size > 1 and self.require_backward_grad_sync:
            # The backward pass reaches an output before any parameter: there it prepares the averaging.
            for value in _values_in(out):
                if value.requires_grad:
                    value.register_hook(self._start_pass)
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes of forwards run inside this block only accumulate gradients on each rank; the
        next backward of a forward outside it averages the accumulated sum (gradient accumulation)."""
        before = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = before

    def load_state_dict(self, state_dict, strict=True):
        """Load a state dict saved from the wrapper (`module.` names) or from the bare model."""
        keys = list(state_dict.keys())
        if keys and not any(k.startswith("module.") for k in keys):
            return self.module.load_state_dict(state_dict, strict=strict)
        return super().load_state_dict(state_dict, strict=strict)

    # ------------------------------------------------------------------------------------------------
    # The machinery.

    def _sync_state(self, buffers_only):
        if self.world_size == 1:
            return
        if not buffers_only:
            for p in self.module.parameters():
                dist.broadcast(p, src=0)
        for _, array in self.module.named_buffers():
            if array.size:
                dist.broadcast(array, src=0)

    def _start_pass(self, grad):
        if self._pass is None:
            self._pass = True
            for bucket in self._buckets:
                bucket.begin()
            self._next_bucket = 0
            queue_callback(self._finish_pass)
        return None

    def _ready(self, b, i, g):
        """Parameter i of bucket b has its whole gradient g of this pass: file .grad + g, start what is complete."""
        if self._pass is None:
            return  # a backward pass that does not average (no_sync, or not through this wrapper)
        bucket = self._buckets[b]
        old = bucket.params[i].grad  # what earlier passes accumulated (no_sync); the engine adds g to it later
        if isinstance(g, Value) or isinstance(old, Value):
            raise NotImplementedError("DistributedDataParallel: backward(create_graph=True) through the wrapper is "
                                      "not supported (gradients are averaged as NumPy arrays)")
        bucket.put(i, g if old is None else old + g)
        self._start_full_buckets()
        for bucket in self._buckets[:self._next_bucket]:  # let MPI make progress on what is in flight
            if bucket.work is not None:
                bucket.work.is_completed()

    def _start_full_buckets(self, all_of_them=False):
        buckets = self._buckets
        while self._next_bucket < len(buckets):
            bucket = buckets[self._next_bucket]
            if not bucket.complete():
                if not all_of_them:
                    return
                for i, p in enumerate(bucket.params):  # parameters the pass did not reach: their .grad as is
                    if not bucket.filled[i]:
                        bucket.put(i, p.grad)
            bucket.work = dist.all_reduce(bucket.flat, op=dist.ReduceOp.SUM, async_op=True)
            self._next_bucket += 1

    def _finish_pass(self):
        """End of the backward pass: every bucket started and waited for; .grad = the mean over ranks."""
        try:
            self._start_full_buckets(all_of_them=True)
            scale = 1.0 / self.world_size
            for bucket in self._buckets:
                bucket.work.wait()
                flat = bucket.flat
                flat[:bucket.size] *= scale
                for i, p in enumerate(bucket.params):
                    if flat[bucket.size + i] == 0:
                        continue  # no rank used this parameter: its .grad stays None
                    start = bucket.offsets[i]
                    grad = flat[start:start + p.data.size].reshape(p.data.shape)
                    p.grad = grad[()] if grad.ndim == 0 else grad
        finally:
            self._end_pass()

    def _end_pass(self):
        self._pass = None
        for bucket in self._buckets:
            bucket.end()


class _ReadyHook:
    """The gradient hook of one parameter: (bucket, position) in the wrapper."""

    __slots__ = ("ddp", "b", "i")

    def __init__(self, ddp, b, i):
        self.ddp, self.b, self.i = ddp, b, i  # ddp: a weak reference

    def __call__(self, g):
        ddp = self.ddp()
        if ddp is not None:
            ddp._ready(self.b, self.i, g)


def _remove_hooks(handles):
    for handle in handles:
        handle.remove()


def _make_buckets(params, cap_bytes):
    """Buckets of at most cap_bytes (at least one parameter each), one dtype each, last parameters first."""
    buckets, current, current_bytes = [], [], 0
    for p in reversed(params):
        if p.data.size == 0:
            continue
        if current and (current_bytes + p.data.nbytes > cap_bytes or p.data.dtype != current[0].data.dtype):
            buckets.append(_Bucket(current, current[0].data.dtype))
            current, current_bytes = [], 0
        current.append(p)
        current_bytes += p.data.nbytes
    if current:
        buckets.append(_Bucket(current, current[0].data.dtype))
    return buckets


def _values_in(out):
    """The Values in a model's output: a Value, or tuples, lists and dicts of them."""
    if isinstance(out, Value):
        yield out
    elif isinstance(out, (list, tuple)):
        for item in out:
            yield from _values_in(item)
    elif isinstance(out, dict):
        for item in out.values():
            yield from _values_in(item)


def _check_same_model(module):
    """Raise ValueError on every rank when the ranks' models differ in parameter/buffer names, shapes or dtypes."""
    signature = [(name, tuple(p.data.shape), str(p.data.dtype)) for name, p in module.named_parameters()]
    signature += [(name, tuple(a.shape), str(a.dtype)) for name, a in module.named_buffers()]
    signatures = [None] * dist.get_world_size()
    dist.all_gather_object(signatures, signature)
    reference = signatures[0]
    for rank, other in enumerate(signatures[1:], start=1):
        if other == reference:
            continue
        if len(other) != len(reference):
            raise ValueError(
                f"DistributedDataParallel: rank {rank}'s model has {len(other)} parameters and buffers, rank 0's "
                f"has {len(reference)}: {_first_difference(reference, other, rank)}")
        raise ValueError(
            f"DistributedDataParallel: the ranks' models differ: {_first_difference(reference, other, rank)}")


def _first_difference(reference, other, rank):
    for ours, theirs in zip(reference, other):
        if ours != theirs:
            return (f"rank 0 has {ours[0]!r} of shape {ours[1]} ({ours[2]}), rank {rank} has {theirs[0]!r} of shape "
                    f"{theirs[1]} ({theirs[2]})")
    longer, which = (reference, 0) if len(reference) > len(other) else (other, rank)
    extra = longer[min(len(reference), len(other))]
    return f"only rank {which} has {extra[0]!r} of shape {extra[1]}"
