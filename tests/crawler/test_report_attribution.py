"""Each seed's status in the crawl report says what happened to *its* hosts: bodies sharing a
portal are reported with that portal's answers (not ``not_crawled``), and a challenge met on a
department's own site linked from the county portal marks that department, never the county."""

from __future__ import annotations

from catalog.registry import Agency
from crawler import classify as rc
from crawler.report import build_report

COUNTY = Agency("c-zf", "某县人民政府", "110101", "county", "government", "http://www.county.gov.test/")
TOWN = Agency("c-town", "某镇人民政府", "110101001", "township", "government",
              "http://www.county.gov.test/", "http://www.county.gov.test/col/col9/index.html")
DEPT = Agency("c-rsj", "某县人社局", "110101", "county", "department", "http://rsj.county.gov.test/")


def _fetch(agency: str, url: str, cls: str = rc.OK, **extra) -> dict:
    status = {rc.OK: 200, rc.CHALLENGED: 412, rc.NOT_FOUND: 404}[cls]
    return {"type": "fetch", "agency": agency, "url": url, "status": status, "class": cls,
            "role": "nav", "via": "", **extra}


def _report(items, agencies, registry=None) -> dict[str, dict]:
    report = build_report(items, agencies=agencies, registry=registry, crawl_id="c",
                          stopped_by=None, warc_files=[], stats={})
    return {s["agency_id"]: s for s in report["seeds"]}


PORTAL = [
    # the county's seed reached the shared portal first: every request carries its id
    _fetch("c-zf", "http://www.county.gov.test/"),
    _fetch("c-zf", "http://www.county.gov.test/col/col9/index.html"),
    _fetch("c-zf", "http://www.county.gov.test/col/col9/art_1.html", kind="annual_report",
           title="某镇人民政府2023年政府信息公开工作年度报告"),
    _fetch("c-zf", "http://file.county.gov.test/a/b.pdf", document=True,
           via="http://www.county.gov.test/col/col9/art_1.html"),
]
CHALLENGE = [_fetch("c-zf", "http://rsj.county.gov.test/", rc.CHALLENGED),
             _fetch("c-zf", "http://rsj.county.gov.test/xxgk/", rc.CHALLENGED)]


def test_bodies_sharing_a_portal_are_reported_with_its_answers():
    seeds = _report(PORTAL, [COUNTY, TOWN])
    assert seeds["c-town"]["status"] == "complete" and seeds["c-town"]["pages"] == 3
    assert seeds["c-zf"]["status"] == "complete"
    # the report page goes to the body its title names, its attachment with it
    assert [e["url"] for e in seeds["c-town"]["report_pages"]] == [PORTAL[2]["url"]]
    assert seeds["c-town"]["attachments"] == [PORTAL[3]["url"]] and not seeds["c-zf"]["report_pages"]
    # a file host under the county's domain is the portal's own
    assert seeds["c-zf"]["hosts"]["file.county.gov.test"] == 1


def test_a_challenged_department_site_marks_the_department_not_the_county():
    seeds = _report(PORTAL + CHALLENGE, [COUNTY, TOWN, DEPT])
    assert seeds["c-rsj"]["status"] == "challenged"
    assert seeds["c-rsj"]["challenged_urls"] == [CHALLENGE[0]["url"], CHALLENGE[1]["url"]]
    for aid in ("c-zf", "c-town"):
        assert seeds[aid]["status"] == "complete"
        assert rc.CHALLENGED not in seeds[aid]["response_classes"] and not seeds[aid]["challenged_urls"]


def test_a_department_site_outside_the_crawl_is_listed_not_held_against_the_county():
    seeds = _report(PORTAL + CHALLENGE, [COUNTY, TOWN], registry=[COUNTY, TOWN, DEPT])
    assert seeds["c-zf"]["status"] == "complete"
    assert seeds["c-zf"]["linked_sites"] == {"rsj.county.gov.test": {rc.CHALLENGED: 2}}
    assert "c-rsj" not in seeds


def test_trouble_on_the_seeds_own_hosts_still_counts():
    own = [_fetch("c-zf", "http://www.county.gov.test/xxgk/", rc.CHALLENGED)]
    seeds = _report(PORTAL + own, [COUNTY, TOWN], registry=[COUNTY, TOWN, DEPT])
    assert seeds["c-zf"]["status"] == seeds["c-town"]["status"] == "partial"
    # a host that is nobody's (a shared platform elsewhere) is the requesting seed's concern
    elsewhere = [_fetch("c-zf", "http://platform.province.gov.test/x", rc.CHALLENGED)]
    seeds = _report(PORTAL + elsewhere, [COUNTY, TOWN], registry=[COUNTY, TOWN, DEPT])
    assert seeds["c-zf"]["status"] == "partial" and seeds["c-town"]["status"] == "complete"
