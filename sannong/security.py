"""Passwords (argon2id), opaque bearer tokens and the phone mask."""

import asyncio
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from prometheus_client import Counter

from sannong.settings import Settings

PASSWORD_CHECKS = Counter(
    "sannong_password_checks_total",
    "argon2 verifications, against an account's hash or the decoy",
    ["hash"],
)


class Passwords:
    """argon2id hashing off the event loop; costs come from settings (cheap only in tests)."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        # Verified against when the phone is unknown, so both answers take as long.
        # Made here at start-up, not in the first login that needs it.
        self._decoy = self._hasher.hash(secrets.token_hex(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            PASSWORD_CHECKS.labels("account" if password_hash else "decoy").inc()
            try:
                return self._hasher.verify(password_hash or self._decoy, password) and (
                    password_hash is not None
                )
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are stored hashed: a leaked database does not leak sessions."""
    return hashlib.sha256(token.encode()).hexdigest()


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
