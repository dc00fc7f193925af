"""What the differential probes against PyTorch share (not a test module: pytest collects test_*.py): running an
expression in one library as an outcome, and whether our outcome agrees with PyTorch's; modules filled alike in both
libraries, their inputs made alike (`K`, `tensors_of`), their results summarised and compared (`differences`:
test_pytorch_probe_nn, test_pytorch_fuzz_nn); optimizer state dicts compared and converted (test_pytorch_probe_optim,
test_pytorch_fuzz_nn)."""

import zlib

import numpy as np

import autograd_core as ag


def outcome(compute):
    """("value", compute()), or ("raises", the exception it raised): a probe compares either."""
    try:
        return "value", compute()
    except Exception as err:  # noqa: BLE001  (the exception is the result compared)
        return "raises", err


def outcome_with_gradient(fn, lib, functional, data):
    """("ok", value, gradient) of fn(lib, functional, x) for x = lib.tensor(data) (float64, requiring grad), warnings
    silenced; its first result where it returns several; the gradient of its sum with respect to x (None where it
    does not depend on x, or is not a float); or ("err", the exception) from any of these steps. The parity tests
    (test_parity_leftovers6, test_parity_sweep) compare it between PyTorch and ours."""
    import warnings

    try:
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = fn(lib, functional, x)
            if isinstance(y, (tuple, list)):
                y = y[0]
            value = np.asarray(y.detach().numpy() if hasattr(y, "numpy") else y.data)
            grad = None
            if getattr(y, "requires_grad", False) and value.dtype.kind in "fc":
                (grad,) = lib.autograd.grad(y.sum(), x, allow_unused=True)
                grad = None if grad is None else np.asarray(grad.numpy() if hasattr(grad, "numpy") else grad.data)
        return "ok", value, grad
    except Exception as e:  # noqa: BLE001  (every error is compared, whatever its type)
        return "err", e


def error_of(call):
    """(type, message) of the exception call() raises, or None when it returns: the error an API test compares
    with PyTorch's."""
    try:
        call()
    except Exception as err:  # noqa: BLE001  (the exception is the result compared)
        return type(err), str(err)
    return None


def error_named(call):
    """`error_of`, the exception's type given by its name: for comparing with literal words, or ours with PyTorch's
    where the two libraries' exceptions are other classes of one name."""
    error = error_of(call)
    return None if error is None else (error[0].__name__, error[1])


def same_exception_kind(ours, theirs):
    """Ours is an instance of PyTorch's exception's type, or a ValueError where PyTorch raises RuntimeError (shape and
    argument errors are ValueErrors here, documented in docs/coming-from-pytorch.md)."""
    return isinstance(ours, type(theirs)) or (type(theirs) is RuntimeError and isinstance(ours, ValueError))


def agreement(ours, theirs, same):
    """(agrees, description) of our outcome and PyTorch's: both values and same(ours, theirs), or both raised
    exceptions of the same kind (`same_exception_kind`)."""
    (kind, a), (torch_kind, b) = ours, theirs
    if kind == torch_kind == "value":
        return same(a, b), f"ours {a!r}, torch {b!r}"
    if kind == torch_kind == "raises":
        return same_exception_kind(a, b), f"ours raised {a!r}, torch {b!r}"
    ours_text = f"raised {a!r}" if kind == "raises" else repr(a)
    return False, f"ours {ours_text}, torch {'raised ' if torch_kind == 'raises' else ''}{b!r}"


# ---- modules: the same weights in both libraries, results summarised and compared ----


class K:
    """An input array that does not require grad (PyTorch refuses the gradient of some targets)."""

    def __init__(self, array):
        self.array = np.asarray(array)


def tensors_of(lib, arrays):
    """Copies of the arrays as lib's tensors: the float ones require grad, unless wrapped in K."""
    tensors = []
    for a in arrays:
        const = isinstance(a, K)
        a = a.array if const else np.asarray(a)
        tensors.append(lib.tensor(a.copy(), requires_grad=a.dtype.kind == "f" and not const))
    return tensors


def fill_module(t, module):
    """The module in float64 with deterministic weights, the same in both libraries (drawn from each name)."""
    module.double()
    for name, p in module.named_parameters():
        values = np.random.default_rng(zlib.crc32(name.encode())).normal(size=tuple(p.shape)) * 0.5
        with t.no_grad():
            p.copy_(t.tensor(values))
    return module


def as_float64(v):
    """A tensor of either library (ours may hold an array, PyTorch's a tensor) as a float64 array."""
    return np.asarray(v.detach().numpy() if hasattr(v, "detach") else v, dtype=np.float64)


def dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def summary(r):
    """What is compared of a result: its kind, dtype, shape and values (recursively for containers)."""
    if isinstance(r, (tuple, list)):
        return type(r).__name__, [summary(x) for x in r]
    if isinstance(r, dict):
        return "dict", [(k, summary(v)) for k, v in r.items()]
    if isinstance(r, np.ndarray):  # (ours where PyTorch has a tensor is a difference: the kind says so)
        return "array", dtype_name(r.dtype), r.shape, r.astype(np.float64)
    if hasattr(r, "dtype") and hasattr(r, "shape"):  # a Value or a torch.Tensor
        data = r.detach().numpy() if hasattr(r, "detach") else r.data
        return "tensor", dtype_name(r.dtype), tuple(r.shape), np.asarray(data, dtype=np.float64)
    if isinstance(r, (bool, int, float, str, type(None))):
        return r
    return "object", type(r).__name__


def same_summary(a, b, rtol, atol):
    """Two `summary`s (or lists of arrays) agree: arrays of one shape close, exceptions of one kind (PyTorch's
    catch-all RuntimeError is our ValueError or TypeError, as documented), numbers close, the rest equal."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        )
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        if len(a) == 2 and isinstance(a[0], str) and a[0] == "raises" and b[0] == "raises":
            return issubclass(a[1], b[1]) or (b[1] is RuntimeError and issubclass(a[1], (ValueError, TypeError)))
        return len(a) == len(b) and all(same_summary(x, y, rtol, atol) for x, y in zip(a, b))
    numbers = (int, float, np.number)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return bool(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True))  # PyTorch's 1 is our 1.0
    return type(a) is type(b) and a == b


def differences(ours, theirs, rtol, atol, width=300):
    """What differs between our (summary of a result, gradients) and PyTorch's, as lines (`same_summary` each):
    empty where both agree. `width` characters of each side are shown."""
    found = []
    for what, a, b in zip(("result", "gradients"), ours, theirs):
        if not same_summary(a, b, rtol, atol):
            found.append(f"{what}: ours {a!r:.{width}} / PyTorch {b!r:.{width}}")
    return found


# ---- optimizers: parameter groups and state dicts of both libraries ----


def plain(v, torch):
    """A torch tensor or a Value as an array; anything else as it is."""
    if isinstance(v, torch.Tensor):
        return v.detach().numpy()
    if isinstance(v, ag.Value):
        return np.asarray(v.data)
    return v


def param_groups(params, spec):
    """The params as one list (spec None) or as groups: spec is [(how many params, the group's options), ...]."""
    if spec is None:
        return list(params)
    out, start = [], 0
    for n, options in spec:
        out.append({"params": params[start:start + n], **options})
        start += n
    return out


def numpy_optimizer_state(sd, torch):
    """PyTorch's optimizer state dict with NumPy arrays for tensors (and a Value for a Tensor lr): loadable here."""
    state = {i: {k: plain(v, torch).copy() if isinstance(v, torch.Tensor) else v for k, v in s.items()}
             for i, s in sd["state"].items()}
    groups = [{k: ag.tensor(v.item(), dtype=ag.float64) if isinstance(v, torch.Tensor) else v for k, v in g.items()}
              for g in sd["param_groups"]]
    return {"state": state, "param_groups": groups}


def _numbers(v):
    """A state entry as a float (or complex) array: a step count as a number, a complex moment kept complex."""
    v = np.asarray(v)
    return v if v.dtype.kind in "fc" else v.astype(float)


def compare_optimizer_states(ours, theirs, torch, where, rtol=1e-9, atol=1e-12):
    """Assert that two optimizer state dicts (ours, PyTorch's) have the same structure: state keys per parameter and
    their values, the groups' keys and values."""
    assert ours["state"].keys() == theirs["state"].keys(), where
    for i, s in theirs["state"].items():
        assert ours["state"][i].keys() == s.keys(), (where, i)
        for key, value in s.items():
            np.testing.assert_allclose(_numbers(ours["state"][i][key]), _numbers(plain(value, torch)), rtol=rtol,
                                       atol=atol, err_msg=f"{where}: state[{i}][{key!r}]")
    assert len(ours["param_groups"]) == len(theirs["param_groups"]), where
    for j, (a, b) in enumerate(zip(ours["param_groups"], theirs["param_groups"])):
        assert a.keys() == b.keys(), (where, j, sorted(a.keys() ^ b.keys()))
        for key in b:
            x, y = plain(a[key], torch), plain(b[key], torch)
            if isinstance(y, tuple):
                assert tuple(x) == y, (where, key)
            elif isinstance(y, np.ndarray) or isinstance(y, float):
                assert np.isclose(float(x), float(y)), (where, key)
            else:
                assert x == y, (where, key)
