"""The output of the processes a test starts (workers, web servers), waited on as it comes."""

import subprocess
import threading


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

    def failures(self) -> list[str]:
        """Tracebacks, and failed ticks (``worker.run_job`` logs "Job <name> failed")."""
        return [
            line
            for line in self.lines
            if "Traceback" in line or " pact_tracker.worker Job " in line
        ]
