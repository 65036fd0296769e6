"""Who may act. A user may hold several roles; separation of duties is checked per case."""

from enum import StrEnum


class Role(StrEnum):
    APPLICANT = "applicant"  # UMKM owner, linked to one business
    OFFICIAL = "official"  # reviews documents, evaluates, decides, issues, manages staff
    SAMPLER = "sampler"  # sampling officer (PPC)
    LAB_ANALYST = "lab_analyst"  # enters results
    LAB_VERIFIER = "lab_verifier"  # verifies results entered by someone else
    AUDITOR = "auditor"  # audits the production site / quality system (scheme type 5)
    SYSTEM = "system"  # the flows' own automated steps


STAFF_ROLES = frozenset(Role) - {Role.APPLICANT, Role.SYSTEM}
