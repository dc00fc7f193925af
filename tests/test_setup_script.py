"""scripts/setup.sh tries `pip install` again when it fails: a wheel whose download is cut short fails pip's hash check,
and pip itself retries only failed connections (one CI run was lost that way). The tests run the script's
`pip_install` with a stand-in for .venv/bin/python that fails a given number of times."""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_HASH_ERROR = "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE."


def _run_pip_install(tmp_path, failures, error=_HASH_ERROR):
    """Runs setup.sh's pip_install in a copy of the scripts folder whose .venv/bin/python fails `failures` times with
    `error`, then succeeds. Returns (exit status, stderr, the log, how many times pip was called)."""
    (tmp_path / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", tmp_path / "scripts" / "setup.sh")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f"""#!/usr/bin/env bash
echo call >> "{tmp_path}/calls"
if [ "$(wc -l < "{tmp_path}/calls")" -le {failures} ]; then echo "{error}" >&2; exit 1; fi
echo "Successfully installed autograd-core"
""")
    python.chmod(0o755)
    result = subprocess.run(
        ["bash", "-c", 'source scripts/setup.sh && pip_install .venv/setup.log -e ".[test]"'],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "AUTOGRAD_CORE_SETUP_RETRY_PAUSE": "0", "PYTHON": shutil.which("python3")})
    calls = len((tmp_path / "calls").read_text().splitlines()) if (tmp_path / "calls").exists() else 0
    return result.returncode, result.stderr, (tmp_path / ".venv" / "setup.log").read_text(), calls


def test_a_download_cut_short_is_tried_again(tmp_path):
    status, stderr, log, calls = _run_pip_install(tmp_path, failures=2)
    assert status == 0 and calls == 3, (status, stderr, log)
    assert stderr.count("trying again") == 2 and "DO NOT MATCH THE HASHES" in stderr
    assert "attempt 3 of 3" in log and "Successfully installed" in log


def test_three_failures_fail_and_a_full_disk_fails_at_once(tmp_path):
    status, _, log, calls = _run_pip_install(tmp_path / "hash", failures=5)
    assert status == 1 and calls == 3 and log.count("DO NOT MATCH") == 3

    status, stderr, log, calls = _run_pip_install(tmp_path / "disk", failures=5,
                                                  error="OSError: [Errno 28] No space left on device")
    assert status == 1 and calls == 1 and "trying again" not in stderr
