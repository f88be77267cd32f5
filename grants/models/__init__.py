from .applications import (
    Application,
    ApplicationDocument,
    ApplicationSnapshot,
    ApplicationStatus,
    DeadlineExtension,
    SignatureRequest,
)
from .calls import Call, CallStatus, CallVersion, Programme
from .eligibility import EligibilityDecision, EligibilityOutcome, EligibilityResult

__all__ = [
    "Application",
    "ApplicationDocument",
    "ApplicationSnapshot",
    "ApplicationStatus",
    "Call",
    "CallStatus",
    "CallVersion",
    "DeadlineExtension",
    "EligibilityDecision",
    "EligibilityOutcome",
    "EligibilityResult",
    "Programme",
    "SignatureRequest",
]
