"""Tokenisation shared by training and prediction.

`tokenize` is a module-level function so that fitted vectorizers that reference it can be pickled
(a bound method of jieba's global tokenizer holds a lock and cannot). Cuts come from rjieba (the jieba
algorithm in Rust, about 50x faster) when it is installed, otherwise from jieba itself; the model card
records which backend and which user dictionary were used, so a model never silently predicts with
other cuts than it was trained with.

Both raw text and already-segmented text (words separated by spaces) are accepted: the text is split
on whitespace and every chunk is cut again, so "化工 园区" and "化工园区" give the same tokens.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_USERDICT = Path(__file__).resolve().parents[1] / "data" / "userdict.txt"
USERDICT_ENV = "HUIYING_USERDICT"

_WHITESPACE = re.compile(r"\s+")
# Tokens made only of punctuation, symbols or whitespace carry no routing signal.
_NOISE = re.compile(r"^[\W_]+$")


def userdict_path() -> Path:
    """The user dictionary in use: $HUIYING_USERDICT, else data/userdict.txt of the project."""
    return Path(os.environ.get(USERDICT_ENV) or DEFAULT_USERDICT)


def _userdict_entries(path: Path) -> list[tuple[str, int | None, str | None]]:
    """Parse a jieba user dictionary: one ``word [freq] [tag]`` per line, ``#`` comments."""
    entries: list[tuple[str, int | None, str | None]] = []
    if not path.is_file():
        return entries
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else None
        entries.append((parts[0], freq, tag))
    return entries


def quiet_jieba() -> None:
    """Silence jieba's "Building prefix dict…" log lines (the CLI calls this)."""
    logging.getLogger("jieba").setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    entries = _userdict_entries(userdict_path())
    try:
        import rjieba
    except ImportError:  # pragma: no cover - exercised only where rjieba is absent
        import jieba

        quiet_jieba()
        tok = jieba.Tokenizer()
        for word, freq, tag in entries:
            tok.add_word(word, freq, tag)
        return tok.lcut
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
