"""Plots draw Chinese labels: a CJK font is found (by its glyphs, not its name), used as a
per-glyph fallback after the default font, and no glyph is missing from the PNG; without one,
a single warning says how to install one."""

from __future__ import annotations

import doctest
import io
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from bertkit import plotting  # noqa: E402
from bertkit.errors import FontWarning  # noqa: E402
from bertkit.tasks.classification.metrics import classification_report  # noqa: E402

LABELS = ["体育", "财经", "娱乐"]
TITLE = "新闻分类：体育 / 财经 / 娱乐"


def news_report():
    y_true = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 0])
    y_pred = np.array([0, 1, 1, 1, 2, 2, 2, 0, 2, 0])
    return classification_report(y_true, y_pred, LABELS)


def test_a_cjk_font_is_found_and_has_the_glyphs():
    font = plotting.find_cjk_font()
    assert font is not None, f"no CJK font on this machine; {plotting.INSTALL_HINT}"
    assert plotting.covers(font.path, "".join(LABELS) + TITLE)
    # the family name resolves to a file that has the glyphs too (what matplotlib will draw with)
    resolved = font_manager.findfont(font_manager.FontProperties(family=font.name),
                                     fallback_to_default=False)
    assert plotting.covers(resolved, "".join(LABELS))


def test_confusion_matrix_with_chinese_labels_misses_no_glyph(tmp_path):
    report = news_report()
    path = tmp_path / "news.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would fail the test
        written = report.plot(str(tmp_path), "news.png", title=TITLE)
    assert written == [str(path)] and path.stat().st_size > 5000


def test_the_cjk_font_is_a_fallback_after_the_default_inside_the_context_only():
    before = list(matplotlib.rcParams["font.family"])
    default = font_manager.findfont(font_manager.FontProperties())
    with plotting.cjk_fonts() as font:
        families = list(matplotlib.rcParams["font.family"])
        assert font is not None
        assert families == [*before, font.name] or families == before  # appended, once
        assert font_manager.findfont(font_manager.FontProperties(family=families[:1])) == default
    assert list(matplotlib.rcParams["font.family"]) == before  # the user's settings as they were


def _pixels(text: str, cjk: bool) -> np.ndarray:
    def draw() -> np.ndarray:
        fig, ax = plt.subplots(figsize=(3, 1.5))
        ax.set_title(text)
        ax.plot([1, 2, 3], [3, 1, 2], label="loss")
        ax.legend()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=60)
        plt.close(fig)
        buffer.seek(0)
        return plt.imread(buffer)

    if not cjk:
        return draw()
    with plotting.cjk_fonts():
        return draw()


def test_latin_text_looks_the_same_with_the_fallback():
    latin = "accuracy 0.875, macro F1 0.833"
    np.testing.assert_array_equal(_pixels(latin, cjk=True), _pixels(latin, cjk=False))


def test_without_a_cjk_font_one_warning_says_how_to_install_one(tmp_path, monkeypatch):
    monkeypatch.setattr(plotting, "find_cjk_font", lambda: None)
    monkeypatch.setattr(plotting, "_advised", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        news_report().plot(str(tmp_path), "a.png")
        news_report().plot(str(tmp_path), "b.png", title=TITLE)
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "Glyph" in m], messages  # not one per glyph
    fonts = [w for w in caught if w.category is FontWarning]
    assert len(fonts) == 1, messages  # once per process
    assert "apt-get install fonts-wqy-microhei" in str(fonts[0].message)
    assert fonts[0].filename.endswith("metrics.py")  # points at the plot that lost glyphs
    assert (tmp_path / "a.png").exists() and (tmp_path / "b.png").exists()


def test_characters_no_font_has_are_named_in_one_warning():
    with pytest.warns(FontWarning, match="No font found has glyphs") as caught:
        with plotting.cjk_fonts():
            fig, ax = plt.subplots()
            ax.set_title("体育 \N{TEST TUBE} \N{EGYPTIAN HIEROGLYPH A001}")
            fig.savefig(io.BytesIO(), format="png")
            plt.close(fig)
    assert len(caught) == 1  # one warning, naming the characters (体育 has its font)
    assert "'\N{TEST TUBE}\N{EGYPTIAN HIEROGLYPH A001}'" in str(caught[0].message)


def test_other_warnings_pass_through_the_context():
    with pytest.warns(DeprecationWarning, match="not about fonts"):
        with plotting.cjk_fonts():
            warnings.warn("not about fonts", DeprecationWarning)
    with pytest.warns(DeprecationWarning, match="before the error"), pytest.raises(KeyError):
        with plotting.cjk_fonts():
            warnings.warn("before the error", DeprecationWarning)
            raise KeyError("the plot failed")


def test_docstring_examples_run():
    result = doctest.testmod(plotting)
    assert result.attempted >= 3 and result.failed == 0
