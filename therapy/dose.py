"""The dose of running therapy: the plan the intake records, and how each week went against it.

The defaults are the dose of the 2024 Dutch depression guideline (Richtlijn Depressie, NVvP
and partners, 2024, richtlijnendatabase.nl, module on sport and exercise interventions): at
least 9 weeks, about three times a week, about 45 minutes at moderate intensity, one of the
weekly sessions supervised. The same dose is summarised by J. Vrijsen, "Sporten als
behandeling voor depressie", Tijdschrift voor Gedragstherapie 2025(4). The guideline names the
psychomotorisch therapeut among those who give it (therapists.Therapist.Profession).

Exertion is asked on Borg's RPE scale of 6 to 20 (G.A.V. Borg, "Psychophysical bases of
perceived exertion", Med Sci Sports Exerc 1982;14(5):377-381), the scale the session form
already uses: 12 to 14 ("somewhat hard", 13) is moderate intensity, so the target is 13.

A week here is seven days from the start of therapy (`Referral.week_zero`: the day the screening
cleared the patient, the intake's day until then; week 0 of the questionnaires is that day, so
plan week 1 starts on it; found in a try-out: counting from the intake made a late screening
look like weeks of missed sessions). Walking minutes count in every total: a patient who
walked part of a session did the session.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

# field -> (default, lowest, highest)
PLAN = {
    "plan_weeks": (9, 1, 52),
    "plan_supervised_per_week": (1, 0, 7),
    "plan_own_runs_per_week": (2, 0, 7),
    "plan_minutes": (45, 10, 120),
    "plan_borg_rpe": (13, 6, 20),
}
DEFAULTS = {name: default for name, (default, _low, _high) in PLAN.items()}


@dataclass
class Week:
    number: int
    start: date
    end: date
    planned_supervised: int
    planned_own: int
    attended_supervised: int = 0
    attended_own: int = 0
    missed: int = 0
    minutes_running: int = 0
    minutes_walking: int = 0

    @property
    def planned(self) -> int:
        return self.planned_supervised + self.planned_own

    @property
    def attended(self) -> int:
        return self.attended_supervised + self.attended_own

    @property
    def minutes(self) -> int:
        """Running and walking: walking counts."""
        return self.minutes_running + self.minutes_walking

    @property
    def short(self) -> bool:
        return self.attended < self.planned


def has_plan(intake) -> bool:
    return intake is not None and intake.plan_weeks is not None


def ended_on(referral) -> date | None:
    """The day (Amsterdam) the therapy was closed, completed or stopped; None while it runs."""
    moment = referral.completed_at or referral.stopped_at
    return timezone.localdate(moment) if moment else None


def weekly_adherence(
    intake,
    sessions,
    today: date | None = None,
    start: date | None = None,
    ended: date | None = None,
) -> list[Week]:
    """Planned against attended for every week of the plan that has begun, and for any later
    week with a session in it, counted from `start` (the referral's week 0; the intake's date
    when not given). `sessions` are the referral's TherapySession rows (read once). A therapy
    closed on `ended` plans no week after that day (found in a try-out: a stopped therapy kept
    planning weeks)."""
    if not has_plan(intake):
        return []
    today = today or timezone.localdate()
    if ended is not None:
        today = min(today, ended)
    start = start or intake.date

    def week_of(day: date) -> int:
        return (day - start).days // 7 + 1

    last = max(
        [min(intake.plan_weeks, week_of(today))]
        + [week_of(s.date) for s in sessions if s.date >= start]
    )
    weeks = [
        Week(
            number=n,
            start=start + timedelta(days=7 * (n - 1)),
            end=start + timedelta(days=7 * n - 1),
            planned_supervised=intake.plan_supervised_per_week if n <= intake.plan_weeks else 0,
            planned_own=intake.plan_own_runs_per_week if n <= intake.plan_weeks else 0,
        )
        for n in range(1, last + 1)
    ]
    for session in sessions:
        if session.date < start:
            continue
        week = weeks[week_of(session.date) - 1]
        if session.attendance != "attended":
            week.missed += 1
            continue
        if session.mode == "own":
            week.attended_own += 1
        else:
            week.attended_supervised += 1
        week.minutes_running += session.minutes_running or 0
        week.minutes_walking += session.minutes_walking or 0
    return weeks


def adherence_totals(weeks: list[Week]) -> dict:
    return {
        "planned": sum(w.planned for w in weeks),
        "attended": sum(w.attended for w in weeks),
        "minutes_running": sum(w.minutes_running for w in weeks),
        "minutes_walking": sum(w.minutes_walking for w in weeks),
        "minutes": sum(w.minutes for w in weeks),
    }
