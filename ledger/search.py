"""Chinese substring search over title, body and 编号.

Chinese has no word boundaries, so a term matches as a substring (LIKE/ILIKE). On PostgreSQL a GIN
index over each item's character bigrams (migration `speed`, function huiying_bigrams) finds the
candidates first: a term's bigrams must all be present, then ILIKE checks the exact substring.
Bigrams serve two-character terms too, which trigram indexes (pg_trgm) cannot narrow down; the
measurements are in docs/performance.md. SQLite has no such index and keeps LIKE.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, and_, literal, or_
from sqlalchemy.ext.compiler import compiles
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


def bigram_query(term: str) -> str | None:
    """The tsquery text asking for every character bigram of `term` (None below two characters)."""
    low = term.lower()
    grams = sorted({low[i : i + 2] for i in range(len(low) - 1)})
    if not grams:
        return None
    return " & ".join("'" + g.replace("\\", "\\\\").replace("'", "''") + "'" for g in grams)


def term_condition(term: str) -> ColumnElement[bool]:
    """Rows whose title, body or 编号 contain `term` (case-insensitive)."""
    like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    exact = or_(
        Item.title.ilike(like, escape="\\"),
        Item.body.ilike(like, escape="\\"),
        Item.external_id.ilike(like, escape="\\"),
    )
    query = bigram_query(term)
    if query is None:
        return exact
    return and_(bigram_match(literal(query)), exact)
