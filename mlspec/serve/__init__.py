"""BentoML service from the spec: code generation, Bento build, local serving, containers.

The only package that imports bentoml's build/serve APIs or docker (always inside functions).
"""
