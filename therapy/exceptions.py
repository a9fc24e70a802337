from core.exceptions import DomainError


class TherapyError(DomainError):
    """A rule of the therapy (intake, screening, sessions, letters back) stops this change."""
