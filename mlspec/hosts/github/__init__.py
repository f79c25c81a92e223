"""GitHub as the code host, the only package that knows GitHub: `host.py` (the `CodeHost`), `job.py` (the GitHub
Actions environment and job summary), `paths.py` (the path-filter semantics of `on.<event>.paths`), and the REST
API through github3.py (`client.py`, `session.py`, `retry.py`, `errors.py`). Its workflow templates are
mlspec/render/templates/. Code outside mlspec/hosts/ reaches GitHub only through `mlspec.hosts.all_hosts`."""

from mlspec.hosts.github.host import GitHubHost

__all__ = ["HOST", "GitHubHost"]

HOST = GitHubHost()  # found by mlspec/hosts/all_hosts.py
