"""The only place that talks to GitHub (through github3.py). Import submodules directly:
`from mlspec.github.client import GitHubSettings, connect`."""
