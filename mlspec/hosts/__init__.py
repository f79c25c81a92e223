"""Code hosts: where the repository, its CI and its pull requests live. base.py is the seam (`CodeHost`),
all_hosts.py the one registry; GitHub is the host today (github.py here, over mlspec/hosts/github/ for the API,
mlspec/hosts/github/job.py for the Actions environment, mlspec/hosts/github/paths.py for path filters and mlspec/render/ for the
workflows)."""
