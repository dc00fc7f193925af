"""Do the compiled W2 program's memory lifetimes cost time? The hand-written W2 step (bench_mlp.NumpyMLP's
arithmetic) three ways: as it is; keeping its six gradients until the next step begins (a compiled call's
`zero_grad` frees them only then); and also writing the forward's four large arrays into buffers that live between
calls (as the compiled program's forward does). CPU time of this thread, one BLAS thread, blocks of 20 steps taking
turns, medians of 101 blocks (BENCHMARKS.md "Stop 54").

    .venv/bin/python bench/w2_lifetimes.py
"""

import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import bench_mlp as bm  # noqa: E402


class Lifetimes(bm.NumpyMLP):
    """NumpyMLP's step with the compiled program's lifetimes, as asked."""

    def __init__(self, weights, keep_gradients, forward_buffers):
        super().__init__(weights)
        self.keep_gradients, self.forward_buffers = keep_gradients, forward_buffers
        self.kept, self.buffers = None, None

    def _forward_out(self, n, widths):
        """Four buffers for h1, a1, h2, a2 (made once), or Nones: fresh arrays each step."""
        if not self.forward_buffers:
            return (None,) * 4
        if self.buffers is None:
            self.buffers = [np.empty((n, width), np.float32) for width in widths]
        return self.buffers

    def step(self, x, y):
        self.kept = None  # as zero_grad at the start of a compiled call: the last step's gradients go now
        (W1, b1), (W2, b2), (W3, b3) = self.params
        n = len(y)
        rows = np.arange(n)
        out_h1, out_a1, out_h2, out_a2 = self._forward_out(n, (W1.shape[0], W1.shape[0], W2.shape[0], W2.shape[0]))
        h1 = np.matmul(x, W1.T, out=out_h1)
        h1 += b1
        a1 = np.maximum(h1, 0, out=out_a1)
        h2 = np.matmul(a1, W2.T, out=out_h2)
        h2 += b2
        a2 = np.maximum(h2, 0, out=out_a2)
        z = a2 @ W3.T
        z += b3
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(s[:, 0]) - z[rows, y])
        dz = e
        dz /= s
        dz[rows, y] -= 1
        dz /= n
        dW3, db3 = dz.T @ a2, dz.sum(axis=0)
        da2 = dz @ W3
        da2 *= h2 > 0
        dW2, db2 = da2.T @ a1, da2.sum(axis=0)
        da1 = da2 @ W2
        da1 *= h1 > 0
        dW1, db1 = da1.T @ x, da1.sum(axis=0)
        gradients = (dW1, db1, dW2, db2, dW3, db3)
        for p, g in zip((W1, b1, W2, b2, W3, b3), gradients):
            p -= bm.LR * g
        if self.keep_gradients:
            self.kept = gradients
        return loss


def main():
    weights = bm.initial_weights()
    x, y = bm.make_batch()
    models = {"by hand": Lifetimes(weights, False, False), "gradients kept": Lifetimes(weights, True, False),
              "kept and forward buffers": Lifetimes(weights, True, True)}
    inputs = {name: bm.inputs_for(model, x, y) for name, model in models.items()}
    times = {name: [] for name in models}
    for name, model in models.items():
        for _ in range(20):
            model.step(*inputs[name])
    for _ in range(101):
        for name, model in models.items():
            start = time.thread_time()
            for _ in range(20):
                model.step(*inputs[name])
            times[name].append((time.thread_time() - start) / 20 * 1e3)
    base = statistics.median(times["by hand"])
    for name in models:
        median = statistics.median(times[name])
        print(f"{name}: {median:.3f} ms, {median / base:.3f}×")


if __name__ == "__main__":
    main()
