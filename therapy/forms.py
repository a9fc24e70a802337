from collections.abc import Iterable

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.widgets import DateInput, DecimalCommaField, RadioSelect
from referrals.models import Referral, Status

from . import dose, groups, plausibility
from .models import Intake, Screening, TherapyLetter, TherapySession
from .services import screening_refusal

# field -> (lowest, highest, the message when a value falls outside or is not a number)
RANGES = {
    "duration_minutes": (
        1,
        300,
        _("Enter how long the session lasted in whole minutes, from 1 to 300."),
    ),
    "minutes_running": (0, 300, _("Enter the running minutes as a whole number from 0 to 300.")),
    "minutes_walking": (0, 300, _("Enter the walking minutes as a whole number from 0 to 300.")),
    "distance_km": (0, 100, _("Enter the distance in km, from 0 to 100 (for example 4.5).")),
    "average_heart_rate": (
        30,
        230,
        _("Enter the average heart rate in beats per minute, from 30 to 230."),
    ),
    "rpe": (6, 20, _("Enter the exertion on the Borg scale: a whole number from 6 to 20.")),
}
NOT_IN_GROUP = ""
# A session the patient called off is "Afgemeld" everywhere: in this form, the running log and
# the letters back (the referral's status "Cancelled" is "Geannuleerd", a different thing).
ATTENDANCE_CHOICES = [
    (TherapySession.Attendance.ATTENDED, _("Attended")),
    (TherapySession.Attendance.NO_SHOW, _("No-show")),
    (TherapySession.Attendance.CANCELLED, _("Cancelled by patient")),
]


class ConfirmUnusualMixin:
    """Unusual values (therapy.plausibility) are shown beside their fields with a tick box;
    the form is valid once the box is ticked. `asks_confirmation` tells the template to show
    the box (it stays shown once ticked)."""

    asks_confirmation = False

    def confirm_unusual(self, data: dict, warnings: dict[str, str]) -> None:
        if not warnings:
            data["values_confirmed"] = False
            return
        self.asks_confirmation = True
        if not data.get("values_confirmed"):
            for name, message in warnings.items():
                self.add_error(name, message)

    @property
    def shows_confirmation(self) -> bool:
        return self.asks_confirmation or bool(self["values_confirmed"].value())


class SessionForm(ConfirmUnusualMixin, forms.ModelForm):
    """One session of one patient. The rules that need the referral live in session_log."""

    class Meta:
        model = TherapySession
        fields = [
            "date",
            "mode",
            "attendance",
            "duration_minutes",
            "minutes_running",
            "minutes_walking",
            "distance_km",
            "average_heart_rate",
            "rpe",
            "notes",
            "values_confirmed",
        ]
        widgets = {
            "date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "mode": RadioSelect,
            "attendance": RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"distance_km": DecimalCommaField}
        labels = {
            "mode": _("Supervised or on their own"),
            "duration_minutes": _("Session length (minutes)"),
            "values_confirmed": _("I have checked these values: they are right"),
            "minutes_running": _("Running minutes"),
            "minutes_walking": _("Walking minutes"),
            "distance_km": _("Distance (km)"),
            "average_heart_rate": _("Average heart rate (bpm)"),
            "rpe": _("Exertion (Borg 6-20)"),
        }
        help_texts = {
            "rpe": _("6 is no exertion at all, 13 somewhat hard, 20 maximal."),
            "duration_minutes": _("From start to finish; running and walking fit inside it."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        if "attendance" in self.fields:
            self.fields["attendance"].choices = ATTENDANCE_CHOICES
        if not self.initial.get("date"):
            self.initial["date"] = today
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        for name, (low, high, message) in RANGES.items():
            if name not in self.fields:
                continue
            field = self.fields[name]
            # Our own range check gives one clear message instead of Django's generic ones.
            field.validators = [
                v
                for v in field.validators
                if not isinstance(v, MinValueValidator | MaxValueValidator)
            ]
            field.error_messages["invalid"] = message
            if isinstance(field, DecimalCommaField):
                continue  # a text input with the decimal keypad: no min/max of its own
            field.widget.attrs.update(min=low, max=high, inputmode="numeric")
        if "notes" in self.fields:
            self.fields["notes"].widget.attrs["maxlength"] = 2000

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        for name, (low, high, message) in RANGES.items():
            value = data.get(name)
            if value is not None and not low <= value <= high:
                self.add_error(name, message)
        if len(data.get("notes") or "") > 2000:
            self.add_error("notes", _("Please keep the notes under 2000 characters."))
        if any(name in self.errors for name in RANGES):
            return data  # a value outside its range says enough
        for name, message in plausibility.session_errors(data).items():
            self.add_error(name, message)
        if "values_confirmed" in self.fields:
            self.confirm_unusual(data, plausibility.session_warnings(data))
        return data


class GroupSessionForm(SessionForm):
    """The shared fields of a group session, and per patient in therapy: in this group or not."""

    GROUP_CHOICES = [(NOT_IN_GROUP, _("Not in this group")), *ATTENDANCE_CHOICES]

    class Meta(SessionForm.Meta):
        fields = [
            "date",
            "mode",
            "duration_minutes",
            "minutes_running",
            "minutes_walking",
            "distance_km",
            "notes",
        ]

    # Ticked to save a second group session for these patients on one day (see clean).
    confirm_second = forms.BooleanField(
        label=_("Yes, this is another group session on the same day"), required=False
    )

    def __init__(
        self, *args, referrals: list[Referral], usual: Iterable[int] = (), **kwargs
    ) -> None:
        """`usual`: the referral ids of a saved group, pre-ticked as attended."""
        super().__init__(*args, **kwargs)
        usual = set(usual)
        # The saved group's participants first: one tap each to change who came.
        self.referrals = sorted(referrals, key=lambda r: r.pk not in usual)
        self.asks_second = False
        attended = TherapySession.Attendance.ATTENDED
        for referral in self.referrals:
            self.fields[self.patient_field(referral)] = forms.ChoiceField(
                label=referral.patient.formal_name,
                choices=self.GROUP_CHOICES,
                initial=attended if referral.pk in usual else NOT_IN_GROUP,
                required=False,
                widget=RadioSelect,
            )

    @staticmethod
    def patient_field(referral: Referral) -> str:
        return f"patient_{referral.pk}"

    def patient_fields(self) -> list[tuple[Referral, forms.BoundField]]:
        return [(r, self[self.patient_field(r)]) for r in self.referrals]

    def clean(self):
        data = super().clean()
        if not self.attendance():
            raise forms.ValidationError(
                _("Choose at least one patient: mark who attended, did not show or cancelled.")
            )
        if data.get("date") and not self.errors:
            self.check_second_session(data)
        return data

    def check_second_session(self, data: dict) -> None:
        """A second group session for any of these patients on one day asks to be confirmed."""
        already = groups.patients_with_a_group_session_on(
            referrals=self.chosen_referrals(), day=data["date"]
        )
        if not already:
            return
        self.asks_second = True
        if data.get("confirm_second"):
            return
        self.add_error(
            "confirm_second",
            ngettext(
                "%(names)s already had a group session on %(day)s. Was this another session? "
                "Tick the box to save it; otherwise go back to your caseload.",
                "%(names)s already had a group session on %(day)s. Was this another session? "
                "Tick the box to save it; otherwise go back to your caseload.",
                len(already),
            )
            % {
                "names": ", ".join(r.patient.formal_name for r in already),
                "day": date_format(data["date"], "SHORT_DATE_FORMAT"),
            },
        )

    @property
    def shows_second(self) -> bool:
        return self.asks_second or bool(self["confirm_second"].value())

    def attendance(self) -> dict[int, str]:
        """Referral id -> attendance, for the patients in this group."""
        data = getattr(self, "cleaned_data", {})
        chosen = {r.pk: data.get(self.patient_field(r)) for r in self.referrals}
        return {pk: value for pk, value in chosen.items() if value}

    def chosen_referrals(self) -> list[Referral]:
        chosen = self.attendance()
        return [r for r in self.referrals if r.pk in chosen]


class IntakeForm(forms.ModelForm):
    """The intake and the plan of the dose, which starts at the guideline's (therapy.dose)."""

    class Meta:
        model = Intake
        fields = [
            "date",
            "goals",
            "running_experience",
            "motivation",
            "current_activity",
            "plan_weeks",
            "plan_supervised_per_week",
            "plan_own_runs_per_week",
            "plan_minutes",
            "plan_borg_rpe",
            "plan",
        ]
        labels = {
            "plan_weeks": _("Number of weeks"),
            "plan_supervised_per_week": _("Supervised sessions per week"),
            "plan_own_runs_per_week": _("Runs on their own per week"),
            "plan_minutes": _("Minutes per session"),
            "plan_borg_rpe": _("Target exertion (Borg 6-20)"),
            "plan": _("Plan, in your words"),
        }
        help_texts = {
            "plan_weeks": _(
                "The 2024 depression guideline: at least 9 weeks, about 3 times a week, about"
                " 45 minutes, of which one session a week supervised."
            ),
            "plan_borg_rpe": _("Borg's scale of 6 to 20: 12 to 14 is moderate, 13 somewhat hard."),
            "plan": _("Shared with the GP in the report after intake."),
        }
        widgets = {
            "date": DateInput(),
            "goals": forms.Textarea(attrs={"rows": 3}),
            "running_experience": forms.Textarea(attrs={"rows": 2}),
            "motivation": forms.Textarea(attrs={"rows": 2}),
            "current_activity": forms.Textarea(attrs={"rows": 2}),
            "plan": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, referral: Referral, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.referral = referral
        self.fields["date"].initial = timezone.localdate()
        for name, (default, low, high) in dose.PLAN.items():
            field = self.fields[name]
            field.required = True
            field.initial = default
            field.widget.attrs.update(min=low, max=high, inputmode="numeric")
            field.error_messages["required"] = _(
                "Fill in the plan: the default is the guideline's."
            )

    def clean(self):
        data = super().clean()
        for name, (_default, low, high) in dose.PLAN.items():
            value = data.get(name)
            if value is not None and not low <= value <= high:
                self.add_error(
                    name,
                    _("Enter a whole number from %(low)s to %(high)s.")
                    % {"low": low, "high": high},
                )
        supervised = data.get("plan_supervised_per_week")
        own = data.get("plan_own_runs_per_week")
        if supervised is not None and own is not None and supervised + own == 0:
            self.add_error("plan_own_runs_per_week", _("Plan at least one session a week."))
        return data

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The intake date cannot be in the future."))
        sent = self.referral.sent_at and timezone.localdate(self.referral.sent_at)
        if sent and day < sent:
            raise forms.ValidationError(_("The intake cannot be before the referral was sent."))
        return day


SCREENING_RANGES = {
    "resting_heart_rate": (30, 200),
    "systolic": (70, 250),
    "diastolic": (40, 150),
    "height_cm": (100, 230),
    "weight_kg": (30, 300),
}


class ScreeningForm(ConfirmUnusualMixin, forms.ModelForm):
    class Meta:
        model = Screening
        fields = [
            "date",
            "late_reason",
            "resting_heart_rate",
            "systolic",
            "diastolic",
            "height_cm",
            "weight_kg",
            "injuries",
            "notes",
            "outcome",
            "restrictions",
            "values_confirmed",
        ]
        labels = {"values_confirmed": _("I have checked these values: they are right")}
        widgets = {
            "date": DateInput(),
            "late_reason": forms.Textarea(attrs={"rows": 2}),
            "outcome": RadioSelect,
            "injuries": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "restrictions": forms.Textarea(attrs={"rows": 2}),
        }
        field_classes = {"weight_kg": DecimalCommaField}
        help_texts = {
            "notes": _("When not cleared: the reason, which goes back to the GP."),
            "date": _(
                "Cleared, this day is the start of therapy (week 0). Screening and intake in one"
                " visit: the intake date."
            ),
            "late_reason": _(
                "Only needed when the screening is more than 28 days after the intake."
            ),
        }
        labels = {"late_reason": _("Reason for a screening more than 28 days after the intake")}

    def __init__(self, *args, referral: Referral | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.referral = referral
        self.fields["date"].initial = timezone.localdate()
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        for name, (low, high) in SCREENING_RANGES.items():
            if not isinstance(self.fields[name], DecimalCommaField):
                self.fields[name].widget.attrs.update(min=low, max=high, inputmode="numeric")

    def clean(self):
        data = super().clean()
        for name, (low, high) in SCREENING_RANGES.items():
            value = data.get(name)
            if value is not None and not low <= value <= high:
                self.add_error(
                    name,
                    _("Enter a value between %(low)s and %(high)s.") % {"low": low, "high": high},
                )
        if data.get("systolic") and data.get("diastolic") and data["diastolic"] >= data["systolic"]:
            self.add_error("diastolic", _("The diastolic pressure must be below the systolic."))
        outcome = data.get("outcome")
        if outcome == Screening.Outcome.RESTRICTED and not data.get("restrictions", "").strip():
            self.add_error("restrictions", _("Say which restrictions apply."))
        if outcome == Screening.Outcome.NOT_CLEARED and not data.get("notes", "").strip():
            self.add_error("notes", _("Give the reason; the GP will read it."))
        if not any(name in self.errors for name in SCREENING_RANGES):
            self.confirm_unusual(data, plausibility.screening_warnings(data))
            clears = outcome in (Screening.Outcome.CLEARED, Screening.Outcome.RESTRICTED)
            error = plausibility.clearance_error(
                data.get("systolic"), data.get("diastolic"), clears
            )
            if error:
                self.add_error("outcome", error)
        if data.get("date") and self.referral is not None:
            # The service's own rule (therapy.services.screening_refusal), beside the date.
            probe = Screening(date=data["date"], late_reason=data.get("late_reason") or "")
            refusal = screening_refusal(referral=self.referral, screening=probe)
            if refusal:
                self.add_error("date", refusal)
        return data


class LetterForm(forms.ModelForm):
    """A letter back to the GP after intake or after week 5."""

    class Meta:
        model = TherapyLetter
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}


class CloseForm(forms.ModelForm):
    """Ending the therapy: completed or stopped, with the end letter to the GP."""

    outcome = forms.ChoiceField(
        label=_("How did the therapy end?"),
        choices=[
            (Status.COMPLETED, _("Completed: the patient runs on their own")),
            (Status.STOPPED, _("Stopped: drop-out")),
        ],
        widget=RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for stopping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    class Meta:
        model = TherapyLetter
        fields = ["summary", "fitness_progress", "runs_independently", "advice"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "fitness_progress": forms.Textarea(attrs={"rows": 2}),
            "runs_independently": RadioSelect,
            "advice": forms.Textarea(attrs={"rows": 3}),
        }

    field_order = [
        "outcome",
        "reason",
        "summary",
        "fitness_progress",
        "runs_independently",
        "advice",
    ]

    def __init__(self, *args, deteriorated: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["runs_independently"].required = True
        self.fields["runs_independently"].choices = [
            c for c in self.fields["runs_independently"].choices if c[0]
        ]
        self.deteriorated = deteriorated
        if deteriorated:
            self.fields["confirm_deterioration"] = forms.BooleanField(
                label=_(
                    "I have seen that the scores got reliably worse and still close the therapy "
                    "as completed."
                ),
                required=False,
            )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Status.STOPPED and not data.get("reason", "").strip():
            self.add_error("reason", _("Give the reason for stopping."))
        if (
            self.deteriorated
            and data.get("outcome") == Status.COMPLETED
            and not data.get("confirm_deterioration")
        ):
            self.add_error(
                "confirm_deterioration",
                _(
                    "The scores got reliably worse: tick the box to close as completed all "
                    "the same."
                ),
            )
        return data
