"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """Return the argon2id hash of `password`, compared later exactly as typed."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return True if `password` matches the stored hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: dict[tuple[int, int, int], str] = {}


def burn_dummy_verification(password: str) -> None:
    """Spend the same work as a real verification, for accounts that do not exist."""
    config = current_app.config
    key = (config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"])
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = _hasher().hash("not-a-real-password-for-timing")
    verify_password(_DUMMY_HASH[key], password)


def password_length_ok(password: str) -> bool:
    """Return True if the password's length (in characters, Chinese included) fits the policy."""
    config = current_app.config
    return config["PASSWORD_MIN_LENGTH"] <= len(password) <= config["PASSWORD_MAX_LENGTH"]
