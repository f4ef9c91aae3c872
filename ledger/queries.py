"""Read queries for the 台账. Per-处室 visibility is applied here, so no caller can forget it."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, cast, func, select, tuple_
from sqlalchemy.orm import Session, joinedload, load_only

from ledger.models import Item, Source, User
from ledger.search import STATS, exact_condition, term_condition
from ledger.states import WORK_ITEM

# The largest id an INTEGER column holds on every backend (PostgreSQL's 4-byte integer). A larger
# number is no id at all: looked up, it would overflow the driver (OverflowError on SQLite).
DB_INT_MAX = 2**31 - 1

# Statuses whose clock runs: an item in one of them past its due time is overdue (红牌).
OVERDUE_STATUSES = tuple(sorted(WORK_ITEM.clock_running))


class NotVisible(LookupError):
    """The item does not exist or the user may not see it (the two are not distinguished)."""


def visible_items(user: User) -> Select[Item]:
    """All items `user` may see: everything for 办公室 roles, only their 处室's items otherwise."""
    stmt = select(Item)
    if not user.sees_all_departments:
        stmt = stmt.where(Item.department_id == user.department_id)
    return stmt


def visibility_key(user: User) -> str | int | None:
    """What decides `visible_items(user)`: users with the same key see the same items (a key for
    figures kept across requests)."""
    return "all" if user.sees_all_departments else user.department_id


@dataclass(frozen=True)
class ItemFilter:
    channel: str | None = None
    department_id: int | None = None
    status: str | None = None
    overdue_only: bool = False
    text: str | None = None
    item_type: str | None = None  # deadline rule key
    date_from: date | None = None  # received on or after this Asia/Shanghai date
    date_to: date | None = None  # received on or before this Asia/Shanghai date
    topic: str | None = None  # a 舆情 topic tag
    risk_level: str | None = None  # 一般 / 较大 / 重大


_SHANGHAI = ZoneInfo("Asia/Shanghai")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), _SHANGHAI)


def filtered(user: User, flt: ItemFilter, *, now: datetime) -> Select[Item]:
    """The visible items matching `flt` (no order, no paging).

    Text search: every whitespace-separated term must occur in the title, body or 编号, as a
    substring (Chinese has no word boundaries); ledger.search says how it stays fast.
    """
    stmt = visible_items(user)
    if flt.channel:  # a few sources per channel: no join, so the count reads only item's index
        stmt = stmt.where(
            Item.source_id.in_(select(Source.id).where(Source.channel == flt.channel))
        )
    if flt.department_id:
        stmt = stmt.where(Item.department_id == flt.department_id)
    if flt.status:
        stmt = stmt.where(Item.status == flt.status)
    if flt.item_type:
        stmt = stmt.where(Item.item_type == flt.item_type)
    if flt.date_from:
        stmt = stmt.where(Item.received_at >= _day_start(flt.date_from))
    if flt.date_to:
        stmt = stmt.where(Item.received_at < _day_start(flt.date_to + timedelta(days=1)))
    if flt.topic:
        # the JSON list as stored text holds the tag exactly as json.dumps writes it
        stmt = stmt.where(
            cast(Item.topics, String).contains(json.dumps(flt.topic), autoescape=True)
        )
    if flt.risk_level:
        stmt = stmt.where(Item.risk_level == flt.risk_level)
    if flt.overdue_only:
        stmt = stmt.where(
            Item.due_at < now, Item.replied_at.is_(None), Item.status.in_(OVERDUE_STATUSES)
        )
    for term in (flt.text or "").split()[:5]:
        stmt = stmt.where(term_condition(term))
    return stmt


# What a list page shows of an item. The rest (the body, six JSON columns) is not read: at
# 1,000,000 items the body alone is most of what PostgreSQL sends for a page, and decoding the
# JSON columns was a tenth of the page's CPU. raiseload: a new use fails in tests, not N+1.
LIST_COLUMNS = (
    Item.id,
    Item.external_id,
    Item.source_id,
    Item.received_at,
    Item.title,
    Item.topics,
    Item.risk_level,
    Item.risk_reasons,
    Item.department_id,
    Item.suggestions,
    Item.status,
    Item.due_at,
    Item.warn_at,
)

# Counting every match costs as much as reading them all: past this many the page says "more than".
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class Page:
    items: list[Item]
    total: int  # exact when `exact`, else COUNT_LIMIT (there are more)
    exact: bool
    after: tuple[datetime, int] | None  # keyset cursor of the next page; None on the last page


def count_bounded(
    session: Session, stmt: Select[Item], limit: int | None = None
) -> tuple[int, bool]:
    """How many rows `stmt` has, reading at most `limit` + 1 of them; (count, exact)."""
    limit = COUNT_LIMIT if limit is None else limit
    capped = stmt.with_only_columns(Item.id).order_by(None).limit(limit + 1).subquery()
    n = session.scalar(select(func.count()).select_from(capped)) or 0
    return min(n, limit), n <= limit


def list_page(
    session: Session,
    user: User,
    flt: ItemFilter,
    *,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
    after: tuple[datetime, int] | None = None,
) -> Page:
    """Newest first. `after` (the previous page's last received time and id) seeks past it on the
    (received_at, id) index, so a deep page costs what the first one does; OFFSET only for the
    first pages."""
    if after is not None:
        offset = 0
    terms = (flt.text or "").split()[:5]
    if terms:
        STATS.refresh(session)
        scope = filtered(user, replace(flt, text=None), now=now)
        if after is not None:
            scope = scope.where(tuple_(Item.received_at, Item.id) < tuple_(*after))
        ids = search_ids(session, scope, terms, offset + limit + 1)[offset:]
        found = {
            i.id: i
            for i in session.scalars(select(Item).where(Item.id.in_(ids)).options(*_list_options()))
        }
        rows = [found[i] for i in ids if i in found]
    else:
        stmt = filtered(user, flt, now=now)
        total, exact = count_bounded(session, stmt)
        if after is not None:
            stmt = stmt.where(tuple_(Item.received_at, Item.id) < tuple_(*after))
        rows = list(
            session.scalars(
                stmt.options(*_list_options())
                .order_by(Item.received_at.desc(), Item.id.desc())
                .limit(limit + 1)
                .offset(offset)
            ).all()
        )
    more = len(rows) > limit
    rows = rows[:limit]
    if terms:
        # Each candidate's text is checked, so a search is not counted past the page it shows:
        # "more than the rows up to here" when there is a next page.
        total, exact = offset + len(rows), not more and after is None
    cursor = (rows[-1].received_at, rows[-1].id) if more and rows else None
    return Page(rows, total, exact, cursor)


def _list_options() -> tuple[Any, ...]:
    return (
        load_only(*LIST_COLUMNS, raiseload=True),
        joinedload(Item.source),
        joinedload(Item.department),
    )


# The Chinese search finds a page in one of two ways (measured at 1,000,000 items on
# PostgreSQL, docs/performance.md):
# - walk: the scope's newest rows (the other filters and the user's visibility) in time order,
#   each checked with ILIKE alone (~10 µs a row), at most SEARCH_WALK rows: a term in one item of
#   a hundred fills a page within them. The bigram condition stays out of the walk: as a filter
#   it recomputes the bigrams of every row that matches (~2.5 ms each, an SQL function), which was
#   most of a 70 ms search for a common term (3 ms without).
# - index: every match in the scope through the bigram index, then sorted. MATERIALIZED: left to
#   itself the planner estimates a 处室's share of a term from the whole table, so for a term
#   common elsewhere but rare in that 处室 (园区, 基站) it walked the 处室's time index through
#   70,000 rows: 0.5–1.7 s.
# A term whose rarest bigram is in at most SEARCH_DIRECT items (PostgreSQL's statistics) goes to
# the index at once. Otherwise a first SEARCH_PROBE rows are walked: a full page ends there;
# matches at a rate that fills the page within SEARCH_WALK rows walk on; too few (a term rare in
# the scope, whatever the whole table says) go to the index, having cost ~10 ms, not ~60.
SEARCH_PROBE = 1_000
SEARCH_WALK = 5_000
SEARCH_DIRECT = 5_000


def search_ids(session: Session, scope: Select[Item], terms: list[str], need: int) -> list[int]:
    """The ids of the newest `need` items of `scope` that contain every term, newest first."""
    candidates = STATS.candidates(terms)
    if candidates is None or candidates > SEARCH_DIRECT:
        probed = _walk(session, scope, terms, need, SEARCH_PROBE)
        if len(probed) == need:
            return probed
        if len(probed) * SEARCH_WALK >= need * SEARCH_PROBE:
            walked = _walk(session, scope, terms, need, SEARCH_WALK)
            if len(walked) == need:
                return walked
    matches = (
        scope.where(*(term_condition(term) for term in terms))
        .with_only_columns(Item.id, Item.received_at)
        .cte("search_matches")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    return list(
        session.scalars(
            select(matches.c.id)
            .order_by(matches.c.received_at.desc(), matches.c.id.desc())
            .limit(need)
        )
    )


def _walk(
    session: Session, scope: Select[Item], terms: list[str], need: int, rows: int
) -> list[int]:
    """Up to `need` matches among the scope's newest `rows` rows, newest first."""
    recent = (
        scope.with_only_columns(Item.id, Item.received_at, Item.title, Item.body, Item.external_id)
        .order_by(Item.received_at.desc(), Item.id.desc())
        .limit(rows)
        .subquery()
    )
    return list(
        session.scalars(
            select(recent.c.id)
            .where(*(exact_condition(term, recent.c) for term in terms))
            .order_by(recent.c.received_at.desc(), recent.c.id.desc())
            .limit(need)
        )
    )


def get_item(session: Session, user: User, item_id: int) -> Item:
    if not 0 < item_id <= DB_INT_MAX:
        raise NotVisible(item_id)
    item = session.scalar(visible_items(user).where(Item.id == item_id))
    if item is None:
        raise NotVisible(item_id)
    return item
