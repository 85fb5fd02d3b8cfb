"""Encryption of API keys at rest with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``).

The key lives in ``<data dir>/secret.key`` (owner-only, 0600), outside the
database: a copy of the database alone does not reveal any secret. Losing the key
file makes stored accounts unreadable; they must be entered again.
"""
from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from console.config import ensure_private_dir
from console.errors import ConfigError, StorageError

KEY_FILE = "secret.key"


class KeyBox:
    """Encrypt and decrypt short strings with the data dir's key. Build it with ``KeyBox.open``."""

    def __init__(self, fernet: Fernet, path: Path) -> None:
        self._fernet = fernet
        self.path = path

    @classmethod
    def open(cls, data_dir: Path) -> KeyBox:
        """Load ``data_dir/secret.key``, creating it (0600) on first use."""
        try:
            ensure_private_dir(Path(data_dir))
        except ConfigError as e:
            raise StorageError(str(e)) from e
        path = Path(data_dir) / KEY_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        except OSError as e:
            raise StorageError(
                f"cannot create the key file {path}: {e.strerror}; make {data_dir} writable"
            ) from e
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(Fernet.generate_key())
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
            raw = path.read_bytes().strip()
            return cls(Fernet(raw), path)
        except OSError as e:
            raise StorageError(f"cannot read the key file {path}: {e.strerror}; make it readable by your user") from e
        except ValueError as e:
            raise StorageError(
                f"the key file {path} is damaged; restore it from a backup, or delete it and "
                "enter every account's API keys again"
            ) from e

    def encrypt(self, plaintext: str) -> str:
        """Return the ciphertext of ``plaintext`` as ASCII text."""
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the plaintext of ``token``; raise StorageError if this key did not encrypt it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, ValueError) as e:
            raise StorageError(
                f"a stored secret cannot be decrypted with {self.path}: the key file was replaced; "
                "restore the original key file, or enter the account's API keys again"
            ) from e
