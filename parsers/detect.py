"""Is a document an annual report, an interpretation of one, a notice about them, or other?

Report columns hold look-alikes: 年报解读 / 图解 (interpretations), 关于做好…年度报告工作的通知
and 报送 notices, and the occasional company 年度报告公示. The crawler calls
:func:`classify_title` on anchor texts to decide which links are reports; the parser calls
:func:`classify` with the title *and* the text, because a title can be missing or generic.
"""

from __future__ import annotations

import re

from parsers.normalize import squash

ANNUAL_REPORT = "annual_report"
INTERPRETATION = "interpretation"
NOTICE = "notice"
OTHER = "other"

_REPORT = re.compile(
    r"(?:政府|政务)?信息公开(?:工作)?(?:年度)?(?:工作)?(?:年度报告|年报|工作报告|报告)"
    r"|(?:政府|政务)信息公开工作的?(?:年度)?报告|政务公开(?:工作)?年度报告"
)
_INTERPRETATION = re.compile(r"解读|图解|一图(?:读懂|看懂)|图说|问答|答记者问")
_NOTICE = re.compile(
    r"通知|通告|公告|函$|关于(?:做好|报送|编制|开展|印发|公布|发布).*(?:年度报告|年报)"
    r"|报送.*(?:年度报告|年报)|(?:年度报告|年报).*(?:报送|编制)工作|考核|评估|检查情况|督查"
)
_NON_GOV = re.compile(r"企业年度报告|年报公示|社会组织年度报告|年检")


def classify_title(title: str) -> str:
    """The kind of document a title (or a link's anchor text) names.

    A notice or an interpretation *about* annual reports mentions 年度报告 too, so those are
    recognised first; a title is an annual report only when it names 政府信息公开 (or 政务公开)
    with 年度报告/年报/工作报告 (wording varies: "年度报告", "工作年度报告", "年报").
    """
    t = squash(title)
    if not t:
        return OTHER
    if _NON_GOV.search(t):
        return OTHER
    mentions_report = bool(_REPORT.search(t))
    if _INTERPRETATION.search(t) and (mentions_report or "年报" in t or "年度报告" in t):
        return INTERPRETATION
    if _NOTICE.search(t) and (mentions_report or "年报" in t or "年度报告" in t):
        return NOTICE
    if mentions_report:
        return ANNUAL_REPORT
    return OTHER


def looks_like_report_text(text: str, sections: list[str], has_t3: bool) -> bool:
    """Body evidence of a report when the title says nothing: most of the six template
    sections, or the 表三 statistics, or a pre-2019 report's statutory opening sentence."""
    if has_t3 or len(sections) >= 4:
        return True
    head = squash(text[:1500])
    return bool(_REPORT.search(head)) and len(sections) >= 2


def classify(title: str | None, text: str, sections: list[str], has_t3: bool) -> str:
    """The document's kind from its title, corrected by its body.

    A title that names an interpretation or a notice wins (those pages often quote the
    report's numbers). A generic or missing title is settled by the body.
    """
    kind = classify_title(title or "")
    if kind in (INTERPRETATION, NOTICE, ANNUAL_REPORT):
        return kind
    if looks_like_report_text(text, sections, has_t3):
        return ANNUAL_REPORT
    return OTHER
