"""Conversions through LibreOffice headless (Debian's soffice), for DOC and WPS attachments.

soffice takes seconds to start and one user profile cannot be used by two instances at once, so
conversions run one at a time under a file lock (threads and processes alike), with a private
profile, a timeout, and an on-disk cache keyed by the input bytes: the same report converts
once. The cache lives in ``$NIANBAO_SANDBOX_CACHE`` or ``/tmp/nianbao-sandbox-<uid>``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# LibreOffice export filter per target extension.
FILTERS = {"doc": "doc:MS Word 97", "docx": "docx:MS Word 2007 XML", "txt": "txt:Text (encoded):UTF8"}
# Import filter per source extension where LibreOffice would otherwise guess another module
# (an .html file opens in Writer/Web, which cannot export Word 97).
INPUT_FILTERS = {"html": "HTML (StarWriter)"}
TIMEOUT_SECONDS = 240  # the first run builds the profile, which is slow on a busy 2-core machine

_thread_lock = threading.Lock()


class ConversionError(RuntimeError):
    """LibreOffice failed or is missing; the message says which file and why."""


def cache_dir() -> Path:
    base = os.environ.get("NIANBAO_SANDBOX_CACHE") or os.path.join(
        tempfile.gettempdir(), f"nianbao-sandbox-{os.getuid()}"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def soffice_path() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise ConversionError(
            "LibreOffice (soffice) is not installed; `make install` installs libreoffice-writer-nogui"
        )
    return found


@contextmanager
def _exclusive() -> Iterator[None]:
    with _thread_lock, open(cache_dir() / "soffice.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _cache_path(data: bytes, target: str) -> Path:
    digest = hashlib.sha256(data + b"\0" + target.encode()).hexdigest()
    return cache_dir() / "converted" / f"{digest}.{target}"


def _run_soffice(inputs: list[Path], target: str, outdir: Path) -> None:
    profile = (cache_dir() / "lo-profile").as_uri()
    command = [
        soffice_path(),
        f"-env:UserInstallation={profile}",
        "--headless",
        "--norestore",
        "--nologo",
        "--nolockcheck",
        *([f"--infilter={INPUT_FILTERS[inputs[0].suffix[1:]]}"] if inputs[0].suffix[1:] in INPUT_FILTERS else []),
        "--convert-to",
        FILTERS.get(target, target),
        "--outdir",
        str(outdir),
        *map(str, inputs),
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ConversionError(
            f"LibreOffice took more than {TIMEOUT_SECONDS}s converting {len(inputs)} file(s) to {target}"
        ) from exc
    missing = [p.name for p in inputs if not (outdir / f"{p.stem}.{target}").exists()]
    if missing:
        raise ConversionError(
            f"LibreOffice did not convert {', '.join(missing)} to {target} "
            f"(exit {done.returncode}): {done.stderr.decode('utf-8', 'replace')[-500:]}"
        )


def convert_many(items: list[bytes], source: str, target: str) -> list[bytes]:
    """Convert documents of extension ``source`` to ``target`` in one soffice run, using and
    filling the cache. Returns the converted bytes in input order."""
    results: dict[int, bytes] = {}
    todo: dict[Path, list[int]] = {}
    for i, data in enumerate(items):
        cached = _cache_path(data, target)
        if cached.exists():
            results[i] = cached.read_bytes()
        else:
            todo.setdefault(cached, []).append(i)
    if todo:
        with _exclusive(), tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as tmp:
            work = Path(tmp)
            pending = [(c, idx) for c, idx in todo.items() if not c.exists()]
            inputs = []
            for n, (_cached, indexes) in enumerate(pending):
                path = work / "in" / f"doc{n:05d}.{source}"
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(items[indexes[0]])
                inputs.append(path)
            if inputs:
                _run_soffice(inputs, target, work / "out")
            for n, (cached, _) in enumerate(pending):
                cached.parent.mkdir(parents=True, exist_ok=True)
                partial = cached.with_suffix(".part")
                shutil.copyfile(work / "out" / f"doc{n:05d}.{target}", partial)
                os.replace(partial, cached)
        for cached, indexes in todo.items():
            data = cached.read_bytes()
            for i in indexes:
                results[i] = data
    return [results[i] for i in range(len(items))]


def convert(data: bytes, source: str, target: str) -> bytes:
    """Convert one document (cached)."""
    return convert_many([data], source, target)[0]
