"""The deployment's secret key, and what is signed with it: pagination cursors, log digests.

Every worker and every restart must sign alike, so the key is `SANNONG_SECRET_KEY`,
or else made once and kept in `data_dir/secret_key` (readable by the owner only),
which all workers of one machine share. Several machines behind one address need
the setting. Until `use_key` is called (CLI commands, tests of a module) the process
signs with a random key of its own.
"""

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sannong.settings import Settings

KEY_FILE = "secret_key"
_TAG_BYTES = 16
_key = secrets.token_bytes(32)


def load_key(settings: Settings) -> bytes:
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value().encode()
    path = Path(settings.data_dir) / KEY_FILE
    if not path.exists():
        _create(path)
    return path.read_bytes().strip()


def _create(path: Path) -> None:
    """Written aside and linked into place: of two workers starting at once, one key wins
    and both read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{KEY_FILE}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(32))
    try:
        with contextlib.suppress(FileExistsError):  # another worker's key won
            os.link(draft, path)
    finally:
        draft.unlink()


def use_key(key: bytes) -> None:
    global _key
    _key = key


def sign(payload: bytes) -> str:
    tag = hmac.new(_key, payload, hashlib.sha256).digest()[:_TAG_BYTES]
    return base64.urlsafe_b64encode(tag).decode().rstrip("=")


def verify(payload: bytes, signature: bytes) -> bool:
    return hmac.compare_digest(sign(payload).encode(), signature)


def digest(text: str) -> str:
    """A short keyed hash: the same document logs the same digest, and a digest of a
    document with an inline password cannot be tried against guesses without the key."""
    return hmac.new(_key, text.encode(), hashlib.sha256).hexdigest()[:16]
