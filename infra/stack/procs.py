"""Start servers in their own session, record their PID, stop them by that PID only."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from infra.settings import PRIVATE_UMASK
from infra.stack.model import StackError


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def start_time(pid: int) -> str | None:
    """Kernel start time of a process (clock ticks since boot): tells a reused PID from ours."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _recorded_start(pid_file: Path) -> str | None:
    try:
        lines = pid_file.read_text().strip().splitlines()
    except OSError:
        return None
    return lines[1] if len(lines) > 1 else None


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by us) counts as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def running_pid(pid_file: Path) -> int | None:
    """The recorded PID if that process still runs, else None (and a stale file is removed)."""
    pid = read_pid(pid_file)
    if pid is None:
        return None
    recorded = _recorded_start(pid_file)
    # After a reboot the PID may belong to another program: never signal that one.
    if is_alive(pid) and (recorded is None or recorded == start_time(pid)):
        return pid
    pid_file.unlink(missing_ok=True)
    return None


def spawn(
    cmd: Sequence[str],
    *,
    pid_file: Path,
    log_file: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
) -> int:
    """Start a long-running server detached from us (own session) and record its PID."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # Owner-only files whatever the caller's umask: the servers write data, logs and query text.
            umask=PRIVATE_UMASK,
            user=user,
            group=user,
            extra_groups=[] if user else None,
        )
    pid_file.write_text(f"{proc.pid}\n{start_time(proc.pid) or ''}\n")
    return proc.pid


def stop_pid(pid: int, *, sig: int = signal.SIGTERM, timeout: float = 30.0) -> bool:
    """Signal, wait, then SIGKILL the process (and its session group). True if it had to be killed."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    if wait_gone(pid, timeout):
        reap(pid)
        return False
    # Kill the whole group: servers started by spawn() lead their own session.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if not wait_gone(pid, 10):
        raise StackError(f"process {pid} survived SIGKILL")
    reap(pid)
    return True


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reap(pid)
        if not is_alive(pid):
            return True
        time.sleep(0.2)
    return not is_alive(pid)


def reap(pid: int) -> None:
    # Our own children (started in this Python process) stay zombies until waited for.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def wait_until(
    check: Callable[[], bool],
    *,
    what: str,
    timeout: float,
    log_file: Path,
    pid: int | None = None,
    interval: float = 1.0,
) -> None:
    """Poll `check` until true; fail with the log file named if it times out or the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass  # a server that is still starting answers with all kinds of errors
        if pid is not None and not is_alive(pid):
            raise StackError(f"{what} exited during start-up; see {log_file}\n{tail(log_file)}")
        time.sleep(interval)
    if pid is not None:
        # Leave no half-started server behind.
        stop_pid(pid, timeout=20)
    raise StackError(f"{what} not ready after {timeout:.0f} s (stopped it); see {log_file}\n{tail(log_file)}")


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run(cmd: Sequence[str], *, what: str, user: str | None = None, **kwargs: object) -> str:
    """Run a short command; raise StackError with its output if it fails."""
    result = subprocess.run(
        list(cmd),
        capture_output=True,
        text=True,
        user=user,
        group=user,
        extra_groups=[] if user else None,
        umask=PRIVATE_UMASK,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )
    if result.returncode != 0:
        raise StackError(
            f"{what} failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout}{result.stderr}"
        )
    return result.stdout


def pid_and_health(pid_file: Path, healthy: Callable[[], bool]) -> tuple[int | None, bool]:
    """The recorded process, and whether it answers its health check (an error counts as unhealthy)."""
    pid = running_pid(pid_file)
    if pid is None:
        return None, False
    try:
        return pid, healthy()
    except Exception:  # a refused or failing health probe means "not healthy", whatever the client raised
        return pid, False


def stop_recorded(pid_file: Path, *, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
    """Stop the process recorded in ``pid_file`` (escalating if it hangs) and forget it; returns its PID."""
    pid = running_pid(pid_file)
    if pid is not None:
        stop_pid(pid, sig=sig, timeout=timeout)
    pid_file.unlink(missing_ok=True)
    return pid
