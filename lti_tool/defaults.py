"""Default settings, committed. Never put secrets here: they come from the environment.

Every name below can be overridden by an environment variable of the same name, or by the
`overrides` mapping given to `create_app()` (tests).
"""

# production | development | test. Production refuses unsafe settings (see lti_tool/settings.py),
# so it is the default: forgetting to set APP_ENV never opens dynamic registration or allows
# the sandbox. `scripts/serve` sets development; the tests set test.
APP_ENV = "production"

# Empty means: an SQLite file under instance/ (the embedded default).
DATABASE_URL = ""

# Empty means: generated once into instance/secret_key (development only).
SECRET_KEY = ""

# Public base URL of the tool as platforms see it (scheme, host, port; no trailing slash).
LTI_TOOL_BASE_URL = "http://localhost:5000"

# Where the tool's private keys live (a relative path is taken from the current working directory).
LTI_KEYS_DIR = "keys"

# How long a previous key stays published in the JWKS after a rotation.
KEY_ROTATION_GRACE_HOURS = 72

# Lifetime of the signed launch token that carries a launch through links, forms and fetches.
LAUNCH_TOKEN_TTL_SECONDS = 8 * 3600

# Lifetime of a link ticket (the `lt` in a link, single use). Single use is what makes a ticket
# in a log worthless; the lifetime bounds one that leaks unused, and must outlast a user reading
# a long page in a browser that keeps no cookies (where the ticket is the only way on).
LINK_TICKET_TTL_SECONDS = 3600

# Lifetime of an OIDC login state (login -> platform -> launch).
LOGIN_STATE_TTL_SECONDS = 600

# Clock skew accepted on id_token exp/iat.
JWT_LEEWAY_SECONDS = 60

# How long a platform's JWKS is trusted before it is fetched again.
PLATFORM_JWKS_TTL_SECONDS = 3600

# Timeout for every outgoing HTTP call to a platform.
HTTP_TIMEOUT_SECONDS = 10

# Trust X-Forwarded-* headers from this many proxies (TLS terminated in front of the tool).
PROXY_FIX_HOPS = 0

# Who may register the tool by LTI Dynamic Registration at /lti/register:
#   open    any LMS that knows the URL (development and the sandbox)
#   invite  only with a one-time invitation link made in the admin console or with
#           `flask --app lti_tool registration invite` (the default in production)
#   off     never; admins register platforms in the console or on the command line
# Empty means: open, or invite in production.
DYNAMIC_REGISTRATION = ""

# How long an invitation link for dynamic registration stays valid.
REGISTRATION_INVITE_TTL_HOURS = 168

# Grade delivery (the outbox of scores to the LMS gradebook, lti_tool/grading/).
# Deliver from a thread inside the web process, woken after each score is saved: the
# single-machine default. Switch off when `flask --app lti_tool worker` processes run instead.
OUTBOX_INPROCESS_WORKER = True
# Score posts in flight at once per worker, and rows claimed per round.
OUTBOX_CONCURRENCY = 16
OUTBOX_BATCH_SIZE = 200
# Attempts before a score is marked failed (a facilitator or admin can retry it), and the
# exponential backoff between attempts (with jitter): base, doubling, capped.
OUTBOX_MAX_ATTEMPTS = 20
OUTBOX_BACKOFF_BASE_MS = 5000
OUTBOX_BACKOFF_CAP_SECONDS = 1800
# How long a worker owns the rows it claimed; a worker killed mid-delivery releases them when
# this runs out. Keep it well above HTTP_TIMEOUT_SECONDS.
OUTBOX_LEASE_SECONDS = 120

# How long the "See the work" link in a gradebook comment opens the student's work (read-only,
# that one artifact, audited on each open). Where the LMS offers Submission Review (Moodle),
# its gradebook opens the work by a launch instead, which never expires.
ARTIFACT_LINK_DAYS = 365

# Built-in sandbox LMS (local use and tests). Never enabled in production.
SANDBOX = False

# Where the sandbox LMS is reached. A different host name than LTI_TOOL_BASE_URL makes the tool's
# iframe cross-site, exactly as in a real LMS.
SANDBOX_BASE_URL = "http://127.0.0.1:5000"

LOG_LEVEL = "INFO"

# Platform URLs on loopback, private or link-local addresses are refused in production (the tool's
# server would call into its own network). Comma-separated host names or networks allowed anyway,
# e.g. "moodle.campus.local, 10.20.0.0/16" for an LMS on the campus network.
PLATFORM_URL_ALLOW_INTERNAL = ""

# Fernet keys (comma-separated, newest first) that encrypt platform access tokens at rest. The
# first encrypts; all decrypt, so a rotation puts the new key first and drops the old one once
# tokens made under it have expired (an hour). Empty means: a key derived from SECRET_KEY.
# Make one with:
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
TOKEN_ENCRYPTION_KEYS = ""

# How long a worker keeps its copy of a platform registration and deployment for login and
# launch. A change made in one worker is seen there at once; other workers see it within this
# many seconds (disabling a platform, deactivating a deployment). 0 turns the copies off.
REGISTRATION_CACHE_SECONDS = 30

# Database connections per worker process (PostgreSQL, in production or when set here;
# docs/database.md has the budget):
# 0 means one per request thread (GUNICORN_THREADS) plus one for the in-process outbox worker.
DB_POOL_SIZE = 0
# Extra connections a worker may open beyond DB_POOL_SIZE under a burst.
DB_MAX_OVERFLOW = 2
# Log lines: json (one JSON object a line, with request id, launch id, platform id; the default
# in production) or console (readable, coloured when a terminal; the default elsewhere). Empty
# means: that default. Secrets (launch tokens, passwords, access tokens) are redacted either way.
LOG_FORMAT = ""

# Bearer token that /metrics (Prometheus) asks for: `Authorization: Bearer <token>`. Empty means:
# /metrics answers 404 in production and is open in development and test. Set it in production,
# or keep /metrics unreachable from outside at the proxy.
METRICS_TOKEN = ""

# Scheduled jobs (lti_tool/jobs/), run by `flask --app lti_tool worker` and by the in-process
# worker. Each due time runs once however many workers there are.
JOB_SCHEDULER = True
# How often dated phases are applied (a phase whose day has come moves without a page visit).
JOB_PHASES_INTERVAL_SECONDS = 300
# Roster refresh before allocation: every interval, courses with an allocation (e.g. feedback
# reviewers) due within the lookahead get their roster synced unless synced within the max age.
JOB_ROSTER_INTERVAL_SECONDS = 3600
JOB_ROSTER_LOOKAHEAD_HOURS = 24
JOB_ROSTER_MAX_AGE_HOURS = 12
# Expired nonces, invitation markers, link tickets, launch and console sessions, access tokens.
JOB_CLEANUP_INTERVAL_SECONDS = 3600
# Platform notices (LTI PNS): how often stored notices are processed and our notice handler is
# registered where a launch named a notification service. Short: a copied course's set-up page
# reads what a copy notice said.
JOB_NOTICES_INTERVAL_SECONDS = 30
# How often the platforms' course retention rules run (privacy/retention.py); a rule only
# reports until an admin arms it.
JOB_RETENTION_INTERVAL_SECONDS = 86400

# Reminder e-mail (issue 16). An empty SMTP_HOST switches e-mail off: nothing is sent, and the
# tool neither asks the platform for the `email` claim nor keeps an address (data minimisation,
# issue 18). SMTP_TLS: none | starttls | tls (implicit, e.g. port 465).
SMTP_HOST = ""
SMTP_PORT = 587
SMTP_TLS = "starttls"
SMTP_USERNAME = ""
SMTP_PASSWORD = ""
MAIL_FROM = "Coproduce <no-reply@localhost>"
# How often the reminders job looks for due events, and how far ahead "due soon" looks.
JOB_REMINDERS_INTERVAL_SECONDS = 3600
REMINDER_DUE_SOON_HOURS = 48
# /readyz fails when no `flask worker` has beaten for this long (checked only when
# OUTBOX_INPROCESS_WORKER is off, i.e. separate worker processes are expected). 0: not checked.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = 120
# Kinds of activity beyond the built-in three, as comma-separated entry points
# "package.module:ATTRIBUTE", each an lti_tool.activities.kinds.ActivityKind (see
# docs/architecture.md, "The kind contract"). Empty: goal setting, rubric co-creation and
# feedback rounds only.
EXTRA_ACTIVITY_KINDS = ""
# Where uploaded files are kept (lti_tool/storage/):
#   database    the stored_files table; every machine sharing the database shares the files
#   filesystem  the folder UPLOAD_DIR: one machine, or several on a shared mounted volume
# `flask --app lti_tool storage migrate` copies files from the folder into the database.
UPLOAD_STORE = "database"
# The folder of the filesystem store. Empty means INSTANCE_PATH/feedback_uploads.
UPLOAD_DIR = ""
# Where the tool's private signing keys are kept: "database" (the default: every machine sharing
# the database shares them, encrypted with KEY_ENCRYPTION_KEYS) or "directory" (PEM files in
# LTI_KEYS_DIR, e.g. a mounted secret volume). See docs/keys.md.
KEY_STORE = "database"

# Fernet keys (comma-separated, newest first, same format as TOKEN_ENCRYPTION_KEYS) that encrypt
# the private signing keys in the database. Required in production with KEY_STORE = "database";
# empty in development and tests means: a key derived from SECRET_KEY.
KEY_ENCRYPTION_KEYS = ""
