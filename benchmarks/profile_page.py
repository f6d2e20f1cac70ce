"""Where one page's time goes, signed in as its role: a tool for finding what to fix.

``python -m benchmarks.profile_page [--role member|secretariat|organiser] [--times N]
[--profile] [--header 'Accept-Encoding: gzip'] PATH...`` loads each page ``N`` times
in one process against the large demo (``benchmarks.large_data``;
``BENCH_LARGE_DATABASE_URL`` or its default) and prints, per page, the median wall
and CPU milliseconds of a request, the statements it ran and the milliseconds spent
waiting on them.
``--profile`` adds the 25 functions with the most cumulative time (cProfile).

Under load, ``2 × CPUs + 1`` workers share the CPUs with the database: a page's
p95 at 8 clients is roughly 8 × (CPU ms + database ms) / CPUs, so this
single-request cost, unlike a wall time taken beside other work, tells what a
change buys. The session is signed in through the real forms, as the benchmark does
(``benchmarks.sessions``), against a server started here for that only.
"""

import argparse
import cProfile
import gc
import pstats
import statistics
import threading
import time
from contextlib import contextmanager

import sqlalchemy as sa
from werkzeug.serving import make_server

from benchmarks import page_load
from benchmarks.large_data import app_for, large_database_url


@contextmanager
def _serving(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def _cookie(app, url: str, role: str | None) -> str:
    if role is None:
        return ""
    with sa.create_engine(url).connect() as connection:
        world = page_load.find_world(connection)
    with _serving(app) as base:
        return page_load.sign_in_everyone(base, url, world, {role})[role]


class _StatementClock:
    """Counts the statements run and the time spent waiting on them."""

    def __init__(self, engine):
        self.count, self.seconds, self._started = 0, 0.0, {}
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.seconds += time.perf_counter() - self._started.pop(id(cursor), time.perf_counter())


def profile(
    path: str, role: str | None, times: int, with_cprofile: bool, extra: dict[str, str]
) -> None:
    url = large_database_url()
    app = app_for(url)
    cookie = _cookie(app, url, role)
    from pact_tracker.extensions import db

    with app.app_context():
        clock = _StatementClock(db.engine)
    # The signed-in session travels in the Cookie header: a cookie jar, empty, would drop it.
    client = app.test_client(use_cookies=False)
    headers = ({"Cookie": cookie} if cookie else {}) | extra
    first = client.get(path, headers=headers)
    if first.status_code != 200:
        raise SystemExit(f"{path}: {first.status_code} {first.headers.get('Location', '')}")
    # As ``wsgi.py`` does: what start-up made is frozen, the collector never walks it.
    gc.collect()
    gc.freeze()
    walls, cpus, counts, waits = [], [], [], []
    profiler = cProfile.Profile() if with_cprofile else None
    for _ in range(times):
        clock.count, clock.seconds = 0, 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        response = client.get(path, headers=headers)
        response.get_data()  # a streamed body is read (from the database) as it is sent
        if profiler:
            profiler.disable()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        counts.append(clock.count)
        waits.append(clock.seconds * 1000)
    print(
        f"{path} [{role or 'public'}] {len(response.data):,} bytes: "
        f"wall {statistics.median(walls):.1f} ms, cpu {statistics.median(cpus):.1f} ms, "
        f"{statistics.median(counts):.0f} statements waited {statistics.median(waits):.1f} ms "
        f"(median of {times})"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--role", choices=("member", "secretariat", "organiser"))
    parser.add_argument("--times", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--header", action="append", default=[], help="'Name: value', sent with each request"
    )
    arguments = parser.parse_args()
    extra = dict(header.split(":", 1) for header in arguments.header)
    extra = {name.strip(): value.strip() for name, value in extra.items()}
    for path in arguments.paths:
        profile(path, arguments.role, arguments.times, arguments.profile, extra)


if __name__ == "__main__":
    main()
