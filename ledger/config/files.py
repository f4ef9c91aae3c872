"""Administrator-edited files changed from the web page: the deadline rules, the holiday files and
the crawl sources (data/sources/<slug>.toml).

Each change is validated exactly as the loader reads the file, written atomically, and the file it
replaces is kept as a numbered version (in the instance folder, not in git), so a mistake can be
undone. The web app's clock reloads when a file's modification time changes: no restart.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI
from ledger.clock.rules import RuleBook, RuleFileError, parse_rules
from ledger.models import Role, User
from ledger.workflow.guards import WorkflowError, require_role

RULES_FILE = "deadline_rules.toml"


@dataclass(frozen=True)
class Version:
    name: str  # e.g. 20261201-203015-admin.toml
    path: Path

    @property
    def label(self) -> str:
        stamp, _, rest = self.name.removesuffix(".toml").partition("-")
        clock, _, who = rest.partition("-")
        return (
            f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {clock[:2]}:{clock[2:4]}:{clock[4:6]}（{who}）"
        )


def _keep(path: Path, versions: Path, admin: User, now: datetime) -> str | None:
    """Copy the file about to be replaced into `versions`; returns the version's name."""
    if not path.exists():
        return None
    versions.mkdir(parents=True, exist_ok=True)
    name = f"{now.astimezone(SHANGHAI):%Y%m%d-%H%M%S}-{admin.username}.toml"
    (versions / name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return name


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def validate_rules(text: str) -> RuleBook:
    """The rules as the clock would load them; RuleFileError (Chinese, with the line) if wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(f"时限规则不是合法的 TOML：{exc}") from exc
    return parse_rules(data, source=RULES_FILE, text=text)


def save_rules(
    session: Session, admin: User, data_dir: Path, versions: Path, text: str, now: datetime
) -> RuleBook:
    require_role(admin, (Role.ADMIN,), "修改办理时限规则")
    try:
        book = validate_rules(text)
    except RuleFileError as exc:
        raise WorkflowError(f"{exc}。规则未保存。") from exc
    target = data_dir / RULES_FILE
    if target.exists() and target.read_text(encoding="utf-8") == text:
        raise WorkflowError("规则没有改动。")
    kept = _keep(target, versions, admin, now)
    _write(target, text)
    record_event(
        session,
        None,
        admin,
        "修改时限规则",
        after={"规则数": len(list(book)), "原版本存为": kept},
        at=now,
    )
    return book


def versions_of(versions: Path) -> list[Version]:
    if not versions.is_dir():
        return []
    return [Version(p.name, p) for p in sorted(versions.glob("*.toml"), reverse=True)]


def read_version(versions: Path, name: str) -> str | None:
    """A kept version's text; None for a name that is not one (no paths from outside)."""
    known = {v.name: v.path for v in versions_of(versions)}
    path = known.get(name)
    return path.read_text(encoding="utf-8") if path else None


def delete_holiday_file(
    session: Session, admin: User, holidays_dir: Path, versions: Path, year: int, now: datetime
) -> str | None:
    """Remove <year>.toml (kept as a version); the calendar falls back to Mon–Fri, with a warning."""
    require_role(admin, (Role.ADMIN,), "删除节假日文件")
    target = holidays_dir / f"{year}.toml"
    if not target.exists():
        raise WorkflowError(f"没有 {year} 年的节假日文件。")
    kept = _keep(target, versions, admin, now)
    target.unlink()
    record_event(
        session, None, admin, "删除节假日文件", after={"年份": year, "原文件存为": kept}, at=now
    )
    return kept


SOURCE_SLUG = re.compile(r"[a-z0-9_]{2,60}")


def starter_source(example: str, slug: str) -> str:
    """A new source file's first text: an existing source file with its `slug` line set to the new
    code (the loader requires the two to match), for the admin to edit before saving."""
    line = f'slug = "{slug}"'
    text, found = re.subn(r'^slug\s*=\s*"[^"]*"', line, example, count=1, flags=re.MULTILINE)
    return text if found else f"{line}\n{example}"


def save_source(
    session: Session,
    admin: User,
    sources_dir: Path,
    versions: Path,
    slug: str,
    text: str,
    now: datetime,
    validate: Callable[[str, str], str | None],
) -> str | None:
    """Replace data/sources/<slug>.toml with `text` after `validate(slug, text)` (the crawler's
    own loader: it returns the refusal, naming file, key and the nearest valid key, or None).
    The replaced file is kept in versions/<slug>/; the next crawl reads the new file."""
    require_role(admin, (Role.ADMIN,), "修改采集来源")
    if not SOURCE_SLUG.fullmatch(slug):
        raise WorkflowError("来源代码只能是 2–60 位小写字母、数字或下划线。")
    target = sources_dir / f"{slug}.toml"
    if target.exists() and target.read_text(encoding="utf-8") == text:
        raise WorkflowError("来源配置没有改动。")
    refusal = validate(slug, text)
    if refusal:
        raise WorkflowError(f"{refusal}。来源配置未保存。")
    kept = _keep(target, versions / slug, admin, now)
    sources_dir.mkdir(parents=True, exist_ok=True)
    _write(target, text)
    record_event(
        session,
        None,
        admin,
        "修改采集来源",
        after={"来源": slug, "新建": kept is None, "原版本存为": kept},
        at=now,
    )
    return kept
