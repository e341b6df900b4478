"""Proxy from a setting: ``-s NIANBAO_PROXY=http://host:port`` sends every request through it.

Why: Scrapy's ``HttpProxyMiddleware`` reads only the environment of the crawl process, which a
job scheduled on a Scrapyd node cannot set (Scrapyd passes its own environment on). A setting
travels with the job (``schedule.json``'s ``setting=``). A request that already names a proxy
in its meta keeps it; ``HttpProxyMiddleware`` (after this one) applies credentials as usual.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class SettingProxyMiddleware:
    def __init__(self, proxy: str):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SettingProxyMiddleware:
        proxy = crawler.settings.get("NIANBAO_PROXY") or ""
        if not proxy:
            raise NotConfigured
        return cls(proxy)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy
