"""Settings for Support Portal, driven by the environment.

With no environment at all this is the embedded default (`make run`): a SQLite
file under var/ and Celery on kombu's filesystem transport. Production and the
test suite set DATABASE_URL and REDIS_URL.
"""

import re
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_float, env_int, env_list, env_str, env_url
from portal.schema_settings import SCHEMA_SETTINGS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string "
            "(or DEBUG=1 for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "auditlog",
    "axes",
    "portal",
    "contracts",
    "incidents",
    "tam",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Customer requests from here on run inside their tenant's row-level security.
    "portal.tenancy.TenantScopeMiddleware",
    "portal.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.BrowserPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.mfa.MfaRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a lockout flagged during authentication into portal.lockout's answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
    ("sqlite", "postgres", "postgresql", "pgsql"),
)
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: web requests and the worker write to one file. WAL lets readers
    # go on while one writes; a write waits up to 20 s for its turn instead of failing; and
    # every transaction takes the write lock when it begins (IMMEDIATE), so one that read
    # first is never refused "database is locked" when it goes on to write.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# PostgreSQL row-level security (portal/tenancy.py, docs/deployment.md): customer requests
# run as this role, which the tenant tables' policies restrict to the customer's rows.
# Empty turns the wall off; SQLite has none.
PORTAL_RLS_ROLE = env_str("PORTAL_RLS_ROLE", "portal_tenant")
if PORTAL_RLS_ROLE and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", PORTAL_RLS_ROLE):
    raise ImproperlyConfigured(
        "PORTAL_RLS_ROLE must be a lower-case PostgreSQL role name (letters, digits, _)."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every way in (login page, token endpoint, admin) while locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# allauth: log in by e-mail, no open sign-up (see portal.adapters).
ACCOUNT_ADAPTER = "portal.adapters.PortalAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
# Login addresses are not managed by their owners (portal/urls.py: /accounts/email/ is gone).
ACCOUNT_CHANGE_EMAIL = False
# Invitation links are accepted where reset links are (portal.invitations).
ACCOUNT_FORMS = {"user_token": "portal.invitations.ResetOrInvitationTokenForm"}
# Failed logins are counted by django-axes (below), for every way in; allauth limits the
# rest in the shared cache. Reset requests: per client address and per address asked for.
ACCOUNT_RATE_LIMITS = {
    "login_failed": False,
    "reset_password": env_str("RESET_PASSWORD_RATE_LIMIT", "10/m/ip,3/15m/key"),
    "reset_password_from_key": "20/m/ip",
}

# Second factor (allauth.mfa): an authenticator app (TOTP) with recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Support Portal"
MFA_ADAPTER = "portal.mfa.PortalMfaAdapter"
# Provider staff reach no page and no session API call before a second factor: those
# without one are sent to set it up (portal.mfa). On unless turned off (`make run`'s demo).
PORTAL_STAFF_MFA_REQUIRED = env_bool("PORTAL_STAFF_MFA_REQUIRED", True)

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Set where collectstatic runs (the Docker image); otherwise served from the packages.
STATIC_ROOT = env_str("STATIC_ROOT") or None
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Incident files and quarantined samples (under attachments/ in MEDIA_ROOT). Point this
    # alias at an object-storage backend to move them; nothing else changes.
    "attachments": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the installed packages, so no collectstatic step is
# needed for `make run` or the tests; the Docker image still collects.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")

REDIS_URL = env_url("REDIS_URL", None, ("redis", "rediss", "unix"))
# One cache for every worker: login lockouts, rate limits and API throttles are shared.
# The embedded default (no REDIS_URL) keeps rate limits and throttles in files under
# var/cache, which the processes of this machine share, and lockouts in its database.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# How many reverse proxies in front of the portal append to X-Forwarded-For (0: none, the
# client is REMOTE_ADDR and the header is ignored). Drives the client address of the login
# lockout, allauth's rate limits and the API throttles (portal.client.client_ip).
PORTAL_PROXY_COUNT = env_int("PORTAL_PROXY_COUNT", 0)
if PORTAL_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"PORTAL_PROXY_COUNT must be 0 or more; got {PORTAL_PROXY_COUNT}")
ALLAUTH_TRUSTED_PROXY_COUNT = PORTAL_PROXY_COUNT

# django-axes: after LOGIN_FAILURE_LIMIT failed attempts on one account, or from one client
# address, every way in refuses for LOGIN_LOCKOUT_MINUTES (login page, token endpoint, admin).
AXES_HANDLER = (
    "axes.handlers.cache.AxesCacheHandler"
    if REDIS_URL
    else "axes.handlers.database.AxesDatabaseHandler"  # a file cache cannot count atomically
)
AXES_DISABLE_ACCESS_LOG = True
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = env_float("LOGIN_LOCKOUT_MINUTES", 15.0, minimum=1.0) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "portal.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "portal.client.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
CELERY_QUEUE_DIR = str(VAR_DIR / "celery-queue")
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL", REDIS_URL or "filesystem://", ("redis", "rediss", "filesystem", "amqp")
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    Path(CELERY_QUEUE_DIR).mkdir(parents=True, exist_ok=True)
    Path(CELERY_QUEUE_DIR + "-processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": CELERY_QUEUE_DIR,
        "data_folder_out": CELERY_QUEUE_DIR,
        "processed_folder": CELERY_QUEUE_DIR + "-processed",
        "store_processed": False,
        "control_folder": str(VAR_DIR / "celery-control"),
    }
else:
    # Above the longest task, so a slow task is never handed to a second worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No task may outlive the broker's visibility timeout (3600 s): a stuck task is stopped
# (and its transaction rolled back) long before Redis would hand it to another worker.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
if not 0 < EMAIL_PORT < 65536:
    raise ImproperlyConfigured(f"EMAIL_PORT must be a port number (1-65535); got {EMAIL_PORT}")
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A stalled SMTP server must fail a send (retried with backoff), not hang the sender.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Support Portal <support@localhost>")
if "@" not in DEFAULT_FROM_EMAIL:
    raise ImproperlyConfigured(
        f"DEFAULT_FROM_EMAIL must be an e-mail address; got {DEFAULT_FROM_EMAIL!r}"
    )
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.tokens.ApiTokenAuthentication",
        # The session, once a second factor is done where one is required (portal.mfa).
        "portal.mfa.MfaSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only (nested values have no form encoding); uploads and the token
    # endpoint name their own parsers.
    "DEFAULT_PARSER_CLASSES": ["portal.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "portal.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "portal.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    # portal.throttling: per user, per client address when anonymous, strict on logging in.
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.throttling.UserThrottle",
        "portal.throttling.AnonymousThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("USER_THROTTLE_RATE", "1000/min"),
        "anon": env_str("ANON_THROTTLE_RATE", "100/min"),
        "login": env_str("LOGIN_THROTTLE_RATE", "10/min"),
    },
    "NUM_PROXIES": PORTAL_PROXY_COUNT,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = SCHEMA_SETTINGS

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Served over TLS (docs/deployment.md): every request is redirected to https, browsers are
# told to use nothing else (HSTS) and cookies travel only over TLS. Behind a proxy that
# terminates TLS, the proxy MUST set X-Forwarded-Proto (and strip the client's own): Django
# takes the request as secure when that header says https.
PORTAL_HTTPS = env_bool("PORTAL_HTTPS", False)
if PORTAL_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Secure cookies come with PORTAL_HTTPS; SESSION_COOKIE_SECURE=1 alone still asks for them
# (TLS handled entirely outside Django, without the redirect and HSTS).
SESSION_COOKIE_SECURE = PORTAL_HTTPS or env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Content-Security-Policy (django-csp): scripts, styles and everything else from this site
# only; no inline script, inline style or eval anywhere. A view needing more widens its own
# policy with csp.decorators, never this one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Browser features no page of the portal uses, refused to every page and anything it embeds.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), serial=(), hid=(), "
    "xr-spatial-tracking=()"
)

# The audit trail (portal/audit.py): who changed what, when, and from where. A user's
# entries name only the fields below: never the password hash or sign-in times.
_AUDITED = [
    "contracts.tier",
    "contracts.severitytarget",
    "contracts.calendarwindow",
    "contracts.holiday",
    "portal.membership",
    "tam.workinghours",
]
_USER_FIELDS = ["email", "full_name", "staff_role", "time_zone", "is_active", "is_superuser"]
_ORGANIZATION_UNAUDITED = ["created_at", "next_incident_number", "alert_feed_key"]  # a secret
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    *({"model": name} for name in _AUDITED),
    {"model": "contracts.contract", "exclude_fields": ["created_at"]},
    # The version counts changes already recorded on the windows and holidays (or the
    # calendar's own fields): it is no change of its own.
    {"model": "contracts.businesscalendar", "exclude_fields": ["version"]},
    {"model": "portal.organization", "exclude_fields": _ORGANIZATION_UNAUDITED},
    {"model": "portal.user", "include_fields": _USER_FIELDS},
    # Who made and who revoked a token (never its hash; its last use is no change).
    {"model": "portal.apitoken", "include_fields": ["user", "name", "prefix", "expires_at"]},
)
AUDITLOG_USE_FK_STRING_REPRESENTATION = True
AUDITLOG_DISABLE_ON_RAW_SAVE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own console handler (DEBUG only) would write every request warning, a 403's
    # traceback included, a second time: its records go to the root handler alone.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}

PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")
# Password-reset links are valid for hours, invitation links (portal.invitations) for days.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_HOURS", 3) * 3600
PORTAL_INVITATION_TIMEOUT = env_int("INVITATION_DAYS", 7) * 24 * 3600

# API tokens expire this many days after they are made (portal.tokens).
PORTAL_API_TOKEN_DAYS = env_int("PORTAL_API_TOKEN_DAYS", 90)
if PORTAL_API_TOKEN_DAYS < 1:
    raise ImproperlyConfigured(
        f"PORTAL_API_TOKEN_DAYS must be at least 1; got {PORTAL_API_TOKEN_DAYS}"
    )

# Largest attachment accepted, in bytes (default 25 MB).
PORTAL_MAX_UPLOAD_BYTES = env_int("PORTAL_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Files in one request (the attachment views take one; a few spare for the API).
DATA_UPLOAD_MAX_NUMBER_FILES = 5
# No view reads files unless it installs the bounded in-memory handler for its own request
# (portal/uploads.py): everywhere else a file part stops the body being read.
FILE_UPLOAD_HANDLERS = ["portal.uploads.RefuseFilesHandler"]
# Customers may close or reopen an incident this many days after its resolution.
PORTAL_REOPEN_DAYS = env_int("PORTAL_REOPEN_DAYS", 14)
# The desk refreshes its rows and counts this often, in seconds (tests shorten it).
DESK_POLL_SECONDS = env_float("DESK_POLL_SECONDS", 10.0, minimum=1.0)
