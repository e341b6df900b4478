"""Digests per WARC 1.1 §5.9, including blocks that still carry chunked transfer coding."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from archive.digests import dechunk, http_payload, http_payload_digest, sha1_digest
from tests.archive.rawserver import chunk


def test_sha1_digest_is_base32_sha1():
    import base64

    assert sha1_digest(b"abc") == "sha1:" + base64.b32encode(hashlib.sha1(b"abc").digest()).decode()
    assert sha1_digest(b"") == "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"


def test_payload_digest_of_a_chunked_gzip_block_is_over_dechunked_encoded_bytes():
    entity = gzip.compress("政府信息公开工作年度报告".encode() * 500, mtime=0)
    block = (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
             + chunk(entity))
    assert http_payload(block) == entity
    assert http_payload_digest(block) == sha1_digest(entity)
    assert http_payload_digest(block) != sha1_digest(block.split(b"\r\n\r\n", 1)[1])


def test_unchunked_block_payload_is_the_body():
    block = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
    assert http_payload_digest(block) == sha1_digest(b"abc")


def test_transfer_encoding_list_ending_in_chunked_is_dechunked():
    block = b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    assert http_payload(block) == b"abc"


@pytest.mark.parametrize("bad, message", [
    (b"zz\r\nabc\r\n0\r\n\r\n", "bad chunk size"),
    (b"10\r\nabc\r\n0\r\n\r\n", "runs past the end"),
    (b"3\r\nabcX\r\n0\r\n\r\n", "not followed by CRLF"),
    (b"3\r\nabc\r\n", "ends inside a chunk-size line"),
])
def test_malformed_chunking_is_an_error_naming_the_source(bad, message):
    with pytest.raises(ValueError, match=f"doc.warc#12: .*{message}"):
        dechunk(bad, source="doc.warc#12")


def test_block_without_header_end_is_an_error():
    with pytest.raises(ValueError, match="no blank line"):
        http_payload(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n")
