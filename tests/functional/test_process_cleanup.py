"""No process a test starts outlives the run.

``process_log.start_process`` starts each in a session of its own;
``stop_process`` ends it and everything it started, whatever the path; and a
run that leaves one alive fails, naming it (``pytest_sessionfinish`` in
``tests/conftest.py``), after killing it.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from process_log import STARTED, ProcessLog, start_process, stop_process, strays

TESTS = Path(__file__).resolve().parents[1]

#: A parent that ignores SIGTERM and leaves a child behind, like a worker that forked.
STUBBORN = """
import signal, subprocess, sys
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(child.pid, flush=True)
signal.pause()
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def test_stop_process_ends_a_stubborn_process_and_the_child_it_left():
    process = start_process(
        [sys.executable, "-c", STUBBORN], "stubborn", stdout=subprocess.PIPE, text=True
    )
    child = int(process.stdout.readline())
    assert _alive(child)

    status = stop_process(process, timeout=2)
    process.stdout.close()

    assert status == -9  # SIGTERM ignored: killed
    assert not _alive(process.pid) and not _alive(child)
    assert not [line for line in strays() if "stubborn" in line]


def test_a_child_left_by_a_process_that_exited_is_found_and_ended():
    process = start_process(
        [sys.executable, "-c", "import subprocess, sys; print(subprocess.Popen(['sleep', '600'])"
         ".pid, flush=True)"],
        "orphaning",
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    orphan = int(process.stdout.readline())
    process.wait(20)
    process.stdout.close()
    assert _alive(orphan)
    assert [line for line in strays() if f"pid {orphan} " in line]

    assert stop_process(process) == 0

    assert not _alive(orphan)


def test_a_run_that_leaves_a_process_alive_fails_and_names_it(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    pid_file = tmp_path / "pid"
    (tmp_path / "test_leaky.py").write_text(
        textwrap.dedent(
            f"""
            from process_log import start_process

            def test_forgets_its_process():
                process = start_process(["sleep", "600"], "forgotten sleeper")
                open({str(pid_file)!r}, "w").write(str(process.pid))
            """
        )
    )
    log = ProcessLog()
    run = start_process(
        [sys.executable, "-m", "pytest", "-p", "process_log", "-p", "no:cacheprovider",
         "-c", str(tmp_path / "pytest.ini"), str(tmp_path / "test_leaky.py")],
        "inner pytest",
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(TESTS)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    reader = log.follow(run, "inner")
    try:
        status = run.wait(120)
    finally:
        stop_process(run)
        reader.join(20)
        run.stdout.close()

    output = "\n".join(log.lines)
    assert status == 1, output
    assert "1 passed" in output
    assert "processes left running" in output and "forgotten sleeper" in output
    assert "sleep 600" in output
    assert not _alive(int(pid_file.read_text()))


def test_a_killed_run_takes_the_processes_its_tests_started_with_it(tmp_path):
    """A CI timeout or a kill -9 of pytest runs no teardown: the processes die with it anyway."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    pid_file = tmp_path / "pid"
    (tmp_path / "test_killed.py").write_text(
        textwrap.dedent(
            f"""
            import threading
            from process_log import start_process

            def test_is_killed_while_its_process_runs():
                process = start_process(["sleep", "600"], "sleeper of a killed run")
                open({str(pid_file)!r}, "w").write(str(process.pid))
                threading.Event().wait()
            """
        )
    )
    run = start_process(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c",
         str(tmp_path / "pytest.ini"), str(tmp_path / "test_killed.py")],
        "pytest to kill",
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(TESTS)},
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        sleeper = _wait_for(lambda: pid_file.exists() and pid_file.read_text(), 60)
        assert _alive(int(sleeper))
    finally:
        stop_process(run, first=signal.SIGKILL)

    assert _wait_for(lambda: not _alive(int(sleeper)), 20), "the sleeper outlived its pytest"


def _wait_for(condition, timeout: float):
    """``condition()``'s first true value, polled until ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            return value
        time.sleep(0.05)
    return value


def test_every_process_started_here_was_registered():
    names = {started.name for started in STARTED}
    assert {"stubborn", "orphaning", "inner pytest"} <= names
