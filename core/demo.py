"""Demo people for every persona, on the seeded organisations. Fictitious: never load this in production."""

from dataclasses import dataclass

from core.models import MembershipRole
from core.roles import StaffRole

DEMO_PASSWORD = "demo-BPL-funding-2026"  # noqa: S105 (fictitious demo accounts only)


@dataclass(frozen=True)
class DemoApplicant:
    email: str
    first_name: str
    last_name: str
    language: str
    organisation_code: str
    role: str
    is_admin: bool = False


@dataclass(frozen=True)
class DemoStaff:
    email: str
    first_name: str
    last_name: str
    language: str
    roles: tuple[str, ...]


APPLICANTS = [
    DemoApplicant("editor@anderlecht.demo", "Camille", "Dubois", "fr", "commune-anderlecht", MembershipRole.EDITOR),
    DemoApplicant(
        "signatory@anderlecht.demo", "Jean", "Lambert", "fr", "commune-anderlecht", MembershipRole.SIGNATORY, True
    ),
    DemoApplicant("viewer@anderlecht.demo", "Sofia", "Haddad", "fr", "commune-anderlecht", MembershipRole.VIEWER),
    DemoApplicant("editor@schaerbeek.demo", "Pieter", "Janssens", "nl", "commune-schaerbeek", MembershipRole.EDITOR),
    DemoApplicant(
        "signatory@schaerbeek.demo", "An", "Peeters", "nl", "commune-schaerbeek", MembershipRole.SIGNATORY, True
    ),
    DemoApplicant("editor@cpas-ixelles.demo", "Nadia", "Benali", "fr", "cpas-ixelles", MembershipRole.EDITOR, True),
]

STAFF = [
    DemoStaff("call.manager@bpl.demo", "Claire", "Martin", "fr", (StaffRole.CALL_MANAGER,)),
    DemoStaff("eligibility@bpl.demo", "Koen", "Maes", "nl", (StaffRole.ELIGIBILITY_OFFICER,)),
    DemoStaff("reviewer@bpl.demo", "Laura", "Simon", "fr", (StaffRole.REVIEWER,)),
    DemoStaff("reviewer2@bpl.demo", "Tom", "Claes", "nl", (StaffRole.REVIEWER, StaffRole.COMMITTEE_MEMBER)),
    DemoStaff("committee.member@bpl.demo", "Marc", "Dupont", "fr", (StaffRole.COMMITTEE_MEMBER,)),
    DemoStaff("committee.secretary@bpl.demo", "Els", "Wouters", "nl", (StaffRole.COMMITTEE_SECRETARY,)),
    DemoStaff("loan.analyst@bpl.demo", "Youssef", "El Amrani", "fr", (StaffRole.LOAN_ANALYST,)),
    DemoStaff("finance.officer@bpl.demo", "Isabelle", "Leroy", "fr", (StaffRole.FINANCE_OFFICER,)),
    DemoStaff("finance.approver@bpl.demo", "Bart", "Jacobs", "nl", (StaffRole.FINANCE_APPROVER,)),
    # The second pair of eyes on payment orders above BPL_PAYMENT_SECOND_APPROVAL_ABOVE.
    DemoStaff("finance.approver2@bpl.demo", "Nathalie", "Lemaire", "fr", (StaffRole.FINANCE_APPROVER,)),
    DemoStaff("auditor@bpl.demo", "Hélène", "Renard", "fr", (StaffRole.AUDITOR,)),
    DemoStaff("admin@bpl.demo", "Ahmed", "Mansouri", "fr", (StaffRole.ADMINISTRATOR,)),
]

# (organisation code, bank code, account digits): fictitious but well-formed Belgian accounts for the demo.
DEMO_ACCOUNTS = [
    ("commune-anderlecht", "091", "0107010"),
    ("commune-schaerbeek", "091", "0103030"),
    ("cpas-ixelles", "091", "0105050"),
]
