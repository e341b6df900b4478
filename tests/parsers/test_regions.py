"""Division codes from names (historical ones too), SiteIDCode and the registry hint."""

from __future__ import annotations

from parsers.regions import resolve_region


def test_historical_names_resolve_to_the_code_of_their_year():
    assert resolve_region(["洪泽县人民政府"], year=2015).code == "320829"  # a county until 2016
    assert resolve_region(["洪泽区人民政府"], year=2023).code == "320813"  # a district since
    assert resolve_region(["嘉兴市郊区人民政府"], year=1995).code == "330411"  # renamed 秀洲区 1999


def test_name_without_suffix_and_county_inside_its_prefecture():
    assert resolve_region(["吴忠民政局"], year=2020).code == "640300"
    match = resolve_region(["吴忠市利通区人民政府办公室"], year=2020)
    assert (match.code, match.name, match.source) == ("640302", "利通区", "name")


def test_ambiguous_county_names_need_a_parent_or_the_site_code():
    assert resolve_region(["朝阳区民政局"], year=2020) is None
    assert resolve_region(["北京市朝阳区民政局"], year=2020).code == "110105"
    assert resolve_region(["朝阳区民政局"], year=2020, site_id_code="2201040012").code == "220104"


def test_site_id_code_when_the_name_says_nothing():
    match = resolve_region(["市民政局"], year=2020, site_id_code="6403000003")
    assert (match.code, match.name, match.source) == ("640300", "吴忠市", "site_id")


def test_registry_hint_wins_when_compatible_and_is_contradicted_loudly_otherwise():
    match = resolve_region(["利通区民政局"], year=2020, hint={"region_code": "640302"})
    assert (match.code, match.source) == ("640302", "registry")
    match = resolve_region(["聊城市民政局"], year=2020, hint={"region_code": "640302"})
    assert match.code == "371500"
    assert any("registry" in w for w in match.warnings)


def test_a_wrong_site_id_code_copied_from_a_template_is_flagged():
    match = resolve_region(["聊城市民政局"], year=2020, site_id_code="3208130001")
    assert match.code == "371500"
    assert any("SiteIDCode" in w for w in match.warnings)
