"""Source configuration: one TOML file per site in a sources directory (data/sources by default).

A source composes a list part (HTML rows, CDATA XML embedded in a page, or JSON records; paged by
page number, next link or cursor) with an optional HTML detail part. Field values are selectors:
``"css:a.subject::attr(href)"``, ``"xpath://td[.='主题']/following-sibling::td[1]"``,
``"json:data.items"``, or a table ``{css = "...", re = "留言时间：(\\S+)"}``.
``${VAR:-default}`` anywhere in the file is replaced from the environment.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
LIST_FORMATS = {"html", "embedded_xml", "json"}
PAGINGS = {"page", "next_link", "cursor", "none"}
_ENV = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


class SourceConfigError(ValueError):
    """A source file is missing a key or has a wrong value; the message names the file and key."""


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # css | xpath | json
    expr: str
    regex: str | None = None
    join: str = ""

    @classmethod
    def parse(cls, value: Any, where: str) -> FieldSpec:
        if isinstance(value, str):
            kind, sep, expr = value.partition(":")
            if not sep or kind not in {"css", "xpath", "json"}:
                raise SourceConfigError(f"{where}: expected 'css:…', 'xpath:…' or 'json:…'")
            return cls(kind, expr)
        if isinstance(value, Mapping):
            kinds = [k for k in ("css", "xpath", "json") if k in value]
            if len(kinds) != 1:
                raise SourceConfigError(f"{where}: give exactly one of css, xpath, json")
            return cls(kinds[0], value[kinds[0]], value.get("re"), value.get("join", ""))
        raise SourceConfigError(f"{where}: a selector string or table is required")


@dataclass(frozen=True)
class ListSpec:
    format: str
    url: str
    paging: str
    rows: FieldSpec
    fields: dict[str, FieldSpec]
    first_url: str | None = None
    first_page: int = 1
    max_pages: int = 10_000
    xml: FieldSpec | None = None  # embedded_xml: where the XML sits in the page
    next: FieldSpec | None = None  # next_link: the link; cursor: the next cursor value
    has_more: FieldSpec | None = None  # cursor: whether to go on
    cursor_param: str = "cursor"


@dataclass(frozen=True)
class DetailSpec:
    fields: dict[str, FieldSpec]
    required: tuple[str, ...] = ("title", "body")


@dataclass(frozen=True)
class SourceConfig:
    slug: str
    name: str
    item_type: str
    layout: str
    list: ListSpec
    detail: DetailSpec | None
    path: Path
    encoding: str | None = None  # override what the server declares
    timezone: str = "Asia/Shanghai"
    replied_statuses: tuple[str, ...] = ()
    open_statuses: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    politeness: dict[str, Any] = field(default_factory=dict)
    parse_retries: int = 2
    not_before: datetime | None = None  # received times before this are refused (channel's start)


def default_sources_dir() -> Path:
    """HUIYING_SOURCES_DIR, else <HUIYING_DATA_DIR or ./data>/sources."""
    if os.environ.get("HUIYING_SOURCES_DIR"):
        return Path(os.environ["HUIYING_SOURCES_DIR"])
    data_dir = Path(os.environ.get("HUIYING_DATA_DIR", REPO_ROOT / "data"))
    return data_dir / "sources"


def expand_env(text: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ

    def repl(m: re.Match[str]) -> str:
        value = env.get(m.group(1))
        if value is None:
            if m.group(2) is None:
                raise SourceConfigError(f"environment variable {m.group(1)} is not set")
            return m.group(2)
        return value

    return _ENV.sub(repl, text)


def list_sources(sources_dir: Path | None = None) -> list[str]:
    directory = sources_dir or default_sources_dir()
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_source(
    slug: str, sources_dir: Path | None = None, environ: Mapping[str, str] | None = None
) -> SourceConfig:
    path = (sources_dir or default_sources_dir()) / f"{slug}.toml"
    if not path.is_file():
        raise SourceConfigError(f"no source file {path}")
    try:
        raw = tomllib.loads(expand_env(path.read_text("utf-8"), environ))
    except tomllib.TOMLDecodeError as exc:
        raise SourceConfigError(f"{path}: {exc}") from exc
    return parse_source(raw, path)


def parse_source(raw: dict[str, Any], path: Path) -> SourceConfig:
    where = path.name
    slug = _req(raw, "slug", where)
    if slug != path.stem:
        raise SourceConfigError(f"{where}: slug {slug!r} must match the file name")
    base = raw.get("base_url", "").rstrip("/")
    listing = _req(raw, "list", where)
    detail = raw.get("detail")
    incremental = raw.get("incremental", {})
    auth = raw.get("auth", {})
    headers = dict(raw.get("headers", {}))
    if auth:
        if auth.get("kind") != "bearer":
            raise SourceConfigError(f"{where}: [auth] kind must be 'bearer'")
        headers["Authorization"] = f"Bearer {_req(auth, 'token', where + ' [auth]')}"
    return SourceConfig(
        slug=slug,
        name=raw.get("name", slug),
        item_type=_req(raw, "item_type", where),
        layout=raw.get("layout", ""),
        list=_list_spec(listing, base, f"{where} [list]"),
        detail=_detail_spec(detail, f"{where} [detail]") if detail else None,
        path=path,
        encoding=raw.get("encoding"),
        timezone=raw.get("timezone", "Asia/Shanghai"),
        replied_statuses=tuple(incremental.get("replied_statuses", ())),
        open_statuses=tuple(incremental.get("open_statuses", ())),
        headers=headers,
        politeness=dict(raw.get("politeness", {})),
        parse_retries=int(raw.get("parse_retries", 2)),
        not_before=_date(raw.get("not_before"), raw.get("timezone", "Asia/Shanghai"), where),
    )


def _list_spec(raw: dict[str, Any], base: str, where: str) -> ListSpec:
    fmt = _req(raw, "format", where)
    if fmt not in LIST_FORMATS:
        raise SourceConfigError(f"{where}: format must be one of {sorted(LIST_FORMATS)}")
    paging = raw.get("paging", "none")
    if paging not in PAGINGS:
        raise SourceConfigError(f"{where}: paging must be one of {sorted(PAGINGS)}")
    fields = {
        k: FieldSpec.parse(v, f"{where} fields.{k}") for k, v in raw.get("fields", {}).items()
    }
    if "external_id" not in fields:
        raise SourceConfigError(f"{where}: fields.external_id is required")

    def opt(key: str) -> FieldSpec | None:
        return FieldSpec.parse(raw[key], f"{where} {key}") if key in raw else None

    spec = ListSpec(
        format=fmt,
        url=_req(raw, "url", where).replace("{base_url}", base),
        first_url=raw["first_url"].replace("{base_url}", base) if "first_url" in raw else None,
        paging=paging,
        rows=FieldSpec.parse(_req(raw, "rows", where), f"{where} rows"),
        fields=fields,
        first_page=int(raw.get("first_page", 1)),
        max_pages=int(raw.get("max_pages", 10_000)),
        xml=opt("xml"),
        next=opt("next"),
        has_more=opt("has_more"),
        cursor_param=raw.get("cursor_param", "cursor"),
    )
    if fmt == "embedded_xml" and spec.xml is None:
        raise SourceConfigError(f"{where}: embedded_xml needs `xml` (where the XML sits)")
    if paging in {"next_link", "cursor"} and spec.next is None:
        raise SourceConfigError(f"{where}: paging {paging!r} needs `next`")
    if paging == "page" and "{page}" not in spec.url:
        raise SourceConfigError(f"{where}: paging 'page' needs {{page}} in url")
    return spec


def _detail_spec(raw: dict[str, Any], where: str) -> DetailSpec:
    fields = {
        k: FieldSpec.parse(v, f"{where} fields.{k}") for k, v in raw.get("fields", {}).items()
    }
    required = tuple(raw.get("required", ("title", "body")))
    return DetailSpec(fields=fields, required=required)


def _date(value: Any, tz: str, where: str) -> datetime | None:
    """A TOML date or datetime (`not_before = 2015-01-01`) as an aware datetime in the source's zone."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=ZoneInfo(tz))
    raise SourceConfigError(f"{where}: `not_before` must be a date such as 2015-01-01")


def _req(raw: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in raw or raw[key] in ("", None):
        raise SourceConfigError(f"{where}: `{key}` is required")
    return raw[key]
