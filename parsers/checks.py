"""The consistency rules of DOMAIN.md §4, computed on canonical 表三/表四 with the numbers shown.

* **T3-A** (printed in the 表三 header): per column, received + carried_in = result_total + carried_out.
* **T3-B**: result_total = the sum of every outcome row (予以公开 … 其他处理), per column.
* **T3-C**: each row's total = the sum of its six applicant columns.
* **T4-A**: each 表四 group's total = upheld + corrected + other + pending.

Each check returns ``{"ok": bool | None, "details": [...]}``: ``ok`` is None when the check
could not be computed (table absent, or every cell it needs is null), and ``details`` lists each
comparison that failed (or could not be made) with its numbers, so a reader sees *why*.
"""

from __future__ import annotations

import re
from typing import Any

from parsers.tables import T3_COLUMNS, T3_OTHER_V1, T3_OTHER_V2, T3_ROWS_COMMON, T4_COLUMNS

_OUTCOMES = tuple(k for k in T3_ROWS_COMMON if k not in ("received", "carried_in"))
_APPLICANTS = T3_COLUMNS[:-1]


def _result(compared: int, failures: list[dict[str, Any]], skipped: list[str]) -> dict[str, Any]:
    details: list[Any] = list(failures)
    if skipped:
        details.append({"not_computed": skipped})
    if compared == 0:
        return {"ok": None, "details": details or [{"not_computed": "no numbers"}]}
    return {"ok": not failures, "details": details}


def _get(t3: dict, row: str, col: str) -> int | None:
    return (t3.get(row) or {}).get(col)


def check_t3_a(t3: dict | None) -> dict[str, Any]:
    """received + carried_in = result_total + carried_out, for every column."""
    if not t3:
        return _result(0, [], [])
    compared, failures, skipped = 0, [], []
    for col in T3_COLUMNS:
        values = [_get(t3, r, col) for r in ("received", "carried_in", "result_total", "carried_out")]
        if None in values:
            skipped.append(col)
            continue
        compared += 1
        received, carried_in, total, carried_out = values
        if received + carried_in != total + carried_out:  # type: ignore[operator]
            failures.append({
                "column": col, "received": received, "carried_in": carried_in,
                "result_total": total, "carried_out": carried_out,
                "left": received + carried_in, "right": total + carried_out,  # type: ignore[operator]
            })
    return _result(compared, failures, skipped)


def check_t3_b(t3: dict | None) -> dict[str, Any]:
    """result_total = sum of the outcome rows (whichever 其他处理 variant the table has)."""
    if not t3:
        return _result(0, [], [])
    other = T3_OTHER_V2 if any(k in t3 for k in T3_OTHER_V2) else T3_OTHER_V1
    rows = (*_OUTCOMES, *other)
    compared, failures, skipped = 0, [], []
    for col in T3_COLUMNS:
        total = _get(t3, "result_total", col)
        parts = {r: _get(t3, r, col) for r in rows}
        if total is None or None in parts.values():
            skipped.append(col)
            continue
        compared += 1
        summed = sum(parts.values())  # type: ignore[arg-type]
        if summed != total:
            failures.append({
                "column": col, "result_total": total, "sum_of_outcomes": summed,
                "nonzero": {r: v for r, v in parts.items() if v},
            })
    return _result(compared, failures, skipped)


def check_t3_c(t3: dict | None) -> dict[str, Any]:
    """Each row's total column = its six applicant columns."""
    if not t3:
        return _result(0, [], [])
    compared, failures, skipped = 0, [], []
    for row, cells in t3.items():
        values = [cells.get(c) for c in _APPLICANTS]
        total = cells.get("total")
        if total is None or None in values:
            skipped.append(row)
            continue
        compared += 1
        summed = sum(values)  # type: ignore[arg-type]
        if summed != total:
            failures.append({"row": row, "total": total, "sum_of_applicants": summed,
                             "applicants": dict(zip(_APPLICANTS, values, strict=True))})
    return _result(compared, failures, skipped)


def check_t4_a(t4: dict | None) -> dict[str, Any]:
    """Each 表四 group's total = upheld + corrected + other + pending."""
    if not t4:
        return _result(0, [], [])
    compared, failures, skipped = 0, [], []
    for group, cells in t4.items():
        parts = [cells.get(c) for c in T4_COLUMNS[:-1]]
        total = cells.get("total")
        if total is None or None in parts:
            skipped.append(group)
            continue
        compared += 1
        summed = sum(parts)  # type: ignore[arg-type]
        if summed != total:
            failures.append({"group": group, "total": total, "sum": summed,
                             **dict(zip(T4_COLUMNS[:-1], parts, strict=True))})
    return _result(compared, failures, skipped)


def run_checks(t3: dict | None, t4: dict | None) -> dict[str, dict[str, Any]]:
    """All four rules, keyed T3-A, T3-B, T3-C, T4-A."""
    return {
        "T3-A": check_t3_a(t3),
        "T3-B": check_t3_b(t3),
        "T3-C": check_t3_c(t3),
        "T4-A": check_t4_a(t4),
    }


# ---------------------------------------------------------------------------------------------
# Flags (DOMAIN.md §4: cross-year and prose comparisons are flagged, never failed)

_PROSE_RECEIVED = re.compile(
    r"(?:共|累计|全年)?(?:收到|受理|接收|新收)(?:各类)?(?:政府信息公开|依申请公开)?(?:申请|件)?"
    r"(?:共计|共)?\s*(\d+)\s*(?:件|条|个)"
)


def prose_flags(text: str, t3: dict | None) -> list[dict[str, Any]]:
    """Applications counted in the prose (一、总体情况: "收到政府信息公开申请21件") against 表三's
    received total. A mismatch is flagged with both numbers and the sentence, never failed:
    prose may count carried-over cases too."""
    if not t3 or (t3.get("received") or {}).get("total") is None:
        return []
    received = t3["received"]["total"]
    carried = (t3.get("carried_in") or {}).get("total") or 0
    head = text.split("收到和处理政府信息公开申请情况", 1)[0]
    flags = []
    for m in _PROSE_RECEIVED.finditer(head):
        window = head[max(0, m.start() - 12) : m.end() + 10]
        if "申请" not in window:
            continue
        said = int(m.group(1))
        if said not in (received, received + carried):
            flags.append({"rule": "prose_received", "prose": said, "table_received": received,
                          "table_carried_in": carried, "snippet": window.strip()})
        break  # the first statement of the count is the one that matters
    return flags


def cross_year_flags(this: dict[str, Any], last: dict[str, Any]) -> list[dict[str, Any]]:
    """Flags between one report's tables and the previous year's (both ``tables`` dicts of a
    parse result): carried_in ≈ last carried_out (表三), and v2 in_force ≈ last in_force +
    issued − repealed (表二 normative documents). For the catalog, which holds both years."""
    flags: list[dict[str, Any]] = []
    t3, last_t3 = this.get("t3") or {}, last.get("t3") or {}
    carried_in = (t3.get("carried_in") or {}).get("total")
    carried_out = (last_t3.get("carried_out") or {}).get("total")
    if carried_in is not None and carried_out is not None and carried_in != carried_out:
        flags.append({"rule": "carried_over", "carried_in": carried_in,
                      "last_year_carried_out": carried_out})
    t2, last_t2 = this.get("t2") or {}, last.get("t2") or {}
    for row in ("rules", "normative"):
        now, before = t2.get(row) or {}, last_t2.get(row) or {}
        in_force, last_in_force = now.get("in_force"), before.get("in_force")
        issued, repealed = now.get("issued"), now.get("repealed")
        if in_force is None or last_in_force is None or issued is None or repealed is None:
            continue
        if in_force != last_in_force + issued - repealed:
            flags.append({"rule": f"in_force.{row}", "in_force": in_force,
                          "expected": last_in_force + issued - repealed})
    return flags
