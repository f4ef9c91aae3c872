"""Sparse features for topic discovery: TF-IDF over words and names, names weighted heavily."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix, diags

from analysis.topics.terms import Terms, core, trigrams
from analysis.topics.vectors import normalize_rows, tfidf

# Column weights by kind of term. Names decide which issue a message is about; the words say what
# happened there; the district alone (A3区) groups nothing.
WEIGHTS = {"p": 2.0, "g": 1.0, "r": 1.2, "t": 2.0, "w": 1.0, "a": 0.3}


def prefixed(terms: Terms) -> list[str]:
    """Prefixed terms: p: names, g: name trigrams, r: areas, t: title words, w: all words, a: district."""
    bag = [f"p:{core(p)}" for p in terms.places]
    bag += [f"r:{r}" for r in terms.areas]
    bag += [f"g:{g}" for p in dict.fromkeys(terms.places) for g in trigrams(p)]
    bag += [f"t:{w}" for w in terms.title_words]
    bag += [f"w:{w}" for w in terms.title_words + terms.words]
    bag += [f"a:{a}" for a in terms.admin]
    return bag


def build_matrix(bags: Sequence[list[str]]) -> tuple[csr_matrix, np.ndarray]:
    """Row-normalised weighted TF-IDF matrix and the feature names."""
    # On small inputs (one month of one 处室) every term counts; on large ones rare and very common
    # terms are dropped.
    min_df = 2 if len(bags) >= 50 else 1
    max_df = 0.2 if len(bags) >= 200 else 1.0
    x, names = tfidf(bags, min_df, max_df)
    if not len(names):  # every term too rare or too common: no features at all
        return x, names
    weights = np.array([WEIGHTS[n[0]] for n in names])
    x = normalize_rows(x @ diags(weights), copy=False)
    return x.tocsr(), names
