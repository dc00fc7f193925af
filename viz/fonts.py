"""Which characters of a picture no installed font can draw.

Graphviz draws the text of PNG and PDF pictures itself, with the fonts that fontconfig finds; a character that no
font has comes out as an empty box (a "tofu" box with its code point inside), silently. Debian's graphviz package
brings Latin, Greek and mathematical fonts (DejaVu, Liberation) but none for Chinese, Japanese or Korean, so a
lecture's nodes labelled 输入, 权重, 损失 are boxes in a PNG on a fresh machine. An SVG is different: its text is
drawn by the program that shows it (a browser, a slide editor), with that program's fonts.

`missing_characters(text)` tells which characters of `text` no installed font covers, from fontconfig's own list
(`fc-list`), read once per process; `warn_missing(source, fmt)` turns that into a `MissingFontWarning` that says
what to install.
"""

from __future__ import annotations

import bisect
import shutil
import subprocess
import warnings

FONT_HINT = (
    "install a font that has them (Chinese, Japanese, Korean: Debian/Ubuntu `sudo apt-get install "
    "fonts-wqy-microhei` or `fonts-noto-cjk`, which scripts/setup.sh does), or write SVG, whose text the viewer "
    "draws with its own fonts"
)
SHOWN_CHARACTERS = 12  # the warning lists at most this many of the missing characters


class MissingFontWarning(UserWarning):
    """Some characters of a PNG or PDF picture are in no font installed on this machine: Graphviz draws them as
    empty boxes. The message lists them and says what to install."""


_coverage = None  # (starts, ends): the code points some installed font covers, merged ranges; False: unknown


def font_coverage():
    """(starts, ends) of the merged, sorted ranges of code points that some installed font covers, from
    `fc-list --format %{charset}`; None when fontconfig's `fc-list` is missing or fails (then nothing can be told,
    and nothing is said). Read once per process: installing a font takes effect in a new Python."""
    global _coverage
    if _coverage is None:
        _coverage = _read_coverage() or False
    return _coverage or None


def _fc_list(*args):
    """What fontconfig's `fc-list ARGS` prints (bytes); None when it is missing, fails or takes over 20 s."""
    program = shutil.which("fc-list")
    if program is None:
        return None
    try:
        done = subprocess.run([program, *args], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _read_coverage():
    listed = _fc_list("--format", "%{charset}\n")
    return None if listed is None else parse_charsets(listed.decode("ascii", "replace"))


def parse_charsets(text):
    """fontconfig's charsets ('20-7e a0-17f 3a3', one font a line: hexadecimal code points and ranges) as the
    merged ranges (starts, ends) of what any of them covers; None when there is no range at all."""
    ranges = []
    for word in text.split():
        lo, _, hi = word.partition("-")
        try:
            ranges.append((int(lo, 16), int(hi or lo, 16)))
        except ValueError:
            continue  # not a range: fontconfig's format is all ranges, so skip what is not
    if not ranges:
        return None
    ranges.sort()
    starts, ends = [ranges[0][0]], [ranges[0][1]]
    for lo, hi in ranges[1:]:
        if lo <= ends[-1] + 1:
            ends[-1] = max(ends[-1], hi)
        else:
            starts.append(lo)
            ends.append(hi)
    return starts, ends


def missing_characters(text, coverage=None):
    """The distinct characters of `text` (beyond ASCII, in order of appearance) that no installed font covers;
    '' when all are covered or the fonts cannot be listed. coverage: (starts, ends) as `font_coverage` returns."""
    coverage = font_coverage() if coverage is None else coverage
    if not coverage:
        return ""
    starts, ends = coverage
    missing = []
    for ch in dict.fromkeys(c for c in text if c > "\x7f" and not c.isspace()):
        k = bisect.bisect_right(starts, ord(ch)) - 1
        if k < 0 or ord(ch) > ends[k]:
            missing.append(ch)
    return "".join(missing)


def warn_missing(source, fmt, stacklevel=3):
    """Warn (`MissingFontWarning`) when a `fmt` picture ('png', 'pdf') of the DOT `source` has characters that no
    installed font can draw; SVG and DOT are left to their viewer's fonts."""
    if fmt not in ("png", "pdf"):
        return
    missing = missing_characters(source)
    if missing:
        shown = " ".join(missing[:SHOWN_CHARACTERS]) + (" …" if len(missing) > SHOWN_CHARACTERS else "")
        warnings.warn(f"no font on this machine has the character{'s' if len(missing) > 1 else ''} {shown}: the "
                      f"{fmt.upper()} shows {'them' if len(missing) > 1 else 'it'} as empty boxes; {FONT_HINT}",
                      MissingFontWarning, stacklevel=stacklevel)


# Names Graphviz resolves itself (its PostScript fonts) or that fontconfig treats as aliases: never "not installed".
GRAPHVIZ_FONTS = ("avantgarde", "bookman", "courier", "helvetica", "newcenturyschlbk", "palatino", "symbol", "times",
                  "zapfchancery", "zapfdingbats", "sans", "sans-serif", "serif", "monospace", "mono")
_families = None  # lower-cased family names fontconfig lists; False: unknown


def font_families():
    """The family names of the installed fonts (lower case, every name a font gives itself: 'wenquanyi micro hei',
    '文泉驿微米黑'), from `fc-list : family`; None when fontconfig's `fc-list` is missing or fails."""
    global _families
    if _families is None:
        _families = _read_families() or False
    return _families or None


def _read_families():
    listed = _fc_list(":", "family")
    if listed is None:
        return None
    names = listed.decode("utf-8", "replace").replace("\n", ",").split(",")
    return frozenset(name.strip().lower() for name in names if name.strip()) or None


def check_font(name, families=None, stacklevel=4):
    """Warn (`MissingFontWarning`) when no installed font is called `name`: fontconfig would silently draw the text
    in another font. Graphviz's own PostScript names (Helvetica, Times-Roman) and the generic names (sans, serif)
    always resolve; nothing is said when the fonts cannot be listed."""
    families = font_families() if families is None else families
    base = name.lower().split("-")[0].strip()
    if not families or base in GRAPHVIZ_FONTS or name.lower().strip() in families:
        return
    warnings.warn(f"no installed font is called {name!r}: Graphviz draws the text in a font it finds instead "
                  "(`fc-list : family` lists the installed fonts)", MissingFontWarning, stacklevel=stacklevel)
