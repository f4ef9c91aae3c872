"""Character-level differences between two versions of a reply (Chinese has no word breaks), as
segments the template shows with <ins>/<del>; the text itself is escaped by Jinja as usual."""

from __future__ import annotations

from difflib import SequenceMatcher

from ledger.masking import mask_personal_data


def diff_segments(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in equal / insert / delete, personal data masked in each piece."""
    old, new = mask_personal_data(old), mask_personal_data(new)
    out: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("equal", old[a1:a2]))
        if op in ("delete", "replace"):
            out.append(("delete", old[a1:a2]))
        if op in ("insert", "replace"):
            out.append(("insert", new[b1:b2]))
    return out
