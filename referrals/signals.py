"""What the lifecycle announces to the rooms above it.

Each signal is sent inside the transaction of the change it announces, so whatever a receiver
writes (an e-mail row, say) commits or rolls back with it. The receivers live higher up
(notifications.receivers) and connect in their AppConfig.ready: referrals knows nothing of them.
Arguments: `referral` (the changed row), `event` (the ReferralEvent that records the change)
and `by` (the user who made the change).
"""

from django.dispatch import Signal

#: The referral has been sent to its therapist (first time, or re-sent after a decline).
referral_sent = Signal()
#: The therapist accepted or declined it.
referral_answered = Signal()
