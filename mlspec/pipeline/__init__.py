"""The local pipeline: data loading, deepchecks tests, training, evaluation, caching and the run record.

Modules import pandas, scikit-learn, deepchecks and bentoml inside functions only, so that the
no-op path of `mlspec run` (everything cached) stays well under a second.
"""
