from .audit import AuditRecord
from .organisations import BankAccount, Membership, MembershipRole, Organisation, OrganisationKind
from .users import Language, User

__all__ = [
    "AuditRecord",
    "BankAccount",
    "Language",
    "Membership",
    "MembershipRole",
    "Organisation",
    "OrganisationKind",
    "User",
]
