"""Per-app services the views hand to ledger functions: the clock, reply templates, the 12345
report-back, the mailer and the 督办 chain. Loaded once per app; the clock reloads after a
holiday upload."""

from __future__ import annotations

import tomllib
from pathlib import Path

from flask import Flask, current_app

from ledger.workflow.guards import Clock
from ledger.workflow.notices import Mailer, SmtpMailer
from ledger.workflow.reminders import Escalation, load_escalation
from ledger.workflow.reply_templates import ReplyTemplate, load_templates
from ledger.workflow.report_back import HttpReportBack, NoReportBack, ReportBack


def init_app(app: Flask) -> None:
    app.extensions.setdefault("huiying.report_back", None)


def data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])


def _rules_stamp() -> tuple[float, ...]:
    """Modification times of the files the clock is built from: another gunicorn worker may
    have saved a new holiday file or rules, and every worker must see it on its next request."""
    folder = data_dir() / "holidays"
    paths = [data_dir() / "deadline_rules.toml", folder, *sorted(folder.glob("*.toml"))]
    return tuple(p.stat().st_mtime if p.exists() else 0.0 for p in paths)


def clock() -> Clock:
    ext = current_app.extensions
    stamp = _rules_stamp()
    if ext.get("huiying.clock") is None or ext.get("huiying.clock_stamp") != stamp:
        ext["huiying.clock"] = Clock.from_data_dir(data_dir())
        ext["huiying.clock_stamp"] = stamp
    return ext["huiying.clock"]


def reload_clock() -> None:
    current_app.extensions["huiying.clock"] = None


def reply_templates() -> list[ReplyTemplate]:
    ext = current_app.extensions
    if ext.get("huiying.templates") is None:
        ext["huiying.templates"] = load_templates(data_dir() / "reply_templates.toml")
    return ext["huiying.templates"]


def report_back() -> ReportBack:
    """A ReportBack set on app.extensions["huiying.report_back"] wins (tests, the demo feed);
    else HUIYING_REPORT_BACK_URL configures the HTTP one; else nothing is sent."""
    configured = current_app.extensions.get("huiying.report_back")
    if configured is not None:
        return configured
    return HttpReportBack.from_config(current_app.config) or NoReportBack()


def mailer() -> Mailer | None:
    configured = current_app.extensions.get("huiying.mailer")
    if configured is not None:
        return configured
    return SmtpMailer.from_config(current_app.config)


def escalation() -> Escalation:
    return load_escalation(data_dir() / "escalation.toml")


def opinion_names() -> tuple[list[str], list[str]]:
    """The 舆情 topic names and risk levels from data/topics.toml, for the ledger's filters.

    Parsed again only when the file changes (its modification time): parsing it on every 台账
    page was a sixth of the page's CPU."""
    path = data_dir() / "topics.toml"
    try:
        info = path.stat()
        stamp: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = None
    ext = current_app.extensions
    cached = ext.get("huiying.opinion_names")
    if cached is not None and cached[0] == (path, stamp):
        return cached[1]
    names = _read_opinion_names(path)
    ext["huiying.opinion_names"] = ((path, stamp), names)
    return names


def _read_opinion_names(path: Path) -> tuple[list[str], list[str]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return [], []
    topics = [t["name"] for t in data.get("topic", []) if isinstance(t.get("name"), str)]
    levels = [lv["name"] for lv in data.get("level", []) if isinstance(lv.get("name"), str)]
    return topics, levels
