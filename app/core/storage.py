"""File storage: where uploaded files live, behind a small interface.

Views and services never touch paths. They call `get_storage()` and use its three verbs:

- `save(stream) -> StoredFile(key, size, sha256)` copies a readable binary stream into the
  store chunk by chunk (never whole in memory), computing its SHA-256 on the way, and makes it
  appear under a new, generated key only once it is complete;
- `open(key)` returns a readable, seekable binary file;
- `delete(key)` removes it (a missing key is not an error).

The backend is chosen by configuration: `STORAGE_BACKEND` (default ``"local"``) names an entry
of `BACKENDS`, and `STORAGE_PATH` is the local backend's folder (default ``storage/`` in the
instance folder; with `TESTING` on and no path set, a fresh temporary folder per application,
so tests never write into the instance folder). Another backend (S3-compatible object
storage, say) is one more class with the same verbs and one more entry in `BACKENDS`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import Flask, current_app

#: How much is read and written at a time.
CHUNK_SIZE = 1024 * 1024

#: Keys are generated here, never taken from a user: 32 lower-case hexadecimal digits.
KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class StoredFile:
    """A file that is completely in the store."""

    key: str
    size: int
    sha256: str


class InvalidKey(ValueError):
    """A key that the store never generated (and that could point outside it)."""


class Storage(Protocol):
    """What every storage backend offers."""

    def save(self, stream: BinaryIO) -> StoredFile: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def stored_keys(self) -> Iterator[tuple[str, float]]:
        """Yield (key, modification time) for every stored file."""
        ...


def new_key() -> str:
    """Return a fresh random storage key."""
    return secrets.token_hex(16)


def check_key(key: str) -> str:
    """Return `key` if it is a well-formed storage key; raise `InvalidKey` otherwise."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise InvalidKey(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    """Files on the local disk: ``<root>/ab/cd/<key>``, written to ``<root>/tmp/`` first.

    A file is written to a temporary file in the same file system, flushed to disk, then
    renamed into place, which is atomic: a reader sees the whole file or none at all. A save
    that fails half-way removes its temporary file.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    @property
    def temporary_folder(self) -> Path:
        return self.root / "tmp"

    def path_for(self, key: str) -> Path:
        """Return where the file of `key` lives (the key is checked, so never outside root)."""
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def save(self, stream: BinaryIO) -> StoredFile:
        """Copy `stream` into the store under a new key; return its key, size and SHA-256."""
        self.temporary_folder.mkdir(parents=True, exist_ok=True)
        key = new_key()
        digest = hashlib.sha256()
        size = 0
        handle, temporary_name = tempfile.mkstemp(
            dir=self.temporary_folder, prefix=f"{key}.", suffix=".part"
        )
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(CHUNK_SIZE):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            final = self.path_for(key)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary_name, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary_name)
            raise
        return StoredFile(key=key, size=size, sha256=digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        """Open the stored file for reading (FileNotFoundError if it is not there)."""
        return open(self.path_for(key), "rb")

    def delete(self, key: str) -> None:
        """Remove the stored file; a key that is already gone is not an error."""
        with contextlib.suppress(FileNotFoundError):
            self.path_for(key).unlink()

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def stored_keys(self) -> Iterator[tuple[str, float]]:
        """Yield (key, modification time) of every complete file in the store."""
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if not first.is_dir() or len(first.name) != 2:
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir():
                    continue
                for path in sorted(second.iterdir()):
                    if KEY_PATTERN.match(path.name) and path.is_file():
                        yield path.name, path.stat().st_mtime

    def stale_temporary_files(self, older_than_seconds: float) -> list[Path]:
        """Return the temporary files left by saves that died more than the given time ago."""
        if not self.temporary_folder.is_dir():
            return []
        limit = time.time() - older_than_seconds
        return [p for p in self.temporary_folder.iterdir() if p.stat().st_mtime < limit]


def _local_backend(app: Flask) -> LocalStorage:
    path = app.config.get("STORAGE_PATH")
    if not path:
        if app.testing:
            path = app.extensions.get("storage_temporary_path")
            if path is None:
                path = tempfile.mkdtemp(prefix="portal-storage-")
                app.extensions["storage_temporary_path"] = path
                weakref.finalize(app, shutil.rmtree, path, ignore_errors=True)
        else:
            path = os.path.join(app.instance_path, "storage")
    return LocalStorage(path)


#: Backend name (the `STORAGE_BACKEND` setting) → factory taking the application.
BACKENDS: dict[str, Callable[[Flask], Storage]] = {"local": _local_backend}


def get_storage(app: Flask | None = None) -> Storage:
    """Return the configured storage backend of `app` (default: the current application)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    name = app.config.get("STORAGE_BACKEND") or "local"
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise RuntimeError(
            f"STORAGE_BACKEND={name!r} is not a known storage backend "
            f"(known: {', '.join(sorted(BACKENDS))})"
        ) from None
    return factory(app)
