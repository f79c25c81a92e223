from tests.github_standin.fixtures import github_standin  # noqa: F401
