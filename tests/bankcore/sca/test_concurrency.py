"""Real threads against PostgreSQL: parallel guesses on many challenges still meet the per-user limit."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore.sca.services import MAX_FAILED_ATTEMPTS, ChallengeRefused, challenge_approve, challenge_create
from bankcore.users.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
DETAILS = {"amount_minor": 5000, "currency": "EUR"}


def test_parallel_wrong_codes_on_separate_challenges_are_all_counted(now: datetime) -> None:
    user = User.objects.create_user(email="guesser@example.com", password="x")
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    challenges = [challenge_create(user_id=user.pk, action="payment", details=DETAILS, now=now) for _ in range(THREADS)]
    codes: list[str] = []
    crashed: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def guess(challenge_id: int) -> None:
        try:
            start.wait()
            challenge_approve(challenge_id=challenge_id, user_id=user.pk, otp_token="000000", details=DETAILS, now=now)
        except ChallengeRefused as refused:
            with lock:
                codes.append(refused.code)
        except BaseException as error:  # collected, and asserted below
            with lock:
                crashed.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(cid,)) for cid in challenges]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert crashed == []
    assert len(codes) == THREADS  # every thread answered
    # The row lock on the user serialises the checks: exactly the limit's worth of codes were tried.
    assert codes.count("invalid_otp") == MAX_FAILED_ATTEMPTS
    assert codes.count("too_many_attempts") == THREADS - MAX_FAILED_ATTEMPTS
