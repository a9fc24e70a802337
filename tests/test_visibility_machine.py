"""Who sees what, whatever happens: a stateful property test of the referral lifecycle.

A hypothesis RuleBasedStateMachine plays two practices (a GP each, two patients each) and
three therapists through random sequences of every lifecycle step: start, choose a therapist,
send, accept, decline, choose another and send again, cancel, intake, screening (cleared or
not), the week 0 questionnaire, a session, the report after intake, close (completed or
stopped), the GP's follow-up; and a therapist's look at the referral page (the read receipt).
Each step is taken by the person whose step it is or by a wrong one, through the services of
referrals/, therapy/ and outcomes/ (what the views call).

The machine keeps its own account of what happened, in its own terms: per referral, the
therapists it was sent to and, per therapist, where they stand (`Access`), changed by each
step as the rules say in words. After every step it checks what the application's selectors
(the ones the views use) return against that account: each therapist's readable referrals,
those in their care, their caseload, their past clients, their patients and their dashboard
scope; each GP's referrals and patients: exactly their practice's; every status and read
receipt. On each look and at the end of each sequence: the letter each therapist would
download is the one sent to them; at the end, each therapist's dashboard counts (kept up to
date with each change) count the referrals last sent to them. It also checks that each step
succeeded exactly when the rules allow it. Nothing of the account is read from the
application.

The letters are not rendered (a stub gives each send's letter unique bytes): WeasyPrint is not
what is tested here, and 200 sequences should run in under a minute.
"""

import enum
import itertools
from dataclasses import dataclass, field
from unittest import mock

import pytest
from django.db import connection, transaction
from django.db.models import IntegerField, Sum, Value
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from accounts.models import User
from core.exceptions import DomainError
from dashboard import counts
from dashboard.models import CountCell
from dashboard.scope import referrals_for_dashboard
from outcomes import services as outcome_services
from patients.models import Patient
from patients.selectors import patients_visible_to
from referrals import readiness, selectors, services
from referrals.models import FitnessCheck, FollowUp, Referral, Status
from therapy import services as therapy_services
from therapy.models import Intake, Screening, TherapyLetter

from .factories import GPProfileFactory, PatientFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db

PRACTICES = 2
PATIENTS_PER_PRACTICE = 2
THERAPISTS = 3


class Access(enum.Enum):
    """Where one therapist stands with one referral, in the machine's own words."""

    WAITING = "sent to them, not answered"  # theirs to accept or decline
    CARING = "accepted it, intake or therapy under way"
    ENDED = "closed the therapy; the GP's follow-up is still to come"
    TREATED = "treated it; the referral is closed"
    DECLINED = "declined it"
    WITHDRAWN = "was sent it; the GP cancelled it before any intake"


#: Who may read it (the referral page, the letter sent to them, the patient).
READS = {Access.WAITING, Access.CARING, Access.ENDED, Access.TREATED}
#: Who it is with now: their look is the GP's read receipt, their steps are allowed.
WITH_THEM = {Access.WAITING, Access.CARING, Access.ENDED}
#: Listed on their home page (the caseload).
CASELOAD = {Access.WAITING, Access.CARING}
#: Listed under past clients.
PAST = {Access.ENDED, Access.TREATED}

#: Every step the `act` rule may take, by name: the machine's method that takes it.
STEPS = {
    "choose": "choose",
    "send": "send",
    "cancel": "cancel",
    "follow-up": "follow_up",
    "accept": "accept",
    "decline": "decline",
    "intake": "intake",
    "screening": "screening",
    "close": "close",
    "letter back": "letter_back",
    "session": "session",
    "questionnaire": "questionnaire",
}


@dataclass
class Account:
    """The machine's account of one referral."""

    pk: int
    practice: int
    patient: int
    status: str = Status.DRAFT
    chosen: int | None = None  # the therapist the GP has chosen (not necessarily sent to)
    sent_to: list[int] = field(default_factory=list)
    access: dict[int, Access] = field(default_factory=dict)
    letters: dict[int, bytes] = field(default_factory=dict)  # the letter each was sent
    letters_back: set[str] = field(default_factory=set)
    questionnaire: bool = False  # the week 0 PHQ-9
    intake_held: bool = False
    follow_up_held: bool = False  # the GP may hold it while the therapy runs (issue 14)
    opened: bool = False  # the receipt since the last send

    @property
    def open(self) -> bool:
        return self.status not in (Status.CANCELLED, Status.FOLLOWED_UP, Status.NOT_CLEARED)

    def holder(self) -> int | None:
        """The therapist it is with now, if any."""
        for t, access in self.access.items():
            if access in WITH_THEM:
                return t
        return None

    def move_holder(self, to: Access) -> None:
        t = self.holder()
        if t is not None:
            self.access[t] = to


class LetterStub:
    """Stands in for WeasyPrint: unique bytes per letter; `last` is the latest referral letter."""

    def __init__(self) -> None:
        self.counter = itertools.count()
        self.last = b""

    def referral_letter(self, referral, **kwargs) -> bytes:
        self.last = f"%PDF letter {referral.pk} #{next(self.counter)}".encode()
        return self.last

    def therapy_letter(self, letter, **kwargs) -> bytes:
        return f"%PDF {letter.kind} {letter.referral_id} #{next(self.counter)}".encode()


LETTERS = LetterStub()


@dataclass
class World:
    """The people, made once per test: every sequence starts from them and no referral."""

    gps: list[User]
    patients: list[list[Patient]]
    therapists: list[User]
    seen: "SeenQuery | None" = None


def make_world() -> World:
    gps = [GPProfileFactory().user for _ in range(PRACTICES)]
    patients = [
        [PatientFactory(practice=gp.practice) for _ in range(PATIENTS_PER_PRACTICE)] for gp in gps
    ]
    admin = UserFactory(admin=True)
    therapists = [
        TherapistFactory(is_verified=True, verified_by=admin, verified_at=timezone.now()).user
        for _ in range(THERAPISTS)
    ]
    world = World(gps=gps, patients=patients, therapists=therapists)
    world.seen = SeenQuery(seen_query(world))
    return world


class SeenQuery:
    """What each person sees, as the selectors the views use give it: one SQL statement of
    (person, set, pk) rows, compiled once (the selectors depend on the user alone, not on the
    data). On PostgreSQL it is prepared once too: planning a union of 22 selectors costs more
    than running it, and every step runs it."""

    NAME = "loopbaan_visibility_machine"

    def __init__(self, queryset) -> None:
        self.sql, self.params = queryset.query.sql_with_params()
        self.prepared = False
        with connection.cursor() as cursor:
            mogrify = getattr(cursor, "mogrify", None)  # psycopg's client-side binding cursor
            if connection.vendor == "postgresql" and mogrify is not None:
                cursor.execute(f"PREPARE {self.NAME} AS {mogrify(self.sql, self.params)}")
                self.prepared = True

    def rows(self) -> list[tuple]:
        with connection.cursor() as cursor:
            if self.prepared:
                cursor.execute(f"EXECUTE {self.NAME}")
            else:
                cursor.execute(self.sql, self.params)
            return cursor.fetchall()

    def close(self) -> None:
        if self.prepared:
            with connection.cursor() as cursor:
                cursor.execute(f"DEALLOCATE {self.NAME}")


#: What the invariants compare, per person: the name of each set and its selector.
THERAPIST_SETS = {
    "readable": selectors.referrals_visible_to,
    "in care": selectors.referrals_in_care_of,
    "caseload": lambda user: selectors.therapist_worklist(user=user),
    "past clients": lambda user: selectors.past_clients(user=user),
    "patients": patients_visible_to,
    "dashboard": referrals_for_dashboard,
}
GP_SETS = {"readable": selectors.referrals_visible_to, "patients": patients_visible_to}
SET_NAMES = sorted(set(THERAPIST_SETS) | set(GP_SETS))


def seen_query(world: World):
    """Every set of every person in one UNION ALL: (person, set, pk); GPs are persons
    THERAPISTS, THERAPISTS + 1."""
    parts = []
    people = [(n, user, THERAPIST_SETS) for n, user in enumerate(world.therapists)]
    people += [(THERAPISTS + n, gp, GP_SETS) for n, gp in enumerate(world.gps)]
    for person, user, sets in people:
        for name, selector in sets.items():
            parts.append(
                selector(user)
                .order_by()
                .annotate(
                    person=Value(person, output_field=IntegerField()),
                    what=Value(SET_NAMES.index(name), output_field=IntegerField()),
                )
                .values_list("person", "what", "pk")
            )
    return parts[0].union(*parts[1:], all=True)


class VisibilityMachine(RuleBasedStateMachine):
    world: World  # set by the test

    def __init__(self) -> None:
        super().__init__()
        # Each sequence runs in its own savepoint, rolled back at the end.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.gps = self.world.gps
        self.patients = self.world.patients
        self.therapists = self.world.therapists
        self.accounts: list[Account] = []

    def teardown(self) -> None:
        try:
            self.each_therapist_gets_the_letter_sent_to_them()
            self.each_therapists_dashboard_counts_what_was_last_sent_to_them()
        finally:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    # --- helpers -----------------------------------------------------------------------------

    def attempt(self, allowed: bool, step, what: str):
        """Run `step`; it must succeed exactly when the rules allow it."""
        try:
            with transaction.atomic():
                result = step()
        except DomainError as exc:
            assert not allowed, f"{what} was refused ({exc}) but the rules allow it"
            return None
        assert allowed, f"{what} was allowed but the rules refuse it"
        return result

    @staticmethod
    def referral(account: Account) -> Referral:
        return Referral.objects.get(pk=account.pk)

    # --- the one rule: start a referral, look at one, or take a step on one ---------------

    @rule(data=st.data())
    def next_thing(self, data):
        """One thing happens: mostly a step on a referral (usually an open one), sometimes a
        therapist's look at one, now and then a new referral. One rule that draws what, so
        that the mix is ours (hypothesis picks among rules evenly)."""
        what = data.draw(st.integers(0, 9), label="what")
        if not self.accounts or what == 0:
            self.start(
                data.draw(st.integers(0, PRACTICES - 1), label="practice"),
                data.draw(st.integers(0, PATIENTS_PER_PRACTICE - 1), label="patient"),
                data.draw(st.none() | st.integers(0, THERAPISTS - 1), label="therapist"),
            )
            return
        open_ones = [a for a in self.accounts if a.open]
        pool = open_ones if open_ones and data.draw(st.integers(0, 4), label="open?") else None
        account = data.draw(st.sampled_from(pool or self.accounts), label="referral")
        if what <= 2:
            self.look(account, data.draw(st.integers(0, THERAPISTS), label="who looks"))
        else:
            self.act(account, data)

    def start(self, practice: int, n: int, t: int | None) -> None:
        """A GP's new draft, letter and fitness check filled in and, unless `t` is None, a
        therapist chosen (as on the draft's pages)."""
        gp, patient = self.gps[practice], self.patients[practice][n]
        busy = any(a.patient == patient.pk and a.open for a in self.accounts)
        referral = self.attempt(
            not busy, lambda: services.referral_start(patient=patient, gp=gp), "start"
        )
        if referral is None:
            return
        referral.consent_given = True
        referral.complaint, referral.severity = "P03", "mild"
        referral.purpose, referral.funding = "treatment", "self_pay"
        referral.question, referral.uses_antidepressant = "Runningtherapie?", False
        referral.risk_suicidality = referral.risk_psychosis = referral.risk_bipolar = False
        services.referral_save_draft(referral=referral, by=gp)
        services.fitness_check_record(
            referral=referral,
            check=FitnessCheck(
                answers={q.key: False for q in (*readiness.GENERAL, *readiness.DELAY)}
            ),
            by=gp,
        )
        if t is not None:
            services.referral_choose_therapist(
                referral=referral, therapist=self.therapists[t].therapist, by=gp
            )
        self.accounts.append(
            Account(pk=referral.pk, practice=practice, patient=patient.pk, chosen=t)
        )

    def act(self, account: Account, data) -> None:
        """One step on the referral, by someone: mostly a step that may come next, by the
        person whose step it is (else deep paths would be rare); often any step, by anyone."""
        likely = self.likely_steps(account)
        roll = data.draw(st.integers(0, 19), label="which kind of step")
        if roll < 2:  # a tenth of the steps: the GP cancels (the end of many a referral)
            step, who = "cancel", 0
        elif likely and roll < 17:
            step, who = data.draw(st.sampled_from(likely), label="step")
        else:
            step = data.draw(st.sampled_from(sorted(STEPS)), label="step")
            who = data.draw(st.integers(0, THERAPISTS - 1), label="who")
        # Three times in four: cleared, completed, the referring practice's GP.
        flag = data.draw(st.integers(0, 3), label="cleared/completed/own practice") > 0
        getattr(self, STEPS[step])(account, who, flag)

    def look(self, account: Account, who: int) -> None:
        """A therapist opens the referral page: as the view does (the selector, then the read
        receipt), and the receipt service asked directly, bypassing the selector. `who` past
        the therapists: the one it was last sent to."""
        if who == THERAPISTS:
            who = account.sent_to[-1] if account.sent_to else 0
        user = self.therapists[who]
        readable = account.access.get(who) in READS
        found = selectors.referrals_visible_to(user).filter(pk=account.pk).first()
        assert (found is not None) == readable
        if readable:
            self.check_letter(account, who, user)
        receipt_due = account.access.get(who) in WITH_THEM and not account.opened
        written = services.referral_mark_opened(referral=self.referral(account), by=user)
        assert written == receipt_due
        if written:
            account.opened = True

    def likely_steps(self, account: Account) -> list[tuple[str, int]]:
        """The steps that may come next and who takes them (a therapist's index; for a GP's
        step the index does not matter). Only where to aim: never what is checked."""
        holder = account.sent_to[-1] if account.sent_to else 0
        others = [t for t in range(THERAPISTS) if account.access.get(t) != Access.DECLINED]
        chosen = account.chosen is not None and account.access.get(account.chosen) is None
        by_status = {
            Status.DRAFT: [("send", 0)] if chosen else [("choose", t) for t in others],
            Status.DECLINED: [("send", 0)] if chosen else [("choose", t) for t in others],
            Status.SENT: [("accept", holder), ("accept", holder), ("decline", holder)],
            Status.ACCEPTED: [("intake", holder)],
            Status.INTAKE_DONE: [("screening", holder)] * 2 + [("questionnaire", holder)],
            Status.IN_THERAPY: [
                ("close", holder),
                ("close", holder),
                ("session", holder),
                ("letter back", holder),
                ("questionnaire", holder),
            ],
            Status.COMPLETED: [("follow-up", 0)],
            Status.STOPPED: [("follow-up", 0)],
        }
        # Cancelling, like every step, comes among "any step, by anyone".
        return by_status.get(account.status, [])

    def its_theirs(self, account: Account, t: int, *statuses: str) -> bool:
        return account.status in statuses and account.holder() == t

    # --- the GP's steps ------------------------------------------------------------------------

    def choose(self, account: Account, t: int, _flag: bool) -> None:
        allowed = (
            account.status in (Status.DRAFT, Status.DECLINED)
            and account.access.get(t) != Access.DECLINED  # one who declined is not chosen again
        )
        done = self.attempt(
            allowed,
            lambda: services.referral_choose_therapist(
                referral=self.referral(account),
                therapist=self.therapists[t].therapist,
                by=self.gps[account.practice],
            ),
            "choosing a therapist",
        )
        if done is not None:
            account.chosen = t

    def send(self, account: Account, _t: int, _flag: bool) -> None:
        t = account.chosen
        allowed = (
            account.status in (Status.DRAFT, Status.DECLINED)
            and t is not None
            and account.access.get(t) != Access.DECLINED  # never again to one who declined
        )
        sent = self.attempt(
            allowed,
            lambda: services.referral_send(
                referral=self.referral(account), by=self.gps[account.practice]
            ),
            "sending",
        )
        if sent is None:
            return
        account.status = Status.SENT
        account.sent_to.append(t)
        account.access[t] = Access.WAITING
        account.letters[t] = LETTERS.last
        account.opened = False

    def cancel(self, account: Account, _t: int, _flag: bool) -> None:
        # An ended therapy (completed, stopped) is closed by the follow-up, not cancelled.
        cancellable = account.open and account.status not in (Status.COMPLETED, Status.STOPPED)
        done = self.attempt(
            cancellable,
            lambda: services.referral_cancel(
                referral=self.referral(account), by=self.gps[account.practice], reason="Weg."
            ),
            "cancelling",
        )
        if done is None:
            return
        account.status = Status.CANCELLED
        account.move_holder(Access.TREATED if account.intake_held else Access.WITHDRAWN)

    def follow_up(self, account: Account, _t: int, own_practice: bool) -> None:
        """By a GP of the referring practice (usually) or of the other one."""
        practice = account.practice if own_practice else (account.practice + 1) % PRACTICES
        allowed = (
            account.status in (Status.IN_THERAPY, Status.COMPLETED, Status.STOPPED)
            and own_practice
            and not account.follow_up_held
        )
        follow_up = FollowUp(
            date=timezone.localdate(),
            wellbeing=FollowUp.Wellbeing.BETTER,
            antidepressant=FollowUp.Antidepressant.NEVER,
            work_status=FollowUp.Work.WORKING,
            runs_per_week=2,
            minutes_per_week=60,
        )
        done = self.attempt(
            allowed,
            lambda: services.follow_up_record(
                referral=self.referral(account), follow_up=follow_up, by=self.gps[practice]
            ),
            "the follow-up",
        )
        if done is None:
            return
        account.follow_up_held = True
        if account.status != Status.IN_THERAPY:  # held during therapy: it stays open
            account.status = Status.FOLLOWED_UP
            account.move_holder(Access.TREATED)

    # --- the therapists' steps (by therapist `t`, the right one or not) -----------------------

    def accept(self, account: Account, t: int, _flag: bool) -> None:
        done = self.attempt(
            self.its_theirs(account, t, Status.SENT),
            lambda: services.referral_accept(
                referral=self.referral(account), by=self.therapists[t]
            ),
            "accepting",
        )
        if done is not None:
            account.status = Status.ACCEPTED
            account.access[t] = Access.CARING

    def decline(self, account: Account, t: int, _flag: bool) -> None:
        done = self.attempt(
            self.its_theirs(account, t, Status.SENT),
            lambda: services.referral_decline(
                referral=self.referral(account), by=self.therapists[t], reason="Vol."
            ),
            "declining",
        )
        if done is not None:
            account.status = Status.DECLINED
            account.access[t] = Access.DECLINED

    def intake(self, account: Account, t: int, _flag: bool) -> None:
        done = self.attempt(
            self.its_theirs(account, t, Status.ACCEPTED),
            lambda: therapy_services.intake_record(
                referral=self.referral(account),
                intake=Intake(date=timezone.localdate(), goals="Hardlopen."),
                by=self.therapists[t],
            ),
            "the intake",
        )
        if done is not None:
            account.status = Status.INTAKE_DONE
            account.intake_held = True

    def screening(self, account: Account, t: int, cleared: bool) -> None:
        outcome = Screening.Outcome.CLEARED if cleared else Screening.Outcome.NOT_CLEARED
        screening = Screening(
            resting_heart_rate=60,
            systolic=120,
            diastolic=80,
            height_cm=175,
            weight_kg=70,
            outcome=outcome,
            notes="" if cleared else "Bloeddruk te hoog.",
        )
        done = self.attempt(
            self.its_theirs(account, t, Status.INTAKE_DONE),
            lambda: therapy_services.screening_record(
                referral=self.referral(account), screening=screening, by=self.therapists[t]
            ),
            "the screening",
        )
        if done is None:
            return
        if cleared:
            account.status = Status.IN_THERAPY
        else:
            account.status = Status.NOT_CLEARED
            account.access[t] = Access.TREATED

    def close(self, account: Account, t: int, completed: bool) -> None:
        outcome = Status.COMPLETED if completed else Status.STOPPED
        done = self.attempt(
            self.its_theirs(account, t, Status.IN_THERAPY),
            lambda: therapy_services.therapy_close(
                referral=self.referral(account),
                outcome=outcome,
                letter=TherapyLetter(summary="Klaar."),
                by=self.therapists[t],
                reason="" if completed else "Gestopt.",
            ),
            "closing",
        )
        if done is not None:
            account.status = outcome
            account.access[t] = Access.ENDED
            account.letters_back.add(TherapyLetter.Kind.END)
            if account.follow_up_held:  # the follow-up held during therapy closes it now
                account.status = Status.FOLLOWED_UP
                account.move_holder(Access.TREATED)

    def letter_back(self, account: Account, t: int, _flag: bool) -> None:
        """The report after intake (the service asks only whose it is; the page, the status)."""
        allowed = (
            account.access.get(t) in WITH_THEM
            and TherapyLetter.Kind.INTAKE not in account.letters_back
        )
        done = self.attempt(
            allowed,
            lambda: therapy_services.letter_send(
                referral=self.referral(account),
                letter=TherapyLetter(kind=TherapyLetter.Kind.INTAKE, summary="Gestart."),
                by=self.therapists[t],
            ),
            "the report after intake",
        )
        if done is not None:
            account.letters_back.add(TherapyLetter.Kind.INTAKE)

    def session(self, account: Account, t: int, _flag: bool) -> None:
        data = {"date": timezone.localdate(), "mode": "supervised", "minutes_running": 10}
        self.attempt(
            self.its_theirs(account, t, Status.IN_THERAPY),
            lambda: therapy_services.session_log(
                referrals=[self.referral(account)], by=self.therapists[t], data=data
            ),
            "logging a session",
        )

    def questionnaire(self, account: Account, t: int, _flag: bool) -> None:
        allowed = (
            self.its_theirs(account, t, Status.INTAKE_DONE, Status.IN_THERAPY)
            and not account.questionnaire
        )
        done = self.attempt(
            allowed,
            lambda: outcome_services.questionnaire_record(
                referral=self.referral(account),
                instrument_code="PHQ-9",
                week=0,
                answers=[1] * 9,
                completed_on=timezone.localdate(),
                by=self.therapists[t],
            ),
            "the week 0 PHQ-9",
        )
        if done is not None:
            account.questionnaire = True

    # --- after every step ----------------------------------------------------------------------

    def expected(self, t: int, kinds: set[Access]) -> set[int]:
        return {a.pk for a in self.accounts if a.access.get(t) in kinds}

    def expected_sets(self) -> dict[tuple[int, str], set[int]]:
        """What each person should see, from the machine's account alone."""
        expected: dict[tuple[int, str], set[int]] = {}
        for t in range(THERAPISTS):
            readable = self.expected(t, READS)
            expected[t, "readable"] = readable
            expected[t, "in care"] = self.expected(t, WITH_THEM)
            expected[t, "caseload"] = self.expected(t, CASELOAD)
            expected[t, "past clients"] = self.expected(t, PAST)
            expected[t, "patients"] = {a.patient for a in self.accounts if a.pk in readable}
            expected[t, "dashboard"] = {
                a.pk for a in self.accounts if a.sent_to and a.sent_to[-1] == t
            }
        for practice in range(PRACTICES):
            person = THERAPISTS + practice
            expected[person, "readable"] = {a.pk for a in self.accounts if a.practice == practice}
            expected[person, "patients"] = {p.pk for p in self.patients[practice]}
        return expected

    @invariant()
    def everyone_sees_exactly_what_the_rules_say(self):
        """Each therapist's readable referrals, those in their care, caseload, past clients,
        patients and dashboard scope; each GP's referrals and patients: their practice's."""
        expected = self.expected_sets()
        found: dict[tuple[int, str], set[int]] = {key: set() for key in expected}
        for person, what, pk in self.world.seen.rows():
            found[person, SET_NAMES[what]].add(pk)
        wrong = {key: (found[key], want) for key, want in expected.items() if found[key] != want}
        assert not wrong, f"(person, set): (found, expected): {wrong}"

    @invariant()
    def statuses_and_receipts_are_the_accounts(self):
        rows = Referral.objects.values_list("pk", "status", "opened_at")
        assert {pk: status for pk, status, _at in rows} == {a.pk: a.status for a in self.accounts}
        assert {pk for pk, _status, at in rows if at} == {a.pk for a in self.accounts if a.opened}

    def each_therapist_gets_the_letter_sent_to_them(self):
        """At the end of each sequence (and on each look, in `open_page`)."""
        for t, user in enumerate(self.therapists):
            for account in self.accounts:
                if account.access.get(t) in READS:
                    self.check_letter(account, t, user)

    def each_therapists_dashboard_counts_what_was_last_sent_to_them(self):
        """At the end of each sequence: the pre-aggregated "sent" cells of each therapist."""
        for t, user in enumerate(self.therapists):
            cells = CountCell.objects.filter(
                scope=counts.THERAPIST, scope_id=user.therapist.pk, dimension="sent"
            )
            last_sent = [a for a in self.accounts if a.sent_to and a.sent_to[-1] == t]
            assert (cells.aggregate(n=Sum("n"))["n"] or 0) == len(last_sent), t

    def check_letter(self, account: Account, t: int, user: User) -> None:
        letter = selectors.letter_for_user(user, self.referral(account))
        assert bytes(letter.content) == account.letters[t], (t, account.pk)


MACHINE_SETTINGS = settings(
    max_examples=int(__import__("os").environ.get("VIS_EXAMPLES", "200")),
    stateful_step_count=12,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_every_therapist_sees_exactly_what_was_sent_to_them_whatever_happens():
    VisibilityMachine.world = world = make_world()
    try:
        with (
            mock.patch("referrals.services.render_referral_letter", LETTERS.referral_letter),
            mock.patch("therapy.services.render_therapy_letter", LETTERS.therapy_letter),
        ):
            run_state_machine_as_test(VisibilityMachine, settings=MACHINE_SETTINGS)
    finally:
        world.seen.close()
