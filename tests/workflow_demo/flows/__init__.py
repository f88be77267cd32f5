from . import v1, v2, wait_v1  # noqa: F401  (importing a version registers it)
