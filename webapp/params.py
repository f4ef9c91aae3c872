"""Whole numbers from URLs, query strings and forms, bounded to what the database can hold.

Every int that reaches a query passes through here: the `int` URL converter (an id too large for
an INTEGER column is simply not found → 404) and `int_arg` for query and form fields (a value that
is not a whole number in range → 400 with a Chinese message). Without the bound, SQLite's driver
raises OverflowError and the request ends in a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from ledger.clock.deadlines import SHANGHAI
from ledger.queries import DB_INT_MAX
from webapp.errors import error_page


class BadNumber(BadRequest):
    """A query or form field that should be a whole number in range is not (shown in Chinese)."""


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to 1..DB_INT_MAX: larger numbers do not match the route (404)."""

    regex = r"[0-9]+"  # ASCII digits: werkzeug's \d also takes full-width '１２'

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def int_arg(
    name: str,
    default: int | None = None,
    *,
    label: str | None = None,
    minimum: int = 0,
    maximum: int = DB_INT_MAX,
    form: bool = False,
) -> int | None:
    """The whole number in query (or form) field `name`; `default` when absent or empty.

    Anything else that is not a whole number between `minimum` and `maximum` is refused (400).
    """
    raw = (request.form if form else request.args).get(name, "").strip()
    if not raw:
        return default
    value = parse_int(raw, minimum=minimum, maximum=maximum)
    if value is None:
        raise BadNumber(
            f"参数「{label or name}」应为 {minimum} 到 {maximum} 之间的整数，收到的是「{raw[:20]}」。"
        )
    return value


def parse_int(raw: str, *, minimum: int = 0, maximum: int = DB_INT_MAX) -> int | None:
    """`raw` as an int in [minimum, maximum], else None (ASCII digits only: no '１２', no '1_0')."""
    text = raw.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def init_app(app: Flask) -> None:
    """Replace the `int` converter before any blueprint adds its routes, and show 400s in Chinese."""
    app.url_map.converters["int"] = BoundedIntConverter

    @app.errorhandler(BadNumber)
    def _bad_number(exc: BadNumber):
        return error_page(400, exc.description)  # the one error page, with its way back


def form_moment(name: str, refuse: Callable[[], Exception]) -> datetime | None:
    """A form's 年-月-日 时:分 field, read as Beijing time unless it names its zone; None when empty.
    Unreadable text raises `refuse()`: each page refuses in its own kind and words."""
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise refuse() from None
    return parsed.replace(tzinfo=SHANGHAI) if parsed.tzinfo is None else parsed
