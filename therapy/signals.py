"""What the therapy announces to the rooms above it, inside the transaction of the change.

Receivers (notifications.receivers) connect in their AppConfig.ready. Arguments: `by`, the user
who made the change, and `referral` with its `event` (the ReferralEvent), or `letter`.
"""

from django.dispatch import Signal

#: The screening did not clear the patient: the referral goes back to the GP.
screening_not_cleared = Signal()
#: A letter back to the GP (after intake, progress, end) has been stored with its PDF.
letter_sent = Signal()
#: A correction to something a sent letter back told the GP: its addendum has been stored
#: (`document`, a referrals.ReferralDocument of kind addendum, with `referral`).
addendum_sent = Signal()
