"""TF-IDF features: hashed character n-grams of the whole text, plus a separately weighted title block.

The input of the feature step is a 2-column object array: column 0 the whole text (title + body),
column 1 the title alone. With titles the title's characters get a second, separately weighted block
of features; without titles (single-text data such as the Teddy Cup corpus) that block is left out.

Character 1–2 grams over letters and digits (whitespace and punctuation dropped, full-width folded)
were chosen by validation on Teddy Cup train: on Chinese they cover most words, they are identical for
raw and space-segmented text, and computed in numpy (`classifier.words.charngrams`) they cost a few
microseconds per message, where jieba word cuts cost ~150 µs. Word n-grams (jieba/rjieba cuts) remain
available as an option (`word_weight > 0`) at that price.

5-fold CV on Teddy Cup train (macro-F1, mean of folds; char 1–2 + LinearSVC C=3 is 0.9227 ± 0.005)
found nothing better: char 1–3 0.918, 1–4 0.912, 1–2 + separate 3-grams 0.918, + word 1–2 grams of
the given segmentation 0.920–0.923, + char skip-bigrams 0.923, unigram/bigram blocks weighted
separately 0.916–0.922, the older sklearn char 1–3 + word 1–2 set-up 0.918, truncation to 300 chars
0.916, min_df 1 0.922, no sublinear TF 0.918; other classifiers (C 2–10, class_weight, Crammer–Singer,
ridge, SGD, logistic regression, NB-SVM, score-averaging ensembles, dropping suspected label noise)
0.913–0.923; IDF over the unlabelled platform messages 0.918 and self-training on them 0.917–0.920.
Issue 13, 5-fold CV × 3 seeds, paired with the production model (0.9214 there;
`benchmarks/classify_variants.py`): class_weight="balanced" +0.0014, + word 1–2-gram TF-IDF of the
normalised words (weight 0.5) +0.0009, NB-SVM on the char n-grams ±0, SGD(modified_huber) −0.008,
SVM + ComplementNB on word 1–2-gram counts −0.002 to +0.0002: all within the noise. That blend lifts
the learning curve drawn inside train a little (+0.004 at 50 per class, weight 0.15), not enough to
pay for a word block at prediction time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from classifier.words.charngrams import CharNgramTfidf
from classifier.words.text import TextNormaliser, tokenize

TEXT_COLUMN = 0
TITLE_COLUMN = 1


@dataclass(frozen=True)
class FeatureConfig:
    """Vectorizer settings; the defaults were chosen on validation splits of Teddy Cup train."""

    char_ngrams: tuple[int, int] = (1, 2)
    char_min_df: int = 2
    hash_bits: int = 21
    char_weight: float = 1.0
    word_ngrams: tuple[int, int] = (1, 2)
    word_weight: float = 0.0  # 0 = no word block (fast path: no tokenizer at prediction time)
    title_weight: float = 0.5
    use_title: bool = True
    # Cut into words and drop stopwords (robust to segmented/stopword-free input; ~4x the cost)
    remove_stopwords: bool = True


def word_vectorizer(ngrams: tuple[int, int], min_df: int = 1) -> TfidfVectorizer:
    return TfidfVectorizer(
        tokenizer=tokenize,
        token_pattern=None,
        lowercase=False,
        ngram_range=ngrams,
        min_df=min_df,
        sublinear_tf=True,
        dtype=np.float32,
    )


def char_vectorizer(
    ngrams: tuple[int, int],
    min_df: int,
    bits: int = 21,
    seed: int = 0,
    remove_stopwords: bool = True,
) -> Pipeline:
    """Normalised text (`classifier.words.text.normalise`) → hashed character n-gram TF-IDF."""
    return Pipeline(
        [
            ("normalise", TextNormaliser(remove_stopwords)),
            ("tfidf", CharNgramTfidf(ngram_range=ngrams, min_df=min_df, n_bits=bits, seed=seed)),
        ]
    )


def build_features(config: FeatureConfig) -> ColumnTransformer:
    """The feature step of the router pipeline (each text block normalises its own column, so a
    model without a title block never spends time on titles)."""
    blocks = [
        (
            "text_chars",
            char_vectorizer(
                config.char_ngrams,
                config.char_min_df,
                config.hash_bits,
                remove_stopwords=config.remove_stopwords,
            ),
            [TEXT_COLUMN],
        )
    ]
    weights = {"text_chars": config.char_weight}
    if config.word_weight > 0:
        blocks.append(("text_words", word_vectorizer(config.word_ngrams), TEXT_COLUMN))
        weights["text_words"] = config.word_weight
    if config.use_title:
        blocks.append(
            (
                "title_chars",
                char_vectorizer(
                    config.char_ngrams, 1, config.hash_bits, 1, config.remove_stopwords
                ),
                [TITLE_COLUMN],
            )
        )
        weights["title_chars"] = config.title_weight
    return ColumnTransformer(blocks, transformer_weights=weights, sparse_threshold=1.0)


def to_frame(titles: Sequence[str] | None, bodies: Sequence[str]) -> np.ndarray:
    """Stack (title, body) pairs into the feature step's input; titles may be None (single text)."""
    bodies = ["" if b is None else str(b) for b in bodies]
    if titles is None:
        titles = [""] * len(bodies)
    titles = ["" if t is None else str(t) for t in titles]
    if len(titles) != len(bodies):
        raise ValueError(f"{len(titles)} titles but {len(bodies)} bodies")
    frame = np.empty((len(bodies), 2), dtype=object)
    frame[:, TEXT_COLUMN] = [f"{t}\n{b}" if t else b for t, b in zip(titles, bodies, strict=True)]
    frame[:, TITLE_COLUMN] = titles
    return frame
