from core.exceptions import DomainError


class ReferralError(DomainError):
    """A rule of the referral lifecycle stops this change; the message is for the user."""


class InvalidTransition(ReferralError):
    pass


class OpenReferralExists(ReferralError):
    """The patient already has an open referral; `referral` is that one."""

    def __init__(self, referral) -> None:
        self.referral = referral
        super().__init__("This patient already has an open referral.")


class NotReadyToSend(ReferralError):
    """What still stands between the draft and sending it, as a list of messages."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))
