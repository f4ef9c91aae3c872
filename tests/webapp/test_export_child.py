"""Large exports are written by a lower-priority child process (ledger.exports.job): the file is
the same as the one the request's own thread writes, text searches go there too, and a child
that fails gives a clear error instead of a broken download."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from ledger.exports.job import ExportFailed, read_filter, run_in_child
from ledger.queries import ItemFilter

SME = ("关于专精特新认定的咨询", "我厂想了解专精特新中小企业申报条件，联系电话 13912345678。")


def _rows(data: bytes) -> list[tuple[object, ...]]:
    return list(load_workbook(BytesIO(data)).active.iter_rows(values_only=True))


def test_child_export_equals_inline_export(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item
) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        make_item(f"X-{n}", f"{SME[0]}（{n}）", SME[1])
    fenban = client_for(app, "fenban")
    app.config["EXPORT_INLINE_ROWS"] = 1000
    inline = fenban.get("/ledger/export.xlsx")
    app.config["EXPORT_INLINE_ROWS"] = 2  # three rows: more than inline, so the child writes
    child = fenban.get("/ledger/export.xlsx")
    assert inline.status_code == child.status_code == 200
    assert int(child.headers["Content-Length"]) == len(child.get_data())
    rows = _rows(child.get_data())
    assert rows == _rows(inline.get_data())
    assert sorted(r[2] for r in rows[1:]) == ["X-0", "X-1", "X-2"]
    assert "13912345678" not in repr(rows) and "139****5678" in repr(rows)  # masked there too


def test_text_search_export_goes_to_the_child_and_keeps_visibility(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item
) -> None:  # type: ignore[no-untyped-def]
    make_item("S-1", *SME, route_to="sme")
    make_item(
        "S-2",
        "关于集成电路产业扶持政策的咨询",
        "我公司从事芯片封装测试，想咨询集成电路扶持政策。",
        route_to="electronics",
    )
    handler = client_for(app, "zxqy")  # 中小企业处: sees its own 处室's items only
    response = handler.get("/ledger/export.xlsx?q=咨询")
    assert response.status_code == 200
    assert [r[2] for r in _rows(response.get_data())[1:]] == ["S-1"]


def test_a_failing_child_says_why(database_url: str, tmp_path: Path) -> None:
    from ledger.db import make_engine
    from ledger.schema import upgrade

    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    with pytest.raises(ExportFailed, match="用户 999999 不存在"):
        run_in_child(database_url, 999999, ItemFilter(), datetime.now(UTC), tmp_path / "x.xlsx")


def test_filter_round_trip() -> None:
    import json
    from dataclasses import asdict
    from datetime import date

    from ledger.exports.job import job

    flt = ItemFilter(
        channel="12345", date_from=date(2026, 10, 1), date_to=date(2026, 10, 31), text="限电"
    )
    data = json.loads(job("sqlite://", 1, flt, datetime.now(UTC), Path(os.devnull)))
    assert asdict(read_filter(data["filter"])) == asdict(flt)
