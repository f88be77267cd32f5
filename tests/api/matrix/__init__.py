"""The authorization matrix, one module per area of the API (test_matrix.py joins them).

Each area module defines:
- ROWS: {(method, path as in the schema): {persona: expected status}}, every persona of PERSONAS in every row;
- path_values(ctx, method, path, persona) -> {placeholder: value}: creates the objects the row is called on (owned by
  ctx.commune, commune_editor's and signatory's organisation) and returns the values of the path's placeholders;
- optionally BODIES: {(method, path): dict}, the JSON body sent (default: none), and
  FILES: {(method, path): callable(ctx) -> dict}, a multipart body instead of JSON.

A persona's user is ctx.user(persona) (None for anonymous); staff personas hold exactly one StaffRole each.
"""

from core.roles import StaffRole

MEMBERS = ["anonymous", "commune_editor", "signatory", "other_commune_editor"]
STAFF = [f"staff:{role}" for role in StaffRole.values]
PERSONAS = MEMBERS + STAFF


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


def staff_only(allowed: dict[str, int], *, others: int = 403, members: int = 404) -> dict[str, int]:
    """A staff-side row: members of organisations get `members` (404: staff objects are not theirs to know about),
    staff roles not listed in `allowed` (keys are StaffRole values) get `others`, anonymous callers 401."""
    row = {**dict.fromkeys(MEMBERS, members), **{f"staff:{role}": others for role in StaffRole.values}}
    row.update({f"staff:{role}": status for role, status in allowed.items()})
    row["anonymous"] = 401
    return row
