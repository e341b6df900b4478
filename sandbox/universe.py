"""The sandbox universe as plain data: regions, agencies, portals, columns, reports, extras.

Everything here is generated eagerly from ``(seed, size)`` and is cheap (no documents are
rendered): the server renders pages and files lazily from this model (see ``sandbox.site``).
One ``random.Random`` per concern, derived from the seed and a name, so adding a field to one
part of the model does not reshuffle every other part.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from dataclasses import dataclass, field

from sandbox.regions import Region, cities, counties_of, make_townships

YEARS = tuple(range(2015, 2026))
FAMILIES = ("trs", "hanweb", "gd", "static")
DATED_URL_FAMILIES = ("trs", "hanweb")
OUTCOMES = ("on_time", "late", "never", "withdrawn", "edited", "backdated")
MIRROR_HOST = "www.gkwenku.test"
CONTROL_HOST = "sandbox.test"

# (slug, city name, county name): the departments every real local government has.
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("mzj", "民政局", "民政局"),
    ("czj", "财政局", "财政局"),
    ("fgw", "发展和改革委员会", "发展和改革局"),
    ("jyj", "教育局", "教育局"),
    ("gaj", "公安局", "公安局"),
    ("sfj", "司法局", "司法局"),
    ("rsj", "人力资源和社会保障局", "人力资源和社会保障局"),
    ("zrzyj", "自然资源局", "自然资源局"),
    ("zjj", "住房和城乡建设局", "住房和城乡建设局"),
    ("nyncj", "农业农村局", "农业农村局"),
    ("wjw", "卫生健康委员会", "卫生健康局"),
    ("scjgj", "市场监督管理局", "市场监督管理局"),
    ("yjglj", "应急管理局", "应急管理局"),
    ("tjj", "统计局", "统计局"),
)

NB_COLUMN_NAMES = ("政府信息公开年报", "政府信息公开工作年度报告", "信息公开年报", "年度报告")


@dataclass(frozen=True)
class SizeSpec:
    """How big a universe is: which cities, how many counties, bodies per region."""

    n_cities: int
    counties_per_city: int
    city_departments: int
    own_site_departments: int
    county_departments: int
    townships: int
    max_agencies: int | None = None


SIZES: dict[str, SizeSpec] = {
    "small": SizeSpec(1, 3, 5, 3, 3, 2),
    "medium": SizeSpec(2, 5, 12, 3, 8, 4),
    "large": SizeSpec(4, 99, 12, 4, 8, 4),
}


def parse_size(size: str) -> SizeSpec:
    """``small|medium|large`` or ``<N>-agencies`` (the large world cut to its first N bodies)."""
    if size in SIZES:
        return SIZES[size]
    m = re.fullmatch(r"(\d+)-agencies", size)
    if not m or int(m.group(1)) < 1:
        raise ValueError(f"size must be small, medium, large or <N>-agencies, got {size!r}")
    base = SIZES["large"]
    return SizeSpec(**{**base.__dict__, "max_agencies": int(m.group(1))})


@dataclass
class Agency:
    """One body that must publish a report every year."""

    id: str
    name: str
    region: Region  # the division it belongs to (a township for township bodies)
    level: str  # city | county | township
    kind: str  # government | department
    slug: str
    host: str  # portal that carries its reports
    uscc: str  # unified social credit code, the prefix of its 索引号
    region_name: str  # full region name passed to report content (吴忠市利通区)
    own_site: bool = False

    @property
    def region_code(self) -> str:
        return self.region.region_code


@dataclass
class Column:
    """A list on a portal: the annual-report column, one sub-column per body, news, policy."""

    id: int
    slug: str
    name: str
    kind: str  # nb | body | news | policy
    agency_id: str | None = None


@dataclass
class Portal:
    """One site (host) built with one CMS family."""

    host: str
    family: str
    encoding: str  # utf-8 | gbk
    site_name: str
    site_id_code: str
    region: Region
    owner_id: str  # agency whose site it is
    nb_name: str
    page_size: int
    columns: dict[int, Column] = field(default_factory=dict)
    links_mirror: bool = False
    meta_template_of: str | None = None  # another host whose meta tags were copied (wrong meta)

    @property
    def nb_column(self) -> Column:
        return next(c for c in self.columns.values() if c.kind == "nb")

    def column_of(self, agency_id: str) -> Column:
        for c in self.columns.values():
            if c.kind == "body" and c.agency_id == agency_id:
                return c
        return self.nb_column  # single-body sites list reports in the nb column itself

    def body_columns(self) -> list[Column]:
        return [c for c in self.columns.values() if c.kind == "body"]


@dataclass
class Report:
    """What happens to one (agency, year) report over time."""

    agency_id: str
    year: int
    outcome: str
    template: str
    deadline: dt.date
    published: dt.date | None = None  # the date the report claims
    appeared: dt.date | None = None  # the day it becomes visible (later when backdated)
    withdrawn: dt.date | None = None
    edited: dt.date | None = None
    presentation: str = "inline"  # inline | attachment | both
    attachments: tuple[str, ...] = ()  # formats: pdf pdf_scan docx doc wps xls xlsx
    consistent: bool = True  # of the final version (edited reports were inconsistent before)
    date_evidence: str = "meta"  # meta | page | signature | url | none
    url_date: dt.date | None = None
    pages: int = 1  # multi-page articles
    article_id: int = 0
    host: str = ""
    column_id: int = 0
    page_path: str = ""
    page_paths: tuple[str, ...] = ()
    attachment_paths: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.agency_id}/{self.year}"

    def visible(self, on: dt.date) -> bool:
        if self.appeared is None or on < self.appeared:
            return False
        return self.withdrawn is None or on < self.withdrawn

    def version(self, on: dt.date) -> int:
        """0 before the edit, 1 after (content changes on the edit date)."""
        return 1 if self.edited is not None and on >= self.edited else 0


@dataclass
class Extra:
    """A page that is not a report: interpretations, notices, news, policies, mirror copies."""

    id: int
    host: str
    column_id: int
    kind: str  # interpretation | notice | news | policy | mirror
    title: str
    date: dt.date
    path: str = ""
    report_key: str | None = None  # the report it is about or copies
    until: dt.date | None = None


def derive_rng(seed: int, *names: object) -> random.Random:
    """An independent, reproducible random stream for one part of the model."""
    digest = hashlib.sha256(repr((seed, *names)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def stable_hash(*parts: object) -> int:
    """A hash that is the same in every process (``hash()`` of str is salted)."""
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:8], "big")


def deadline_for(level: str, kind: str, year: int) -> dt.date:
    """DOMAIN.md §1: 31 March before report year 2019; from 2019 31 January for departments and
    townships (the registry default), 31 March for a county-level-or-above government itself."""
    if year <= 2018:
        return dt.date(year + 1, 3, 31)
    if kind == "government" and level in ("city", "county"):
        return dt.date(year + 1, 3, 31)
    return dt.date(year + 1, 1, 31)


def template_for(year: int) -> str:
    return "2008" if year <= 2018 else ("2019" if year <= 2020 else "2021")


class Universe:
    """The whole simulated world for one ``(seed, size)``."""

    def __init__(self, seed: int = 1, size: str = "small") -> None:
        self.seed = seed
        self.size = size
        self.spec = parse_size(size)
        self.agencies: dict[str, Agency] = {}
        self.portals: dict[str, Portal] = {}
        self.reports: dict[str, Report] = {}
        self.extras: dict[tuple[str, int], Extra] = {}
        self._next_col = 0
        self._build_agencies()
        self._build_portals()
        self._build_reports()
        self._build_extras()
        from sandbox.portals import family_for  # late: the families import this module

        for report in self.reports.values():
            if report.appeared is not None:
                family_for(self.portals[report.host].family).place_report(self, report)
        for extra in self.extras.values():
            family_for(self.portals[extra.host].family if extra.host in self.portals else "mirror").place_extra(self, extra)

    # -- agencies -----------------------------------------------------------------------
    def _add(self, agency: Agency) -> None:
        if self.spec.max_agencies is not None and len(self.agencies) >= self.spec.max_agencies:
            return
        self.agencies[agency.id] = agency

    def _uscc(self, region: Region, slug: str) -> str:
        n = stable_hash(self.seed, region.code, slug) % 10**9
        check = "0123456789ABCDEFGHJKLMNPQRTUWXY"[stable_hash(region.code, slug) % 31]
        return f"11{region.code[:6]}{n:09d}{check}"

    def _build_agencies(self) -> None:
        spec = self.spec
        rng = derive_rng(self.seed, "agencies")
        for city in cities()[: spec.n_cities] if spec.n_cities < 4 else cities():
            self._build_region(rng, city, None, spec.city_departments, spec.own_site_departments)
            for county in counties_of(city)[: spec.counties_per_city]:
                self._build_region(rng, county, city, spec.county_departments, 0)
                for town in make_townships(derive_rng(self.seed, "towns", county.code), county, spec.townships):
                    suffix = "办事处" if town.name.endswith("街道") else "人民政府"
                    self._add(Agency(
                        id=f"{town.code}-gov", name=f"{county.name}{town.name}{suffix}", region=town,
                        level="township", kind="government", slug=town.pinyin,
                        host=self._portal_host(county), uscc=self._uscc(town, "gov"),
                        region_name=f"{county.name}{town.name}"))

    def _portal_host(self, region: Region) -> str:
        return f"www.{region.pinyin}.gov.test"

    def _build_region(self, rng: random.Random, region: Region, city: Region | None,
                      n_departments: int, n_own_sites: int) -> None:
        level = "city" if city is None else "county"
        full = region.name if city is None else f"{city.name}{region.name}"
        host = self._portal_host(region)
        self._add(Agency(f"{region.code}-zf", f"{region.name}人民政府", region, level, "government",
                         "zf", host, self._uscc(region, "zf"), full))
        self._add(Agency(f"{region.code}-bgs", f"{region.name}人民政府办公室", region, level,
                         "department", "bgs", host, self._uscc(region, "bgs"), full))
        departments = rng.sample(DEPARTMENTS[:n_departments + 2], n_departments)
        own = set(rng.sample(range(n_departments), n_own_sites)) if n_own_sites else set()
        for i, (slug, city_name, county_name) in enumerate(departments):
            dept = city_name if level == "city" else county_name
            dept_host = f"{slug}.{region.pinyin}.gov.test" if i in own else host
            self._add(Agency(f"{region.code}-{slug}", f"{region.name}{dept}", region, level,
                             "department", slug, dept_host, self._uscc(region, slug), full,
                             own_site=i in own))

    # -- portals ------------------------------------------------------------------------
    def _col_id(self) -> int:
        self._next_col += 1
        return 1000 + self._next_col * 7 + (stable_hash(self.seed, self._next_col) % 7)

    def _build_portals(self) -> None:
        rng = derive_rng(self.seed, "portals")
        hosts: dict[str, list[Agency]] = {}
        for agency in self.agencies.values():
            hosts.setdefault(agency.host, []).append(agency)
        main_families = list(FAMILIES)
        rng.shuffle(main_families)
        n_main = 0
        serials: dict[str, int] = {}
        gbk_done = False
        for host, bodies in hosts.items():
            owner = bodies[0]
            single = len(bodies) == 1 and owner.own_site
            if single:
                family = rng.choice(("static", "trs"))
            else:
                family = main_families[n_main % len(main_families)]
                n_main += 1
            encoding = "utf-8"
            if family in ("trs", "static") and (not gbk_done or rng.random() < 0.25):
                encoding, gbk_done = "gbk", True
            code = owner.region.region_code
            serials[code] = serials.get(code, 0) + 1
            site_name = owner.name if single else f"{owner.region.name}人民政府"
            portal = Portal(
                host=host, family=family, encoding=encoding, site_name=site_name,
                site_id_code=f"{code}{serials[code]:04d}", region=owner.region, owner_id=owner.id,
                nb_name=rng.choice(NB_COLUMN_NAMES), page_size=rng.choice((4, 5, 6)))
            nb = Column(self._col_id(), "xxgknb", portal.nb_name, "nb")
            portal.columns[nb.id] = nb
            if not single:
                for body in bodies:
                    col = Column(self._col_id(), body.slug, body.name, "body", body.id)
                    portal.columns[col.id] = col
            for kind, slug, name in (("news", "xwzx", "新闻中心"), ("policy", "zcwj", "政策文件")):
                col = Column(self._col_id(), slug, name, kind)
                portal.columns[col.id] = col
            self.portals[host] = portal
        main_hosts = [h for h, p in self.portals.items() if p.family in ("trs", "gd", "static")
                      and not self.agencies[p.owner_id].own_site]
        if main_hosts:
            self.portals[main_hosts[0]].links_mirror = True
        # one portal copied its meta tags from another site's template (wrong SiteName/IDCode)
        all_hosts = list(self.portals)
        if len(all_hosts) > 2:
            victim = all_hosts[-1]
            self.portals[victim].meta_template_of = all_hosts[0]

    # -- reports ------------------------------------------------------------------------
    def _build_reports(self) -> None:
        for agency in self.agencies.values():
            for year in YEARS:
                rng = derive_rng(self.seed, "report", agency.id, year)
                self.reports[f"{agency.id}/{year}"] = self._make_report(rng, agency, year)

    def _make_report(self, rng: random.Random, agency: Agency, year: int) -> Report:
        deadline = deadline_for(agency.level, agency.kind, year)
        outcome = rng.choices(OUTCOMES, (50, 14, 10, 7, 10, 9))[0]
        family = self.portals[agency.host].family
        r = Report(agency.id, year, outcome, template_for(year), deadline, host=agency.host)

        def on_time_date() -> dt.date:
            if rng.random() < 0.08:
                return deadline  # the deadline day itself is on time
            earliest = dt.date(year + 1, 1, 3)
            span = max(0, (deadline - earliest).days)
            return earliest + dt.timedelta(days=rng.randint(0, span))

        def late_date() -> dt.date:
            return deadline + dt.timedelta(days=rng.choice((1, rng.randint(2, 60), rng.randint(30, 300))))

        if outcome == "never":
            return r
        if outcome in ("on_time", "edited"):
            r.published = on_time_date()
        elif outcome == "late":
            r.published = late_date()
        elif outcome == "withdrawn":
            r.published = on_time_date() if rng.random() < 0.7 else late_date()
            r.withdrawn = r.published + dt.timedelta(days=rng.randint(20, 700))
        elif outcome == "backdated":
            r.published = on_time_date()
            r.appeared = deadline + dt.timedelta(days=rng.randint(10, 300))
        assert r.published is not None
        published: dt.date = r.published
        if r.appeared is None:
            r.appeared = published
        if outcome == "edited":
            r.edited = published + dt.timedelta(days=rng.randint(5, 200))
        r.consistent = rng.random() < 0.9 or outcome == "edited"
        r.presentation = rng.choices(("inline", "attachment", "both"), (35, 45, 20))[0]
        if r.presentation != "inline":
            main = rng.choices(("pdf", "docx", "doc", "wps", "pdf_scan"), (50, 15, 12, 8, 12))[0]
            extra = [rng.choice(("xls", "xlsx"))] if rng.random() < 0.15 else []
            r.attachments = (main, *extra)
        if r.presentation == "inline" and family in ("trs", "static") and rng.random() < 0.2:
            r.pages = rng.randint(2, 3)
        dated = family in DATED_URL_FAMILIES
        evidence = rng.choices(("meta", "page", "signature", "url", "none"), (55, 15, 10, 10, 10))[0]
        if evidence == "url" and not dated:
            evidence = "page"
        if outcome == "backdated" and evidence in ("url", "none"):
            evidence = "meta"  # a backdated page claims its date loudly
        r.date_evidence = evidence
        if dated:
            if outcome == "backdated":
                r.url_date = r.appeared  # the upload day: the URL tells the truth here
            elif evidence == "none" or (evidence != "url" and rng.random() < 0.1):
                # CMS creation/migration dates: the URL date lies
                # (never before the report year ends: a CMS cannot create it earlier)
                lie = published - dt.timedelta(days=rng.randint(20, 400))
                r.url_date = max(lie, dt.date(year, 12, 20))
            else:
                r.url_date = r.published
        return r

    # -- extras -------------------------------------------------------------------------
    def _add_extra(self, host: str, column_id: int, kind: str, title: str, date: dt.date,
                   report_key: str | None = None) -> Extra:
        n = sum(1 for k in self.extras if k[0] == host) + 1
        extra = Extra(n, host, column_id, kind, title, date, report_key=report_key)
        self.extras[(host, n)] = extra
        return extra

    def _build_extras(self) -> None:
        rng = derive_rng(self.seed, "extras")
        for report in self.reports.values():
            if report.published and rng.random() < 0.1:
                agency = self.agencies[report.agency_id]
                col = self.portals[report.host].column_of(agency.id)
                assert report.appeared is not None
                self._add_extra(report.host, col.id, "interpretation",
                                f"《{agency.name}{report.year}年政府信息公开工作年度报告》解读",
                                report.appeared + dt.timedelta(days=rng.randint(1, 6)), report.key)
        for agency in self.agencies.values():
            if agency.slug != "bgs":
                continue
            portal = self.portals[agency.host]
            col = portal.column_of(agency.id)
            for year in YEARS:
                if rng.random() < 0.6:
                    self._add_extra(agency.host, col.id, "notice",
                                    f"关于做好{year}年度政府信息公开工作年度报告编制和发布工作的通知",
                                    dt.date(year + 1, 1, rng.randint(4, 15)))
        for host, portal in self.portals.items():
            news = next(c for c in portal.columns.values() if c.kind == "news")
            policy = next(c for c in portal.columns.values() if c.kind == "policy")
            who = portal.region.name
            for _i in range(rng.randint(6, 10)):
                d = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randint(0, 3700))
                title = rng.choice(NEWS_TITLES).format(who=who, year=d.year)
                self._add_extra(host, news.id, "news", title, d)
            for _i in range(rng.randint(3, 6)):
                d = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randint(0, 3700))
                title = rng.choice(POLICY_TITLES).format(who=who, year=d.year)
                self._add_extra(host, policy.id, "policy", title, d)
        # the mirror: a non-government site that copies some reports verbatim
        for report in self.reports.values():
            if report.appeared and rng.random() < 0.08:
                agency = self.agencies[report.agency_id]
                self._add_extra(MIRROR_HOST, 0, "mirror",
                                f"{agency.name}{report.year}年政府信息公开工作年度报告",
                                report.appeared + dt.timedelta(days=rng.randint(3, 40)), report.key)

    # -- queries ------------------------------------------------------------------------
    def reports_of(self, agency_id: str) -> list[Report]:
        return [self.reports[f"{agency_id}/{y}"] for y in YEARS if f"{agency_id}/{y}" in self.reports]

    def hosts(self) -> list[str]:
        return [*self.portals, MIRROR_HOST]

    def document_count(self) -> int:
        """Report pages plus attachments that ever exist (the issue's "documents")."""
        return sum(1 + len(r.attachments) for r in self.reports.values() if r.appeared)


NEWS_TITLES = (
    "{who}召开{year}年政务公开工作推进会",
    "{who}开展政府开放日活动",
    "{who}举办政务公开业务培训班",
    "{who}召开全体会议部署重点工作",
    "{year}年{who}优化营商环境新闻发布会召开",
    "{who}领导调研乡村振兴工作",
    "{who}启动{year}年安全生产月活动",
)
POLICY_TITLES = (
    "{who}人民政府关于印发{year}年政务公开工作要点的通知",
    "{who}人民政府办公室关于进一步加强政府网站管理的通知",
    "{who}关于印发《政府信息公开申请办理规范》的通知",
    "{who}人民政府关于{year}年度重点项目安排的通知",
)
