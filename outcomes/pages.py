"""The questionnaires' and alerts' parts of the referral's pages (referrals.pages)."""

from django.utils.translation import gettext as _

from referrals import pages
from referrals.schedule import QUESTIONNAIRE_WEEKS

from . import follow_up_corrections, scores, selectors, services
from .forms import FollowUpQuestionnaireForm, prefix
from .instruments import ATTRIBUTION, INSTRUMENTS
from .models import FOLLOW_UP_WEEK


def alert_timeline(alerts) -> list[dict]:
    """The alerts' steps on the referral's timeline: raised, escalated, acknowledged (by whom,
    with what was done)."""
    entries = []
    for alert in alerts:
        title = _("Safety alert (%(code)s %(occasion)s)") % {
            "code": alert.response.instrument,
            "occasion": alert.response.occasion,
        }
        entries.append(
            {
                "label": _("%(alert)s raised") % {"alert": title},
                "when": alert.raised_at,
                "by": "Loopbaan",
                "note": "",
            }
        )
        if alert.escalated_at:
            entries.append(
                {
                    "label": _("%(alert)s escalated to every GP of the practice")
                    % {"alert": title},
                    "when": alert.escalated_at,
                    "by": "Loopbaan",
                    "note": "",
                }
            )
        if alert.acknowledged_at:
            who = alert.acknowledged_by.get_full_name() if alert.acknowledged_by else ""
            entries.append(
                {
                    "label": _("%(alert)s acknowledged") % {"alert": title},
                    "when": alert.acknowledged_at,
                    "by": who,
                    "note": alert.acknowledgement_note,
                }
            )
    return entries


@pages.contribute(pages.REFERRAL_DETAIL)
def referral_detail(*, request, referral, documents) -> dict:
    responses = list(referral.questionnaires.all())
    alerts = selectors.alerts_for_referral(referral)
    return {
        "alerts": alerts,
        pages.TIMELINE_PREFIX + "alerts": alert_timeline(alerts),
        "schedule": selectors.questionnaire_schedule(referral, responses=responses),
        "changes": selectors.score_changes(referral, responses),
        "instrument_attribution": ATTRIBUTION,
        "recovery": selectors.recovery_summary(responses),
        "follow_up_scores": follow_up_scores(responses),
    }


def follow_up_scores(responses) -> list:
    """The PHQ-9 and GAD-7 the GP recorded at the follow-up, with band and reliable change
    since week 0 (none on follow-ups held before the follow-up asked them: those show their
    PHQ-9 total)."""
    start = {r.instrument: r.total for r in responses if r.week == 0}
    shown = [r for r in responses if r.week == FOLLOW_UP_WEEK]
    for response in shown:
        response.band_label = selectors.band_label(response)
        # Reliable change since week 0, as the therapy's weeks show it.
        response.change = scores.verdict(
            response.instrument, start.get(response.instrument), response.total
        )
    return shown


def follow_up_forms(*, data, referral) -> dict:
    """The follow-up page's PHQ-9 and GAD-7, named by the instrument's prefix."""
    made = (FollowUpQuestionnaireForm(data, instrument=i) for i in INSTRUMENTS.values())
    return {form.prefix: form for form in made}


def follow_up_save(*, follow_up, forms, by) -> None:
    """Store the follow-up's questionnaires (in the follow-up's transaction)."""
    mine = [forms[prefix(code)] for code in INSTRUMENTS if prefix(code) in forms]
    if not mine:  # a follow-up saved without the page (the demo, a test of its own)
        return
    answers = {
        form.instrument.code: (form.answers, form.cleaned_data["difficulty"]) for form in mine
    }
    services.follow_up_questionnaires_record(follow_up=follow_up, answers=answers, by=by)


def follow_up_risks(*, forms) -> list[str]:
    """A safety answer at the follow-up (PHQ-9 item 9 above 0: the instrument's alert rules)
    forbids closing the episode: found by a clinician's try-out, a suicidal patient who was
    worse could be closed as "episode afgesloten"."""
    risks = []
    for code, instrument in INSTRUMENTS.items():
        form = forms.get(prefix(code))
        if form is None or not form.is_valid():
            continue
        for alert in instrument.score(form.answers).alerts:
            risks.append(str(instrument.alert_labels[alert]))
    return risks


pages.follow_up_part(
    forms=follow_up_forms,
    save=follow_up_save,
    risks=follow_up_risks,
    correction_forms=follow_up_corrections.follow_up_correction_forms,
    correct=follow_up_corrections.follow_up_questionnaires_correct,
)


@pages.contribute(pages.FOLLOW_UP)
def follow_up(*, request, referral) -> dict:
    table = scores.scores_context(referral, QUESTIONNAIRE_WEEKS)
    return {
        "scores": table,
        "chart": scores.score_chart(table),
        "instrument_attribution": ATTRIBUTION,
    }
