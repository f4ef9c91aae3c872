"""The publishable summary of 办理情况: per year (and batch), each answered proposal with its 复文,
personal data removed — the proposer's name masked wherever it appears, then every phone, ID and
address pattern (ledger.masking). Shown for review first; exported as HTML or Word; publishing
marks the proposals as published and records it on each item."""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from docx import Document
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ledger.audit import record_event
from ledger.clock.deadlines import SHANGHAI
from ledger.exports.items import answered_text
from ledger.masking import mask_name, mask_personal_data
from ledger.models import Item, ItemStatus, Proposal, Role, User
from ledger.queries import visible_items
from ledger.workflow.guards import WorkflowError, require_role

ANSWERED = (ItemStatus.REPLIED, ItemStatus.CLOSED)
PUBLISH_ROLES = (Role.TRIAGE, Role.ADMIN)


@dataclass(frozen=True)
class SummaryEntry:
    proposal_id: int
    item_id: int
    kind: str
    batch: str
    number: str
    title: str
    lead: str
    replied_on: str
    reply: str
    satisfaction: str
    published: bool


def scrub(text: str, proposer: str) -> str:
    """Personal data out: the proposer's name (as written) masked, then every known pattern."""
    name = proposer.strip()
    if name:
        text = text.replace(name, mask_name(name) or "")
    return mask_personal_data(text)


def summary(
    session: Session, user: User, year: int, batch: str | None = None
) -> list[SummaryEntry]:
    """The answered proposals of `year` (and `batch`) that `user` may see, by kind and number."""
    stmt = (
        select(Proposal)
        .join(Item, Item.id == Proposal.item_id)
        .where(
            Proposal.year == year,
            Item.status.in_(ANSWERED),
            Item.id.in_(visible_items(user).with_only_columns(Item.id)),
        )
        .options(
            joinedload(Proposal.item).selectinload(Item.replies),
            joinedload(Proposal.lead_department),
        )
        .order_by(Proposal.kind, Proposal.batch, Proposal.number, Proposal.id)
    )
    if batch:
        stmt = stmt.where(Proposal.batch == batch)
    out = []
    for p in session.scalars(stmt).unique():
        item = p.item
        out.append(
            SummaryEntry(
                proposal_id=p.id,
                item_id=item.id,
                kind=p.kind.value,
                batch=p.batch,
                number=p.number,
                title=scrub(item.title, p.proposer),
                lead=p.lead_department.name,
                replied_on=(
                    item.replied_at.astimezone(SHANGHAI).strftime("%Y-%m-%d")
                    if item.replied_at
                    else ""
                ),
                reply=scrub(answered_text(item), p.proposer),
                satisfaction=p.satisfaction.value if p.satisfaction else "",
                published=p.published_at is not None,
            )
        )
    return out


def batches(session: Session, year: int) -> list[str]:
    return list(
        session.scalars(
            select(Proposal.batch).where(Proposal.year == year).distinct().order_by(Proposal.batch)
        )
    )


def heading(year: int, batch: str | None, entries: list[SummaryEntry]) -> tuple[str, str]:
    """The summary's title and its one-line count ("人大建议 3 件、政协提案 1 件")."""
    title = f"{year}年{batch or ''}人大代表建议和政协委员提案办理情况"
    counts = Counter(e.kind for e in entries)
    line = "、".join(f"{k} {n} 件" for k, n in sorted(counts.items())) or "没有已答复的建议提案"
    return title, f"共答复{line}。以下复文已隐去个人信息。"


def summary_html(year: int, batch: str | None, entries: list[SummaryEntry]) -> str:
    """A standalone HTML page for the website (everything escaped: 复文 text is staff input)."""
    title, line = heading(year, batch, entries)
    esc = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>{esc(line)}</p>",
    ]
    for e in entries:
        parts.append(
            f"<section><h2>{esc(e.kind)}第{esc(e.number)}号：{esc(e.title)}</h2>"
            f"<p>批次：{esc(e.batch)}；主办：{esc(e.lead)}；答复日期：{esc(e.replied_on)}</p>"
        )
        parts.extend(f"<p>{esc(p)}</p>" for p in e.reply.splitlines() if p.strip())
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def summary_docx(year: int, batch: str | None, entries: list[SummaryEntry]) -> bytes:
    title, line = heading(year, batch, entries)
    doc = Document()
    doc.add_heading(title, level=1)
    doc.add_paragraph(line)
    for e in entries:
        doc.add_heading(f"{e.kind}第{e.number}号：{e.title}", level=2)
        doc.add_paragraph(f"批次：{e.batch}；主办：{e.lead}；答复日期：{e.replied_on}")
        for paragraph in e.reply.splitlines():
            if paragraph.strip():
                doc.add_paragraph(paragraph)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def publish(
    session: Session, user: User, year: int, batch: str | None, seen: list[int], now: datetime
) -> int:
    """Mark the reviewed summary as published. `seen` is the proposal ids the reviewer was shown:
    if the summary changed since (a new answer), nothing is published and the page is shown again."""
    require_role(user, PUBLISH_ROLES, "发布建议提案办理情况")
    entries = summary(session, user, year, batch)
    if sorted(e.proposal_id for e in entries) != sorted(seen):
        raise WorkflowError("办理情况在您审阅后有变化（有新的答复），请重新审阅后再发布。")
    if not entries:
        raise WorkflowError("没有可发布的已答复建议提案。")
    count = 0
    for p in session.scalars(select(Proposal).where(Proposal.id.in_(seen))):
        if p.published_at is not None:
            continue
        p.published_at = now
        record_event(
            session,
            p.item,
            user,
            "办理情况公开",
            after={"年度": year, "批次": batch or "全部"},
            at=now,
        )
        count += 1
    session.flush()
    return count
