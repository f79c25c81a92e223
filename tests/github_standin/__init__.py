"""Local stand-in for the GitHub REST API (real HTTP on 127.0.0.1); see server.py."""

from tests.github_standin.server import ACTIONS_PR_MESSAGE, GitHubStandIn, State

__all__ = ["ACTIONS_PR_MESSAGE", "GitHubStandIn", "State"]
