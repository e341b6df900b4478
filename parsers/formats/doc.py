"""DOC and WPS: converted to DOCX by LibreOffice headless, then read by the DOCX reader.

No maintained pure-Python library reads Word 97 binary documents with tables, and WPS files
(Kingsoft) are OLE Word documents that LibreOffice opens with the same filter. Each conversion
runs ``soffice`` in its own session with a private user profile (``-env:UserInstallation``)
that belongs to this process alone: conversions within the process are serialised on a lock
and reuse it (creating a profile costs LibreOffice seconds on every start), other processes get
their own, and nothing is written to the user's home. soffice is killed (whole process group)
at the deadline, and a profile that saw a killed or failed run is thrown away.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from parsers.formats.base import Deadline, ExtractedDocument, Limits, failed


def soffice_binary() -> str | None:
    """Path of LibreOffice's ``soffice``, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


_lock = threading.Lock()
_profiles: dict[int, Path] = {}  # pid -> profile directory (a forked child makes its own)


_PROFILE_PREFIX = "nianbao-soffice-profile-"


def _remove_stale_profiles() -> None:
    """Delete profiles left by processes that were killed before their atexit cleanup ran
    (the owner's pid is part of the directory name)."""
    for path in Path(tempfile.gettempdir()).glob(f"{_PROFILE_PREFIX}*-*"):
        pid_text = path.name[len(_PROFILE_PREFIX):].split("-", 1)[0]
        if not pid_text.isdigit():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except OSError:  # alive but not ours to signal: leave it
            continue


def _profile() -> Path:
    pid = os.getpid()
    if pid not in _profiles:
        _remove_stale_profiles()
        path = Path(tempfile.mkdtemp(prefix=f"{_PROFILE_PREFIX}{pid}-"))
        _profiles[pid] = path
        atexit.register(_discard_profile, pid)
    return _profiles[pid]


def _discard_profile(pid: int | None = None) -> None:
    path = _profiles.pop(pid if pid is not None else os.getpid(), None)
    if path is not None and (pid is None or pid == os.getpid()):
        shutil.rmtree(path, ignore_errors=True)


class ConversionTimeout(RuntimeError):
    """soffice ran past its deadline and was killed."""


def convert(data: bytes, suffix: str, target: str, timeout: float) -> bytes:
    """Convert ``data`` (a file with ``suffix``) to ``target`` (e.g. "docx") with LibreOffice.
    Raises RuntimeError with a reason on failure, ConversionTimeout past ``timeout`` seconds."""
    with _lock:
        try:
            return _convert(data, suffix, target, timeout, _profile())
        except ConversionTimeout:
            _discard_profile()  # a killed soffice can leave its profile half-written
            raise


def _convert(data: bytes, suffix: str, target: str, timeout: float, profile: Path) -> bytes:
    binary = soffice_binary()
    if binary is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as tmp:
        src = Path(tmp) / f"input.{suffix}"
        src.write_bytes(data)
        outdir = Path(tmp) / "out"
        cmd = [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck", "--convert-to", target,
               "--outdir", str(outdir), str(src)]
        env = dict(os.environ, HOME=tmp, SAL_USE_VCLPLUGIN="svp")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                start_new_session=True, cwd=tmp)
        try:
            _, err = proc.communicate(timeout=max(timeout, 1.0))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ConversionTimeout(f"LibreOffice conversion exceeded {timeout:.0f} s; stopped") from None
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        outputs = list(outdir.glob(f"*.{target}")) if outdir.exists() else []
        if not outputs:
            detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] if err else []
            raise RuntimeError("LibreOffice could not convert it" + (f" ({detail[0]})" if detail else ""))
        return outputs[0].read_bytes()


def extract_doc(data: bytes, *, fmt: str, limits: Limits, where: str, deadline: Deadline) -> ExtractedDocument:
    """Read a DOC or WPS file through a DOCX conversion; ``format`` stays ``fmt``."""
    try:
        converted = convert(data, fmt, "docx", deadline.remaining())
    except RuntimeError as exc:
        return failed(fmt, where, str(exc))
    from parsers.formats.docx import extract_docx

    doc = extract_docx(converted, limits=limits, where=where)
    doc.format = fmt
    return doc
