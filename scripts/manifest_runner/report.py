"""The run's output: one PASS or FAIL line per check (with detail lines), notes, the closing count."""


class SetupError(Exception):
    """A problem that makes the rest of a target's run meaningless (reported as one FAIL)."""


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, what, detail=None):
        self.passed += 1
        print(f"PASS {what}", flush=True)
        self._detail(detail)

    def fail(self, what, detail=None):
        self.failed += 1
        print(f"FAIL {what}", flush=True)
        self._detail(detail)

    def check(self, cond, what, detail=None):
        (self.ok if cond else self.fail)(what, detail)
        return cond

    def summary(self):
        return f"manifests: {self.passed} passed, {self.failed} failed"

    @staticmethod
    def note(text):
        print(f"     {text}", flush=True)

    @staticmethod
    def _detail(detail):
        if not detail:
            return
        lines = detail if isinstance(detail, list) else str(detail).splitlines()
        for line in lines[-25:]:
            print(f"     | {line}", flush=True)


class Scoped:
    """A target's view of the report: every line it writes starts with the target's short name."""

    def __init__(self, report, prefix):
        self.report, self.prefix = report, prefix

    def ok(self, what, detail=None):
        self.report.ok(f"{self.prefix}: {what}", detail)

    def fail(self, what, detail=None):
        self.report.fail(f"{self.prefix}: {what}", detail)

    def check(self, cond, what, detail=None):
        return self.report.check(cond, f"{self.prefix}: {what}", detail)

    def note(self, text):
        Report.note(f"{self.prefix}: {text}")
