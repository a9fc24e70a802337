"""The seeding machinery the benches share: their databases, COPY loading and deferred indexes.

    from bench import seed                        # re-exports this module's public names
    seed.recreate_database(server, name)          # plain psycopg: before django.setup()
    ...django.setup()...
    Table(Patient, now).copy(rows)                # COPY on PostgreSQL, bulk_create elsewhere

The databases section needs only psycopg; `Table`, `execute`, `reset_sequences`, `analyze`,
`rebuild_counts` and `IndexesDeferred` need django.setup(). What is loaded is bench/seed.py's
(the national data set) or a bench's own (bench/sweep_bench.py).
"""

import json
import time
from datetime import datetime

import psycopg

# --- Databases (plain psycopg: usable before django.setup()) -------------------------------------


def recreate_database(server: str, name: str) -> None:
    """Drop the database (ending its connections) and create it empty."""
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name}: only *bench* databases are recreated")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def database_exists(server: str, name: str) -> bool:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of a DATABASE_URL when it is missing."""
    import environ

    config = environ.Env.db_url_config(url)
    if not config["ENGINE"].endswith("postgresql"):
        return
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    name = config["NAME"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        print(f"Creating database {name}")
        admin.execute(f'CREATE DATABASE "{name}"')


# --- Loading (needs django.setup()) --------------------------------------------------------------


class Table:
    """Rows of one model in column order, inserted with COPY on PostgreSQL (bulk_create elsewhere).

    `add(**values)` buffers a row and `flush()` writes the buffer; `copy(rows)` streams an
    iterable of dicts. Values left out get the field's default (auto_now fields: `now`).
    """

    def __init__(self, model, now: datetime) -> None:
        from django.db.models import JSONField

        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.defaults = {}
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.defaults[field.attname] = now
            else:
                self.defaults[field.attname] = field.get_default()
        self.order = list(self.defaults.items())
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, JSONField)]
        self.rows: list[tuple] = []

    def add(self, **values) -> None:
        unknown = values.keys() - self.defaults.keys()
        if unknown:
            raise TypeError(f"{self.model.__name__} has no {sorted(unknown)}")
        self.rows.append(tuple(values.get(name, default) for name, default in self.order))

    def flush(self) -> int:
        rows, self.rows = self.rows, []
        return self._write(rows)

    def copy(self, rows) -> int:
        """Stream dicts (by attname) into the table; returns how many."""
        order = self.order
        return self._write(tuple(row.get(name, d) for name, d in order) for row in rows)

    def _write(self, rows) -> int:
        from django.db import connection

        count = 0
        if connection.vendor != "postgresql":
            names = list(self.defaults)
            objects = [self.model(**dict(zip(names, row, strict=True))) for row in rows]
            self.model.objects.bulk_create(objects, batch_size=2_000)
            return len(objects)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        table = connection.ops.quote_name(self.model._meta.db_table)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                if self.json:
                    row = list(row)
                    for i in self.json:
                        if not isinstance(row[i], str):
                            row[i] = json.dumps(row[i])
                copy.write_row(row)
                count += 1
        return count


def execute(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def reset_sequences(models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def analyze(vacuum: bool = False) -> None:
    """Fresh planner statistics (and a visibility map), as autovacuum would have them."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")


def rebuild_counts() -> None:
    """The dashboard's counts, rebuilt after COPY (which bypasses the signals
    that keep them)."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("rebuild_counts")
    print(f"rebuild_counts: {time.perf_counter() - started:.1f} s")


class IndexesDeferred:
    """Drop the secondary indexes and unique constraints of `tables`; build them again on exit."""

    def __init__(self, tables: list[str]) -> None:
        self.tables = tables
        self.indexes: list[str] = []
        self.constraints: list[tuple[str, str, str]] = []

    def __enter__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.conname, c.conrelid::regclass::text, pg_get_constraintdef(c.oid)"
                " FROM pg_constraint c WHERE c.contype = 'u'"
                " AND c.conrelid::regclass::text = ANY(%s)",
                [self.tables],
            )
            self.constraints = cursor.fetchall()
            for name, table, _definition in self.constraints:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i"
                " WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [self.tables],
            )
            found = cursor.fetchall()
            for name, _definition in found:
                cursor.execute(f'DROP INDEX "{name}"')
            self.indexes = [definition for _name, definition in found]
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is not None:
            return
        started = time.perf_counter()
        with _cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for definition in self.indexes:
                cursor.execute(definition)
            for name, table, definition in self.constraints:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            cursor.execute("RESET maintenance_work_mem")
        print(
            f"  built {len(self.indexes)} indexes and {len(self.constraints)} unique constraints"
            f" in {time.perf_counter() - started:.0f} s"
        )


def _cursor():
    from django.db import connection

    return connection.cursor()
