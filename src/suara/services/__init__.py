"""Use cases: the only place that opens transactions and writes audit events."""
