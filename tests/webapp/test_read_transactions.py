"""Reads don't queue behind writes: GET requests run while another process holds the write lock;
POST requests still take it up front (BEGIN IMMEDIATE on SQLite) and wait for it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ledger.db import ReadOnlySessionError, make_engine
from ledger.models import Department, User
from webapp.database import get_session

from .test_sessions import _token, sign_in


@contextmanager
def writer_holding_lock(database_url: str) -> Iterator[None]:
    """Another process's open write transaction: SQLite's write lock, or PostgreSQL table locks
    that let reads through but make every writer to user_account wait."""
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE department SET duties = duties")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = make_engine(database_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("LOCK TABLE user_account IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


def run_in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    return thread, out


def test_reads_go_on_while_a_writer_holds_the_lock_and_writes_wait(
    app: Flask, client: FlaskClient, database_url: str
) -> None:
    assert sign_in(client, "fenban").status_code == 302
    token = _token(client, "/notices/")
    with writer_holding_lock(database_url):
        for url in ("/ledger/", "/triage/", "/supervision/", "/notices/"):
            thread, out = run_in_thread(lambda url=url: client.get(url).status_code)
            thread.join(timeout=10)
            assert not thread.is_alive(), f"GET {url} waited for the write lock"
            assert out == [200], url
        # logout writes (it ends the user's sessions): it must wait for the other writer
        thread, out = run_in_thread(
            lambda: client.post("/auth/logout", data={"csrf_token": token}).status_code
        )
        thread.join(timeout=1.5)
        assert thread.is_alive(), "a writing request did not wait for the write lock"
    thread.join(timeout=20)
    assert out == [302]
    assert client.get("/ledger/").status_code == 302  # logged out: the write went through


def test_a_read_only_session_refuses_to_write(app: Flask) -> None:
    with app.test_request_context("/ledger/", method="GET"):
        session = get_session()
        department = session.scalars(select(Department)).first()
        assert department is not None
        department.duties = "改写"
        with pytest.raises(ReadOnlySessionError):
            session.flush()
        session.rollback()
    with app.test_request_context("/admin/departments/1", method="POST"):
        session = get_session()
        user = session.scalars(select(User).where(User.username == "fenban")).one()
        user.display_name = "分办员甲"
        session.commit()  # the default session writes as before
