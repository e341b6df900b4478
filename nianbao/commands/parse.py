"""``nianbao parse FILE``: parse one local document and print the structured report.

Thin: reads the file, calls :func:`parsers.report.parse_document`, prints JSON or a rich
summary (metadata, 表三 grid, 表四, checks, warnings) for a person reading a terminal.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any

import click

_T3_LABELS = {
    "received": "一、本年新收", "carried_in": "二、上年结转", "granted": "(一)予以公开",
    "partial": "(二)部分公开", "denied.state_secret": "(三)1.国家秘密",
    "denied.prohibited": "(三)2.法律法规禁止", "denied.security": "(三)3.三安全一稳定",
    "denied.third_party": "(三)4.第三方权益", "denied.internal": "(三)5.内部事务",
    "denied.process": "(三)6.过程性信息", "denied.enforcement": "(三)7.执法案卷",
    "denied.inquiry": "(三)8.行政查询", "unavailable.not_held": "(四)1.不掌握",
    "unavailable.needs_creation": "(四)2.需另行制作", "unavailable.unclear": "(四)3.仍不明确",
    "not_processed.petition": "(五)1.信访举报投诉", "not_processed.duplicate": "(五)2.重复申请",
    "not_processed.publication": "(五)3.公开出版物", "not_processed.vexatious": "(五)4.大量反复",
    "not_processed.confirmation": "(五)5.确认或重新出具", "other": "(六)其他处理",
    "other.no_correction": "(六)1.逾期不补正", "other.no_fee": "(六)2.逾期未缴费",
    "other.other": "(六)3.其他", "result_total": "(七)总计", "carried_out": "四、结转下年度",
}
_T3_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")


def _cell(value: Any) -> str:
    return "—" if value is None else str(value)


def _print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    meta = Table(title="report", show_header=False)
    meta.add_column("field", style="bold")
    meta.add_column("value")
    for key in ("kind", "title", "agency", "region_code", "region_name", "year", "template",
                "published", "published_source", "published_evidence", "format", "needs_ocr"):
        meta.add_row(key, _cell(result.get(key)))
    meta.add_row("sections", " ".join(result.get("sections") or []) or "—")
    console.print(meta)

    t3 = (result.get("tables") or {}).get("t3")
    if t3:
        grid = Table(title="表三 收到和处理政府信息公开申请情况")
        grid.add_column("", no_wrap=True)
        for col in _T3_COLUMNS:
            grid.add_column(col, justify="right")
        for key, row in t3.items():
            grid.add_row(_T3_LABELS.get(key, key), *(_cell(v) for v in row.values()))
        console.print(grid)
    t4 = (result.get("tables") or {}).get("t4")
    if t4:
        grid = Table(title="表四 行政复议、行政诉讼情况")
        grid.add_column("")
        for col in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"):
            grid.add_column(col, justify="right")
        names = {"review": "行政复议", "suit_direct": "未经复议直接起诉",
                 "suit_after_review": "复议后起诉"}
        for group, row in t4.items():
            grid.add_row(names.get(group, group), *(_cell(v) for v in row.values()))
        console.print(grid)
    checks = result.get("checks") or {}
    if checks:
        table = Table(title="checks")
        table.add_column("rule")
        table.add_column("result")
        table.add_column("details")
        for rule, outcome in checks.items():
            ok = outcome.get("ok")
            verdict = "[green]ok[/]" if ok else "[red]failed[/]" if ok is False else "not computed"
            details = json.dumps(outcome.get("details") or [], ensure_ascii=False)
            table.add_row(rule, verdict, details if len(details) < 300 else details[:297] + "…")
        console.print(table)
    for warning in result.get("warnings") or []:
        console.print(f"[yellow]warning:[/] {warning}", markup=True, highlight=False)


@click.command("parse")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="URL the document was fetched from (URL dates are weak evidence).")
@click.option("--content-type", help="Content type to assume (default: sniffed from the bytes).")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="json",
              show_default=True, help="JSON object, or a readable summary.")
def parse_command(file: Path, url: str | None, content_type: str | None, fmt: str) -> None:
    """Parse one local document (HTML, PDF, DOC/DOCX/WPS, XLS/XLSX, OFD, text) into a
    structured, checked annual report."""
    from parsers.report import parse_document

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read: {exc.strerror or exc}") from exc
    if content_type is None:
        guessed, _ = mimetypes.guess_type(file.name)
        content_type = guessed
    result = parse_document(data, url=url, content_type=content_type)
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_table(result)
