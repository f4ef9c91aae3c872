"""Serve the demo portal: in the foreground (the CLI) or in a background thread (`huiying run`, tests)."""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import IO, Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from demoportal.app import create_app
from demoportal.state import PortalState

log = logging.getLogger("werkzeug")  # where the portal's request log went before


class KeepAliveServer(ThreadingMixIn, WSGIServer):
    """A thread per connection, as werkzeug's threaded server."""

    daemon_threads = True
    allow_reuse_address = True

    @property
    def host(self) -> str:
        return str(self.server_address[0])


class _ResponseHandler(ServerHandler):
    """Notes whether the response can be followed by another on its connection (the standard
    handler forgets its headers when it closes)."""

    http_version = "1.1"
    reusable = False

    def cleanup_headers(self) -> None:
        super().cleanup_headers()  # sets Content-Length where the body is one piece
        headers = self.headers  # type: ignore[attr-defined]  # set by start_response
        asked = getattr(self, "request_handler", None)
        if "Content-Length" not in headers or (asked is not None and asked.close_connection):
            headers["Connection"] = "close"  # say so when the connection ends with this

    def close(self) -> None:
        headers = getattr(self, "headers", None)  # set by start_response (None after a close)
        self.reusable = (
            headers is not None
            and "Content-Length" in headers
            and (headers.get("Connection") or "").lower() != "close"
        )
        super().close()


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 with persistent connections, as real portals serve them. werkzeug's development
    server answers every request with `Connection: close` (since 2.1, whatever the protocol
    version), so each page of a crawl was a new TCP connection and a new server thread: measured
    on the demo crawl (2,100 items, 1,477 pages), about a tenth of the crawler's CPU went into
    connecting. The standard library's handler does one request per connection; this one reads
    requests until the client closes or asks to. A request body is read whole before the
    application runs (so its leftovers cannot be taken for the next request); a body without a
    length, or a response without one, closes the connection after it."""

    protocol_version = "HTTP/1.1"
    # The status line, headers and body go out in separate small writes: with Nagle's algorithm
    # the last waits for the client's delayed ACK (40 ms) on a kept-open connection.
    disable_nagle_algorithm = True

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.parse_request():  # answered with an error; close_connection is set
            return
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # no chunked request bodies here: read to the end
            body: IO[bytes] = self.rfile  # type: ignore[assignment]
        else:
            body = io.BytesIO(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        handler = _ResponseHandler(
            body,
            self.wfile,  # type: ignore[arg-type]
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]
        if not handler.reusable:
            self.close_connection = True  # the body ended where the connection does
        self.wfile.flush()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info('"%s" %s %s', self.requestline, code, size)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s - %s", self.address_string(), format % args)


def make_server(host: str, port: int, app: Any) -> KeepAliveServer:
    server = KeepAliveServer((host, port), KeepAliveHandler)
    server.set_app(app)
    return server


@dataclass
class PortalHandle:
    server: KeepAliveServer
    thread: threading.Thread
    state: PortalState

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def __enter__(self) -> PortalHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_in_thread(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    state: PortalState | None = None,
    quiet: bool = True,
    **build_options: Any,
) -> PortalHandle:
    """Start the portal on host:port (0 picks a free port) in a daemon thread; returns at once.

    `build_options` go to `PortalState.build` (anchor, seed, counts, speed, demo_dir).
    """
    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    state = state or PortalState.build(**build_options)
    app = create_app(state)
    server = make_server(host, port, app)
    thread = threading.Thread(target=server.serve_forever, name="demoportal", daemon=True)
    thread.start()
    return PortalHandle(server=server, thread=thread, state=state)


def serve_forever(host: str = "127.0.0.1", port: int = 8765, **build_options: Any) -> None:
    """Serve in the foreground until interrupted (used by `huiying demo-portal`)."""
    state = PortalState.build(**build_options)
    server = make_server(host, port, create_app(state))
    try:
        server.serve_forever()
    finally:
        server.server_close()
