"""Computed candidates against the decisions already taken: a later look-alike of an accepted or
published candidate is shown against it ("已公开：引导提问人查阅") instead of being proposed again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analysis.monthly.candidates import Candidate
from ledger.models import DisclosureCandidate

# Share of terms (keywords and names) two candidates must have in common to be the same question.
SAME_QUESTION = 0.4


def candidate_key(c: Candidate) -> str:
    return f"{c.subject}|{c.disclosure_kind}"[:200]


def _terms(keywords: Sequence[str], extra: Sequence[str] = ()) -> set[str]:
    return set(keywords[:6]) | set(extra)


@dataclass
class ShownCandidate:
    candidate: Candidate
    key: str
    decision: DisclosureCandidate | None  # the decision it matches, if any


def match_decisions(
    candidates: Sequence[Candidate], decisions: Sequence[DisclosureCandidate]
) -> list[ShownCandidate]:
    shown = []
    for c in candidates:
        key = candidate_key(c)
        found = next((d for d in decisions if d.key == key), None)
        if found is None:
            mine = _terms(c.keywords, c.places)
            best, score = None, 0.0
            for d in decisions:
                theirs = _terms(d.keywords, [d.subject])
                overlap = len(mine & theirs) / max(len(mine | theirs), 1)
                if overlap > score:
                    best, score = d, overlap
            found = best if score >= SAME_QUESTION else None
        shown.append(ShownCandidate(c, key, found))
    return shown
