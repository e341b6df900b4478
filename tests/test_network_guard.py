"""The suite's network guard really stops a connection to an outside address."""

import socket

import pytest

from tests.conftest import NetworkEscape


def test_outside_address_is_refused_before_any_packet():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkEscape):
            s.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed
    finally:
        s.close()


def test_loopback_is_allowed():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket()
    try:
        client.connect(server.getsockname())
    finally:
        client.close()
        server.close()
