"""A real Celery worker process, a real Redis broker, a task that reaches the database."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _database_url_for_the_worker(tmp_path: Path) -> str:
    data = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{data['USER']}@{data['HOST'] or '127.0.0.1'}:{data['PORT'] or 5432}/{data['NAME']}"
    return f"sqlite:///{tmp_path / 'worker.sqlite3'}"


def test_a_worker_runs_a_task_sent_through_redis(require_redis, tmp_path):
    queue = f"bpl-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "CELERY_BROKER_URL": require_redis,
        "CELERY_RESULT_BACKEND": require_redis,
        "DATABASE_URL": _database_url_for_the_worker(tmp_path),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    sender = Celery("bpl-test-sender", broker=require_redis, backend=require_redis)
    try:
        result = sender.send_task("core.ping", args=["hello"], queue=queue)
        outcome = result.get(timeout=90)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert outcome == {"echo": "hello", "db": connection.vendor, "ok": True}, output
    assert result.status == "SUCCESS"
