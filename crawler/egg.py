"""Package the project's code as a Python egg, the unit Scrapyd deploys (``addversion.json``).

Why by hand: an egg is a zip of the packages plus ``EGG-INFO/`` metadata, and what Scrapyd
reads from it is one entry point, ``[scrapy] settings = crawler.settings``. setuptools'
``bdist_egg`` is deprecated and scrapyd-client's builder needs a ``setup.py``; zipping the
source tree ourselves is a few lines and gives a byte-for-byte reproducible egg (fixed file
times, sorted names), so the same code always gets the same version id.

The egg carries the crawl's code: ``crawler`` (spiders, middlewares, settings), ``archive``
(the WARC writer), ``catalog`` (the registry loader), ``parsers`` and ``nianbao``. Third-party
dependencies (Scrapy, warcio, …) are not in it: each node installs them (``pip install
'nianbao[cluster]'``).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

PACKAGES = ("crawler", "archive", "catalog", "parsers", "nianbao")
SKIP_DIRS = {"__pycache__"}
SKIP_SUFFIXES = (".pyc", ".pyo")
_EPOCH = (2020, 1, 1, 0, 0, 0)


def source_root() -> Path:
    """The folder holding the project's packages (this file's grand-parent)."""
    return Path(__file__).resolve().parent.parent


def _files(root: Path) -> list[Path]:
    out: list[Path] = []
    for package in PACKAGES:
        base = root / package
        if not (base / "__init__.py").exists():
            raise FileNotFoundError(f"cannot package {package}: {base / '__init__.py'} is missing")
        for path in base.rglob("*"):
            if path.is_file() and not SKIP_DIRS & set(path.relative_to(root).parts) \
                    and not path.name.endswith(SKIP_SUFFIXES):
                out.append(path)
    return sorted(out)


def build_egg(version: str, *, root: Path | None = None, name: str = "nianbao") -> bytes:
    """The egg's bytes: the packages under ``root`` plus metadata naming ``crawler.settings``."""
    root = root or source_root()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        def add(arcname: str, data: bytes) -> None:
            info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)

        for path in _files(root):
            add(path.relative_to(root).as_posix(), path.read_bytes())
        add("EGG-INFO/PKG-INFO", f"Metadata-Version: 1.1\nName: {name}\nVersion: {version}\n"
                                 .encode())
        add("EGG-INFO/entry_points.txt", b"[scrapy]\nsettings = crawler.settings\n")
        add("EGG-INFO/top_level.txt", "\n".join(PACKAGES).encode() + b"\n")
        add("EGG-INFO/not-zip-safe", b"\n")
    return buf.getvalue()


def code_digest(root: Path | None = None) -> str:
    """12 hex digits of the packaged sources' hash: tells whether two deploys carry the same
    code (the Scrapyd version itself is a time stamp, so that the newest deploy sorts last and
    becomes the nodes' default)."""
    root = root or source_root()
    digest = hashlib.sha256()
    for path in _files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]
