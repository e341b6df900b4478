"""pywb's ``wayback``, taught to replay ``server-not-modified`` revisits as what they confirm.

A 304 capture is archived faithfully: a ``revisit`` record (profile ``server-not-modified``)
holding the 304's headers and ``WARC-Refers-To*`` naming the full capture the server said is
unchanged. pywb resolves identical-payload revisits, but answers any revisit whose HTTP status
is 3xx with that status and an empty body (``ResolvingLoader.load_headers_and_payload``), so
a 304 capture replayed as a 304 — an empty page where the document should be, for a browser
that sent no conditional request. OpenWayback special-cases this profile; pywb does not.

This module makes pywb do what the profile means: for such a revisit, load the original the
way pywb itself finds originals of revisits (``WARC-Refers-To-Target-URI`` closest to
``WARC-Refers-To-Date`` in the indexes, revisits excluded) and serve its status, headers and
bytes as the memento of the 304's own time. Everything else is pywb unchanged. Run as ``python -m archive.pywb_notmodified`` with
``wayback``'s arguments (:class:`archive.replay.ReplayServer` does).
"""

from __future__ import annotations

import sys
from typing import Any

from pywb.warcserver.resource.resolvingloader import ResolvingLoader
from warcio.recordloader import ArchiveLoadFailed

NOT_MODIFIED_PROFILE = "/revisit/server-not-modified"

_pywb_load = ResolvingLoader.load_headers_and_payload


def is_not_modified_revisit(record: Any) -> bool:
    """Whether a warcio record is a ``server-not-modified`` revisit (WARC 1.0 or 1.1 URI)."""
    if record is None or record.rec_type != "revisit":
        return False
    profile = record.rec_headers.get_header("WARC-Profile") or ""
    return profile.endswith(NOT_MODIFIED_PROFILE)


def load_headers_and_payload(self: ResolvingLoader, cdx: Any, failed_files: Any,
                             cdx_loader: Any) -> tuple[Any, Any]:
    headers, payload = _pywb_load(self, cdx, failed_files, cdx_loader)
    if not is_not_modified_revisit(headers):
        return headers, payload
    if not headers.rec_headers.get_header("WARC-Refers-To-Target-URI"):
        raise ArchiveLoadFailed(f"{cdx.get('filename')}#{cdx.get('offset')}: server-not-modified "
                                "revisit without WARC-Refers-To-Target-URI")
    original = self._load_different_url_payload(cdx, headers, failed_files, cdx_loader)
    if original is headers:  # pywb's shortcut for an empty payload digest: nothing to follow
        return headers, payload
    # the original's status and headers with its bytes, still as the capture asked for (its
    # WARC-Date stays the memento's time)
    headers.http_headers = original.http_headers
    return headers, original


def install() -> None:
    """Patch pywb's resolving loader in this process (idempotent)."""
    ResolvingLoader.load_headers_and_payload = load_headers_and_payload  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    from pywb.apps.cli import wayback

    install()
    result = wayback(argv if argv is not None else sys.argv[1:])
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
