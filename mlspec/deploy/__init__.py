"""Deploying for real: Kubernetes manifests (Kustomize base and overlays), the GitOps controller's
resources (Argo CD or Flux) and progressive delivery (Argo Rollouts), rendered from the spec.

Imports yaml and pydantic only, so `mlspec render` stays fast.
"""
