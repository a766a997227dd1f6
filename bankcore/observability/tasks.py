import os

from celery import shared_task


@shared_task(queue="default")
def ping() -> dict[str, object]:
    """Proves a worker is consuming: answers with the id of the process that ran it."""
    return {"pong": True, "pid": os.getpid()}
