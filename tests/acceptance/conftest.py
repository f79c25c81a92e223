"""Fixtures the acceptance tests share with the package tests: the stores of tests/acceptance/test_store.py (a
folder, moto's S3 on 127.0.0.1) are tests/store's."""

from __future__ import annotations

from tests.store.conftest import _moto_s3, s3_env, store_url  # noqa: F401 - fixtures, found by name

__all__ = ["_moto_s3", "s3_env", "store_url"]
