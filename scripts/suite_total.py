"""The closing line of scripts/test.sh's whole run: the counts of its pytest processes added up.

python scripts/suite_total.py TITLE SECONDS OUTCOMES...: SECONDS is how long the pass took on the wall clock (its
processes ran side by side); each OUTCOMES file is what tests/conftest.py's _Outcomes wrote for one process
({"counts": {"passed": 18972, ...}, ...}); prints, in pytest's words and order,

    test.sh: TITLE: 2 failed, 40,009 passed, 3 skipped, 12 warnings in 317s (0:05:17)

Each process closes with its own line for its share; this one is the run's. A missing file (its process was killed)
is said, not counted.
"""

import json
import sys
from pathlib import Path

# pytest's order of the words in its closing line (its terminal reporter's KNOWN_TYPES), then any other it counted
ORDER = ("failed", "passed", "skipped", "deselected", "xfailed", "xpassed", "warnings", "error")


def total(outcomes):
    """The counts of several processes added up: {word: count}."""
    counts = {}
    for outcome in outcomes:
        for word, count in outcome.get("counts", {}).items():
            counts[word] = counts.get(word, 0) + count
    return counts


def line(counts, seconds):
    """pytest's closing words for these counts: "2 failed, 40,009 passed in 317s (0:05:17)"; "no tests ran" for
    none."""
    words = [word for word in ORDER if counts.get(word)] + sorted(w for w in counts if w not in ORDER and counts[w])
    said = ", ".join(f"{counts[word]:,} {word}" for word in words) or "no tests ran"
    clock = f" ({int(seconds) // 3600}:{int(seconds) // 60 % 60:02d}:{int(seconds) % 60:02d})" if seconds >= 60 else ""
    return f"{said} in {seconds:.0f}s{clock}"


def main(title, seconds, paths):
    outcomes, missing = [], 0
    for path in paths:
        try:
            outcomes.append(json.loads(Path(path).read_text(encoding="utf-8")))
        except FileNotFoundError:
            missing += 1
    said = line(total(outcomes), float(seconds))
    if missing:
        said += f" (and {missing} process{'es' if missing > 1 else ''} that did not finish, not counted)"
    print(f"test.sh: {title}: {said}")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit("usage: python scripts/suite_total.py TITLE SECONDS OUTCOMES...")
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
