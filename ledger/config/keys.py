"""Strict keys for the TOML files an administrator edits (data/*.toml, data/sources/*.toml).

A schema is data: a dict of allowed keys, each mapped to None (a value), a nested schema (a table)
or a one-element list holding a schema (an array of tables). The key "*" allows any key with the
given sub-schema (tables keyed by the user, e.g. a source's field names). A misspelt key is refused
with the file, the key's full path and the nearest valid key (difflib), so that `pagin = ...` does
not silently load a source that reads one page.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]
ANY_KEY = "*"


class UnknownKeyError(ValueError):
    """A TOML file has a key its schema does not know; the message names file, key, nearest key."""


def check_keys(data: Mapping[str, Any], schema: Schema, file: str) -> None:
    """Raise UnknownKeyError for the first key in `data` that `schema` does not allow."""
    _check(data, schema, file, "")


def _check(data: Mapping[str, Any], schema: Schema, file: str, prefix: str) -> None:
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key in schema:
            sub = schema[key]
        elif ANY_KEY in schema:
            sub = schema[ANY_KEY]
        else:
            raise UnknownKeyError(_message(file, path, key, schema))
        if isinstance(sub, list) and isinstance(value, list):
            for n, row in enumerate(value, start=1):
                if isinstance(row, Mapping):
                    _check(row, sub[0], file, f"{path}[{n}].")
        elif isinstance(sub, Mapping) and isinstance(value, Mapping):
            _check(value, sub, file, f"{path}.")


def _message(file: str, path: str, key: str, schema: Schema) -> str:
    valid = [k for k in schema if k != ANY_KEY]
    nearest = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    hint = f"；最接近的有效键是 `{nearest[0]}`" if nearest else ""
    return f"{file}：不认识的键 `{path}`{hint}（可用：{'、'.join(valid)}）"
