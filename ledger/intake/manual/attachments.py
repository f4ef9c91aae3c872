"""Attachments to manually entered items: checked (type by name and content, size) before anything
is saved, stored under the instance dir, listed in the item's ``extra["附件"]``.

The content check matters because a name is only a claim: an .exe renamed to .pdf is refused.
Files are served by the web app only after the item's visibility check (ledger.queries.get_item).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.intake.record_checks import IntakeError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10

# extension → magic prefixes the content must start with (empty: text, checked separately)
_ZIP = (b"PK\x03\x04",)  # docx / xlsx are zip containers
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # legacy doc / xls
ALLOWED: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "doc": _OLE,
    "docx": _ZIP,
    "xls": _OLE,
    "xlsx": _ZIP,
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "txt": (),
}
MIME = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "txt": "text/plain; charset=utf-8",
}
ALLOWED_ZH = "pdf、doc/docx、xls/xlsx、jpg/png、txt"


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _ext(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _safe_name(name: str) -> str:
    """The file's own name, without any path and without characters a file system dislikes."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "_", name).lstrip(".")
    return name[-120:] or "附件"


def check_uploads(uploads: list[Upload]) -> None:
    """Refuse the whole entry if any attachment is unacceptable (nothing is saved half-way)."""
    if len(uploads) > MAX_FILES:
        raise IntakeError(f"附件最多 {MAX_FILES} 个，本次 {len(uploads)} 个")
    for up in uploads:
        name, ext = _safe_name(up.filename), _ext(up.filename)
        if ext not in ALLOWED:
            raise IntakeError(f"附件“{name}”的类型不允许（只接受 {ALLOWED_ZH}）")
        if not up.data:
            raise IntakeError(f"附件“{name}”是空文件")
        if len(up.data) > MAX_BYTES:
            raise IntakeError(
                f"附件“{name}”大小 {len(up.data) / 1048576:.1f} MB，超过上限 "
                f"{MAX_BYTES // 1048576} MB"
            )
        magics = ALLOWED[ext]
        if magics and not up.data.startswith(magics):
            raise IntakeError(f"附件“{name}”的内容不是 {ext} 文件（文件名与内容不符）")
        if not magics and not _is_text(up.data):
            raise IntakeError(f"附件“{name}”不是纯文本文件")


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def store_uploads(instance_dir: Path, item_id: int, uploads: list[Upload]) -> list[dict[str, Any]]:
    """Write checked uploads to instance/attachments/<item id>/; returns their listing.

    On a failure the files written so far are removed, so a refused entry leaves nothing behind.
    """
    folder = attachment_dir(instance_dir, item_id)
    written: list[Path] = []
    listing: list[dict[str, Any]] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for index, up in enumerate(uploads, start=1):
            digest = hashlib.sha256(up.data).hexdigest()
            stored = f"{index:02d}-{digest[:16]}.{_ext(up.filename)}"
            path = folder / stored
            path.write_bytes(up.data)
            written.append(path)
            listing.append(
                {
                    "no": index,
                    "name": _safe_name(up.filename),
                    "stored": stored,
                    "size": len(up.data),
                    "sha256": digest,
                }
            )
    except OSError as exc:
        remove_files(written)
        raise IntakeError(f"附件保存失败（{exc.strerror or exc}），本次录入未保存") from exc
    return listing


def remove_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def attachment_dir(instance_dir: Path, item_id: int) -> Path:
    return instance_dir / "attachments" / str(int(item_id))


def attachment_path(instance_dir: Path, item_id: int, entry: dict[str, Any]) -> Path:
    """The stored file for one listing entry (names come from our own listing, never the URL)."""
    return attachment_dir(instance_dir, item_id) / Path(str(entry["stored"])).name


def mime_type(entry: dict[str, Any]) -> str:
    return MIME.get(_ext(str(entry["stored"])), "application/octet-stream")
