from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput, RadioSelect
from therapists.models import Therapist

from .icpc import Icpc, icpc_choice_label, secondary_codes
from .models import FollowUp, Referral

YES_NO = [(True, _("Yes")), (False, _("No"))]

#: A run lasts between 10 minutes and 3 hours: anything else per week is a slip of the pen.
MIN_MINUTES_PER_RUN = 10
MAX_MINUTES_PER_RUN = 180


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
    """The GP's follow-up: how the patient is, medication, work, running now and the plan.

    The PHQ-9 and GAD-7 are outcomes' forms on the same page (referrals.pages.follow_up_part).
    """

    occupational_physician = forms.TypedChoiceField(
        label=_("Is an occupational physician (bedrijfsarts) involved?"),
        choices=YES_NO,
        coerce=_to_bool,
        empty_value=None,
        widget=RadioSelect,
        required=False,
        help_text=_("Asked for employees: working, partly recovered, sick or reintegrating."),
    )
    plan = forms.MultipleChoiceField(
        label=_("Plan after the follow-up"),
        choices=FollowUp.Plan.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one step of the plan.")},
    )

    class Meta:
        model = FollowUp
        fields = [
            "date",
            "wellbeing",
            "antidepressant",
            "work_status",
            "occupational_physician",
            "runs_per_week",
            "minutes_per_week",
            "plan",
            "notes",
        ]
        labels = {
            "antidepressant": _("Antidepressant since the referral"),
            "work_status": _("Work"),
            "runs_per_week": _("Runs per week now"),
            "minutes_per_week": _("Minutes of running per week now"),
        }
        widgets = {
            "date": DateInput(),
            "wellbeing": RadioSelect,
            "antidepressant": RadioSelect,
            "work_status": RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "antidepressant": _("Filled in from the referral; change it if the use has changed."),
            "runs_per_week": _("0 when the patient no longer runs."),
            "minutes_per_week": _("All runs of a week together, walking breaks included."),
        }

    def __init__(self, *args, referral: Referral, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.referral = referral
        self.fields["date"].initial = timezone.localdate()
        # The referral said whether the patient used an antidepressant: unchanged or never
        # used is the likely answer, the GP corrects it.
        self.fields["antidepressant"].initial = {
            True: FollowUp.Antidepressant.CONTINUED,
            False: FollowUp.Antidepressant.NEVER,
        }.get(referral.uses_antidepressant)
        for name in ("runs_per_week", "minutes_per_week"):
            self.fields[name].required = True
            self.fields[name].widget.attrs.update(min=0, inputmode="numeric")
        self.fields["runs_per_week"].widget.attrs["max"] = FollowUp.MAX_RUNS_PER_WEEK
        self.fields["minutes_per_week"].widget.attrs["max"] = FollowUp.MAX_MINUTES_PER_WEEK

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The consultation date cannot be in the future."))
        if self.referral.intake_date and day < self.referral.intake_date:
            raise forms.ValidationError(_("The follow-up cannot be before the intake."))
        return day

    def clean_runs_per_week(self):
        runs = self.cleaned_data.get("runs_per_week")
        if runs is not None and not 0 <= runs <= FollowUp.MAX_RUNS_PER_WEEK:
            raise forms.ValidationError(
                _("Between 0 and %(max)d runs a week (at most twice a day).")
                % {"max": FollowUp.MAX_RUNS_PER_WEEK}
            )
        return runs

    def clean_minutes_per_week(self):
        minutes = self.cleaned_data.get("minutes_per_week")
        if minutes is not None and not 0 <= minutes <= FollowUp.MAX_MINUTES_PER_WEEK:
            raise forms.ValidationError(
                _("Between 0 and %(max)d minutes a week (20 hours).")
                % {"max": FollowUp.MAX_MINUTES_PER_WEEK}
            )
        return minutes

    def clean_plan(self):
        plan = self.cleaned_data["plan"]
        care = {FollowUp.Plan.POH_GGZ, FollowUp.Plan.BASIC_GGZ, FollowUp.Plan.PSYCHOLOGICAL}
        if FollowUp.Plan.CLOSED in plan and care & set(plan):
            raise forms.ValidationError(
                _("An episode that is closed is not referred on: choose one or the other.")
            )
        # Stored in the order of the choices, whatever the order of the boxes.
        return [value for value in FollowUp.Plan.values if value in plan]

    def clean(self) -> dict:
        data = super().clean()
        runs, minutes = data.get("runs_per_week"), data.get("minutes_per_week")
        if runs is not None and minutes is not None:
            if runs == 0 and minutes > 0:
                self.add_error(
                    "minutes_per_week", _("No runs a week, so no minutes either: enter 0.")
                )
            elif runs > 0 and minutes < MIN_MINUTES_PER_RUN * runs:
                self.add_error(
                    "minutes_per_week",
                    _("%(runs)d runs a week take at least %(min)d minutes together.")
                    % {"runs": runs, "min": MIN_MINUTES_PER_RUN * runs},
                )
            elif runs > 0 and minutes > MAX_MINUTES_PER_RUN * runs:
                self.add_error(
                    "minutes_per_week",
                    _("%(runs)d runs a week of at most %(max)d minutes each: at most %(total)d.")
                    % {
                        "runs": runs,
                        "max": MAX_MINUTES_PER_RUN,
                        "total": MAX_MINUTES_PER_RUN * runs,
                    },
                )
        work = data.get("work_status")
        physician = data.get("occupational_physician")
        if work in FollowUp.EMPLOYED and physician is None:
            self.add_error(
                "occupational_physician", _("Say whether an occupational physician is involved.")
            )
        elif work and work not in FollowUp.EMPLOYED:
            # Only an employee has a bedrijfsarts; a stray answer is not stored.
            data["occupational_physician"] = None
        return data
