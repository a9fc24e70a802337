"""The risk rubric of the referral letter's kern, and its one rule.

The form asks three things (the NHG/LHV HASP letter gives the kern room for what the receiver
must know at once; the risk items are the ones a GP weighs before referring someone with
psychological complaints to a non-GGZ treatment): active suicidality, psychosis, bipolar
disorder. A yes on active suicidality or psychosis means running therapy is not a first step
for this patient (the NHG-Standaard Depressie (2024) sends them to GGZ care first): the form
warns, and the GP must confirm explicitly that they refer all the same before the referral can
be sent (referrals.services.send_problems). A yes on bipolar disorder is printed for the
therapist, without a block.
"""

from django.utils.translation import gettext_lazy as _

WARNING = _(
    "Active suicidality or psychosis: running therapy is not a first step for this patient."
    " Refer to GGZ care first, or confirm below that you refer for running therapy all the"
    " same (for instance alongside GGZ treatment)."
)


def needs_confirmation(*, suicidality: bool | None, psychosis: bool | None) -> bool:
    return bool(suicidality) or bool(psychosis)


def referral_needs_confirmation(referral) -> bool:
    return needs_confirmation(
        suicidality=referral.risk_suicidality, psychosis=referral.risk_psychosis
    )


def risk_problems(referral) -> list[str]:
    """What the risk rubric keeps from sending (empty: nothing)."""
    answers = (referral.risk_suicidality, referral.risk_psychosis, referral.risk_bipolar)
    if any(answer is None for answer in answers):
        return [str(_("Answer the risk questions (suicidality, psychosis, bipolar disorder)."))]
    if referral_needs_confirmation(referral) and not referral.risk_confirmed:
        return [
            str(
                _(
                    "Active suicidality or psychosis: confirm that you refer for running"
                    " therapy all the same, or do not send this referral."
                )
            )
        ]
    return []
