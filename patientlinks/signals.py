"""What the links announce; notifications writes the e-mail rows (notifications.receivers)."""

from django.dispatch import Signal

#: The patient must be e-mailed their link (args: link, by). Sent inside the transaction.
link_mail_requested = Signal()
