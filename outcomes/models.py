# Questionnaire responses, scores and change arrive with the therapist's workspace (issue #4).
