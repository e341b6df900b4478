"""Keep Scrapy's cookie handling from fetching the Public Suffix List off the internet.

Scrapy's CookiesMiddleware asks tldextract whether a cookie's domain is a public suffix, and
tldextract, on first use with an empty cache, downloads the list from publicsuffix.org and
raw.githubusercontent.com — through the crawl's proxy, to hosts no registry put in scope. A
crawler that promises to contact only its seeds' hosts must not do that (and on a fresh machine
behind the sandbox proxy it shows up as an escape). tldextract ships a snapshot of the list;
this extension points Scrapy's splitter at it, with fetching switched off. Written by hand
because neither Scrapy nor tldextract offers a setting for it.
"""

from __future__ import annotations

from typing import Any

from tldextract import TLDExtract


class OfflinePublicSuffixList:
    """Extension: replace Scrapy's module-level domain splitter with an offline one."""

    def __init__(self) -> None:
        from scrapy.downloadermiddlewares import cookies

        if not getattr(cookies, "_split_domain", None):
            return  # a Scrapy without it: nothing to keep offline
        cookies._split_domain = TLDExtract(  # type: ignore[attr-defined]
            include_psl_private_domains=True, suffix_list_urls=(), cache_dir=None)

    @classmethod
    def from_crawler(cls, crawler: Any) -> OfflinePublicSuffixList:
        return cls()
