"""Real prefectures and counties (from the CC0 area-code list) plus generated townships.

The sandbox uses real division codes so that code that resolves regions against
``areacodes.csv`` works on it unchanged; township names are invented (the real 9-digit
township lists are not bundled) but follow the real naming patterns (…镇, …乡, …街道).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Region:
    """One administrative division: a prefecture city, a county or a township."""

    code: str  # 6 digits (9 for townships)
    name: str  # short name: 吴忠市, 利通区, 金积镇
    level: str  # "city" | "county" | "township"
    province: str
    pinyin: str
    parent: str | None = None  # code of the enclosing division

    @property
    def region_code(self) -> str:
        """The 6-digit code a registry uses (a township reports its county's code)."""
        return self.code[:6]


@lru_cache(maxsize=1)
def load_regions() -> tuple[Region, ...]:
    """Every prefecture and county in ``data/regions.csv``, in file order."""
    path = DATA_DIR / "regions.csv"
    out: list[Region] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row["code"]
            if len(code) != 6 or not code.isdigit():
                raise ValueError(f"{path}: bad division code {code!r}")
            level = "city" if row["level"] == "prefecture" else "county"
            parent = None if level == "city" else code[:4] + "00"
            out.append(Region(code, row["name"], level, row["province"], row["pinyin"], parent))
    return tuple(out)


def cities() -> list[Region]:
    return [r for r in load_regions() if r.level == "city"]


def counties_of(city: Region) -> list[Region]:
    return [r for r in load_regions() if r.parent == city.code]


_TOWN_FIRST = "金高东西南北新三五龙凤马白石清河安永长兴太平红柳青古双花黄杨"
_TOWN_SECOND = "积山桥沟湾台营堡庄寨塘集店坝泉林口岗铺湖港"
_TOWN_SUFFIX = (("镇", 6), ("乡", 2), ("街道", 3))


def make_townships(rng: random.Random, county: Region, count: int) -> list[Region]:
    """``count`` invented townships of ``county`` with distinct names and 9-digit codes
    (county code + 3 digits; 001–099 for 街道 and 100+ for 镇/乡, as in the statistics editions)."""
    names: set[str] = set()
    out: list[Region] = []
    street_no, town_no = 1, 100
    while len(out) < count:
        stem = rng.choice(_TOWN_FIRST) + rng.choice(_TOWN_SECOND)
        suffix = rng.choices([s for s, _ in _TOWN_SUFFIX], [w for _, w in _TOWN_SUFFIX])[0]
        name = stem + suffix
        if name in names:
            continue
        names.add(name)
        if suffix == "街道":
            code, street_no = f"{county.code}{street_no:03d}", street_no + 1
        else:
            code, town_no = f"{county.code}{town_no:03d}", town_no + 1
        out.append(Region(code, name, "township", county.province, f"t{code[6:]}", county.code))
    return out
