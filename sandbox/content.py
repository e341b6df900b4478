"""What one simulated annual report says: title, prose, tables, signature.

The sandbox needs thousands of reports that read like real ones and whose numbers are known
exactly (they are the ground truth the parsers are scored against). This module builds that
content; :mod:`sandbox.documents` renders it into HTML, PDF, DOCX, DOC/WPS and spreadsheets.

Canonical keys are those of DOMAIN.md §3. Every amount of money (表二 procurement and fees) is
stored in yuan, whatever unit the rendered table shows. Numbers satisfy the consistency rules
T3-A/T3-B/T3-C/T4-A of DOMAIN.md §4 unless ``consistent=False``, in which case exactly one rule is
broken, as real reports sometimes are; :func:`rule_violations` says which.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from sandbox.templates import phrases

TEMPLATES = ("2008", "2019", "2021")

# 表三 columns: six applicant kinds and the total.
APPLICANT_COLUMNS: tuple[str, ...] = (
    "natural_person",
    "business",
    "research",
    "social_org",
    "legal_service",
    "other_org",
)
T3_COLUMNS: tuple[str, ...] = (*APPLICANT_COLUMNS, "total")

_DENIED = tuple(
    f"denied.{k}"
    for k in (
        "state_secret",
        "prohibited",
        "security",
        "third_party",
        "internal",
        "process",
        "enforcement",
        "inquiry",
    )
)
_UNAVAILABLE = ("unavailable.not_held", "unavailable.needs_creation", "unavailable.unclear")
_NOT_PROCESSED = tuple(
    f"not_processed.{k}"
    for k in ("petition", "duplicate", "publication", "vexatious", "confirmation")
)

# Row keys in table order, per template version of 表三.
T3_ROWS_V1: tuple[str, ...] = (
    "received",
    "carried_in",
    "granted",
    "partial",
    *_DENIED,
    *_UNAVAILABLE,
    *_NOT_PROCESSED,
    "other",
    "result_total",
    "carried_out",
)
T3_ROWS_V2: tuple[str, ...] = (
    "received",
    "carried_in",
    "granted",
    "partial",
    *_DENIED,
    *_UNAVAILABLE,
    *_NOT_PROCESSED,
    "other.no_correction",
    "other.no_fee",
    "other.other",
    "result_total",
    "carried_out",
)
# Rows of the local 统计表 of pre-2019 reports (only a total column; best effort, DOMAIN.md §2).
T3_ROWS_LOCAL: tuple[str, ...] = (
    "received",
    "result_total",
    "granted",
    "partial",
    "denied.prohibited",
    "unavailable.not_held",
    "unavailable.unclear",
    "other",
)
# Rows that are not outcomes: everything else in 表三 adds up to result_total (T3-B).
NON_OUTCOME_ROWS = frozenset({"received", "carried_in", "result_total", "carried_out"})

T4_GROUPS: tuple[str, ...] = ("review", "suit_direct", "suit_after_review")
T4_PARTS: tuple[str, ...] = ("upheld", "corrected", "other", "pending")
T4_COLUMNS: tuple[str, ...] = (*T4_PARTS, "total")

RULES: tuple[str, ...] = ("T3-A", "T3-B", "T3-C", "T4-A")


@dataclass
class ReportContent:
    """Everything a report says, independent of the file format it is published in.

    ``sections`` are (heading, body) pairs in order; a heading of ``""`` is the preamble before
    the first numbered section; body paragraphs are separated by ``"\\n"``. ``t2``/``t3``/``t4``
    use the canonical keys of DOMAIN.md §3 (empty dicts when the report has no such table).
    ``broken_rule`` names the rule deliberately broken when ``consistent`` is false.
    """

    title: str
    agency_name: str
    region_name: str
    year: int
    template: str
    sections: list[tuple[str, str]]
    t2: dict[str, dict[str, int]]
    t3: dict[str, dict[str, int]]
    t4: dict[str, dict[str, int]]
    signature: str
    signature_date: datetime.date | None
    consistent: bool
    broken_rule: str | None = field(default=None)

    def key(self) -> str:
        """A stable text that changes whenever anything rendered changes (for caches/styles)."""
        return repr(
            (
                self.title,
                self.agency_name,
                self.region_name,
                self.year,
                self.template,
                self.sections,
                sorted((k, sorted(v.items())) for k, v in self.t2.items()),
                sorted((k, sorted(v.items())) for k, v in self.t3.items()),
                sorted((k, sorted(v.items())) for k, v in self.t4.items()),
                self.signature,
                self.signature_date,
            )
        )


def template_for_year(year: int) -> str:
    """The template era a report year falls in (DOMAIN.md §2)."""
    if year >= 2021:
        return "2021"
    if year >= 2019:
        return "2019"
    return "2008"


def t3_rows_for(template: str) -> tuple[str, ...]:
    """表三 row keys of the official form for a template era (the local form before 2019)."""
    return {"2008": T3_ROWS_LOCAL, "2019": T3_ROWS_V1, "2021": T3_ROWS_V2}[template]


# --------------------------------------------------------------------------------------------
# Consistency rules (DOMAIN.md §4)


def _cell(t3: dict[str, dict[str, int]], row: str, col: str) -> int:
    return t3.get(row, {}).get(col, 0) or 0


def rule_violations(
    t3: dict[str, dict[str, int]], t4: dict[str, dict[str, int]]
) -> dict[str, list[str]]:
    """Each rule T3-A, T3-B, T3-C, T4-A mapped to the human-readable violations found.

    A rule with an empty list holds. Columns and groups absent from a table are not checked
    (pre-2019 local tables carry only a total column), and missing rows count as 0.
    """
    out: dict[str, list[str]] = {rule: [] for rule in RULES}
    if t3:
        columns = [c for c in T3_COLUMNS if any(c in cells for cells in t3.values())]
        outcomes = [r for r in t3 if r not in NON_OUTCOME_ROWS]
        for col in columns:
            left = _cell(t3, "received", col) + _cell(t3, "carried_in", col)
            right = _cell(t3, "result_total", col) + _cell(t3, "carried_out", col)
            if left != right:
                out["T3-A"].append(f"{col}: received+carried_in={left} != result_total+carried_out={right}")
            summed = sum(_cell(t3, r, col) for r in outcomes)
            if summed != _cell(t3, "result_total", col):
                out["T3-B"].append(
                    f"{col}: result_total={_cell(t3, 'result_total', col)} != sum of outcomes={summed}"
                )
        if all(c in columns for c in APPLICANT_COLUMNS):
            for row, cells in t3.items():
                six = sum(cells.get(c, 0) or 0 for c in APPLICANT_COLUMNS)
                if six != (cells.get("total", 0) or 0):
                    out["T3-C"].append(f"{row}: total={cells.get('total', 0)} != six columns={six}")
    for group, cells in t4.items():
        if all(p in cells for p in T4_PARTS):
            parts = sum(cells[p] for p in T4_PARTS)
            if parts != cells.get("total", 0):
                out["T4-A"].append(f"{group}: total={cells.get('total', 0)} != parts={parts}")
    return out


def broken_rules(content: ReportContent) -> list[str]:
    """The rules that do not hold for this content (empty when it is consistent)."""
    return [rule for rule, found in rule_violations(content.t3, content.t4).items() if found]


# --------------------------------------------------------------------------------------------
# Numbers

# How often applicants of each kind appear, relative to natural persons (observed: mostly people,
# some companies, very rarely research bodies).
_APPLICANT_WEIGHT = {
    "natural_person": 1.0,
    "business": 0.25,
    "research": 0.02,
    "social_org": 0.04,
    "legal_service": 0.1,
    "other_org": 0.06,
}
_OUTCOME_WEIGHT = {
    "granted": 45,
    "partial": 10,
    "denied.state_secret": 0.5,
    "denied.prohibited": 1,
    "denied.security": 0.5,
    "denied.third_party": 2,
    "denied.internal": 2,
    "denied.process": 2,
    "denied.enforcement": 1,
    "denied.inquiry": 1,
    "unavailable.not_held": 20,
    "unavailable.needs_creation": 4,
    "unavailable.unclear": 2,
    "not_processed.petition": 3,
    "not_processed.duplicate": 2,
    "not_processed.publication": 0.5,
    "not_processed.vexatious": 0.5,
    "not_processed.confirmation": 0.5,
    "other": 3,
    "other.no_correction": 2,
    "other.no_fee": 0.3,
    "other.other": 1,
}


def _empty_t3(rows: tuple[str, ...], columns: tuple[str, ...]) -> dict[str, dict[str, int]]:
    return {r: {c: 0 for c in columns} for r in rows}


def _make_t3(rng: random.Random, template: str) -> dict[str, dict[str, int]]:
    rows = t3_rows_for(template)
    local = template == "2008"
    columns = ("total",) if local else T3_COLUMNS
    t3 = _empty_t3(rows, columns)
    if rng.random() < 0.3:  # many bodies receive no request at all (零申请)
        return t3
    scale = rng.choice([3, 6, 12, 30, 80, 200])
    outcomes = [r for r in rows if r not in NON_OUTCOME_ROWS]
    weights = [_OUTCOME_WEIGHT[r] for r in outcomes]
    for col in ("total",) if local else APPLICANT_COLUMNS:
        w = 1.0 if local else _APPLICANT_WEIGHT[col]
        if rng.random() > min(1.0, 0.3 + w):
            continue
        received = rng.randint(0, max(1, round(scale * w)))
        carried_in = 0 if local or rng.random() < 0.6 else rng.randint(0, max(0, received // 6))
        carried_out = 0 if local or rng.random() < 0.6 else rng.randint(0, (received + carried_in) // 5)
        done = received + carried_in - carried_out
        t3["received"][col] = received
        if not local:
            t3["carried_in"][col] = carried_in
            t3["carried_out"][col] = carried_out
        t3["result_total"][col] = done
        for row in rng.choices(outcomes, weights=weights, k=done):
            t3[row][col] += 1
    if not local:
        for cells in t3.values():
            cells["total"] = sum(cells[c] for c in APPLICANT_COLUMNS)
    return t3


def _make_t4(rng: random.Random) -> dict[str, dict[str, int]]:
    t4 = {g: {c: 0 for c in T4_COLUMNS} for g in T4_GROUPS}
    if rng.random() < 0.65:
        return t4
    for group, scale in (("review", 4), ("suit_direct", 2), ("suit_after_review", 1)):
        cells = t4[group]
        cells["upheld"] = rng.randint(0, scale)
        cells["corrected"] = rng.randint(0, 1) if rng.random() < 0.3 else 0
        cells["other"] = rng.randint(0, 1) if rng.random() < 0.3 else 0
        cells["pending"] = rng.randint(0, 1) if rng.random() < 0.3 else 0
        cells["total"] = sum(cells[p] for p in T4_PARTS)
    return t4


def _yuan(rng: random.Random, low: int, high: int) -> int:
    """An amount in yuan, rounded to hundreds as budgets are."""
    return rng.randint(low // 100, high // 100) * 100


def _make_t2(rng: random.Random, template: str, is_government: bool) -> dict[str, dict[str, int]]:
    if template == "2008":
        return {}
    small = lambda hi: rng.randint(0, hi) if rng.random() < 0.6 else 0  # noqa: E731
    if template == "2019":
        t2: dict[str, dict[str, int]] = {}
        made = small(2) if is_government else 0
        t2["rules"] = {"made": made, "published": made, "total": made + small(20 if is_government else 0)}
        made = small(12)
        t2["normative"] = {"made": made, "published": rng.randint(0, made), "total": made + small(80)}
        for key, hi in (("licensing", 60), ("other_services", 40), ("penalty", 300), ("coercion", 30)):
            prev = small(hi)
            change = rng.randint(-min(prev, 5), 5) if prev else small(3)
            t2[key] = {"prev_items": prev, "change": change, "decisions": small(hi * 40)}
        prev = small(4)
        t2["fees"] = {"prev_items": prev, "change": rng.randint(-prev, 1) if prev else 0}
        projects = small(40)
        t2["procurement"] = {
            "projects": projects,
            "amount": _yuan(rng, 10_000, 30_000_000) if projects else 0,
        }
        return t2
    t2 = {}
    issued = small(2) if is_government else 0
    t2["rules"] = {"issued": issued, "repealed": small(1) if issued else 0, "in_force": issued + small(15 if is_government else 0)}
    issued = small(10)
    t2["normative"] = {"issued": issued, "repealed": small(4), "in_force": issued + small(60)}
    for key, hi in (("licensing", 2000), ("penalty", 1500), ("coercion", 200)):
        t2[key] = {"decisions": small(hi)}
    t2["fees"] = {"amount": _yuan(rng, 1_000, 90_000_000) if rng.random() < 0.4 else 0}
    return t2


def _break_rule(
    rng: random.Random, template: str, t3: dict[str, dict[str, int]], t4: dict[str, dict[str, int]]
) -> str:
    """Break exactly one consistency rule, visibly, the way real reports do (a forgotten total,
    a mistyped cell), and return its name. Every other rule still holds afterwards."""
    choices = ["T3-A", "T3-B"] if template == "2008" else list(RULES)
    rule = rng.choice(choices)
    k = rng.randint(1, 3)
    columns = ["total"] if template == "2008" else list(APPLICANT_COLUMNS)
    col = rng.choice(columns[:2])
    touched_total = col != "total"
    if rule == "T3-A":  # received mistyped in a column and its total: carried-over sums differ
        t3["received"][col] += k
        if touched_total:
            t3["received"]["total"] += k
    elif rule == "T3-B":  # an outcome cell off by k: outcome rows no longer add up
        row = rng.choice(["granted", "partial", "unavailable.not_held"])
        t3[row][col] += k
        if touched_total:
            t3[row]["total"] += k
    elif rule == "T3-C":  # cells updated but the 总计 column forgotten
        for row in ("received", "granted", "result_total"):
            t3[row][col] += k
    else:  # T4-A: a group's total does not add up
        group = rng.choice(T4_GROUPS)
        t4[group]["total"] += k
    return rule


# --------------------------------------------------------------------------------------------
# Titles and prose


def agency_pronoun(agency_name: str) -> str:
    """How a body refers to itself in its report (我局, 我委, 我办, 本机关…)."""
    for suffix, pronoun in (
        ("办公室", "我办"),
        ("办公厅", "我厅"),
        ("人民政府", "我府"),
        ("委员会", "我委"),
        ("局", "我局"),
        ("厅", "我厅"),
        ("委", "我委"),
        ("街道办事处", "我街道"),
        ("办事处", "我街道"),
        ("镇", "我镇"),
        ("乡", "我乡"),
    ):
        if agency_name.endswith(suffix):
            if pronoun == "我府":
                return "本机关"
            return pronoun
    return "本机关"


def make_title(rng: random.Random, agency_name: str, region_name: str, year: int) -> str:
    """A title worded like a real one: 年 or 年度, 工作 missing, year first, stray spaces."""
    name = agency_name
    base = agency_name.removesuffix("人民政府")
    own_government = base != agency_name and bool(base) and (
        not region_name or region_name.endswith(base) or base.endswith(region_name)
    )
    if own_government and rng.random() < 0.3:
        name = base  # "XX县2020年政府信息公开工作年度报告": the government's own report
    forms = [
        (45, "{a}{y}年政府信息公开工作年度报告"),
        (10, "{a}{y}年度政府信息公开工作年度报告"),
        (12, "{a}{y}年度政府信息公开工作报告"),
        (10, "{a}{y}年政府信息公开年度报告"),
        (10, "{y}年{a}政府信息公开工作年度报告"),
        (5, "{a}关于{y}年度政府信息公开工作的报告"),
        (8, "{a} {y} 年政府信息公开工作年度报告"),
    ]
    form = rng.choices([f for _, f in forms], weights=[w for w, _ in forms])[0]
    return form.format(a=name, y=year)


def _short_name(agency_name: str, region_name: str) -> str:
    """The agency without its region prefix (市民政局 for 聊城市民政局), as reports say it."""
    if region_name and agency_name.startswith(region_name) and len(agency_name) > len(region_name):
        rest = agency_name[len(region_name) :]
        level = region_name[-1]
        return (level + rest) if level in "市县区" else rest
    return agency_name


def _numbers_paragraph(t3: dict[str, dict[str, int]], agency: str, year: int) -> str:
    received = _cell(t3, "received", "total")
    carried_in = _cell(t3, "carried_in", "total")
    done = _cell(t3, "result_total", "total")
    carried_out = _cell(t3, "carried_out", "total")
    if not received and not carried_in:
        return f"{year}年，{agency}未收到政府信息公开申请。"
    granted = _cell(t3, "granted", "total")
    partial = _cell(t3, "partial", "total")
    return (
        f"{year}年，{agency}共收到政府信息公开申请{received}件，上年结转{carried_in}件，"
        f"已办结{done}件，其中予以公开{granted}件，部分公开{partial}件，"
        f"结转下年度继续办理{carried_out}件。"
    )


def _pick(rng: random.Random, pool: list[str], k: int, values: dict[str, Any]) -> str:
    chosen = rng.sample(pool, min(k, len(pool)))
    return "".join(s.format(**values) for s in chosen)


def _sections_modern(rng: random.Random, template: str, v: dict[str, Any], t3: dict) -> list[tuple[str, str]]:
    p = phrases
    overview = [
        _pick(rng, p.OVERVIEW_INTRO, 1, v),
        "（一）主动公开情况",
        _pick(rng, p.ACTIVE, rng.randint(2, 3), v),
        "（二）依申请公开情况",
        _numbers_paragraph(t3, v["agency"], v["year"])
        + (_pick(rng, p.ON_REQUEST, 1, v) if _cell(t3, "received", "total") else ""),
        "（三）政府信息管理情况",
        _pick(rng, p.MANAGEMENT, rng.randint(1, 2), v),
        "（四）平台建设情况",
        _pick(rng, p.PLATFORM, rng.randint(1, 2), v),
        "（五）监督保障情况",
        _pick(rng, p.SUPERVISION, rng.randint(1, 2), v),
    ]
    problems = rng.choice(["五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况"])
    other = "无。"
    if template == "2021":
        other = rng.choice(p.OTHER_2021).format(**v)
    elif rng.random() < 0.3:
        other = f"{v['year']}年，无其他需要报告事项。"
    return [
        ("", _pick(rng, p.PREAMBLE, 1, v)),
        ("一、总体情况", "\n".join(overview)),
        ("二、主动公开政府信息情况", ""),
        ("三、收到和处理政府信息公开申请情况", ""),
        ("四、政府信息公开行政复议、行政诉讼情况", ""),
        (problems, "\n".join([_pick(rng, p.PROBLEMS, 1, v), _pick(rng, p.IMPROVEMENTS, rng.randint(1, 2), v)])),
        ("六、其他需要报告的事项", other),
    ]


def _sections_2008(rng: random.Random, v: dict[str, Any], t3: dict) -> list[tuple[str, str]]:
    p = phrases
    received = _cell(t3, "received", "total")
    if received:
        request = (
            f"{v['year']}年，{v['we']}共受理政府信息公开申请{received}件，"
            f"其中同意公开{_cell(t3, 'granted', 'total')}件，"
            f"同意部分公开{_cell(t3, 'partial', 'total')}件，"
            f"不属于本机关公开范围{_cell(t3, 'unavailable.not_held', 'total')}件，均已按时答复。"
        )
    else:
        request = f"{v['year']}年，{v['we']}未收到公民、法人或其他组织提出的政府信息公开申请。"
    return [
        ("", _pick(rng, p.PREAMBLE_2008, 1, v)),
        ("一、概述", "\n".join([_pick(rng, p.ORGANISATION_2008, 2, v), _pick(rng, p.MANAGEMENT, 1, v)])),
        ("二、主动公开政府信息情况", _pick(rng, p.ACTIVE_2008, 2, v)),
        ("三、依申请公开政府信息情况", request),
        ("四、政府信息公开的收费及减免情况", f"{v['year']}年，{v['we']}未收取政府信息公开相关费用。"),
        ("五、因政府信息公开申请提起行政复议、行政诉讼的情况", f"{v['year']}年，未发生因政府信息公开申请提起的行政复议、行政诉讼。"),
        ("六、政府信息公开工作存在的主要问题及改进措施", "\n".join([_pick(rng, p.PROBLEMS, 1, v), _pick(rng, p.IMPROVEMENTS, 1, v)])),
        ("七、其他需要报告的事项", "无。"),
    ]


def make_report_content(
    rng: random.Random,
    *,
    agency_name: str,
    region_name: str,
    year: int,
    template: str,
    consistent: bool = True,
    published: datetime.date | None = None,
) -> ReportContent:
    """A plausible report of ``agency_name`` for ``year`` in the given template era.

    Prose comes from the real seeds' sentences with agency, region and year substituted; numbers
    are drawn from ``rng`` and satisfy every rule of DOMAIN.md §4 when ``consistent``, else
    exactly one rule is broken (named in ``broken_rule``). The signature date is ``published``
    (the day the body signed it off); callers may blank it. Same rng state, same content.
    """
    if template not in TEMPLATES:
        raise ValueError(f"template must be one of {TEMPLATES}, got {template!r}")
    if not agency_name:
        raise ValueError("agency_name must not be empty")
    is_government = agency_name.endswith("人民政府")
    t3 = _make_t3(rng, template)
    t4 = _make_t4(rng) if template != "2008" else {}
    t2 = _make_t2(rng, template, is_government)
    if template == "2008" and rng.random() < 0.5 and consistent:
        t3 = {}  # most early reports have no table, only prose
    values = {
        "agency": agency_name,
        "short": _short_name(agency_name, region_name),
        "we": agency_pronoun(agency_name),
        "region": region_name or agency_name,
        "year": year,
        "next_year": year + 1,
        "n1": rng.randint(20, 400),
        "n2": rng.randint(2, 60),
        "n3": rng.randint(1, 12),
    }
    if template == "2008":
        sections = _sections_2008(rng, values, t3)
    else:
        sections = _sections_modern(rng, template, values, t3)
    broken = None if consistent else _break_rule(rng, template, t3, t4)
    return ReportContent(
        title=make_title(rng, agency_name, region_name, year),
        agency_name=agency_name,
        region_name=region_name,
        year=year,
        template=template,
        sections=sections,
        t2=t2,
        t3=t3,
        t4=t4,
        signature=agency_name,
        signature_date=published,
        consistent=consistent,
        broken_rule=broken,
    )
