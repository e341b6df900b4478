"""Package one crawl as a WACZ 1.1.1 file, with the ``wacz`` package (the reference tool).

A crawl's WARCs are the closed files whose warcinfo carries its ``crawl-id``. Revisit records
may point at payloads archived by an earlier crawl, so the WARCs holding those originals are
added too: otherwise the package would replay holes.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

from archive import files
from archive.dedup import DedupIndex, index_path, rebuild
from archive.reader import iter_records

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Report pages"}


def crawl_of(path: Path) -> str | None:
    """The ``crawl-id`` in a WARC's warcinfo record (its first record), if any."""
    for rec in iter_records(path):
        if rec.rec_type != "warcinfo":
            return None
        for line in rec.payload.decode("utf-8", "replace").splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip() == "crawl-id":
                return value.strip()
        return None
    return None


def crawl_warcs(data_dir: Path, crawl_id: str) -> list[Path]:
    """The crawl's own WARCs plus those holding the originals its revisits refer to."""
    own = [p for p in files.closed_warcs(data_dir) if crawl_of(p) == crawl_id]
    if not own:
        raise ValueError(f"no closed WARC of crawl {crawl_id!r} under {files.warcs_dir(data_dir)}")
    digests = {rec.header("WARC-Payload-Digest") for p in own
               for rec in iter_records(p, with_payload=False)
               if rec.rec_type == "revisit" and rec.header("WARC-Payload-Digest")}
    needed = {p.name for p in own}
    if digests:
        path = index_path(data_dir)
        index = DedupIndex(path) if path.exists() else rebuild(data_dir, files.closed_warcs(data_dir))
        try:
            for digest in digests:
                original = index.lookup(digest or "")
                if original is not None and original.filename:
                    needed.add(original.filename)
        finally:
            index.close()
    return [files.warcs_dir(data_dir) / name for name in sorted(needed)]


def _pages_file(pages: Path, tmp: Path) -> Path:
    """Check a pages JSONL (``{"url", "ts", "title"?}`` per line) and add the header line the
    WACZ spec wants if it is missing."""
    lines = []
    for n, line in enumerate(Path(pages).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{pages}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or ("format" not in obj and "url" not in obj):
            raise ValueError(f"{pages}:{n}: a page needs at least a \"url\"")
        lines.append(obj)
    if not lines or "format" not in lines[0]:
        lines.insert(0, PAGES_HEADER)
    out = tmp / "pages.jsonl"
    out.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in lines), encoding="utf-8")
    return out


def build_wacz(data_dir: Path, crawl_id: str, out: Path, pages: Path | None = None,
               *, title: str | None = None) -> Path:
    """Write ``out`` (a .wacz) for one crawl. Without ``pages``, HTML pages are detected."""
    from wacz.main import main as wacz_main

    warcs = crawl_warcs(Path(data_dir), crawl_id)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        args = ["create", "-o", str(out), "--title", title or f"nianbao crawl {crawl_id}"]
        if pages is not None:
            args += ["-p", str(_pages_file(pages, Path(tmp)))]
        else:
            args += ["--detect-pages"]
        args += [str(p) for p in warcs]
        log = io.StringIO()
        with contextlib.redirect_stdout(log):
            rc = wacz_main(args)
    if rc != 0:
        raise RuntimeError(f"wacz create failed for crawl {crawl_id}: {log.getvalue()[-2000:]}")
    return out


def validate_wacz(path: Path) -> tuple[bool, str]:
    """Run the ``wacz`` package's validator; returns (valid, its output)."""
    from wacz.main import main as wacz_main

    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        rc = wacz_main(["validate", "-f", str(path)])
    return rc == 0, log.getvalue()
