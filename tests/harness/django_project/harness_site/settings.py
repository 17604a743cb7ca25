"""Settings for a throwaway django-helpdesk 2.6.1 test instance (loopback only, never production).

Environment:
  HARNESS_DJANGO_DB  (required) path of the SQLite database; MEDIA_ROOT is a `media` folder next to it.
  HARNESS_URLCONF    `urls_plain` (default): upstream helpdesk; `urls_fork`: plus the dolthub fork's
                     agent-session endpoints (agent_sessions app).
"""
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_db = os.environ.get("HARNESS_DJANGO_DB")
if not _db:
    raise ImproperlyConfigured("HARNESS_DJANGO_DB must be set to the SQLite database path")
DB_PATH = Path(_db).resolve()

_urlconf = os.environ.get("HARNESS_URLCONF", "urls_plain")
if _urlconf not in ("urls_plain", "urls_fork"):
    raise ImproperlyConfigured(f"HARNESS_URLCONF must be urls_plain or urls_fork, not {_urlconf!r}")
ROOT_URLCONF = f"harness_site.{_urlconf}"

SECRET_KEY = "harness-test-only-secret-key-not-for-production-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
    "agent_sessions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "harness_site.wsgi.application"
SITE_ID = 1

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DB_PATH),
        "OPTIONS": {"timeout": 20},
    }
}

# Test only: Django's default PBKDF2 costs ~0.4 s per Basic-auth request.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = []

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "/static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = str(DB_PATH.parent / "media")

LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:home"

EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@localhost"

HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_API_ENABLED = True
HELPDESK_KB_ENABLED = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
}
