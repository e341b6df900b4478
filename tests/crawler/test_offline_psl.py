"""The crawler never downloads the Public Suffix List (crawler.offline_psl).

Scrapy's cookie middleware splits cookie domains with tldextract, which fetches the list from
publicsuffix.org on first use with an empty cache: a host no registry put in scope."""

import requests

from crawler.offline_psl import OfflinePublicSuffixList


def test_cookie_domains_are_split_without_any_download(tmp_path, monkeypatch):
    from scrapy.downloadermiddlewares import cookies

    fetched: list[str] = []

    def no_fetch(self, url, *args, **kwargs):  # noqa: ANN001, ANN202
        fetched.append(url)
        raise requests.ConnectionError(f"test: no network for {url}")

    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path))  # empty, as on a fresh machine
    monkeypatch.setattr(requests.Session, "get", no_fetch)
    monkeypatch.setattr(cookies, "_split_domain", cookies._split_domain)  # restored afterwards
    OfflinePublicSuffixList()
    parts = cookies._split_domain("www.hz.gov.cn")
    assert (parts.domain, parts.suffix) == ("hz", "gov.cn")
    assert cookies._split_domain("portal.github.io").suffix == "github.io"  # private part too
    assert fetched == []
