"""Column types. UTCDateTime keeps datetimes aware on every backend (SQLite drops offsets);
labelled_enum stores a StrEnum by its Chinese value in a plain string column."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import DateTime, Enum
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

E = TypeVar("E", bound=StrEnum)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; refuses naive datetimes on write; returns aware UTC datetimes on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def labelled_enum(enum: type[E], length: int) -> Enum:
    """A VARCHAR holding the member's value (the label staff see), read back as the member.

    Not a native DB enum and no CHECK constraint: the stored strings and the schema stay as they
    were, so adding a status needs no migration. Python refuses unknown values on write.
    """
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )
