"""The scope rule set: own and platform hosts in, mirrors and other sites out, traps cut."""

from __future__ import annotations

from catalog.registry import Agency
from crawler.scope import is_attachment_url, scope_for


def agency(aid, host, kind="department", region="640302", level="county"):
    return Agency(aid, aid, region, level, kind, f"http://{host}/", None, "auto")


GOV = agency("gov", "www.litong.gov.test", kind="government")
DEPT = agency("dept", "mzj.litong.gov.test")
OTHER_REGION = agency("other", "www.yanchi.gov.test", kind="government", region="640323")
REGISTRY = [GOV, DEPT, OTHER_REGION]


def test_own_hosts_subdomains_and_government_platform_are_in():
    s = scope_for(DEPT, REGISTRY)
    assert s.check("http://mzj.litong.gov.test/a.html").allowed
    assert s.check("http://x.mzj.litong.gov.test/a.html").allowed
    d = s.check("http://www.litong.gov.test/col/col1/index.html")  # the county's platform
    assert d.allowed and d.reason == "host"
    assert not s.check("http://www.yanchi.gov.test/").allowed  # another region's portal


def test_mirrors_and_unrelated_pages_are_out_but_attachments_one_hop_away_are_in():
    s = scope_for(GOV, REGISTRY)
    assert s.check("http://www.gkwenku.test/doc/1.html").reason == "offsite"
    assert s.check("http://files.cdn.test/2023/report.pdf", hops=1).reason == "hops"
    assert not s.check("http://files.cdn.test/2023/report.pdf", hops=2).allowed


def test_traps_depth_scheme_and_excludes():
    s = scope_for(GOV, REGISTRY, max_depth=3)
    assert s.check("http://www.litong.gov.test/a/b/a/b/a/b/x.html").reason == "trap"
    assert s.check("http://www.litong.gov.test/" + "x" * 600).reason == "trap"
    assert s.check("http://www.litong.gov.test/p?" + "&".join(f"k{i}=1" for i in range(20))).reason == "trap"
    assert s.check("http://www.litong.gov.test/a.html", depth=4).reason == "depth"
    assert s.check("ftp://www.litong.gov.test/a.pdf").reason == "scheme"
    assert s.check("http://www.litong.gov.test/search/?q=1").reason == "exclude"
    custom = scope_for(GOV, REGISTRY, exclude=[r"/private/"], include=[r"^http://partner\.test/nb/"])
    assert custom.check("http://www.litong.gov.test/private/x").reason == "exclude"
    assert custom.check("http://partner.test/nb/1.html").reason == "include"


def test_attachment_urls():
    for url in ("http://a.test/x/P0123.pdf", "http://a.test/f.DOCX", "http://a.test/a.wps",
                "http://a.test/module/download/downfile.jsp?classid=0&filename=ab.pdf",
                "http://a.test/get?file=report.xls", "http://a.test/a.ofd"):
        assert is_attachment_url(url), url
    for url in ("http://a.test/index.html", "http://a.test/art/2020/1/1/art_1_2.html"):
        assert not is_attachment_url(url), url
