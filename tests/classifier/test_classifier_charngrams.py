"""The numpy character n-gram TF-IDF: same features for raw and segmented text, sane TF-IDF, pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from classifier.charngrams import CharNgramTfidf
from classifier.model import SoftmaxCalibrated, fit_temperature

DOCS = [
    "我们是专精特新小巨人企业，化工园区认定什么时候公布？",
    "工厂被拉闸限电，订单交不了",
    "小区物业乱收停车费",
    "化工园区 安全 生产 检查",
]


@pytest.fixture()
def fitted() -> CharNgramTfidf:
    return CharNgramTfidf(ngram_range=(1, 2), min_df=1, n_bits=18).fit(DOCS)


def test_raw_and_segmented_text_give_identical_features(fitted):
    raw = "化工园区，安全生产检查！"
    segmented = "化工 园区 安全 生产 检查"
    a, b = fitted.transform([raw]), fitted.transform([segmented])
    assert (a != b).nnz == 0 and a.nnz > 0


def test_fullwidth_and_case_are_folded(fitted):
    a = fitted.transform(["ＡＢＣ１２３"]).toarray()
    b = fitted.transform(["abc123"]).toarray()
    assert np.array_equal(a, b)


def test_rows_are_l2_normalised_and_empty_text_is_zero(fitted):
    x = fitted.transform([DOCS[0], "", "，。！"])
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1))).ravel()
    assert norms[0] == pytest.approx(1.0, abs=1e-5)
    assert norms[1] == 0 and norms[2] == 0
    assert x.shape == (3, fitted.n_features_out_)


def test_ngrams_do_not_cross_document_boundaries():
    v = CharNgramTfidf(ngram_range=(2, 2), min_df=1, n_bits=18).fit(["甲乙", "丙丁"])
    # "乙丙" would only arise by joining the two documents
    assert v.n_features_out_ == 2
    assert v.transform(["乙丙"]).nnz == 0


def test_min_df_drops_rare_ngrams():
    v = CharNgramTfidf(ngram_range=(1, 1), min_df=2, n_bits=18).fit(["甲乙", "甲丙"])
    assert v.n_features_out_ == 1  # only 甲 occurs in two documents


def test_block_processing_matches_single_pass(fitted):
    many = [DOCS[i % len(DOCS)] + str(i) for i in range(1000)]
    whole = fitted.transform(many)
    parts = [fitted.transform(many[i : i + 7]) for i in range(0, 1000, 7)]
    import scipy.sparse as sp

    assert abs(whole - sp.vstack(parts)).max() < 1e-6


def test_pickle_round_trip_without_lookup_table(fitted):
    fitted.transform(DOCS)  # builds the lookup table
    blob = pickle.dumps(fitted)
    assert len(blob) < 200_000  # the 2**n_bits lookup table is rebuilt, not stored
    again = pickle.loads(blob)
    assert (again.transform(DOCS) != fitted.transform(DOCS)).nnz == 0


def test_temperature_fit_sharpens_or_softens_probabilities():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 600)
    margins = rng.normal(size=(600, 3)) * 0.1
    margins[np.arange(600), y] += 0.5  # informative margins on a small scale
    t = fit_temperature(margins, np.array([0, 1, 2]), y)
    assert t < 1.0  # small SVM margins need sharpening
    clf = SoftmaxCalibrated(temperature=t)
    assert clf.get_params()["temperature"] == t
