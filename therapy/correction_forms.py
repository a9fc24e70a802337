"""The correction forms: each the form it corrects, pre-filled, with the required reason
(patients.forms.CorrectionReasonForm). The dates that anchor the schedule and the screening's
outcome are shown but cannot be changed here (therapy.corrections)."""

from django.utils.translation import gettext_lazy as _

from outcomes.forms import QuestionnaireForm
from patients.forms import CorrectionReasonForm

from .forms import GroupSessionForm, IntakeForm, ScreeningForm, SessionForm

FIXED_HELP = _("This date sets the schedule: it cannot be corrected here.")


class IntakeCorrectionForm(IntakeForm, CorrectionReasonForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].disabled = True
        self.fields["date"].help_text = FIXED_HELP


class ScreeningCorrectionForm(ScreeningForm, CorrectionReasonForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].disabled = True
        self.fields["date"].help_text = FIXED_HELP
        self.fields["outcome"].disabled = True
        self.fields["outcome"].help_text = _(
            "The outcome is a step of the referral: it cannot be corrected here."
        )


class SessionCorrectionForm(SessionForm, CorrectionReasonForm):
    """One session's values, as logged."""


class GroupSessionCorrectionForm(SessionForm, CorrectionReasonForm):
    """A group session's shared values; who attended stays as logged."""

    class Meta(GroupSessionForm.Meta):
        pass


class WithdrawForm(CorrectionReasonForm):
    """Withdrawing a session logged by mistake: only the reason."""


class QuestionnaireCorrectionForm(QuestionnaireForm, CorrectionReasonForm):
    """The questionnaire as entered: its answers, date and functioning question, pre-filled."""

    def __init__(self, *args, response, **kwargs) -> None:
        initial = {
            self.item_name(index): str(answer) for index, answer in enumerate(response.answers)
        }
        initial |= {
            "difficulty": "" if response.difficulty is None else str(response.difficulty),
            "completed_on": response.completed_on,
            "outside_window": response.outside_window,
            "outside_window_reason": response.outside_window_reason,
        }
        super().__init__(*args, initial=initial, **kwargs)
