"""mlspec.datasource.dvc_fingerprint: the hash DVC recorded is a tracked file's fingerprint, from its own `.dvc`
file, the `.dvc` file of a tracked folder holding it, or an output in a `dvc.lock`; the size recorded for the file
itself, the file's own size inside a tracked folder."""

from __future__ import annotations

from pathlib import Path

import yaml

from mlspec.datasource import Fingerprint, dvc_fingerprint


def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".dvc").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("a,b\n1,2\n")  # 8 bytes
    return tmp_path


def test_a_file_and_a_folder_tracked_by_dvc_files(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    out = {"outs": [{"md5": "f" * 32, "size": 4096, "path": "train.csv"}]}
    (root / "data" / "train.csv.dvc").write_text(yaml.safe_dump(out))
    assert dvc_fingerprint(root / "data" / "train.csv", root) == Fingerprint(
        f"dvc-md5:{'f' * 32}", 4096, "DVC data/train.csv.dvc"
    )
    (root / "data" / "train.csv.dvc").unlink()
    (root / "data.dvc").write_text(yaml.safe_dump({"outs": [{"md5": "d" * 32 + ".dir", "size": 9999, "path": "data"}]}))
    assert dvc_fingerprint(root / "data" / "train.csv", root) == Fingerprint(
        f"dvc-md5:{'d' * 32}.dir", 8, "DVC data.dvc"
    )


def test_outputs_of_a_dvc_lock(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "features").mkdir()
    (root / "features" / "rows.csv").write_text("a,b\n3,4\n5,6\n")  # 12 bytes, inside a folder output
    stages = {
        "prepare": {"outs": [{"path": "data/train.csv", "md5": "a" * 32, "size": 77}]},
        "featurize": {"outs": [{"path": "features", "md5": "b" * 32 + ".dir", "size": 500}]},
    }
    (root / "dvc.lock").write_text(yaml.safe_dump({"schema": "2.0", "stages": stages}))
    assert dvc_fingerprint(root / "data" / "train.csv", root) == Fingerprint(f"dvc-md5:{'a' * 32}", 77, "DVC dvc.lock")
    assert dvc_fingerprint(root / "features" / "rows.csv", root) == Fingerprint(
        f"dvc-md5:{'b' * 32}.dir", 12, "DVC dvc.lock"
    )


def test_an_output_without_a_hash_or_outside_dvc_is_no_fingerprint(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "dvc.lock").write_text(yaml.safe_dump({"stages": {"s": {"outs": [{"path": "data/train.csv"}]}}}))
    assert dvc_fingerprint(root / "data" / "train.csv", root) is None
    assert dvc_fingerprint(tmp_path.parent / "elsewhere.csv", tmp_path.parent) is None
