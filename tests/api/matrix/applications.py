"""Matrix rows: applications (filled as the endpoints are built)."""

ROWS: dict[tuple[str, str], dict[str, int]] = {}


def path_values(ctx, method: str, path: str, persona: str) -> dict:
    return {}
