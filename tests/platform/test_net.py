import socket

import pytest

from tests.net import closed_port


def test_closed_port_refuses_connections_and_differs_each_time():
    with closed_port() as first, closed_port() as second:
        assert first != second
        for port in (first, second):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
                client.settimeout(2)
                with pytest.raises(ConnectionRefusedError):
                    client.connect(("127.0.0.1", port))
