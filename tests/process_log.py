"""The processes a test starts (workers, web servers, sinks): started, followed, stopped.

``start_process`` starts each in a session of its own and registers it;
``stop_process`` ends it and everything it started, and waits; ``strays`` lists
what is still alive, which fails the run (``tests/conftest.py``). ``ProcessLog``
reads their output, waited on as it comes.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass


class ProcessLog:
    """The lines written by one or more processes, waited on as they come."""

    def __init__(self):
        self.lines: list[str] = []
        self.changed = threading.Condition()

    def follow(self, process: subprocess.Popen, name: str) -> threading.Thread:
        """Read ``process``'s output into the log (a pipe nobody reads would block it)."""

        def read():
            for line in process.stdout:
                self.add(f"[{name} {process.pid}] {line.rstrip()}")
            self.add(f"[{name} {process.pid}] <exited>")

        reader = threading.Thread(target=read, name=f"log-{name}", daemon=True)
        reader.start()
        return reader

    def add(self, line: str) -> None:
        with self.changed:
            self.lines.append(line)
            self.changed.notify_all()

    def wait_line(self, text: str, timeout: float = 120) -> str:
        """The first line containing ``text``, once one was written."""

        def found():
            return next((line for line in self.lines if text in line), None)

        with self.changed:
            assert self.changed.wait_for(found, timeout), (
                f"no process wrote {text!r}; the log ends:\n" + "\n".join(self.lines[-40:])
            )
            return found()

    def wait_lines(self, text: str, count: int, timeout: float = 120) -> list[str]:
        """The lines containing ``text``, once there are ``count`` of them."""

        def found():
            return [line for line in self.lines if text in line]

        with self.changed:
            assert self.changed.wait_for(lambda: len(found()) >= count, timeout), (
                f"fewer than {count} lines with {text!r}; the log ends:\n"
                + "\n".join(self.lines[-40:])
            )
            return found()

    def failures(self) -> list[str]:
        """Tracebacks, and failed ticks (``worker.run_job`` logs "Job <name> failed")."""
        return [
            line
            for line in self.lines
            if "Traceback" in line or " pact_tracker.worker Job " in line
        ]


# Every process a test starts goes through start_process(): in a session of its own,
# registered, so that stop_process() ends it and all it started, on every path, and the
# end of the run can check that none is left (tests/conftest.py, pytest_sessionfinish).

#: Linux's prctl(PR_SET_PDEATHSIG): the process is killed when the thread that started it ends.
_PR_SET_PDEATHSIG = 1
#: Runs before the real command: tied to this run's life (a SIGKILLed or timed-out pytest
#: leaves nothing behind), then replaced by the command (the setting survives exec).
_LAUNCHER = """
import ctypes, os, signal, sys
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
if os.getppid() != int(sys.argv[1]):
    sys.exit("pytest ended before this process started")
os.execvp(sys.argv[2], sys.argv[2:])
"""


@dataclass(frozen=True)
class Started:
    """A process a test started: the leader of its own session, as /proc knew it then."""

    pid: int
    name: str
    #: Its start time in clock ticks since boot: a later process reusing the pid is not it.
    start_ticks: int
    command: str


#: Every process started (or adopted) during this run, in order.
STARTED: list[Started] = []


def start_process(args: list[str], name: str, **popen_kwargs) -> subprocess.Popen:
    """``subprocess.Popen(args)`` in a session of its own, registered for the end-of-run check.

    Started from the main thread, the process is also killed if pytest dies
    (``PR_SET_PDEATHSIG``; from another thread it would die with that thread).
    Stop it with :func:`stop_process`.
    """
    command = list(args)
    if sys.platform == "linux" and threading.current_thread() is threading.main_thread():
        command = [sys.executable, "-c", _LAUNCHER, str(os.getpid()), *command]
    process = subprocess.Popen(command, start_new_session=True, **popen_kwargs)
    adopt(process.pid, name, " ".join(map(str, args)))
    return process


def adopt(pid: int, name: str, command: str = "") -> None:
    """Register a process a test started otherwise (a daemon such as PostgreSQL's postmaster).

    It must lead a session of its own, which is what the end of the run checks.
    """
    assert os.getsid(pid) == pid, f"{name} (pid {pid}) does not lead a session of its own"
    stat = _stat(pid)
    STARTED.append(Started(pid, name, stat.start_ticks if stat else -1, command or name))


def stop_process(
    process: subprocess.Popen, timeout: float = 20, first: int = signal.SIGTERM
) -> int:
    """``first`` (SIGTERM), then SIGKILL after ``timeout`` seconds; all its session's too.

    Waits until the process and all it started have gone; returns its exit status.
    """
    if process.poll() is None:
        _signal(process.pid, first)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal(process.pid, signal.SIGKILL)
            process.wait(timeout)
    end_session(process.pid, timeout)
    return process.returncode


def end_session(sid: int, timeout: float = 20) -> None:
    """SIGKILL whatever is left of session ``sid`` (children the leader left behind)."""
    deadline = time.monotonic() + timeout
    while members := _living_members(sid):
        for stat in members:
            _signal(stat.pid, signal.SIGKILL, group=False)
        assert time.monotonic() < deadline, f"session {sid} would not end: {members}"
        time.sleep(0.05)  # reaped by their parents or by init: poll /proc again


def strays() -> list[str]:
    """The processes started during the run (or started by them) that are still alive."""
    left = []
    for started in STARTED:
        for stat in _living_members(started.pid, started.start_ticks):
            left.append(
                f"{started.name} [{started.command}] (session {started.pid}): "
                f"pid {stat.pid} {' '.join(stat.command.split())[:120]}"
            )
    return left


def end_strays() -> None:
    for started in STARTED:
        if _living_members(started.pid, started.start_ticks):
            end_session(started.pid)


def _signal(pid: int, number: int, *, group: bool = True) -> None:
    try:
        if group:
            os.killpg(pid, number)
        else:
            os.kill(pid, number)
    except ProcessLookupError:
        pass  # gone already


@dataclass(frozen=True)
class _Stat:
    pid: int
    state: str
    session: int
    start_ticks: int
    command: str


def _stat(pid: int) -> "_Stat | None":
    """The fields of /proc/<pid>/stat this module needs (proc(5)); None if it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            text = file.read()
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            command = file.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name is in parentheses and may hold spaces: the fields follow the last ")".
    fields = text[text.rindex(")") + 2 :].split()
    return _Stat(pid, fields[0], int(fields[3]), int(fields[19]), command[:200])


def _living_members(sid: int, leader_ticks: int | None = None) -> list[_Stat]:
    """Processes of session ``sid`` that are alive (zombies are dead: not counted).

    ``leader_ticks``: if a process now holds the pid ``sid`` with another start
    time, the pid was reused by a session that is not ours.
    """
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _stat(int(entry))
        if stat is None or stat.session != sid or stat.state in ("Z", "X"):
            continue
        if stat.pid == sid and leader_ticks is not None and stat.start_ticks != leader_ticks:
            return []
        members.append(stat)
    return members


# The end-of-run check, as pytest hooks (imported by tests/conftest.py).

_STRAYS = []


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if a process a test started is still alive; end it so it disturbs nothing."""
    _STRAYS[:] = strays()
    if _STRAYS:
        end_strays()
        session.exitstatus = 1  # pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _STRAYS:
        terminalreporter.section("processes left running", sep="=", red=True, bold=True)
        terminalreporter.line(
            "These processes, started by tests, were still alive at the end of the run "
            "(now killed): stop each one on every path (process_log.stop_process in a finally)."
        )
        for line in _STRAYS:
            terminalreporter.line(f"  {line}")
