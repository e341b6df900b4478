"""Whose report is it? Host, parsed agency name and crawl seed together decide."""

from catalog.attribution import Agency, Attributor

COUNTY = "www.county.gov.test"
AGENCIES = [
    Agency("gov", "洪泽区人民政府", "320813", {COUNTY}),
    Agency("office", "洪泽区人民政府办公室", "320813", {COUNTY}),
    Agency("civil", "洪泽区民政局", "320813", {COUNTY}),
    Agency("town", "洪泽区高良涧街道办事处", "320813", {COUNTY}),
    Agency("other-city", "吴忠市民政局", "640300", {"www.wuzhong.gov.test"}),
]


def attribute(**kw):
    return Attributor(AGENCIES).attribute(**kw)


def test_shared_county_platform_is_split_by_the_agency_name_in_the_report():
    assert attribute(host=COUNTY, parsed_agency="洪泽区民政局", crawl_agency="gov") == "civil"
    assert attribute(host=COUNTY, parsed_agency="洪泽区 民政局") == "civil"


def test_government_and_its_office_are_different_agencies():
    assert attribute(host=COUNTY, parsed_agency="洪泽区政府") == "gov"
    assert attribute(host=COUNTY, parsed_agency="洪泽区人民政府办公室") == "office"


def test_name_without_region_prefix_matches_within_the_host():
    assert attribute(host=COUNTY, parsed_agency="民政局") == "civil"


def test_mirror_host_is_never_attributed():
    assert attribute(host="reports.mirror.test", parsed_agency="洪泽区民政局") is None


def test_unknown_name_falls_back_to_the_seed():
    assert attribute(host=COUNTY, parsed_agency="某某委员会", crawl_agency="town") == "town"


def test_other_regions_agency_of_same_name_shape_is_not_taken():
    assert attribute(host=COUNTY, parsed_agency="吴忠市民政局", crawl_agency="gov") == "gov"
