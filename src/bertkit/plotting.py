"""Fonts for bertkit's plots, so that Chinese (and Japanese, Korean) labels are drawn, not boxes.

matplotlib's default font, DejaVu Sans, has no CJK glyphs: a confusion matrix over 体育 / 财经
/ 娱乐 would show empty boxes and a warning per missing character. Every bertkit plot is drawn
inside `cjk_fonts()`, which appends a CJK-capable font found on this machine (`find_cjk_font`)
to ``font.family`` as a per-glyph fallback: Latin text keeps the default font, the characters it
lacks come from the fallback, and the user's matplotlib settings are restored on exit. Where no
CJK font exists, one `~bertkit.errors.FontWarning` (once per process) says how to install one,
instead of a warning per glyph.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> with cjk_fonts():
...     fig, ax = plt.subplots()
...     _ = ax.set_title("accuracy by class: 体育 / 财经 / 娱乐")
...     fig.savefig(os.devnull, format="png")
...     plt.close(fig)
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import re
import warnings
from typing import Any, Iterable, Iterator

from bertkit._logging import get_logger
from bertkit.errors import FontWarning

log = get_logger(__name__)

#: Characters a font must have to count as CJK-capable (simplified and traditional Chinese,
#: the labels of bertkit's tests and examples among them).
SAMPLE = "中文汉字体育财经娱乐正面负面長體"

#: Fonts tried first, best for Simplified Chinese first; then any other font that has `SAMPLE`.
CANDIDATES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "DengXian", "SimHei",
    "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti", "Noto Sans CJK JP",
    "Noto Sans CJK TC", "Noto Sans CJK KR", "Source Han Sans", "Noto Sans CJK HK",
    "AR PL UMing CN", "AR PL UKai CN", "AR PL New Sung", "AR PL SungtiL GB",
    "Microsoft JhengHei", "Droid Sans Fallback", "Arial Unicode MS",
)

INSTALL_HINT = (
    "install one and run again (matplotlib picks it up, no settings to change): "
    "Debian/Ubuntu `sudo apt-get install fonts-wqy-microhei` (or fonts-noto-cjk), "
    "Fedora `sudo dnf install wqy-microhei-fonts`, Arch `sudo pacman -S wqy-microhei`, "
    "Alpine `apk add font-wqy-zenhei`; scripts/setup.sh installs it when run as root")

_GLYPH_MISSING = re.compile(r"Glyph (\d+) .*missing from font")
_advised = False  # the install hint is given once per process
_PASSED_ON: dict[Any, Any] = {}  # warnings registry of those passed on (for "default", "once")


@dataclasses.dataclass(frozen=True)
class CJKFont:
    """A font that has the CJK glyphs: its family name (for ``font.family``) and file."""

    name: str
    path: str


def covers(path: str, text: str = SAMPLE, face_index: int = 0) -> bool:
    """Whether the font file ``path`` has a glyph for every character of ``text``.

    >>> from matplotlib import font_manager
    >>> dejavu = font_manager.findfont("DejaVu Sans")
    >>> covers(dejavu, "bertkit"), covers(dejavu, "体育"), covers("/no/such.ttf")
    (True, False, False)
    """
    from matplotlib import ft2font

    try:
        font = (ft2font.FT2Font(path, face_index=face_index) if face_index
                else ft2font.FT2Font(path))
    except (OSError, RuntimeError, ValueError, TypeError):
        return False
    glyphs = {ch: font.get_char_index(ord(ch)) for ch in text}
    # distinct characters need distinct glyphs: a placeholder font (matplotlib's own "Last
    # Resort", which maps every code point to a box naming its Unicode block) has none
    return all(glyphs.values()) and len(set(glyphs.values())) == len(glyphs)


def _regular_first(entry: Any) -> tuple[bool, bool]:
    weight = str(entry.weight).lower()
    return entry.style != "normal", weight not in ("400", "normal", "regular", "book")


def _first_covering(entries: Iterable[Any]) -> CJKFont | None:
    """The best font among matplotlib's font entries: a known CJK family first (in the order
    of `CANDIDATES`), else any family whose file has the glyphs of `SAMPLE`."""
    by_name: dict[str, list[Any]] = {}
    for entry in entries:
        by_name.setdefault(entry.name.lower(), []).append(entry)
    known = [name.lower() for name in CANDIDATES]
    others = sorted(set(by_name) - set(known))
    for name in [n for n in known if n in by_name] + others:
        for entry in sorted(by_name[name], key=_regular_first):
            if covers(entry.fname, face_index=getattr(entry, "index", 0)):
                return CJKFont(entry.name, entry.fname)
    return None


@functools.lru_cache(maxsize=None)
def find_cjk_font() -> CJKFont | None:
    """A font on this machine that has Chinese glyphs (checked, not trusted by name), or None.

    Looks through the fonts matplotlib knows, then through font files installed since
    matplotlib built its font cache (``scripts/setup.sh`` installs one after matplotlib), which
    it registers with ``fontManager.addfont``. The answer is cached for the process
    (``find_cjk_font.cache_clear()`` looks again).

    >>> font = find_cjk_font()
    >>> font is None or covers(font.path, "体育财经娱乐")
    True
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _first_covering(manager.ttflist)
    if found is None:  # none of the known fonts: look at files installed since
        known = {os.path.realpath(entry.fname) for entry in manager.ttflist}
        before = len(manager.ttflist)
        for path in font_manager.findSystemFonts():
            if os.path.realpath(path) not in known and covers(path):
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        found = _first_covering(manager.ttflist[before:])
    if found is None:
        log.debug("no font with CJK glyphs found")
    else:
        log.debug("CJK text in plots is drawn with %s (%s)", found.name, found.path)
    return found


def _missing_characters(caught: list[warnings.WarningMessage]) -> list[str]:
    """The characters of matplotlib's "Glyph N missing from font(s)" warnings, in order."""
    missing: dict[str, None] = {}
    for record in caught:
        match = _GLYPH_MISSING.search(str(record.message))
        if match:
            missing[chr(int(match.group(1)))] = None
    return list(missing)


@contextlib.contextmanager
def cjk_fonts() -> Iterator[CJKFont | None]:
    """Draw the plots made inside with a CJK font as fallback after the default font.

    Yields the font used (or None). ``font.family`` is the current family list with the CJK
    font appended, inside a ``matplotlib.rc_context``, so nothing changes outside. matplotlib's
    one-per-glyph "missing from font" warnings raised inside become one `FontWarning`: with no
    CJK font, how to install one (once per process); otherwise which characters no font has.
    Other warnings pass through unchanged.
    """
    global _advised
    import matplotlib

    font = find_cjk_font()
    families = list(matplotlib.rcParams["font.family"])
    if font is not None and font.name not in families:
        families.append(font.name)
    caught: list[warnings.WarningMessage] = []
    glyphs: list[warnings.WarningMessage] = []
    try:
        with matplotlib.rc_context({"font.family": families}), \
                warnings.catch_warnings(record=True) as caught:
            warnings.filterwarnings("always", message=_GLYPH_MISSING.pattern,
                                    category=UserWarning)
            yield font
    finally:
        glyphs = [record for record in caught if issubclass(record.category, UserWarning)
                  and _GLYPH_MISSING.search(str(record.message))]
        for record in caught:  # the other warnings, as they were (also when the plot failed)
            if not any(record is glyph for glyph in glyphs):
                warnings.warn_explicit(record.message, record.category, record.filename,
                                       record.lineno, registry=_PASSED_ON, source=record.source)
    missing = "".join(_missing_characters(glyphs))
    if not missing:
        return
    if font is None:
        if not _advised:
            _advised = True
            warnings.warn(f"No font with Chinese/Japanese/Korean glyphs was found, so {missing!r} "
                          f"show as empty boxes in the plot; {INSTALL_HINT}.", FontWarning,
                          stacklevel=3)
        return
    warnings.warn(f"No font found has glyphs for {missing!r} (tried {', '.join(families)}); "
                  "they show as empty boxes in the plot.", FontWarning, stacklevel=3)
