"""The few statements whose SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, and_


def chunks(items: Sequence[Any], size: int = 2000) -> list[Sequence[Any]]:
    """Split long IN lists to stay under SQLite's bound-parameter limit."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def keyed_chunks(pairs: Sequence[tuple[str, str]], size: int = 2000) -> list[tuple[str, list[str]]]:
    """Group (contest, code) pairs by contest and split them into IN-list sized parts.

    `WHERE contest = ? AND code IN (...)` is far cheaper to compile and run than a row-value IN.
    """
    grouped: dict[str, list[str]] = {}
    for contest, code in pairs:
        grouped.setdefault(contest, []).append(code)
    return [(contest, codes[i : i + size]) for contest, codes in grouped.items() for i in range(0, len(codes), size)]


def crossed_chunks(pairs: Sequence[tuple[str, str]], size: int = 2000) -> list[tuple[list[str], list[str]]]:
    """(contest, code) pairs in IN-list sized parts, each as its distinct contests and codes.

    `WHERE contest IN (...) AND code IN (...)` finds a part's pairs in one statement, where
    keyed_chunks takes one per contest: a TPS's five ballots sent together cost one round trip,
    not five. It may also find pairs not asked for (a code asked for under one contest, stored
    under another); the caller keeps only its own.
    """
    ordered = sorted(set(pairs))
    return [(sorted({c for c, _ in part}), sorted({code for _, code in part}))
            for part in (ordered[i : i + size] for i in range(0, len(ordered), size))]


COPY_FROM_ROWS = 200  # below this, COPY's extra round trips cost more than they save


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many plain rows the fastest way each database offers, inside the caller's transaction.

    On the national ingest path SQLAlchemy's per-row work is most of the cost of an insert:
    SQLite gets a bare executemany, PostgreSQL a COPY.
    """
    if not rows:
        return
    columns = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    if conn.dialect.paramstyle != "qmark":
        conn.execute(table.insert(), list(rows))
        return
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join('?' for _ in columns)})")
    processors = [(i, p) for i, c in enumerate(columns) if (p := table.c[c].type.bind_processor(conn.dialect))]
    params = []
    for row in rows:
        values = [row[c] for c in columns]
        for i, process in processors:
            values[i] = process(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)


def within_code(column: Any, prefix: str) -> Any:
    """Codes inside a region: a range, not LIKE, so both databases answer from the index.
    Codes are digits and upper-case letters (overseas 99AG...), all below "~" in byte order."""
    return and_(column >= prefix, column < prefix + "~")
