"""The distribution: one import package `autograd_core` (with .nn, .optim, .viz mapped from the folders nn/,
optim/, viz/), every sub-package listed in pyproject.toml, and a clean install from an sdist-built wheel into
a fresh virtual environment outside the repository works: imports, the CLI and a training step."""

import os
import pathlib
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FOLDERS = ("autograd_core", "nn", "optim", "viz")


def _setuptools_config():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_folder_is_listed_in_pyproject():
    config = _setuptools_config()
    folder_of = {package: folder for package, folder in config["package-dir"].items()}
    package_of = {folder: package for package, folder in folder_of.items()}
    found = set()
    for top in FOLDERS:
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top).parts
            found.add(".".join((package_of[top], *rel)))
    assert "autograd_core.ops" in found and "autograd_core.nn" in found
    missing = found - set(config["packages"])
    assert not missing, f"add to pyproject.toml [tool.setuptools] packages: {sorted(missing)}"
    extra = set(config["packages"]) - found
    assert not extra, f"listed but not a folder with __init__.py: {extra}"
    for package in config["packages"]:  # and each maps to its folder (through its own entry or its parent's)
        head = max((p for p in folder_of if package == p or package.startswith(p + ".")), key=len)
        folder = ROOT / folder_of[head] / pathlib.Path(*package[len(head) + 1:].split(".") if package != head else ())
        assert (folder / "__init__.py").is_file(), package


def _run(cmd, cwd, env=None, timeout=300):
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _copy_sources(dest):
    """The repository's files as a fresh clone has them (no .venv, build output, caches or .git)."""
    ignore = shutil.ignore_patterns(".git", ".venv", ".venvs", "build", "dist", "*.egg-info", "__pycache__",
                                    ".pytest_cache", ".ruff_cache", ".hypothesis", "out", "*.ipynb",
                                    ".ipynb_checkpoints")
    shutil.copytree(ROOT, dest, ignore=ignore)


def _dependencies_dir(tmp):
    """A folder with links to this environment's numpy and graphviz only, for the fresh environment's sys.path:
    the install works offline and sees nothing else of ours."""
    import graphviz
    import numpy

    deps = tmp / "deps"
    deps.mkdir()
    for module in (numpy, graphviz):
        folder = pathlib.Path(module.__file__).parent
        (deps / folder.name).symlink_to(folder)
        libs = folder.with_name(folder.name + ".libs")  # numpy's bundled OpenBLAS
        if libs.is_dir():
            (deps / libs.name).symlink_to(libs)
    return deps


@pytest.mark.slow
def test_clean_install_from_sdist_and_wheel(tmp_path):
    src, dist, env_dir, work = tmp_path / "src", tmp_path / "dist", tmp_path / "env", tmp_path / "work"
    _copy_sources(src)
    work.mkdir()
    # sdist first, then the wheel built from the unpacked sdist (what `python -m build` does): a file missing
    # from the sdist fails here. No build isolation: setuptools comes from this environment (offline).
    sdist = _run([sys.executable, "-c", "from setuptools import build_meta as b; print(b.build_sdist('../dist'))"],
                 cwd=src).strip().splitlines()[-1]
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
          "-w", str(dist), str(dist / sdist)], cwd=work)
    wheels = list(dist.glob("autograd_core-*.whl"))
    assert len(wheels) == 1
    with zipfile.ZipFile(wheels[0]) as whl:
        names = whl.namelist()
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/RECORD"))
        top_level = whl.read(f"{info}/top_level.txt").decode().split()
    assert top_level == ["autograd_core"]
    assert {n.split("/")[0] for n in names} == {"autograd_core", info}
    for sub in ("nn/module.py", "optim/sgd.py", "viz/cli.py", "ops/elementwise.py"):
        assert f"autograd_core/{sub}" in names, sub
    with zipfile.ZipFile(wheels[0]) as whl:
        entry_points = whl.read(f"{info}/entry_points.txt").decode()
    assert "autograd-graph = autograd_core.viz.cli:main" in entry_points

    _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], cwd=work)
    python = env_dir / "bin" / "python"
    site = pathlib.Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             cwd=work).strip())
    (site / "deps.pth").write_text(f"{_dependencies_dir(tmp_path)}\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
          str(wheels[0])], cwd=work)

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    out = _run([str(python), "-c", textwrap.dedent(f"""
        import importlib.util, pathlib
        import autograd_core
        from autograd_core import Value, nn, optim, viz
        assert pathlib.Path(autograd_core.__file__).is_relative_to({str(env_dir)!r}), autograd_core.__file__
        for name in ("nn", "optim", "viz", "ops"):
            assert importlib.util.find_spec(name) is None, f"top-level {{name}} is importable"
        import numpy as np
        rng = np.random.default_rng(0)
        model = nn.Sequential(nn.Linear(2, 8, rng=rng), nn.ReLU(), nn.Linear(8, 1, rng=rng))
        opt = optim.SGD(model.parameters(), lr=0.1)
        x, y = rng.standard_normal((32, 2)), rng.standard_normal((32, 1))
        losses = []
        for _ in range(5):
            loss = ((model(x) - y) ** 2).mean()
            opt.zero_grad(); loss.backward(); opt.step()
            losses.append(loss.item())
        assert losses[-1] < losses[0], losses
        print("ok", viz.to_json(viz.trace(loss))[:1])
    """)], cwd=work, env=env)
    assert out.strip() == "ok {"
    cli = env_dir / "bin" / "autograd-graph"
    _run([str(cli), "export", "sigmoid(w*x + b)", "--set", "w=2", "--set", "x=-1", "--set", "b=0.5", "--backward",
          "-o", "sigma.dot"], cwd=work, env=env)
    assert (work / "sigma.dot").read_text().startswith("digraph")
    if shutil.which("dot"):
        _run([str(cli), "export", "--mlp", "2,3,1", "--input", "1,-1", "--backward", "-o", "mlp.svg"],
             cwd=work, env=env)
        assert "<svg" in (work / "mlp.svg").read_text()
