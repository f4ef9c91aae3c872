"""Web app fixtures (flaskr style): app on a fresh real database, client, login helper."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp import create_app


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "INSTANCE_DIR": str(tmp_path),
            "RATELIMIT_ENABLED": False,
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


class _Router:
    """Suggests the given 处室 with the given confidence (the classifier's place in intake)."""

    def __init__(self, code: str, confidence: float) -> None:
        self.code, self.confidence = code, confidence

    def route(self, title: str, body: str):  # type: ignore[no-untyped-def]
        from ledger.routing import RouteResult, Suggestion

        others = [Suggestion(c, 0.05) for c in ("software", "chemical") if c != self.code]
        return RouteResult(
            [Suggestion(self.code, self.confidence), *others], auto=False, method="model"
        )


def add_item(
    app: Flask,
    external_id: str,
    title: str,
    body: str,
    *,
    suggest: str = "sme",
    confidence: float = 0.9,
    route_to: str | None = None,
    kind: str = "留言板",
    received_at=None,  # type: ignore[no-untyped-def]
    author: str | None = None,
) -> int:
    """Take one item in through the real intake; optionally confirm its route to `route_to`."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from ledger import triage
    from ledger.intake import IntakeContext, intake
    from ledger.models import Department, User
    from ledger.records import IntakeRecord
    from webapp.database import get_session
    from webapp.services import clock

    received_at = received_at or datetime.now(UTC) - timedelta(days=1)
    with app.app_context():
        session = get_session()
        c = clock()
        ctx = IntakeContext(
            c.rules,
            c.calendar,
            _Router(suggest, confidence),
            {code: i for code, i in session.execute(select(Department.code, Department.id))},
        )
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
            fenban = session.scalars(select(User).where(User.username == "fenban")).one()
            triage.confirm(
                session, fenban, item_id, None, now=received_at, department_code=route_to
            )
        session.commit()
        return item_id


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
