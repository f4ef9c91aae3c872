"""Analysis pages: who may see and decide, per-处室 visibility, CSRF, report download."""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path

import pytest
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ledger.models import DisclosureCandidate, Event


def _demo():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "analysis_demo", Path(__file__).resolve().parents[1] / "analysis_demo.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    from webapp.database import get_session

    demo = _demo()
    with app.app_context():
        session = get_session()
        demo.load_demo_month(session, demo.settings_for(app.config["DATABASE_URL"]))
        session.commit()
    return app


def login(client: FlaskClient, username: str) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    client.post(
        "/auth/login",
        data={"username": username, "password": "huiying-demo", "csrf_token": token.group(1)},
    )


def test_analyst_sees_month_topics_and_candidates(demo_app: Flask, client: FlaskClient) -> None:
    login(client, "fenxi")
    assert client.get("/").headers["Location"].endswith("/analysis/")
    html = client.get("/analysis/?month=2026-10").get_data(as_text=True)
    assert "月度分析" in html and "热度 = 3·ln(1+有效条数)" in html
    assert '<svg class="sparkline"' in html
    assert 'action="/analysis/candidates/accept"' in html
    assert not re.search(r"1[3-9]\d{9}", html), "phone numbers are masked"
    topic = client.get("/analysis/2026-10/topics/1")
    assert topic.status_code == 200 and "/ledger/items/" in topic.get_data(as_text=True)
    gone = client.get("/analysis/2026-10/topics/999")
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/analysis/?month=2026-10")
    assert client.get("/analysis/?month=2026-13").status_code == 404


def test_office_leaders_read_only_and_handlers_refused(
    demo_app: Flask, client: FlaskClient
) -> None:
    login(client, "duban")
    html = client.get("/analysis/?month=2026-10").get_data(as_text=True)
    assert "热点话题" in html and "candidates/accept" not in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    refused = client.post(
        "/analysis/candidates/dismiss",
        data={"csrf_token": token.group(1), "month": "2026-10", "key": "x", "reason": "r"},
    )
    assert refused.status_code == 403
    client.post("/auth/logout", data={"csrf_token": token.group(1)})
    login(client, "zxqy")  # 处室承办人
    assert client.get("/analysis/?month=2026-10").status_code == 403


def test_accept_needs_csrf_and_is_audited(demo_app: Flask, client: FlaskClient) -> None:
    login(client, "fenxi")
    html = client.get("/analysis/?month=2026-10").get_data(as_text=True)
    key = re.search(r'data-key="([^"]+)"', html)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert key and token
    form = {"month": "2026-10", "key": key.group(1), "title": "专精特新认定条件与流程",
            "department_id": "1", "due_on": "2027-01-31"}  # fmt: skip
    assert client.post("/analysis/candidates/accept", data=form).status_code == 400  # no CSRF
    done = client.post("/analysis/candidates/accept", data={**form, "csrf_token": token.group(1)})
    assert done.status_code == 302
    page = client.get("/analysis/?month=2026-10").get_data(as_text=True)
    assert "已采纳" in page and "专精特新认定条件与流程" in page
    from webapp.database import get_session

    with demo_app.app_context():
        session = get_session()
        stored = session.scalars(select(DisclosureCandidate)).one()
        assert stored.title == "专精特新认定条件与流程" and stored.evidence_item_ids
        assert session.scalars(select(Event.action).where(Event.action == "公开建议采纳")).one()


def test_report_downloads(demo_app: Flask, client: FlaskClient) -> None:
    login(client, "fenxi")
    r = client.get("/analysis/2026-10/report.docx")
    assert r.status_code == 200 and "wordprocessingml" in r.mimetype
    doc = Document(io.BytesIO(r.data))
    assert doc.paragraphs[0].text.startswith("2026年10月")
    x = client.get("/analysis/2026-10/report.xlsx")
    assert x.status_code == 200 and "spreadsheetml" in x.mimetype
    assert client.get("/analysis/2026-10/report.pdf").status_code == 404
