"""Staff accounts: password hashing, checking a login, and ending a user's sessions.

Hashing is werkzeug's salted scrypt/pbkdf2 (no Flask needed). A login check spends exactly one
hash verification whatever the username, so response time does not tell which usernames exist.
"""

from __future__ import annotations

import secrets
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ledger.models import User


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("密码至少 8 位")
    return generate_password_hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


@cache
def _dummy_hash() -> str:
    # Same method and cost as real hashes, of a password nobody knows.
    return generate_password_hash(secrets.token_hex(16))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None — after one hash check always.

    Unknown and deactivated users are checked against a dummy hash, so they cost the same work as
    a known user with a wrong password.
    """
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None else _dummy_hash()
    matches = verify_password(stored, password)
    if user is None or not user.active or not matches:
        return None
    return user


def end_sessions(user: User) -> None:
    """End every login session of this user (all browsers): sessions carry the old generation.

    Called at logout, password change, role or 处室 change and deactivation. The caller commits.
    """
    user.session_generation = (user.session_generation or 0) + 1
