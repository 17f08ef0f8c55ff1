"""Problems found by a check: collected while it runs, then printed, and the exit status set."""
import sys


class Problems:
    """The problems of one check, in the order found."""

    def __init__(self):
        self.items = []

    def add(self, msg):
        self.items.append(msg)

    def need(self, ok, msg):
        """Records msg unless ok; returns ok."""
        if not ok:
            self.items.append(msg)
        return ok

    def __bool__(self):
        return bool(self.items)

    def unique(self):
        return list(dict.fromkeys(self.items))

    def exit_if_any(self, summary=None):
        """Exits 1 when there are problems: each once, then summary(count) when given."""
        if not self.items:
            return
        if summary is None:
            sys.exit("\n".join(self.unique()))
        print("\n".join(self.unique()))
        sys.exit(summary(len(self.unique())))
