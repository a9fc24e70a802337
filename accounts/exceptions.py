from core.exceptions import DomainError


class AccountError(DomainError):
    """A rule about accounts (sign-in, two factors, links) stops this change."""


class EnrolmentLinkTooSoon(AccountError):
    """The user asked for a new enrolment link too soon after the last one."""


class LastSecondFactor(AccountError):
    """Removing this passkey would leave the user without a second factor."""
