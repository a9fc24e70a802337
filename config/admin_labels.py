"""Texts of the admin that Django 5.2 and django-axes ship without a Dutch translation.

Marking them here puts them in our catalogue (locale/), which Django reads before the
libraries' own. The strings are exactly the libraries' msgids; nothing imports this module.
"""

from django.utils.translation import gettext_noop as _

DJANGO_ADMIN = [
    # django/contrib/admin/templates/admin/app_list.html: the table's hidden header cells.
    _("Model name"),
    _("Add link"),
    _("Change or view list link"),
]

AXES = [
    # axes/models.py and axes/admin.py (django-axes 8): the sign-in attempts it records.
    _("access attempt"),
    _("access attempts"),
    _("access attempt expiration"),
    _("access attempt expirations"),
    _("access failure"),
    _("access failures"),
    _("access logs"),
    _("Access Attempt"),
    _("Access lock out"),
    _("Attempt Remaining"),
    _("Attempt Time"),
    _("Clean up expired attempts"),
    _("Expires At"),
    _("Failed Logins"),
    _("Form Data"),
    _("GET Data"),
    _("HTTP Accept"),
    _("IP Address"),
    _("Locked Out"),
    _("Logout Time"),
    _("Meta Data"),
    _("Not set"),
    _("POST Data"),
    _("Path"),
    _("Session key hash (sha256)"),
    _("The time when access attempt expires and is no longer valid."),
    _("User Agent"),
    _("Username"),
]
