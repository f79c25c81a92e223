"""Container images by digest: pushing an image and recording which digest serves which model.

`mlspec build --containerize --push` pushes `REGISTRY/REPOSITORY:<model version>` and records
`REGISTRY/REPOSITORY@sha256:<digest>` for the model's tag in `.mlspec/images.json`; `mlspec promote` puts that
reference in `deploy/<env>.yaml` (`image:`), and the environment's overlay names the same digest. A tag can be
moved; a digest names exactly the bytes that were built and checked.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlspec.errors import ServeError
from mlspec.fsio import atomic_write_json
from mlspec.state.deploy import IMAGE_BY_DIGEST_PATTERN
from mlspec.state.layout import STATE_DIR

IMAGES_FILE = "images.json"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def split_image(image: str) -> tuple[str, str]:
    """`host:port/repo:tag` -> (`host:port/repo`, `tag`): the tag is after the last `:` of the last path part."""
    head, _, last = image.rpartition("/")
    name, sep, tag = last.partition(":")
    if not sep:
        return image, "latest"
    return (f"{head}/{name}" if head else name), tag


PUSH_ATTEMPTS = 3
USERNAME_VARIABLE = "MLSPEC_REGISTRY_USERNAME"
PASSWORD_VARIABLE = "MLSPEC_REGISTRY_PASSWORD"  # noqa: S105 - the variable's name, not a password


def registry_auth(environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """The registry login the rendered CT step sets (`serve.container.credentials`, or GITHUB_TOKEN for ghcr.io),
    given to the engine with this push only: nothing is written to the runner's Docker configuration. None when
    neither variable is set (the engine's own login, if any, applies)."""
    env = os.environ if environ is None else environ
    username, password = env.get(USERNAME_VARIABLE, ""), env.get(PASSWORD_VARIABLE, "")
    if not username and not password:
        return None
    if not username or not password:
        missing = USERNAME_VARIABLE if not username else PASSWORD_VARIABLE
        raise ServeError(
            f"{missing} is empty while the other registry login variable is set: nothing was pushed",
            hint="set both (in CI: check that both secrets named in serve.container.credentials exist)",
        )
    return {"username": username, "password": password}


def push_by_digest(
    client: Any,
    image: str,
    *,
    attempts: int = PUSH_ATTEMPTS,
    pause: float = 2.0,
    auth: Mapping[str, str] | None = None,
) -> str:
    """Push ``image`` through the Docker engine and return it by digest, `REPOSITORY@sha256:...`, the digest
    being the one the registry answered with (the push's final status). A connection that breaks mid-push (the
    engine's answer stream cut short) is tried again: a push is content-addressed, so a repeat only sends what the
    registry lacks. An error the registry answered with (no access, say) is not retried."""
    repository, tag = split_image(image)
    failure = ""
    for attempt in range(1, attempts + 1):
        try:
            digest = _push_once(client, image, repository, tag, auth)
        except ServeError:
            raise
        except Exception as exc:  # noqa: BLE001 - docker SDK / HTTP errors: a broken connection
            failure = str(exc)
            if attempt < attempts:
                time.sleep(pause * attempt)
            continue
        reference = f"{repository}@{digest}"
        if not re.match(IMAGE_BY_DIGEST_PATTERN, reference):
            raise ServeError(f"pushed {image}, but {reference!r} is not an image reference mlspec can record")
        return reference
    raise ServeError(
        f"pushing {image} failed {attempts} times; the last: {failure}",
        hint="check that the registry answers (`docker push` by hand shows the engine's own error)",
    )


def _push_once(client: Any, image: str, repository: str, tag: str, auth: Mapping[str, str] | None) -> str:
    digest = None
    extra = {"auth_config": dict(auth)} if auth else {}
    for line in client.images.push(repository, tag=tag, stream=True, decode=True, **extra):
        if not isinstance(line, dict):
            continue
        if line.get("error"):
            raise ServeError(
                f"pushing {image} failed: {line['error']}",
                hint="log in to the registry first (`docker login <registry>`)",
            )
        aux = line.get("aux")
        if isinstance(aux, dict) and DIGEST.match(str(aux.get("Digest", ""))):
            digest = str(aux["Digest"])
    if digest is None:
        raise ServeError(f"pushing {image}: the registry answered with no digest", hint="check the registry's logs")
    return digest


def _images_file(spec_root: Path) -> Path:
    return spec_root / STATE_DIR / IMAGES_FILE


def _read(spec_root: Path) -> dict[str, str]:
    try:
        data = json.loads(_images_file(spec_root).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if re.match(IMAGE_BY_DIGEST_PATTERN, str(v))}


def record_image(spec_root: Path, model_tag: str, reference: str) -> Path:
    images = _read(spec_root)
    images[model_tag] = reference
    return atomic_write_json(_images_file(spec_root), dict(sorted(images.items())))


def recorded_image(spec_root: Path, model_tag: str) -> str | None:
    """The image by digest pushed for ``model_tag`` (None when none was)."""
    return _read(spec_root).get(model_tag)
