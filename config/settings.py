"""Loopbaan settings: one module, every value from the environment (see .env.example).

Unset variables give the embedded default used by `make run`: SQLite, tasks run in-process,
email printed to the console. Production differs only in environment values.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required unless DJANGO_DEBUG=1.")
    SECRET_KEY = "django-insecure-embedded-default-for-local-development-only"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# How many reverse proxies in front of the app append to X-Forwarded-For; the access log takes
# the client address from there only when this is set (0: REMOTE_ADDR).
ACCESS_LOG_TRUSTED_PROXIES = env.int("ACCESS_LOG_TRUSTED_PROXIES", default=0)

INSTALLED_APPS = [
    "config.apps.LoopbaanAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "config.apps.AxesConfig",
    "fhirapi.apps.OAuthConfig",  # oauth2_provider, under our name in the admin
    # The project's rooms, lowest first (docs/architecture.md; core is a plain package).
    "accounts",
    "patients",
    "therapists",
    "referrals",
    "outcomes",
    "therapy",
    "patientlinks",
    "notifications",
    "dashboard",
    "fhirapi",
    "demo",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.DutchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.audit.middleware.AccessLogMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.middleware.PdfTooSlowMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.due_badge",
            ],
        },
    },
]

# Database: DATABASE_URL, or a SQLite file next to manage.py.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    # Persistent connections in production; checked before reuse.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int(
        "DJANGO_CONN_MAX_AGE", default=0 if DEBUG else 60
    )
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The JIT spends more time compiling our short reporting queries than it saves.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language and time: Dutch first, English second; Europe/Amsterdam.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
# Our own date and number formats per language (config/formats/): 27-11-2026 and 4,5 in Dutch.
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Rendering one PDF (a letter, the report) stops after this many seconds with a message, in a
# gunicorn sync worker (core.pdf); the text limits (core.limits) keep a letter to a few pages.
PDF_RENDER_SECONDS = env.float("PDF_RENDER_SECONDS", default=10)

# Email: EMAIL_URL (smtp://, smtp+tls://, ...), or printed to the console in the embedded
# default. Production refuses to start without it: a console "mail server" would mark every
# e-mail, safety alerts included, as sent while nobody receives it (found by the operator).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
if not DEBUG and (
    EMAIL_BACKEND != "django.core.mail.backends.smtp.EmailBackend" or not EMAIL_HOST  # noqa: F821
):
    raise ImproperlyConfigured(
        "EMAIL_URL must name an SMTP server unless DJANGO_DEBUG=1 (e.g. "
        "smtp+tls://user:password@host:587): a console, file, memory or dummy backend would mark "
        "every e-mail sent, safety alerts included, while nobody receives it."
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Loopbaan <noreply@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds to wait for the mail server at each step of one send (connect, greeting, sender,
# recipient, data, end of data: about six). Cutting the end of data off at 10 s made a slow but
# working server receive the same e-mail again (found by the operator). Six steps must fit in
# the outbox lease, or another worker takes the row while the send still runs: the deploy
# check (notifications.checks) warns when they don't.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=60)
# The outbox (notifications.delivery): a worker that claims an e-mail holds it this long; a
# claim that ran out unsent (the worker died) is taken again by the next worker or sweep.
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=600)
# Seconds before the first retry of a failed send; it doubles per attempt, up to an hour.
NOTIFICATION_RETRY_BACKOFF_SECONDS = env.int("NOTIFICATION_RETRY_BACKOFF_SECONDS", default=30)
# Under Celery beat the outbox is flushed this often: retries, and rows whose worker died.
OUTBOX_FLUSH_SECONDS = env.int("OUTBOX_FLUSH_SECONDS", default=60)
# /healthz answers 503 once the oldest unsent e-mail is older than this.
HEALTHZ_OUTBOX_MAX_AGE_SECONDS = env.int("HEALTHZ_OUTBOX_MAX_AGE_SECONDS", default=3600)

# Celery: with REDIS_URL a worker and beat do the work; without it tasks run at once, in-process.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"

# The cache holds counts that must be the same for every process: the sign-in throttle's
# failures per known-device cookie (accounts/throttle.py). Production names a shared cache
# (Redis, another database than the broker's); unset: each process its own memory, which the
# deploy check accounts.W020 reports when DEBUG is off.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# A task whose worker process was killed goes back on the queue instead of being acknowledged.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Queueing must never hold a request up: fail fast when the broker is down (the next reminder
# sweep sends whatever could not be queued).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
    "max_retries": 0,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE = {
    "reminder-sweep": {
        "task": "notifications.tasks.reminder_sweep",
        "schedule": crontab(hour=7, minute=30),
    },
    "outbox-flush": {
        "task": "notifications.tasks.flush_outbox",
        "schedule": OUTBOX_FLUSH_SECONDS,
        # A flush that waited longer than its interval is superseded by the next one.
        "options": {"expires": OUTBOX_FLUSH_SECONDS},
    },
}

# Security. Production (DJANGO_DEBUG unset) gets HTTPS-only cookies, HSTS and redirects.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

# Two factors (NEN 7510): TOTP with single-use recovery codes, required for every user in
# production. Only the embedded default (DJANGO_DEBUG=1) may sign in with a password alone.
LOOPBAAN_REQUIRE_2FA = True if not DEBUG else env.bool("LOOPBAAN_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = "Loopbaan"

# Passkeys (WebAuthn, django-otp-webauthn) as a second factor beside the authenticator app, never
# instead of the password. A passkey is bound to the relying party id, the site's domain without
# scheme or port (loopbaan.example.org): changing it later makes every passkey useless. The
# origins are the addresses the browser shows (https://loopbaan.example.org); a passkey used on
# any other origin is refused. Production must set both (the deploy check, accounts.checks).
# The embedded default works at http://localhost:8000 (browsers refuse passkeys on 127.0.0.1).
OTP_WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="localhost" if DEBUG else "")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "WEBAUTHN_ORIGINS", default=["http://localhost:8000"] if DEBUG else []
)
OTP_WEBAUTHN_RP_NAME = "Loopbaan"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.PasskeyHelper"

# Lockout (django-axes): 5 failed sign-ins for an account *from one address* lock that pair
# for 15 minutes, stored in the database; attempts during the lockout do not restart it. So a
# stranger elsewhere cannot lock a GP out of the practice, and one mistyping colleague behind
# the practice's NAT address locks only their own account. Failures for one account from any
# address add up to a growing delay between attempts (accounts.throttle), up to a minute; the
# user gets an e-mail when their account is locked.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False
# The address axes sees: REMOTE_ADDR, or the proxy's header as far as the deployment declares
# its proxies (the same rule as the access log).
AXES_CLIENT_IP_CALLABLE = "accounts.audit.log.client_address"
# The delay per account (accounts.throttle): none for the first AXES_FAILURE_LIMIT failures in
# the cool-off time, then 2, 4, 8 ... seconds, at most this many.
LOGIN_DELAY_MAX_SECONDS = 60

# Sessions: signed out after 30 minutes idle (the cookie's age, renewed on every request) and
# after 12 hours in all (accounts.middleware.SessionLimitsMiddleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_LIMIT = timedelta(hours=12)

# The FHIR interface (fhirapi, docs/fhir.md): OAuth 2.0 client credentials with
# django-oauth-toolkit. A token carries only the scopes its client was registered for
# (fhirapi.oauth.ClientScopes); client secrets are stored hashed. Tokens live an hour.
OAUTH2_PROVIDER = {
    "SCOPES": {
        "system/*.read": "Read the referrals, scores and letters of the client's practice",
        "system/*.write": "Start draft referrals for the client's practice",
    },
    "DEFAULT_SCOPES": ["system/*.read"],
    "SCOPES_BACKEND_CLASS": "fhirapi.oauth.ClientScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("FHIR_TOKEN_SECONDS", default=3600),
    # The OAuth 2.0 Security BCP (RFC 9700) in full, as the library's 4.0 will default to: only
    # client credentials are used here, tokens are stored hashed and never read from a URL.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# The library's own models, named so that migrations can point at them (they are swappable).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"

# Content-Security-Policy: nothing inline, nothing from other hosts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every render at INFO; refused fetches still show at ERROR.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
