class ReferralError(Exception):
    """A rule of the referral lifecycle stops this change; the message is for the user."""


class InvalidTransition(ReferralError):
    pass
