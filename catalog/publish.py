"""``nianbao publish``: a static site of the findings, hostable anywhere.

For watchdogs who publish: plain HTML pages (a summary with the coverage grid by prefecture,
one page per county-level region listing every agency and year with its status and the WARC
record that proves it), CSV files of status, reports and tables, and a copy of the SQLite
catalog. No JavaScript, no external assets: it reads the same offline as online.
"""

from __future__ import annotations

import csv
import html
import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import sqlite_utils

from catalog.db import catalog_path

SEVERITY = ("missing", "unverified", "late", "on_time", "not_due")
LABEL = {"on_time": "按时 on time", "late": "逾期 late", "missing": "未发布 missing",
         "unverified": "无法核实 unverified", "not_due": "未到期 not due"}
COLOUR = {"on_time": "#b7e4c7", "late": "#ffd166", "missing": "#ef476f",
          "unverified": "#c8b6ff", "not_due": "#eeeeee"}
STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:3px 6px;text-align:center}"
    + "".join(f".s-{k}{{background:{v}}}" for k, v in COLOUR.items())
)
CSV_TABLES = ("status_view", "reports", "report_tables", "report_checks", "agencies")


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>")


def _worst(counts: Counter[str]) -> str:
    return next((s for s in SEVERITY if counts.get(s)), "not_due")


def publish(data_dir: Path, out: Path) -> dict[str, int]:
    """Write the site into ``out`` (created; existing files of the same names replaced)."""
    db = sqlite_utils.Database(catalog_path(data_dir))
    out.mkdir(parents=True, exist_ok=True)
    (out / "regions").mkdir(exist_ok=True)
    shutil.copy2(catalog_path(data_dir), out / "catalog.db")
    for table in CSV_TABLES:
        cursor = db.execute(f"select * from [{table}]")
        with open(out / f"{table}.csv", "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([d[0] for d in cursor.description])
            writer.writerows(cursor)
    names = {r["code"]: r["name"] for r in db.query("select code, name from regions")}
    by_region: dict[str, list[dict]] = defaultdict(list)
    for row in db.query("select * from status_view order by region_code, agency_id, year"):
        by_region[row["region_code"]].append(row)
    years = sorted({r["year"] for rows in by_region.values() for r in rows})
    prefectures: dict[str, Counter[tuple[int, str]]] = defaultdict(Counter)
    for code, rows in by_region.items():
        _region_page(out / "regions" / f"{code}.html", code, names.get(code, code), rows, years)
        for r in rows:
            prefectures[code[:4]][(r["year"], r["status"])] += 1
    totals = Counter(r["status"] for rows in by_region.values() for r in rows)
    summary = "".join(f"<li class=\"s-{s}\">{LABEL[s]}: {totals.get(s, 0)}</li>" for s in SEVERITY)
    grid = ["<table><tr><th>region 地区</th>"
            + "".join(f"<th>{y}</th>" for y in years) + "</tr>"]
    for prefix in sorted(prefectures):
        code = prefix.ljust(6, "0")
        counties = sorted(c for c in by_region if c.startswith(prefix))
        links = " ".join(f"<a href=\"regions/{c}.html\">{html.escape(names.get(c, c))}</a>"
                         for c in counties)
        cells = []
        for y in years:
            counts = Counter({s: prefectures[prefix][(y, s)] for s in SEVERITY})
            text = " ".join(f"{counts[s]} {s}" for s in SEVERITY if counts[s])
            cells.append(f"<td class=\"s-{_worst(counts)}\">{html.escape(text)}</td>")
        grid.append(f"<tr><th>{html.escape(names.get(code, code))}<br><small>{links}</small>"
                    f"</th>{''.join(cells)}</tr>")
    grid.append("</table>")
    downloads = " · ".join(f"<a href=\"{t}.csv\">{t}.csv</a>" for t in CSV_TABLES)
    body = (f"<ul>{summary}</ul><h2>Coverage 覆盖</h2>{''.join(grid)}"
            f"<h2>Data 数据</h2><p>{downloads} · <a href=\"catalog.db\">catalog.db</a> (SQLite)</p>"
            "<p>Each status rests on archived evidence: the region pages cite the WARC file, "
            "offset and record id. 每条结论均附网页存档出处。</p>")
    (out / "index.html").write_text(_page("政府信息公开工作年度报告 · nianbao", body), encoding="utf-8")
    return {"regions": len(by_region), "rows": sum(totals.values())}


def _region_page(path: Path, code: str, name: str, rows: list[dict], years: list[int]) -> None:
    agencies: dict[str, dict[int, dict]] = defaultdict(dict)
    agency_names: dict[str, str] = {}
    for r in rows:
        agencies[r["agency_id"]][r["year"]] = r
        agency_names[r["agency_id"]] = r["agency_name"]
    lines = ["<table><tr><th>agency 机关</th>" + "".join(f"<th>{y}</th>" for y in years) + "</tr>"]
    for agency_id, cells in agencies.items():
        tds = []
        for y in years:
            found = cells.get(y)
            if found is None:
                tds.append("<td></td>")
                continue
            r = found
            evidence = json.loads(r["evidence"] or "[]")
            cite = ""
            if evidence:
                ev = evidence[0]
                cite = (f"<br><small title=\"{html.escape(ev.get('record_id', ''))}\">"
                        f"{html.escape(str(ev.get('warc_file')))}#{ev.get('offset')}</small>")
            late = f" +{r['days_late']}d" if r["days_late"] else ""
            link = (f"<a href=\"{html.escape(r['url'])}\">{r['status']}{late}</a>" if r["url"]
                    else f"{r['status']}{late}")
            tds.append(f"<td class=\"s-{r['status']}\" title=\"{html.escape(r['reason'] or '')}\">"
                       f"{link}{cite}</td>")
        lines.append(f"<tr><th>{html.escape(agency_names[agency_id])}</th>{''.join(tds)}</tr>")
    lines.append("</table><p><a href=\"../index.html\">← all regions 全部地区</a></p>")
    path.write_text(_page(f"{name} {code}", "".join(lines)), encoding="utf-8")
