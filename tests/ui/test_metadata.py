"""Every table, view and column a watchdog can see in the UI is described, in Chinese and English.

The schema is introspected from a catalog made by the real migrations, and the tables shown are
the ones Datasette itself shows, so a new column or table without a description fails here.
"""

from __future__ import annotations

import asyncio
import re

import pytest
import yaml

from catalog.db import catalog_path, open_catalog
from catalog.ui import METADATA_FILE

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def bilingual(text: str) -> bool:
    return bool(CJK.search(text)) and bool(LATIN_WORD.search(text))


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict[str, list[str]]:
    """Tables and views Datasette lists (hidden FTS shadow tables left out) → their columns."""
    from datasette.app import Datasette

    data = tmp_path_factory.mktemp("schema")
    open_catalog(data).close()
    db = Datasette([str(catalog_path(data))]).get_database("catalog")

    async def visible() -> dict[str, list[str]]:
        hidden = set(await db.hidden_table_names())
        names = [t for t in await db.table_names() if t not in hidden] + await db.view_names()
        return {name: await db.table_columns(name) for name in names}

    return asyncio.run(visible())


@pytest.fixture(scope="module")
def tables() -> dict:
    return yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8"))["databases"]["catalog"][
        "tables"]


def test_the_schema_is_seen(schema):
    assert {"status", "status_view", "reports", "agencies", "captures"} <= set(schema)
    assert not any(name.endswith("_fts") for name in schema)


def test_every_table_and_view_has_a_bilingual_title_and_description(schema, tables):
    undescribed = [name for name in schema
                   if not bilingual(tables.get(name, {}).get("description", ""))
                   or not tables[name].get("title")]
    assert not undescribed, f"{METADATA_FILE}: no Chinese+English description for {undescribed}"


def test_every_column_has_a_bilingual_description(schema, tables):
    missing = [f"{name}.{col}" for name, cols in schema.items() for col in cols
               if not bilingual(str(tables.get(name, {}).get("columns", {}).get(col, "")))]
    assert not missing, f"{METADATA_FILE}: describe these columns in Chinese and English: {missing}"


def test_no_description_of_a_column_that_does_not_exist(schema, tables):
    stale = [f"{name}.{col}" for name, meta in tables.items() for col in meta.get("columns", {})
             if col not in schema.get(name, [])]
    assert not stale, f"{METADATA_FILE}: these columns are not in the catalog: {stale}"


def test_units_licence_and_source_are_stated():
    meta = yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8"))
    assert meta["license"] and meta["license_url"] and meta["source"] and meta["source_url"]
    tables = meta["databases"]["catalog"]["tables"]
    assert tables["status"]["units"]["days_late"] == "days"
    assert tables["status_view"]["units"]["days_late"] == "days"
    assert all(bilingual(q.get("description", ""))
               for q in meta["databases"]["catalog"]["queries"].values())
