"""The figures of the guides that need no clock: sizes, counts and limits the pages state, each checked against
the code or the benchmark it names. (Speed figures are measured, with their commands, in BENCHMARKS.md; no test
times anything.)"""

import re
import sys
from pathlib import Path

import pytest

import autograd_core as ag
from autograd_core import Value, recycle
from autograd_core.engine import toposort

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _said(page, pattern):
    """The number a page states, found by `pattern` (its first group; commas allowed)."""
    found = re.search(pattern, " ".join((DOCS / page).read_text(encoding="utf-8").split()))
    assert found, f"{page} no longer says {pattern!r}"
    return int(found.group(1).replace(",", ""))


def _bench(name):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(ROOT / "bench"))


KIB, MIB = 1 << 10, 1 << 20


@pytest.mark.parametrize("pattern, unit, actual", [
    (r"Arrays under (\d+) KiB come from malloc's free lists", KIB, lambda: recycle.MIN_BYTES),
    (r"at most (\d+) MiB is kept", MIB, lambda: recycle.MAX_BYTES),
    (r"scratch buffers \(temporaries inside a kernel, (\d+) MiB per thread\)", MIB,
     lambda: __import__("autograd_core.nn.im2col", fromlist=["SCRATCH_BYTES"]).SCRATCH_BYTES),
    (r"`threads\.MIN_WORK` elements of its largest array \(([\d,]+):", 1,
     lambda: __import__("autograd_core.threads", fromlist=["MIN_WORK"]).MIN_WORK),
], ids=["recycle-floor", "recycle-limit", "im2col-scratch", "split-min-work"])
def test_architecture_limits_are_the_codes(pattern, unit, actual):
    assert _said("architecture.md", pattern) * unit == actual()


def test_architecture_node_slots_are_the_classes():
    # "a node of 15 slots" (ours) against bench_floor's lean node "of six slots"
    assert _said("architecture.md", r"to a node of (\d+) slots") == len(Value.__slots__)
    said = re.search(r"the chain rule \(a node of (\w+) slots", " ".join(
        (DOCS / "architecture.md").read_text(encoding="utf-8").split()))
    assert said, "architecture.md no longer says how many slots the lean node has"
    words = {"five": 5, "six": 6, "seven": 7, "eight": 8}
    assert words[said.group(1)] == len(_bench("bench_floor").Lean.__slots__)


def test_pytorch_page_counts_bench_layers_cases():
    assert _said("coming-from-pytorch.md", r"forward \+ backward of (\d+) layers") == len(_bench("bench_layers").CASES)


def test_pytorch_page_counts_the_gpt_models_parameters():
    gpt = _bench("bench_gpt")
    model, *_ = gpt.build(*gpt.library(gpt.OURS), 0.0)
    said = _said("coming-from-pytorch.md", r"`bench/bench_gpt\.py`'s model, (\d+) parameters\)")
    assert said == len(list(model.parameters()))


def _micrograd_demo_graph(scalar_inputs):
    """micrograd's demo loss on ag.nn.MLP(2, [16, 16, 1]): the data loss over 100 moons on lists of scalars (the
    scalar graph) or on the (100, 2) array, plus micrograd's L2 over parameters(), the scalar leaves."""
    X, y = ag.nn.make_moons(100, noise=0.1, rng=0)
    model = ag.nn.MLP(2, [16, 16, 1], rng=0)
    if scalar_inputs:
        scores = [model([Value(float(a), requires_grad=False) for a in row]) for row in X]
        data_loss = sum((1 + -float(2 * t - 1) * s).relu() for t, s in zip(y, scores)) * (1.0 / len(scores))
    else:
        data_loss = (1 - (2 * y - 1) * model(X)[:, 0]).relu().mean()
    penalty = 1e-4 * sum(p * p for p in model.parameters())
    return model, data_loss, penalty


def _recorded(loss):
    return sum(1 for v in toposort(loss) if not v.is_leaf)


def test_micrograd_page_counts_the_demo_graphs_nodes():
    page = "coming-from-micrograd.md"
    model, data_loss, penalty = _micrograd_demo_graph(scalar_inputs=True)
    assert _said(page, r"scalar leaves \((\d+) here\)") == len(model.parameters())
    # "one node per layer instead of 65,000 scalar nodes": the scalar graph of the demo's loss
    assert _recorded(data_loss + penalty) == pytest.approx(_said(page, r"instead of ([\d,]+) scalar nodes"), rel=0.02)
    # "[the L2 over parameters()] records ~700 scalar nodes" beside the tensor graph
    _, data_loss, penalty = _micrograd_demo_graph(scalar_inputs=False)
    beside = _recorded(data_loss + penalty) - _recorded(data_loss)
    assert beside == pytest.approx(_said(page, r"it records ~([\d,]+) scalar nodes"), rel=0.05)


# Every benchmark command a page quotes exists, with the options it is quoted with: `bench/bench_gpt.py --optimizer
# --rounds 30`, `bench_engine.py --only demo-nn --burst 20`, `bench/bench_compile.py --only W1,W3 [--clock wall]`.
COMMAND = re.compile(r"(bench_\w+\.py)((?:\s+\[?--[\w-]+(?:[ =](?!-)[\w,.:-]*\w)?\]?)*)")
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def _quoted_commands():
    found = set()
    for page in PAGES:
        for script, tail in COMMAND.findall(" ".join(page.read_text(encoding="utf-8").split())):
            found.add((page.name, script, " ".join(tail.split())))
    return sorted(found)


def test_the_pages_quote_benchmark_commands():
    assert len(_quoted_commands()) >= 15


@pytest.mark.parametrize("page, script, options", _quoted_commands(),
                         ids=[f"{p}:{s}{o}" for p, s, o in _quoted_commands()])
def test_a_quoted_benchmark_command_exists_with_its_options(page, script, options):
    path = ROOT / "bench" / script
    assert path.is_file(), f"{page} quotes {script}, which bench/ does not have"
    source = path.read_text(encoding="utf-8")
    for flag, value in re.findall(r"--([\w-]+)(?:[ =]([\w,.:-]+))?", options):
        assert f'"--{flag}"' in source, f"{page} quotes {script} --{flag}, an option it does not take"
        for part in value.split(","):
            if part and not part.replace(".", "").isdigit():  # a name (a workload, a clock), not a count
                assert f'"{part}"' in source or f"'{part}'" in source, f"{page}: {script} --{flag} {part}?"
