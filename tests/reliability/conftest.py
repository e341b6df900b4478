"""Shared pieces of the reliability suite.

Every scenario test records what it tried and what happened through ``reliability_record``;
``python -m tests.reliability.write_report`` turns the records of the last run into
RELIABILITY.md, so the figures there always come from an actual run, never from a hand edit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RECORDS_DIR = Path(__file__).resolve().parents[1] / "artifacts" / "reliability"


@pytest.fixture
def reliability_record(request: pytest.FixtureRequest) -> Callable[..., None]:
    """Record one scenario's figures: ``reliability_record(scenario, how, area=..., **figures)``.

    ``scenario`` is the row's name in RELIABILITY.md, ``how`` one sentence on how the test
    tries it, ``area`` one of ``kill``, ``faults``, ``hostile``, ``security``, ``concurrency``;
    ``figures`` are the numbers the run produced (kills survived, faults injected, records
    lost…). Call it after the assertions, so a failed scenario leaves no record claiming success.
    """

    def record(scenario: str, how: str, *, area: str, **figures: Any) -> None:
        RECORDS_DIR.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        (RECORDS_DIR / f"{slug}.json").write_text(
            json.dumps(
                {"test": request.node.nodeid, "area": area, "scenario": scenario,
                 "how": how, "figures": figures},
                ensure_ascii=False, indent=1, default=str,
            ),
            encoding="utf-8",
        )

    return record
