"""The CLI's expression language: what it computes, what it rejects (with the column), its limits, --set."""

import ast
import math
import os
import pathlib

import numpy as np
import pytest

import autograd_core.viz.expr as expr
from autograd_core import Value
from autograd_core.viz.expr import ExprError, evaluate, parse_assignment, parse_literal


def variables(**values):
    return {k: Value(np.asarray(v, dtype=np.float64), label=k) for k, v in values.items()}


def test_scalar_expression_value_and_labels():
    env = variables(w=2.0, x=-1.0, b=0.5)
    f = evaluate("sigmoid(w*x + b)", env)
    assert float(f) == pytest.approx(1 / (1 + math.exp(1.5)))
    f.backward()
    assert float(env["w"].grad) == pytest.approx(-float(f) * (1 - float(f)))
    assert {env[k].label for k in env} == {"w", "x", "b"}


def test_tensor_expression_with_keywords_and_constants():
    env = variables(W=[[1, 2], [3, 4]], x=[1, -2], b=[0, 1])
    f = evaluate("sum(relu(W @ x + b))", env)
    assert float(f) == np.maximum(np.array([[1, 2], [3, 4]]) @ [1, -2] + [0, 1], 0).sum()
    g = evaluate("mean(softmax(W, axis=0) ** 2, axis=(0, 1), keepdims=True) * -pi", env)
    assert g.shape == (1, 1)
    h = evaluate("leaky_relu(-x, 0.2) / 2 - transpose(W) @ x", env)
    assert h.shape == (2,)
    assert float(evaluate("2 ** 3 * sum(x)", env)) == -8.0  # number-only parts are plain arithmetic


@pytest.mark.parametrize("text, fragment", [
    ("__import__('os').system('touch pwned')", "unknown function"),
    ("x.data", "attribute access not allowed at column 1"),
    ("x[0]", "indexing not allowed"),
    ("'text' * x", "only numbers"),
    ("lambda: x", "lambda not allowed"),
    ("[x for x in (1, 2)]", "ListComp"),
    ("x if x else x", "if/else not allowed"),
    ("x < 1", "comparison not allowed"),
    ("x and x", "and/or not allowed"),
    ("x % 2", "operator Mod is not allowed at column 1"),
    ("~x", "unary operator Invert"),
    ("True * x", "only numbers"),
    ("open('f')", "unknown function 'open'"),
    ("eval('1')", "unknown function 'eval'"),
    ("sum(*x)", "*args"),
    ("sum(x, foo=1)", "keyword 'foo' is not allowed"),
    ("sum(x, axis=x)", "axis must be an integer"),
    ("sum(x, keepdims=1)", "keepdims must be True or False"),
    ("tanh(x, x)", "takes 1 positional"),
    ("leaky_relu(x, x)", "must be a number"),
    ("x * y", "unknown name 'y' at column 5"),
    ("exp * x", "call it as exp(...)"),
    ("x +", "invalid syntax: the expression ends too early (after 'x +')"),
    ("x*", "ends too early"),  # Python gives no column (it said "column 0")
    ("x +* 2", "invalid syntax at column 4 (at '* 2')"),
    ("(x", "invalid syntax at column 1 (at '(x'): '(' was never closed"),
    ("", "empty expression"),
    ("3 * 4", "does not depend on any variable"),
])
def test_rejected_with_a_message_naming_the_problem(text, fragment):
    with pytest.raises(ExprError) as err:
        evaluate(text, variables(x=1.0))
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_rejected_code_never_runs(monkeypatch, tmp_path):
    called = []
    monkeypatch.setattr(os, "system", lambda *a: called.append(a))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExprError):
        evaluate("__import__('os').system('touch pwned')", {})
    assert not called and not list(tmp_path.iterdir())


def test_no_eval_or_exec_in_viz():
    """The package never calls eval/exec/compile; expressions are interpreted from the checked AST."""
    for path in pathlib.Path(expr.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile", "__import__"}, path


def test_limits():
    env = variables(x=1.0)
    with pytest.raises(ExprError, match="characters long"):
        evaluate("x+" * 1500 + "x", env)
    with pytest.raises(ExprError, match="nested more than 100 levels"):
        evaluate("tanh(" * 120 + "x" + ")" * 120, env)
    assert float(evaluate("+".join(["x"] * 90), env)) == 90.0  # a flat sum nests one level per term

    def balanced(n):  # n leaves, depth log2(n): only the size limit applies
        return "x" if n == 1 else f"({balanced(n // 2)}+{balanced(n - n // 2)})"

    with pytest.raises(ExprError, match="more than 500 parts"):
        evaluate(balanced(300), env)
    big = variables(a=np.zeros((1000, 1)), b=np.zeros((1, 1001)))
    with pytest.raises(ExprError, match=r"would make an array of shape \(1000, 1001\)"):
        evaluate("a + b", big)
    m = variables(a=np.zeros((2000, 2)), b=np.zeros((2, 2000)))
    with pytest.raises(ExprError, match="'@' would make"):
        evaluate("a @ b", m)
    assert math.isinf(float(evaluate("x * 10.0 ** 400", env)))  # overflow is inf, not a hang


def test_shape_errors_are_the_engines_message():
    env = variables(W=[[1, 2], [3, 4]], x=[1, 2, 3])
    with pytest.raises(ExprError, match=r"matmul: size mismatch, got input \(2\), mat \(2x2\), vec \(3\) \(shapes "
                                        r"\(2, 2\) and \(3,\)"):
        evaluate("W @ x", env)


# ----------------------------------------------------------------------------------------------------
# --set


def test_set_values():
    name, v = parse_assignment("W=[[1,2],[3,4]]")
    assert name == "W" and v.label == "W" and v.requires_grad and v.dtype == np.float64
    np.testing.assert_array_equal(v.data, [[1, 2], [3, 4]])
    assert float(parse_assignment("w=-1.5e-3")[1]) == -1.5e-3
    np.testing.assert_array_equal(parse_literal("(1, 2.5)"), [1, 2.5])  # Python literal syntax too


def test_set_npy(tmp_path):
    np.save(tmp_path / "x.npy", np.array([1.0, -2.0], dtype=np.float32))
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.save(tmp_path / "s.npy", np.array(["a"]))
    name, v = parse_assignment(f"x=@{tmp_path / 'x.npy'}")
    assert v.dtype == np.float32 and v.shape == (2,)
    with pytest.raises(ExprError, match="cannot load"):
        parse_assignment(f"x=@{tmp_path / 'obj.npy'}")
    with pytest.raises(ExprError, match="expected numbers"):
        parse_assignment(f"x=@{tmp_path / 's.npy'}")
    with pytest.raises(ExprError, match="no such file"):
        parse_assignment(f"x=@{tmp_path / 'missing.npy'}")
    with pytest.raises(ExprError, match="only .npy"):
        parse_assignment("x=@/etc/passwd")


@pytest.mark.parametrize("text, fragment", [
    ("w", "expected NAME=VALUE"),
    ("1w=2", "not a valid variable name"),
    ("__class__=2", "not a valid variable name"),
    ("sum=2", "name of a function"),
    ("w=abc", "not a number or a nested list"),
    ("w=[[1,2],[3]]", "ragged"),
    ('w=["a"]', "expected numbers"),
    ("w=true", "expected numbers"),
    ("w=" + "[" * 40 + "1" + "]" * 40, "nested deeper than 32"),
    ("w=__import__('os')", "not a number"),
])
def test_set_rejections(text, fragment):
    with pytest.raises(ExprError, match=fragment):
        parse_assignment(text)


def test_set_size_limit(monkeypatch):
    monkeypatch.setattr(expr, "MAX_ELEMENTS", 10)
    with pytest.raises(ExprError, match="more than the limit 10"):
        parse_assignment("w=" + str(list(range(11))))
