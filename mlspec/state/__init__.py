"""Everything mlspec keeps on disk between commands: run records, deployments, stored models, and the `.mlspec/` layout.

This package is the only code that knows where under `.mlspec/` a thing lives (see `layout.py`);
every other module asks it.
"""
