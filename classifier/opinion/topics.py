"""舆情 configuration (data/topics.toml): topic tags, risk signals, levels; and topic tagging.

Everything here is a pure function of the text and the parsed configuration; `load_opinion_config`
is the only function that touches the file system.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TOPICS_FILE = Path(__file__).resolve().parents[2] / "data" / "topics.toml"

_WHITESPACE = re.compile(r"\s+")

# A keyword as written (what a risk reason shows) and its matching form (`normalise`).
Keyword = tuple[str, str]


def keyword_forms(keywords: Iterable[str]) -> tuple[Keyword, ...]:
    return tuple((k, normalise(k)) for k in keywords)


@dataclass(frozen=True)
class Topic:
    name: str
    keywords: tuple[str, ...]
    also_any: tuple[str, ...] = ()
    description: str = ""
    patterns: tuple[re.Pattern[str], ...] = ()
    # the keyword lists in matching form, normalised once when the rules are loaded
    forms: tuple[Keyword, ...] = field(init=False, repr=False, compare=False)
    also_any_forms: tuple[Keyword, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "forms", keyword_forms(self.keywords))
        object.__setattr__(self, "also_any_forms", keyword_forms(self.also_any))


@dataclass(frozen=True)
class Signal:
    name: str
    keywords: tuple[str, ...]
    weight: int = 1
    min_level: str | None = None
    patterns: tuple[re.Pattern[str], ...] = ()
    forms: tuple[Keyword, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "forms", keyword_forms(self.keywords))


@dataclass(frozen=True)
class Level:
    name: str
    min_score: int


@dataclass(frozen=True)
class RepeatRule:
    count: int
    weight: int


@dataclass(frozen=True)
class OpinionConfig:
    topics: tuple[Topic, ...]
    signals: tuple[Signal, ...]
    levels: tuple[Level, ...]  # ascending by min_score
    repeat_rules: tuple[RepeatRule, ...] = ()

    def level_rank(self, name: str) -> int:
        return [level.name for level in self.levels].index(name)


class ConfigError(ValueError):
    """topics.toml is malformed; the message says which entry."""


def parse_opinion_config(data: dict[str, Any]) -> OpinionConfig:
    """Build the configuration from parsed TOML (a dict), validating it."""
    try:
        topics = tuple(
            Topic(
                name=t["name"],
                keywords=tuple(t["keywords"]),
                also_any=tuple(t.get("also_any", ())),
                description=t.get("description", ""),
                patterns=_compile(t.get("patterns", ())),
            )
            for t in data.get("topic", [])
        )
        signals = tuple(
            Signal(
                name=s["name"],
                keywords=tuple(s["keywords"]),
                weight=int(s.get("weight", 1)),
                min_level=s.get("min_level"),
                patterns=_compile(s.get("patterns", ())),
            )
            for s in data.get("signal", [])
        )
        levels = tuple(
            sorted(
                (Level(lv["name"], int(lv["min_score"])) for lv in data.get("level", [])),
                key=lambda lv: lv.min_score,
            )
        )
        repeat = tuple(
            RepeatRule(int(r["count"]), int(r["weight"]))
            for r in data.get("repeat", {}).get("thresholds", [])
        )
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise ConfigError(f"topics.toml 格式错误 / malformed entry: {exc!r}") from exc
    if not levels or levels[0].min_score > 0:
        raise ConfigError(
            "topics.toml 需要一个 min_score = 0 的最低等级 / needs a level with min_score 0"
        )
    names = {lv.name for lv in levels}
    for signal in signals:
        if signal.min_level and signal.min_level not in names:
            raise ConfigError(f"signal {signal.name}: unknown min_level {signal.min_level}")
    return OpinionConfig(topics, signals, levels, repeat)


def _compile(patterns: Any) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def load_opinion_config(path: str | Path = DEFAULT_TOPICS_FILE) -> OpinionConfig:
    with open(path, "rb") as fh:
        return parse_opinion_config(tomllib.load(fh))


def normalise(text: str) -> str:
    """Whitespace removed and ASCII letters upper-cased, so "5g 基站" matches "5G基站"."""
    return _WHITESPACE.sub("", text).upper()


def matched_keywords(
    text: str, keywords: Sequence[Keyword], patterns: tuple[re.Pattern[str], ...] = ()
) -> list[str]:
    """Keywords (`keyword_forms`) present in `text` (already normalised), as written, then
    matches of the regex patterns."""
    hits = [word for word, form in keywords if form in text]
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            hits.append(match.group(0))
    return hits


def tag_topics(text: str, config: OpinionConfig) -> list[str]:
    """Names of the topics whose keywords occur in the text (multi-label, config order)."""
    return topics_in(normalise(text), config)


def topics_in(norm: str, config: OpinionConfig) -> list[str]:
    """`tag_topics` of a text already in matching form (`normalise`), for a caller that also
    assesses its risk (`classifier.opinion.risk.assess_normalised`)."""
    tags = []
    for topic in config.topics:
        if not matched_keywords(norm, topic.forms, topic.patterns):
            continue
        if topic.also_any and not matched_keywords(norm, topic.also_any_forms):
            continue
        tags.append(topic.name)
    return tags
