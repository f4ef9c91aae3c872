"""Chinese substring search over title, body and 编号.

Chinese has no word boundaries, so a term matches as a substring (LIKE/ILIKE). On PostgreSQL a GIN
index over each item's character bigrams (migration `speed`, function huiying_bigrams) finds the
candidates first: a term's bigrams must all be present, then ILIKE checks the exact substring.
Bigrams serve two-character terms too, which trigram indexes (pg_trgm) cannot narrow down; the
measurements are in docs/performance.md. SQLite has no such index and keeps LIKE.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Boolean, ColumnElement, and_, literal, or_, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from ledger.models import Item

# Must be the same expression as the index in migration `speed`, or the planner cannot use it.
SEARCH_EXPR = "huiying_bigrams(item.title || ' ' || item.body || ' ' || item.external_id)"


class bigram_match(FunctionElement[bool]):  # noqa: N801 (SQL function style)
    """True when the item has all of a tsquery's bigrams: index-backed on PostgreSQL, a no-op
    (always true) elsewhere, where the exact LIKE check alone decides."""

    type = Boolean()
    inherit_cache = True
    name = "bigram_match"


@compiles(bigram_match)
def _compile_default(element: bigram_match, compiler: Any, **kw: Any) -> str:
    return "1 = 1"


@compiles(bigram_match, "postgresql")
def _compile_postgresql(element: bigram_match, compiler: Any, **kw: Any) -> str:
    return f"{SEARCH_EXPR} @@ CAST({compiler.process(element.clauses, **kw)} AS tsquery)"


class BigramStats:
    """How common each bigram is, from PostgreSQL's statistics on the search index (pg_stats:
    the 1,000 most common elements and their frequencies), reread every few minutes.

    The index condition asks for one bigram only, the term's rarest: with every bigram ANDed the
    planner multiplies their frequencies as if independent and expects a six-character phrase
    to match almost nothing, then sorts tens of thousands of matches instead of walking the
    received_at index. One bigram gives it a true upper bound; ILIKE decides the rest.
    """

    ttl = 600.0

    def __init__(self) -> None:
        self.freqs: dict[str, float] = {}
        self.items = 0.0  # how many items the statistics describe (pg_class.reltuples)
        self.loaded_at: float | None = None

    def refresh(self, session: Session) -> None:
        if session.get_bind().dialect.name != "postgresql":
            return
        if self.loaded_at is not None and time.monotonic() - self.loaded_at < self.ttl:
            return
        row = session.execute(
            text(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE tablename = 'ix_item_search_bigrams'"
            )
        ).first()
        self.freqs = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
        rows = session.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'item'"))
        self.items = max(float(rows.scalar() or 0), 0.0)  # -1: never analysed
        self.loaded_at = time.monotonic()

    def rarest(self, grams: list[str]) -> list[str]:
        if not self.freqs:
            return grams
        return [min(grams, key=lambda g: (self.freqs.get(g, 0.0), g))]

    def share(self, term: str) -> float | None:
        """At most what share of the items contain `term` (its rarest bigram's frequency; a
        bigram too rare for the statistics' list counts as half the rarest listed one); None
        when unknown (no statistics, SQLite, a term under two characters)."""
        low = term.lower()
        grams = {low[i : i + 2] for i in range(len(low) - 1)}
        if not self.freqs or not grams:
            return None
        floor = min(self.freqs.values()) / 2
        return min(self.freqs.get(g, floor) for g in grams)

    def candidates(self, terms: list[str]) -> float | None:
        """At most how many items the bigram index offers for these terms (all must match);
        None when unknown."""
        shares = [s for s in (self.share(t) for t in terms) if s is not None]
        if not shares or not self.items:
            return None
        return min(shares) * self.items


STATS = BigramStats()


def bigram_query(term: str, stats: BigramStats | None = None) -> str | None:
    """The tsquery text asking for the term's bigrams (its rarest one when statistics are
    known); None below two characters."""
    low = term.lower()
    grams = sorted({low[i : i + 2] for i in range(len(low) - 1)})
    if not grams:
        return None
    grams = (stats or STATS).rarest(grams)
    return " & ".join("'" + g.replace("\\", "\\\\").replace("'", "''") + "'" for g in grams)


def exact_condition(term: str, columns: Any = None) -> ColumnElement[bool]:
    """Rows whose title, body or 编号 contain `term` (case-insensitive): the check itself, with
    no index behind it. `columns`: a subquery's columns (.c) in place of the item table's."""
    like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    c = Item if columns is None else columns
    return or_(
        c.title.ilike(like, escape="\\"),
        c.body.ilike(like, escape="\\"),
        c.external_id.ilike(like, escape="\\"),
    )


def term_condition(term: str) -> ColumnElement[bool]:
    """Rows whose title, body or 编号 contain `term` (case-insensitive), with the bigram index
    condition that lets PostgreSQL find the candidates first."""
    exact = exact_condition(term)
    query = bigram_query(term)
    if query is None:
        return exact
    return and_(bigram_match(literal(query)), exact)
