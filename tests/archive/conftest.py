"""Fixtures for the archive tests: a raw HTTP server with realistic answers and a data
directory holding one crawl of it, built once and copied by tests that change it."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from archive.writer import ArchiveWriter, RecordLocation
from tests.archive.rawserver import RawHTTPServer, Route, fetch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

WARCINFO = {"operator": "nianbao tests <tests@example.invalid>", "robots": "obey",
            "user-agent": "nianbao-test/1", "registry-hash": "sha256:0000", "software": "nianbao/test"}


def _page(title: str, text: str) -> bytes:
    paras = "".join(f"<p>{line}</p>\n" for line in text.splitlines() if line.strip())
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="ArticleTitle" content="{title}"></head><body>{paras}</body></html>'
            ).encode()


def build_routes() -> dict[str, Route]:
    seeds = sorted((FIXTURES / "seeds").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    html = "text/html; charset=utf-8"
    pdf = (FIXTURES / "real" / "hongze-2023-annual-report.pdf").read_bytes()
    return {
        "/plain.html": Route(200, "OK", [("Content-Type", html)], _page("plain", texts[0])),
        "/gzip.html": Route(200, "OK", [("Content-Type", html), ("Content-Encoding", "gzip"),
                                        ("Vary", "Accept-Encoding")],
                            gzip.compress(_page("gzip", texts[1]), mtime=0)),
        "/chunked.html": Route(200, "OK", [("Content-Type", html)], _page("chunked", texts[2]),
                               chunked=True),
        "/chunked-gzip.html": Route(200, "OK", [("Content-Type", html), ("Content-Encoding", "gzip")],
                                    gzip.compress(_page("chunked+gzip", texts[3]), mtime=0),
                                    chunked=True),
        "/report.pdf": Route(200, "OK", [("Content-Type", "application/pdf"),
                                         ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")],
                             pdf, chunked=True),
        "/mirror/report.pdf": Route(200, "OK", [("Content-Type", "application/pdf")], pdf),
        "/etag.html": Route(200, "OK", [("Content-Type", html)], _page("etag", texts[4]),
                            etag='"v1"'),
        "/challenge": Route(412, "Precondition Failed", [("Content-Type", html)],
                            b"<html><script>$_ts=1;</script></html>"),
        "/list.html?page=2&col=nb": Route(200, "OK", [("Content-Type", html)],
                                          _page("list", "\n".join(t[:200] for t in texts))),
    }


@pytest.fixture(scope="session")
def server():
    srv = RawHTTPServer(build_routes())
    yield srv
    srv.close()


def crawl(data_dir: Path, server: RawHTTPServer, crawl_id: str, paths=None,
          **writer_kw) -> dict[str, RecordLocation]:
    """Fetch ``paths`` (default: every route) and archive them as one crawl."""
    locations = {}
    with ArchiveWriter(data_dir, crawl_id=crawl_id, warcinfo=WARCINFO, **writer_kw) as w:
        for path in paths or list(server.routes):
            locations[path] = w.write_exchange(fetch(server, path))
    return locations


@pytest.fixture(scope="session")
def crawled(tmp_path_factory, server):
    """A data directory with crawl ``c1`` of every route (read-only: copy it to change it)."""
    data = tmp_path_factory.mktemp("crawled")
    return data, crawl(data, server, "c1")


@pytest.fixture
def crawled_copy(crawled, tmp_path):
    data, locations = crawled
    dest = tmp_path / "data"
    shutil.copytree(data, dest)
    return dest, locations


@pytest.fixture(scope="session")
def venv_bin() -> Path:
    import sys

    return Path(sys.executable).parent
