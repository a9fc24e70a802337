from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models import Referral

from .models import TherapySession

# field -> (lowest, highest, the message when a value falls outside or is not a number)
RANGES = {
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
# The model's "Cancelled" shares its msgid with the referral status ("Geannuleerd"); a session
# the patient called off is "Afgemeld".
ATTENDANCE_CHOICES = [
    (TherapySession.Attendance.ATTENDED, _("Attended")),
    (TherapySession.Attendance.NO_SHOW, _("No-show")),
    (TherapySession.Attendance.CANCELLED, _("Cancelled by patient")),
]


class SessionForm(forms.ModelForm):
    """One session of one patient. The rules that need the referral live in session_log."""

    class Meta:
        model = TherapySession
        fields = [
            "date",
            "mode",
            "attendance",
            "minutes_running",
            "minutes_walking",
            "distance_km",
            "average_heart_rate",
            "rpe",
            "notes",
        ]
        widgets = {
            "date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "mode": forms.RadioSelect,
            "attendance": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "mode": _("Supervised or on their own"),
            "minutes_running": _("Running minutes"),
            "minutes_walking": _("Walking minutes"),
            "distance_km": _("Distance (km)"),
            "average_heart_rate": _("Average heart rate (bpm)"),
            "rpe": _("Exertion (Borg 6-20)"),
        }
        help_texts = {
            "rpe": _("6 is no exertion at all, 13 somewhat hard, 20 maximal."),
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
            field.widget.attrs.update(
                min=low,
                max=high,
                inputmode="decimal" if name == "distance_km" else "numeric",
            )
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
        return data


class GroupSessionForm(SessionForm):
    """The shared fields of a group session, and per patient in therapy: in this group or not."""

    GROUP_CHOICES = [(NOT_IN_GROUP, _("Not in this group")), *ATTENDANCE_CHOICES]

    class Meta(SessionForm.Meta):
        fields = ["date", "mode", "minutes_running", "minutes_walking", "distance_km", "notes"]

    def __init__(self, *args, referrals: list[Referral], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.referrals = list(referrals)
        for referral in self.referrals:
            self.fields[self.patient_field(referral)] = forms.ChoiceField(
                label=referral.patient.formal_name,
                choices=self.GROUP_CHOICES,
                initial=NOT_IN_GROUP,
                required=False,
                widget=forms.RadioSelect,
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
        return data

    def attendance(self) -> dict[int, str]:
        """Referral id -> attendance, for the patients in this group."""
        data = getattr(self, "cleaned_data", {})
        chosen = {r.pk: data.get(self.patient_field(r)) for r in self.referrals}
        return {pk: value for pk, value in chosen.items() if value}

    def chosen_referrals(self) -> list[Referral]:
        chosen = self.attendance()
        return [r for r in self.referrals if r.pk in chosen]
