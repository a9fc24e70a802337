"""The saved group's form (the group session's own form is therapy.forms.GroupSessionForm)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from referrals.models import Referral


class SavedGroupForm(forms.Form):
    """A saved group's name and its usual participants, from the therapist's patients in therapy."""

    name = forms.CharField(
        label=_("Name of the group"),
        max_length=80,
        help_text=_("For example: Tuesday evening, park."),
    )
    members = forms.MultipleChoiceField(
        label=_("Usual participants"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only your patients in therapy. You can still change who came at each session."
        ),
    )

    def __init__(self, *args, referrals: list[Referral], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.referrals = {str(r.pk): r for r in referrals}
        self.fields["members"].choices = [
            (pk, r.patient.formal_name) for pk, r in self.referrals.items()
        ]

    def chosen(self) -> list[Referral]:
        return [self.referrals[pk] for pk in self.cleaned_data["members"]]
