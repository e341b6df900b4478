"""Is a document an annual report, an interpretation of one, a notice about them, or other?

Report columns hold look-alikes: 年报解读 / 图解 (interpretations), 关于做好…年度报告工作的通知
and 报送 notices, and the occasional company 年度报告公示. The crawler calls
:func:`classify_title` on anchor texts to decide which links are reports; the parser calls
:func:`classify` with the title *and* the text, because a title can be missing or generic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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


# what a listing shows besides its links: dates, counts and pager words ("共3页 下一页")
_LIST_FURNITURE = re.compile(
    r"(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\[|\]|共\d+(?:页|条|篇)|第\d+页|\d+/\d+"
    r"|首页|尾页|末页|上一?页|下一?页|跳转|转到|当前|页次|每页|记录|\d+"
)
_DOCUMENT_LINK = re.compile(
    r"\.(pdf|docx?|wps|xlsx?|et|ofd|zip|rar|7z|txt|rtf)(\?|#|$)|downfile|download|getfile|attach",
    re.I,
)


_YEAR = re.compile(r"(?:19|20)\d{2}|[〇零○一二][〇零○一二三四五六七八九]{3}")
_PAGER = re.compile(r"^(?:\[?\d{1,3}\]?|第\d{1,3}页|[上下]一?页|首页|末页|尾页|next|prev)$", re.I)


def looks_like_listing(text: str, links: Sequence[tuple[str, str]], title: str | None) -> bool:
    """A list or hub page of a report column rather than a report.

    Such a page is links and little else: entries whose anchors are report titles, or the
    names of the bodies whose sub-columns it lists, plus dates, counts and pager words. So:
    once every link anchor and that furniture are taken out of the text, almost nothing is
    left. Links to files (a report page's attachments) and pager links ("1 2 下一页", a
    multi-page article's) are never entries. A page that states its own report title in its
    text (not as a link) is a report page unless it links to two other reports' pages too;
    one that shows a report title only as a link (a list of one entry) is a listing. A title
without a year (政府信息公开年报) is a column's name, not a report's."""
    entries = [(url, anchor) for url, anchor in links
               if anchor and not _DOCUMENT_LINK.search(url) and not _PAGER.match(squash(anchor))]
    if not entries:
        return False
    rest = squash(text)
    for _url, anchor in sorted(entries, key=lambda link: -len(link[1])):
        rest = rest.replace(squash(anchor), "")
    left = _LIST_FURNITURE.sub("", rest)
    if len(left) > 20 * len(entries) + 60 or len(left) >= 400:
        return False
    own = squash(title or "")
    reports = {squash(a) for _, a in entries if classify_title(a) != OTHER} - {own}
    if own and own in rest and classify_title(own) == ANNUAL_REPORT and _YEAR.search(own):
        return len(reports) >= 2
    return bool(reports) or len(entries) >= 3 or (bool(own) and own in {squash(a) for _, a in entries})


def classify(title: str | None, text: str, sections: list[str], has_t3: bool,
             links: Sequence[tuple[str, str]] = ()) -> str:
    """The document's kind from its title, corrected by its body.

    A list page of a report column is never a report, whatever its title (often the column's
    name, 政府信息公开年报, which reads like a report's): see :func:`looks_like_listing`.
    A title that names an interpretation or a notice wins (those pages often quote the
    report's numbers). A generic or missing title is settled by the body.
    """
    if not has_t3 and len(sections) < 2 and looks_like_listing(text, links, title):
        return OTHER
    kind = classify_title(title or "")
    if kind in (INTERPRETATION, NOTICE, ANNUAL_REPORT):
        return kind
    if looks_like_report_text(text, sections, has_t3):
        return ANNUAL_REPORT
    return OTHER
