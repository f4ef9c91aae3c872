"""舆情 risk level from signals in the text and the number of earlier complaints.

The scale (一般 / 较大 / 重大 by default) is our own — 国办发〔2016〕61号 defines which 舆情 must be
answered, not a grading. Score = sum of the weights of the signals present + repeat-complaint points;
the level is the highest whose `min_score` is reached, raised to a signal's `min_level` if that is
higher. Every point is listed in `reasons`, so staff can see why an item was flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

from classifier.opinion.topics import OpinionConfig, matched_keywords, normalise


@dataclass(frozen=True)
class RiskAssessment:
    level: str
    score: int
    reasons: list[str]
    signals: list[str]


def assess_risk(text: str, config: OpinionConfig, repeat_count: int = 0) -> RiskAssessment:
    """Assess one item's text; `repeat_count` = earlier complaints on the same matter (caller's)."""
    return assess_normalised(normalise(text), config, repeat_count)


def assess_normalised(norm: str, config: OpinionConfig, repeat_count: int = 0) -> RiskAssessment:
    """`assess_risk` of a text already in matching form (`classifier.opinion.topics.normalise`)."""
    score = 0
    reasons: list[str] = []
    signals: list[str] = []
    floor = 0
    for signal in config.signals:
        hits = matched_keywords(norm, signal.forms, signal.patterns)
        if not hits:
            continue
        score += signal.weight
        signals.append(signal.name)
        reasons.append(f"{signal.name}（{'、'.join(hits[:3])}）+{signal.weight}")
        if signal.min_level:
            floor = max(floor, config.level_rank(signal.min_level))
    for rule in config.repeat_rules:
        if repeat_count >= rule.count:
            score += rule.weight
            if "重复投诉" not in signals:
                signals.append("重复投诉")
            reasons.append(f"重复投诉（此前已反映 {repeat_count} 次，≥{rule.count}）+{rule.weight}")
    rank = max(i for i, level in enumerate(config.levels) if score >= level.min_score)
    rank = max(rank, floor)
    return RiskAssessment(config.levels[rank].name, score, reasons, signals)
