"""Every case of the op table against central finite differences in float64: first derivatives
(`gradcheck`) and second derivatives (`gradgradcheck`, through create_graph=True)."""

import pytest
from test_ops_table import CASE_IDS, CASES, OURS

from autograd_core import gradcheck, gradgradcheck


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_grad_matches_numeric(case):
    assert gradcheck(lambda *xs: case.fn(OURS, *xs), case.inputs)


@pytest.mark.parametrize("case", [c for c in CASES if c.twice], ids=[c.label for c in CASES if c.twice])
def test_gradgrad_matches_numeric(case):
    assert gradgradcheck(lambda *xs: case.fn(OURS, *xs), case.inputs)
