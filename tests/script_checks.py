"""What the Python test scripts share: a check counter that prints ok/FAIL per check, the final
verdict (exit 1 on any failure), the skip rule for missing shared data (exit 77, or 1 when
CI=true, as tests/test_data.hpp does for the C++ tests) and a runner for the hearth CLI.
Import with `from script_checks import check, failures, finish` after putting tests/ on sys.path."""
import os
import subprocess
import sys

failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"), flush=True)
    if not cond:
        failures.append(name)
    return cond


def finish():
    print("FAILED: " + ", ".join(failures) if failures else "all passed")
    sys.exit(1 if failures else 0)


def require_file(path, hint="set HEARTH_TEST_DATA"):
    """Skips the test (fails it under CI=true) when a file it needs is missing."""
    if not os.path.exists(path):
        print(f"HEARTH_SKIPPED: {path} not found ({hint})")
        sys.exit(1 if os.environ.get("CI") == "true" else 77)


def cli_runner(hearth):
    """A function running `hearth ARGS...` that returns its stdout (raises on a non-zero exit)."""
    def cli(*args):
        return subprocess.run([hearth, *args], check=True, capture_output=True, text=True).stdout
    return cli
