"""What every llama.cpp cross-check script in tests/peer/ shares: the skip convention (exit 77
when data or the peer is missing, a failure when CI=true) and running a command that must
succeed, and the arguments the checks take."""
import argparse
import os
import subprocess

SKIP = 77
IN_CI = os.environ.get("CI") == "true"


def unavailable(what, check="the cross-check"):
    """Missing data or peer: a failure in CI, a skip elsewhere. Returns the exit status."""
    if IN_CI:
        print(f"FAIL: {what}, and CI=true: {check} must run in CI")
        return 1
    print(f"skipped: {what}")
    return SKIP


def run(cmd, env=None):
    """stdout of cmd; a RuntimeError with the end of stderr when it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc.stdout


def check_args():
    """CLI SHARED [--work DIR]: the hearth binary, the shared data folder (both absolute) and the
    work folder (None: the check makes a temporary one)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("shared")
    ap.add_argument("--work")
    args = ap.parse_args()
    return os.path.abspath(args.cli), os.path.abspath(args.shared), args.work
