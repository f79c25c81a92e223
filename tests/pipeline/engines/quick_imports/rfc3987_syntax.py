"""Stands in for the `rfc3987-syntax` package in the test clusters' processes only (ray_cluster.ray_env puts this
folder first on their PYTHONPATH): importing the real one builds a Lark grammar, 5 s of the 15 s the raylet gives
its dashboard agent to start (a constant), which a loaded machine exceeds. jsonschema, the only importer, skips
its optional `iri` format check when the import fails, as without the package; nothing else uses it."""

raise ImportError("rfc3987_syntax is left out of the test Ray cluster (tests/pipeline/engines/quick_imports)")
