"""Folds the outcomes of scripts/test.sh's pytest processes into pytest's record of the last failures, for `--lf`.

python scripts/last_failed.py CACHE_DIR OUTCOMES...: CACHE_DIR is pytest's cache folder (.pytest_cache); each
OUTCOMES file is what tests/conftest.py's _Outcomes wrote for one process ({"failed": ids, "passed": ids}). The
record becomes what pytest's own would be after one run of all those tests: the ids that failed now are added, the
ids that passed (or skipped) now are removed, and the others (tests that did not run) are kept. A missing OUTCOMES
file (its process was killed) adds and removes nothing. The record is replaced whole, never half-written.
"""

import json
import os
import sys
from pathlib import Path

RECORD = Path("v") / "cache" / "lastfailed"  # pytest's key "cache/lastfailed", under its values folder "v"


def fold(last_failed, outcomes):
    """The record {id: True} after runs with the given outcomes ([{"failed": ids, "passed": ids}, ...])."""
    failed = set(last_failed)
    for outcome in outcomes:
        failed -= set(outcome["passed"])
    for outcome in outcomes:
        failed |= set(outcome["failed"])
    return dict.fromkeys(sorted(failed), True)


def main(cache_dir, outcome_paths):
    cache_dir = Path(cache_dir)
    outcomes = []
    for path in outcome_paths:
        try:
            outcomes.append(json.loads(Path(path).read_text(encoding="utf-8")))
        except FileNotFoundError:
            continue
    if not outcomes:
        return
    record = cache_dir / RECORD
    try:
        last_failed = json.loads(record.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):  # (no record yet, or one pytest could not read either)
        last_failed = {}
    if not cache_dir.exists():  # as pytest makes it: a folder that git and backups leave out
        cache_dir.mkdir(parents=True)
        (cache_dir / ".gitignore").write_text("# Created by pytest automatically.\n*\n")
        (cache_dir / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
    record.parent.mkdir(parents=True, exist_ok=True)
    # (Written whole as autograd_core.files.replace_file would, without importing the library: the record matters
    # most when the library is broken.)
    staged = record.with_name(record.name + ".partial")
    staged.write_text(json.dumps(fold(last_failed, outcomes), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(staged, record)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python scripts/last_failed.py CACHE_DIR OUTCOMES...")
    main(sys.argv[1], sys.argv[2:])
