"""The numpy character n-gram TF-IDF: same features for raw and segmented text, sane TF-IDF, pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from classifier.words.charngrams import CharNgramTfidf

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


def test_pipeline_calibrates_with_sklearn_temperature_scaling():
    from sklearn.calibration import CalibratedClassifierCV

    from classifier.routing.model import TrainConfig, fit_pipeline

    texts = [d * (i + 1) for i in range(6) for d in DOCS]
    labels = [str(j % 4) for _ in range(6) for j in range(4)]
    pipeline = fit_pipeline(None, texts, labels, TrainConfig())
    clf = pipeline.named_steps["clf"]
    assert isinstance(clf, CalibratedClassifierCV) and clf.method == "temperature"
    proba = pipeline.predict_proba(np.array([[t, ""] for t in DOCS], dtype=object))
    assert np.allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "check",
    [
        "check_no_attributes_set_in_init",
        "check_parameters_default_constructible",
        "check_get_params_invariance",
        "check_set_params",
        "check_estimator_repr",
        "check_estimator_tags_renamed",
        "check_valid_tag_types",
    ],
)
def test_is_a_proper_sklearn_transformer(check):
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check)("CharNgramTfidf", CharNgramTfidf())


def test_check_estimator_passes_where_it_applies():
    import warnings

    from sklearn.exceptions import SkipTestWarning
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        # text-only input: the numeric-array checks are skipped, as for TfidfVectorizer
        warnings.simplefilter("ignore", SkipTestWarning)
        results = check_estimator(CharNgramTfidf(), on_fail=None)
    assert results and not [r for r in results if r["status"] == "failed"]


def test_defaults_match_the_pipeline_and_fit_returns_self():
    from sklearn.base import clone

    from classifier.words.features import FeatureConfig

    est = CharNgramTfidf()
    config = FeatureConfig()
    assert (est.ngram_range, est.min_df, est.n_bits) == (
        config.char_ngrams,
        config.char_min_df,
        config.hash_bits,
    )
    assert est.fit(DOCS) is est
    assert clone(est).get_params() == est.get_params()
