"""PORTAL_HTTPS=1, the one switch for a deployment behind TLS: Django's deployment checks
pass in that mode, and only in that mode."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The warnings PORTAL_HTTPS exists to clear: HSTS, SSL redirect, secure session/CSRF cookies.
HTTPS_WARNINGS = ("security.W004", "security.W008", "security.W012", "security.W016")


def check_deploy(**env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PORTAL_HTTPS", "SESSION_COOKIE_SECURE", "DJANGO_SETTINGS_MODULE"}
        and not k.startswith("SECURE_")
    }
    production = {
        "DEBUG": "0",
        # What a real deployment sets: a long random key and its own host name.
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portal.example.com",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, **production, **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_check_deploy_is_clean_with_portal_https():
    result = check_deploy(PORTAL_HTTPS="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout


def test_check_deploy_names_what_is_missing_without_portal_https():
    result = check_deploy(PORTAL_HTTPS="0")
    assert result.returncode != 0
    for warning in HTTPS_WARNINGS:
        assert warning in result.stderr, (warning, result.stderr)


def https_settings(**env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({name: getattr(s, name) for name in ("
        "'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'SECURE_HSTS_SECONDS', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE')}))"
    )
    base = {k: v for k, v in os.environ.items() if k not in {"PORTAL_HTTPS"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "portal.settings", "SECRET_KEY": "k", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_portal_https_trusts_the_proxys_forwarded_proto_and_secures_cookies():
    configured = https_settings(PORTAL_HTTPS="1")
    assert configured["SECURE_SSL_REDIRECT"] is True
    assert configured["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert configured["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert configured["SESSION_COOKIE_SECURE"] is configured["CSRF_COOKIE_SECURE"] is True


def test_without_portal_https_no_forwarded_header_is_trusted():
    configured = https_settings(PORTAL_HTTPS="0", SESSION_COOKIE_SECURE="0")
    # A client's own X-Forwarded-Proto must not make a plain-http request count as secure.
    assert configured["SECURE_PROXY_SSL_HEADER"] is None
    assert configured["SECURE_SSL_REDIRECT"] is False
    assert configured["SECURE_HSTS_SECONDS"] == 0
    assert configured["SESSION_COOKIE_SECURE"] is configured["CSRF_COOKIE_SECURE"] is False


def test_session_cookie_secure_alone_still_secures_the_cookies():
    configured = https_settings(PORTAL_HTTPS="0", SESSION_COOKIE_SECURE="1")
    assert configured["SESSION_COOKIE_SECURE"] is configured["CSRF_COOKIE_SECURE"] is True
    assert configured["SECURE_SSL_REDIRECT"] is False
