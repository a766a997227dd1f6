"""How allauth behaves in this bank: the second factor is a login stage, after e-mail verification."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # untyped base
    def get_login_stages(self) -> list[str]:
        return [*super().get_login_stages(), "bankcore.users.stages.SecondFactorStage"]
