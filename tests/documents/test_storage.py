"""The storage interface and its local-disk backend (app/core/storage.py)."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from app import create_app
from app.core import storage as storage_module
from app.core.storage import CHUNK_SIZE, InvalidKey, LocalStorage, get_storage


class CountingStream(io.BytesIO):
    """A stream that remembers the largest read asked of it."""

    largest_read = 0

    def read(self, size=-1):
        self.largest_read = max(self.largest_read, size if size and size > 0 else 1 << 62)
        return super().read(size)


class BrokenStream(io.RawIOBase):
    """A stream that gives some bytes, then fails like a connection cut half-way."""

    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def read(self, size=-1):
        if self.left <= 0:
            raise OSError("connection reset")
        chunk = b"x" * min(size if size > 0 else self.left, self.left)
        self.left -= len(chunk)
        return chunk


def test_save_returns_key_size_and_checksum(tmp_path):
    """A saved file gets a generated key, its size and its SHA-256, and reads back whole."""
    store = LocalStorage(tmp_path)
    content = "会议纪要".encode() * 1000
    stored = store.save(io.BytesIO(content))
    assert len(stored.key) == 32 and stored.key.isalnum()
    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    with store.open(stored.key) as stream:
        assert stream.read() == content
    assert store.exists(stored.key)
    assert [key for key, _mtime in store.stored_keys()] == [stored.key]


def test_save_reads_in_chunks_never_whole(tmp_path):
    """The stream is copied chunk by chunk: no read asks for the whole file at once."""
    stream = CountingStream(b"a" * (3 * CHUNK_SIZE + 5))
    LocalStorage(tmp_path).save(stream)
    assert stream.largest_read == CHUNK_SIZE


def test_a_failed_save_leaves_no_file(tmp_path):
    """A stream that breaks half-way leaves neither a stored file nor a temporary one."""
    store = LocalStorage(tmp_path)
    with pytest.raises(OSError):
        store.save(BrokenStream(good=CHUNK_SIZE + 10))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_keys_cannot_point_outside_the_store(tmp_path):
    """Only keys the store generates are accepted: no path, no traversal."""
    store = LocalStorage(tmp_path / "store")
    (tmp_path / "secret").write_text("secret")
    for key in ("../secret", "/etc/passwd", "ab/../../secret", "A" * 32, "", "0" * 31):
        with pytest.raises(InvalidKey):
            store.open(key)
        with pytest.raises(InvalidKey):
            store.delete(key)
    assert (tmp_path / "secret").exists()


def test_delete_removes_and_tolerates_a_missing_file(tmp_path):
    """Deleting removes the file; deleting it again is not an error."""
    store = LocalStorage(tmp_path)
    stored = store.save(io.BytesIO(b"data"))
    store.delete(stored.key)
    assert not store.exists(stored.key)
    store.delete(stored.key)
    with pytest.raises(FileNotFoundError):
        store.open(stored.key)


def test_storage_path_setting_chooses_the_folder(app, tmp_path):
    """STORAGE_PATH names the local backend's folder."""
    store = get_storage()
    assert isinstance(store, LocalStorage)
    assert store.root == tmp_path / "storage"


def test_default_folder_is_in_the_instance_folder(database_url, tmp_path):
    """Outside tests, without STORAGE_PATH, files live in storage/ of the instance folder."""
    application = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    store = get_storage(application)
    assert store.root == Path(application.instance_path) / "storage"


def test_tests_never_write_into_the_instance_folder(database_url):
    """With TESTING on and no STORAGE_PATH, each application gets a temporary folder."""
    application = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    store = get_storage(application)
    assert Path(application.instance_path) not in store.root.parents
    assert get_storage(application).root == store.root
    assert os.path.isdir(store.root)


def test_an_unknown_backend_is_refused(database_url):
    """A STORAGE_BACKEND nobody wrote is a clear error, not a silent fallback."""
    application = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, STORAGE_BACKEND="s3")
    with pytest.raises(RuntimeError, match="s3"):
        get_storage(application)


def test_another_backend_plugs_in_by_name(database_url, monkeypatch):
    """A backend registered in BACKENDS is chosen by STORAGE_BACKEND, nothing else changes."""
    sentinel = object()
    monkeypatch.setitem(storage_module.BACKENDS, "memory", lambda app: sentinel)
    application = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=database_url, STORAGE_BACKEND="memory"
    )
    assert get_storage(application) is sentinel
