from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Therapist
from .services import therapist_verify


class TherapistForm(forms.ModelForm):
    """A therapist's profile belongs to a therapist's account: found by an attacker's try-out,
    the administrator gave their own account (and a GP's, and the manager's) a profile, verified
    it, and GPs could send it referrals."""

    request_user = None  # set per request by TherapistAdmin.get_form

    class Meta:
        model = Therapist
        # Every field the admin edits; the verification is set by the action only (read-only).
        fields = [
            "user",
            "profession",
            "organisation",
            "certificate_number",
            "certificate_date",
            "address",
            "postcode",
            "city",
            "phone",
            "accepting_new_patients",
            "capacity",
            "note_for_gps",
            "network_of",
        ]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user.role != user.Role.THERAPIST or user.is_staff or user.is_superuser:
            raise forms.ValidationError(
                _("A therapist's profile belongs to an account with the role running therapist.")
            )
        if self.request_user is not None and user.pk == self.request_user.pk:
            raise forms.ValidationError(
                _("You cannot give your own account a therapist's profile.")
            )
        return user


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    form = TherapistForm

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    list_display = [
        "__str__",
        "profession",
        "city",
        "is_verified",
        "verified_by",
        "accepting_new_patients",
    ]
    list_filter = ["is_verified", "accepting_new_patients", "profession"]
    search_fields = [
        "user__first_name",
        "user__last_name",
        "organisation",
        "city",
        "certificate_number",
    ]
    list_select_related = ["user", "verified_by"]
    readonly_fields = ["is_verified", "verified_by", "verified_at"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        # Found by an attacker's try-out: moving a profile to another account handed that
        # account the therapist's clients. The account is chosen once, when the profile is made.
        return [*self.readonly_fields, "user"] if obj is not None else self.readonly_fields

    actions = ["verify_certification"]

    @admin.action(description=_("Verify certification"))
    def verify_certification(self, request, queryset):
        count = 0
        for therapist in queryset.select_related("user"):
            count += therapist_verify(therapist=therapist, by=request.user).is_verified
        self.message_user(
            request,
            ngettext("%(n)d therapist verified.", "%(n)d therapists verified.", count)
            % {"n": count},
            messages.SUCCESS,
        )
