"""What the outcomes announce to the rooms above them, inside the transaction of the change.

Receivers (notifications.receivers) connect in their AppConfig.ready. Arguments: `alert`, the
new SafetyAlert, and `by`, the user who entered the questionnaire.
"""

from django.dispatch import Signal

#: A questionnaire raised a safety alert (PHQ-9 item 9 above 0): the GP must hear of it now.
alert_raised = Signal()

#: An alert nobody acknowledged within a working day (outcomes.alerts.alerts_escalate): every GP
#: of the practice, and the practice's address, must hear of it. Sent once per alert.
alert_escalated = Signal()
#: A week-5 or week-10 questionnaire shows a reliable deterioration since week 0
#: (outcomes.recovery): the GP must hear of it. Arguments: `response`, the new
#: QuestionnaireResponse, `day`, the date of the week's latest questionnaire, and `by`.
deterioration_found = Signal()
