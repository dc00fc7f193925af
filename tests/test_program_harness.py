"""The harness of the program tests (tests/program_harness.py): a comparison with PyTorch proves, also without
PyTorch, what assert_runs proves (the program runs with autograd_core alone, printing finite numbers), and the
requests for PyTorch it makes after that proof do not list its test for scripts/test.sh's run without PyTorch."""

import builtins
import contextlib
import importlib
import importlib.util
import sys

import pytest
from program_harness import compare_with_pytorch, run_both

import conftest

# A program as its author writes it for PyTorch: three numbers, the same in both libraries.
PRINTS = """
import torch
x = torch.ones(3)
print(x.sum().item(), x.mean().item(), 2.0)
"""


def without_pytorch(program, monkeypatch, **settings):
    """compare_with_pytorch(program) as on a machine without PyTorch: it ends with the skip of its comparison."""
    with conftest.pytorch_hidden(), pytest.raises(pytest.skip.Exception, match="could not import 'torch'"):
        compare_with_pytorch(program, "harness", monkeypatch, **settings)


def test_pytorch_hidden_answers_as_without_pytorch_even_once_it_is_imported(monkeypatch):
    if "torch" not in sys.modules:  # (imported, or a stand-in for this test when it is not installed)
        monkeypatch.setitem(sys.modules, "torch", type(sys)("torch"))
    with conftest.pytorch_hidden():
        with pytest.raises(ModuleNotFoundError, match="No module named 'torch'"):
            import torch  # noqa: F401
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("torch.nn")
        assert importlib.util.find_spec("torch") is None
        assert importlib.util.find_spec("json") is not None  # other modules as before
        import autograd_core as torch  # noqa: F401  (what the programs' import lines become)
    assert importlib.import_module("torch") is sys.modules["torch"]  # given back


def test_without_pytorch_a_comparison_runs_our_half_then_skips(monkeypatch):
    without_pytorch(PRINTS, monkeypatch)


def test_without_pytorch_a_comparison_fails_on_numbers_that_are_not_finite(monkeypatch):
    # (as assert_runs: a printed number too large for a float; "nan" and "inf" are words to reported_numbers)
    with pytest.raises(AssertionError, match="1e999"):
        without_pytorch(PRINTS.replace("2.0)", "2.0, '1e999')"), monkeypatch)


def test_without_pytorch_a_comparison_fails_on_too_few_numbers(monkeypatch):
    with pytest.raises(AssertionError):
        without_pytorch(PRINTS, monkeypatch, fewest=4)


def test_our_half_runs_with_pytorch_hidden(monkeypatch):
    # An import line inside a function keeps `torch` (with_our_imports changes a line's start only): PyTorch's, which a
    # user without it does not have. (In the process of the test it is imported: hidden.)
    program = PRINTS + "def f():\n    import torch\n    return torch\nf()\n"
    with pytest.raises(ModuleNotFoundError, match="No module named 'torch'"):
        compare_with_pytorch(program, "harness", monkeypatch)


@pytest.mark.parametrize("settings", [
    dict(same_start=[("assert torch.nn.Dropout", "torch.nn.Dropout")]),  # the comparison changes the program
    dict(in_float64=True),  # the comparison runs it in float64
], ids=["same_start", "in_float64"])
def test_a_program_the_comparison_changes_runs_as_written_too(settings, monkeypatch):
    float64 = "assert torch.get_default_dtype() == torch.float64, 'as written'\n"
    program = PRINTS + (float64 if settings.get("in_float64") else "assert torch.nn.Dropout is None, 'as written'\n")
    with pytest.raises(AssertionError, match="as written"):
        without_pytorch(program, monkeypatch, **settings)


DROPPED = PRINTS + """
import torch.nn.functional as F
x = torch.ones(4, 8, 3, 3)
for dropped in (torch.nn.Dropout(0.5)(x), torch.nn.Dropout2d(0.5)(x), F.dropout(x, 0.1, training=True)):
    print((dropped == 0).sum().item(), dropped.sum().item())
    assert (dropped == 0).any()
"""


def test_a_program_run_as_written_by_a_test_of_its_own_need_not_run_as_written_again(monkeypatch):
    program = PRINTS + "assert torch.nn.Dropout is None, 'as written'\n"
    without_pytorch(program, monkeypatch, same_start=[("assert torch.nn.Dropout", "torch.nn.Dropout")],
                    runs_as_written=False)
    with pytest.raises(ValueError, match="did not run"):  # and it cannot be checked as written then
        without_pytorch(program, monkeypatch, same_start=[("assert torch.nn.Dropout", "torch.nn.Dropout")],
                        runs_as_written=False, check_ours=print)


def test_dropout_is_on_in_both_runs_pytorchs_with_our_masks(monkeypatch):
    without_pytorch(DROPPED, monkeypatch)  # on in our run, as the program is written (it asserts that)
    compare_with_pytorch(DROPPED, "harness", monkeypatch)  # PyTorch's drops what ours dropped (skips without it)


def test_a_comparisons_check_sees_our_run_of_the_program_as_written_before_it_asks_for_pytorch(monkeypatch):
    settings = []
    program = PRINTS + "setting = 1\n"
    for same_start in ((), [("setting = 1", "setting = 2")]):  # the comparison's run, else the one as written
        without_pytorch(program, monkeypatch, same_start=same_start,
                        check_ours=lambda namespace, printed: settings.append(namespace["setting"]))
    assert settings == [1, 1]


def test_run_both_checks_our_run_before_it_asks_for_pytorch(monkeypatch):
    checked = []
    with conftest.pytorch_hidden(), pytest.raises(pytest.skip.Exception):  # as without PyTorch
        run_both(PRINTS, "harness", monkeypatch, check_ours=lambda namespace, printed: checked.append(printed))
    assert checked == ["3.0 1.0 2.0\n"]
    with pytest.raises(ValueError, match="as written"):  # a check of the program as written, on a changed run
        run_both(PRINTS, "harness", monkeypatch, in_float64=True, check_ours=print)


def test_requests_after_our_half_do_not_list_the_test_for_the_run_without_pytorch(tmp_path, monkeypatch):
    requests = conftest._TorchRequests(str(tmp_path / "asked"))
    for module, name in ((builtins, "__import__"), (importlib, "import_module"), (importlib.util, "find_spec")):
        monkeypatch.setattr(module, name, getattr(module, name))  # (given back after the test)
    requests.install()
    monkeypatch.setattr(conftest, "_TORCH_REQUESTS", requests)
    requests.owners.append(("test", "before"))
    importlib.util.find_spec("torch")  # a request before: the test is listed
    requests.owners[-1] = ("test", "after")
    with contextlib.suppress(pytest.skip.Exception):  # (without PyTorch: the skip)
        torch = conftest.pytorch_for_the_rest_of_this_test()
        torch.nn  # noqa: B018
        importlib.import_module("torch.nn")
    assert requests.tests == {"before"}
    requests.owners.append(("fixture", "made during the rest"))  # a fixture's objects go to other tests: noted
    importlib.util.find_spec("torch")
    assert requests.fixtures == {"made during the rest"}


# A number each library prints on its own side of a rounding boundary (ours first), or further apart.
APART = """
import torch
print("G:", {ours} if torch.__name__ == "autograd_core" else {theirs}, 1.5)
"""


def test_printed_resolution_is_the_unit_of_the_last_digit():
    from program_harness import printed_resolution

    assert printed_resolution("2.066") == pytest.approx(1e-3) and printed_resolution("-0.10") == pytest.approx(1e-2)
    assert printed_resolution("1.5e-08") == pytest.approx(1e-9) and printed_resolution("7.25E+02") == pytest.approx(1)
    assert printed_resolution("3") == 0 and printed_resolution("1e-05") == 0  # integers and bare powers: exact


def test_numbers_printed_one_last_digit_apart_agree(monkeypatch):
    pytest.importorskip("torch")
    compare_with_pytorch(APART.format(ours="2.066", theirs="2.065"), "harness", monkeypatch, fewest=2)


@pytest.mark.parametrize("ours, theirs", [("2.067", "2.065"), ("2", "3"), ("2.0675", "2.065")])
def test_numbers_printed_further_apart_do_not(ours, theirs, monkeypatch):
    pytest.importorskip("torch")
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        compare_with_pytorch(APART.format(ours=ours, theirs=theirs), "harness", monkeypatch, fewest=2)
