"""DOC and WPS: converted to DOCX by LibreOffice headless, then read by the DOCX reader.

No maintained pure-Python library reads Word 97 binary documents with tables, and WPS files
(Kingsoft) are OLE Word documents that LibreOffice opens with the same filter. Each conversion
runs ``soffice`` in its own session with a private, throw-away user profile
(``-env:UserInstallation``) so parallel conversions never share a profile lock and nothing is
written to the user's home; it is killed (whole process group) at the deadline.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from parsers.formats.base import Deadline, ExtractedDocument, Limits, failed


def soffice_binary() -> str | None:
    """Path of LibreOffice's ``soffice``, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, suffix: str, target: str, timeout: float) -> bytes:
    """Convert ``data`` (a file with ``suffix``) to ``target`` (e.g. "docx") with LibreOffice.
    Raises RuntimeError with a reason on failure or timeout."""
    binary = soffice_binary()
    if binary is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as tmp:
        src = Path(tmp) / f"input.{suffix}"
        src.write_bytes(data)
        outdir = Path(tmp) / "out"
        profile = Path(tmp) / "profile"
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
            raise RuntimeError(f"LibreOffice conversion exceeded {timeout:.0f} s; stopped") from None
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
