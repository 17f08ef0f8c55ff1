"""The suite: `CASES` in the order the case modules register them (with `@case`), and `run`, which gives every
case a fresh `Target`."""
from .client import CaseFailed, Skip, Target

CASES = []  # (case id, description, fn(target) -> detail)


def case(cid, description):
    def register(fn):
        CASES.append((cid, description, fn))
        return fn
    return register


def run(host, port, tls=False, path="/health/live", timeout=2.0, only=None):
    """Runs the cases (those whose id starts with `only`, if given): {case_id: {"passed", "detail", "description"}}."""
    results = {}
    for cid, description, fn in CASES:
        if only and not cid.startswith(only):
            continue
        t = Target(host, port, tls=tls, path=path, timeout=timeout)
        try:
            detail = fn(t) or ""
            passed = True
        except Skip as e:
            passed, detail = True, f"skipped: {e}"
        except CaseFailed as e:
            passed, detail = False, str(e)
        except Exception as e:  # noqa: BLE001 - a case that crashes is a failed case, with the reason
            passed, detail = False, f"error: {type(e).__name__}: {e}"
        finally:
            t.close_all()
        results[cid] = {"passed": passed, "detail": detail, "description": description}
    return results
