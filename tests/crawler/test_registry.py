"""Registry loading: good files load, bad ones say file, line and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.registry import RegistryError, load_registry, select

HEADER = "agency_id,name,region_code,level,kind,portal_url,report_url,render\n"


def write(tmp_path: Path, text: str, name: str = "reg.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_loads_rows_with_defaults_and_optional_since(tmp_path):
    p = write(tmp_path, HEADER.replace("render\n", "render,since\n")
              + "a1,某市人民政府,130400,city,government,http://www.a.test/,,,2019\n"
              + "a2,某市民政局,130400,city,department,http://www.a.test/,http://www.a.test/nb/,always,\n")
    a1, a2 = load_registry(p)
    assert (a1.render, a1.since, a1.report_url) == ("auto", 2019, None)
    assert a1.seed_urls == ["http://www.a.test/"]
    assert a2.render == "always" and a2.since == 2015
    assert a2.seed_urls == ["http://www.a.test/nb/", "http://www.a.test/"]


def test_utf8_bom_and_blank_lines_are_accepted(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes(("\ufeff" + HEADER + "\n" + "x,名,130400,county,other,https://x.test/,,never\n").encode())
    assert [a.agency_id for a in load_registry(p)] == ["x"]


def test_every_bad_row_is_reported_with_its_line(tmp_path):
    p = write(tmp_path, HEADER
              + "ok,名,130400,city,government,http://a.test/,,auto\n"
              + "bad1,名,1304,city,government,http://a.test/,,auto\n"
              + "bad2,名,130400,village,boss,ftp://a.test/,,sometimes\n"
              + "ok,重复,130400,city,government,http://a.test/,,auto\n")
    with pytest.raises(RegistryError) as err:
        load_registry(p)
    msg = str(err.value)
    assert str(p) in msg
    assert "line 3: region_code '1304'" in msg
    assert "line 4: level 'village'" in msg and "line 4: kind 'boss'" in msg
    assert "line 4: portal_url 'ftp://a.test/' is not an http(s) URL" in msg
    assert "line 4: render 'sometimes'" in msg
    assert "line 5: agency_id 'ok' repeats line 2" in msg


def test_missing_columns_and_non_utf8_are_clear(tmp_path):
    with pytest.raises(RegistryError, match="header lacks column.*portal_url"):
        load_registry(write(tmp_path, "agency_id,name,region_code,level,kind\n"))
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((HEADER + "a,某市,130400,city,government,http://a.test/,,auto\n").encode("gbk"))
    with pytest.raises(RegistryError, match="not UTF-8"):
        load_registry(gbk)
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "absent.csv")


def test_select_keeps_order_and_rejects_unknown_ids(tmp_path):
    p = write(tmp_path, HEADER + "a,甲,130400,city,government,http://a.test/,,auto\n"
              + "b,乙,130400,city,department,http://b.test/,,auto\n")
    agencies = load_registry(p)
    assert [a.agency_id for a in select(agencies, ["b", "a", "b"])] == ["b", "a"]
    assert select(agencies, []) == agencies
    with pytest.raises(KeyError, match="zzz"):
        select(agencies, ["zzz"])
