"""Scrapy settings for nianbao (``scrapy.cfg`` points here).

Defaults are polite for real government portals: one connection per host, AutoThrottle between
1 s and 30 s per host, robots.txt obeyed, an identifying User-Agent. Tests and the benchmark
lower the delays for the loopback sandbox through the runner's ``overrides``; never lower them
for real sites.
"""

from __future__ import annotations

import os

from crawler.politeness import DEFAULT_CONTACT_URL, user_agent

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- identity -------------------------------------------------------------------------------
NIANBAO_CONTACT_URL = os.environ.get("NIANBAO_CONTACT_URL", DEFAULT_CONTACT_URL)
USER_AGENT = user_agent(NIANBAO_CONTACT_URL)

# --- robots.txt (RFC 9309, Protego) ----------------------------------------------------------
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"
ROBOTSTXT_USER_AGENT = "nianbao"

# --- one connection per host, many hosts in parallel ------------------------------------------
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 1
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
DOWNLOADER = "crawler.politeness.UrgentFirstDownloader"  # a rendering browser's requests go first
DOWNLOAD_DELAY = 1.0  # AutoThrottle's floor
DOWNLOAD_DELAY_JITTER = 0.2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60

# --- retries and Retry-After ----------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_AFTER_MAX = 120.0  # seconds; longer Retry-After answers are recorded, not waited for
BACKOFF_BASE = 2.0
BACKOFF_MAX = 60.0

# --- what we fetch ---------------------------------------------------------------------------
COOKIES_ENABLED = True  # sessions some CMS need; challenge cookies are never computed
REDIRECT_MAX_TIMES = 10
HTTPERROR_ALLOW_ALL = True  # 404s, challenges and blocks reach the spider: they are findings
DOWNLOAD_FAIL_ON_DATALOSS = False  # keep a cut-off body: archived as truncated="disconnect"
DOWNLOAD_MAXSIZE = 0  # crawler.limits truncates at NIANBAO_MAX_DOCUMENT_BYTES instead
DOWNLOAD_WARNSIZE = 0
NIANBAO_MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
DEPTH_LIMIT = 0  # depth is a scope rule (crawler.scope), not a hard Scrapy limit
DEPTH_PRIORITY = 0
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

DOWNLOADER_MIDDLEWARES = {
    "crawler.addressguard.AddressGuardMiddleware": 40,  # SSRF: NIANBAO_ADDRESS_GUARD/_ALLOW
    "crawler.limits.LimitsMiddleware": 50,
    "crawler.politeness.DataLossRetryMiddleware": 555,
    "crawler.conditional.ConditionalRequestMiddleware": 560,
    "crawler.proxy.SettingProxyMiddleware": 740,  # -s NIANBAO_PROXY=URL (Scrapyd jobs)
    "crawler.resume.ReplayMiddleware": 950,
}
SPIDER_MIDDLEWARES: dict[str, int] = {}
EXTENSIONS = {
    "crawler.redact.RedactLogs": 0,  # credentials never reach crawl.log
    "crawler.offline_psl.OfflinePublicSuffixList": 0,  # no publicsuffix.org download
    "crawler.politeness.HostBackoff": 100,
    "crawler.limits.DocumentSizeLimit": 110,
    "crawler.warc_extension.WarcExtension": 200,
    "crawler.report.CrawlReportExtension": 300,
}

# --- JavaScript rendering (scrapy-playwright, Debian chromium), only for pages that need it ----
DOWNLOAD_HANDLERS = {
    "http": "crawler.render.RenderingDownloadHandler",
    "https": "crawler.render.RenderingDownloadHandler",
}
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": os.environ.get("NIANBAO_CHROMIUM", "/usr/bin/chromium"),
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-pings",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
    ],
    # Every page request is routed through Scrapy (crawler.render), so the browser itself needs
    # no network. Its own background traffic (updaters, field trials) goes to a closed local
    # port instead of the crawl's proxy or the internet.
    "proxy": {"server": "http://127.0.0.1:9"},
}
DOWNLOAD_SLOTS = {"__browser__": {"concurrency": 1, "delay": 0}}  # one rendered page at a time
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 90_000

# --- nianbao crawl knobs (spider args override) ----------------------------------------------
NIANBAO_DATA_DIR = os.environ.get("NIANBAO_DATA", "data")
NIANBAO_CRAWL_ID = ""
NIANBAO_MAX_BYTES = 0  # whole crawl; 0 = no limit
NIANBAO_MAX_PAGES_PER_HOST = 5000
NIANBAO_MAX_LIST_PAGES = 300  # pagination pages per list, a guard against endless lists
NIANBAO_SCOPE_INCLUDE: list[str] = []
NIANBAO_SCOPE_EXCLUDE: list[str] | None = None  # None = crawler.scope.DEFAULT_EXCLUDE
NIANBAO_MAX_DEPTH = 12
NIANBAO_MAX_NAV_DEPTH = 4  # plain navigation links outside report columns: at most 4 clicks deep
NIANBAO_MAX_SIBLING_CHAIN = 3  # consecutive same-shape navigation links (calendars, pagers)
NIANBAO_MAX_HOPS = 1
NIANBAO_RENDER = "auto"  # auto | always | never
NIANBAO_WARC = True
NIANBAO_SIMULATED_DATE = ""  # sandbox runs: the simulated clock date, recorded, never faked
NIANBAO_ADDRESS_GUARD = "production"  # SSRF guard (crawler.addressguard): production | off
NIANBAO_ADDRESS_ALLOW: list[str] = []  # networks let through anyway, e.g. ["127.0.0.0/8"] in tests
# Ask again, once per crawl, for every report page and file an earlier crawl archived for the
# selected agencies (crawler.revisit): a report unlinked and removed is then archived as a 404.
NIANBAO_REVISIT_KNOWN = True
