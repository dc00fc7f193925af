"""Splits scripts/test.sh's list of the tests that asked for PyTorch in two, for its two processes without PyTorch.

python scripts/split_listed.py LIST PREFIX PATH...: PATH... are the test modules (or the folder `tests`) to run again.
Writes PREFIX.0.files and PREFIX.1.files (a path a line: each module in exactly one of them), and PREFIX.0.list and
PREFIX.1.list (LIST's lines about those modules, for AUTOGRAD_CORE_TEST_ONLY; "*", which names every test, in both).
The modules are dealt in decreasing order of their weight, each to the share that weighs less so far: a module's
weight is the number of its tests that LIST names, or for a module that LIST names whole (or "*"), the number of test
functions in its file (its parametrised cases are not known before it is collected). With one module, PREFIX.1.files
is empty.
"""

import re
import sys
from pathlib import Path

_TEST_FUNCTION = re.compile(r"^\s*(?:async\s+)?def test_", flags=re.M)


def split(lines, modules):
    """[(modules, lines) of share 0, (modules, lines) of share 1] for LIST's `lines` and the `modules` to run."""
    everything = "*" in lines
    whole = {line for line in lines if "::" not in line}
    named = {}
    for line in lines:
        if "::" in line:
            named.setdefault(line.partition("::")[0], []).append(line)

    def weight(module):
        if everything or module in whole:
            return len(_TEST_FUNCTION.findall(Path(module).read_text(encoding="utf-8")))
        return len(named.get(module, ()))
    weights = {module: weight(module) for module in modules}  # (once each: a whole module's file is read)
    shares, sizes = [([], []), ([], [])], [0, 0]
    for module in sorted(modules, key=lambda m: (-weights[m], m)):
        lighter = sizes.index(min(sizes))
        sizes[lighter] += weights[module]
        shares[lighter][0].append(module)
        shares[lighter][1].extend(["*"] if everything else [module] if module in whole else named.get(module, []))
    return [(files, list(dict.fromkeys(lines))) for files, lines in shares]  # ("*" once)


def main(listing, prefix, paths):
    lines = [line.strip() for line in Path(listing).read_text(encoding="utf-8").splitlines() if line.strip()]
    modules = []
    for path in paths:
        modules += sorted(str(p) for p in Path(path).glob("test_*.py")) if Path(path).is_dir() else [path]
    for i, (files, share_lines) in enumerate(split(lines, modules)):
        Path(f"{prefix}.{i}.files").write_text("".join(f + "\n" for f in files), encoding="utf-8")
        Path(f"{prefix}.{i}.list").write_text("".join(line + "\n" for line in share_lines), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
