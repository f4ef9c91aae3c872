"""Shared fixtures: real databases (SQLite always, PostgreSQL when HUIYING_TEST_DATABASE_URL is set).

Each test database is created for the run and dropped afterwards; migrations build its schema.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from ledger.db import make_engine, make_session_factory
from ledger.office.catalogue import sync_departments, sync_users
from ledger.schema import upgrade
from ledger.settings import REPO_ROOT, Settings

DATA_DIR = REPO_ROOT / "data"
PG_URL = os.environ.get("HUIYING_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _create_pg_database(template: str | None = None) -> str:
    assert PG_URL
    name = f"huiying_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(
            f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        )
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(url: str) -> None:
    assert PG_URL
    name = make_url(url).database
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _migrated(url: str) -> str:
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine).begin() as session:
        sync_departments(session, DATA_DIR / "departments.toml")
        sync_users(session, DATA_DIR / "demo_users.toml")
    engine.dispose()
    return url


# One migrated database per backend and test process, copied for each test: running the fourteen
# migrations took 1.0 s (SQLite) / 1.7 s (PostgreSQL) per database; a copy takes a fraction of it.
_TEMPLATES: dict[str, str] = {}


def _template(backend: str) -> str:
    if backend not in _TEMPLATES:
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="huiying-template-"))
            atexit.register(shutil.rmtree, folder, True)
            _TEMPLATES[backend] = _migrated(f"sqlite:///{folder / 'template.db'}")
        else:
            url = _migrated(_create_pg_database())
            atexit.register(_drop_pg_database, url)
            _TEMPLATES[backend] = url
    return _TEMPLATES[backend]


def new_database(backend: str, tmp_path: Path) -> str:
    """A migrated database with the 处室 catalogue and demo users (a copy of this process's
    template); returns its URL."""
    template = make_url(_template(backend)).database
    assert template
    if backend == "sqlite":
        path = tmp_path / f"huiying-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    return _create_pg_database(template=template)


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        _drop_pg_database(url)


@pytest.fixture(scope="session", autouse=True)
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One instance folder for the run (subprocesses inherit it), with the routing model trained once."""
    from ledger.intake.model.routing import load_model

    path = tmp_path_factory.mktemp("instance")
    saved = os.environ.get("HUIYING_INSTANCE_DIR")
    os.environ["HUIYING_INSTANCE_DIR"] = str(path)
    load_model(Settings.from_env())  # trains the cold-start model from the seed corpus and saves it
    yield path
    if saved is None:
        os.environ.pop("HUIYING_INSTANCE_DIR", None)
    else:
        os.environ["HUIYING_INSTANCE_DIR"] = saved


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, committed database per test (for subprocesses, served apps, concurrency tests)."""
    url = new_database(backend, tmp_path)
    yield url
    drop_database(url)


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh committed database shared by one test module, once per backend."""
    url = new_database(request.param, tmp_path_factory.mktemp("moddb"))
    yield url
    drop_database(url)


@pytest.fixture(scope="session", params=BACKENDS)
def shared_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    url = new_database(request.param, tmp_path_factory.mktemp("db"))
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


@pytest.fixture
def session(shared_engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test (savepoints for commits)."""
    with shared_engine.connect() as conn:
        trans = conn.begin()
        sess = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield sess
        finally:
            sess.close()
            trans.rollback()


@pytest.fixture
def data_dir() -> Path:
    return DATA_DIR
