class DomainError(Exception):
    """A rule of the domain stops this change; the message is for the user.

    Each app raises its own subclass (referrals.exceptions.ReferralError, ...); views catch
    DomainError when any rule may refuse, and show its message.
    """
