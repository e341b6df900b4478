"""Verify a data directory: every record parses, every digest matches, every request has its
response, every revisit's original exists, every index matches its file.

Structure and digests are checked from the raw members (:mod:`archive.members`) with our own
chunk-aware payload digest, independently of warcio; the indexes are compared with what
:func:`archive.cdxj.index_warc` (warcio-based) derives from the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from archive import cdxj, files
from archive.digests import http_payload_digest, sha1_digest
from archive.members import iter_members

PROFILE_SUFFIX_IDENTICAL = "/revisit/identical-payload-digest"


@dataclass(frozen=True)
class Problem:
    """One verification failure, located as precisely as possible."""

    path: str
    offset: int | None
    record_id: str | None
    message: str

    def __str__(self) -> str:
        where = self.path + (f"#{self.offset}" if self.offset is not None else "")
        rid = f" {self.record_id}" if self.record_id else ""
        return f"{where}{rid}: {self.message}"


@dataclass
class Report:
    """Outcome of :func:`verify_data_dir`: problems (failures) and notes (not failures)."""

    files: int = 0
    records: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_digests(name: str, m, rtype: str, rid: str | None, out: list[Problem]) -> None:
    block_digest = m.header("WARC-Block-Digest")
    if block_digest is None:
        if rtype != "warcinfo":
            out.append(Problem(name, m.offset, rid, f"{rtype} record has no WARC-Block-Digest"))
    elif block_digest.lower().startswith("sha1:") and sha1_digest(m.block) != block_digest:
        out.append(Problem(name, m.offset, rid, f"block digest mismatch (header {block_digest}, "
                                                f"content {sha1_digest(m.block)})"))
    payload_digest = m.header("WARC-Payload-Digest")
    if payload_digest and rtype in ("response", "resource", "conversion"):
        try:
            actual = (http_payload_digest(m.block, source=f"{name}#{m.offset}")
                      if rtype == "response" else sha1_digest(m.block))
        except ValueError as exc:
            out.append(Problem(name, m.offset, rid, str(exc)))
            return
        if payload_digest.lower().startswith("sha1:") and actual != payload_digest:
            out.append(Problem(name, m.offset, rid, f"payload digest mismatch (header "
                                                    f"{payload_digest}, content {actual})"))


def verify_file(path: Path, report: Report, ids: dict[str, str], digests: set[str],
                links: list[tuple[str, int, str, str, str]]) -> None:
    """Check one WARC; collect record ids, payload digests and cross-record links for later."""
    name = path.name
    warcinfo_ids: set[str] = set()
    report.files += 1
    for i, m in enumerate(iter_members(path)):
        if m.problem:
            report.problems.append(Problem(name, m.offset, None, m.problem))
            break
        report.records += 1
        rtype = (m.header("WARC-Type") or "").lower()
        rid = m.header("WARC-Record-ID")
        for required in ("WARC-Type", "WARC-Record-ID", "WARC-Date"):
            if not m.header(required):
                report.problems.append(Problem(name, m.offset, rid, f"missing {required}"))
        if i == 0 and rtype != "warcinfo":
            report.problems.append(Problem(name, m.offset, rid, "file does not start with warcinfo"))
        if rtype == "warcinfo":
            warcinfo_ids.add(rid or "")
        elif m.header("WARC-Warcinfo-ID") not in warcinfo_ids:
            report.problems.append(Problem(name, m.offset, rid,
                                           "WARC-Warcinfo-ID missing or not a warcinfo of this file"))
        if rid:
            ids[rid] = rtype
        _check_digests(name, m, rtype, rid, report.problems)
        if rtype == "response" and m.header("WARC-Payload-Digest") and not m.header("WARC-Truncated"):
            digests.add(m.header("WARC-Payload-Digest") or "")
        if rtype == "request" and m.header("WARC-Concurrent-To"):
            links.append((name, m.offset, rid or "", "request", m.header("WARC-Concurrent-To") or ""))
        if rtype == "revisit" and (m.header("WARC-Profile") or "").endswith(PROFILE_SUFFIX_IDENTICAL):
            links.append((name, m.offset, rid or "", "revisit", m.header("WARC-Payload-Digest") or ""))


def verify_index(data_dir: Path, path: Path, report: Report) -> None:
    """The CDXJ on disk must equal the one derived from the WARC."""
    index = files.cdxj_path(data_dir, path.name)
    if not index.exists():
        report.problems.append(Problem(path.name, None, None,
                                       f"no index {index.name} (run `nianbao archive index`)"))
        return
    try:
        expected = cdxj.index_warc(path)
    except ValueError as exc:
        report.problems.append(Problem(path.name, None, None, f"cannot index: {exc}"))
        return
    actual = index.read_text(encoding="utf-8").splitlines(keepends=True)
    if actual != expected:
        missing = len(set(expected) - set(actual))
        extra = len(set(actual) - set(expected))
        report.problems.append(Problem(
            index.name, None, None, f"index does not match {path.name}: {missing} line(s) "
            f"missing, {extra} line(s) not in the file (run `nianbao archive index`)"))


def verify_data_dir(data_dir: Path) -> Report:
    """Verify every closed WARC and its index under ``data_dir``."""
    data_dir = Path(data_dir)
    report = Report()
    ids: dict[str, str] = {}
    digests: set[str] = set()
    links: list[tuple[str, int, str, str, str]] = []
    warcs = files.closed_warcs(data_dir)
    if not warcs:
        report.notes.append(f"no WARC files under {files.warcs_dir(data_dir)}")
    for path in warcs:
        verify_file(path, report, ids, digests, links)
        verify_index(data_dir, path, report)
    for name, offset, rid, kind, target in links:
        if kind == "request" and ids.get(target) not in ("response", "revisit"):
            report.problems.append(Problem(name, offset, rid,
                                           f"request has no response (WARC-Concurrent-To {target})"))
        if kind == "revisit" and target not in digests:
            report.problems.append(Problem(name, offset, rid,
                                           f"revisit's original payload {target} is not archived"))
    warc_stems = {files.cdxj_path(data_dir, w.name).name for w in warcs}
    idir = files.indexes_dir(data_dir)
    for index in sorted(idir.glob("*.cdxj")) if idir.is_dir() else []:
        if index.name not in warc_stems and not any(
                o.name.startswith(index.stem) for o in files.open_warcs(data_dir)):
            report.problems.append(Problem(index.name, None, None, "index of a WARC that does not exist"))
    for path in files.open_warcs(data_dir):
        report.notes.append(f"{path.name}: still open (being written, or left by a crash: "
                            "`nianbao archive repair`)")
    return report
