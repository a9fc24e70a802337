"""The patient's page, which the rooms above fill in (core.pages): referrals adds the patient's
referrals and the open one."""

from core.pages import Pages

#: The patient's page: keyword arguments request, patient.
PATIENT_DETAIL = "patient_detail"

_pages = Pages(PATIENT_DETAIL)
contribute = _pages.contribute
context = _pages.context
