"""Image references and the record of pushed digests (the push itself: tests/serve/test_image_by_digest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlspec.deploy.images import record_image, recorded_image, split_image
from tests.deploy.projects import k8s_project
from tests.helpers import run_cli


@pytest.mark.parametrize(
    "image, parts",
    [
        ("127.0.0.1:5055/acme/model:v1", ("127.0.0.1:5055/acme/model", "v1")),
        ("ghcr.io/acme/model:abc-123", ("ghcr.io/acme/model", "abc-123")),
        ("127.0.0.1:5055/acme/model", ("127.0.0.1:5055/acme/model", "latest")),
        ("model:v2", ("model", "v2")),
    ],
)
def test_split_image_keeps_the_registry_port(image: str, parts: tuple[str, str]) -> None:
    assert split_image(image) == parts


def test_pushed_digests_are_recorded_per_model(tmp_path: Path) -> None:
    first = "127.0.0.1:5055/acme/model@sha256:" + "a" * 64
    second = "127.0.0.1:5055/acme/model@sha256:" + "b" * 64
    assert recorded_image(tmp_path, "model:v1") is None
    record_image(tmp_path, "model:v1", first)
    record_image(tmp_path, "model:v2", second)
    assert (recorded_image(tmp_path, "model:v1"), recorded_image(tmp_path, "model:v2")) == (first, second)
    (tmp_path / ".mlspec" / "images.json").write_text('{"model:v1": "not an image; rm -rf /"}')
    assert recorded_image(tmp_path, "model:v1") is None  # only image references by digest are believed


def test_push_needs_containerize(tmp_path: Path) -> None:
    spec = k8s_project(tmp_path / "repo")
    result = run_cli("build", str(spec), "--push")
    assert result.returncode == 2
    assert "--push goes with --containerize" in result.stderr


class _Images:
    """The engine's push stream as docker's SDK yields it; ``broken`` pushes break off before their last line."""

    def __init__(self, broken: int, final: list[dict[str, object]]) -> None:
        self.broken, self.final, self.calls = broken, final, 0
        self.auth: list[object] = []

    def push(self, repository: str, tag: str, stream: bool, decode: bool, **extra):  # type: ignore[no-untyped-def]
        self.calls += 1
        self.auth.append(extra.get("auth_config"))
        yield {"status": "Pushing", "id": "layer"}
        if self.calls <= self.broken:
            raise ConnectionError("Connection broken: IncompleteRead(0 bytes read)")
        yield from self.final


def _client(images: _Images) -> object:
    return type("Client", (), {"images": images})()


DIGEST_LINE = {"aux": {"Tag": "v1", "Digest": "sha256:" + "a" * 64, "Size": 1}}


def test_a_push_whose_connection_breaks_is_tried_again() -> None:
    from mlspec.deploy.images import push_by_digest

    images = _Images(broken=2, final=[DIGEST_LINE])
    assert (
        push_by_digest(_client(images), "127.0.0.1:5055/acme/m:v1", pause=0)
        == "127.0.0.1:5055/acme/m@sha256:" + "a" * 64
    )
    assert images.calls == 3


def test_a_push_that_keeps_breaking_fails_saying_how_often_and_why() -> None:
    from mlspec.deploy.images import push_by_digest
    from mlspec.errors import ServeError

    images = _Images(broken=5, final=[DIGEST_LINE])
    with pytest.raises(ServeError) as caught:
        push_by_digest(_client(images), "127.0.0.1:5055/acme/m:v1", pause=0)
    assert caught.value.message.startswith("pushing 127.0.0.1:5055/acme/m:v1 failed 3 times; the last: ")
    assert "IncompleteRead" in caught.value.message and images.calls == 3


def test_an_error_the_registry_answers_with_is_not_retried() -> None:
    from mlspec.deploy.images import push_by_digest
    from mlspec.errors import ServeError

    images = _Images(broken=0, final=[{"error": "denied: requested access to the resource is denied"}])
    with pytest.raises(ServeError) as caught:
        push_by_digest(_client(images), "127.0.0.1:5055/acme/m:v1", pause=0)
    assert (
        caught.value.message
        == "pushing 127.0.0.1:5055/acme/m:v1 failed: denied: requested access to the resource is denied"
    )
    assert images.calls == 1


def test_the_registry_login_goes_to_the_push_itself() -> None:
    """CT's push step sets the login as two variables; it reaches the engine with this push (X-Registry-Auth),
    nothing is written to the runner's Docker configuration."""
    from mlspec.deploy.images import push_by_digest, registry_auth

    auth = registry_auth({"MLSPEC_REGISTRY_USERNAME": "bot", "MLSPEC_REGISTRY_PASSWORD": "s3cret"})
    assert auth == {"username": "bot", "password": "s3cret"}
    images = _Images(broken=1, final=[DIGEST_LINE])
    push_by_digest(_client(images), "ghcr.io/acme/m:v1", pause=0, auth=auth)
    assert images.auth == [auth, auth]  # the retry logs in too
    images = _Images(broken=0, final=[DIGEST_LINE])
    push_by_digest(_client(images), "127.0.0.1:5055/acme/m:v1", pause=0, auth=registry_auth({}))
    assert images.auth == [None]  # no login set: the engine's own, if any


def test_half_a_registry_login_is_refused_before_anything_is_pushed() -> None:
    from mlspec.deploy.images import registry_auth
    from mlspec.errors import ServeError

    with pytest.raises(ServeError) as caught:
        registry_auth({"MLSPEC_REGISTRY_USERNAME": "bot", "MLSPEC_REGISTRY_PASSWORD": ""})
    assert caught.value.message.startswith("MLSPEC_REGISTRY_PASSWORD is empty")
    assert "serve.container.credentials" in (caught.value.hint or "")


def test_registry_credentials_name_secrets(tmp_path: Path) -> None:
    from tests.deploy.projects import k8s_spec

    spec = k8s_spec()
    spec["serve"]["container"] = {
        "registry": "ghcr.io",
        "push": True,
        "credentials": {"username": "U", "password": "GITHUB_TOKEN"},
    }
    path = k8s_project(tmp_path / "repo", spec)
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    assert "serve.container.credentials.password" in result.stdout + result.stderr
    assert "not a secret name" in result.stdout + result.stderr
