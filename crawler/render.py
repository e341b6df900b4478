"""JavaScript rendering with scrapy-playwright and Debian's Chromium, only where needed.

A page is rendered when its agency's registry row (or ``--render always``) says so, or — with
``auto`` — when the spider sees a JS shell (:func:`crawler.classify.is_js_shell`) or a
script-filled list whose data endpoint it could not find in the page's scripts.

The browser never touches the network itself. Every request it makes (the document, scripts,
XHR/fetch of the list data) is routed through Scrapy's own downloader
(:func:`route_through_scrapy`), so it

* waits in that host's download slot: one connection per host holds while rendering;
* obeys robots.txt and the scope rules like any other request;
* is archived at ``response_downloaded`` exactly as the server sent it (a browser network
  response becomes an ordinary WARC response record);
* is answered from the archive when this crawl already has it (the page itself when it was
  fetched before rendering was chosen, scripts shared by many pages), so the server is asked
  once;

and images, media and fonts are not fetched at all. The rendered DOM that scrapy-playwright
returns is archived separately as a ``conversion`` record linked to the document's response
(:mod:`crawler.warc_extension`), never as the HTTP response.

The render request itself runs in its own download slot (``BROWSER_SLOT``, one page at a
time: Chromium is heavy on two cores), which also keeps it from blocking the host slot that
its own sub-requests need.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

BROWSER_SLOT = "__browser__"
SKIPPED_RESOURCES = ("image", "media", "font", "stylesheet", "manifest", "other")
# Headers the browser sets that Scrapy's downloader sets itself (or must not forward).
_DROP_REQUEST_HEADERS = {"host", "connection", "content-length", "accept-encoding", "user-agent",
                         "cookie", "proxy-authorization", "proxy-connection"}
_DROP_RESPONSE_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection"}

_crawlers: list[Crawler] = []  # the running crawler: page callbacks are plain functions


def render_request_meta() -> dict[str, Any]:
    """Request meta that makes scrapy-playwright render a page through our route handler."""
    return {
        "playwright": True,
        "playwright_context": "render",
        "playwright_page_init_callback": "crawler.render.route_through_scrapy",
        "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")],
        "download_slot": BROWSER_SLOT,
        "dont_retry": True,
    }


class RenderingDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, but Chromium starts only when a page needs rendering: a
    crawl that renders nothing never launches the Playwright driver."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        _crawlers[:] = [crawler]
        self._launched = False

    async def _maybe_launch_in_thread(self) -> None:  # engine_started: do not launch yet
        return None

    def _engine_started(self):  # older Scrapy API: same
        return None

    async def _download_request(self, request, spider=None):  # type: ignore[override]
        if not self._launched:
            self._launched = True
            await self._launch()
        return await super()._download_request(request, spider)

    async def _close(self) -> None:
        if self._launched:
            await super()._close()


async def route_through_scrapy(page: Any, request: Request) -> None:
    """Playwright page-init callback: send every browser request through Scrapy (see module
    docstring), abort what a report page does not need."""
    crawler = _crawlers[0]
    nb = dict(request.meta.get("nb", {}))

    async def handle(route: Any, pw_request: Any) -> None:
        if pw_request.resource_type in SKIPPED_RESOURCES:
            await route.abort()
            return
        headers = {k: v for k, v in (await pw_request.all_headers()).items()
                   if k.lower() not in _DROP_REQUEST_HEADERS and not k.startswith(":")}
        sub = Request(
            pw_request.url, method=pw_request.method, body=pw_request.post_data_buffer or None,
            headers=headers, dont_filter=True,
            meta={"nb": {**nb, "role": "browser", "via": request.url,
                         "resource": pw_request.resource_type},
                  "dont_redirect": True, "handle_httpstatus_all": True,
                  "nb_prefer_archive": True, "nb_urgent": True},
        )
        try:
            response = await maybe_deferred_to_future(crawler.engine.download(sub))
        except IgnoreRequest:
            await route.abort("blockedbyclient")
            return
        except Exception as exc:  # noqa: BLE001 - the page must go on without this resource
            logger.info("render of %s: sub-request %s failed: %s", request.url, pw_request.url, exc)
            await route.abort("failed")
            return
        out_headers: dict[str, str] = {}
        for k, vs in response.headers.items():
            name = k.decode("latin-1")
            if name.lower() in _DROP_RESPONSE_HEADERS:
                continue
            out_headers[name] = ", ".join(v.decode("latin-1") for v in vs)
        await route.fulfill(status=response.status, headers=out_headers, body=response.body)

    await page.route("**/*", handle)
