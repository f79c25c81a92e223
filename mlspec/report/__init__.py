"""The Markdown report of a run (PR comment, PR body, job summary, report.md) and its plot."""
