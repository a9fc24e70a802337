"""Dutch formats as a Dutch GP writes them: 27-11-2026 (always two digits), 4,5 km, 1.234."""

from django.conf.locale.nl.formats import *  # noqa: F403 (input formats and the rest as Django has them)

DATE_FORMAT = "j F Y"  # 27 november 2026
SHORT_DATE_FORMAT = "d-m-Y"  # 27-11-2026 (Django's own is j-n-Y: 7-1-2026)
DATETIME_FORMAT = "j F Y H:i"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
