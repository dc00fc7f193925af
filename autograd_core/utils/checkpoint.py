"""torch.utils.checkpoint: activation checkpointing, memory traded for a second forward pass.

    from autograd_core.utils.checkpoint import checkpoint
    h = checkpoint(block, x, use_reentrant=False)   # block's intermediate Values are not kept
    loss = head(h).sum(); loss.backward()           # backward runs block(x) again, recording, and goes through it

A checkpointed call records one node instead of the graph of everything `function` computes: the forward pass
runs without recording, so none of its intermediate arrays stay alive for backward. When the backward pass reaches
that node, it runs `function` again on the same inputs, this time recording, and backpropagates the node's
gradient through the recomputed graph: the inputs get their gradients, and so do the parameters `function` uses
(accumulated into their `.grad`, as `backward()` does). The random number generator is put back to its state at
the first call for the recomputation (preserve_rng_state=True), so dropout draws the same mask twice.

It is reverse mode's memory/time trade in one function: a network of n checkpointed blocks keeps n block
outputs instead of every activation, for one more forward pass of each block.
"""

from __future__ import annotations

import numpy as np

from ..backward_hooks import accumulating_pass
from ..recording import apply
from ..engine import grad as engine_grad
from ..modes import enable_grad, is_grad_enabled, no_grad
from ..ops.primitive import PRIMITIVES, Primitive
from ..torch_functions import get_rng_state, set_rng_state
from ..value import Value

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):
    """function(*args, **kwargs) without keeping its graph; the backward pass runs it again to go through it.

    function: returns a Value, or a tuple of Values (other objects in it are passed through); each float output
        Value is one node (a backward pass that reaches several of them runs function again for each).
    args, kwargs: passed to function; the Values among the positional args that require a gradient get one, and
        so do the parameters function uses (a module's weights).
    preserve_rng_state: draw the same random numbers in the recomputation as in the first call (dropout).
    use_reentrant, context_fn, determinism_check, debug: PyTorch's; accepted, and change nothing here.

    The gradients of the parameters function uses are added to their `.grad` when `backward()` reaches the node;
    `autograd_core.grad(loss, inputs)` (and a picture's local derivatives) get the arguments' gradients and write no
    `.grad`, and a parameter used only inside is not connected to the loss for it. A second derivative through a
    checkpoint (`create_graph=True`) raises. Outside grad mode (no_grad) it is a plain call.
    """
    if not is_grad_enabled():
        return function(*args, **kwargs)
    from ..jit import not_replayable  # the compiler loads on first use

    not_replayable("checkpoint: its backward runs the function again, Python that a replay would not run")
    run = _Recompute(function, args, kwargs, get_rng_state() if preserve_rng_state else None)
    with no_grad():  # the call itself: nothing recorded, no intermediate kept
        outputs = run.outputs = function(*args, **kwargs)
    # The node has the Value arguments as inputs, and one leaf of its own that requires a gradient: the node is
    # recorded even when only function's parameters need gradients (PyTorch's reentrant checkpoint loses them).
    inputs = (Value(np.float32(0.0), requires_grad=True, label="parameters inside"), *run.value_args)
    if isinstance(outputs, Value):
        return apply(_NODE, inputs, {"run": run, "index": None}) if outputs.dtype.kind == "f" else outputs
    if isinstance(outputs, tuple):
        return type(outputs)(apply(_NODE, inputs, {"run": run, "index": i})
                             if isinstance(o, Value) and o.dtype.kind == "f" else o for i, o in enumerate(outputs))
    return outputs


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run `functions` (an nn.Sequential or a list of modules) one after another on input, checkpointing
    `segments` runs of consecutive ones (the last run, as PyTorch's, is not checkpointed: its output is needed
    at once). Returns the last output."""
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be at least 1, got {segments}")
    size = -(-len(functions) // segments)  # ceil: at most `segments` runs

    def run(start, stop):
        def forward(x):
            for f in functions[start:stop]:
                x = f(x)
            return x
        return forward

    starts = list(range(0, len(functions), size))
    for start in starts[:-1]:
        input = checkpoint(run(start, start + size), input, use_reentrant=use_reentrant, **kwargs)
    return run(starts[-1], len(functions))(input)


class _Recompute:
    """One checkpointed call: its outputs (computed without recording), and the recomputation for backward."""

    def __init__(self, function, args, kwargs, rng_state):
        self.function, self.args, self.kwargs, self.rng_state = function, args, kwargs, rng_state
        self.value_args = tuple(a for a in args if isinstance(a, Value))
        self.outputs = None
        self.gradients_of = {}  # index -> (g, gradients): one recomputation per node, not one per input

    def gradients(self, index, g):
        """Run function again with recording, on fresh leaves standing for the Value arguments (with the random
        numbers of the first call), and backpropagate g from output `index`: the arguments' gradients."""
        done = self.gradients_of.get(index)
        if done is not None and done[0] is g:
            return done[1]
        stand_ins = [a.detach().requires_grad_(a.requires_grad) for a in self.value_args]
        swap = {id(a): s for a, s in zip(self.value_args, stand_ins)}
        args = tuple(swap.get(id(a), a) for a in self.args)
        kept = get_rng_state()
        if self.rng_state is not None:
            set_rng_state(self.rng_state)
        try:
            with enable_grad():
                outputs = self.function(*args, **self.kwargs)
        finally:
            set_rng_state(kept)
        output = outputs if index is None else outputs[index]
        wanted = [s for s in stand_ins if s.requires_grad]
        if not output.requires_grad:
            found = {}
        elif accumulating_pass():  # backward(): the parameters used inside get their gradients too
            output.backward(g)
            found = {id(s): s.grad for s in wanted}
        else:  # autograd_core.grad, or a picture's local derivative: the arguments' gradients only, no .grad written
            found = dict(zip(map(id, wanted), engine_grad(output, wanted, g, allow_unused=True))) if wanted else {}
        grads = tuple(found.get(id(s)) for s in stand_ins)
        self.gradients_of[index] = (g, grads)
        return grads


def _forward(anchor, *values, run, index):
    """The output computed when the call was made (the node's forward does not run function again)."""
    outputs = run.outputs
    return (outputs if index is None else outputs[index]).data


def _vjp(argnum, g, out, anchor, *values, run, index):
    if isinstance(g, Value):
        raise RuntimeError("checkpoint: a second derivative (create_graph=True) through a checkpoint is not "
                           "supported; compute that part without checkpoint")
    grads = run.gradients(index, g)  # the parameters' gradients go to their .grad here, once per node
    if argnum == 0:  # the node's own leaf: nothing to give it
        return None
    grad = grads[argnum - 1]
    return None if grad is None else np.asarray(grad)


_NODE = Primitive("checkpoint", _forward, title="checkpoint", module=__name__)
PRIMITIVES.pop("checkpoint")  # one node per checkpointed call, not an operation of the catalogue
_NODE.defvjp_argnum(_vjp, formula="by running function again")
