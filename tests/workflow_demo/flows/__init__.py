from . import v1, v2  # noqa: F401  (importing a version registers it)
