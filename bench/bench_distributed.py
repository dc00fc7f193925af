"""Data-parallel training on MPI: all-reduce time by message size, and the digits CNN on 1 and 2 ranks.

    .venv/bin/python bench/bench_distributed.py            # launches mpiexec itself; markdown on stdout
    .venv/bin/python bench/bench_distributed.py --quick    # fewer repetitions

Parts (each a separate `mpiexec` launch of this file with a part name; BLAS pinned to one thread per rank):
  allreduce  `distributed.all_reduce` (non-blocking MPI Iallreduce + wait) of float32 arrays, 1 KiB … 64 MiB,
             on 2 ranks: median time, and the bandwidth as bytes per second of the array and of a ring
             (each rank sends 2(N-1)/N of the array).
  cnn        the digits CNN of examples/train_digits_cnn.py (Conv 32, Conv 64, Linear), 32 images per rank and
             step (weak scaling), Adam: samples per second over all ranks, wall clock and CPU time per step;
             run with several small buckets (communication starts during backward) and with one bucket
             (one all-reduce when the last gradient is ready, i.e. at the end of backward); also the time of
             forward and backward, and when each bucket started within the backward pass.
The machine has 2 cores and other work may run on it: ranks compete with that work for the cores, so
read the CPU-time columns next to the wall-clock ones.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = [2**k for k in range(10, 27, 2)]  # bytes: 1 KiB, 4 KiB, ..., 64 MiB


def part_allreduce(quick):
    from autograd_core import distributed as dist

    dist.init()
    results = []
    for nbytes in SIZES:
        array = np.ones(nbytes // 4, dtype=np.float32)
        repeats = max(3, min(200, (2**22 // nbytes) * 4) // (4 if quick else 1))
        times = []
        for _ in range(repeats + 2):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(array)
            times.append(time.perf_counter() - start)
        results.append({"bytes": nbytes, "seconds": statistics.median(times[2:]), "repeats": repeats})
    return results


def wide_mlp():
    """64 → 1024 → 1024 → 1024 → 10, float32: 2.2 M parameters (8.5 MB of gradients), little compute per byte."""
    from autograd_core import nn

    rng = np.random.default_rng(0)
    return nn.Sequential(nn.Linear(64, 1024, rng=rng), nn.ReLU(), nn.Linear(1024, 1024, rng=rng), nn.ReLU(),
                         nn.Linear(1024, 1024, rng=rng), nn.ReLU(), nn.Linear(1024, 10, rng=rng))


def part_training(quick, kind):
    from autograd_core import distributed as dist
    from autograd_core import nn, optim
    from autograd_core.nn import functional as F
    from autograd_core.nn.parallel import DistributedDataParallel
    from examples.train_digits_cnn import make_model as digits_cnn

    dist.init()
    rank, world = dist.get_rank(), dist.get_world_size()
    X, _, y, _ = nn.load_digits(images=kind == "cnn", seed=0)
    steps = 15 if quick else 40
    batch = 32
    out = {"world": world, "steps": steps, "batch_per_rank": batch}
    if kind == "cnn":
        make_model, modes = (lambda: digits_cnn((32, 64), seed=0)), {"buckets": 0.02, "one bucket": 1e6}
    else:
        make_model, modes = wide_mlp, {"buckets": 2.0, "one bucket": 1e6}
    runs = {}
    for label, cap in modes.items():
        ddp = DistributedDataParallel(make_model(), bucket_cap_mb=cap)
        _Timeline.attach(ddp)
        runs[label] = (ddp, optim.Adam(ddp.parameters(), lr=1e-3), {k: [] for k in
                       ("forward", "backward", "step", "cpu_step", "cpu_backward", "exposed", "starts")})
    rng = np.random.default_rng(rank)
    for step in range(steps + 3):
        for ddp, opt, record in runs.values():  # interleaved: load from elsewhere hits both alike
            index = rng.integers(0, len(y), size=batch)
            dist.barrier()
            t0, c0 = time.perf_counter(), time.process_time()
            loss = F.cross_entropy(ddp(X[index]), y[index])
            opt.zero_grad()
            t1, c1 = time.perf_counter(), time.process_time()
            ddp._timeline = [("backward", t1)]
            loss.backward()
            t2, c2 = time.perf_counter(), time.process_time()
            opt.step()
            t3, c3 = time.perf_counter(), time.process_time()
            if step < 3:  # warm-up
                continue
            record["forward"].append(t1 - t0)
            record["backward"].append(t2 - t1)
            record["cpu_backward"].append(c2 - c1)
            record["step"].append(t3 - t0)
            record["cpu_step"].append(c3 - c0)
            events = ddp._timeline[1:]
            record["starts"].append([(t - t1) / (t2 - t1) for name, t in events if name == "start"])
            waits = [t for name, t in events if name in ("wait", "done")]
            record["exposed"].append(waits[1] - waits[0] if len(waits) == 2 else 0.0)
    for label, (ddp, _, record) in runs.items():
        median = {k: statistics.median(v) for k, v in record.items() if k != "starts"}
        out[label] = dict(median, buckets=len(ddp._buckets),
                          samples_per_second=world * batch / median["step"],
                          samples_per_cpu_second=world * batch / median["cpu_step"],
                          bucket_starts=[statistics.median(s[i] for s in record["starts"])
                                         for i in range(len(record["starts"][0]))])
    out["gradient_bytes"] = sum(p.data.nbytes for p in runs["buckets"][0].parameters())
    return out


class _Timeline:
    """Records when each bucket's all-reduce starts (as a fraction of the backward pass)."""

    @staticmethod
    def attach(ddp):
        start_full = ddp._start_full_buckets

        def recording(all_of_them=False):
            before = ddp._next_bucket
            start_full(all_of_them)
            for _ in range(ddp._next_bucket - before):
                ddp._timeline.append(("start", time.perf_counter()))

        finish = ddp._finish_pass

        def timed_finish():  # the wait at the end of backward: communication that computation did not hide
            ddp._timeline.append(("wait", time.perf_counter()))
            finish()
            ddp._timeline.append(("done", time.perf_counter()))

        ddp._start_full_buckets = recording
        ddp._finish_pass = timed_finish
        ddp._timeline = []


# ----------------------------------------------------------------------------------------------------
# The driver: launches the parts and prints markdown.


def launch(ranks, part, quick):
    program = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
    if program is None:
        sys.exit("bench_distributed: no mpiexec (pip install 'autograd-core[distributed]')")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [program, "-n", str(ranks), sys.executable, __file__, "--part", part] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"bench_distributed: {' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _human(nbytes):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if nbytes < 1024:
            return f"{nbytes:g} {unit}"
        nbytes /= 1024
    return f"{nbytes:g} TiB"


def report(quick):
    load = os.getloadavg()[0]
    print(f"load average at start: {load:.2f} on {os.cpu_count()} cores\n")
    results = launch(2, "allreduce", quick)
    print("### all_reduce on 2 ranks (float32, in place, median)\n")
    print("| size | time | array bytes / s | ring bytes sent / s |")
    print("|---:|---:|---:|---:|")
    for r in results:
        t = r["seconds"]
        print(f"| {_human(r['bytes'])} | {t * 1e6:,.0f} µs | {r['bytes'] / t / 1e9:.2f} GB/s | "
              f"{r['bytes'] * 2 * (2 - 1) / 2 / t / 1e9:.2f} GB/s |")
    latency = results[0]["seconds"]
    for kind, title in (("cnn", "digits CNN (Conv 32, Conv 64, Linear; float32)"),
                        ("mlp", "wide MLP (64-1024-1024-1024-10, float32), more bytes per flop")):
        one, two = launch(1, kind, quick), launch(2, kind, quick)
        print(f"\n### {title}: 32 images per rank and step, Adam (median per step)\n")
        print("| ranks | gradients in | samples/s (wall) | samples/s (CPU time) | step wall | step CPU/rank "
              "| backward wall | backward CPU | wait at end of backward | bucket starts (fraction of backward) |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for run in (one, two):
            for label in ("buckets", "one bucket"):
                r = run[label]
                starts = ", ".join(f"{s:.2f}" for s in r["bucket_starts"]) if run["world"] > 1 else "-"
                print(f"| {run['world']} | {label} ({r['buckets']}) | {r['samples_per_second']:,.0f} | "
                      f"{r['samples_per_cpu_second']:,.0f} | {r['step'] * 1e3:.1f} ms | {r['cpu_step'] * 1e3:.1f} ms "
                      f"| {r['backward'] * 1e3:.1f} ms | {r['cpu_backward'] * 1e3:.1f} ms | "
                      f"{r['exposed'] * 1e3:.2f} ms | {starts} |")
        grad_bytes = one["gradient_bytes"]
        backward = one["buckets"]["cpu_backward"]
        print(f"\ngradient bytes per step: {grad_bytes:,} ({_human(grad_bytes)}); backward on 1 rank (CPU time): "
              f"{backward * 1e3:.1f} ms; smallest all-reduce (latency): {latency * 1e6:.0f} µs")
        print("\n| machines N | bytes each sends per step, 2(N-1)/N·G | bandwidth that hides them behind backward |")
        print("|---:|---:|---:|")
        for n in (2, 4, 8, 64):
            sent = 2 * (n - 1) / n * grad_bytes
            print(f"| {n} | {_human(round(sent))} | {sent / backward * 8 / 1e9:,.2f} Gbit/s |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--part", choices=["allreduce", "cnn", "mlp"], help="(internal) the part to run under mpiexec")
    args = p.parse_args()
    if args.part is None:
        report(args.quick)
        return
    result = part_allreduce(args.quick) if args.part == "allreduce" else part_training(args.quick, args.part)
    from autograd_core import distributed as dist

    if dist.get_rank() == 0:
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
