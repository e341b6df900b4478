"""Text normalisation shared by the report-semantics modules.

Real reports write the same label in many ways: full-width or half-width brackets and digits,
spaces inside words ("三、 本 年 度 办 理 结 果"), line breaks inside table cells, ideographic
spaces and non-breaking spaces. Every comparison in detect/metadata/tables goes through
:func:`squash` so a keyword written once matches all of those spellings.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE_RE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")

# Chinese numerals as written in dates and years (二〇二三年, 二0二三年, 十五日).
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "0": 0, "一": 1, "二": 2, "两": 2,
              "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def nfkc(text: str) -> str:
    """Full-width letters, digits and brackets to their ASCII forms (（一） → (一), ２０ → 20)."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=1 << 16)
def squash(text: str) -> str:
    """NFKC and every kind of whitespace removed: the form labels are compared in.
    (Cached: table cells repeat the same few hundred labels and numbers.)"""
    return _SPACE_RE.sub("", nfkc(text or ""))


def clean_spaces(text: str) -> str:
    """NFKC with whitespace runs collapsed to one space and the ends trimmed (for display)."""
    return _SPACE_RE.sub(" ", nfkc(text or "")).strip()


def cn_number(text: str) -> int | None:
    """A small Chinese numeral as an int: 二〇二三 → 2023 (digit by digit), 十五 → 15, 二十一 → 21.

    Hand-written because it is a dozen lines and the libraries that do it (cn2an) pull in far
    more than dates need.
    """
    text = text.strip()
    if not text:
        return None
    if "十" not in text:
        digits = []
        for ch in text:
            if ch not in _CN_DIGITS:
                return None
            digits.append(str(_CN_DIGITS[ch]))
        return int("".join(digits))
    head, _, tail = text.partition("十")
    if head and head not in _CN_DIGITS:
        return None
    if tail and tail not in _CN_DIGITS:
        return None
    tens = _CN_DIGITS[head] if head else 1
    ones = _CN_DIGITS[tail] if tail else 0
    return tens * 10 + ones
