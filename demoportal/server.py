"""Serve the demo portal: in the foreground (the CLI) or in a background thread (`huiying run`, tests)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from demoportal.app import create_app
from demoportal.state import PortalState


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 with persistent connections, as the real portals serve: werkzeug's default
    (HTTP/1.0) makes every request a new connection, which a crawl pays for on both sides."""

    protocol_version = "HTTP/1.1"


@dataclass
class PortalHandle:
    server: BaseWSGIServer
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
    server = make_server(host, port, app, threaded=True, request_handler=KeepAliveHandler)
    server.daemon_threads = True  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="demoportal", daemon=True)
    thread.start()
    return PortalHandle(server=server, thread=thread, state=state)


def serve_forever(host: str = "127.0.0.1", port: int = 8765, **build_options: Any) -> None:
    """Serve in the foreground until interrupted (used by `huiying demo-portal`)."""
    state = PortalState.build(**build_options)
    server = make_server(
        host, port, create_app(state), threaded=True, request_handler=KeepAliveHandler
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
