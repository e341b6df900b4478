"""Security: crawl credentials never land in WARCs, logs or crawl files.

The crawl goes through the sandbox proxy with ``user:password`` in ``--proxy`` (Scrapy sends a
``Proxy-Authorization`` header with every proxied request) and an ``Authorization`` header set
through ``DEFAULT_REQUEST_HEADERS`` (logged by Scrapy among the overridden settings), at DEBUG
log level. Every file the crawl leaves is then searched for the secrets in every encoding the
crawl could have written them in.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

from crawler.redact import REDACTED, redact_url, request_headers
from tests.crawler.harness import write_registry
from tests.reliability.hostile import crawl

PROXY_USER, PROXY_PASSWORD = "nianbao", "pr0xy-S3CRET-pw"
TOKEN = "tok-SECRET-4711"


def _all_bytes(root: Path) -> dict[str, bytes]:
    out = {}
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.name.endswith(".gz"):
                data = gzip.decompress(data)
            out[str(path.relative_to(root))] = data
    return out


def test_request_header_redaction_rules():
    pairs = [("Host", "a.test"), ("Authorization", "Bearer x"), ("proxy-authorization", "Basic y"),
             ("Cookie", "JSESSIONID=1")]
    assert request_headers(pairs) == [("Host", "a.test"), ("Authorization", REDACTED),
                                      ("Cookie", "JSESSIONID=1")]
    assert redact_url("http://u:p%40ss@127.0.0.1:8080/") == f"http://u:{REDACTED}@127.0.0.1:8080/"
    assert redact_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/"


def test_proxy_password_and_auth_header_never_written(tmp_path, sandbox_factory, reliability_record):
    handle = sandbox_factory(seed=2, size="small", faults="none")
    reg = write_registry(handle, tmp_path / "registry.csv")
    first = reg.read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    proxy = handle.proxy_url.replace("http://", f"http://{PROXY_USER}:{PROXY_PASSWORD}@")
    report, _, _ = crawl(reg, tmp_path / "data", "--only", first, "--max-pages", "25", proxy=proxy,
                         settings={"DEFAULT_REQUEST_HEADERS": {"Authorization": f"Bearer {TOKEN}",
                                                               "Accept": "text/html,*/*"},
                                   "LOG_LEVEL": "DEBUG"})
    assert report["totals"]["pages"] > 0  # the crawl really went through the proxy
    files = _all_bytes(tmp_path / "data")
    assert any(name.endswith("crawl.log") for name in files)
    secrets = [PROXY_PASSWORD, TOKEN,
               base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()]
    leaks = {(name, s) for name, data in files.items() for s in secrets if s.encode() in data}
    assert leaks == set()
    warcs = b"".join(d for n, d in files.items() if n.endswith(".warc.gz"))
    # the header was sent and its presence is still on record, only its value is not
    assert f"Authorization: {REDACTED}".encode() in warcs
    assert b"Proxy-Authorization" not in warcs
    crawl_json = json.loads(next(d for n, d in files.items() if n.endswith("crawl.json")))
    assert PROXY_USER in crawl_json["proxy"] and REDACTED in crawl_json["proxy"]
    reliability_record("Secrets in WARCs and logs",
                       "sandbox crawl through a proxy with user:password and an Authorization "
                       "header, DEBUG log; every file of the data directory searched for them",
                       area="security", files_searched=len(files),
                       secrets_tried=len(secrets), leaks=len(leaks))


def test_log_filter_redacts_setting_proxy_and_headers(monkeypatch):
    """The Scrapyd path: the proxy comes as the NIANBAO_PROXY setting, and Scrapy logs the
    overridden settings (headers included) through the root handlers."""
    import logging

    from scrapy.settings import Settings

    from crawler.redact import RedactingFilter, secrets_of

    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
    settings = Settings({"NIANBAO_PROXY": f"http://{PROXY_USER}:{PROXY_PASSWORD}@10.1.1.1:3128",
                         "DEFAULT_REQUEST_HEADERS": {"Authorization": f"Bearer {TOKEN}"}})
    found = secrets_of(settings=settings)
    assert {PROXY_PASSWORD, TOKEN} <= found
    record = logging.LogRecord("scrapy.crawler", logging.INFO, __file__, 1,
                               "Overridden settings:\n%(settings)s",
                               ({"settings": repr(dict(settings))},), None)
    RedactingFilter(found).filter(record)
    message = record.getMessage()
    assert PROXY_PASSWORD not in message and TOKEN not in message and REDACTED in message
