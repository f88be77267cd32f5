"""The process versions of BPL Funding. Each version is a module of its own; importing it registers it.

See docs/workflows.md for how to add a version, freeze the old one and migrate or drain its cases.
"""

from workflows.frbrtc_loan import v1 as frbrtc_loan_v1  # noqa: F401
from workflows.grant_application import v1 as grant_application_v1  # noqa: F401
