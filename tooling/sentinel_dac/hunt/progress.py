"""A spinner on stderr while a query runs — only on a terminal, so logs and CI output stay clean."""

from __future__ import annotations

import itertools
import sys
import threading
import time
from contextlib import contextmanager


@contextmanager
def spinner(label: str, stream=None):
    stream = stream or sys.stderr
    if not getattr(stream, "isatty", lambda: False)():
        yield
        return
    stop = threading.Event()
    started = time.monotonic()

    def spin() -> None:
        for frame in itertools.cycle("|/-\\"):
            if stop.wait(0.1):
                break
            stream.write(f"\r{frame} {label} ({time.monotonic() - started:.0f}s)")
            stream.flush()
        stream.write("\r\033[K")
        stream.flush()

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
