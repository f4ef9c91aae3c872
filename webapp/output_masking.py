"""The one masking step for pages: every string a template prints passes `mask_personal_data`.

Jinja's `finalize` sees each `{{ … }}` value before autoescaping, so crawled bodies, staff comments,
reasons, notices, flash messages and audit notes are masked without any template having to
remember a filter. Markup (already-escaped HTML) is not re-masked: it is either built from values
that went through finalize (macros) or is ours and must stay exact. So the globals whose output
must not change (url_for: links carry ids and search words; csrf_token) return escaped Markup,
and `join` masks its items before it turns them into Markup.

`|editable` is for an edit box showing the author's own text (a reply draft, an admin form):
masking it there would save the mask over the real text on the next submit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, url_for
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_eval_context
from jinja2.filters import do_join, make_attrgetter
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from ledger.masking import mask_logs, mask_personal_data


def mask_output(value: Any) -> Any:
    """Jinja finalize: mask plain strings; numbers, None and Markup are printed as they are."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return mask_personal_data(value)
    return value


def editable(value: Any) -> Markup:
    """The author's own text in an edit box: escaped, deliberately not masked."""
    return escape("" if value is None else value)


@pass_eval_context
def masked_join(
    eval_ctx: EvalContext, value: Iterable[Any], d: str = "", attribute: str | int | None = None
) -> str:
    """Jinja's join, whose result is Markup under autoescape: mask the items before joining."""
    if attribute is not None:
        value = map(make_attrgetter(eval_ctx.environment, attribute), value)
    return do_join(eval_ctx, [mask_output(v) for v in value], d)


def _escaped_url_for(endpoint: str, **values: Any) -> Markup:
    return escape(url_for(endpoint, **values))


def _escaped_csrf_token() -> Markup:
    return escape(generate_csrf())


# An id no row has (the largest the database stores is 2,147,483,647): the place of the id in a
# URL built once for a whole table
_SLOT = 9_876_543_210_123


class IdUrls:
    """`url_for(endpoint, key=id, **values)` for the many ids of a table: the URL is built once
    and each row's id put in its place, instead of werkzeug building the route again per row
    (a tenth of the 分办 queue's rendering)."""

    def __init__(self, endpoint: str, key: str, **values: Any) -> None:
        # a query argument keeps its place among `values` when given there (its value replaced)
        url = str(_escaped_url_for(endpoint, **{**values, key: _SLOT}))
        self._head, slot, self._tail = url.partition(str(_SLOT))
        if not slot:
            raise ValueError(f"{endpoint}: {key} is not part of the URL")

    def __getitem__(self, item_id: int) -> Markup:
        return Markup(f"{self._head}{int(item_id)}{self._tail}")


def init_app(app: Flask) -> None:
    env = app.jinja_env
    env.finalize = mask_output
    env.filters["join"] = masked_join
    env.filters["editable"] = editable
    # personal data a handler asked to see, on purpose and logged ("show contact"): not masked
    env.filters["revealed"] = editable
    env.globals["url_for"] = _escaped_url_for
    env.globals["csrf_token"] = _escaped_csrf_token
    env.globals["id_urls"] = IdUrls
    # gunicorn's access log carries query strings (a searched phone number), the error log tracebacks
    mask_logs()
