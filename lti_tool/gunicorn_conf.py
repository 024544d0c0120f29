"""gunicorn settings Coproduce ships, inside the package so an installed wheel has them:

    gunicorn -c python:lti_tool.gunicorn_conf 'lti_tool:create_app()'

The access log goes through lti_tool.logs.RedactingGunicornLogger, so no session token or link
ticket can appear in it whatever the format (tests/test_shipped_servers.py reads a real one).
Settings given on the command line or in GUNICORN_CMD_ARGS override these.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
logger_class = "lti_tool.logs.RedactingGunicornLogger"
# gunicorn's default format, without the referrer (our pages send none: Referrer-Policy).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(a)s" %(L)s'
# Behind a TLS proxy, also set PROXY_FIX_HOPS for the tool (README, "Running in production").
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
