"""How the portal's organisation page scales with its members.

Runs the page for an organisation with 10 members (the baseline) and with 1,000, in the same process on a
throwaway test database, and prints the query counts and the time ratio. Queries must not grow; time may grow
with the rows rendered, roughly linearly and no worse.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def measure(client: Client, url: str, repeat: int = 5) -> tuple[float, int]:
    client.get(url)  # warm up templates and caches
    connection.queries_log.clear()  # a full log (9,000 entries) would hide new queries
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    query_count = len(queries.captured_queries)  # read now: later requests reset the log
    started = time.perf_counter()
    for _ in range(repeat):
        assert client.get(url).status_code == 200
    return (time.perf_counter() - started) / repeat, query_count


def main() -> None:
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    from tests.factories import MembershipFactory, OrganisationFactory

    organisation = OrganisationFactory()
    admin = MembershipFactory(organisation=organisation, is_admin=True).user
    MembershipFactory.create_batch(9, organisation=organisation)
    client = Client()
    client.force_login(admin)
    url = f"/fr/organisations/{organisation.code}/"
    base_time, base_queries = measure(client, url)
    MembershipFactory.create_batch(990, organisation=organisation)
    big_time, big_queries = measure(client, url)
    print(f"organisation page, 10 members:    {base_time * 1000:8.1f} ms, {base_queries} queries (baseline)")
    print(f"organisation page, 1,000 members: {big_time * 1000:8.1f} ms, {big_queries} queries")
    print(f"ratio: time x{big_time / base_time:.1f} for x100 members; queries {big_queries - base_queries:+d}")
    if big_queries != base_queries:
        sys.exit("the page's query count grows with its members")


if __name__ == "__main__":
    main()
