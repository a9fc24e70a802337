"""The installed apps that need a word of ours: the admin site with Loopbaan's name, and
django-axes under a Dutch name (its models' names are translated in `config/admin_labels.py`)."""

from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class LoopbaanAdminConfig(AdminConfig):
    default_site = "config.admin.LoopbaanAdminSite"


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in attempts")
