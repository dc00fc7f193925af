"""The order the suite's tests are handed to the workers in, and the state each starts from (tests/conftest.py)."""

import importlib
import types
import zlib

import numpy as np
import pytest

import conftest


class _Item:
    def __init__(self, name, *markers):
        self.name, self.markers = name, markers

    def get_closest_marker(self, name):
        return name if name in self.markers else None


def _items():
    return [_Item("a"), _Item("demo", "slow"), _Item("b"), _Item("nb1", "notebook"), _Item("c"), _Item("pkg", "slow"),
            _Item("d"), _Item("e")]


def test_slow_tests_and_notebooks_come_first_and_every_group_keeps_its_order():
    items = _items()
    conftest.longest_first(items)
    assert [item.name for item in items] == ["demo", "nb1", "pkg", "a", "b", "c", "d", "e"]


def test_the_long_tests_are_dealt_to_the_head_of_each_workers_part():
    """xdist's work stealing hands 2 workers the first 4 and the last 4 of 8 tests: each part starts with long ones,
    dealt in turn, and the short ones follow in their order."""
    items = _items()
    conftest.longest_first(items, workers=2)
    assert [item.name for item in items] == ["demo", "pkg", "a", "b", "nb1", "c", "d", "e"]
    items = _items()[:7]
    conftest.longest_first(items, workers=3)  # parts of 2, 2 and 3
    assert [item.name for item in items] == ["demo", "a", "nb1", "b", "pkg", "c", "d"]


def test_a_part_too_small_for_its_long_tests_leaves_them_in_their_order():
    items = [_Item("demo", "slow"), _Item("nb1", "notebook"), _Item("pkg", "slow")]  # parts of 1 and 2
    conftest.longest_first(items, workers=2)
    assert [item.name for item in items] == ["demo", "nb1", "pkg"]


class _Request:
    def __init__(self, nodeid, module):
        self.node, self.module = types.SimpleNamespace(nodeid=nodeid), module


def test_each_test_gets_generators_seeded_from_its_id_and_print_options_and_they_are_given_back():
    """conftest._fresh_state_per_test, driven by hand around a pretend test: while it runs, the module's RNG and the
    library's default generator draw what default_rng(crc32(its id)) draws; afterwards the module's, the library's
    and the print options are what they were before, whatever the test changed."""
    import autograd_core as ag
    tensor = importlib.import_module("autograd_core.tensor")  # (the module: `ag.tensor` is the function)

    module = types.SimpleNamespace(RNG=np.random.default_rng(5), R="not a generator")
    before = (module.RNG, tensor.DEFAULTS["rng"], tensor.DEFAULTS["seed"], np.get_printoptions())
    fixture = conftest._fresh_state_per_test.__wrapped__(_Request("tests/test_x.py::test_y[1]", module))
    next(fixture)
    seed = zlib.crc32(b"tests/test_x.py::test_y[1]")
    expected = np.random.default_rng(seed).random(3)
    np.testing.assert_array_equal(module.RNG.random(3), expected)
    np.testing.assert_array_equal(tensor.DEFAULTS["rng"].random(3), expected)
    assert tensor.DEFAULTS["seed"] == seed and module.R == "not a generator"
    np.set_printoptions(precision=2)
    ag.set_printoptions(precision=1)
    ag.manual_seed(7)
    with pytest.raises(StopIteration):
        next(fixture)
    assert (module.RNG, tensor.DEFAULTS["rng"], tensor.DEFAULTS["seed"]) == before[:3]
    assert np.get_printoptions() == before[3]
    assert ag.value_printing._PRINT_OPTIONS == ag.value_printing._PRINT_DEFAULTS


class _Report:
    outcome, longrepr = "skipped", "a reason"


@pytest.mark.parametrize("reason, in_ci, fails", [
    ("could not import 'tensorboard.backend': No module named 'tensorboard'", True, True),
    ("could not import 'tensorboard.backend': No module named 'tensorboard'", False, False),
    ("could not import 'torch': No module named 'torch'", True, False),   # the one oracle a green suite may lack
    ("could not import 'torch.nn.utils.prune': hidden", True, False),
    ("needs a display", True, False),                                     # a test's own skip: not an import
])
def test_in_ci_a_missing_test_extra_fails_instead_of_skipping(monkeypatch, reason, in_ci, fails):
    monkeypatch.setattr(conftest, "IN_CI", in_ci)
    monkeypatch.setattr(conftest, "_CI_SKIPS_NOTHING", False)  # as in .ci/run's run without PyTorch
    report = _Report()
    conftest._fail_a_skip_ci_forbids(report, reason)
    assert report.outcome == ("failed" if fails else "skipped")
    assert ("CI: " + reason in report.longrepr) == fails


@pytest.mark.parametrize("reason", ["needs a display", "could not import 'torch.nn.utils.prune': hidden"])
def test_in_ci_with_pytorch_installed_any_skip_fails(monkeypatch, reason):
    monkeypatch.setattr(conftest, "IN_CI", True)
    monkeypatch.setattr(conftest, "_CI_SKIPS_NOTHING", True)
    report = _Report()
    conftest._fail_a_skip_ci_forbids(report, reason)
    assert report.outcome == "failed" and f"({reason}): CI skips nothing" in report.longrepr
    xfailed = _Report()
    xfailed.wasxfail = ""  # an expected failure reports as skipped: not a skip
    conftest._fail_a_skip_ci_forbids(xfailed, reason)
    assert xfailed.outcome == "skipped"
