"""`archqa migrate`: move a whole store to another database (SQLite to PostgreSQL, back, or to another file)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from archqa.cli.common import echo, handle_errors
from archqa.cli.store import StoreLocation, db_option, format_option


@click.command("migrate")
@click.option(
    "--to",
    "to",
    type=StoreLocation(),
    required=True,
    help="The destination: a postgresql:// URL (the database must exist) or a store file (created if missing). "
    "It must be empty unless --replace.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Delete what the destination holds, in the same transaction as the copy (without it, a destination "
    "holding data is refused).",
)
@db_option
@format_option
@handle_errors
def migrate(to: Path | str, replace: bool, db: Path | str | None, fmt: str) -> None:
    """Copy the whole store (--db) to another database, checked by counts and checksums.

    Every table is copied with its ids: questions and their search index, duplicates, each person's cards,
    reviews with their key points, interviews, accounts, assignments, question versions, candidate sets and
    scorecards. Sign-in sessions are not: everyone signs in again on the new server. The copy is one
    transaction on the destination: if anything fails, the destination is as it was. Afterwards each table is
    read back on both sides in key order; exit status 1 (and nothing kept) if a count or checksum differs.
    The source is only read.
    """
    from archqa.store import Store
    from archqa.store.transfer import TransferMismatch, transfer

    def progress(table: str, done: int, total: int) -> None:
        if total >= 10_000 and (done % 10_000 == 0 or done == total):  # a big table: where the copy is
            echo(f"copying {table}: {done:,} of {total:,} rows", err=True)

    with Store.open(db) as source, Store.open(to) as dest:
        try:
            report = transfer(source, dest, replace=replace, progress=progress)
        except TransferMismatch as exc:
            _show(exc.report, fmt)
            raise
    _show(report, fmt)


def _show(report: object, fmt: str) -> None:
    from archqa.store.transfer import TransferReport

    assert isinstance(report, TransferReport)
    if fmt == "json":
        click.echo(json.dumps(report.model_dump() | {"ok": report.ok}, indent=2))
        return
    echo(f"{report.source} -> {report.dest}")
    width = max(len(t.table) for t in report.tables)
    for t in report.tables:
        mark = "ok" if t.ok else f"DIFFERS (destination {t.dest_rows} rows, sha256 {t.dest_sha256[:12]})"
        echo(f"  {t.table:<{width}} {t.source_rows:>9,} rows  sha256 {t.source_sha256[:12]}  {mark}")
    for table, why in report.excluded.items():
        echo(f"  {table:<{width}} not copied: {why}")
    if report.replaced:
        echo("the destination's previous contents were deleted (--replace)")


COMMANDS = [migrate]
