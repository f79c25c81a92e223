"""Every third-party action the rendered workflows, mlspec's own actions and its own workflows use, pinned by
the full commit SHA of a published release. One table, so an upgrade is one edit (and a re-render)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pin:
    repository: str
    sha: str
    version: str
    path: str = ""  # an action in a subfolder of the repository, e.g. `upload-sarif`
    # False: no offline copy in ../shared/gha-actions (opt-in steps only); the act tests map it to a stand-in in tests/acceptance/act/standin_actions
    offline_copy: bool = True

    @property
    def uses(self) -> str:
        """The `uses:` value; the version goes into a trailing comment (see `uses_line`)."""
        folder = f"/{self.path}" if self.path else ""
        return f"{self.repository}{folder}@{self.sha}"

    @property
    def comment(self) -> str:
        return f"# {self.version}"


PINS: dict[str, Pin] = {
    "checkout": Pin("actions/checkout", "11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    "setup-python": Pin("actions/setup-python", "0b93645e9fea7318ecaed2b359559ac225c90a2b", "v5.3.0"),
    "upload-artifact": Pin("actions/upload-artifact", "b4b15b8c7c6ac21ea08fcf65892d2ee8f75cf882", "v4.4.3"),
    "download-artifact": Pin("actions/download-artifact", "fa0a91b85d4f404e444e00e005971372dc801d16", "v4.1.8"),
    # Only with ci.code_scanning: true (the commit of the annotated tag v4.36.2, 2026-06-04).
    "upload-sarif": Pin(
        "github/codeql-action",
        "8aad20d150bbac5944a9f9d289da16a4b0d87c1e",
        "v4.36.2",
        path="upload-sarif",
        offline_copy=False,
    ),
    # mlspec's own release (.github/workflows/release.yml) only; checked there by tests/render/test_workflow_structure.py.
    "pypi-publish": Pin(
        "pypa/gh-action-pypi-publish", "76f52bc884231f62b9a034ebfe128415bbaabdfc", "v1.12.4", offline_copy=False
    ),
    "attest-build-provenance": Pin(
        "actions/attest-build-provenance", "a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32", "v4.1.0", offline_copy=False
    ),
}
