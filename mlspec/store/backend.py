"""A content-addressed store over fsspec (`s3://`, `gs://`, `az://`, a folder).

Layout under the store's URL:
    blobs/sha256/<2 hex>/<64 hex>              a file, named by the sha256 of its bytes
    stages/<project>/<stage>/<inputs>.json     the index of one stage's outputs (written last: the commit)
    tmp/<random>                               uploads in flight (moved to their final key when complete)

A blob is uploaded to a temporary key and moved to its content-addressed key; a stage's index is written after
all its blobs, so a killed upload leaves at most blobs no index names, never an index that reads as complete.
Every download is hashed while it is written and refused when the digest differs."""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlspec.errors import shown
from mlspec.store.errors import IntegrityError, StoreError

DIGEST = re.compile(r"[0-9a-f]{64}")
PREFIX = "sha256:"
CHUNK = 1 << 20
EXTRAS = {"gs": "gcsfs (pip install 'mlspec-gitops[gcs]')", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs"}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def bare(digest: str) -> str:
    """The 64 hex digits of ``digest`` (`sha256:` optional); StoreError when it is not a sha256."""
    value = digest.removeprefix(PREFIX)
    if not DIGEST.fullmatch(value):
        raise StoreError(f"{shown(digest)} is not a sha256 digest (`sha256:` and 64 lowercase hex digits)")
    return value


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


@dataclass
class ContentStore:
    """The store at ``url`` (a folder path is resolved against ``base``)."""

    url: str
    fs: Any
    root: str

    @classmethod
    def open(cls, url: str, base: Path | None = None) -> ContentStore:
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if not scheme:
            folder = Path(url)
            url = str(folder if folder.is_absolute() else (base or Path.cwd()) / folder)
        try:
            import fsspec

            fs, root = fsspec.core.url_to_fs(url, skip_instance_cache=True)  # credentials as of now
        except ImportError as exc:
            raise StoreError(
                f"store {url}: the package for {scheme}:// is not installed ({_reason(exc)})",
                hint=f"install {EXTRAS.get(scheme, 'the fsspec implementation for it')}",
            ) from None
        except (ValueError, OSError) as exc:
            raise StoreError(
                f"store {url}: cannot open it: {_reason(exc)}", hint="check `store:` in the spec"
            ) from None
        return cls(url=url, fs=fs, root=str(root).rstrip("/"))

    @property
    def local(self) -> bool:
        from fsspec.implementations.local import LocalFileSystem

        return isinstance(self.fs, LocalFileSystem)

    # ------------------------------------------------------------------ keys
    def key(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def blob_key(self, digest: str) -> str:
        value = bare(digest)
        return self.key("blobs", "sha256", value[:2], value)

    def index_key(self, project: str, stage: str, inputs: str) -> str:
        return self.key("stages", project, stage, f"{inputs}.json")

    def display(self, key: str) -> str:
        relative = key[len(self.root) :].lstrip("/")
        return f"{self.url.rstrip('/')}/{relative}"

    # ------------------------------------------------------------------ primitives
    def _call(self, what: str, key: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except FileNotFoundError:
            raise
        except Exception as exc:  # noqa: BLE001 - fsspec backends raise their own errors (botocore, aiohttp, OSError)
            raise StoreError(
                f"store: cannot {what} {self.display(key)}: {_reason(exc)}",
                hint="check the store URL, the network and the credentials (`store.credentials` in CI)",
            ) from None

    def exists(self, key: str) -> bool:
        try:
            self._call("read", key, self.fs.info, key)
        except FileNotFoundError:
            return False
        return True

    def _commit(self, local: Path, key: str) -> None:
        """Upload ``local`` to a temporary key, then move it to ``key``: ``key`` appears complete or not at all."""
        tmp = self.key("tmp", uuid.uuid4().hex)
        if self.local:  # a folder: the parents must exist for the rename
            self.fs.makedirs(posixpath.dirname(tmp), exist_ok=True)
            self.fs.makedirs(posixpath.dirname(key), exist_ok=True)
        self._call("upload", key, self.fs.put_file, str(local), tmp)
        self._call("commit", key, self.fs.mv, tmp, key)

    # ------------------------------------------------------------------ blobs
    def put_blob(self, local: Path) -> str:
        """Store ``local`` under its sha256 (not again when the store has it); return `sha256:<hex>`."""
        digest = file_sha256(local)
        key = self.blob_key(digest)
        if not self.exists(key):
            self._commit(local, key)
        return PREFIX + digest

    def has_blob(self, digest: str) -> bool:
        return self.exists(self.blob_key(digest))

    def get_blob(self, digest: str, target: Path) -> Path:
        """Download the blob ``digest`` to ``target`` (atomically), verified: IntegrityError naming both digests
        when its bytes hash to anything else (nothing is written then)."""
        expected = bare(digest)
        key = self.blob_key(expected)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.download")
        hasher = hashlib.sha256()
        try:
            try:
                handle = self._call("read", key, self.fs.open, key, "rb")
            except FileNotFoundError:
                raise StoreError(
                    f"store: {self.display(key)} does not exist (sha256:{expected} is not in the store)",
                    hint="push it first (`mlspec push`), or check the store URL",
                ) from None
            with handle, tmp.open("wb") as out:
                while chunk := self._call("read", key, handle.read, CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
            actual = hasher.hexdigest()
            if actual != expected:
                raise IntegrityError(
                    f"store: {self.display(key)} is damaged or was tampered with: its content has sha256:{actual}, "
                    f"but it is stored as sha256:{expected}; refused",
                    hint="delete that object from the store and push the model again from a trusted run "
                    "(`mlspec push`), or retrain",
                )
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        return target

    # ------------------------------------------------------------------ indexes
    def put_index(self, project: str, stage: str, inputs: str, index: dict[str, Any], scratch: Path) -> str:
        """Write a stage's index (after its blobs): the commit that makes the stage's outputs visible."""
        key = self.index_key(project, stage, inputs)
        local = scratch / f".index-{uuid.uuid4().hex}.json"
        local.write_text(json.dumps(index, sort_keys=True, indent=1) + "\n", "utf-8")
        try:
            self._commit(local, key)
        finally:
            local.unlink(missing_ok=True)
        return key

    def get_index(self, project: str, stage: str, inputs: str) -> dict[str, Any] | None:
        key = self.index_key(project, stage, inputs)
        try:
            data = self._call("read", key, self.fs.cat_file, key)
        except FileNotFoundError:
            return None
        try:
            value = json.loads(data)
        except ValueError as exc:
            raise StoreError(
                f"store: {self.display(key)} is not a stage index: {_reason(exc)}",
                hint="delete that object; the stage is pushed again by the next `mlspec push`",
            ) from None
        return value if isinstance(value, dict) else None

    def listing(self) -> list[str]:
        """Every object key in the store (relative to its root)."""
        try:
            found = self._call("list", self.root, self.fs.find, self.root)
        except FileNotFoundError:
            return []
        return sorted(str(k)[len(self.root) :].lstrip("/") for k in found)
