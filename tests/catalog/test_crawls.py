"""Crawl reports into coverage: agencies sharing a portal inherit the crawl of that portal."""

from catalog.crawls import inherit_shared_coverage

PORTAL = "http://www.county.gov.test/"


def seed(aid, status, pages=0, hosts=None, **kw):
    return {"agency_id": aid, "seed_urls": [PORTAL], "status": status, "pages": pages,
            "hosts": hosts or {}, **kw}


def test_shared_portal_crawled_completely_covers_the_other_agencies():
    seeds = inherit_shared_coverage([
        seed("gov", "complete", 90, {"www.county.gov.test": 90}),
        seed("office", "not_crawled"),
    ])
    office = seeds[1]
    assert office["complete"] is True and "gov" in office["reason"]


def test_shared_portal_cut_short_leaves_the_others_unverified():
    seeds = inherit_shared_coverage([
        seed("gov", "challenged", 3, {"www.county.gov.test": 3},
             response_classes={"challenged": 3}),
        seed("office", "not_crawled"),
    ])
    assert seeds[1]["complete"] is False and "challenged" in seeds[1]["reason"]


def test_agency_whose_host_nobody_crawled_stays_uncovered():
    seeds = inherit_shared_coverage([
        seed("gov", "complete", 5, {"other.gov.test": 5}),
        seed("office", "not_crawled"),
    ])
    assert seeds[1]["status"] == "not_crawled" and "complete" not in seeds[1]


def test_a_challenge_on_a_linked_department_site_does_not_spoil_the_portal_crawl():
    from catalog.crawls import _seed_complete

    portal = seed("gov", "partial", 188, {"www.county.gov.test": 187, "fgw.county.gov.test": 1},
                  challenged_urls=["http://fgw.county.gov.test/"], failures=0, truncated=0,
                  response_classes={"ok": 187, "challenged": 1})
    assert _seed_complete(portal)
    own = dict(portal, challenged_urls=["http://www.county.gov.test/nb/"])
    assert not _seed_complete(own)
    failing = dict(portal, failures=2)
    assert not _seed_complete(failing)
