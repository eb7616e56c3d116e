"""Network helpers for tests that need a port nothing listens on."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def closed_port(host: str = "127.0.0.1") -> Iterator[int]:
    """A TCP port on `host` where a connection is refused, whatever runs on this machine.

    The kernel picks a free port (bind to port 0) and the socket stays bound without listening
    for the duration, so no other process can start listening there meanwhile; a connection
    attempt gets "connection refused" at once. A fixed port (6390 was used) fails the test on a
    machine where something happens to listen on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        yield sock.getsockname()[1]
