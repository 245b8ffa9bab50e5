"""Times as the public formats show them: Indonesian Western time (WIB, UTC+7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")


def wib_text(moment: datetime) -> str:
    """'YYYY-MM-DD HH:MM:SS' in WIB, the `ts` of KPU's publication."""
    return moment.astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S")


def utc_text(moment: datetime) -> str:
    """ISO 8601 in UTC without fractions: 2024-02-14T11:44:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
