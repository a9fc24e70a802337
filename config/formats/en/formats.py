"""English as used in the Netherlands: day first, like the Dutch pages (27/11/2026, never the
American 11/27/2026, which a reader would take for a different date), with a decimal point.
"""

from django.conf.locale.en_GB.formats import *  # noqa: F403 (input formats and the rest)

DATE_FORMAT = "j F Y"  # 27 November 2026
SHORT_DATE_FORMAT = "d/m/Y"  # 27/11/2026
DATETIME_FORMAT = "j F Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
