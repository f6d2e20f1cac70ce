"""matplotlib is loaded only by the process that draws a chart (issue 14: lean processes)."""

import subprocess
import sys

#: Builds the app, serves a page, then draws a chart, printing whether matplotlib is loaded.
SCRIPT = """
import sys
from pact_tracker import create_app
from pact_tracker.events import charts

app = create_app({"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
with app.test_request_context():
    app.test_client().get("/healthz")
    print("after serving:", "matplotlib" in sys.modules)
    charts.bar_chart_svg([], axis_label="", percent=True, empty_text="none")
    print("after drawing:", "matplotlib" in sys.modules)
"""


def test_matplotlib_is_imported_only_where_a_chart_is_drawn():
    # A process of its own: this test session has imported matplotlib long ago.
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.splitlines() == ["after serving: False", "after drawing: True"]
