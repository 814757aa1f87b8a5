"""Run one side of an exchange in a thread, bounded in time, re-raising its exception."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Background(Generic[T]):
    """``Background(fn).result(timeout)``: ``fn()``'s value, or its exception re-raised."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:  # handed to the test thread
            self._error = exc

    def result(self, timeout: float = 5.0) -> T:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError(f"background task still running after {timeout} s")
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
