"""A small hand-built catalog shared by the catalog and UI tests."""

from catalog.crawls import load_regions
from catalog.db import open_catalog

AS_OF_TEXT = "2026-02-15"


def agency(aid, name, kind="department", level="county"):
    return {"agency_id": aid, "name": name, "region_code": "320813", "level": level,
            "kind": kind, "portal_url": "http://www.hz.gov.test/", "since": 2024}


def capture(rid, url, when, crawl="c2", agency_id=None, role="page", status=200):
    return {"record_id": rid, "url": url, "host": "www.hz.gov.test", "captured_at": when,
            "observed_at": when,
            "record_type": "response", "status": status, "warc_file": "A.warc.gz",
            "offset": int(rid[1:]) * 100, "length": 99, "crawl_id": crawl,
            "agency_id": agency_id, "role": role, "digest": "sha1:" + rid}


def report(aid, name, year, url, rid, first_seen, published=None, source=None):
    return {"report_id": f"{aid}:{year}", "agency_id": aid, "year": year, "url": url,
            "title": f"{name}{year}年政府信息公开工作年度报告", "agency_name": name,
            "record_id": rid, "first_seen": first_seen, "last_seen": first_seen,
            "published": published, "published_source": source, "attachments": "[]",
            "withdrawn": 0, "changed": 0, "digest": "sha1:" + rid}


def build_sample_catalog(tmp_path):
    """A small catalog: on time (a), late (b), missing (c), challenged (d), a government (gov)."""
    db = open_catalog(tmp_path)
    load_regions(db)
    db["agencies"].insert_all([
        agency("a", "洪泽区民政局"), agency("b", "洪泽区财政局"), agency("c", "洪泽区教育局"),
        agency("d", "洪泽区水利局"), agency("gov", "洪泽区人民政府", kind="government"),
    ])
    db["crawl_seeds"].insert_all([
        {"crawl_id": "c2", "agency_id": x, "crawled_at": "2026-02-10T00:00:00+00:00",
         "complete": 1, "status": "complete"} for x in ("a", "b", "c", "gov")
    ] + [{"crawl_id": "c2", "agency_id": "d", "crawled_at": "2026-02-10T00:00:00+00:00",
          "complete": 0, "status": "challenged", "reason": "challenged (412)"}])
    db["captures"].insert_all([
        capture("r1", "http://www.hz.gov.test/a/2024.html", "2025-01-20T08:00:00Z"),
        capture("r2", "http://www.hz.gov.test/b/2024.html", "2025-02-20T08:00:00Z"),
        capture("r3", "http://www.hz.gov.test/nb/index.html", "2026-02-10T00:00:00Z",
                agency_id="c", role="list"),
    ])
    db["reports"].insert_all([
        report("a", "洪泽区民政局", 2024, "http://www.hz.gov.test/a/2024.html", "r1", "2025-01-20T08:00:00Z",
               "2025-01-18", "meta_pubdate"),
        report("b", "洪泽区财政局", 2024, "http://www.hz.gov.test/b/2024.html", "r2", "2025-02-20T08:00:00Z",
               "2025-02-03", "page_date"),
    ])
    return tmp_path
