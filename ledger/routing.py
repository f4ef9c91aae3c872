"""Routing suggestions for intake: which 处室 should handle an item, with what confidence.

`KeywordRouter` is the cold-start fallback over the 处室 catalogue's terms; the trained model from
`classifier` replaces it when a model file exists (see `load_router`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import Department
from ledger.settings import Settings


@dataclass(frozen=True)
class Suggestion:
    department_code: str
    confidence: float


@dataclass(frozen=True)
class RouteResult:
    """Top suggestions (best first); `auto` is True when confident enough to route without a person."""

    suggestions: list[Suggestion]
    auto: bool
    method: str
    topics: list[str] = field(default_factory=list)
    risk_level: str | None = None
    risk_reasons: list[str] = field(default_factory=list)

    @property
    def best(self) -> Suggestion | None:
        return self.suggestions[0] if self.suggestions else None


class Router(Protocol):
    def route(self, title: str, body: str) -> RouteResult: ...


class KeywordRouter:
    """Scores each 处室 by how many of its catalogue terms occur in the text.

    Never auto-routes: keyword hits are a hint for the triage desk, not a decision.
    """

    method = "keyword"

    def __init__(self, terms_by_department: dict[str, Iterable[str]]) -> None:
        self._terms = {code: [t for t in terms if t] for code, terms in terms_by_department.items()}

    def route(self, title: str, body: str) -> RouteResult:
        text = f"{title} {title} {body}"  # the title counts twice: it usually names the subject
        scores: dict[str, float] = {}
        for code, terms in self._terms.items():
            score = sum(text.count(term) * (1 + len(term) / 4) for term in terms)
            if score:
                scores[code] = score
        total = sum(scores.values())
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        suggestions = [Suggestion(code, round(score / total, 3)) for code, score in ranked]
        return RouteResult(suggestions=suggestions, auto=False, method=self.method)


def load_router(session: Session, settings: Settings) -> Router:
    """The keyword router over the active 处室 catalogue (the trained model replaces it later)."""
    departments = session.scalars(select(Department).where(Department.active))
    return KeywordRouter({d.code: d.terms for d in departments})
