"""mlspec: GitOps CI/CD/CT for machine learning from one declarative mlproject.yaml."""

__version__ = "0.1.0"
