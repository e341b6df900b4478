"""Report documents as the sandbox serves them: every format renders, reads back with the
libraries a parser would use, keeps the real table layout, and is byte-for-byte reproducible.
The real seeds load with their real numbers (checked by eye against the seed texts)."""

from __future__ import annotations

import csv
import datetime
import io
import random
import re
import zipfile
from pathlib import Path

import pytest
from lxml import html as lxml_html

from sandbox.content import ReportContent, make_report_content
from sandbox.documents import (
    FORMATS,
    prepare_office,
    render_document,
    report_body_html,
    report_body_pages,
)
from sandbox.seeds import SeedFormatError, load_seed
from sandbox.templates import office

COLS = ["natural_person", "business", "research", "social_org", "legal_service", "other_org", "total"]
_MIDDLE = [
    "granted",
    "partial",
    "denied.state_secret",
    "denied.prohibited",
    "denied.security",
    "denied.third_party",
    "denied.internal",
    "denied.process",
    "denied.enforcement",
    "denied.inquiry",
    "unavailable.not_held",
    "unavailable.needs_creation",
    "unavailable.unclear",
    "not_processed.petition",
    "not_processed.duplicate",
    "not_processed.publication",
    "not_processed.vexatious",
    "not_processed.confirmation",
]
V1_ROWS = ["received", "carried_in", *_MIDDLE, "other", "result_total", "carried_out"]
V2_ROWS = ["received", "carried_in", *_MIDDLE, "other.no_correction", "other.no_fee", "other.other", "result_total", "carried_out"]
T4_ORDER = [(g, c) for g in ("review", "suit_direct", "suit_after_review") for c in ("upheld", "corrected", "other", "pending", "total")]
AREACODES = Path(__file__).resolve().parents[2] / "parsers" / "data" / "areacodes.csv"


# ---------------------------------------------------------------------------------------------
# Reading tables back the way a parser sees them


def _t3_from_rows(rows: list[list[str | None]], template: str) -> dict[str, dict[str, int]]:
    keys = V1_ROWS if template == "2019" else V2_ROWS
    start = next(i for i, row in enumerate(rows) if any(c and "本年新收" in c for c in row))
    found = {}
    for key, row in zip(keys, rows[start : start + len(keys)], strict=True):
        values = [str(c if c is not None else "").strip() for c in row[-7:]]
        found[key] = dict(zip(COLS, [int(v) if v else 0 for v in values], strict=True))
    return found


def _t4_from_rows(rows: list[list[str | None]]) -> dict[str, dict[str, int]]:
    start = next(i for i, row in enumerate(rows) if any(c and "行政复议" == str(c).strip() for c in row))
    values = [str(c if c is not None else "").strip() for c in rows[start + 3][-15:]]
    found: dict[str, dict[str, int]] = {}
    for (group, col), v in zip(T4_ORDER, values, strict=True):
        found.setdefault(group, {})[col] = int(v) if v else 0
    return found


def _expand_html_table(table) -> list[list[str]]:  # noqa: ANN001 - lxml element
    slots: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.xpath(".//tr")):
        c = 0
        for td in tr.xpath("./td|./th"):
            while (r, c) in slots:
                c += 1
            rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            for dr in range(rs):
                for dc in range(cs):
                    slots[(r + dr, c + dc)] = td.text_content().strip()
            c += cs
    nrows = max(r for r, _ in slots) + 1
    ncols = max(c for _, c in slots) + 1
    return [[slots.get((r, c), "") for c in range(ncols)] for r in range(nrows)]


def _html_tables(content: ReportContent) -> list[list[list[str]]]:
    tree = lxml_html.fromstring(report_body_html(content))
    return [_expand_html_table(t) for t in tree.xpath("//table")]


def _pdf_rows(data: bytes) -> tuple[str, list[list[str | None]]]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        rows = [row for page in pdf.pages for table in page.extract_tables() for row in table]
    return text, rows


def _docx(data: bytes):  # noqa: ANN202
    import docx

    return docx.Document(io.BytesIO(data))


def _docx_rows(data: bytes) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for table in _docx(data).tables for row in table.rows]


def _squash(text: str) -> str:
    return "".join(text.split())


# ---------------------------------------------------------------------------------------------
# Samples


def _generated(template: str, year: int, want_requests: bool = True) -> ReportContent:
    """The first generated report of this era with some requests (deterministic)."""
    for seed in range(100):
        c = make_report_content(
            random.Random(seed),
            agency_name="聊城市民政局",
            region_name="聊城市",
            year=year,
            template=template,
            published=datetime.date(year + 1, 1, 20),
        )
        if not want_requests or (c.t3 and c.t3["received"]["total"] > 3):
            return c
    raise AssertionError("no sample found")


SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"


@pytest.fixture(scope="module")
def samples() -> list[ReportContent]:
    return [_generated("2019", 2020), _generated("2021", 2022), load_seed(SEEDS / "003_9d95345f879c4801.txt")]


@pytest.fixture(scope="module")
def office_cache(tmp_path_factory: pytest.TempPathFactory):
    """A private LibreOffice cache for this test module, so conversions really run."""
    import os

    old = os.environ.get("NIANBAO_SANDBOX_CACHE")
    os.environ["NIANBAO_SANDBOX_CACHE"] = str(tmp_path_factory.mktemp("office-cache"))
    yield
    if old is None:
        os.environ.pop("NIANBAO_SANDBOX_CACHE", None)
    else:
        os.environ["NIANBAO_SANDBOX_CACHE"] = old


# ---------------------------------------------------------------------------------------------
# HTML


def test_html_tables_have_the_real_merged_layout_and_read_back(samples: list[ReportContent]) -> None:
    for content in samples:
        tree = lxml_html.fromstring(report_body_html(content))
        t3_table = next(t for t in tree.xpath("//table") if "本年新收" in t.text_content())
        first = t3_table.xpath(".//tr[1]/td[1]")[0]
        assert (first.get("rowspan"), first.get("colspan")) == ("3", "3")
        assert "勾稽关系" in first.text_content()
        results = next(td for td in t3_table.xpath(".//td") if "本年度办理结果" in _squash(td.text_content()))
        assert results.get("rowspan") == ("22" if content.template == "2021" else "20")
        tables = _html_tables(content)
        t3_grid = next(t for t in tables if any("本年新收" in c for row in t for c in row))
        assert _t3_from_rows(t3_grid, content.template) == content.t3
        t4_grid = next(t for t in tables if t[0][0] == "行政复议")
        assert _t4_from_rows(t4_grid) == content.t4


def _yuan(text: str) -> int:
    match = re.fullmatch(r"([\d.]+)(万元|元)?", text)
    assert match, text
    number = float(match.group(1))
    return round(number * 10000) if match.group(2) == "万元" else round(number)


def test_html_table_two_shows_counts_changes_and_money() -> None:
    seen_units = set()
    for seed in range(30):
        content = make_report_content(random.Random(seed), agency_name="某市交通运输局", region_name="某市", year=2020, template="2019")
        grid = next(t for t in _html_tables(content) if t[0][0].startswith("第二十条"))
        rows = {row[0]: row[1:] for row in grid}
        procurement = rows["政府集中采购"]
        assert int(procurement[0]) == content.t2["procurement"]["projects"]
        assert _yuan(procurement[1]) == content.t2["procurement"]["amount"]
        seen_units.add(re.sub(r"[\d.]", "", procurement[1]))
        licensing = rows["行政许可"]
        assert [int(v) for v in licensing[:3]] == [content.t2["licensing"][k] for k in ("prev_items", "change", "decisions")]
    assert {"万元", "元"} <= seen_units, "amounts appear in 万元 in some reports, 元 in others"


def test_old_reports_show_their_local_table_after_the_request_section() -> None:
    content = next(
        c
        for c in (
            make_report_content(random.Random(s), agency_name="某县财政局", region_name="某县", year=2013, template="2008")
            for s in range(40)
        )
        if c.t3 and c.t3["received"]["total"]
    )
    (grid,) = _html_tables(content)
    assert grid[0] == ["统计指标", "单位", "统计数"]
    rows = {row[0]: int(row[2]) for row in grid[1:]}
    assert rows["收到申请数"] == content.t3["received"]["total"]
    assert rows["办结数"] == content.t3["result_total"]["total"]
    body = report_body_html(content)
    assert body.index("依申请公开政府信息情况") < body.index("<table") < body.index("收费及减免")


def test_html_ends_with_signature_and_date(samples: list[ReportContent]) -> None:
    content = samples[0]
    paragraphs = lxml_html.fromstring(report_body_html(content)).xpath("//p")
    last_two = [_squash(p.text_content()) for p in paragraphs[-2:]]
    assert last_two[0] == content.signature
    day = content.signature_date
    assert last_two[1] in {
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}年{day.month:02d}月{day.day:02d}日",
        "二〇二一年一月二十日",
    }


def test_html_reproduces_the_quirks_of_pasted_word_across_reports() -> None:
    bodies = []
    for seed in range(30):
        c = make_report_content(random.Random(seed), agency_name="某县司法局", region_name="某县", year=2021, template="2021")
        bodies.append((c, report_body_html(c)))
    assert any("<td" in b and "<p class=\"MsoNormal\"" in b and "<span" in b for _, b in bodies)
    assert any("<td" in b and "MsoNormal" not in b for _, b in bodies)
    assert any("&nbsp;</span></p></td>" in b or "&nbsp;</td>" in b for _, b in bodies)
    assert any("本 年 度 办 理 结 果" in b for _, b in bodies)
    blank_zero = 0
    for c, _body in bodies:
        grid = next(t for t in _html_tables(c) if any("本年新收" in x for row in t for x in row))
        start = next(i for i, row in enumerate(grid) if "本年新收" in row[0])
        blank_zero += any(cell == "" for row in grid[start:] for cell in row[-7:])
    assert 0 < blank_zero < len(bodies), "some reports leave 0 cells blank, others print 0"


def test_long_articles_split_into_pages_at_section_boundaries(samples: list[ReportContent]) -> None:
    content = samples[0]
    whole = lxml_html.fromstring(report_body_html(content)).text_content()
    for pages in (1, 2, 3):
        parts = report_body_pages(content, pages)
        assert len(parts) == pages
        texts = [lxml_html.fromstring(part).text_content() for part in parts]
        assert _squash("".join(texts)) == _squash(whole), "nothing lost, nothing repeated, in order"
        closing = [_squash(t)[-30:] for t in texts]
        assert re.search(re.escape(content.signature) + r"\S{4,8}年\S{1,3}月\S{1,3}日$", closing[-1])
        assert all(re.search(r"年.{1,3}月.{1,3}日$", c) is None for c in closing[:-1]), "the date ends the last page"
        for part in parts:
            assert part.count("<table") == part.count("</table>"), "a page break never cuts a table"
    assert len(report_body_pages(content, 99)) == len([h for h, b in content.sections if h or b])
    with pytest.raises(ValueError, match="pages"):
        report_body_pages(content, 0)


# ---------------------------------------------------------------------------------------------
# PDF


def test_pdf_text_layer_has_title_and_tables(samples: list[ReportContent]) -> None:
    from sandbox.templates.style import style_of

    ruled = 0
    for content in samples:
        data = render_document(content, "pdf")
        assert data.startswith(b"%PDF-")
        text, rows = _pdf_rows(data)
        assert _squash(content.title) in _squash(text)
        if style_of(content).pdf_rules == "grid":  # a ruled table pdfplumber reads as cells
            ruled += 1
            assert _t3_from_rows(rows, content.template) == content.t3
        else:  # 三线表 or no borders: no cell grid to read, the numbers are in the text layer
            assert "本年新收" in _squash(text)
        received = " ".join(str(content.t3["received"][c]) for c in COLS)
        if "" not in [str(v) for v in content.t3["received"].values()]:
            assert received in text or received.replace(" 0", "") in text or content.t3["received"]["total"]
    assert ruled, "the samples should include ruled PDF tables"


def test_pdf_scan_has_pages_but_no_text(samples: list[ReportContent]) -> None:
    import pdfplumber

    content = samples[1]
    with pdfplumber.open(io.BytesIO(render_document(content, "pdf"))) as pdf:
        pages = len(pdf.pages)
    with pdfplumber.open(io.BytesIO(render_document(content, "pdf_scan"))) as pdf:
        assert len(pdf.pages) == pages
        assert sum(len(p.chars) for p in pdf.pages) == 0
        assert all(len(p.images) == 1 for p in pdf.pages)


# ---------------------------------------------------------------------------------------------
# DOCX, DOC, WPS


def test_docx_reads_back_with_merged_table_cells(samples: list[ReportContent]) -> None:
    for content in samples:
        data = render_document(content, "docx")
        document = _docx(data)
        assert document.paragraphs[0].text == content.title
        rows = _docx_rows(data)
        assert _t3_from_rows(rows, content.template) == content.t3
        assert _t4_from_rows(rows) == content.t4
        t3 = next(t for t in document.tables if "本年新收" in t.cell(3, 0).text)
        assert t3.cell(0, 0)._tc is t3.cell(2, 2)._tc, "the 勾稽关系 note spans 3 rows and 3 columns"
        assert t3.cell(5, 0)._tc is t3.cell(20, 0)._tc, "三、本年度办理结果 spans the outcome rows"
        assert document.core_properties.title == content.title


@pytest.mark.parametrize("fmt", ["doc", "wps"])
def test_doc_and_wps_are_word97_ole_files_with_the_report(office_cache, samples: list[ReportContent], fmt: str) -> None:
    content = samples[2]
    data = render_document(content, fmt)
    assert data[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    text = office.convert(data, "doc", "txt").decode("utf-8-sig")
    assert _squash(content.title) in _squash(text)
    assert "本年新收政府信息公开申请数量" in text
    assert render_document(content, fmt) == data, "the same content converts once (cache)"


def test_prepare_office_converts_many_reports_in_one_run(
    office_cache, samples: list[ReportContent], monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = []
    real_run = office._run_soffice
    monkeypatch.setattr(office, "_run_soffice", lambda *a: (runs.append(a), real_run(*a)))
    prepare_office(samples[:2])
    assert len(runs) <= 1, "one soffice start for the whole batch"
    monkeypatch.setattr(office, "_run_soffice", lambda *a: pytest.fail("not served from the cache"))
    for content in samples[:2]:
        assert render_document(content, "doc")[:8] == bytes.fromhex("D0CF11E0A1B11AE1")


def test_missing_libreoffice_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, samples) -> None:
    monkeypatch.setenv("NIANBAO_SANDBOX_CACHE", str(tmp_path))
    monkeypatch.setattr(office.shutil, "which", lambda name: None)
    with pytest.raises(office.ConversionError, match="soffice"):
        render_document(samples[0], "doc")


# ---------------------------------------------------------------------------------------------
# Spreadsheets


def test_xls_sheets_hold_the_tables_with_merged_cells(samples: list[ReportContent]) -> None:
    import xlrd

    for content in samples:
        book = xlrd.open_workbook(file_contents=render_document(content, "xls"), formatting_info=True)
        sheet = next(s for s in book.sheets() if "表三" in s.name)
        assert sheet.cell_value(0, 0) == content.title
        grid = [[sheet.cell_value(r, c) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
        for rlo, rhi, clo, chi in sheet.merged_cells:
            for r in range(rlo, rhi):
                for c in range(clo, chi):
                    grid[r][c] = sheet.cell_value(rlo, clo)
        rows = [[str(int(v)) if isinstance(v, float) else v for v in row] for row in grid]
        assert _t3_from_rows(rows, content.template) == content.t3
        assert any(rhi - rlo >= 20 for rlo, rhi, _, _ in sheet.merged_cells)
        t4 = next(s for s in book.sheets() if "表四" in s.name)
        t4_rows = [[str(int(v)) if isinstance(v, float) else v for v in t4.row_values(r)] for r in range(t4.nrows)]
        assert _t4_from_rows(t4_rows) == content.t4


def test_xlsx_reads_back_with_openpyxl(samples: list[ReportContent]) -> None:
    import openpyxl

    for content in samples:
        book = openpyxl.load_workbook(io.BytesIO(render_document(content, "xlsx")))
        sheet = next(book[name] for name in book.sheetnames if "表三" in name)
        assert sheet.cell(1, 1).value == content.title
        rows = [[None if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert _t3_from_rows(rows, content.template) == content.t3
        assert any("本年度办理结果" in str(r) for r in sheet.merged_cells.ranges) or any(
            r.max_row - r.min_row >= 19 for r in sheet.merged_cells.ranges
        )


def test_old_reports_spreadsheet_has_the_local_table() -> None:
    import openpyxl

    content = next(
        c
        for c in (
            make_report_content(random.Random(s), agency_name="某市教育局", region_name="某市", year=2015, template="2008")
            for s in range(40)
        )
        if c.t3
    )
    book = openpyxl.load_workbook(io.BytesIO(render_document(content, "xlsx")))
    values = [v for row in book.worksheets[0].iter_rows(values_only=True) for v in row if v is not None]
    assert "收到申请数" in values and "办结数" in values
    assert content.t3["received"]["total"] in values


def test_workbook_of_a_report_without_tables_holds_its_text() -> None:
    import openpyxl
    import xlrd

    content = load_seed(SEEDS / "001_81b4ed55c119b43f.txt")
    assert not content.t3
    sheet = openpyxl.load_workbook(io.BytesIO(render_document(content, "xlsx"))).worksheets[0]
    column = [row[0] for row in sheet.iter_rows(values_only=True) if row[0]]
    assert column[0] == content.title and "一、概述" in column
    assert column[-2] == "吴忠市民政局"
    assert re.fullmatch(r"2018年0?3月26日|二〇一八年三月二十六日", column[-1])
    book = xlrd.open_workbook(file_contents=render_document(content, "xls"))
    assert book.sheet_by_index(0).col_values(0)[0] == content.title
    assert "一、概述" in book.sheet_by_index(0).col_values(0)


# ---------------------------------------------------------------------------------------------
# Determinism and errors


@pytest.mark.parametrize("fmt", ["pdf", "pdf_scan", "docx", "xls", "xlsx"])
def test_same_content_same_bytes(samples: list[ReportContent], fmt: str) -> None:
    content = samples[1]
    assert render_document(content, fmt) == render_document(content, fmt)


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_zip_containers_carry_no_clock_time(samples: list[ReportContent], fmt: str) -> None:
    content = samples[0]
    archive = zipfile.ZipFile(io.BytesIO(render_document(content, fmt)))
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = archive.read("docProps/core.xml").decode()
    assert f"{content.signature_date.isoformat()}T09:00:00Z" in core


def test_different_reports_render_differently(samples: list[ReportContent]) -> None:
    assert render_document(samples[0], "pdf") != render_document(samples[1], "pdf")


def test_unknown_format_is_refused(samples: list[ReportContent]) -> None:
    with pytest.raises(ValueError, match="ofd"):
        render_document(samples[0], "ofd")
    assert set(FORMATS) == {"pdf", "pdf_scan", "docx", "doc", "wps", "xls", "xlsx"}


# ---------------------------------------------------------------------------------------------
# The real seeds (facts read by eye from tests/fixtures/seeds/*.txt)


def _zero_t3(rows: list[str]) -> dict[str, dict[str, int]]:
    return {r: dict.fromkeys(COLS, 0) for r in rows}


def _seed_003_t3() -> dict[str, dict[str, int]]:
    t3 = _zero_t3(V1_ROWS)
    for row in ("received", "granted", "result_total"):  # 6 requests from people, all granted
        t3[row]["natural_person"] = 6
        t3[row]["total"] = 6
    return t3


SEED_FACTS = {
    "000_7016eb35578ea529.txt": dict(
        title="吴忠市民政局2020年政府信息公开工作年度报告",
        agency="吴忠市民政局",
        region_code="640300",
        year=2020,
        template="2019",
        t3=_zero_t3(V1_ROWS),
        t2={"licensing": {"prev_items": 5, "change": 0, "decisions": 29}, "penalty": {"prev_items": 13, "change": 13, "decisions": 0}, "procurement": {"projects": 10, "amount": 7_735_000}},
        signature=("", None),
    ),
    "001_81b4ed55c119b43f.txt": dict(
        title="吴忠市民政局2017年政府信息公开工作年度报告",
        agency="吴忠市民政局",
        region_code="640300",
        year=2017,
        template="2008",
        t3={},
        t2={},
        signature=("吴忠市民政局", datetime.date(2018, 3, 26)),
    ),
    "002_c88b532b1796c0d9.txt": dict(
        title="秀洲区民政局2020年度政府信息公开工作年度报告",
        agency="秀洲区民政局",
        region_code="330411",
        year=2020,
        template="2019",
        t3=_zero_t3(V1_ROWS),
        t2={"normative": {"made": 0, "published": 0, "total": 3}, "licensing": {"prev_items": 1, "change": 0, "decisions": 59}, "procurement": {"projects": 24, "amount": 2_215_600}},
        signature=("", None),
    ),
    "003_9d95345f879c4801.txt": dict(
        title="聊城市民政局2020年政府信息公开工作年度报告",
        agency="聊城市民政局",
        region_code="371500",
        year=2020,
        template="2019",
        t3=_seed_003_t3(),
        t2={
            "rules": {"made": 2, "published": 1, "total": 1},
            "licensing": {"prev_items": 6, "items": 0, "change": -6, "decisions": 0},
            "other_services": {"prev_items": 92, "items": 7, "change": -85, "decisions": 45},
            "procurement": {"projects": 11, "amount": 4_349_360},
        },
        signature=("", None),
    ),
    "004_bd2728a2fb5b3f82.txt": dict(
        title="吴忠市利通区人民政府办公室2020年政府信息公开工作年度报告",
        agency="吴忠市利通区人民政府办公室",
        region_code="640302",
        year=2020,
        template="2019",
        t3=_zero_t3(V1_ROWS),
        t2={"procurement": {"projects": 0, "amount": 0}},
        signature=("", None),
    ),
}


def _area_name(code: str) -> str:
    with AREACODES.open(encoding="utf-8-sig") as handle:
        return next(row["名称"] for row in csv.DictReader(handle) if row["代码"] == code)


@pytest.mark.parametrize("name", sorted(SEED_FACTS))
def test_seed_loads_with_its_real_facts(name: str) -> None:
    facts = SEED_FACTS[name]
    content = load_seed(SEEDS / name)
    assert content.title == facts["title"]
    assert content.agency_name == facts["agency"]
    assert content.region_name.endswith(_area_name(facts["region_code"]))
    assert (content.year, content.template) == (facts["year"], facts["template"])
    assert content.t3 == facts["t3"]
    for key, cells in facts["t2"].items():
        assert content.t2[key] == cells
    assert (content.signature, content.signature_date) == facts["signature"]
    if facts["template"] != "2008":
        assert content.t4 == {g: dict.fromkeys(("upheld", "corrected", "other", "pending", "total"), 0) for g in ("review", "suit_direct", "suit_after_review")}
    assert content.consistent
    headings = [h for h, _ in content.sections if h]
    assert len(headings) >= 6
    text = "".join(b for _, b in content.sections)
    assert "[image" not in text and "**" not in text and "\t" not in text


def test_seed_prose_is_unwrapped_into_paragraphs() -> None:
    content = load_seed(SEEDS / "001_81b4ed55c119b43f.txt")
    overview = dict(content.sections)["一、概述"]
    assert "建立了由局党组书记、局长任组长" in overview, "a sentence wrapped over two lines is one again"
    assert "mailto:" not in overview


@pytest.mark.parametrize("name", sorted(SEED_FACTS))
def test_each_seed_renders_to_html_pdf_docx_with_its_numbers(name: str) -> None:
    content = load_seed(SEEDS / name)
    pdf_text, pdf_rows = _pdf_rows(render_document(content, "pdf"))
    docx_bytes = render_document(content, "docx")
    body = report_body_html(content)
    assert _squash(content.title) in _squash(pdf_text)
    assert _docx(docx_bytes).paragraphs[0].text == content.title
    for heading, _ in content.sections:
        assert heading in body
    if content.t3:
        html_grid = next(t for t in _html_tables(content) if any("本年新收" in c for row in t for c in row))
        assert _t3_from_rows(html_grid, content.template) == content.t3
        assert _t3_from_rows(pdf_rows, content.template) == content.t3
        assert _t3_from_rows(_docx_rows(docx_bytes), content.template) == content.t3
    else:
        assert "本年新收" not in body
    if content.signature_date:
        assert content.signature in _squash(pdf_text).split("-")[-3] or content.signature in pdf_text


def test_bad_seed_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.txt"
    bad.write_text("只有一行文字\n没有标题\n", encoding="utf-8")
    with pytest.raises(SeedFormatError, match="broken.txt"):
        load_seed(bad)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SeedFormatError, match="binary.txt"):
        load_seed(binary)
