"""The order the suite's tests are handed to the workers in (tests/conftest.py)."""

import conftest


class _Item:
    def __init__(self, name, *markers):
        self.name, self.markers = name, markers

    def get_closest_marker(self, name):
        return name if name in self.markers else None


def test_slow_tests_and_notebooks_come_first_and_every_group_keeps_its_order():
    items = [_Item("a"), _Item("demo", "slow"), _Item("b"), _Item("nb1", "notebook"), _Item("c"), _Item("pkg", "slow")]
    conftest.longest_first(items)
    assert [item.name for item in items] == ["demo", "nb1", "pkg", "a", "b", "c"]
