"""Who may do what, and where: the roles of DESIGN.md and their region scopes."""

from __future__ import annotations

from enum import Enum

from suara.domain.regions import NATIONAL, OVERSEAS, level_of


class Role(str, Enum):
    KPPS = "KPPS"
    PPK = "PPK"
    KPU_KABKOTA = "KPU_KABKOTA"
    KPU_PROVINSI = "KPU_PROVINSI"
    KPU_RI = "KPU_RI"
    PPLN = "PPLN"  # an overseas election committee: records its stations' recapitulation
    SAKSI = "SAKSI"
    PENGAWAS = "PENGAWAS"


class Action(str, Enum):
    SUBMIT_FORM = "submit_form"
    PROPOSE_CORRECTION = "propose_correction"
    DECIDE_CORRECTION = "decide_correction"
    REVIEW_COMPLAINT = "review_complaint"
    VIEW_RESTRICTED = "view_restricted"
    MANAGE_ACCOUNTS = "manage_accounts"
    RECORD_RECAP = "record_recap"  # the tier's own officials, at their own region only (see recap_role)
    REOPEN_RECAP = "reopen_recap"


# The level a role's scope must be: a KPPS has one TPS, a PPK one kecamatan, and so on.
SCOPE_LEVEL: dict[Role, int | None] = {
    Role.KPPS: 5, Role.PPK: 3, Role.KPU_KABKOTA: 2, Role.KPU_PROVINSI: 1, Role.KPU_RI: 0, Role.PPLN: 2,
    Role.SAKSI: None, Role.PENGAWAS: None,  # observers: any one region
}

OFFICIALS = frozenset({Role.PPK, Role.KPU_KABKOTA, Role.KPU_PROVINSI})
ALLOWED: dict[Action, frozenset[Role]] = {
    Action.SUBMIT_FORM: frozenset({Role.KPPS}),
    Action.PROPOSE_CORRECTION: OFFICIALS,
    Action.DECIDE_CORRECTION: frozenset({Role.KPU_RI}),
    Action.REVIEW_COMPLAINT: OFFICIALS | {Role.KPU_RI},
    Action.VIEW_RESTRICTED: OFFICIALS | {Role.KPU_RI, Role.SAKSI, Role.PENGAWAS},
    Action.MANAGE_ACCOUNTS: frozenset({Role.KPU_RI}),
    Action.RECORD_RECAP: OFFICIALS | {Role.KPU_RI, Role.PPLN},
    Action.REOPEN_RECAP: frozenset({Role.KPU_RI}),
}
# Who holds the plenary of each level of the recapitulation (region level -> role); overseas the
# PPLN holds level 2.
RECAP_ROLE = {3: Role.PPK, 2: Role.KPU_KABKOTA, 1: Role.KPU_PROVINSI, 0: Role.KPU_RI}


class ScopeMismatch(ValueError):
    """A role given a scope of the wrong level."""


def check_scope(role: Role, scope: str) -> None:
    level = level_of(scope)
    wanted = SCOPE_LEVEL[role]
    if wanted is not None and level != wanted:
        raise ScopeMismatch(f"peran {role.value} harus berlingkup tingkat {wanted}, bukan {scope!r}")
    if role is Role.PPLN and not scope.startswith(OVERSEAS):
        raise ScopeMismatch(f"peran PPLN berlingkup satu PPLN di luar negeri (99XX), bukan {scope!r}")


def within(scope: str, target: str) -> bool:
    """True when a region or TPS code lies inside a scope (or is it)."""
    return scope == NATIONAL or target.startswith(scope)


def may(role: Role, scope: str, action: Action, target: str) -> bool:
    return role in ALLOWED[action] and within(scope, target)


def may_record_recap(role: Role, scope: str, kode: str) -> bool:
    """Only the plenary of a region records (and closes) its tier: the PPK of that kecamatan, the
    KPU of that kab/kota or province, KPU RI for the nation, the PPLN for its overseas stations."""
    if scope != kode and not (role is Role.KPU_RI and kode == NATIONAL):
        return False
    if kode.startswith(OVERSEAS):
        return role is Role.PPLN
    return RECAP_ROLE.get(level_of(kode)) is role
