"""Catalogue prior: keyword and similarity evidence from departments.toml, blended with the model."""

from __future__ import annotations

import numpy as np

from classifier.routing.catalogue import CataloguePrior, DepartmentProfile, blend, read_profiles
from classifier.routing.seed import DEFAULT_SEED_CORPUS

PROFILES = [
    DepartmentProfile("a", "甲处", "化工园区认定", ("化工园区",), ("化工园区认定结果何时公布",)),
    DepartmentProfile("b", "乙处", "无线电管理", ("无线电", "对讲机"), ("对讲机要不要办许可",)),
]


def test_keyword_hits_use_the_normalised_form():
    prior = CataloguePrior(PROFILES)
    hits = prior.keyword_hits(["化工园区", "对讲机和无线电"])
    assert hits.tolist() == [[1.0, 0.0], [0.0, 2.0]]
    evidence = prior.evidence(["我们的 对讲机 受到 无线电 干扰", "ＡＢＣ"])
    assert evidence[0, 1] > evidence[0, 0] and np.all(evidence[1] == 0)


def test_blend_renormalises_and_reaches_unseen_departments():
    proba = np.array([[0.9, 0.1]])
    out, labels = blend(proba, ["a", "x"], np.array([[0.0, 8.0]]), ["a", "b"])
    assert labels == ["a", "x", "b"]
    assert np.isclose(out.sum(), 1.0)
    assert labels[int(out.argmax())] == "b"  # only the catalogue knows b, and the message says so
    same, _ = blend(proba, ["a", "x"], np.zeros((1, 2)), ["a", "b"])
    assert same[0, 0] > same[0, 1] > same[0, 2]  # no evidence: the model's order stands


def test_the_projects_catalogue_has_terms_and_requests_for_every_department():
    profiles = read_profiles(DEFAULT_SEED_CORPUS.parent / "departments.toml")
    assert len(profiles) >= 20
    assert all(p.terms and len(p.requests) >= 3 for p in profiles)
