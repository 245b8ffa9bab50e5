"""The bar on top of every operator screen: who is signed in, for which region, and the screens
that role has (home, the form of a KPPS, corrections, complaints, the recapitulation)."""

from __future__ import annotations

from dataclasses import dataclass

from suara.domain.access import Action, Role, may
from suara.domain.regions import NATIONAL
from suara.services.accounts import Principal
from suara.store.reference import Reference

ROLE_NAMES = {Role.KPPS: "KPPS", Role.PPK: "PPK", Role.KPU_KABKOTA: "KPU Kabupaten/Kota",
              Role.KPU_PROVINSI: "KPU Provinsi", Role.KPU_RI: "KPU RI", Role.PPLN: "PPLN", Role.SAKSI: "Saksi",
              Role.PENGAWAS: "Pengawas"}
RECAP_ROLES = frozenset({Role.PPK, Role.KPU_KABKOTA, Role.KPU_PROVINSI, Role.KPU_RI, Role.PPLN})


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    current: bool


@dataclass(frozen=True, slots=True)
class OperatorBar:
    who: str  # "ppk-gambir · PPK GAMBIR"
    items: tuple[NavItem, ...]


def scope_name(reference: Reference, scope: str) -> str:
    """A region or TPS as its officials call it; the code itself when the tree does not know it."""
    if scope == NATIONAL:
        return "Nasional"
    try:
        if len(scope) == 13:
            return f"{reference.tree.station(scope).nama} {reference.tree.get(scope[:10]).nama}"
        return reference.tree.get(scope).nama
    except LookupError:
        return scope


def _screens(who: Principal) -> list[tuple[str, str, tuple[str, ...]]]:
    """(label, link, the paths that belong to it) of each screen the role has."""
    screens: list[tuple[str, str, tuple[str, ...]]] = [("Beranda", "/ui", ())]
    if who.role is Role.KPPS:
        screens.append(("Formulir", "/ui/entry", ("/ui/submit",)))
    if may(who.role, who.scope, Action.PROPOSE_CORRECTION, who.scope) or \
            may(who.role, who.scope, Action.DECIDE_CORRECTION, who.scope):
        screens.append(("Koreksi", "/ui/corrections", ("/ui/correct",)))
    if may(who.role, who.scope, Action.REVIEW_COMPLAINT, who.scope):
        screens.append(("Pengaduan", "/ui/complaints", ()))
    if who.role in RECAP_ROLES:
        screens.append(("Rekapitulasi", "/ui/rekap", ()))
    return screens


def _is_current(path: str, href: str, also: tuple[str, ...]) -> bool:
    if href == "/ui":
        return path in ("/ui", "/ui/")
    return any(path == p or path.startswith(p + "/") for p in (href, *also))


def bar(reference: Reference, who: Principal | None, path: str) -> OperatorBar | None:
    """The bar for a signed-in operator on the page at `path`; None before login."""
    if who is None:
        return None
    items = tuple(NavItem(label, href, _is_current(path, href, also)) for label, href, also in _screens(who))
    return OperatorBar(f"{who.username} · {ROLE_NAMES[who.role]} {scope_name(reference, who.scope)}", items)
