"""Conflicting duplicates inside one delivery (one crawl of a source, one batch, one import).

A feed that lists the same 工单编号 twice with different content would make the item flip between the
two versions on every crawl. Within one delivery the first version wins and every later, different
version is refused as a conflict. Why the first: a feed has no trustworthy per-record revision, and
keeping the first keeps the item stable from crawl to crawl (the feed's order is stable), so staff see
one version and a conflict in the crawl summary instead of two "更新" per crawl.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ledger.intake.record_checks import IntakeError


class ConflictingDuplicate(IntakeError):
    """The same (source, external id) arrived twice in one delivery with different content."""


@dataclass
class DeliveryLog:
    """(source, external id) → the tracked values of the version kept in this delivery."""

    kept: dict[tuple[str, str], Mapping[str, object]] = field(default_factory=dict)
    conflicts: int = 0

    def admit(self, source: str, external_id: str, values: Mapping[str, object]) -> None:
        """Remember the first version of a record; an exact repeat passes (intake finds it
        unchanged). Raises ConflictingDuplicate, naming the fields, for a different version."""
        key = (source, str(external_id))
        first = self.kept.setdefault(key, values)
        differing = sorted(name for name in values if first.get(name) != values[name])
        if not differing:
            return
        self.conflicts += 1
        raise ConflictingDuplicate(
            f"{external_id}: 同一编号在本次采集中出现两次且内容不同（{', '.join(differing)}），"
            "保留先收到的版本，这一版本不入库（请向来源核实）"
        )
