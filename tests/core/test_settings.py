import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _run_production(command: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "BPL_"))
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings.production")
    return subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


COMPLETE_ENV = {
    "DJANGO_SECRET_KEY": "p" * 20 + "-production-secret-for-the-test-0123456789",
    "DJANGO_ALLOWED_HOSTS": "funding.example.org",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://funding:secret@mail.example.org:587",
    "BPL_FRBRTC_IBAN": "BE68539007547034",
}


def test_production_settings_pass_the_deploy_check_when_the_environment_is_complete():
    result = _run_production(["check", "--deploy", "--fail-level", "WARNING"], **COMPLETE_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**COMPLETE_ENV, "DJANGO_SECRET_KEY": ""}
    result = _run_production(["check"], **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_mail_server():
    result = _run_production(["check"], **{**COMPLETE_ENV, "EMAIL_URL": "filemail://"})
    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr


def test_production_refuses_to_start_without_the_funds_account():
    result = _run_production(["check"], **{**COMPLETE_ENV, "BPL_FRBRTC_IBAN": ""})
    assert result.returncode != 0
    assert "BPL_FRBRTC_IBAN" in result.stderr


def test_production_warns_when_staff_two_factor_is_switched_off():
    result = _run_production(
        ["check", "--deploy", "--fail-level", "WARNING"], **COMPLETE_ENV, BPL_STAFF_OTP_REQUIRED="false"
    )
    assert result.returncode != 0
    assert "core.W001" in result.stderr


def test_without_a_broker_tasks_run_eagerly_and_the_database_follows_database_url():
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite3"
    assert settings.DATABASES["default"]["ENGINE"].endswith(expected)
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is False
