"""`mlspec promote`: open or update the pull request that changes deploy/<env>.yaml (GitOps)."""
