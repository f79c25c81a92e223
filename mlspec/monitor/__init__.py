"""Drift monitoring: `mlspec drift` compares new data with the training reference of the serving
model (deepchecks), writes reports and, when asked, starts continuous training through GitHub.
Import submodules directly; heavy libraries are imported inside functions."""
