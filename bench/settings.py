"""The production settings plus the bench's URLconf (a trivial view in front of the project's).

Only `make bench` selects this module (DJANGO_SETTINGS_MODULE=bench.settings), so the trivial
view is never part of a deployment.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
