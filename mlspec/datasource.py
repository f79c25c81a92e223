"""Data outside git: files tracked by DVC and fsspec URLs (`s3://`, `gs://`, `https://`).

A DVC-tracked file is read from the workspace (where `dvc pull` or `dvc checkout` put it), but its
fingerprint is the hash DVC recorded for it (`<file>.dvc`, the `.dvc` file of a tracked folder that holds
it, or an output in a `dvc.lock`), so a large file is never re-read to find out whether it changed, and
a change of the DVC file is a data change.

A URL is fingerprinted by what the store says about the object (S3 `VersionId`, else its `ETag`; GCS
`generation`; an HTTP `ETag`, else `Last-Modified` with the size), asked once per process, and the object
is downloaded into `.mlspec/cache/remote/<key>/` under a key made of the URL and that version, so an
unchanged object is downloaded once.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlspec.errors import DataError

URL_SCHEMES = ("s3", "gs", "gcs", "http", "https")
URL_RE = re.compile(r"^(s3|gs|gcs|https?)://", re.IGNORECASE)
BACKENDS = {"s3": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "http": "aiohttp", "https": "aiohttp"}


def is_url(value: str | None) -> bool:
    return bool(value) and URL_RE.match(value or "") is not None


@dataclass(frozen=True)
class Fingerprint:
    """A data file's identity known without reading it: digest, size and where it comes from."""

    digest: str
    size: int
    origin: str  # shown in reports, e.g. "DVC data/train.csv.dvc" or "s3 VersionId 3HL4kq..."


# ----------------------------------------------------------------------------- DVC


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataError(
            f"cannot read the DVC file {path.name}: {type(exc).__name__}",
            hint="fix or regenerate it with `dvc add` / `dvc repro`",
        ) from None


def _out_hash(out: Any) -> tuple[str, int] | None:
    if not isinstance(out, dict):
        return None
    for algo in ("md5", "etag", "checksum"):
        value = out.get(algo)
        if isinstance(value, str) and value:
            size = out.get("size")
            return f"dvc-{algo}:{value}", int(size) if isinstance(size, int) else 0
    return None


def dvc_root(start: Path, boundary: Path) -> Path | None:
    """Nearest folder at or above ``start`` (not above ``boundary``) holding a `.dvc/` folder."""
    current = start.resolve()
    limit = boundary.resolve()
    for folder in (current, *current.parents):
        if (folder / ".dvc").is_dir():
            return folder
        if folder == limit:
            break
    return None


def _size(path: Path, recorded: int) -> int:
    if recorded:
        return recorded
    try:
        return path.stat().st_size
    except OSError:
        return 0


def dvc_fingerprint(path: Path, boundary: Path) -> Fingerprint | None:
    """The hash DVC recorded for ``path`` (a file in a DVC repository), or None when DVC does not track it.
    Looks at `<file>.dvc`, then the `.dvc` file of each folder above it, then every `dvc.lock` from the
    file's folder up to the DVC repository's root."""
    path = path.absolute()
    root = dvc_root(path.parent, boundary)
    if root is None or not path.is_relative_to(root):
        return None
    targets = [path]  # the file, then each folder above it below the DVC root (a tracked folder)
    for parent in path.parents:
        if parent == root:
            break
        targets.append(parent)
    for target in targets:
        dvc_file = target.with_name(target.name + ".dvc")
        if not dvc_file.is_file():
            continue
        data = _read_yaml(dvc_file)
        outs = data.get("outs") if isinstance(data, dict) else None
        for out in outs if isinstance(outs, list) else []:
            if isinstance(out, dict) and posixpath.normpath(str(out.get("path", ""))) == target.name:
                found = _dvc_out_fingerprint(out, path, target == path, dvc_file, root)
                if found:
                    return found
    chain = [path, *targets[1:], root]
    for folder in chain[1:]:
        lock = folder / "dvc.lock"
        if not lock.is_file():
            continue
        data = _read_yaml(lock)
        stages = data.get("stages") if isinstance(data, dict) else None
        for stage in (stages or {}).values() if isinstance(stages, dict) else []:
            for out in (stage or {}).get("outs") or [] if isinstance(stage, dict) else []:
                if not isinstance(out, dict):
                    continue
                out_path = (folder / str(out.get("path", ""))).absolute()
                if out_path == path or path.is_relative_to(out_path):
                    found = _dvc_out_fingerprint(out, path, out_path == path, lock, root)
                    if found:
                        return found
    return None


def _dvc_out_fingerprint(out: dict[str, Any], path: Path, whole: bool, source: Path, root: Path) -> Fingerprint | None:
    """What the output ``out`` of the DVC file or dvc.lock ``source`` records for ``path``: its hash, and the size
    it records when ``out`` is ``path`` itself (``whole``; else ``path``'s own size); None without a hash."""
    found = _out_hash(out)
    if not found:
        return None
    return Fingerprint(found[0], _size(path, found[1] if whole else 0), f"DVC {source.relative_to(root).as_posix()}")


# ----------------------------------------------------------------------------- URLs

_INFO: dict[str, Fingerprint] = {}


def _filesystem(url: str) -> tuple[Any, str]:
    scheme = url.split("://", 1)[0].lower()
    try:
        import fsspec

        found: tuple[Any, str] = (
            fsspec.core.url_to_fs(url, version_aware=True) if scheme == "s3" else fsspec.core.url_to_fs(url)
        )
        return found
    except ImportError:
        raise DataError(
            f"{url}: reading {scheme}:// URLs needs the Python package {BACKENDS.get(scheme, 'for it')}",
            hint=f"install it into mlspec's environment (`pip install {BACKENDS.get(scheme)}`, or ci.install in CI)",
        ) from None
    except ValueError as exc:
        raise DataError(f"{url}: not a usable URL: {exc}") from None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


def url_fingerprint(url: str, key: str) -> Fingerprint:
    """Version or ETag of the object at ``url`` (asked once per process); DataError when unreachable."""
    if url in _INFO:
        return _INFO[url]
    fs, path = _filesystem(url)
    try:
        info = fs.info(path)
    except FileNotFoundError:
        raise DataError(
            f"{key}: {url} does not exist", hint="check the URL (bucket, key) and the credentials"
        ) from None
    except Exception as exc:  # noqa: BLE001 - any storage failure is a data problem the user acts on
        raise DataError(
            f"{key}: cannot reach {url}: {_describe(exc)}",
            hint="check the URL, the network and the credentials (for S3: AWS_ACCESS_KEY_ID, "
            "AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL for S3-compatible stores)",
        ) from None
    if info.get("type") == "directory":
        raise DataError(f"{key}: {url} is a folder; give a CSV or Parquet object")
    size = int(info.get("size") or 0)
    lowered = {str(k).lower(): v for k, v in info.items()}
    version = lowered.get("versionid") or lowered.get("generation")
    etag = lowered.get("etag") or lowered.get("md5hash")
    if version and str(version) != "null":
        found = Fingerprint(f"version:{version}", size, f"object version {version}")
    elif etag:
        tag = str(etag).strip('"')
        found = Fingerprint(f"etag:{tag}", size, f"ETag {tag}")
    elif lowered.get("last-modified") or lowered.get("lastmodified"):
        stamp = str(lowered.get("last-modified") or lowered.get("lastmodified"))
        tag = hashlib.sha256(f"{stamp}|{size}".encode()).hexdigest()[:32]
        found = Fingerprint(f"modified:{tag}", size, f"Last-Modified {stamp}")
    else:
        raise DataError(
            f"{key}: {url} has no version, ETag or Last-Modified, so mlspec cannot tell when it changes",
            hint="serve it from a store that sends an ETag (S3, GCS and most HTTP servers do)",
        )
    _INFO[url] = found
    return found


def cache_path(remote_cache: Path, url: str, fingerprint: Fingerprint) -> Path:
    """Where the object of that version is kept locally: `<remote_cache>/<key>/<name>`
    (``remote_cache`` is `StateLayout.remote_cache`, `.mlspec/cache/remote`)."""
    key = hashlib.sha256(f"{url}\n{fingerprint.digest}".encode()).hexdigest()[:24]
    name = posixpath.basename(url.split("?", 1)[0].rstrip("/")) or "data"
    name = re.sub(r"[^A-Za-z0-9_.\-]", "_", name)[:100]
    return remote_cache / key / name


def download(url: str, target: Path, key: str) -> Path:
    """Download ``url`` to ``target`` (once: an existing file of that key is reused)."""
    if target.is_file():
        return target
    fs, path = _filesystem(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        fs.get_file(path, str(partial))
        partial.replace(target)
    except Exception as exc:  # noqa: BLE001
        partial.unlink(missing_ok=True)
        raise DataError(
            f"{key}: cannot download {url}: {_describe(exc)}", hint="check the network and the credentials"
        ) from None
    return target


def forget() -> None:
    """Drop what this process learnt about URLs (tests; a long-lived process that wants fresh versions)."""
    _INFO.clear()
