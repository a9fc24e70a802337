"""A URL converter for database ids that never lets a number past PostgreSQL's bigint.

Django's `int` converter passes any length on: an id above 2**63 - 1 reached the database and
gave a 500 with no access-log row. This one reads more than 18 digits as 0, an id no row has
(ids start at 1), so the view answers its ordinary 404 and the access log records the refused
attempt with its page. Registered as `id` in config/urls.py; every URL of the project uses it
instead of `int` (tests/test_access_log.py checks).
"""

MAX_DIGITS = 18  # 999,999,999,999,999,999 < 2**63 - 1


class IdConverter:
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        return int(value) if len(value) <= MAX_DIGITS else 0

    def to_url(self, value) -> str:
        return str(int(value))
