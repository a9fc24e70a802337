import re
from datetime import date, datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from core import limits
from core.validators import validate_phone
from core.widgets import DateInput, RadioSelect

from .models import Patient
from .validators import validate_bsn


class PatientSearchForm(forms.Form):
    """Posted, never in the URL: a BSN must not end up in a link or a server log."""

    query = forms.CharField(
        label=_("Name, date of birth (dd-mm-yyyy) or BSN"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )

    def parsed(self) -> tuple[str, str | date]:
        """('bsn', '123456782'), ('dob', date) or ('name', 'text')."""
        text = self.cleaned_data["query"].strip()
        digits = re.sub(r"[\s.]", "", text)
        if digits.isdigit() and len(digits) == 9:
            return "bsn", digits
        for fmt in ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d%m%Y"):
            try:
                return "dob", datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        return "name", text


class PatientForm(forms.ModelForm):
    # Wider than the model's 9 so "9999 90 007" reaches clean_bsn, which strips and validates.
    bsn = forms.CharField(label=_("BSN"), max_length=15)

    class Meta:
        model = Patient
        fields = [
            "bsn",
            "initials",
            "first_name",
            "tussenvoegsel",
            "surname",
            "date_of_birth",
            "sex",
            "phone",
            "email",
            "address",
            "postcode",
            "city",
            "insurer_name",
            "insurer_uzovi",
            "policy_number",
        ]
        widgets = {"date_of_birth": DateInput(), "sex": RadioSelect}

    def __init__(self, *args, practice, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.duplicate: Patient | None = None
        self.fields["bsn"].widget.attrs.update(inputmode="numeric", autocomplete="off")

    def clean_bsn(self) -> str:
        bsn = re.sub(r"[\s.]", "", self.cleaned_data["bsn"])
        validate_bsn(bsn)
        existing = Patient.objects.filter(practice=self.practice, bsn=bsn)
        if self.instance.pk:
            existing = existing.exclude(pk=self.instance.pk)
        self.duplicate = existing.first()
        if self.duplicate:
            raise forms.ValidationError(
                _("A patient with this BSN is already registered in your practice."),
                code="duplicate",
            )
        return bsn

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone:
            validate_phone(phone)
        return phone

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        if born > date.today() or born.year < 1900:
            raise forms.ValidationError(_("Enter a date of birth in the past."))
        return born

    def clean_postcode(self) -> str:
        postcode = self.cleaned_data["postcode"].upper().replace(" ", "")
        if postcode and not re.fullmatch(r"[1-9]\d{3}[A-Z]{2}", postcode):
            raise forms.ValidationError(_("Enter a Dutch postcode, like 3521 AB."))
        return f"{postcode[:4]} {postcode[4:]}" if postcode else ""

    def save(self, commit: bool = True) -> Patient:
        self.instance.practice = self.practice
        return super().save(commit)


class CorrectionReasonForm(forms.Form):
    """The reason every correction carries (patients.corrections); mixed into each correction
    form of every room, after the form it corrects."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        help_text=_("Kept with the old and the new values; shown on the referral's timeline."),
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for the correction.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for the correction."))
        return reason


class PatientCorrectionForm(PatientForm, CorrectionReasonForm):
    """The patient's details, pre-filled, with the reason for the correction."""
