"""The therapist's saved groups: list, create, rename and set participants, delete."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import therapist_required
from core.exceptions import DomainError

from . import groups, selectors
from .group_forms import SavedGroupForm


@therapist_required
def group_list(request: HttpRequest) -> HttpResponse:
    saved = groups.saved_groups_of(user=request.user)
    return render(request, "therapy/groups.html", {"saved_groups": saved})


@therapist_required
def group_add(request: HttpRequest) -> HttpResponse:
    return _group_form(request, group=None)


@therapist_required
def group_edit(request: HttpRequest, group_pk: int) -> HttpResponse:
    return _group_form(request, group=groups.saved_group_for(user=request.user, pk=group_pk))


def _group_form(request: HttpRequest, *, group) -> HttpResponse:
    referrals = list(selectors.referrals_in_therapy(user=request.user).select_related("patient"))
    initial = {"name": group.name, "members": [str(r.pk) for r in group.current]} if group else {}
    form = SavedGroupForm(request.POST or None, referrals=referrals, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = groups.saved_group_save(
                owner=request.user,
                name=form.cleaned_data["name"],
                members=form.chosen(),
                group=group,
            )
        except DomainError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, _("Group %(name)s saved.") % {"name": saved.name})
            return redirect("therapy:groups")
    return render(request, "therapy/group_form.html", {"form": form, "group": group})


@therapist_required
@require_POST
def group_delete(request: HttpRequest, group_pk: int) -> HttpResponse:
    group = groups.saved_group_for(user=request.user, pk=group_pk)
    groups.saved_group_delete(owner=request.user, group=group)
    messages.success(request, _("Group %(name)s deleted.") % {"name": group.name})
    return redirect("therapy:groups")
