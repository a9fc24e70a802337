from core.exceptions import DomainError


class BackupError(DomainError):
    """A backup or restore cannot go ahead; the message tells the operator why and what to do."""
