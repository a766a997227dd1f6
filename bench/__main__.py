"""Run every benchmark; `python -m bench [NAME ...]` runs only the named groups."""

from __future__ import annotations

import importlib
import os
import sys
import time

GROUPS = ["money", "fraud", "ledger", "sanctions", "kyc", "accounts", "statements", "payments", "clearing", "wallets"]
GROUPS += ["api"]  # the partner API over HTTP (gunicorn)


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    # The customers' e-mails are built and sent as in the bank, into a backend that drops them:
    # the console's would print thousands of them among the one JSON line per figure on stdout.
    # The gunicorn workers of the api group inherit it.
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    import django

    django.setup()
    chosen = argv or GROUPS
    unknown = sorted(set(chosen) - set(GROUPS))
    if unknown:
        sys.stderr.write(f"bench: unknown group(s) {', '.join(unknown)}; known: {', '.join(GROUPS)}\n")
        return 2
    began = time.monotonic()
    for group in chosen:
        module = importlib.import_module(f"bench.{group}")
        start = time.monotonic()
        code = module.run()
        # The whole run has a time budget (15 minutes): each group's share is worth seeing.
        sys.stderr.write(f"bench: {group} took {time.monotonic() - start:.0f} s\n")
        if code:
            return int(code)
    sys.stderr.write(f"bench: all {len(chosen)} group(s) took {time.monotonic() - began:.0f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
