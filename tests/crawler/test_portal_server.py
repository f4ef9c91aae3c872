"""The demo portal's HTTP server keeps connections open (HTTP/1.1), as real portals do: a crawl
does not pay for a new connection per page."""

from __future__ import annotations

import http.client

from demoportal.server import PortalHandle


def test_one_connection_serves_several_requests(portal: PortalHandle) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=10)
    try:
        conn.request("GET", "/board/list?page=1")
        first = conn.getresponse()
        assert first.status == 200 and first.read()
        sock = conn.sock
        assert sock is not None  # werkzeug's server closed it: `Connection: close`
        # a request body is read whole, so it cannot be taken for the next request line
        conn.request("POST", "/board/list?page=1", body=b"x=1&y=2")
        assert conn.getresponse().read() is not None
        conn.request("GET", "/robots.txt")
        third = conn.getresponse()
        assert third.status == 200 and b"User-agent" in third.read()
        assert conn.sock is sock
    finally:
        conn.close()


def test_a_client_asking_to_close_gets_its_connection_closed(portal: PortalHandle) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=10)
    try:
        conn.request("GET", "/robots.txt", headers={"Connection": "close"})
        response = conn.getresponse()
        assert response.getheader("Connection") == "close" and response.will_close
        assert response.read() and conn.sock is None
    finally:
        conn.close()
