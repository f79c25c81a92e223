"""Code hosts: where the repository, its CI and its pull requests live. base.py is the seam (`CodeHost`),
all_hosts.py the one registry; GitHub is the host today (github.py here, over mlspec/github/ for the API,
mlspec/github_job.py for the Actions environment, mlspec/paths.py for path filters and mlspec/render/ for the
workflows)."""
