"""Correcting the PHQ-9 and GAD-7 the GP recorded at the follow-up (referrals.follow_up_part's
`correction_forms` and `correct`; the follow-up's own rule, its author for 30 days, is
referrals.follow_up_corrections'). Re-scored by the instrument; an answer that now asks for a
safety alert raises one, an alert already raised stays (the GP acted on it)."""

from patients.corrections import row_correct
from patients.models import Correction

from .forms import FollowUpQuestionnaireForm, prefix
from .instruments import INSTRUMENTS
from .models import FOLLOW_UP_WEEK, QuestionnaireResponse, SafetyAlert
from .services import alerts_raise

#: What the correction of a follow-up's questionnaire may change; the score follows the answers,
#: the date follows the follow-up's.
FIELDS = ("answers", "total", "band", "difficulty", "completed_on")


def _responses(follow_up) -> dict[str, QuestionnaireResponse]:
    rows = QuestionnaireResponse.objects.filter(
        referral_id=follow_up.referral_id, week=FOLLOW_UP_WEEK
    )
    found = {row.instrument: row for row in rows}
    return {code: found[code] for code in INSTRUMENTS if code in found}  # PHQ-9 first


def follow_up_correction_forms(*, data, follow_up) -> dict:
    """The follow-up's questionnaires as recorded, pre-filled (none for a follow-up held before
    the follow-up asked them)."""
    made = {}
    for code, row in _responses(follow_up).items():
        form = FollowUpQuestionnaireForm(data, instrument=INSTRUMENTS[code])
        for index, answer in enumerate(row.answers):
            form.fields[form.item_name(index)].initial = str(answer)
        form.fields["difficulty"].initial = "" if row.difficulty is None else str(row.difficulty)
        made[form.prefix] = form
    return made


def follow_up_questionnaires_correct(*, follow_up, forms, reason, by) -> list[Correction]:
    """The corrected answers of each questionnaire whose form is here, with their trail (inside
    the follow-up's correction); the PHQ-9 total is also the follow-up's `phq9_total`."""
    written = []
    rows = {code: row for code, row in _responses(follow_up).items() if prefix(code) in forms}
    for code, row in rows.items():
        row = QuestionnaireResponse.objects.select_for_update().get(pk=row.pk)
        form = forms[prefix(code)]
        instrument = INSTRUMENTS[code]
        score = instrument.score(form.answers)
        values = {
            "answers": instrument.clean(form.answers),
            "total": score.total,
            "band": score.band,
            "difficulty": instrument.clean_difficulty(form.cleaned_data["difficulty"]),
            "completed_on": follow_up.date,
        }
        correction = row_correct(
            patient=follow_up.referral.patient,
            row=row,
            values=values,
            reason=reason,
            by=by,
            skip_unchanged=True,
        )
        if correction is None:
            continue
        written.append(correction)
        if score.alerts and not SafetyAlert.objects.filter(response=row).exists():
            alerts_raise(response=row, codes=score.alerts[:1], by=by)
        if code == "PHQ-9" and follow_up.phq9_total != score.total:
            follow_up.phq9_total = score.total
            follow_up.save(update_fields=["phq9_total"])
    return written
