"""The project's jieba user dictionary, and jieba's log: what tokenising needs before scikit-learn.

Apart from `classifier.words.text` (which imports scikit-learn for its transformer) so that topic discovery
and the `huiying hot-topics` command can use them without paying for that import.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

DEFAULT_USERDICT = Path(__file__).resolve().parents[2] / "data" / "userdict.txt"
USERDICT_ENV = "HUIYING_USERDICT"


def userdict_path() -> Path:
    """The user dictionary in use: $HUIYING_USERDICT, else data/userdict.txt of the project."""
    return Path(os.environ.get(USERDICT_ENV) or DEFAULT_USERDICT)


def read_userdict(path: Path) -> list[tuple[str, int | None, str | None]]:
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


def userdict_entries() -> list[tuple[str, int | None, str | None]]:
    """Entries of the user dictionary in use (`userdict_path`)."""
    return read_userdict(userdict_path())


def quiet_jieba() -> None:
    """Silence jieba's "Building prefix dict…" log lines (the CLI calls this)."""
    logging.getLogger("jieba").setLevel(logging.WARNING)
