"""Password hashing with argon2id (argon2-cffi's recommended parameters)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from badges.errors import InvalidInput

MIN_PASSWORD = 10
_hasher = PasswordHasher()
# A hash of a throwaway string: checked against when an account does not exist, so that answering
# "no such account" takes as long as "wrong password" and timing does not reveal who has an account.
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$20yDQk9HVKeXVg3vadi/2g$TAYTD+bKCy5Bbt/5FfCa/kXrJbfTuvIr5aa8hdP5d5w"


def hash_password(password: str) -> str:
    """An argon2id hash of `password`; InvalidInput if it is too short to be safe."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("auth.password_too_short",
                           f"Choose a password of at least {MIN_PASSWORD} characters.", path="/password")
    return _hasher.hash(password)


def check_password(hashed: str, password: str) -> bool:
    """True when `password` matches the argon2 `hashed` value."""
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
