"""Batch intake: the one path (ledger.intake.intake is a batch of one).

For a batch: every record is cleaned and checked alone (a bad one is refused alone, with why);
duplicates inside the batch are resolved (ledger.intake.delivery); existing items are looked up in one
query per source; new items are routed with one model call, inserted in one statement and audited;
all of it in the caller's transaction. If the fast path fails — another crawler inserted the same
record meanwhile, or the database refuses one row — the batch is written again record by record,
each in its own savepoint, so the race ends as an update and only the bad record is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.intake import duplicates
from ledger.intake.delivery import DeliveryLog
from ledger.intake.model.routing import Router, RouteResult
from ledger.intake.new_items import NewDelivery, insert_new
from ledger.intake.pipeline import (
    IntakeContext,
    IntakeResult,
    _capped,
    find_items,
    prepare,
    source_for,
    tracked_values,
    update_item,
)
from ledger.intake.record_checks import IntakeError
from ledger.intake.records import IntakeRecord
from ledger.models import Item, Source

Outcome = IntakeResult | IntakeError


@dataclass
class _Ready:
    index: int
    record: IntakeRecord
    digest: str
    rule_key: str
    source: Source | None = None


def intake_batch(
    session: Session,
    records: Sequence[IntakeRecord],
    ctx: IntakeContext,
    *,
    now: datetime | None = None,
    delivery: DeliveryLog | None = None,
) -> list[Outcome]:
    """One outcome per record, in order: an IntakeResult, or the IntakeError that refused it.

    `delivery` spans a whole crawl of a source (default: this batch): a second, different version
    of a record is refused as a conflict; an exact repeat is "unchanged"."""
    now = now or datetime.now(UTC)
    delivery = delivery if delivery is not None else DeliveryLog()
    outcomes: list[Outcome | None] = [None] * len(records)
    ready: list[_Ready] = []
    first_of: dict[tuple[str, str], _Ready] = {}
    repeats: list[tuple[int, _Ready]] = []
    for index, raw in enumerate(records):
        try:
            record, digest, rule_key = prepare(raw, ctx, now)
            key = (record.source, str(record.external_id))
            delivery.admit(*key, tracked_values(record))
        except IntakeError as exc:
            outcomes[index] = exc
            continue
        if key in first_of:  # the same version again inside this batch
            repeats.append((index, first_of[key]))
            continue
        try:
            entry = _Ready(index, _capped(record, ctx), digest, rule_key)
        except (OSError, ValueError) as exc:
            outcomes[index] = IntakeError(f"{record.external_id}: 无法保存超长正文的原文：{exc}")
            continue
        first_of[key] = entry
        ready.append(entry)

    sources: dict[str, Source] = {}
    for entry in ready:  # sources first: one lookup per slug, created if new
        slug = entry.record.source
        if slug not in sources:
            sources[slug] = source_for(session, entry.record, entry.rule_key)
        entry.source = sources[slug]
    try:
        with session.begin_nested():
            for entry, result in zip(ready, _write(session, ready, ctx, now), strict=True):
                outcomes[entry.index] = result
    except Exception:  # a racing crawler, or one row the database (or its driver) refuses
        for entry in ready:
            outcomes[entry.index] = _write_alone(session, entry, ctx, now)
    for index, first in repeats:
        done = outcomes[first.index]
        outcomes[index] = (
            IntakeResult(done.item_id, "unchanged") if isinstance(done, IntakeResult) else done
        )
    return [o for o in outcomes if o is not None]


def _write_alone(session: Session, entry: _Ready, ctx: IntakeContext, now: datetime) -> Outcome:
    for _attempt in range(2):  # a lost insert race becomes an update on the second attempt
        try:
            with session.begin_nested():
                [result] = _write(session, [entry], ctx, now)
            return result
        except IntegrityError as exc:
            error: Exception = exc
        except Exception as exc:  # DBAPIError, or a value the driver cannot bind (OverflowError)
            error = exc
            break
    detail = getattr(error, "orig", error)
    return IntakeError(f"{entry.record.external_id}: 数据库拒收：{type(detail).__name__}: {detail}")


def _write(
    session: Session, entries: list[_Ready], ctx: IntakeContext, now: datetime
) -> list[IntakeResult]:
    """Store `entries` (distinct records): one lookup per source, one routing call, one insert."""
    existing: dict[tuple[int, str], Item] = {}
    by_source: dict[int, list[str]] = {}
    for entry in entries:
        assert entry.source is not None
        by_source.setdefault(entry.source.id, []).append(str(entry.record.external_id))
    for source_id, ids in by_source.items():
        for ext, item in find_items(session, source_id, ids).items():
            existing[(source_id, ext)] = item

    fresh = [e for e in entries if (e.source.id, str(e.record.external_id)) not in existing]  # type: ignore[union-attr]
    texts = [(e.record.title.strip()[:500], e.record.body.strip()) for e in fresh]
    routes = route_many(ctx.router, texts)
    deliveries = [
        NewDelivery(e.source, e.record, e.rule_key, e.digest, route)  # type: ignore[arg-type]
        for e, route in zip(fresh, routes, strict=True)
    ]
    new_items = insert_new(session, deliveries, ctx, now)  # flushed: the new items have ids
    created = {id(e): item for e, item in zip(fresh, new_items, strict=True)}

    results = []
    for entry in entries:
        if id(entry) in created:
            results.append(IntakeResult(created[id(entry)].id, "new"))
            continue
        item = existing[(entry.source.id, str(entry.record.external_id))]  # type: ignore[union-attr]
        if item.content_hash == entry.digest:
            results.append(IntakeResult(item.id, "unchanged"))
            continue
        changed = update_item(session, item, entry.record, entry.digest, ctx, now)
        results.append(IntakeResult(item.id, "updated", tuple(changed)))
    session.flush()
    duplicates.index_batch(session, [*created.values(), *existing.values()])  # new and changed
    return results


def route_many(router: Router, texts: list[tuple[str, str]]) -> list[RouteResult]:
    """Route a batch with one model call where the router can (the model router's `route_many`);
    other routers route one by one."""
    if not texts:
        return []
    many = getattr(router, "route_many", None)
    if callable(many):
        return list(many(texts))
    return [router.route(title, body) for title, body in texts]
