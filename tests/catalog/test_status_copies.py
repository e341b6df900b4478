"""Status rows carry copies of their agency's name, division, level and kind (migration m008,
for the watchdog UI at national scale); what a watchdog reads there must never be stale.

Each test compares ``status_view`` with the join it replaced (status × agencies × regions):
after status is computed, after ``nianbao index`` reloads a changed registry and status is
recomputed, after an agency or a division changes between two computations, and on a catalog
made before the copies existed.
"""

import datetime as dt
import sqlite3

import sqlite_utils
import yaml
from click.testing import CliRunner

from catalog.compute import compute_status
from catalog.db import catalog_path, migrations, open_catalog
from catalog.queries import ensure_status, status_rows
from catalog.ui import METADATA_FILE
from nianbao.cli import main
from tests.catalog.sample import AS_OF_TEXT, build_sample_catalog

AS_OF = dt.date.fromisoformat(AS_OF_TEXT)
HEADER = "agency_id,name,region_code,level,kind,portal_url,report_url,render,since\n"

JOINED = """
    select s.agency_id, s.year, a.name, a.region_code, r.name, a.level, a.kind
    from status s join agencies a on a.agency_id = s.agency_id
    left join regions r on r.code = a.region_code
"""
COPIED = ("select agency_id, year, agency_name, region_code, region_name, level, kind "
          "from status_view")


def view_rows(db) -> set[tuple]:
    return set(db.execute(COPIED).fetchall())


def joined_rows(db) -> set[tuple]:
    return set(db.execute(JOINED).fetchall())


def test_computed_status_carries_agency_and_division(tmp_path):
    db = open_catalog(build_sample_catalog(tmp_path))
    compute_status(db, as_of=AS_OF)
    rows = view_rows(db)
    assert rows and rows == joined_rows(db)
    assert ("c", 2024, "洪泽区教育局", "320813", "洪泽区", "county", "department") in rows
    # the coverage grid's counts agree with the agencies' own divisions and levels
    assert db.execute("select region_code, level, year, status, n from coverage_counts "
                      "order by 1, 2, 3, 4").fetchall() == db.execute(
        "select a.region_code, a.level, s.year, s.status, count(*) from status s "
        "join agencies a using (agency_id) group by 1, 2, 3, 4 order by 1, 2, 3, 4").fetchall()


def test_registry_reloaded_by_index_reaches_status(tmp_path):
    data = build_sample_catalog(tmp_path)
    db = open_catalog(data)
    compute_status(db, as_of=AS_OF)
    db.close()
    registry = tmp_path / "registry.csv"
    # c renamed and moved to another county of 淮安市 (清江浦区 320812); the rest unchanged
    registry.write_text(
        HEADER + "c,淮安市清江浦区教育体育局,320812,county,department,http://www.hz.gov.test/,,,2024\n"
        "a,洪泽区民政局,320813,county,department,http://www.hz.gov.test/,,,2024\n",
        encoding="utf-8")
    result = CliRunner().invoke(main, ["index", "--data", str(data), "--registry", str(registry)])
    assert result.exit_code == 0, result.output
    db = open_catalog(data)
    # until status is computed again, the coverage grid counts nothing of the stale one
    assert db.table("status").count == 0 and db.table("coverage_counts").count == 0
    ensure_status(db, AS_OF)  # what `nianbao status` and the next query do
    rows = view_rows(db)
    assert rows == joined_rows(db)
    assert ("c", 2024, "淮安市清江浦区教育体育局", "320812", "清江浦区", "county",
            "department") in rows
    assert not any(r[0] == "c" and r[3] == "320813" for r in rows)
    # the UI's stored query and `nianbao status --region` find it under its new division only
    assert _missing_agencies(db, "320812") == {"淮安市清江浦区教育体育局"}
    assert "淮安市清江浦区教育体育局" not in _missing_agencies(db, "320813")
    assert {(r["agency_id"], r["agency_name"]) for r in status_rows(
        db, as_of=AS_OF, region="320812")} == {("c", "淮安市清江浦区教育体育局")}
    assert "c" not in {r["agency_id"] for r in status_rows(db, as_of=AS_OF, region="320813")}


def test_agency_changed_between_computations_reaches_status(tmp_path):
    db = open_catalog(build_sample_catalog(tmp_path))
    compute_status(db, as_of=AS_OF)
    before = db.execute("select status, evidence, flags from status order by agency_id, year"
                        ).fetchall()
    # as load_agencies writes a registry: an upsert, here with no recompute after it
    db["agencies"].upsert({"agency_id": "b", "name": "洪泽区财政局（改）", "region_code": "320812",
                           "level": "county", "kind": "other"}, pk="agency_id")
    db["agencies"].insert({"agency_id": "gov", "name": "洪泽区政府", "region_code": "320813",
                           "level": "county", "kind": "government", "since": 2024},
                          pk="agency_id", replace=True)
    db.execute("update regions set name = '洪泽县' where code = '320813'")
    db.conn.commit()
    rows = view_rows(db)
    assert rows == joined_rows(db)
    assert ("b", 2024, "洪泽区财政局（改）", "320812", "清江浦区", "county", "other") in rows
    assert ("gov", 2024, "洪泽区政府", "320813", "洪泽县", "county", "government") in rows
    contract = {r["agency_id"]: r for r in status_rows(db, as_of=AS_OF, year=2024)}
    assert (contract["b"]["agency_name"], contract["b"]["region_code"], contract["b"]["kind"]
            ) == ("洪泽区财政局（改）", "320812", "other")
    # the contract's order (region, agency): b moved to 320812, before the others of 320813
    assert list(contract) == ["b", "a", "c", "d", "gov"]
    # the verdicts themselves are not touched
    assert db.execute("select status, evidence, flags from status order by agency_id, year"
                      ).fetchall() == before


def test_catalog_made_before_the_copies_gets_them_on_open(tmp_path):
    older = sqlite_utils.Database(sqlite3.connect(catalog_path(tmp_path)))
    migrations.apply(older, stop_before="m008_status_denormalised")
    older.execute("insert into regions (code, name, level) values ('320813', '洪泽区', 'county')")
    older.execute("insert into agencies (agency_id, name, region_code, level, kind) "
                  "values ('x', '洪泽区审计局', '320813', 'county', 'department')")
    older.execute("insert into status (agency_id, year, status) values ('x', 2024, 'missing')")
    older.conn.commit()
    assert "agency_name" not in older["status"].columns_dict
    older.close()
    db = open_catalog(tmp_path)
    assert view_rows(db) == joined_rows(db) == {
        ("x", 2024, "洪泽区审计局", "320813", "洪泽区", "county", "department")}


def _missing_agencies(db, region: str) -> set[str]:
    """The agencies the UI's missing_reports stored query lists for a division, all years."""
    sql = yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8"))[
        "databases"]["catalog"]["queries"]["missing_reports"]["sql"]
    return {row[2] for row in db.execute(sql, {"region": region, "year": ""})}
