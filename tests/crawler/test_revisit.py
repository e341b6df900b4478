"""Known report pages and files of earlier crawls are asked for again (crawler.revisit)."""

import json

from crawler.revisit import known_documents


def _journal(data, crawl_id, rows):
    d = data / "crawls" / crawl_id
    d.mkdir(parents=True)
    with open(d / "fetched.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
        fh.write('{"url": "http://torn')  # a crash's torn last line is skipped


def row(url, role, agency="a", status=200, method="GET"):
    return {"url": url, "method": method, "status": status, "role": role, "agency": agency}


def test_earlier_reports_and_files_of_the_selected_agencies(tmp_path):
    _journal(tmp_path, "c1", [
        row("http://x.test/list.html", "list"),
        row("http://x.test/r1.html", "report"),
        row("http://x.test/r1.pdf", "attachment"),
        row("http://x.test/gone.html", "report", status=404),
        row("http://y.test/r9.html", "report", agency="b"),
        row("http://x.test/api", "report", method="POST"),
    ])
    _journal(tmp_path, "c2", [row("http://x.test/r1.html", "report"),
                              row("http://x.test/r2.html", "report")])
    got = known_documents(tmp_path, ["a"])
    assert [(d.url, d.role) for d in got] == [
        ("http://x.test/r1.html", "report"), ("http://x.test/r1.pdf", "attachment"),
        ("http://x.test/r2.html", "report")]
    assert [d.url for d in known_documents(tmp_path, ["a"], exclude_crawl="c2")] == [
        "http://x.test/r1.html", "http://x.test/r1.pdf"]
    assert known_documents(tmp_path / "none", ["a"]) == []
