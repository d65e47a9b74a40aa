"""Django settings. Everything configurable comes from environment variables (see ``config``)."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from openaims.web import config

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules or os.environ.get("AIMS_TESTING") == "1"
if TESTING and "AIMS_DATA_DIR" not in os.environ:
    import tempfile

    os.environ["AIMS_DATA_DIR"] = tempfile.mkdtemp(prefix="aims-test-")
    os.environ.setdefault("AIMS_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")

SECRET_KEY = config.secret_key()
DEBUG = os.environ.get("AIMS_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("AIMS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
if TESTING:
    ALLOWED_HOSTS = ["*"]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("AIMS_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "openaims.base",
    "openaims.accounts",
    "openaims.inventory",
    "openaims.evidence",
    "openaims.governance",
    "openaims.controls",
    "openaims.risk",
    "openaims.impact",
    "openaims.monitoring",
    "openaims.audits",
    "openaims.management_review",
    "openaims.external_audit",
    "openaims.oversight.reviews",
    "openaims.oversight.transparency",
    "openaims.oversight.incidents",
    "openaims.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "openaims.base.middleware.RequestContextMiddleware",
    "openaims.base.middleware.ApiProblemMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "openaims.base.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "openaims.base.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "openaims.web.urls"
WSGI_APPLICATION = "openaims.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openaims.accounts.context.membership",
            ],
        },
    }
]

DATABASES = {"default": config.database_from_url(os.environ.get("DATABASE_URL") or config.default_database_url())}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING
    else ["django.contrib.auth.hashers.Argon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "email", "first_name", "last_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("AIMS_STATIC_ROOT", str(config.data_dir().parent / "static")))
# whitenoise warns at start-up when the directory is missing (before `aims init` collects static files).
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve app static files without a collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

AIMS_DATA_DIR = config.data_dir()
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("AIMS_MAX_BODY_BYTES", str(2 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# Uploads larger than that spill to a file: inside the data directory (swept of leftovers), not the system's /tmp.
FILE_UPLOAD_TEMP_DIR = str(AIMS_DATA_DIR / "tmp")
with contextlib.suppress(OSError):
    Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Sign-in throttle: after AIMS_LOGIN_MAX_FAILURES failures of one username from one address, that pair waits
# 2, 4, 8... seconds (at most AIMS_LOGIN_MAX_DELAY_SECONDS) between attempts; an address that failed for
# AIMS_LOGIN_ADDRESS_MAX_USERNAMES different usernames waits too. Failures older than the window are forgotten.
AIMS_LOGIN_MAX_FAILURES = int(os.environ.get("AIMS_LOGIN_MAX_FAILURES", "5"))
AIMS_LOGIN_WINDOW_SECONDS = int(os.environ.get("AIMS_LOGIN_WINDOW_SECONDS", "86400"))
AIMS_LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("AIMS_LOGIN_MAX_DELAY_SECONDS", "900"))
AIMS_LOGIN_ADDRESS_MAX_USERNAMES = int(os.environ.get("AIMS_LOGIN_ADDRESS_MAX_USERNAMES", "30"))
# The reverse proxies whose X-Forwarded-For names the client (addresses or networks); none by default.
AIMS_TRUSTED_PROXIES = config.trusted_proxies()
AIMS_PREDICTIONS_MAX_BYTES = int(os.environ.get("AIMS_PREDICTIONS_MAX_BYTES", str(50 * 1024 * 1024)))
# Hosts (names, addresses or CIDR networks) that outbound calls such as webhooks may reach although they resolve to
# loopback, private or other internal addresses (openaims.policy.outbound); none by default.
AIMS_OUTBOUND_ALLOW_HOSTS = [h.strip() for h in os.environ.get("AIMS_OUTBOUND_ALLOW_HOSTS", "").split(",") if h.strip()]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# AIMS_HTTPS=1 (served over TLS, usually by a proxy): secure cookies, the proxy's X-Forwarded-Proto trusted, and
# Strict-Transport-Security for a year, subdomains included.
_https = os.environ.get("AIMS_HTTPS", "0") == "1"
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = config.HSTS_SECONDS if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
if _https:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": os.environ.get("AIMS_LOG_LEVEL", "WARNING")}},
}

# Connections and file roots of monitoring data sources (README, "Connections and data sources"): connections are
# declared by the administrator (`aims connection add` writes AIMS_CONNECTIONS_FILE); AIMS_IMPORT_ROOTS is JSON,
# {"<organization slug>": ["/srv/logs/acme"]}, folders an organization may read besides AIMS_DATA_DIR/imports/<slug>.
AIMS_CONNECTIONS: list[dict] = []
AIMS_CONNECTIONS_FILE = os.environ.get("AIMS_CONNECTIONS_FILE") or str(AIMS_DATA_DIR / "connections.json")
AIMS_IMPORT_ROOTS = os.environ.get("AIMS_IMPORT_ROOTS", "")
# Signed checkpoints of the trail (aims trail checkpoint, the worker every 15 minutes), outside the database.
_trail_dir = AIMS_DATA_DIR / "trail"
AIMS_TRAIL_KEY_FILE = os.environ.get("AIMS_TRAIL_KEY_FILE") or str(_trail_dir / "checkpoint.key")
AIMS_TRAIL_CHECKPOINTS_FILE = os.environ.get("AIMS_TRAIL_CHECKPOINTS_FILE") or str(_trail_dir / "checkpoints.jsonl")
