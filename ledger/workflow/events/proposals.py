"""Proposals to the 办公室: "these items may be a 舆情事件". The 办公室 opens an event from one,
links it to an existing event, or dismisses it with a reason (kept and audited).

Two triggers, both thresholds in data/opinion_events.toml:
- an item whose risk level (classifier/opinion/risk.py) is one of `risk_levels` (重大);
- a burst: `burst_count` similar items received within the last `burst_hours`, similar meaning
  character-bigram Jaccard ≥ `burst_similarity` — the same measure as the ledger's 疑似重复
  (ledger.intake.duplicates), grouped into connected components.

Scanning is idempotent (a proposal's `key` is unique), so the events page and `huiying remind`
may both run it. The burst window is hours (tens to hundreds of items); grouping is near linear
(MinHash LSH candidates, exact check), and `MAX_WINDOW_ITEMS` bounds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from datasketch import MinHashLSH
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from classifier import minhash
from ledger.audit import record_event
from ledger.models import EventProposal, Item, ItemStatus, OpinionEvent, User, UserRole
from ledger.models.events import event_item
from ledger.workflow.events.config import EventConfig
from ledger.workflow.events.steps import link_items, open_event
from ledger.workflow.guards import Clock, WorkflowError, require_role
from ledger.workflow.notices import notify

MAX_WINDOW_ITEMS = 5000
_SIGNER = minhash.Signer()  # the permutations are drawn once
RISK = "重大事项"
BURST = "相似聚集"
OPENED, LINKED, DISMISSED = "已立事件", "已关联", "已忽略"


@dataclass
class ScanReport:
    created: list[EventProposal] = field(default_factory=list)
    grown: list[EventProposal] = field(default_factory=list)  # pending bursts that gained items


def _not_linked() -> object:
    return ~exists().where(event_item.c.item_id == Item.id)


def _groups(items: Sequence[Item], threshold: float) -> list[list[Item]]:
    """Connected components of "bigram Jaccard ≥ threshold".

    MinHash LSH (datasketch, as analysis/topics/neardup.py) finds the candidate pairs in linear time;
    each candidate is then checked with the exact Jaccard, so LSH only saves work and never
    decides. Comparing every pair instead cost 3 s CPU for 1,000 items (see the README figure).
    """
    sets = [minhash.shingles(i.title + i.body, k=2) for i in items]  # the 疑似重复 measure
    lsh = MinHashLSH(threshold=threshold, num_perm=_SIGNER.num_perm)
    hashes = [_SIGNER.minhash(grams) for grams in sets]
    for n, grams in enumerate(sets):
        if len(grams):
            lsh.insert(n, hashes[n])
    parent = list(range(len(items)))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, grams in enumerate(sets):
        if not len(grams):
            continue
        for b in lsh.query(hashes[a]):
            if b <= a or root(a) == root(b):
                continue
            if minhash.jaccard(grams, sets[b]) >= threshold:
                parent[root(a)] = root(b)
    groups: dict[int, list[Item]] = {}
    for n, item in enumerate(items):
        groups.setdefault(root(n), []).append(item)
    return list(groups.values())


def _add(session: Session, proposal: EventProposal) -> bool:
    try:
        with session.begin_nested():
            session.add(proposal)
            session.flush()
    except IntegrityError:  # another process proposed it first
        return False
    return True


def scan(session: Session, now: datetime, config: EventConfig) -> ScanReport:
    """Create the proposals due at `now` (each once) and notify the 办公室 of new ones."""
    report = ScanReport()
    since = now - timedelta(hours=config.risk_lookback_hours)
    risky = session.scalars(
        select(Item)
        .where(
            Item.risk_level.in_(config.risk_levels),
            Item.received_at >= since,
            Item.status != ItemStatus.MERGED,
            _not_linked(),  # type: ignore[arg-type]
        )
        .order_by(Item.received_at, Item.id)
    ).all()
    keys = {f"risk:{i.id}": i for i in risky}
    known = set(session.scalars(select(EventProposal.key).where(EventProposal.key.in_(list(keys)))))
    for key, item in keys.items():
        if key in known:
            continue
        proposal = EventProposal(
            key=key,
            kind=RISK,
            reason=f"风险等级为「{item.risk_level}」：{'；'.join(item.risk_reasons or [])}",
            item_ids=[item.id],
            level=item.risk_level or "重大",
            created_at=now,
        )
        if _add(session, proposal):
            report.created.append(proposal)
    _scan_bursts(session, now, config, report)
    _notify(session, report.created, config, now)
    return report


def _scan_bursts(session: Session, now: datetime, config: EventConfig, report: ScanReport) -> None:
    window = session.scalars(
        select(Item)
        .where(
            Item.received_at >= now - timedelta(hours=config.burst_hours),
            Item.received_at <= now,
            Item.status != ItemStatus.MERGED,
            _not_linked(),  # type: ignore[arg-type]
        )
        .order_by(Item.received_at, Item.id)
        .limit(MAX_WINDOW_ITEMS)
    ).all()
    if len(window) < config.burst_count:
        return
    bursts = session.scalars(select(EventProposal).where(EventProposal.kind == BURST)).all()
    dismissed = {i for p in bursts if p.decision is not None for i in p.item_ids}
    pending = [p for p in bursts if p.decision is None]
    for group in _groups(window, config.burst_similarity):
        fresh = [i for i in group if i.id not in dismissed]
        if len(fresh) < config.burst_count:
            continue
        ids = [i.id for i in fresh]
        hours = config.burst_hours
        reason = f"{hours} 小时内收到 {len(ids)} 件相似事项（相似度 ≥ {config.burst_similarity}）"
        match = next((p for p in pending if set(p.item_ids) & set(ids)), None)
        if match is not None:
            if not set(ids) <= set(match.item_ids):
                match.item_ids = sorted(set(match.item_ids) | set(ids))
                match.reason = reason
                report.grown.append(match)
            continue
        proposal = EventProposal(
            key=f"burst:{ids[0]}",
            kind=BURST,
            reason=reason,
            item_ids=ids,
            level="较大",
            created_at=now,
        )
        if _add(session, proposal):
            report.created.append(proposal)


def _notify(
    session: Session, proposals: Sequence[EventProposal], config: EventConfig, now: datetime
) -> None:
    if not proposals:
        return
    users = session.scalars(
        select(User).where(
            User.role_rows.any(UserRole.role.in_([r.value for r in config.notify_roles])),
            User.active,
        )
    ).all()
    for p in proposals:
        first = session.get(Item, p.item_ids[0])
        text = f"舆情提示（{p.kind}）：{p.reason}。请到“舆情”页研判：立事件、关联已有事件或忽略。"
        notify(session, users, first, "舆情", text, now)


def pending(session: Session) -> list[EventProposal]:
    return list(
        session.scalars(
            select(EventProposal)
            .where(EventProposal.decision.is_(None))
            .order_by(EventProposal.created_at.desc(), EventProposal.id.desc())
        )
    )


def _undecided(session: Session, proposal_id: int) -> EventProposal:
    proposal = session.get(EventProposal, proposal_id) if 0 < proposal_id < 2**31 else None
    if proposal is None:
        raise WorkflowError("找不到该舆情提示。")
    if proposal.decision is not None:
        raise WorkflowError(f"该舆情提示已处理（{proposal.decision}），请刷新页面。")
    return proposal


def _decide(
    session: Session,
    user: User,
    proposal: EventProposal,
    decision: str,
    now: datetime,
    event: OpinionEvent | None = None,
    reason: str | None = None,
) -> None:
    proposal.decision, proposal.decided_at, proposal.decided_by_id = decision, now, user.id
    proposal.dismiss_reason = reason
    proposal.event_id = event.id if event is not None else None
    for item_id in proposal.item_ids:
        row = record_event(
            session,
            session.get(Item, item_id),
            user,
            f"舆情提示{decision}",
            after={
                "提示": proposal.id,
                "类型": proposal.kind,
                "舆情事件": event.id if event is not None else None,
            },
            note=reason,
            at=now,
        )
        row.opinion_event_id = event.id if event is not None else None


def open_from(
    session: Session,
    user: User,
    proposal_id: int,
    *,
    title: str,
    level: str | None,
    first_seen_at: datetime | None,
    source_links: Iterable[str] = (),
    summary: str = "",
    now: datetime,
    config: EventConfig,
    clock: Clock,
) -> OpinionEvent:
    require_role(user, config.edit_roles, "立舆情事件")
    proposal = _undecided(session, proposal_id)
    event = open_event(
        session,
        user,
        title=title,
        level=level,
        first_seen_at=first_seen_at,
        source_links=source_links,
        item_ids=proposal.item_ids,
        summary=summary,
        now=now,
        config=config,
        clock=clock,
    )
    _decide(session, user, proposal, OPENED, now, event)
    return event


def link_to(
    session: Session,
    user: User,
    proposal_id: int,
    event_id: int,
    version: int | None,
    *,
    now: datetime,
    config: EventConfig,
) -> OpinionEvent:
    require_role(user, config.edit_roles, "关联舆情事件")
    proposal = _undecided(session, proposal_id)
    event = link_items(session, user, event_id, version, proposal.item_ids, now=now, config=config)
    _decide(session, user, proposal, LINKED, now, event)
    return event


def dismiss(
    session: Session,
    user: User,
    proposal_id: int,
    reason: str,
    *,
    now: datetime,
    config: EventConfig,
) -> EventProposal:
    require_role(user, config.edit_roles, "忽略舆情提示")
    proposal = _undecided(session, proposal_id)
    text = (reason or "").strip()
    if not text:
        raise WorkflowError("忽略舆情提示须写明理由（例如：个案诉求，已按留言办理）。")
    _decide(session, user, proposal, DISMISSED, now, reason=text)
    return proposal
