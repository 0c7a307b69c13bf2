import time


class TokenBucket:
    """Tokens refill continuously up to `capacity`."""

    def __init__(self, capacity, refill_per_second, clock=time.monotonic):
        if capacity <= 0 or refill_per_second <= 0:
            raise ValueError("capacity and refill rate must be positive")
        self.capacity = capacity
        self.rate = refill_per_second
        self.clock = clock
        self._tokens = float(capacity)
        self._last = clock()

    def _refill(self):
        now = self.clock()
        if now > self._last:
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
        elif now < self._last:
            self._last = now

    def _check(self, n):
        if n <= 0 or n > self.capacity:
            raise ValueError(f"n must be in (0, {self.capacity}], got {n}")

    def try_take(self, n=1):
        self._check(n)
        self._refill()
        if self._tokens + 1e-9 >= n:
            self._tokens = max(0.0, self._tokens - n)
            return True
        return False

    def available(self):
        self._refill()
        return self._tokens

    def wait_time(self, n=1):
        self._check(n)
        self._refill()
        missing = n - self._tokens
        return 0.0 if missing <= 1e-9 else missing / self.rate
