"""Tokenisation shared by training and prediction.

`tokenize` is a module-level function so that fitted vectorizers that reference it can be pickled
(a bound method of jieba's global tokenizer holds a lock and cannot). Cuts come from rjieba (the jieba
algorithm in Rust, about 50x faster) when it is installed, otherwise from jieba itself; the model card
records which backend and which user dictionary were used, so a model never silently predicts with
other cuts than it was trained with.

Both raw text and already-segmented text (words separated by spaces) are accepted: the text is split
on whitespace and every chunk is cut again, so "化工 园区" and "化工园区" give the same tokens.

`normalise` is the one form the router sees, at training and at prediction time (`TextNormaliser`,
the first step of each text block of the features): full-width letters and digits folded, lower
case, 12345 and letter boilerplate removed (来电人反映, 市民来电咨询, 尊敬的领导, 您好…), cut into
words, stopwords dropped
(the 中科院计算所 ICT list from the stopwords-zh package: the Teddy Cup split was built with exactly
that list — none of its 1,206 words except two punctuation marks occur in classify_train), and the
words joined without spaces. A raw message and its segmented, stopword-free twin thus reach the
same string, whatever the training text looked like.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import filterfalse
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from classifier.words.userdict import quiet_jieba, userdict_entries, userdict_path

_WHITESPACE = re.compile(r"\s+")
# Tokens made only of punctuation, symbols or whitespace carry no routing signal.
_NOISE = re.compile(r"^[\W_]+$")


def cut_words(text: str) -> list[str]:
    """The router's word cut of a text (rjieba or jieba, the user dictionary, HMM off)."""
    return _segmenter()(text, False)


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    entries = userdict_entries()
    try:
        import rjieba
    except ImportError:  # pragma: no cover - exercised only where rjieba is absent
        import jieba

        quiet_jieba()
        tok = jieba.Tokenizer()
        for word, freq, tag in entries:
            tok.add_word(word, freq, tag)
        return lambda text, hmm=True: tok.lcut(text, HMM=hmm)
    seg = rjieba.Jieba()
    for word, freq, tag in entries:
        seg.add_word(word, freq, tag)
    return seg.cut


def segmenter_info() -> dict[str, str]:
    """Backend name/version and user-dictionary fingerprint, for the model card."""
    from importlib import metadata

    try:
        import rjieba  # noqa: F401

        backend = f"rjieba {metadata.version('rjieba')}"
    except ImportError:  # pragma: no cover
        backend = f"jieba {metadata.version('jieba')}"
    path = userdict_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.is_file() else "none"
    return {"tokenizer": backend, "userdict_sha256": digest}


def tokenize(text: str) -> list[str]:
    """Cut raw or space-segmented Chinese text into words, dropping punctuation-only tokens."""
    cut = _segmenter()
    tokens: list[str] = []
    for chunk in _WHITESPACE.split(text):
        if chunk:
            tokens.extend(t for t in cut(chunk) if not _NOISE.match(t))
    return tokens


def compact(text: str) -> str:
    """Text with all whitespace removed: the input of the character n-grams.

    Segmented text becomes the raw sentence again, so character features are the same for both.
    """
    return _WHITESPACE.sub("", text)


# 12345 work-order and letter boilerplate: who called and how, greetings, sign-offs. Carries no
# routing signal but differs between channels (the Teddy Cup board has none of the 12345 phrasing).
_BOILERPLATE = re.compile(
    # the leading look-ahead lets the regex engine skip most positions (about 5x faster)
    r"(?=[来市群网诉反当企工留尊领各您你此谢望1])(?:"
    r"(?:(?:来电|来信|致电|市民|群众|网友|来电人|来电者|来信人|诉求人|反映人|当事人|企业主)"
    r"(?:通过)?(?:12345)?(?:热线|平台|政务服务便民热线)?(?:来电|来信|致电|留言)?"
    r"(?:反映|咨询|投诉|求助|举报|建议|称|表示|诉求|询问)(?:内容)?[：:，,]?)"
    r"|(?:工单|诉求|来电|留言)内容[：:]"
    r"|12345(?:政务服务便民)?(?:热线|平台)?"
    r"|尊敬的(?:各位)?领导[：:，,]?|(?:领导|各位)?(?:您|你)好[！!：:，,]?"
    r"|此致敬礼|谢谢(?:领导|您)?[！!。]?|望(?:予以)?(?:回复|答复)[！!。]?)"
)


# Full-width digits and letters (punctuation is dropped later anyway); translate only when present.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF5B) if chr(code - 0xFEE0).isalnum()}
_HAS_FULLWIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


@lru_cache(maxsize=1)
def stopword_set() -> frozenset[str]:
    """The ICT (中科院计算所) Chinese stopword list shipped by stopwords-zh."""
    from stopwords import stopwords

    return frozenset(stopwords("ict"))


def strip_boilerplate(text: str) -> str:
    return _BOILERPLATE.sub("", text)


def normalise(text: str, remove_stopwords: bool = True) -> str:
    """The router's view of a text: folded, boilerplate-free, stopword-free words without spaces.

    Without `remove_stopwords` the text is not cut into words at all (about 4x faster; raw and
    segmented text then differ by the stopwords the segmented form lost).
    """
    # Spaces go first so that segmented text ("来电 人 反映") meets the same patterns and cuts.
    # Full-width letters/digits are folded by a translate table: NFKC of a message costs ~90 µs.
    if _HAS_FULLWIDTH.search(text):
        text = text.translate(_FULLWIDTH)
    # str.split() drops exactly what `\s+` matches (checked over all code points), about 3 µs
    # faster on a 400-character message.
    text = strip_boilerplate("".join(text.lower().split()))
    if not remove_stopwords:
        return text
    stop = stopword_set()
    return "".join(filterfalse(stop.__contains__, _segmenter()(text, False)))


def segment_without_stopwords(text: str) -> str:
    """Words separated by spaces, ICT stopwords removed: how the Teddy Cup split was built.

    Benchmarks use it to build the "segmented twin" of a raw message (jieba's default dictionary,
    as the split's authors used, not ours).
    """
    import jieba

    quiet_jieba()
    stop = stopword_set()
    return " ".join(t for t in jieba.lcut(text) if t.strip() and t not in stop)


class NormalisedText(str):
    """A text that carries its `normalise` form (stopwords removed), worked out once by a caller
    that needs it twice: the router's model and the catalogue prior read the same form.

    It is the text itself for everything else (a vectoriser, a tokenizer); `TextNormaliser`
    (stopwords removed) takes the carried form instead of normalising the text again.
    """

    normal: str

    def __new__(cls, text: str, normal: str) -> NormalisedText:
        self = super().__new__(cls, text)
        self.normal = normal
        return self


def with_normal_forms(texts: Sequence[str]) -> tuple[list[NormalisedText], list[str]]:
    """Each text normalised once: the texts carrying their forms, and the forms."""
    normal = [normalise(t) for t in texts]
    return [NormalisedText(t, n) for t, n in zip(texts, normal, strict=True)], normal


class TextNormaliser(TransformerMixin, BaseEstimator):
    """Pipeline step applying `normalise` to every cell of a 1-D or 2-D array of texts."""

    def __init__(self, remove_stopwords: bool = True):
        self.remove_stopwords = remove_stopwords

    def fit(self, X, y=None):
        self.n_features_in_ = 1 if np.ndim(X) == 1 else np.shape(X)[1]
        return self

    def transform(self, X):
        array = np.asarray(X, dtype=object)
        out = np.empty(array.shape, dtype=object)
        flat_in, flat_out = array.reshape(-1), out.reshape(-1)
        for i, value in enumerate(flat_in):
            if self.remove_stopwords and isinstance(value, NormalisedText):
                flat_out[i] = value.normal  # normalised once by the caller (Router.predict)
            else:
                flat_out[i] = normalise("" if value is None else str(value), self.remove_stopwords)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        # texts only (a 1-D array, or the (text, title) columns of `features.to_frame`), so
        # check_estimator's numeric-array checks do not apply, as for TfidfVectorizer
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
