"""kernel.storage: the local directory and the S3 backend (against a real local S3 server: moto's
standalone server over HTTP, boto3 unmocked) keep content under our keys, answer its checksum,
refuse keys that are not ours and tell a missing key from an unreachable store."""
from __future__ import annotations

import hashlib
import os
import stat

import pytest

from kernel.storage import (InvalidStorageKey, LocalStorage, S3Storage, StorageUnavailable, StoredObjectMissing,
                            check_key, make_key, storage_from_config)

PDF = b"%PDF-1.4\n" + os.urandom(2048) + b"\n%%EOF"
KEY = make_key("archive", "g1", "p1", "households", "h1", "doc-1")


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        yield LocalStorage(tmp_path / "files")
    else:
        server = request.getfixturevalue("s3_server")
        yield storage_from_config(server.config(prefix="wuye/archive"), "archive")


def test_put_answers_the_sha256_and_get_returns_the_same_bytes(storage):
    assert not storage.exists(KEY)
    checksum = storage.put(KEY, PDF, "application/pdf")
    assert checksum == hashlib.sha256(PDF).hexdigest()
    assert storage.exists(KEY) and storage.get(KEY) == PDF
    # a second put replaces the content whole
    assert storage.put(KEY, b"\x89PNG\r\n\x1a\nnew", "image/png") == hashlib.sha256(b"\x89PNG\r\n\x1a\nnew").hexdigest()
    assert storage.get(KEY) == b"\x89PNG\r\n\x1a\nnew"


def test_a_missing_key_is_stored_object_missing_and_delete_is_quiet(storage):
    other = make_key("archive", "g1", "p1", "households", "h1", "nothing-here")
    with pytest.raises(StoredObjectMissing) as exc:
        storage.get(other)
    assert exc.value.kind == "NotFound" and exc.value.code == "stored_object_missing"
    # where the files lie is not the reader's business: the key is for the log, never the message
    assert exc.value.key == other and other not in str(exc.value) and "nothing-here" not in str(exc.value)
    assert "备份" in exc.value.message
    storage.put(KEY, PDF, "application/pdf")
    storage.delete(KEY)
    storage.delete(KEY)                       # nothing there: nothing to do
    assert not storage.exists(KEY)
    with pytest.raises(StoredObjectMissing):
        storage.get(KEY)


@pytest.mark.parametrize("key", ["", "archive", "archive/../etc/passwd", "archive/g1/../../x", "/abs/key",
                                 "archive//x", "archive/g1/./x", "archive/g1/na\x00me", "archive/g1/名字",
                                 "archive/g1/a b", "archive/g1/.hidden/.."])
def test_keys_that_are_not_ours_are_refused(storage, key):
    with pytest.raises(InvalidStorageKey):
        storage.put(key, b"x", "application/pdf")
    with pytest.raises(InvalidStorageKey):
        storage.get(key)


def test_make_key_checks_every_part():
    assert make_key("archive", "g1", "p1", "households", "h-1", "d_2.v3") == "archive/g1/p1/households/h-1/d_2.v3"
    with pytest.raises(InvalidStorageKey):
        make_key("archive", "g1", "..", "x")
    with pytest.raises(InvalidStorageKey):
        make_key("archive", "g1", "p1", "../../etc")
    assert check_key("a/b") == "a/b"


def test_local_writes_are_atomic_and_private(tmp_path):
    storage = LocalStorage(tmp_path / "files")
    storage.put(KEY, PDF, "application/pdf")
    path = tmp_path / "files" / KEY
    assert path.read_bytes() == PDF
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # no temporary file is left behind, and a write that fails leaves the old content whole
    assert [p.name for p in path.parent.iterdir()] == ["doc-1"]

    real_fsync = os.fsync

    def failing_fsync(fd):
        raise OSError(28, "No space left on device")
    os.fsync = failing_fsync
    try:
        with pytest.raises(StorageUnavailable) as exc:
            storage.put(KEY, b"%PDF-half", "application/pdf")
    finally:
        os.fsync = real_fsync
    assert exc.value.kind == "Unavailable"
    assert path.read_bytes() == PDF
    assert [p.name for p in path.parent.iterdir()] == ["doc-1"]


def test_the_default_directory_is_the_services_under_var(tmp_path, monkeypatch):
    monkeypatch.setenv("WUYE_VAR_DIR", str(tmp_path / "var"))
    default = storage_from_config({}, "archive")
    assert isinstance(default, LocalStorage) and default.root == (tmp_path / "var" / "archive-files").resolve()
    chosen = storage_from_config({"STORAGE_DIR": str(tmp_path / "elsewhere")}, "archive")
    assert chosen.root == (tmp_path / "elsewhere").resolve()


def test_s3_keys_live_under_the_prefix_with_their_checksum(s3_server):
    storage = storage_from_config(s3_server.config(prefix="wuye/archive"), "archive")
    assert isinstance(storage, S3Storage) and storage.bucket == s3_server.bucket
    checksum = storage.put(KEY, PDF, "application/pdf")
    head = s3_server.client().head_object(Bucket=s3_server.bucket, Key=f"wuye/archive/{KEY}")
    assert head["ContentType"] == "application/pdf" and head["Metadata"]["sha256"] == checksum
    assert head["ContentLength"] == len(PDF)


def test_s3_an_unknown_bucket_or_a_dead_server_is_unavailable_not_missing(s3_server):
    config = s3_server.config()
    missing_bucket = storage_from_config(dict(config, STORAGE_URL="s3://no-such-bucket-here"), "archive")
    with pytest.raises(StorageUnavailable):
        missing_bucket.put(KEY, PDF, "application/pdf")
    dead = storage_from_config(dict(config, STORAGE_S3_ENDPOINT="http://127.0.0.1:9"), "archive")
    with pytest.raises(StorageUnavailable) as exc:
        dead.get(KEY)
    assert exc.value.code == "storage_unavailable"


def test_a_storage_url_must_be_s3():
    with pytest.raises(ValueError):
        S3Storage("http://bucket/prefix", client=object())
