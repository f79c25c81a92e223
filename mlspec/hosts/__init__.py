"""Code hosts: where the repository, its CI and its pull requests live. base.py is the seam (`CodeHost`),
all_hosts.py the one registry (`current()`: the host whose CI this process runs in, else GitHub); GitHub is the
host today, one package: mlspec/hosts/github/ (its workflow templates are mlspec/render/templates/)."""
