"""The poll schedule of a deliberation day, in plain seconds of the Paris day (no ORM)."""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import time

DAY_S = 24 * 3600
# Fewer changes than this on past days teach nothing: the default window is used instead.
MIN_HISTORY = 5


@dataclass(frozen=True)
class Schedule:
    """When a département still waiting for results is polled: every `interval_s` within
    `window` ([start, end) in seconds of the day), every `sparse_interval_s` from `from_s` on
    outside it."""

    window: tuple[int, int]
    interval_s: int
    sparse_interval_s: int
    from_s: int

    def moments(self):
        """Every second of the day a poll is due, in order."""
        start, end = self.window
        dense = range(start, end, self.interval_s)
        sparse = range(self.from_s, DAY_S, self.sparse_interval_s)
        return sorted({*dense, *(t for t in sparse if not start <= t < end)})

    def slot_at(self, second):
        """The latest poll moment at or before `second` of the day; None before the first."""
        moments = self.moments()
        index = bisect_right(moments, second)
        return moments[index - 1] if index else None

    def in_window(self, second):
        return self.window[0] <= second < self.window[1]


def window_length(budget, interval_s, sparse_interval_s, from_s):
    """The longest dense window that keeps a day within `budget` polls wherever it is placed:
    the sparse polls are counted as if none fell inside it."""
    sparse = len(range(from_s, DAY_S, sparse_interval_s))
    dense = max(1, budget - sparse)
    return min(DAY_S, dense * interval_s)


def place_window(history, length, default_centre):
    """The `length`-long window of the day holding most of the past changes (`history`: seconds
    of the day results changed), centred on those it holds; around `default_centre` (seconds)
    when the history is too short to say."""
    times = sorted(history)
    if len(times) < MIN_HISTORY:
        return _clamped(default_centre - length // 2, length)
    best, best_first, best_last = 0, 0, 0
    last = 0
    for first, start in enumerate(times):
        last = max(last, first)
        while last + 1 < len(times) and times[last + 1] < start + length:
            last += 1
        if last - first + 1 > best:
            best, best_first, best_last = last - first + 1, first, last
    centre = (times[best_first] + times[best_last]) // 2
    return _clamped(centre - length // 2, length)


def _clamped(start, length):
    start = max(0, min(start, DAY_S - length))
    return (start, start + length)


def parse_window(text):
    """A forced window, "HH:MM-HH:MM" (Paris), in seconds of the day; "24:00" ends the day."""
    try:
        start, end = (_seconds(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ValueError(
            f"RESULTS_POLL_WINDOW doit être une plage HH:MM-HH:MM, pas {text!r}"
        ) from None
    if not start < end:
        raise ValueError(f"RESULTS_POLL_WINDOW : la fin doit suivre le début ({text!r})")
    return (start, end)


def _seconds(text):
    if text == "24:00":
        return DAY_S
    moment = time.fromisoformat(text)
    return moment.hour * 3600 + moment.minute * 60 + moment.second
