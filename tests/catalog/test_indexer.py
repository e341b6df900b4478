"""From WARCs (written by the archive writer) to reports and status, with the real parsers.

The report page is a real seed (吴忠市民政局 2020) rendered as portal HTML; the archive holds it
the way a crawl would, with the crawler's metadata record. Then a second crawl finds it changed,
and a third finds it gone.
"""

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from archive.exchange import Exchange
from archive.reader import read_record
from archive.writer import ArchiveWriter
from catalog.db import open_catalog
from catalog.indexer import index_data_dir
from catalog.queries import report_detail, status_rows
from sandbox.documents import report_body_html
from sandbox.seeds import load_seed

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "seeds" / "000_7016eb35578ea529.txt"
HOST = "www.wuzhong.gov.test"
PAGE = f"http://{HOST}/zwgk/xxgknb/mzj/202101/t20210125_1001.html"
LIST = f"http://{HOST}/zwgk/xxgknb/mzj/index.html"
REGISTRY = (
    "agency_id,name,region_code,level,kind,portal_url,report_url,render,since\n"
    f"640300-mzj,吴忠市民政局,640300,city,department,http://{HOST}/,{LIST},auto,2020\n"
)


def page_html(content, pubdate: str) -> bytes:
    return f"""<html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{content.title}">
<meta name="PubDate" content="{pubdate}">
<meta name="ContentSource" content="{content.agency_name}">
<meta name="SiteIDCode" content="6403000001">
<title>{content.title}_吴忠市人民政府</title></head>
<body><div class="header">首页 | 政务公开</div><div class="article"><h1>{content.title}</h1>
<div class="info">发布时间：{pubdate}</div>{report_body_html(content)}</div></body></html>""".encode()


def exchange(url: str, body: bytes, when: str, role: str, status: int = 200) -> Exchange:
    return Exchange(
        url=url, method="GET", request_headers=[("Host", HOST)], request_body=b"",
        status=status, reason="OK" if status == 200 else "Not Found", http_version="HTTP/1.1",
        response_headers=[("Content-Type", "text/html; charset=utf-8"),
                          ("Content-Length", str(len(body)))],
        body=body, fetched_at=dt.datetime.fromisoformat(when),
        metadata={"agency-id": "640300-mzj", "role": role, "via": LIST, "hops-from-seed": 1},
    )


def crawl(data: Path, crawl_id: str, when: str, exchanges: list[Exchange]) -> None:
    with ArchiveWriter(data, crawl_id=crawl_id, warcinfo={"operator": "test"}) as writer:
        for ex in exchanges:
            writer.write_exchange(ex)
    crawl_dir = data / "crawls" / crawl_id
    crawl_dir.mkdir(parents=True)
    (crawl_dir / "report.json").write_text(json.dumps({
        "crawl_id": crawl_id, "started": when, "finished": when, "complete": True,
        "registry": str(data / "registry.csv"),
        "seeds": [{"agency_id": "640300-mzj", "status": "complete"}],
    }), encoding="utf-8")


@pytest.fixture
def data(tmp_path):
    (tmp_path / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    return tmp_path


def listing(links: str) -> bytes:
    return f"<html><body><ul>{links}</ul></body></html>".encode()


def test_report_indexed_with_tables_status_and_evidence(data):
    content = load_seed(SEED)
    page = page_html(content, "2021-01-25 09:30")
    crawl(data, "c1", "2021-02-01T08:00:00+00:00", [
        exchange(LIST, listing(f'<li><a href="{PAGE}">{content.title}</a></li>'),
                 "2021-02-01T08:00:00+00:00", "list"),
        exchange(PAGE, page, "2021-02-01T08:00:01+00:00", "page"),
    ])
    stats = index_data_dir(data)
    assert stats.warc_files == 1 and stats.reports == 1

    db = open_catalog(data)
    report = report_detail(db, "640300-mzj", 2020)
    assert report["published"] == "2021-01-25"
    assert report["published_source"] == "meta_pubdate"
    assert report["url"] == PAGE
    # the seed's 表二 (行政许可 上一年项目数量 5, 处理决定数量 29) and a T3 total of 0
    assert report["tables"]["t3"]["received"]["total"] == 0
    assert report["tables"]["t2"]["licensing"]["decisions"] == 29

    (row,) = status_rows(db, as_of=dt.date(2021, 6, 30), year=2020)
    assert (row["status"], row["deadline"]) == ("on_time", "2021-01-31")
    evidence = row["evidence"]
    record = read_record(data / "warcs" / evidence["warc_file"], evidence["offset"])
    assert record.target_uri == PAGE and record.record_id == evidence["record_id"]

    again = index_data_dir(data)  # unchanged archive: nothing read, nothing parsed
    assert (again.warc_files, again.records, again.documents_parsed) == (0, 0, 0)


def test_changed_then_withdrawn_are_flagged(data):
    content = load_seed(SEED)
    crawl(data, "c1", "2021-02-01T08:00:00+00:00",
          [exchange(PAGE, page_html(content, "2021-01-25 09:30"), "2021-02-01T08:00:01+00:00",
                    "page")])
    edited = replace(content, t2={**content.t2, "licensing": {**content.t2["licensing"],
                                                              "decisions": 31}})
    crawl(data, "c2", "2021-04-01T08:00:00+00:00",
          [exchange(PAGE, page_html(edited, "2021-01-25 09:30"), "2021-04-01T08:00:01+00:00",
                    "page")])
    index_data_dir(data)
    db = open_catalog(data)
    report = report_detail(db, "640300-mzj", 2020)
    assert report["changed"] == 1
    cells = report["changes"][0]["cells"]
    assert {"table": "t2", "row": "licensing", "column": "decisions", "before": 29,
            "after": 31} in cells

    crawl(data, "c3", "2021-06-01T08:00:00+00:00",
          [exchange(PAGE, b"<html>404</html>", "2021-06-01T08:00:01+00:00", "page", 404)])
    index_data_dir(data)
    (row,) = status_rows(open_catalog(data), as_of=dt.date(2021, 6, 30), year=2020)
    assert row["status"] == "on_time"
    assert {"withdrawn", "changed"} <= set(row["flags"])


def test_tables_of_a_report_split_over_two_pages_are_merged():
    from catalog.indexer import merge_tables

    page1 = {"tables": {"t3": {"received": {"total": 5, "natural_person": None}}}}
    page2 = {"tables": {"t3": {"received": {"total": 9, "natural_person": 4}},
                        "t4": {"review": {"total": 1}}}}
    merged = merge_tables([page1, page2])
    assert merged["t3"]["received"] == {"total": 5, "natural_person": 4}
    assert merged["t4"]["review"] == {"total": 1}


def test_simulation_runs_are_judged_by_the_simulated_day_and_cite_the_real_warc_date(data):
    content = load_seed(SEED)
    undated = page_html(content, "").replace(b'<div class="info">\xe5\x8f\x91\xe5\xb8\x83\xe6\x97\xb6\xe9\x97\xb4\xef\xbc\x9a</div>', b"")
    undated = undated.replace(b'<meta name="PubDate" content="">', b"")
    ex = exchange(PAGE, undated, "2026-11-21T10:00:00+00:00", "page")
    ex.metadata["simulated-date"] = "2021-01-28"
    crawl(data, "sim", "2026-11-21T10:00:00+00:00", [ex])
    report_json = data / "crawls" / "sim" / "report.json"
    report = json.loads(report_json.read_text())
    report_json.write_text(json.dumps(dict(report, simulated_date="2021-01-28")))
    index_data_dir(data)
    (row,) = status_rows(open_catalog(data), as_of=dt.date(2021, 6, 30), year=2020)
    assert row["status"] == "on_time"
    assert row["first_seen"].startswith("2021-01-28")
    assert row["evidence"]["captured_at"].startswith("2026-11-21")  # the WARC-Date, unaltered
