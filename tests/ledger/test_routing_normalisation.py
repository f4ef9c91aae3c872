"""One normalisation per text on the routing path: the model and the 处室 catalogue prior read
the same `classifier.words.text.normalise` form, computed once per message; the topic and risk rules
share one `classifier.opinion.topics.normalise` form per message, and their keyword lists are normalised
once when the rules load. The suggestions, topics and risk are those of normalising separately."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from classifier.opinion import topics as topics_module
from classifier.opinion.risk import assess_risk
from classifier.opinion.topics import OpinionConfig, load_opinion_config, tag_topics
from classifier.routing.catalogue import CataloguePrior, blend
from classifier.routing.model import load_router
from classifier.words import text as text_module
from ledger.intake.model.routing import ModelRouter

MESSAGES = Path(__file__).resolve().parents[1] / "files" / "routing_messages.csv"


@pytest.fixture(scope="module")
def messages() -> list[tuple[str, str]]:
    with open(MESSAGES, encoding="utf-8", newline="") as fh:
        return [(row["title"], row["body"]) for row in csv.DictReader(fh)]


@pytest.fixture
def router(instance_dir: Path, data_dir: Path) -> ModelRouter:
    """The ledger's router as intake builds it: the run's cold-start model, the catalogue prior,
    the topic and risk rules."""
    return ModelRouter(
        load_router(instance_dir / "models" / "router.joblib"),
        load_opinion_config(data_dir / "topics.toml"),
        CataloguePrior.from_toml(data_dir / "departments.toml"),
    )


def count_calls(monkeypatch: pytest.MonkeyPatch, real: Callable[..., str]) -> list[str]:
    """Wrap the real function wherever a loaded module of ours holds it (under any name) and
    return the list of texts it is called with."""
    calls: list[str] = []

    def counted(text: str, *args: Any, **kwargs: Any) -> str:
        calls.append(text)
        return real(text, *args, **kwargs)

    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(("classifier", "ledger")):
            continue
        for attr, value in list(vars(module).items()):
            if value is real:
                monkeypatch.setattr(module, attr, counted)
    return calls


def test_each_text_is_normalised_once(
    router: ModelRouter, messages: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert router.model.card.params["use_title"]  # the model also has a title block
    texts = [f"{title}\n{body}" for title, body in messages]
    titles = [title for title, _ in messages]
    model_forms = count_calls(monkeypatch, text_module.normalise)
    rule_forms = count_calls(monkeypatch, topics_module.normalise)

    results = router.route_many(messages)

    assert len(results) == len(messages) and all(r.suggestions for r in results)
    # once per message for the model's text block *and* the prior; once per title for the
    # model's title block (another text)
    assert Counter(model_forms) == Counter(texts) + Counter(titles)
    # once per message for the topics *and* the risk; no keyword is normalised again
    assert Counter(rule_forms) == Counter(texts)


def routed_separately(
    router: ModelRouter, messages: list[tuple[str, str]]
) -> list[list[tuple[str, float]]]:
    """Top-3 as before: the model normalises its columns, the prior normalises the texts again."""
    model, prior = router.model, router.prior
    assert prior is not None
    titles, bodies = [t for t, _ in messages], [b for _, b in messages]
    proba = model.predict_proba(titles, bodies)  # plain str cells: the model normalises them
    texts = [f"{t}\n{b}" for t, b in messages]
    blended, classes = blend(
        proba, [str(c) for c in model.pipeline.classes_], prior.evidence(texts), prior.codes
    )
    top = np.argsort(-blended, axis=1)[:, :3]
    return [
        [(classes[i], round(float(blended[row, i]), 4)) for i in idx]
        for row, idx in enumerate(top.tolist())
    ]


def matched_as_before(norm: str, keywords: tuple[str, ...]) -> list[str]:
    """`matched_keywords` as it was: every keyword normalised at every call."""
    return [k for k in keywords if topics_module.normalise(k) in norm]


def reasons_as_before(text: str, config: OpinionConfig) -> list[str]:
    norm = topics_module.normalise(text)
    reasons = []
    for signal in config.signals:
        hits = matched_as_before(norm, signal.keywords)
        hits += [m.group(0) for p in signal.patterns if (m := p.search(norm))]
        if hits:
            reasons.append(f"{signal.name}（{'、'.join(hits[:3])}）+{signal.weight}")
    return reasons


def test_the_same_suggestions_topics_and_risk_as_normalising_separately(
    router: ModelRouter, messages: list[tuple[str, str]]
) -> None:
    extra = [  # a keyword spaced and in lower case; full-width letters and 12345 boilerplate
        ("楼顶要装 5g 基站", "业主担心辐射，多人联名投诉，记者也来了"),
        ("ＡＢＣ公司拖欠货款", "来电人反映：某国企拖欠我们货款两百万，要求协调"),
    ]
    messages = messages + extra
    results = router.route_many(messages)
    expected = routed_separately(router, messages)
    assert [[(s.department_code, s.confidence) for s in r.suggestions] for r in results] == expected
    config = router.opinion
    for (title, body), result in zip(messages, results, strict=True):
        text = f"{title}\n{body}"
        risk = assess_risk(text, config)
        assert result.topics == tag_topics(text, config)
        assert (result.risk_level, result.risk_reasons) == (risk.level, risk.reasons)
        assert result.risk_reasons == reasons_as_before(text, config)
    assert "5G基站" in results[-2].topics
    assert any("投诉" in reason for reason in results[-2].risk_reasons)
