"""Where each role works: the links a signed-in person sees in the header, and the page
they land on after signing in. Data, in the order a person holding several roles would
want them (an official's dashboard before the lab's worklist)."""

from __future__ import annotations

from collections.abc import Iterable

from snicert.roles import Role

# role -> (path, text key): every place a role works, in the order of the header's menu;
# the first place of the first role a person holds is where they land after signing in
WORK: tuple[tuple[Role, str, str], ...] = (
    (Role.OFFICIAL, "/dashboard", "off_dashboard"),
    (Role.OFFICIAL, "/official/applications", "apps_title"),
    (Role.OFFICIAL, "/official/payments", "fee_worklist"),
    (Role.OFFICIAL, "/surveillance", "sv_list"),
    (Role.OFFICIAL, "/official/complaints", "cmp_list_title"),
    (Role.OFFICIAL, "/official/changes", "chg_list_title"),
    (Role.OFFICIAL, "/management-review", "mr_title"),
    (Role.OFFICIAL, "/admin/users", "adm_users"),
    (Role.OFFICIAL, "/admin/checklists", "adm_checklists"),
    (Role.OFFICIAL, "/admin/impartiality", "imp_nav"),
    (Role.OFFICIAL, "/admin/deliveries", "dlv_nav"),
    (Role.OFFICIAL, "/exports", "exp_nav"),
    (Role.LAB_VERIFIER, "/lab/verify", "lab_verify_queue"),
    (Role.LAB_VERIFIER, "/lab", "lab_worklist"),
    (Role.LAB_ANALYST, "/lab", "lab_worklist"),
    (Role.SAMPLER, "/sampling", "smp_title"),
    (Role.AUDITOR, "/audits", "aud_worklist"),
    # every staff member declares their own conflicts of interest (after their work)
    *(
        (role, "/me/conflicts", "imp_conflicts")
        for role in (Role.OFFICIAL, Role.SAMPLER, Role.LAB_ANALYST, Role.LAB_VERIFIER, Role.AUDITOR)
    ),
    (Role.APPLICANT, "/me", "nav_my_applications"),
)


def links(roles: Iterable[str]) -> list[tuple[str, str]]:
    """(path, text key) of each place `roles` work in, without repeats."""
    held = frozenset(roles)
    seen: set[str] = set()
    out = []
    for role, path, key in WORK:
        if role in held and path not in seen:
            seen.add(path)
            out.append((path, key))
    return out


def landing(roles: Iterable[str]) -> str:
    """Where a person goes after signing in: their first place of work, else /me."""
    found = links(roles)
    return found[0][0] if found else "/me"
