"""Deploy targets: where a chosen model is built into something that serves, and served (`mlspec build`,
`mlspec serve`). base.py is the seam (`DeployTarget`), all_targets.py the one registry; BentoML's service is
the target today (mlspec/serve/bento_target.py). A model's format (a BentoML model in the local model store,
exported as `.bentomodel`) is not the target's: it is mlspec/state/model_store.py's, for every target."""
