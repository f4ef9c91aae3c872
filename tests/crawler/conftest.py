"""Fixtures for crawler tests: a demo portal on loopback (fixed clock, small and deterministic), a
migrated SQLite ledger, and a helper that runs real crawls in child processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.running.process import CrawlSummary, run_crawl
from demoportal.server import PortalHandle, start_in_thread
from ledger.db import make_engine, make_session_factory
from ledger.models import Item, Source
from ledger.office.catalogue import sync_departments
from ledger.schema import upgrade
from ledger.settings import REPO_ROOT

ANCHOR = datetime(2025, 6, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SMALL = {"board": 45, "mailbox": 30, "feed": 60, "city": 20}
SOURCES_DIR = REPO_ROOT / "data" / "sources"
FAST = {"DOWNLOAD_TIMEOUT": 10, "RETRY_TIMES": 2, "LOG_LEVEL": "INFO"}


def new_sqlite_ledger(directory: Path) -> str:
    url = f"sqlite:///{directory / 'ledger.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine).begin() as session:
        sync_departments(session, REPO_ROOT / "data" / "departments.toml")
    engine.dispose()
    return url


def _count_items(database_url: str, source: str | None = None) -> dict[str, int]:
    """source slug → number of items (and every external id occurs once: the schema is unique)."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            query = select(Source.slug, func.count(Item.id)).join(Item).group_by(Source.slug)
            if source:
                query = query.where(Source.slug == source)
            return dict(session.execute(query).all())
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def portal_factory() -> Iterator[Callable[..., PortalHandle]]:
    """portal_factory(seed=..., counts=...) → a portal on loopback with the fixed test clock."""
    handles: list[PortalHandle] = []

    def start(**options: Any) -> PortalHandle:
        options = {"anchor": ANCHOR, "seed": 7, "counts": SMALL, "speed": 0, **options}
        handles.append(start_in_thread("127.0.0.1", 0, **options))
        return handles[-1]

    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture(scope="module")
def portal(portal_factory: Callable[..., PortalHandle]) -> PortalHandle:
    """The module's portal; a module overrides this fixture to change sizes or seed."""
    return portal_factory()


@pytest.fixture(scope="module")
def ledger_url(module_database_url: str) -> str:
    """A migrated ledger shared by the module's tests: SQLite, and PostgreSQL when available."""
    return module_database_url


@pytest.fixture
def fresh_ledger_url(tmp_path: Path) -> str:
    """A migrated SQLite ledger for one test."""
    return new_sqlite_ledger(tmp_path)


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One instance folder for every crawl of the session: the routing model is built once."""
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="module")
def crawl_env(portal: PortalHandle, instance_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HUIYING_DEMO_PORTAL_URL": portal.url,
        "HUIYING_INSTANCE_DIR": str(instance_dir),
    }


@pytest.fixture(scope="module")
def crawl(
    crawl_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., CrawlSummary]:
    """crawl(database_url, sources=None, **run_crawl options) against the module's portal."""
    work = tmp_path_factory.mktemp("crawl")
    env = crawl_env

    def run(database_url: str, sources: list[str] | None = None, **options: Any) -> CrawlSummary:
        options.setdefault("log_dir", work / "logs")
        options.setdefault("sources_dir", SOURCES_DIR)
        options["settings"] = {**FAST, **options.get("settings", {})}
        return run_crawl(sources, database_url, env=env, **options)

    return run


@pytest.fixture(scope="session")
def count_items() -> Callable[..., dict[str, int]]:
    """count_items(database_url, source=None) → {slug: items}."""
    return _count_items


@pytest.fixture
def static_site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """(folder, base URL): files written into the folder are served on loopback (query ignored)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    root = tmp_path / "site"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _people_board_module() -> Any:
    """tests/crawler/people_board.py (tests are not a package: loaded by path)."""
    import importlib.util
    import sys

    name = "huiying_tests_people_board"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("people_board.py")
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def people_board() -> Iterator[Any]:
    """The 人民网-layout board on loopback (module-scoped): .board (content), .url, .stop."""
    mod = _people_board_module()
    served = mod.serve(mod.PeopleBoard(mod.make_threads(45, ANCHOR)))
    yield served
    served.stop()
