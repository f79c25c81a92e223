"""Local stand-in for the GitHub REST API (real HTTP on 127.0.0.1); see server.py. history.py (compare), runs.py
(workflow runs) and pr_runs.py (a commit's pull requests, a head commit's runs) add the operations the shared
description does not cover."""

from tests.github_standin import history, pr_runs, runs
from tests.github_standin.server import ACTIONS_PR_MESSAGE, GitHubStandIn, State

__all__ = ["ACTIONS_PR_MESSAGE", "GitHubStandIn", "State", "history", "pr_runs", "runs"]
