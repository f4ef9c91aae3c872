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
        pytest.skip("没有 /usr/bin/chromium：运行 make browser-deps（apt-get install chromium fonts-noto-cjk）")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("served_app", Path(__file__).with_name("served_app.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with module.served(app) as url:
        yield url
