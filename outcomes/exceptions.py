from core.exceptions import DomainError


class QuestionnaireError(DomainError):
    """A rule about entering questionnaires or acknowledging an alert stops this change."""
