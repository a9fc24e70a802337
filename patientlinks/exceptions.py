from core.exceptions import DomainError


class LinkError(DomainError):
    """A patient link cannot be issued or used as asked; the message says why."""
