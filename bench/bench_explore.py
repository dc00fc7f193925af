"""How fast the graph explorer (`viz.explore`) opens a 10,000-node graph in headless Chromium.

    .venv/bin/python bench/bench_explore.py            # markdown table on stdout
    .venv/bin/python bench/bench_explore.py --nodes 50000 --runs 3 --only "opens folded"   # a big model

For each graph: the Python side (trace + the page's JSON, median of runs), the page's size, and in the browser
(Debian's chromium + chromedriver, headless, driven by Selenium) the median over runs of:

* graphs with modules (the scalar MLP) open folded by module above 2,500 nodes: measured both ways;
* open → drawn: from the start of navigation (performance.now() = 0) to the first frame drawn on the canvas
  after the script has parsed the data, laid the graph out and replayed the backward pass;
* click:  selecting a node (details panel, chain rule of a leaf) plus the next frame;
* step:   moving the backward-pass slider to the middle, plus the next frame;
* zoom:   one redraw of the whole graph at the fitted zoom.

Needs `pip install selenium` (the test extra) and chromium + chromedriver on PATH.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autograd_core import Value, viz  # noqa: E402
from bench_viz import chain, fan_in, tensor  # noqa: E402  (the same graphs as the picture benchmark)

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,900")


def mlp(n_nodes):
    """A scalar MLP (micrograd's picture) with its Layer and Neuron modules, about n_nodes nodes."""
    from autograd_core import nn

    width = max(4, int((n_nodes / 3) ** 0.5))
    model = nn.MLP(4, [width, width, 1], rng=0, dtype=np.float64)
    return model([Value(v) for v in (0.5, -1.0, 2.0, 0.1)])


def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='bench-explore-')}")
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))


FRAME = ("const done = arguments[arguments.length - 1]; const t0 = performance.now(); %s; "
         "requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));")


def measure(browser, path, runs):
    opened, click, step, zoom = [], [], [], []
    for _ in range(runs):
        browser.get("file://" + path)
        while browser.execute_script("return explorer && explorer.timings && explorer.timings.firstDraw") is None:
            time.sleep(0.01)
        opened.append(browser.execute_script("return explorer.timings.firstDraw"))
        timed = lambda code: browser.execute_async_script(FRAME % code)
        click.append(timed("explorer.select(0)"))
        step.append(timed("explorer.stepTo(Math.floor(explorer.stepCount / 2))"))
        zoom.append(timed("explorer.fit()"))
    return [statistics.median(v) for v in (opened, click, step, zoom)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", help="run only the graphs whose name contains this text (e.g. MLP)")
    args = parser.parse_args(argv)
    browser = driver()
    folder = tempfile.mkdtemp(prefix="bench-explore-pages-")
    print(f"chromium headless, {args.runs} runs, medians; explore() in ms of wall clock\n")
    print("| graph | nodes | explore() ms | page MB | open → drawn ms | click ms | step ms | redraw ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    try:
        graphs = (("chain", chain, None), ("fan-in", fan_in, None), ("tensor 8×8", tensor, None),
                  ("scalar MLP, opens folded", mlp, None), ("scalar MLP, all expanded", mlp, 10**9))
        for name, build, collapse_above in graphs:
            if args.only and args.only.lower() not in name.lower():
                continue
            root = build(args.nodes)
            root.backward(retain_graph=True)
            options = {} if collapse_above is None else {"collapse_above": collapse_above}
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                page = viz.explore(root, **options)
                times.append((time.perf_counter() - t0) * 1e3)
            path = os.path.join(folder, f"{name.split()[0]}-{len(name)}.html")
            page.save(path)
            n = page.n_nodes
            opened, click, step, zoom = measure(browser, path, args.runs)
            print(f"| {name} | {n} | {statistics.median(times):.0f} | {len(page.html.encode()) / 1e6:.2f} | "
                  f"{opened:.0f} | {click:.0f} | {step:.0f} | {zoom:.0f} |", flush=True)
    finally:
        browser.quit()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
