"""The mlproject.yaml spec: models, strict loading, validation and JSON Schema."""

from mlspec.spec.validate import LoadedSpec, load_spec

__all__ = ["LoadedSpec", "load_spec"]
