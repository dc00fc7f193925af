"""The explorer's first view ("fit") of a long chain: readable at its output end, not a hairline.

Screenshots go to out/explorer/ as test_viz_explore's do.
"""

import pytest

from autograd_core import Value, viz
from test_viz_explore import browser, open_page, screenshot  # noqa: F401 (browser is a fixture)


def recurrent_chain(steps):
    """An RNN-like loop: one weight w used at every step of a 4-node-per-step chain (about 4·steps nodes)."""
    w, s = Value(0.5, label="w"), Value(0.1, label="s0")
    for i in range(steps):
        s = (s * w + Value(i / 100)).tanh()
    s.label = "out"
    s.backward(retain_graph=True)
    return s


def fitted(driver, output):
    driver.execute_script("explorer.fit()")
    scale = driver.execute_script("return explorer.view()")[0]
    x, y = driver.execute_script("return explorer.screenOf(arguments[0])", output)
    rect = driver.find_element("id", "canvas").rect
    inside = rect["x"] <= x <= rect["x"] + rect["width"] and rect["y"] <= y <= rect["y"] + rect["height"]
    return scale, inside


@pytest.mark.needs("chromium", "chromedriver")
def test_a_long_chain_opens_readable_at_its_output(browser):  # noqa: F811
    out = recurrent_chain(60)
    assert len(viz.trace(out).nodes) == 242
    open_page(browser, viz.explore(out), "long-chain")
    scale, output_on_screen = fitted(browser, viz.trace(out).output)
    # fitted whole, 242 nodes side by side would be drawn at a scale of about 0.02 (boxes under 1 px high)
    assert scale >= 0.45 and output_on_screen, (scale, output_on_screen)
    screenshot(browser, "long-chain")
    assert browser.execute_script("return explorer.namesDrawn()") > 5  # names are written, not bare boxes


@pytest.mark.needs("chromium", "chromedriver")
def test_a_short_chain_is_still_fitted_whole(browser):  # noqa: F811
    out = recurrent_chain(3)
    open_page(browser, viz.explore(out), "short-chain")
    scale, output_on_screen = fitted(browser, viz.trace(out).output)
    assert output_on_screen
    first = browser.execute_script("return explorer.screenOf('n0')")
    rect = browser.find_element("id", "canvas").rect
    assert rect["x"] <= first[0] <= rect["x"] + rect["width"]  # the first input is in view too
