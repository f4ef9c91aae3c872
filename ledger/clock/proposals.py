"""The other clocks of a 人大建议/政协提案 (pure: no models).

The item's own deadline is the 主办's 3-month reply clock (deadline_rules.toml [proposal]). Beside
it run the 协办 opinion clock (1 month from 交办, one per 协办 处室), the "not ours" report window
(5 working days from 交办) and, after a 不满意, the 再次办理 clock. Their rules are data too, in
data/proposal_clocks.toml, in the deadline rule format, so they are computed and explained by the
same code as every other deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ledger.clock.calendar import WorkingCalendar
from ledger.clock.deadlines import DeadlineResult, DeadlineRule, RuleFileError, compute_deadline
from ledger.clock.rules import load_rules

COHANDLER, NOT_OURS, REHANDLING = "cohandler_opinion", "not_ours_report", "rehandling"


@dataclass(frozen=True)
class ProposalClockRules:
    cohandler: DeadlineRule
    not_ours: DeadlineRule
    rehandling: DeadlineRule

    def opinion_due(self, assigned_at: datetime, calendar: WorkingCalendar) -> DeadlineResult:
        return compute_deadline(self.cohandler, assigned_at, calendar)

    def not_ours_due(self, assigned_at: datetime, calendar: WorkingCalendar) -> DeadlineResult:
        return compute_deadline(self.not_ours, assigned_at, calendar)

    def rehandling_due(self, unsatisfied_at: datetime, calendar: WorkingCalendar) -> DeadlineResult:
        return compute_deadline(self.rehandling, unsatisfied_at, calendar)


def load_proposal_clocks(path: Path) -> ProposalClockRules:
    """Read data/proposal_clocks.toml; a missing section is refused with its name."""
    book = load_rules(path)
    missing = [k for k in (COHANDLER, NOT_OURS, REHANDLING) if k not in book.rules]
    if missing:
        raise RuleFileError(f"{path}：缺少 [{'] ['.join(missing)}] 段（建议提案的分项时限）")
    return ProposalClockRules(book.rules[COHANDLER], book.rules[NOT_OURS], book.rules[REHANDLING])
