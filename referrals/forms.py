from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput, DecimalCommaField, RadioSelect
from patients.forms import CorrectionReasonForm
from therapists.models import Therapist

from . import risk
from .follow_up import FOLLOW_UP_FIELDS
from .icpc import Icpc, icpc_choice_label, secondary_codes
from .models import FollowUp, Referral, ReferralMedication

YES_NO = [(True, _("Yes")), (False, _("No"))]

#: The short narrative fields of the letter (NHG/LHV HASP): a paragraph each.
SHORT_TEXTS = (
    "course",
    "patient_request",
    "poh_ggz",
    "psychological_treatment",
    "medication_tried",
    "risk_notes",
    "other_episodes",
    "allergies",
)

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
    # The risk the letter's kern carries (referrals.risk): asked here, answered before sending.
    risk_suicidality = forms.TypedChoiceField(
        label=_("Active suicidality (thoughts with a plan or intent)?"),
        choices=YES_NO,
        coerce=_to_bool,
        empty_value=None,
        widget=RadioSelect,
        required=False,
    )
    risk_psychosis = forms.TypedChoiceField(
        label=_("Psychosis, now or in the past year?"),
        choices=YES_NO,
        coerce=_to_bool,
        empty_value=None,
        widget=RadioSelect,
        required=False,
    )
    risk_bipolar = forms.TypedChoiceField(
        label=_("Bipolar disorder?"),
        choices=YES_NO,
        coerce=_to_bool,
        empty_value=None,
        widget=RadioSelect,
        required=False,
    )
    weight_kg = DecimalCommaField(
        label=_("Weight (kg)"),
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=20,
        max_value=350,
    )

    class Meta:
        model = Referral
        fields = [
            "consent_given",
            "self_report_consent",
            "complaint",
            "other_complaints",
            "complaint_notes",
            "severity",
            "course",
            "patient_request",
            "poh_ggz",
            "psychological_treatment",
            "medication_tried",
            "risk_suicidality",
            "risk_psychosis",
            "risk_bipolar",
            "risk_notes",
            "risk_confirmed",
            "uses_antidepressant",
            "medication",
            "history",
            "other_episodes",
            "allergies",
            "measured_on",
            "systolic",
            "diastolic",
            "height_cm",
            "weight_kg",
            "phq9_total",
            "question",
            "purpose",
            "funding",
            "urgency",
        ]
        widgets = {
            "severity": RadioSelect,
            "purpose": RadioSelect,
            "urgency": RadioSelect,
            "measured_on": DateInput(),
            **{name: forms.Textarea(attrs={"rows": 2}) for name in SHORT_TEXTS},
            "history": forms.Textarea(attrs={"rows": 3}),
            "question": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "question": _("What do you ask of the therapist? This is the core of the letter."),
            "consent_given": _("Required before sending. Discuss it with the patient."),
            "medication": _(
                "Anything about the medication that does not fit the rows above (optional)."
            ),
            "other_episodes": _(
                "The rest of the episode list that matters here, one per line with its ICPC"
                " code, e.g. “K86 Hypertensie zonder orgaanbeschadiging”."
            ),
            "risk_confirmed": _(
                "Only needed when you answered yes to active suicidality or psychosis."
            ),
            "phq9_total": _("Optional: 0 to 27, if the patient filled it in at the referral."),
            "patient_request": _("What the patient asks for and expects of running therapy."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("severity", "purpose"):  # radios: no empty "-----" option
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
        for name in ("medication", "question", *SHORT_TEXTS):
            self.fields[name].widget.attrs["maxlength"] = 2000
            self.fields[name].max_length = 2000
        self.fields["history"].widget.attrs["maxlength"] = 4000
        self.fields["history"].max_length = 4000
        numbers = {
            "systolic": (60, 260),
            "diastolic": (30, 160),
            "height_cm": (100, 230),
            "phq9_total": (0, 27),
        }
        for name, (low, high) in numbers.items():
            self.fields[name].widget.attrs.update(min=low, max=high, inputmode="numeric")
            self.fields[name].validators.append(_between(low, high))

    def clean_other_complaints(self) -> list[str]:
        return secondary_codes(
            self.cleaned_data.get("complaint"), self.cleaned_data["other_complaints"]
        )

    def clean_measured_on(self):
        day = self.cleaned_data.get("measured_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date of the measurement cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        if len(data.get("history") or "") > 4000:
            self.add_error("history", _("Please keep this under 4000 characters."))
        systolic, diastolic = data.get("systolic"), data.get("diastolic")
        if (systolic is None) != (diastolic is None):
            self.add_error(
                "diastolic" if diastolic is None else "systolic",
                _("Fill in both the upper and the lower blood pressure."),
            )
        elif systolic is not None and diastolic >= systolic:
            self.add_error("diastolic", _("The lower pressure must be below the upper one."))
        # The confirmation means something only beside a yes: without one it is not kept.
        if not risk.needs_confirmation(
            suicidality=data.get("risk_suicidality"), psychosis=data.get("risk_psychosis")
        ):
            data["risk_confirmed"] = False
        return data


def _between(low: int, high: int):
    def check(value) -> None:
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(
                _("Enter a value from %(low)s to %(high)s.") % {"low": low, "high": high}
            )

    return check


class MedicationForm(forms.ModelForm):
    """One row of the medication formset: a dose or a date without a medicine is refused."""

    class Meta:
        model = ReferralMedication
        fields = ["name", "dose", "since"]
        help_texts = {
            "dose": _("e.g. 50 mg once a day"),
            "since": _("e.g. March 2025"),
        }

    def clean(self):
        data = super().clean()
        if not data.get("name") and (data.get("dose") or data.get("since")):
            self.add_error("name", _("Fill in the medicine, or empty the row."))
        return data


MedicationFormSet = forms.inlineformset_factory(
    Referral,
    ReferralMedication,
    form=MedicationForm,
    extra=2,
    max_num=20,
    validate_max=True,
    can_delete=True,
)


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
        fields = list(FOLLOW_UP_FIELDS)
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
        care = {
            FollowUp.Plan.POH_GGZ,
            FollowUp.Plan.BASIC_GGZ,
            FollowUp.Plan.PSYCHOLOGICAL,
            FollowUp.Plan.SPECIALIST_GGZ,
            FollowUp.Plan.CRISIS,
        }
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


class FollowUpCorrectionForm(FollowUpForm, CorrectionReasonForm):
    """The follow-up as recorded, pre-filled, with the reason for the correction
    (referrals.follow_up_corrections)."""


def closing_allowed(form: "FollowUpForm", *, risks: list[str]) -> bool:
    """An episode is not closed at a follow-up that shows a safety answer or a patient who is
    worse: the GP chooses a next step instead (NHG-Standaard Depressie: follow the course and
    step up care when it does not go well; found by a clinician's try-out). Adds the message
    beside the plan and answers False when closing is not allowed."""
    data = form.cleaned_data
    if FollowUp.Plan.CLOSED not in data.get("plan", []):
        return True
    reasons = list(risks)
    if data.get("wellbeing") == FollowUp.Wellbeing.WORSE:
        reasons.append(str(_("the patient is worse")))
    if not reasons:
        return True
    form.add_error(
        "plan",
        _(
            "Do not close the episode: %(reasons)s. Choose a next step, and for a safety answer "
            "assess the risk today."
        )
        % {"reasons": "; ".join(reasons)},
    )
    return False
