"""How far the tally is behind the stored forms: for /readyz and /metrics.

Two measures, because each alone misleads: a count of unfolded versions says nothing about how
long readers have waited (a burst of 5,000 is folded in a second), and the age of the oldest
unfolded version says nothing about how much work is queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from suara.store.schema import form_versions
from suara.tally.fold import pending, tally_point


@dataclass(frozen=True, slots=True)
class TallyLag:
    tally_seq: int
    folded_at: datetime  # when the tally last folded anything
    pending_versions: int  # stored versions not yet folded
    oldest_pending_at: datetime | None  # when the oldest of them was submitted

    def seconds(self, now: datetime | None = None) -> float:
        """Seconds since the oldest unfolded version was submitted; 0 when nothing waits."""
        if self.oldest_pending_at is None:
            return 0.0
        return max(0.0, ((now or datetime.now(UTC)) - self.oldest_pending_at).total_seconds())


def tally_lag(conn: Connection) -> TallyLag:
    """Read in one transaction: the tally point, the unfolded versions and the oldest one's time.

    The oldest is the lowest id past the cursor (ids grow with submission), found on the primary
    key rather than by scanning the unfolded rows for their earliest time."""
    seq, cursor, folded_at = tally_point(conn)
    waiting = pending(conn)
    oldest = None
    if waiting:
        oldest = conn.execute(select(form_versions.c.submitted_at).where(form_versions.c.id > cursor)
                              .order_by(form_versions.c.id).limit(1)).scalar()
    return TallyLag(seq, folded_at, waiting, oldest)
