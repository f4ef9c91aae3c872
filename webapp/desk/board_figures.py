"""The supervision board's per-处室 figures, kept across requests and across the server's workers.

Counting them is a GROUP BY over every item of the period (~64,000 rows, ~60 ms of PostgreSQL for
90 days at 1,000,000 items; several times that while the machine is busy). Kept per worker only,
each worker counted again every minute inside somebody's request: with three workers that was
three slow boards a minute, the board's p95 under load. Now:

- a count is kept per visibility scope and period for BOARD_FIGURES_SECONDS (default 60), in the
  worker and in a small JSON file in the instance folder that every worker reads, so one count
  serves them all;
- figures older than that (up to STALE_INTERVALS intervals) are still shown, with the time they
  were counted, while a background thread counts them again: no request waits for a recount;
- with no figures at all, or very old ones, the request counts them itself (as before);
  BOARD_FIGURES_SECONDS = 0 counts on every request.

The page says when the figures were counted; the 黄牌/红牌 lists under them are read live.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from ledger.models import User
from ledger.queries import visibility_key
from ledger.workflow import supervision
from ledger.workflow.guards import now_utc
from webapp.database import get_session

FIGURES_SECONDS = 60.0
STALE_INTERVALS = 10
log = logging.getLogger(__name__)
Key = tuple[str, str]

_counting: set[tuple[int, Key]] = set()  # (app, key) being counted in the background
_counting_lock = threading.Lock()


def period_start(period: str, now: datetime) -> datetime | None:
    """The start of a board period ("30", "90", "365" days; "all": None)."""
    return None if period == "all" else now - timedelta(days=int(period))


def kept_figures(user: User, now: datetime, period: str) -> supervision.Figures:
    """The figures for what `user` may see over `period`: kept ones while fresh enough."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    seconds = float(app.config.get("BOARD_FIGURES_SECONDS", FIGURES_SECONDS))
    key: Key = (str(visibility_key(user)), period)  # what the user may see decides the figures
    kept = _kept(app)
    best = kept.get(key)
    if seconds > 0 and not _fresh(best, now, seconds):
        shared = _read_shared(app, key)
        if shared is not None and (best is None or shared.as_of > best.as_of):
            best = kept[key] = shared
    if seconds > 0 and best is not None:
        if _fresh(best, now, seconds):
            return best
        if _fresh(best, now, seconds * STALE_INTERVALS):
            _count_in_background(app, key, user.id, period)
            return best
    counted = supervision.figures(get_session(), user, now, period_start(period, now))
    kept[key] = counted
    _write_shared(app, key, counted)
    return counted


def _kept(app: Flask) -> dict[Key, supervision.Figures]:
    kept: dict[Key, supervision.Figures] = app.extensions.setdefault("huiying.board_figures", {})
    return kept


def _fresh(figures: supervision.Figures | None, now: datetime, seconds: float) -> bool:
    return figures is not None and timedelta(0) <= now - figures.as_of < timedelta(seconds=seconds)


def _count_in_background(app: Flask, key: Key, user_id: int, period: str) -> None:
    with _counting_lock:
        if (id(app), key) in _counting:
            return
        _counting.add((id(app), key))
    threading.Thread(
        target=_count, args=(app, key, user_id, period), name="board-figures", daemon=True
    ).start()


def _count(app: Flask, key: Key, user_id: int, period: str) -> None:
    try:
        with app.app_context(), app.extensions["huiying.read_sessions"]() as session:
            user = session.get(User, user_id)
            if user is None:
                return
            now = now_utc()
            counted = supervision.figures(session, user, now, period_start(period, now))
        _kept(app)[key] = counted
        _write_shared(app, key, counted)
    except Exception:  # noqa: BLE001 - the next request counts them itself
        log.exception("督办看板统计失败（后台重新统计）")
    finally:
        with _counting_lock:
            _counting.discard((id(app), key))


def _shared_path(app: Flask, key: Key) -> Path | None:
    folder = app.config.get("INSTANCE_DIR")
    if not folder:
        return None
    scope, period = key
    return Path(folder) / "board-figures" / f"{scope}-{period}.json"


def _read_shared(app: Flask, key: Key) -> supervision.Figures | None:
    path = _shared_path(app, key)
    if path is None:
        return None
    try:
        return _figures_from(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):  # none yet, or from an older version
        return None


def _write_shared(app: Flask, key: Key, figures: supervision.Figures) -> None:
    path = _shared_path(app, key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # written aside, then renamed: another worker reads the old file or the new, never half
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as out:
            json.dump(_figures_json(figures), out, ensure_ascii=False)
        os.replace(out.name, path)
    except OSError:  # a read-only instance folder: each worker keeps its own
        log.warning("督办看板统计无法写入 %s", path, exc_info=True)


def _row_json(row: supervision.DepartmentFigures) -> dict[str, Any]:
    return {**asdict(row), "response_total": row.response_total.total_seconds()}


def _figures_json(figures: supervision.Figures) -> dict[str, Any]:
    return {
        "rows": [_row_json(r) for r in figures.rows],
        "total": _row_json(figures.total),
        "as_of": figures.as_of.isoformat(),
    }


def _row_from(data: dict[str, Any]) -> supervision.DepartmentFigures:
    return supervision.DepartmentFigures(
        **{**data, "response_total": timedelta(seconds=data["response_total"])}
    )


def _figures_from(data: dict[str, Any]) -> supervision.Figures:
    return supervision.Figures(
        [_row_from(r) for r in data["rows"]],
        _row_from(data["total"]),
        datetime.fromisoformat(data["as_of"]),
    )
