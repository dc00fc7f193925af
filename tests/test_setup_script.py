"""scripts/setup.sh tries `pip install` again when it fails: a wheel whose download is cut short fails pip's hash check,
and pip itself retries only failed connections (one CI run was lost that way). The tests run the script's
`pip_install` with a stand-in for .venv/bin/python that fails a given number of times. It also installs a font for
Chinese labels when fontconfig has none (`install_cjk_font`, run with stand-ins for fc-list and apt-get)."""

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


def _run_cjk_font(tmp_path, has_font, install_works):
    """Runs setup.sh's install_cjk_font with stand-ins for fc-list (finds a Chinese font once `has_font` or after an
    install) and apt-get (records its calls; the install works or fails). Returns (status, stderr, apt-get calls)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    flag = tmp_path / "installed"
    if has_font:
        flag.write_text("")
    (bin_dir / "fc-list").write_text(f'#!/bin/sh\n[ -e "{flag}" ] && echo "WenQuanYi Micro Hei"\nexit 0\n')
    (bin_dir / "apt-get").write_text(f"""#!/bin/sh
echo "$*" >> "{tmp_path}/apt"
case "$*" in *install*) {'touch "' + str(flag) + '"' if install_works else 'exit 100'} ;; esac
""")
    for tool in ("fc-list", "apt-get"):
        (bin_dir / tool).chmod(0o755)
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "setup.sh", tmp_path / "scripts" / "setup.sh")
    root = subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() == "0"
    sudo = "" if root else 'sudo() { "$@"; }; '  # not root: a sudo that runs the stand-ins
    result = subprocess.run(["bash", "-c", f"{sudo}source scripts/setup.sh && install_cjk_font && install_cjk_font"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={"PATH": f"{bin_dir}:/usr/bin:/bin", "PYTHON": shutil.which("python3"), "CI": "true"})
    calls = (tmp_path / "apt").read_text().splitlines() if (tmp_path / "apt").exists() else []
    return result.returncode, result.stderr, calls


def test_a_chinese_font_is_installed_once_when_fontconfig_has_none(tmp_path):
    # Debian's graphviz brings no CJK font: a node labelled 损失 was two empty boxes in PNG and PDF
    status, stderr, calls = _run_cjk_font(tmp_path, has_font=False, install_works=True)
    assert status == 0, stderr
    assert calls == ["update -qq", "install -y -qq fonts-wqy-microhei"]  # the second call found the font: skipped


def test_no_install_when_a_chinese_font_is_there_and_a_failed_install_is_not_fatal(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    status, stderr, calls = _run_cjk_font(tmp_path / "a", has_font=True, install_works=True)
    assert (status, calls) == (0, [])
    status, stderr, calls = _run_cjk_font(tmp_path / "b", has_font=False, install_works=False)
    assert status == 0  # pictures still render (with boxes, and a warning): not a reason to stop, even in CI
    assert "could not install a CJK font" in stderr and "fonts-wqy-microhei" in stderr
