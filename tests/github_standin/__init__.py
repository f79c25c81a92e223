"""Local stand-in for the GitHub REST API (real HTTP on 127.0.0.1); see server.py. history.py (compare) and
runs.py (workflow runs) add the operations the shared description does not cover."""

from tests.github_standin import history, runs
from tests.github_standin.server import ACTIONS_PR_MESSAGE, GitHubStandIn, State

__all__ = ["ACTIONS_PR_MESSAGE", "GitHubStandIn", "State", "history", "runs"]
