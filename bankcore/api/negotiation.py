"""Content negotiation: a client that accepts ``application/problem+json`` is served JSON.

The API's errors are problem+json and its other answers plain JSON, so a client that names only
the problem type (to say it understands our errors) can read every answer; DRF would refuse it
406 because no renderer has that exact type. Any other type still has to match a renderer.
"""

from __future__ import annotations

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation

from bankcore.http import PROBLEM_CONTENT_TYPE

JSON = "application/json"


class ProblemAwareNegotiation(DefaultContentNegotiation):
    def get_accept_list(self, request: Any) -> list[str]:
        tokens: list[str] = []
        for token in super().get_accept_list(request):
            tokens.append(token)
            media_type, _, params = token.partition(";")
            if media_type.strip().lower() == PROBLEM_CONTENT_TYPE:
                tokens.append(f"{JSON};{params}" if params else JSON)  # same q, same place in the order
        return tokens
