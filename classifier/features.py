"""TF-IDF features: word n-grams (jieba cuts) and character n-grams, title weighted separately.

The input of the feature step is a 2-column object array: column 0 the whole text (title + body),
column 1 the title alone. With titles the title's words get a second, separately weighted block of
features; without titles (single-text data such as the Teddy Cup corpus) that block is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.text import compact, tokenize

TEXT_COLUMN = 0
TITLE_COLUMN = 1


@dataclass(frozen=True)
class FeatureConfig:
    """Vectorizer settings; the defaults were chosen by cross-validation on Teddy Cup train."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 3)
    char_min_df: int = 2
    text_weight: float = 1.0
    char_weight: float = 1.0
    title_weight: float = 0.5
    use_title: bool = True


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


def char_vectorizer(ngrams: tuple[int, int], min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        preprocessor=compact,
        ngram_range=ngrams,
        min_df=min_df,
        sublinear_tf=True,
        dtype=np.float32,
    )


def build_features(config: FeatureConfig) -> ColumnTransformer:
    """The feature step of the router pipeline."""
    blocks = [
        ("text_words", word_vectorizer(config.word_ngrams), TEXT_COLUMN),
        ("text_chars", char_vectorizer(config.char_ngrams, config.char_min_df), TEXT_COLUMN),
    ]
    weights = {"text_words": config.text_weight, "text_chars": config.char_weight}
    if config.use_title:
        blocks.append(("title_words", word_vectorizer((1, 1)), TITLE_COLUMN))
        weights["title_words"] = config.title_weight
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
