"""WARC 1.1 archive of everything fetched: writing, reading, dedup, CDXJ, WACZ, verify, replay.

Uses warcio; knows nothing of reports or of Scrapy (it imports nothing else of nianbao).

Interface the crawler codes against (kept stable)
-------------------------------------------------
``archive.exchange.Exchange`` — one fetch, as received::

    Exchange(url: str, method: str, request_headers: list[tuple[str, str]], request_body: bytes,
             status: int, reason: str, http_version: str,          # "HTTP/1.1"
             response_headers: list[tuple[str, str]],              # as received, multi-valued kept,
                                                                   # incl. Content-/Transfer-Encoding
             body: bytes,                                          # transfer coding removed,
                                                                   # content coding KEPT
             fetched_at: datetime,                                 # timezone-aware, UTC
             ip_address: str | None = None,
             truncated: str | None = None,                         # "length" | "time" | "disconnect"
             metadata: dict[str, object] = {})                     # via, hops, seed, agency_id,
                                                                   # response_class ... -> metadata record
    Header values decoded from raw bytes should be decoded as Latin-1: they are re-encoded as
    Latin-1 when written, so the stored bytes equal the received ones.

``archive.writer.ArchiveWriter(data_dir: Path, *, crawl_id: str, warcinfo: dict[str, str],
max_size: int = 1_000_000_000, dedup: bool = True, dedup_min_size: int = 512)``

* ``write_exchange(ex: Exchange) -> RecordLocation`` writes response (or revisit), request and
  metadata records; a 304 becomes a ``server-not-modified`` revisit. Returns the location of
  the response/revisit record.
* ``write_rendered_dom(url: str, html: str, fetched_at: datetime, refers_to_record_id: str)
  -> RecordLocation`` writes a ``conversion`` record linked to the response.
* ``close()``; usable as a context manager; synchronous and safe in the reactor thread.

``archive.writer.RecordLocation(filename: str, offset: int, length: int, record_id: str,
digest: str | None, is_revisit: bool)`` — ``filename`` is the final ``.warc.gz`` name under
``<data>/warcs/``.

Reading (parser and catalog stages)
-----------------------------------
``archive.reader.iter_records(path, *, with_payload=True)``, ``iter_data_dir(data_dir)``,
``read_record(path, offset) -> ArchivedRecord``, ``resolve_payload(data_dir, record)`` (follows
a revisit (identical-payload or server-not-modified) to its original),
``ArchivedRecord.decoded_payload() -> bytes`` (gzip/deflate/br undone). HTTP header values of
an ArchivedRecord are the stored bytes decoded as Latin-1, like Exchange's.

Operations: ``archive.repair.repair_data_dir``, ``archive.verify.verify_data_dir``,
``archive.cdxj.rebuild_indexes``, ``archive.wacz.build_wacz``, ``archive.replay.ReplayServer``.

Files: ``<data>/warcs/NIANBAO-<YYYYmmddHHMMSS>-<serial>-<host>.warc.gz`` (``.open`` while
written), ``<data>/indexes/<same name without .warc.gz>.cdxj``, ``<data>/indexes/dedup.sqlite``.
"""

from archive.exchange import Exchange
from archive.writer import ArchiveWriter, RecordLocation

__all__ = ["ArchiveWriter", "Exchange", "RecordLocation"]
