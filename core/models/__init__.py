from .audit import AuditRecord
from .notifications import Notification
from .organisations import BankAccount, Membership, MembershipRole, Organisation, OrganisationKind
from .users import Language, NotificationMode, User

__all__ = [
    "AuditRecord",
    "BankAccount",
    "Language",
    "Membership",
    "MembershipRole",
    "Notification",
    "NotificationMode",
    "Organisation",
    "OrganisationKind",
    "User",
]
