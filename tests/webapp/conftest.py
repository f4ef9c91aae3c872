"""Web app fixtures (flaskr style): app on a fresh real database, client, login helper."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp import create_app


@pytest.fixture
def app_instance(instance_dir: Path, tmp_path: Path) -> Path:
    """The app's instance folder, holding a copy of the run's cold-start model (without it every
    page that routes an entry trained one again, ~1.3 s a test); a module overrides this fixture to
    give it other contents."""
    models = instance_dir / "models"
    if models.is_dir():
        shutil.copytree(models, tmp_path / "models")
    return tmp_path


@pytest.fixture
def app(database_url: str, app_instance: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "INSTANCE_DIR": str(app_instance),
        }
    )
    yield app
    app.extensions["huiying.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str = "fenban", password: str = "huiying-demo"):  # type: ignore[no-untyped-def]
        page = self._client.get("/auth/login")
        token = _csrf_token(page.get_data(as_text=True))
        return self._client.post(
            "/auth/login", data={"username": username, "password": password, "csrf_token": token}
        )


def _csrf_token(html: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


LoginAs = Callable[..., FlaskClient]  # (app, username[, password])


def _signed_in(app: Flask, username: str, password: str = "huiying-demo") -> FlaskClient:
    """A new test client of `app`, logged in as `username` through the real login form."""
    client = app.test_client()
    response = AuthActions(client).login(username, password)
    assert response.status_code == 302, username
    return client


@pytest.fixture
def client_for() -> LoginAs:
    """`client_for(app, username[, password])`: a client logged in as that demo user."""
    return _signed_in


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.skip(
            "没有 /usr/bin/chromium：运行 make browser-deps（apt-get install chromium fonts-noto-cjk）"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "served_app", Path(__file__).with_name("served_app.py")
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with module.served(app) as url:
        yield url


# -- items for workflow tests ------------------------------------------------------------------


def add_item(
    app: Flask,
    external_id: str,
    title: str,
    body: str,
    *,
    route_to: str | None = None,
    kind: str = "留言板",
    received_at=None,  # type: ignore[no-untyped-def]
    author: str | None = None,
) -> int:
    """Take one item in through the real intake, routed by the real model (which may auto-route it).

    With `route_to`, the item ends up with that 处室: a 分办员 confirms it there if it waits for
    triage; if the model already auto-routed it, that must have been to `route_to`.
    """
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from ledger.intake.pipeline import IntakeContext, intake
    from ledger.intake.records import IntakeRecord
    from ledger.models import Item, ItemStatus, User
    from ledger.settings import Settings
    from ledger.workflow import triage
    from webapp.database import get_session

    received_at = received_at or datetime.now(UTC) - timedelta(days=1)
    # the run's instance folder holds the model (tests/conftest.py); data/ holds rules and calendar
    settings = replace(Settings.from_env(), database_url=app.config["DATABASE_URL"])
    with app.app_context():
        session = get_session()
        ctx = IntakeContext.load(session, settings)
        source = {"12345": "demo_12345", "依申请公开": "manual"}.get(kind, "demo_board")
        record = IntakeRecord(
            source=source,
            external_id=external_id,
            item_type=kind,
            title=title,
            body=body,
            received_at=received_at,
            author=author,
        )
        item_id = intake(session, record, ctx, now=received_at).item_id
        if route_to:
            item = session.get(Item, item_id)
            assert item is not None
            if item.status == ItemStatus.NEW:
                fenban = session.scalars(select(User).where(User.username == "fenban")).one()
                triage.confirm(
                    session,
                    fenban,
                    item_id,
                    item.version,
                    now=received_at,
                    department_code=route_to,
                )
            else:
                routed = item.department.code if item.department else None
                assert routed == route_to, (
                    f"the model auto-routed {title!r} to {routed} ({item.suggestions}), "
                    f"not {route_to}: choose a text it routes to {route_to} or leaves for triage"
                )
        session.commit()
        return item_id


@dataclass(frozen=True)
class Routing:
    """An item's routing as stored: status, 处室 code, the model's suggestions (best first)."""

    status: str
    department: str | None
    suggestions: list[dict]  # type: ignore[type-arg]
    confidence: float | None

    @property
    def top(self) -> str | None:
        return self.suggestions[0]["code"] if self.suggestions else None


def routing_of(app: Flask, item_id: int) -> Routing:
    from ledger.models import Item
    from webapp.database import get_session

    with app.app_context():
        item = get_session().get(Item, item_id)
        assert item is not None
        return Routing(
            str(item.status),
            item.department.code if item.department else None,
            list(item.suggestions or []),
            item.route_confidence,
        )


def csrf_from(client: FlaskClient, url: str = "/notices/") -> str:
    html = client.get(url).get_data(as_text=True)
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def version_of(app: Flask, item_id: int) -> int:
    from ledger.models import Item
    from webapp.database import get_session

    with app.app_context():
        item = get_session().get(Item, item_id)
        assert item is not None
        return item.version


@pytest.fixture
def make_item(app: Flask):  # type: ignore[no-untyped-def]
    """make_item(external_id, title, body, **kw) → item id (see add_item)."""

    def make(*args, **kwargs):  # type: ignore[no-untyped-def]
        return add_item(app, *args, **kwargs)

    return make


@pytest.fixture
def csrf():  # type: ignore[no-untyped-def]
    """csrf(client, url="/notices/") → a CSRF token from a page the client can open."""
    return csrf_from


@pytest.fixture
def version(app: Flask):  # type: ignore[no-untyped-def]
    """version(item_id) → the item's current version."""
    return lambda item_id: version_of(app, item_id)


@pytest.fixture
def routing(app: Flask):  # type: ignore[no-untyped-def]
    """routing(item_id) → the item's stored Routing (status, 处室, the model's suggestions)."""
    return lambda item_id: routing_of(app, item_id)
