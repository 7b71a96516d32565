"""Settings shared by every environment; every value can come from the environment.

The embedded defaults (SQLite, eager Celery, console e-mail) make a laptop demo work
with no services; production sets DATABASE_URL, CELERY_BROKER_URL and friends.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from lms.logging import logging_config, sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me")
# Earlier secret keys, still accepted for sessions, signed links and (in
# development) the certificate signing keys, while a rotation settles.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Project apps first: their templates and translations take precedence.
    "lms",
    "accounts",
    "competencies",
    "courses",
    "assessments",
    "certificates",
    "cohorts",
    "competitions",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    # wagtail.users, with user forms for Sala's user model (no username).
    "accounts.apps.WagtailUsersConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # First, so every log line of the request, the other middleware's included,
    # carries its id (lms.logging).
    "lms.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lms.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.AllauthLoginMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

# No avatars fetched from gravatar.com: it would tell a third party who uses the
# admin, and the Content-Security-Policy allows images from Sala only.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Content-Security-Policy (lms/csp.py): on everywhere; report-only to try a change.
SALA_CSP = env.bool("SALA_CSP", default=True)
SALA_CSP_REPORT_ONLY = env.bool("SALA_CSP_REPORT_ONLY", default=False)
# Hosts whose players lesson videos embed (EmbedBlock).
SALA_CSP_FRAME_SRC = env.list(
    "SALA_CSP_FRAME_SRC",
    default=[
        "https://www.youtube-nocookie.com",
        "https://www.youtube.com",
        "https://player.vimeo.com",
    ],
)

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default queues concurrent writers instead of failing with
    # "database is locked": WAL lets readers and the one writer work at once;
    # IMMEDIATE takes the write lock when a transaction begins, so two submits
    # wait their turn (a read-then-write transaction cannot wait: SQLite fails
    # it at once, whatever the timeout); the timeout is how long one waits.
    # synchronous=NORMAL is what WAL is meant to run with (commits stay durable
    # against a crash of the process). WAL needs a local disk, not NFS.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Redis down must not take the site down: lms.cache misses instead of raising
    # (short timeouts, one log line), and the site runs on the database meanwhile.
    CACHES["default"]["BACKEND"] = "lms.cache.FailSoftRedisCache"
# Sessions live in the database only, not in the cache ("cached_db"): with Redis
# down, logins last; and a session changed while Redis was down (a logout) cannot
# come back from a stale cached copy once Redis returns. One indexed read a request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {
        "NAME": f"{_VALIDATORS}.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: e-mail is the identity; verification is mandatory.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupProfileForm"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Sala] "
ACCOUNT_RATE_LIMITS = env.dict("ACCOUNT_RATE_LIMITS", default={})
ACCOUNT_EMAIL_NOTIFICATIONS = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Sala"

# Languages: Khmer first and default; every URL carries its language prefix.
LANGUAGE_CODE = "km"
LANGUAGES = [("km", _("Khmer")), ("en", _("English"))]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# vendor_locale holds Khmer for the allauth pages, which ship no Khmer catalogue.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "vendor_locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", default="Asia/Phnom_Penh")

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Private media (certificate PDFs, exports, documents) leave only through a view
# that checks access (lms/media.py). Behind nginx (deploy/nginx/sala.conf) that
# view answers with X-Accel-Redirect to this internal location and nginx sends
# the file; empty (runserver, the embedded default): the view streams it.
SALA_MEDIA_ACCEL_REDIRECT = env("SALA_MEDIA_ACCEL_REDIRECT", default="")
# Lesson documents (Wagtail's document view) take the same path.
SENDFILE_BACKEND = "lms.media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Media on S3-compatible storage (AWS, MinIO, Ceph…), so that every server sees
# the same files: one private bucket, private files streamed by their views,
# renditions linked with signed URLs (lms/storage.py; README, Production). Static
# files stay on the disk, served by nginx or WhiteNoise.
SALA_S3_BUCKET = env("SALA_S3_BUCKET", default="") or env(
    "AWS_STORAGE_BUCKET_NAME", default=""
)
if SALA_S3_BUCKET:
    from lms.storage import s3_storage

    STORAGES["default"] = s3_storage(
        bucket=SALA_S3_BUCKET,
        endpoint_url=env("SALA_S3_ENDPOINT_URL", default=""),
        region=env("SALA_S3_REGION", default=""),
        access_key=env("SALA_S3_ACCESS_KEY_ID", default=""),
        secret_key=env("SALA_S3_SECRET_ACCESS_KEY", default=""),
        prefix=env("SALA_S3_PREFIX", default=""),
        url_expire=env.int("SALA_S3_URL_EXPIRE", default=300),
        addressing_style=env("SALA_S3_ADDRESSING_STYLE", default=""),
    )
# Lesson documents go through Wagtail's view (its privacy checks, then
# SENDFILE_BACKEND or a stream), never a redirect to the storage's URL, which
# would be a bearer link to the file for as long as it is valid.
WAGTAILDOCS_SERVE_METHOD = "serve_view"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP server may take to answer before sending gives up (and the
# certificate e-mail task retries later): a hanging server never holds a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Sala <noreply@sala.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: without a broker, tasks run eagerly in the calling process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker process dies (killed, out of memory) goes back to the queue
# instead of being recorded as failed: every task is safe to run twice.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands a message that no worker acknowledged within the visibility timeout
# to another worker: it must outlast the longest task (counted from the moment a
# worker reserves it), or a slow task runs twice at once. Certificate work runs
# in steps of at most 25 certificates (under a minute: about 1-2 s each) and a
# ZIP export only reads stored PDFs; the longest are cohort imports and
# invitation batches at their size limits, minutes (a hanging SMTP server stops
# a batch at its first EMAIL_TIMEOUT). One hour leaves a wide margin; what a
# dead worker held comes back after it, and sooner through the sweepers
# (lms.durable, certificates.services.sweep).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # A request that queues a task while the broker is unreachable gives up
    # within seconds (the task stays recorded for the sweeper), not minutes.
    "socket_connect_timeout": 2,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# The worker waits for the broker at start and reconnects, forever, when it
# comes back after an outage.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Tasks that must run (lms.durable) are sent again by its sweeper when still
# pending this many seconds after their last send, at most MAX_SENDS times; one
# never sent (the broker was down) waits for the broker however long it takes.
CELERY_DURABLE_RESEND_AFTER = env.int("CELERY_DURABLE_RESEND_AFTER", default=600)
CELERY_DURABLE_MAX_SENDS = env.int("CELERY_DURABLE_MAX_SENDS", default=10)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Attempts are also closed by a task queued for their deadline; this sweep
    # catches any whose task was lost.
    "close-overdue-attempts": {
        "task": "assessments.tasks.attempts_close_overdue",
        "schedule": 60.0,
    },
    "close-overdue-sittings": {
        "task": "competitions.tasks.sittings_close_overdue",
        "schedule": 60.0,
    },
    # Results published at a time set in advance: recorded and announced (the
    # certificates follow) within a minute of that time.
    "publish-due-results": {
        "task": "competitions.tasks.contests_results_publish_due",
        "schedule": 60.0,
    },
    # Required training: learners due within 7 days or overdue, every morning;
    # trainers' digest on Monday mornings. Both are safe to run twice.
    "cohorts-reminders": {
        "task": "cohorts.tasks.reminders_send",
        "schedule": crontab(hour=8, minute=0),
    },
    "cohorts-trainer-digest": {
        "task": "cohorts.tasks.trainer_digests_send",
        "schedule": crontab(hour=7, minute=30, day_of_week=1),
    },
    # Tasks recorded with their cause but not done (never sent, or lost with a
    # worker) are sent again; lms.durable.
    "durable-tasks-sweep": {
        "task": "lms.tasks.durable_tasks_sweep",
        "schedule": 60.0,
    },
}
# My learning shows the learner's required training (cohorts) above the courses.
COURSES_MY_LEARNING_TEMPLATE = "cohorts/my_learning.html"

# Certificates: the public address printed in QR codes and credentials; the
# key-encryption key of the signing keys; requests per minute and client
# address on the public verification pages and API.
CERTIFICATES_SITE_URL = env(
    "CERTIFICATES_SITE_URL",
    default=env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000"),
)
# The key-encryption key (KEK) that encrypts the signing keys stored in the
# database: a secret of its own, so that rotating DJANGO_SECRET_KEY leaves them
# readable (required in production). CERTIFICATES_KEY_PASSPHRASE is its former
# name. Empty, keys are encrypted with SECRET_KEY (a laptop, the tests). Earlier
# KEKs stay in the fallbacks until `manage.py rotate_key_encryption` has run.
CERTIFICATES_KEK = env(
    "CERTIFICATES_KEK", default=env("CERTIFICATES_KEY_PASSPHRASE", default="")
)
CERTIFICATES_KEK_FALLBACKS = env.list("CERTIFICATES_KEK_FALLBACKS", default=[])
# The organisation that signs credentials, named in its issuer Profile
# (<site>/issuer); each template still states its own issuer on the certificate.
CERTIFICATES_ISSUER_NAME_EN = env("CERTIFICATES_ISSUER_NAME_EN", default="Sala")
CERTIFICATES_ISSUER_NAME_KM = env("CERTIFICATES_ISSUER_NAME_KM", default="សាលា")
CERTIFICATES_VERIFY_RATE_LIMIT = env.int("CERTIFICATES_VERIFY_RATE_LIMIT", default=30)
# Reverse proxies in front of the site that set X-Forwarded-For (0: none).
CERTIFICATES_TRUSTED_PROXY_COUNT = env.int(
    "CERTIFICATES_TRUSTED_PROXY_COUNT", default=0
)
# allauth's login and sign-up limits count per client address too: the same
# proxies, or every learner behind nginx would share one budget (30 logins/min).
ALLAUTH_TRUSTED_PROXY_COUNT = CERTIFICATES_TRUSTED_PROXY_COUNT
CERTIFICATES_EXPIRY_REMINDER_DAYS = env.int(
    "CERTIFICATES_EXPIRY_REMINDER_DAYS", default=30
)
CELERY_BEAT_SCHEDULE["certificates-expire"] = {
    "task": "certificates.tasks.certificates_expire",
    "schedule": 24 * 3600.0,
}
CELERY_BEAT_SCHEDULE["certificates-expiry-reminders"] = {
    "task": "certificates.tasks.certificate_expiry_reminders_send",
    "schedule": 24 * 3600.0,
}
# Certificate jobs that stopped making progress are resumed, or failed with the
# reason.
CELERY_BEAT_SCHEDULE["certificates-jobs-sweep"] = {
    "task": "certificates.tasks.certificate_jobs_sweep",
    "schedule": 60.0,
}

# Health (lms/health.py): beat sends a heartbeat task every minute; /readyz
# reports the worker down when the last one a worker ran is older than this, and
# the backlog down when a durable task has been pending longer than that.
CELERY_BEAT_SCHEDULE["lms-heartbeat"] = {
    "task": "lms.tasks.heartbeat",
    "schedule": 60.0,
    # A heartbeat that waited out a broker outage proves nothing: dropped.
    "options": {"expires": 60},
}
SALA_HEARTBEAT_MAX_AGE = env.int("SALA_HEARTBEAT_MAX_AGE", default=300)
SALA_BACKLOG_MAX_AGE = env.int("SALA_BACKLOG_MAX_AGE", default=900)

WAGTAIL_SITE_NAME = "Sala"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Passwords and e-mail addresses are managed on the allauth pages, which verify
# addresses and send notifications.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
# Wagtail queues search-index updates as Django tasks; run them in-process.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

SITE_ID = 1

# Logs go to stderr (journald keeps them under systemd), each line with its
# request's id; LOG_FORMAT=json writes one JSON object per line (production's
# default). Errors also go to Sentry when SENTRY_DSN is set (lms/logging.py).
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_LEVEL = env("LOG_LEVEL", default="WARNING")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
# The worker and beat keep these handlers (and so the JSON lines) instead of
# Celery's own; their --loglevel still applies.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
