from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput, RadioSelect
from therapists.models import Therapist

from .icpc import Icpc, icpc_choice_label, secondary_codes
from .models import FollowUp, Referral

YES_NO = [(True, _("Yes")), (False, _("No"))]


def _to_bool(value) -> bool | None:
    return {"True": True, "False": False, True: True, False: False}.get(value)


class ReferralForm(forms.ModelForm):
    """The GP's referral. A draft may be saved incomplete; sending checks completeness."""

    # ICPC-1 codes (referrals.icpc): the letter prints the code and label exactly as chosen.
    complaint = forms.ChoiceField(
        label=_("Main complaint (ICPC)"),
        choices=[("", "—"), *[(c.value, icpc_choice_label(c)) for c in Icpc]],
        required=False,
        help_text=_(
            "The ICPC code of the episode in your own record. P74, P76 and P78 are disorders:"
            " choose them only when you have made that diagnosis."
        ),
    )
    other_complaints = forms.MultipleChoiceField(
        label=_("Secondary complaints (ICPC)"),
        choices=[(c.value, icpc_choice_label(c)) for c in Icpc],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Any number; the main complaint is not repeated here. P74, P76 and P78 are"
            " disorders: tick them only when you have made that diagnosis."
        ),
    )
    uses_antidepressant = forms.TypedChoiceField(
        label=_("Does the patient use an antidepressant?"),
        choices=YES_NO,
        coerce=_to_bool,
        empty_value=None,
        widget=RadioSelect,
        required=False,
    )

    class Meta:
        model = Referral
        fields = [
            "consent_given",
            "complaint",
            "other_complaints",
            "complaint_notes",
            "severity",
            "uses_antidepressant",
            "medication",
            "history",
            "question",
            "purpose",
            "funding",
            "urgency",
        ]
        widgets = {
            "severity": RadioSelect,
            "purpose": RadioSelect,
            "urgency": RadioSelect,
            "medication": forms.Textarea(attrs={"rows": 2}),
            "history": forms.Textarea(attrs={"rows": 3}),
            "question": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "question": _("What do you ask of the therapist? This is the core of the letter."),
            "consent_given": _("Required before sending. Discuss it with the patient."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("severity", "purpose"):  # radios: no empty "-----" option
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
        for name in ("medication", "history", "question"):
            self.fields[name].widget.attrs["maxlength"] = 4000
            self.fields[name].max_length = 4000

    def clean_other_complaints(self) -> list[str]:
        return secondary_codes(
            self.cleaned_data.get("complaint"), self.cleaned_data["other_complaints"]
        )

    def clean(self):
        data = super().clean()
        for name in ("medication", "history", "question"):
            if len(data.get(name) or "") > 4000:
                self.add_error(name, _("Please keep this under 4000 characters."))
        return data


class TherapistSearchForm(forms.Form):
    place = forms.CharField(
        label=_("City or postcode area"),
        required=False,
        max_length=50,
        help_text=_("For example Utrecht, or 35 for postcodes 3500-3599."),
    )
    profession = forms.ChoiceField(
        label=_("Profession"),
        required=False,
        choices=[("", _("Any profession")), *Therapist.Profession.choices],
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, required: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if not required:
            self.fields["reason"].label = _("Reason (optional)")


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = [
            "date",
            "wellbeing",
            "phq9_total",
            "antidepressant",
            "work_status",
            "still_running",
            "notes",
        ]
        widgets = {
            "date": DateInput(),
            "wellbeing": RadioSelect,
            "antidepressant": RadioSelect,
            "work_status": RadioSelect,
            "still_running": RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"phq9_total": _("Optional: 0 to 27.")}

    def __init__(self, *args, referral: Referral, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.referral = referral
        self.fields["date"].initial = timezone.localdate()
        self.fields["phq9_total"].widget.attrs.update(min=0, max=27, inputmode="numeric")

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The consultation date cannot be in the future."))
        if self.referral.intake_date and day < self.referral.intake_date:
            raise forms.ValidationError(_("The follow-up cannot be before the intake."))
        return day

    def clean_phq9_total(self):
        total = self.cleaned_data.get("phq9_total")
        if total is not None and not 0 <= total <= 27:
            raise forms.ValidationError(_("A PHQ-9 total lies between 0 and 27."))
        return total
