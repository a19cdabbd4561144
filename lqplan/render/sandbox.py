"""A child process for work that must be stoppable from outside: a user's templates.

A template can make one C-level call that runs for hours (`sum` over a list of 20 million
lists): no trace function, signal or thread inside the process runs until it returns, so only a
kill from outside stops it. `Worker` runs functions in a child (`python -P -m
lqplan.render.sandbox`, so the working folder cannot shadow a module) and kills it when a call
overruns its wall-clock limit. The child ignores Ctrl-C (the parent decides, and stops it), has
a CPU-time limit so that it cannot outlive a parent killed outright, and exits when its input
closes. While it works it reports the template line it is on into a shared page, so that the
parent can name the line of a call it had to kill.

Calls and replies are pickles over the child's stdin and stdout; functions travel by name, so
this module imports nothing of lqplan's and knows nothing of templates.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

STARTUP_LIMIT = 60.0  # seconds for the child to import lqplan and build its state (a busy CI)
CPU_LIMIT = 120  # CPU seconds a child may use in all, so that an orphan cannot run for hours
_HEADER = struct.Struct(">Q")  # the length of the pickle that follows
_LINE = struct.Struct("<q")
_progress: mmap.mmap | None = None  # in the child: the page the parent reads the line from


@dataclass
class Outcome:
    """How a call ended: it returned `value`, or it timed out, or the child stopped (`failure`
    says how); `line` is the last template line the child reported."""

    returned: bool = False
    value: Any = None
    timed_out: bool = False
    failure: str = ""
    line: int = 0


class Worker:
    """One child process, started on first call and again after it was killed."""

    def __init__(self, setup: Callable[..., Any], args: tuple[Any, ...]):
        self.setup = setup  # run once in the child; its result is every call's first argument
        self.args = args
        self.process: subprocess.Popen[bytes] | None = None
        self.page: mmap.mmap | None = None
        self.errors: IO[bytes] | None = None

    def alive(self) -> bool:
        """Whether the child is running (or not yet started)."""
        return self.process is None or self.process.poll() is None

    def call(self, function: Callable[..., Any], args: tuple[Any, ...], limit: float) -> Outcome:
        """`function(state, *args)` in the child, killed after `limit` seconds of wall clock."""
        try:
            if self.process is None:
                failure = self._start()
                if failure:
                    return Outcome(failure=failure)
            self._line(0)
            self._send((function, args))
            reply = self._receive(time.monotonic() + limit)
        except (BrokenPipeError, EOFError):
            line = self._line()
            return Outcome(failure=self._stopped(), line=line)
        except BaseException:
            self.close(kill=True)  # Ctrl-C or a bug in the parent: the child goes with it
            raise
        if reply is None:
            line = self._line()
            self.close(kill=True)
            return Outcome(timed_out=True, line=line)
        kind, value = reply
        if kind == "crash":
            raise RuntimeError(f"the child process failed:\n{value}")
        return Outcome(returned=True, value=value)

    def close(self, kill: bool = False) -> None:
        """Stop the child: end its input, then kill it if it does not exit at once (or at
        once, with `kill`: it is stuck)."""
        process, self.process = self.process, None
        if process is not None:
            if kill:
                process.kill()
            if process.stdin:
                with contextlib.suppress(OSError):  # a broken pipe: the child is gone already
                    process.stdin.close()
            try:
                process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout:
                process.stdout.close()
        for handle in (self.errors, self.page):
            if handle is not None:
                handle.close()
        self.errors = self.page = None

    def _start(self) -> str:
        """Start the child and run `setup` in it; '' when ready, else why it is not."""
        page_fd = _shared_file()
        os.ftruncate(page_fd, mmap.PAGESIZE)
        self.page = mmap.mmap(page_fd, mmap.PAGESIZE)
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 (kept open for the child's life)
        package_parent = str(Path(__file__).resolve().parents[2])
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, path]))}
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "lqplan.render.sandbox", str(page_fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            pass_fds=(page_fd,),
            env=env,
        )
        os.close(page_fd)
        try:
            self._send((self.setup, self.args))
            reply = self._receive(time.monotonic() + STARTUP_LIMIT)
        except (BrokenPipeError, EOFError):
            return self._stopped()
        if reply is None:
            self.close(kill=True)
            return f"it did not start in {STARTUP_LIMIT:g} s"
        if reply[0] != "ready":
            raise RuntimeError(f"the child process failed to start:\n{reply[1]}")
        return ""

    def _stopped(self) -> str:
        """Why the child is gone (its exit status, and its last line of stderr if any)."""
        process = self.process
        code = process.wait() if process else None
        last = ""
        if self.errors:
            self.errors.seek(0)
            lines = self.errors.read().decode("utf-8", "replace").strip().splitlines()
            last = f" ({lines[-1][:200]})" if lines else ""
        self.close()
        if code is not None and code < 0:
            return f"killed by signal {-code}{last}"
        return f"exit status {code}{last}"

    def _line(self, value: int | None = None) -> int:
        """The line the child reported last (or set it, before a call)."""
        if self.page is None:
            return 0
        if value is not None:
            _LINE.pack_into(self.page, 0, value)
        return int(_LINE.unpack_from(self.page, 0)[0])

    def _send(self, message: Any) -> None:
        assert self.process is not None and self.process.stdin is not None
        _write(self.process.stdin, message)

    def _receive(self, deadline: float) -> Any:
        """The child's next reply, or None when `deadline` passes first."""
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        header = _read_exact(fd, _HEADER.size, deadline)
        if header is None:
            return None
        body = _read_exact(fd, _HEADER.unpack(header)[0], deadline)
        return None if body is None else pickle.loads(body)


def _shared_file() -> int:
    """A file descriptor for the shared page: anonymous memory where Linux has it."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("lqplan-progress")
    with tempfile.TemporaryFile() as file:
        return os.dup(file.fileno())


def _write(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes | None:
    """`size` bytes from `fd`; None when `deadline` passes first; EOFError when it closes."""
    chunks: list[bytes] = []
    while size > 0:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def report_line(line: int) -> None:
    """In the child: the template line now running (nothing in the parent)."""
    if _progress is not None:
        _LINE.pack_into(_progress, 0, line)


def main() -> None:
    """The child: run `setup`, then each call it is sent, until its input closes."""
    global _progress
    signal.pthread_sigmask(signal.SIG_SETMASK, [])  # a mask inherited from the parent goes
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_cpu()
    _progress = mmap.mmap(int(sys.argv[1]), mmap.PAGESIZE)
    calls, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # the replies own stdout
    fd = calls.fileno()
    setup_call = _receive_call(fd)
    if setup_call is None:
        return
    try:
        setup, args = setup_call
        state = setup(*args)
    except Exception:
        _write(replies, ("crash", traceback.format_exc()))
        return
    _write(replies, ("ready", None))
    while (call := _receive_call(fd)) is not None:
        function, args = call
        try:
            reply = ("done", function(state, *args))
        except Exception:
            reply = ("crash", traceback.format_exc())
        _write(replies, reply)


def _receive_call(fd: int) -> Any:
    """The next call from the parent, or None when its end of the pipe is closed."""
    try:
        header = _read_exact(fd, _HEADER.size, None)
        body = _read_exact(fd, _HEADER.unpack(header or b"")[0], None)
    except (EOFError, struct.error):
        return None
    return pickle.loads(body or b"")


def _limit_cpu() -> None:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        cap = CPU_LIMIT if hard == resource.RLIM_INFINITY else min(CPU_LIMIT, hard)
        if soft == resource.RLIM_INFINITY or soft > cap:
            resource.setrlimit(resource.RLIMIT_CPU, (cap, hard))
    except (ImportError, OSError, ValueError):
        pass


if __name__ == "__main__":
    # Run as the module lqplan imports (not as __main__), so that report_line, called from the
    # template code, writes to the page main() opened.
    from lqplan.render.sandbox import main as run

    run()
