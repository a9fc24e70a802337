import re

from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import validate_phone
from core.widgets import RadioSelect

from .models import CAPACITY_MAX, NOTE_FOR_GPS_LENGTH, Therapist
from .services import PROFILE_FIELDS


class ProfileForm(forms.ModelForm):
    """The therapist's own profile, as GPs see it when they choose a therapist."""

    accepting_new_patients = forms.TypedChoiceField(
        label=_("Do you accept new patients?"),
        choices=[(True, _("Yes, I accept new patients")), (False, _("No, not at the moment"))],
        coerce=lambda value: value in (True, "True"),
        widget=RadioSelect,
    )

    class Meta:
        model = Therapist
        fields = PROFILE_FIELDS
        widgets = {
            "profession": RadioSelect,
            "note_for_gps": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "note_for_gps": _(
                "Shown to GPs beside your name when they choose a therapist: where and when you "
                "run, groups or individual sessions. At most %(n)d characters."
            )
            % {"n": NOTE_FOR_GPS_LENGTH},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        capacity = self.fields["capacity"]
        capacity.min_value, capacity.max_value = 1, CAPACITY_MAX
        capacity.widget.attrs.update(min=1, max=CAPACITY_MAX, inputmode="numeric")
        capacity.error_messages["invalid"] = self.capacity_message()
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["note_for_gps"].widget.attrs["maxlength"] = NOTE_FOR_GPS_LENGTH

    @staticmethod
    def capacity_message() -> str:
        return _("Enter how many new patients you can take on: a whole number from 1 to %(n)d.") % {
            "n": CAPACITY_MAX
        }

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if capacity is not None and not 1 <= capacity <= CAPACITY_MAX:
            raise forms.ValidationError(self.capacity_message())
        return capacity

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone:
            validate_phone(phone)
        return phone

    def clean_postcode(self) -> str:
        postcode = self.cleaned_data["postcode"].upper().replace(" ", "")
        if not re.fullmatch(r"[1-9]\d{3}[A-Z]{2}", postcode):
            raise forms.ValidationError(_("Enter a Dutch postcode, like 3521 AB."))
        return f"{postcode[:4]} {postcode[4:]}"

    def clean(self):
        data = super().clean()
        if data.get("accepting_new_patients") is False:
            data["capacity"] = None  # no room: a number would contradict it
        return data
