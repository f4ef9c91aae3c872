"""The routing speed-ups change no suggestion: the fast paths against the straightforward ones.

Reference paths written out here, as the code was before the speed-ups (issue 13):
- normalisation with the `\\s+` regex for whitespace;
- character n-gram TF-IDF counted message by message with a Counter;
- the catalogue prior's keyword hits as a `term in text` loop and its similarity with
  scikit-learn's TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True).

Compared on the department-style messages in tests/files/routing_messages.csv, the seed corpus and,
where ../shared/data is present, the 2,801 raw Teddy Cup messages: top-3 labels equal and
probabilities equal to 1e-6, with the cold-start router and the catalogue of data/departments.toml.
"""

from __future__ import annotations

import csv
import math
import os
import re
from collections import Counter
from itertools import filterfalse
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.routing.catalogue import CataloguePrior, blend
from classifier.routing.model import Router
from classifier.routing.seed import DEFAULT_SEED_CORPUS, load_seed_corpus, train_cold_start
from classifier.words import charngrams
from classifier.words.charngrams import CharNgramTfidf
from classifier.words.features import TEXT_COLUMN, to_frame
from classifier.words.text import (
    _FULLWIDTH,
    _HAS_FULLWIDTH,
    _segmenter,
    normalise,
    stopword_set,
    strip_boilerplate,
)

ROOT = Path(__file__).resolve().parents[2]
TEDDYCUP = (
    Path(os.environ.get("HUIYING_SHARED_DATA", ROOT.parent / "shared" / "data"))
    / "teddycup2020"
    / "unlabelled_messages.csv"
)
CATALOGUE = DEFAULT_SEED_CORPUS.parent / "departments.toml"


def reference_normalise(text: str, remove_stopwords: bool = True) -> str:
    if _HAS_FULLWIDTH.search(text):
        text = text.translate(_FULLWIDTH)
    text = strip_boilerplate(re.sub(r"\s+", "", text.lower()))
    if not remove_stopwords:
        return text
    return "".join(filterfalse(stopword_set().__contains__, _segmenter()(text, False)))


def reference_char_tfidf(vec: CharNgramTfidf, texts: list[str]) -> sp.csr_matrix:
    """One message at a time, counts in a Counter, TF-IDF and L2 norm in float64."""
    rows, cols, values = [], [], []
    lookup = vec._column_lookup()
    for i, text in enumerate(texts):
        _, buckets = vec._occurrences([text])
        found = lookup[buckets]
        weights = {
            col: (1 + math.log(n)) * float(vec.idf_[col])
            for col, n in Counter(found[found >= 0].tolist()).items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for col, w in weights.items():
            rows.append(i)
            cols.append(col)
            values.append(w / norm)
    return sp.csr_matrix((values, (rows, cols)), shape=(len(texts), vec.n_features_out_))


class ReferencePrior:
    """The catalogue prior's evidence computed the straightforward way."""

    def __init__(self, prior: CataloguePrior, documents: list[str]):
        self.prior = prior
        self.vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=(2, 2), sublinear_tf=True, dtype=np.float32
        )
        self.documents = self.vectorizer.fit_transform(documents)

    def keyword_hits(self, texts: list[str]) -> np.ndarray:
        hits = np.zeros((len(texts), len(self.prior.codes)), dtype=np.float32)
        for j, terms in enumerate(self.prior._terms):
            for i, text in enumerate(texts):
                hits[i, j] = sum(term in text for term in terms)
        return hits

    def evidence(self, texts: list[str]) -> np.ndarray:
        cosine = (self.vectorizer.transform(texts) @ self.documents.T).toarray()
        best = np.zeros((len(texts), len(self.prior.codes)), dtype=np.float32)
        for j in range(len(self.prior.codes)):
            columns = self.prior._owners == j
            if columns.any():
                best[:, j] = cosine[:, columns].max(axis=1)
        return (
            self.prior.keyword_weight * self.keyword_hits(texts)
            + self.prior.similarity_weight * best
        )


def catalogue_documents() -> list[str]:
    from classifier.routing.catalogue import read_profiles

    return [
        normalise(text)
        for p in read_profiles(CATALOGUE)
        for text in (p.duties, *p.requests)
        if text.strip()
    ]


def messages() -> tuple[list[str], list[str]]:
    titles, bodies = [], []
    with open(ROOT / "tests" / "files" / "routing_messages.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            titles.append(row["title"])
            bodies.append(row["body"])
    for example in load_seed_corpus()[::4]:
        titles.append(example.title)
        bodies.append(example.body)
    # whitespace of every kind, full-width forms, capitals, boilerplate, empty texts
    titles += ["", "ＡＢＣ　化工\u3000园区", "来电人反映：", "", "Ｎo.5  基站\t\t 扰民"]
    bodies += ["", "尊敬的领导：您好！\r\n化工园区\u00a0认定？", "", "，。！", "𠀀𠀁 专精特新"]
    if TEDDYCUP.is_file():
        with open(TEDDYCUP, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                titles.append(row["title"])
                bodies.append(row["body"])
    return titles, bodies


@pytest.fixture(scope="module")
def router() -> Router:
    return train_cold_start()


@pytest.fixture(scope="module")
def prior() -> CataloguePrior:
    return CataloguePrior.from_toml(CATALOGUE)


def test_normalise_matches_the_regex_form():
    titles, bodies = messages()
    texts = [f"{t}\n{b}" for t, b in zip(titles, bodies, strict=True)]
    assert [normalise(t) for t in texts] == [reference_normalise(t) for t in texts]
    assert [normalise(t, False) for t in texts] == [reference_normalise(t, False) for t in texts]


def test_str_split_drops_exactly_what_the_whitespace_regex_drops():
    whitespace = re.compile(r"\s+")
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        text = f"a{chr(code)}b"
        assert "".join(text.split()) == whitespace.sub("", text), hex(code)


def test_char_tfidf_matches_message_by_message_counting(monkeypatch):
    titles, bodies = messages()
    texts = [normalise(f"{t}\n{b}") for t, b in zip(titles, bodies, strict=True)]
    vec = CharNgramTfidf().fit(texts[: len(texts) // 2])
    expected = reference_char_tfidf(vec, texts)
    for block in (charngrams._BLOCK, 7, 1024):  # several blocks, one row at a time, one block
        monkeypatch.setattr(charngrams, "_BLOCK", block)
        got = vec.transform(texts)
        assert got.dtype == np.float32 and got.has_sorted_indices
        assert abs(got - expected).max() <= 1e-6


def test_bigram_counts_match_countvectorizer(prior):
    titles, bodies = messages()
    texts = [f"{t}\n{b}" for t, b in zip(titles, bodies, strict=True)]
    for batch in ([normalise(t) for t in texts], texts, [], [""], ["a"]):
        assert prior._counter is not None
        got, expected = prior.bigram_counts(batch), prior._counter.transform(batch)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        assert got.has_sorted_indices and (got != expected).nnz == 0


def test_prior_evidence_matches_the_reference(prior):
    titles, bodies = messages()
    texts = [normalise(f"{t}\n{b}") for t, b in zip(titles, bodies, strict=True)]
    reference = ReferencePrior(prior, catalogue_documents())
    assert np.array_equal(prior.keyword_hits(texts), reference.keyword_hits(texts))
    assert np.allclose(prior.evidence_normalised(texts), reference.evidence(texts), atol=1e-6)


def test_top3_with_and_without_the_catalogue_match_the_reference_path(router, prior):
    titles, bodies = messages()
    frame = to_frame(titles, bodies)
    features = router.pipeline.named_steps["features"]
    blocks = []
    for name, pipe, columns in features.transformers_:
        if name == "remainder":
            continue
        keep = pipe.named_steps["normalise"].remove_stopwords
        texts = [reference_normalise(str(t), keep) for t in frame[:, columns[0]]]
        weight = (features.transformer_weights or {}).get(name, 1.0)
        blocks.append(weight * reference_char_tfidf(pipe.named_steps["tfidf"], texts))
    x = sp.hstack(blocks, format="csr", dtype=np.float32)
    model = router.pipeline.named_steps["clf"].predict_proba(x)
    classes = [str(c) for c in router.pipeline.classes_]
    normal = [reference_normalise(str(t)) for t in frame[:, TEXT_COLUMN]]
    evidence = ReferencePrior(prior, catalogue_documents()).evidence(normal)
    blended, labels = blend(model, classes, evidence, prior.codes)

    assert np.allclose(router.predict_proba(titles, bodies), model, rtol=0, atol=1e-6)
    fast = prior.evidence_normalised([normalise(str(t)) for t in frame[:, TEXT_COLUMN]])
    fast_blended, fast_labels = blend(model, classes, fast, prior.codes)
    assert fast_labels == labels
    assert np.allclose(fast_blended, blended, rtol=0, atol=1e-6)
    for with_prior, proba, names in ((None, model, classes), (prior, blended, labels)):
        predictions = router.predict(titles, bodies, with_prior)
        order = np.argsort(-proba, axis=1)[:, :3]
        for p, row, best in zip(predictions, proba, order, strict=True):
            assert [c for c, _ in p.top3] == [names[i] for i in best]
            assert np.allclose([q for _, q in p.top3], row[best], rtol=0, atol=5e-5 + 1e-6)
