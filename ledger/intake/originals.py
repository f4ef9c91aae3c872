"""Oversized bodies: the item keeps the first `max_body_chars` characters, the whole text goes to a
file under the instance folder, named from (source, external id), linked from the item's `extra`.

A crawled message is never lost for being long, and no page or export has to carry megabytes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

ORIGINALS_DIR = "originals"
FILE_KEY = "原文文件"  # extra: path of the full text, relative to the instance folder
CHARS_KEY = "原文字数"  # extra: length of the full text


def original_path(source: str, external_id: str) -> Path:
    """Relative path of the full text; hashed so that no id can reach outside the folder."""
    digest = hashlib.sha256(f"{source}\0{external_id}".encode()).hexdigest()[:24]
    safe_source = "".join(c for c in source if c.isalnum() or c in "-_")[:60] or "source"
    return Path(ORIGINALS_DIR) / safe_source / f"{digest}.txt"


def cut_body(
    body: str, limit: int, source: str, external_id: str, instance_dir: Path | None
) -> tuple[str, dict[str, str]]:
    """(body to store, extra entries). Bodies within `limit` are returned unchanged."""
    if len(body) <= limit:
        return body, {}
    if instance_dir is None:
        raise ValueError("an oversized body needs an instance folder to keep the original")
    relative = original_path(source, external_id)
    target = instance_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, "utf-8")
    note = f"\n……（正文共 {len(body)} 字，超过 {limit} 字，此处只显示开头；全文见附件 {relative.as_posix()}）"
    return body[:limit] + note, {FILE_KEY: relative.as_posix(), CHARS_KEY: str(len(body))}
