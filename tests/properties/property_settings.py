"""The hypothesis settings every property test uses: reproducible, and within the time budget.

``derandomize`` makes each run draw the same examples (CI fails or passes the
same way twice); no example database is kept between runs; fixtures are
function-scoped on purpose (each example cleans up after itself through
``example_scope``), so that health check is off. The explain phase is left
out: after a failure it re-runs the test hundreds of times (over a minute) to
comment the report.
"""

from hypothesis import HealthCheck, Phase, settings


def property_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
