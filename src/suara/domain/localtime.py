"""Times as the public formats show them: Indonesian Western time (WIB, UTC+7) in KPU's
documents, and on the portal the region's own zone (WIB, WITA or WIT)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")
WITA = timezone(timedelta(hours=8), "WITA")
WIT = timezone(timedelta(hours=9), "WIT")
# Central Indonesian time: Bali, both Nusa Tenggara, South, East and North Kalimantan, all of Sulawesi
WITA_PROVINCES = frozenset({"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"})
# Eastern Indonesian time: Maluku, North Maluku and the six Papua provinces
WIT_PROVINCES = frozenset({"81", "82", "91", "92", "93", "94", "95", "96"})


def zone_of(kode: str) -> timezone:
    """The zone a region (or TPS) keeps, by its province: WITA or WIT east of the line, WIB
    elsewhere, and WIB for the nation and for the stations abroad (region 99), as KPU's own
    publication dates everything in WIB."""
    province = kode[:2]
    if province in WITA_PROVINCES:
        return WITA
    if province in WIT_PROVINCES:
        return WIT
    return WIB


def local_text(moment: datetime, zone: timezone) -> str:
    """'YYYY-MM-DD HH:MM:SS' in the given zone."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def zone_name(zone: timezone) -> str:
    return zone.tzname(None) or "WIB"


def wib_text(moment: datetime) -> str:
    """'YYYY-MM-DD HH:MM:SS' in WIB, the `ts` of KPU's publication."""
    return local_text(moment, WIB)


def utc_text(moment: datetime) -> str:
    """ISO 8601 in UTC without fractions: 2024-02-14T11:44:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
