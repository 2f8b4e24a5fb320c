"""File content behind one interface: a local directory by default, an S3-compatible store by setting.

A service keeps the *record* of a file (who, when, its checksum) in its own database and the
*bytes* here, under a key it generates itself -- never a name a user sent::

    storage = StorageProvider("archive")           # on the nameko service class
    key = make_key("archive", group_id, project_id, "households", household_id, document_id)
    checksum = self.storage.put(key, data, "application/pdf")    # sha256, hex
    data = self.storage.get(key)                                    # StoredObjectMissing if gone

Keys are namespaced ``<service>/<group>/<project>/...``; each part is ``[A-Za-z0-9._-]``, never
``.``/``..`` (:func:`make_key` and every backend refuse anything else), so no key leaves its root.

Backends (chosen by the service's config, i.e. its environment -- see README "Settings"):

- :class:`LocalStorage` (default): files under ``STORAGE_DIR`` (``<SERVICE>_STORAGE_DIR``), else
  ``<WUYE_VAR_DIR>/<service>-files``; directories 0700, files 0600; a write goes to a temporary
  file in the same directory, is flushed and fsynced, then renamed over the key (``os.replace``):
  a reader sees the whole old content or the whole new one, never half a file.
- :class:`S3Storage`: ``STORAGE_URL=s3://bucket/prefix`` (``<SERVICE>_STORAGE_URL``), through boto3
  against AWS S3 or any S3-compatible server (MinIO, Ceph RGW, Aliyun OSS's S3 API...):
  ``STORAGE_S3_ENDPOINT`` (empty: AWS), ``STORAGE_S3_REGION``, ``STORAGE_S3_ACCESS_KEY`` /
  ``STORAGE_S3_SECRET_KEY`` (empty: boto3's own chain -- ``AWS_*`` variables, an instance role).
  The object carries its sha256 as metadata (``x-amz-meta-sha256``). The bucket must exist.

Errors: :class:`StoredObjectMissing` (a key with no content: 404 kind), :class:`StorageUnavailable`
(the store cannot be reached or refused us: 503 kind, retry later); :class:`InvalidStorageKey` is a
bug of the caller (keys are ours).
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from urllib.parse import urlparse

from .errors import NotFound, Unavailable

log = logging.getLogger(__name__)

#: one part of a key: what we generate (ids, slugs, version numbers)
_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")


class StoredObjectMissing(NotFound):
    """The store holds nothing under the key (deleted, or lost: restore from the backup). The message
    never names the key -- where the files lie is the operator's business, not the reader's: the key
    is ``exc.key``, for the log line the caller writes."""
    default_code = "stored_object_missing"
    zh = "存储中找不到该文件的内容，请联系管理员从备份恢复"

    def __init__(self, key: str):
        super().__init__("the stored content is missing; the administrator restores it from the backup")
        self.key = key


class StorageUnavailable(Unavailable):
    """The store could not be reached or refused the request; try again later."""
    default_code = "storage_unavailable"
    zh = "文件存储暂时无法访问，请稍后再试"


class InvalidStorageKey(ValueError):
    """A key that is not one of ours (a programming error, never user input)."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_key(key: str) -> str:
    parts = key.split("/") if isinstance(key, str) else [None]
    if len(parts) < 2 or not all(isinstance(p, str) and _PART.match(p) and p not in (".", "..")
                                 for p in parts):
        raise InvalidStorageKey(f"not a storage key: {key!r}")
    return key


def make_key(service: str, group_id: str, project_id: str, *parts: str) -> str:
    """``service/group/project/parts...`` -- every part checked (``[A-Za-z0-9._-]``, no ``..``)."""
    return check_key("/".join([service, group_id, project_id, *[str(p) for p in parts]]))


class Storage(ABC):
    """What a service asks of a file store."""

    @abstractmethod
    def put(self, key: str, data: bytes, content_type: str) -> str:
        """Store ``data`` under ``key`` (replacing what was there); returns its sha256 (hex)."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The content under ``key``; :class:`StoredObjectMissing` if there is none."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the content under ``key`` (nothing there: nothing to do)."""

    def describe(self) -> str:
        return type(self).__name__


class LocalStorage(Storage):
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    def describe(self) -> str:
        return f"local directory {self.root}"

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:         # belt and braces: check_key allows no ".."
            raise InvalidStorageKey(f"key {key!r} leaves the storage directory")
        return path

    def _mkdirs(self, directory: Path) -> None:
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for folder in reversed(missing):
            folder.mkdir(mode=0o700, exist_ok=True)

    def put(self, key: str, data: bytes, content_type: str) -> str:
        path = self._path(key)
        try:
            self._mkdirs(path.parent)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, path)
            except BaseException:
                with _quiet():
                    os.unlink(tmp)
                raise
            with _quiet():                         # the rename itself durable
                dir_fd = os.open(path.parent, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
        except OSError as exc:
            log.error("storage: cannot write %s under %s: %s", key, self.root, exc)
            raise StorageUnavailable(f"the file store cannot be written ({exc.strerror or exc})") from None
        return sha256_hex(data)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise StoredObjectMissing(key) from None
        except OSError as exc:
            log.error("storage: cannot read %s under %s: %s", key, self.root, exc)
            raise StorageUnavailable(f"the file store cannot be read ({exc.strerror or exc})") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StorageUnavailable(f"the file store cannot be written ({exc.strerror or exc})") from None


class _quiet:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return exc[0] is not None and issubclass(exc[0], OSError)


class S3Storage(Storage):
    """An S3 bucket (AWS or any S3-compatible server), under an optional prefix."""

    def __init__(self, url: str, *, endpoint_url: str | None = None, region: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None, client=None):
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError(f"a storage URL is s3://bucket[/prefix], not {url!r}")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        if self.prefix:
            check_key(self.prefix + "/x")
        self.endpoint_url = endpoint_url or None
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "s3", endpoint_url=self.endpoint_url, region_name=region or None,
                aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
                config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5,
                              read_timeout=30, s3={"addressing_style": "path"} if self.endpoint_url else {}))
        self.client = client

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, what: str, key: str, fn, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(Bucket=self.bucket, Key=self._key(key), **kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("NoSuchKey", "404", "NotFound") or status == 404 and code != "NoSuchBucket":
                raise StoredObjectMissing(key) from None
            log.error("storage: %s %s in s3://%s failed: %s", what, key, self.bucket, exc)
            raise StorageUnavailable(f"the file store refused the {what} ({code or status})") from None
        except BotoCoreError as exc:
            log.error("storage: %s %s in s3://%s failed: %s", what, key, self.bucket, exc)
            raise StorageUnavailable(f"the file store cannot be reached ({type(exc).__name__})") from None

    def put(self, key: str, data: bytes, content_type: str) -> str:
        checksum = sha256_hex(data)
        self._call("write", key, self.client.put_object, Body=data, ContentType=content_type,
                   Metadata={"sha256": checksum})
        return checksum

    def get(self, key: str) -> bytes:
        answer = self._call("read", key, self.client.get_object)
        from botocore.exceptions import BotoCoreError
        try:
            return answer["Body"].read()
        except BotoCoreError as exc:
            raise StorageUnavailable(f"the file store cannot be read ({type(exc).__name__})") from None

    def exists(self, key: str) -> bool:
        try:
            self._call("look-up", key, self.client.head_object)
        except StoredObjectMissing:
            return False
        return True

    def delete(self, key: str) -> None:
        self._call("delete", key, self.client.delete_object)


def storage_from_config(config: dict, service: str) -> Storage:
    """The service's store from its nameko config: ``STORAGE_URL`` (s3://...) wins, else the local
    directory ``STORAGE_DIR``, else ``<WUYE_VAR_DIR>/<service>-files``."""
    url = (config.get("STORAGE_URL") or "").strip()
    if url:
        return S3Storage(url, endpoint_url=(config.get("STORAGE_S3_ENDPOINT") or "").strip() or None,
                         region=(config.get("STORAGE_S3_REGION") or "").strip() or None,
                         access_key=(config.get("STORAGE_S3_ACCESS_KEY") or "").strip() or None,
                         secret_key=(config.get("STORAGE_S3_SECRET_KEY") or "").strip() or None)
    directory = (config.get("STORAGE_DIR") or "").strip()
    if not directory:
        # var/ as kernel.config.var_dir() names it, made (0700) only when the first file is written
        from .config import ROOT
        directory = str(Path(os.environ.get("WUYE_VAR_DIR", ROOT / "var")) / f"{service}-files")
    return LocalStorage(directory)


try:
    from nameko.extensions import DependencyProvider
except ImportError:          # pragma: no cover - the kernel is used without nameko by some tools
    DependencyProvider = object


class StorageProvider(DependencyProvider):
    """Injects the service's :class:`Storage`, built once per container from its config. The
    kernel's ``UnitOfWork`` and ``JobRunner`` of the same container find it (:func:`find_storage`)
    and hand it to domain code as ``work.storage`` -- a job handler (``fn(work, job)``) deletes or
    writes files through it as an RPC does."""

    def __init__(self, service: str):
        self.service = service
        self.storage: Storage | None = None

    def setup(self):
        self.storage = storage_from_config(self.container.config, self.service)
        log.info("%s stores files in %s", self.service, self.storage.describe())

    def get_dependency(self, worker_ctx) -> Storage:
        return self.storage


def find_storage(container) -> StorageProvider | None:
    """The container's :class:`StorageProvider`, if the service declares one (its ``storage`` is
    built in ``setup``: read it at ``start`` or later)."""
    return next((dep for dep in container.dependencies if isinstance(dep, StorageProvider)), None)
