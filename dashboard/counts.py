"""The dashboard's counts: what each sent referral adds to the figures, kept up to date.

The dashboard (dashboard.figures) must answer in milliseconds over a million referrals, so they
never count referrals: they add up CountCell rows, a handful per month and figure.

- `compute_facts` turns referrals (with their questionnaires and follow-ups) into Facts: the
  few values the reports count each by, stored as CountFact rows. `figures` and `scopes` are
  the one definition of what a fact adds to which cells; everything else follows from them.
- `refresh(ids)` runs in the transaction that changed the referrals (signals on Referral,
  QuestionnaireResponse and FollowUp, in dashboard.receivers): it computes the new facts, takes
  the old facts' contributions out of the cells and puts the new ones in, in one upsert with
  the keys in a fixed order (so two transactions lock cells in the same order).
- `rebuild()` (`manage.py rebuild_counts`) recomputes every fact and cell from the referrals:
  after a bulk import that bypassed the ORM, or to check the incremental path (a test compares
  the two after random changes).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from outcomes.instruments import INSTRUMENTS
from outcomes.models import QuestionnaireResponse
from outcomes.recovery import NOT_CASE, RECOVERED, RELIABLY_RECOVERED, summarise
from referrals.models import FollowUp, Referral, Status
from referrals.recipients import latest_recipient
from referrals.schedule import QUESTIONNAIRE_WEEKS

from .models import CountCell, CountFact

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CHANGE_FROM_WEEK, CHANGE_TO_WEEK = 0, 10
ALL, PRACTICE, GP, THERAPIST = "a", "p", "g", "t"
#: Dimensions that name a professional or practice (by id).
PEOPLE = ("practice", "gp", "therapist")
#: The other dimensions: the figures. Reads name them (an IN the cell index can use) rather than
#: excluding PEOPLE, which would read every month's cells of the scope.
FIGURES = (
    "sent",
    "status",
    "complaint",
    "purpose",
    "funding",
    "accepted",
    "started",
    "completed",
    "stopped",
    "intake_days",
    "complete_week",
    "score_n",
    "score_change",
    "score_improved",
    "antidepressant",
    "recovery",
)
REFERRAL_FIELDS = (
    "pk",
    "practice_id",
    "gp_id",
    "therapist_id",
    "sent_at",
    "status",
    "complaint",
    "purpose",
    "funding",
    "accepted_at",
    "therapy_started_at",
    "completed_at",
    "stopped_at",
    "intake_date",
)
FACT_COLUMNS = [field.column for field in CountFact._meta.concrete_fields]
WITHIN_A_PRACTICE = frozenset({PRACTICE, GP})
ACROSS_PRACTICES = frozenset({ALL, THERAPIST})
CELL_COLUMNS = ["scope", "scope_id", "dimension", "month", "value", "n"]
BATCH = 5000

CellKey = tuple[str, int, str, date, str]
#: The "recovery" figure's values beside outcomes.recovery's RECOVERED and RELIABLY_RECOVERED.
PAIRED, CASE = "paired", "case"


class Fact(NamedTuple):
    """What the reports count a referral by: the fields of CountFact, as a light tuple."""

    referral_id: int
    practice_id: int
    gp_id: int
    therapist_id: int | None
    month: date
    status: str
    complaint: str
    purpose: str
    funding: str
    accepted: bool
    started: bool
    completed: bool
    stopped: bool
    intake_days: int | None
    complete_weeks: int
    scores: dict[str, list[int]]
    antidepressant: str
    recovery: str

    @classmethod
    def of(cls, row: CountFact) -> Fact:
        return cls(*(getattr(row, name) for name in cls._fields))

    def as_row(self) -> CountFact:
        return CountFact(**self._asdict())


# --- Facts --------------------------------------------------------------------------------------


def _fact(row: dict, answers: dict[tuple[str, int], int], antidepressant: str) -> Fact:
    sent_on = timezone.localtime(row["sent_at"], AMSTERDAM).date()
    started = row["therapy_started_at"] is not None
    complete_weeks = 0
    scores = {}
    summary = summarise(answers, QUESTIONNAIRE_WEEKS) if started else None
    if started:
        for index, week in enumerate(QUESTIONNAIRE_WEEKS):
            if all((code, week) in answers for code in INSTRUMENTS):
                complete_weeks |= 1 << index
        for code in INSTRUMENTS:
            before = answers.get((code, CHANGE_FROM_WEEK))
            after = answers.get((code, CHANGE_TO_WEEK))
            if before is not None and after is not None:
                scores[code] = [before, after]
    return Fact(
        referral_id=row["pk"],
        practice_id=row["practice_id"],
        gp_id=row["gp_id"],
        # Whom it was last sent to, not whom the GP has chosen since (referrals.recipients).
        therapist_id=row["sent_to_id"],
        month=sent_on.replace(day=1),
        status=row["status"],
        complaint=row["complaint"],
        purpose=row["purpose"],
        funding=row["funding"],
        accepted=row["accepted_at"] is not None,
        started=started,
        completed=row["completed_at"] is not None,
        stopped=row["stopped_at"] is not None,
        intake_days=(row["intake_date"] - sent_on).days if row["intake_date"] else None,
        complete_weeks=complete_weeks,
        scores=scores,
        antidepressant=antidepressant if row["status"] == Status.FOLLOWED_UP else "",
        recovery=summary.outcome if summary else "",
    )


def compute_facts(referrals: QuerySet[Referral]) -> dict[int, Fact]:
    """The facts of the sent ones among `referrals`. Three queries: the referrals, their
    questionnaire totals and their follow-up answers."""
    referrals = referrals.filter(sent_at__isnull=False).order_by()
    rows = list(
        referrals.annotate(sent_to_id=latest_recipient()).values(*REFERRAL_FIELDS, "sent_to_id")
    )
    if not rows:
        return {}
    theirs = Q(referral__in=referrals.values("pk"))
    answers: dict[int, dict[tuple[str, int], int]] = defaultdict(dict)
    for referral_id, code, week, total in QuestionnaireResponse.objects.filter(theirs).values_list(
        "referral_id", "instrument", "week", "total"
    ):
        answers[referral_id][code, week] = total
    follow_ups = dict(FollowUp.objects.filter(theirs).values_list("referral_id", "antidepressant"))
    return {
        row["pk"]: _fact(row, answers.get(row["pk"], {}), follow_ups.get(row["pk"], ""))
        for row in rows
    }


# --- What a fact adds to the cells --------------------------------------------------------------


def figures(fact: Fact | CountFact) -> Iterator[tuple[str, str, int]]:
    """(dimension, value, n) for one fact, without the scope."""
    yield "sent", "", 1
    yield "status", fact.status, 1
    yield "complaint", fact.complaint, 1
    yield "purpose", fact.purpose, 1
    yield "funding", fact.funding, 1
    if fact.accepted:
        yield "accepted", "", 1
    if fact.started:
        yield "started", "", 1
    if fact.completed:
        yield "completed", "", 1
    if fact.stopped:
        yield "stopped", "", 1
    if fact.intake_days is not None:
        yield "intake_days", str(fact.intake_days), 1
    for index, week in enumerate(QUESTIONNAIRE_WEEKS):
        if fact.complete_weeks & (1 << index):
            yield "complete_week", str(week), 1
    for code, (before, after) in fact.scores.items():
        yield "score_n", code, 1
        yield "score_change", code, after - before
        if after <= before - INSTRUMENTS[code].reliable_change_threshold:
            yield "score_improved", code, 1
    if fact.antidepressant:
        yield "antidepressant", fact.antidepressant, 1
    if fact.recovery:
        # Paired patients, the cases among them, the recovered and reliably recovered cases.
        yield "recovery", PAIRED, 1
        if fact.recovery != NOT_CASE:
            yield "recovery", CASE, 1
        if fact.recovery in (RECOVERED, RELIABLY_RECOVERED):
            yield "recovery", RECOVERED, 1
        if fact.recovery == RELIABLY_RECOVERED:
            yield "recovery", RELIABLY_RECOVERED, 1
    yield "gp", str(fact.gp_id), 1
    yield "therapist", str(fact.therapist_id or ""), 1


def scopes(fact: Fact) -> list[tuple[str, int]]:
    found = [(ALL, 0), (PRACTICE, fact.practice_id), (GP, fact.gp_id)]
    if fact.therapist_id:
        found.append((THERAPIST, fact.therapist_id))
    return found


def add_contributions(
    fact: Fact, cells: Counter[CellKey], sign: int = 1, *, only: frozenset[str] | None = None
) -> None:
    """Add (sign=1) or take out (sign=-1) everything `fact` counts for: each figure in each
    scope it counts in. `only` limits it to some scopes (the rebuild writes them apart)."""
    month = fact.month
    items = list(figures(fact))
    for scope, scope_id in scopes(fact):
        if only is not None and scope not in only:
            continue
        for dimension, value, n in items:
            cells[scope, scope_id, dimension, month, value] += sign * n
    if only is None or ALL in only:
        cells[ALL, 0, "practice", month, str(fact.practice_id)] += sign


# --- Keeping the cells up to date ---------------------------------------------------------------


def _upsert_cells(delta: dict[CellKey, int]) -> None:
    """Add `delta` to the cells in one statement, keys sorted (a fixed lock order)."""
    changes = sorted((key, n) for key, n in delta.items() if n)
    table = connection.ops.quote_name(CountCell._meta.db_table)
    for start in range(0, len(changes), BATCH):
        chunk = changes[start : start + BATCH]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
        params = [part for key, n in chunk for part in (*key, n)]
        with connection.cursor() as cursor:
            cursor.execute(
                # Only the table name and placeholders go into the text.
                f"INSERT INTO {table} ({', '.join(CELL_COLUMNS)}) VALUES {values} "  # noqa: S608
                "ON CONFLICT (scope, scope_id, dimension, month, value) "
                f"DO UPDATE SET n = {table}.n + excluded.n",
                params,
            )


def refresh(referral_ids: Iterable[int]) -> None:
    """Bring the facts and cells of these referrals up to date, inside the current transaction.

    Five queries at most: three to compute the facts, one to read the old ones, one upsert; plus
    the writes of the facts themselves.
    """
    ids = sorted(set(referral_ids))
    if not ids:
        return
    # No savepoint: a failure here must fail the change that caused it, not leave it uncounted.
    with transaction.atomic(savepoint=False):
        new = compute_facts(Referral.objects.filter(pk__in=ids))
        old = {
            row.referral_id: Fact.of(row) for row in CountFact.objects.filter(referral_id__in=ids)
        }
        delta: Counter[CellKey] = Counter()
        for referral_id in ids:
            before, after = old.get(referral_id), new.get(referral_id)
            if before == after:
                continue
            if before is not None:
                add_contributions(before, delta, -1)
            if after is not None:
                add_contributions(after, delta)
        _upsert_cells(delta)
        gone = [referral_id for referral_id in old if referral_id not in new]
        if gone:
            CountFact.objects.filter(referral_id__in=gone).delete()
        changed = [fact.as_row() for pk, fact in new.items() if old.get(pk) != fact]
        if changed:
            CountFact.objects.bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=["referral_id"],
                update_fields=list(Fact._fields[1:]),
            )


# --- Rebuilding everything ----------------------------------------------------------------------


def _copy_rows(model, columns: list[str], rows: Iterable[tuple]) -> None:
    """Insert many rows: COPY on PostgreSQL, batched INSERTs elsewhere."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _fact_row(fact: Fact) -> tuple:
    """A fact as COPY or INSERT parameters: the JSON field as text, the rest as it is."""
    return (*fact[:-3], json.dumps(fact.scores), fact.antidepressant, fact.recovery)


def _empty(*models) -> None:
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables}")
    else:
        for model in models:
            model.objects.all().delete()


def _practice_batches() -> Iterator[list[int]]:
    """Practice ids in groups of about BATCH sent referrals (a practice is never split)."""
    counts = (
        Referral.objects.filter(sent_at__isnull=False)
        .values_list("practice_id")
        .annotate(n=Count("pk"))
        .order_by("practice_id")
    )
    batch: list[int] = []
    size = 0
    for practice_id, n in counts:
        batch.append(practice_id)
        size += n
        if size >= BATCH:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def rebuild() -> dict[str, int]:
    """Recompute every fact and cell from the referrals. Returns the numbers of rows written.

    Practice by practice: a practice's cells and its GPs' cells are complete once its referrals
    are done, so they are written at once; the all-practice and therapist cells cut across
    practices and are written at the end.
    """
    written = {"facts": 0, "cells": 0}

    def write_cells(cells: Counter[CellKey]) -> None:
        rows = [(*key, n) for key, n in sorted(cells.items()) if n]
        _copy_rows(CountCell, CELL_COLUMNS, rows)
        written["cells"] += len(rows)

    with transaction.atomic():
        _empty(CountCell, CountFact)
        across: Counter[CellKey] = Counter()
        for practice_ids in list(_practice_batches()):
            facts = compute_facts(Referral.objects.filter(practice_id__in=practice_ids))
            _copy_rows(CountFact, FACT_COLUMNS, (_fact_row(fact) for fact in facts.values()))
            written["facts"] += len(facts)
            local: Counter[CellKey] = Counter()
            for fact in facts.values():
                add_contributions(fact, local, only=WITHIN_A_PRACTICE)
                add_contributions(fact, across, only=ACROSS_PRACTICES)
            write_cells(local)
        write_cells(across)
    return written
