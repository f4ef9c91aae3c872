"""Apply configured selectors (css / xpath / json paths, optional regex) to pages and records."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from parsel import Selector

from crawler.config.sources import FieldSpec, ListSpec

_PLACEHOLDER = re.compile(r"\{([\w.]+)\}")


class PageError(ValueError):
    """A page cannot be parsed (truncated JSON, wrong encoding, missing content): the reason."""


@dataclass
class ListEntry:
    """One row of a list page: its id, its fields, and the detail page to fetch (if any)."""

    external_id: str
    fields: dict[str, Any]
    detail_url: str | None = None
    row: Any = None  # the raw JSON record (templates may name any of its keys)

    def value(self, name: str) -> Any:
        """A field of the row by its configured name, else (JSON rows) by its path in the record."""
        if name == "external_id":
            return self.external_id
        if self.fields.get(name) not in (None, ""):
            return self.fields[name]
        return json_path(self.row, name) if isinstance(self.row, dict) else None


@dataclass
class ListPage:
    entries: list[ListEntry] = field(default_factory=list)
    next_value: str | None = None  # next link or next cursor
    has_more: bool | None = None
    row_errors: list[str] = field(default_factory=list)  # rows that could not be read, with why


def select(node: Selector | Any, spec: FieldSpec) -> Any:
    """The value of one field: text (joined) for css/xpath, any JSON value for json."""
    if spec.kind == "from":
        values = [select(node, part) for part in spec.parts]
        text = spec.join.join(str(v).strip() for v in values if v not in (None, ""))
        return (_regex(text, spec.regex) if spec.regex else text) or None
    if spec.kind == "json":
        value = json_path(node, spec.expr)
        if spec.regex and value is not None and not isinstance(value, dict | list):
            return _regex(str(value), spec.regex)
        return value
    found = node.css(spec.expr) if spec.kind == "css" else node.xpath(spec.expr)
    parts = found.getall()
    if not parts:
        return None
    text = spec.join.join(parts)
    return _regex(text, spec.regex) if spec.regex else text


def select_many(node: Selector | Any, spec: FieldSpec) -> list[Any]:
    if spec.kind == "json":
        value = json_path(node, spec.expr)
        if value is None:
            return []
        if not isinstance(value, list):
            raise PageError(f"{spec.expr} is not a list")
        return value
    return list(node.css(spec.expr) if spec.kind == "css" else node.xpath(spec.expr))


def json_path(value: Any, path: str) -> Any:
    for part in path.split(".") if path else []:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        else:
            return None
    return value


def _regex(text: str, pattern: str) -> str | None:
    m = re.search(pattern, text)
    if not m:
        return None
    return m.group(1) if m.groups() else m.group(0)


def load_json(body: bytes, encoding: str = "utf-8") -> Any:
    try:
        return json.loads(body.decode(encoding))
    except UnicodeDecodeError as exc:
        raise PageError(f"JSON is not valid {encoding}: {exc.reason} at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise PageError(
            f"truncated or invalid JSON ({len(body)} bytes): {exc.msg} at char {exc.pos}"
        ) from exc


def decode_strict(body: bytes, encoding: str) -> str:
    """The page as text, refusing bytes that are not valid in the page's encoding (mojibake)."""
    codec = (
        "gb18030" if encoding.lower().replace("-", "") in {"gbk", "gb2312", "cp936"} else encoding
    )
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError) as exc:
        detail = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise PageError(f"body is not valid {encoding} (declared/configured): {detail}") from exc


def parse_list(page: Selector | Any, spec: ListSpec) -> ListPage:
    """Rows and paging info of a list page. `page` is a Selector (html/xml) or decoded JSON."""
    result = ListPage()
    if spec.format == "embedded_xml":
        assert spec.xml is not None
        xml_text = select(page, spec.xml)
        if not xml_text:
            raise PageError("no embedded XML list (selector found nothing)")
        rows = select_many(Selector(text=xml_text.strip(), type="xml"), spec.rows)
        nodes = [_fragment(row.xpath("string()").get() or "") for row in rows]
    else:
        nodes = select_many(page, spec.rows)
    for n, node in enumerate(nodes, start=1):
        try:
            result.entries.append(_entry(node, spec))
        except Exception as exc:  # a bad row is refused alone, with why (never a crashed page)
            result.row_errors.append(f"row {n}: {type(exc).__name__}: {exc}")
    if spec.next is not None and spec.next.kind == "last_row":
        last = result.entries[-1] if result.entries else None
        nxt = None if last is None else last.value(spec.next.expr)
        result.next_value = str(nxt).strip() if nxt not in (None, "") else None
    elif spec.next is not None:
        nxt = select(page, spec.next)
        result.next_value = str(nxt).strip() if nxt not in (None, "") else None
    if spec.has_more is not None:
        more = select(page, spec.has_more)
        result.has_more = more if isinstance(more, bool) else str(more).lower() in {"1", "true"}
    return result


def _entry(node: Any, spec: ListSpec) -> ListEntry:
    values = {name: select(node, fs) for name, fs in spec.fields.items()}
    ext = values.get("external_id")
    ext = str(ext).strip() if ext is not None else ""
    link = values.pop("url", None)
    entry = ListEntry(ext, values, str(link).strip() if link not in (None, "") else None)
    if isinstance(node, dict):
        entry.row = node
    if spec.detail_url:
        entry.detail_url = fill_template(spec.detail_url, entry.value)
    return entry


def fill_template(template: str, lookup: Any) -> str:
    """`template` with each {name} replaced by lookup(name) (URL-quoted); a missing one is an error."""

    def repl(m: re.Match[str]) -> str:
        value = lookup(m.group(1))
        if value in (None, ""):
            raise PageError(f"no value for {{{m.group(1)}}} in {template!r}")
        return quote(str(value).strip(), safe="")

    return _PLACEHOLDER.sub(repl, template)


def _fragment(markup: str) -> Selector:
    """A CDATA record (often a bare <tr>) as a selector; rows need a table to survive parsing."""
    markup = markup.strip()
    if markup.startswith("<tr"):
        markup = f"<table>{markup}</table>"
    return Selector(text=markup or "<html></html>")


def parse_detail(page: Selector | Any, fields: dict[str, FieldSpec]) -> dict[str, Any]:
    return {name: select(page, fs) for name, fs in fields.items()}
