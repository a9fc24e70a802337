"""The administrator's site: Loopbaan's name and language, and the way back to the application.

The administrator's own application pages (the reminder runs, the practice dashboard) are not
admin pages; the header links to them on every admin page (`templates/admin/base_site.html`).
"""

from django.contrib.admin import AdminSite
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LoopbaanAdminSite(AdminSite):
    site_header = _("Loopbaan administration")
    site_title = _("Loopbaan administration")
    index_title = _("Administration")

    def each_context(self, request):
        context = super().each_context(request)
        context["application_links"] = [
            (_("Loopbaan"), reverse("home")),
            (_("Reminder runs"), reverse("notifications:reminder_runs")),
            (_("Practice dashboard"), reverse("dashboard:page")),
        ]
        return context

    def password_change(self, request, extra_context=None):
        """One place to change a password, with one set of rules: the application's page (found
        by an attacker's try-out: the admin's own form took the current password as the new)."""
        from django.shortcuts import redirect

        return redirect("accounts:password_change")

    def get_urls(self):
        from django.urls import path

        from patients.admin_search import access_log_patient_search

        return [
            path(
                "accounts/accesslog/patient/",
                self.admin_view(access_log_patient_search),
                name="accesslog_patient_search",
            ),
            *super().get_urls(),
        ]
