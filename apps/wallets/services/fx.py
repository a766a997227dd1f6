"""FX between one customer's own wallets at a quote held for 30 seconds.

The customer's rate is the bank's reference mid (``bankcore.fx``) less the spread
(``WALLETS_FX_SPREAD_BPS``). The amount bought is rounded DOWN to the target's minor unit: the
customer never gets a fraction of a cent more than the rate gives, and the bank gains at most
one minor unit from rounding. Executing posts one entry of four legs through the bank's FX
position accounts, balanced per currency, at exactly the quoted amounts, or nothing at all.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, Context, Decimal

from django.db import transaction

from apps.kyc import interface as kyc
from apps.wallets import conf
from apps.wallets.errors import WalletNotFound, WalletRefused
from apps.wallets.models import BankAccount, FxQuote, Wallet
from apps.wallets.services import recovery
from apps.wallets.services.transfers import balance_limit_check, spend_check
from apps.wallets.services.wallets import bank_account, wallet_open
from bankcore.fx import conf as fx_conf
from bankcore.fx import selectors as fx
from bankcore.ledger import services as ledger
from bankcore.ledger.values import Leg
from bankcore.money import Money

_EXACT = Context(prec=60)


def _mid(*, source: str, target: str, now: datetime) -> tuple[Decimal, int]:
    """Target units one source unit buys at the reference rates, and the id of the rate used.

    A pair without its own rate goes through EUR (the reference rates are EUR-based).
    """
    rate = fx.rate_latest(base=source, quote=target, now=now)
    if rate is not None:
        if now - rate.as_of > fx_conf.max_age():
            raise WalletRefused(
                f"The {rate.base}/{rate.quote} rate is out of date; try again later.", code="fx_rate_stale"
            )
        mid = rate.mid if rate.base == source else _EXACT.divide(Decimal(1), rate.mid)
        return mid, rate.id
    if "EUR" in (source, target):
        raise WalletRefused(f"No exchange rate between {source} and {target}.", code="fx_rate_missing")
    to_source, rate_id = _mid(source="EUR", target=source, now=now)
    to_target, _ = _mid(source="EUR", target=target, now=now)
    return _EXACT.divide(to_target, to_source), rate_id


def quote_create(*, customer_id: int, source_wallet_id: int, target_currency: str, sell: Money, now: datetime) -> int:
    """Price selling ``sell`` from the customer's wallet into their ``target_currency`` wallet; returns the quote id.

    The target wallet is opened if needed. Refused when the reference rate is stale or missing.
    """
    source = Wallet.objects.filter(pk=source_wallet_id, customer_id=customer_id).first()
    if source is None:
        raise WalletNotFound("No such wallet.")
    if sell.minor <= 0 or sell.currency != source.currency:
        raise WalletRefused(f"Sell a positive amount of {source.currency}.", code="invalid_amount")
    if target_currency == source.currency:
        raise WalletRefused("Choose another currency to convert into.", code="same_currency")
    target = wallet_open(customer_id=customer_id, currency=target_currency, now=now)
    mid, rate_id = _mid(source=source.currency, target=target_currency, now=now)
    spread = conf.fx_spread_bps()
    rate = _EXACT.multiply(mid, _EXACT.divide(Decimal(10_000 - spread), Decimal(10_000)))
    rate = rate.quantize(Decimal("1e-12"), rounding=ROUND_DOWN, context=_EXACT)
    exact = _EXACT.multiply(_EXACT.multiply(sell.amount, rate), Decimal(10) ** Money.zero(target_currency).exponent)
    buy_minor = int(exact.to_integral_value(rounding=ROUND_DOWN))
    if buy_minor <= 0:
        raise WalletRefused("That amount is too small to convert.", code="invalid_amount")
    quote = FxQuote.objects.create(
        customer_id=customer_id, source_wallet=source, target_wallet=target, sell_minor=sell.minor,
        sell_currency=sell.currency, buy_minor=buy_minor, buy_currency=target_currency, rate=rate,
        mid=mid.quantize(Decimal("1e-12"), context=_EXACT), spread_bps=spread, reference_rate_id=rate_id,
        created_at=now, expires_at=now + conf.QUOTE_TTL,
    )  # fmt: skip
    return quote.pk


@transaction.atomic
def quote_execute(*, customer_id: int, quote_id: int, now: datetime) -> int:
    """Execute the customer's quote at exactly its amounts; returns the entry id (the same if run twice).

    Refused with ``quote_expired`` once its 30 seconds are over; nothing moves.
    """
    quote = FxQuote.objects.select_for_update().filter(pk=quote_id, customer_id=customer_id).first()
    if quote is None:
        raise WalletNotFound("No such quote.")
    if quote.status == FxQuote.Status.EXECUTED:
        assert quote.entry_id is not None
        return quote.entry_id
    if now >= quote.expires_at:
        raise WalletRefused("This quote has expired; ask for a new one.", code="quote_expired")
    wallets = list(Wallet.objects.select_for_update().filter(customer_id=customer_id).order_by("pk"))
    source = next(w for w in wallets if w.pk == quote.source_wallet_id)
    target = next(w for w in wallets if w.pk == quote.target_wallet_id)
    sell, buy = Money(quote.sell_minor, quote.sell_currency), Money(quote.buy_minor, quote.buy_currency)
    spend_check(wallet=source, amount=sell)
    if target.status == Wallet.Status.FROZEN:
        raise WalletRefused("Your target wallet is frozen.", code="wallet_frozen")
    try:
        balance_limit_check(customer_id=customer_id, wallets=wallets, amount=buy, now=now, leaving=sell)
    except kyc.LimitExceeded as refused:
        raise WalletRefused(str(refused), code=refused.code) from None
    position_sell = bank_account(purpose=BankAccount.Purpose.FX_POSITION, currency=sell.currency)
    position_buy = bank_account(purpose=BankAccount.Purpose.FX_POSITION, currency=buy.currency)
    entry_id = ledger.post_entry(
        legs=[
            Leg.debit(source.ledger_account_id, sell),
            Leg.credit(position_sell, sell),
            Leg.debit(position_buy, buy),
            Leg.credit(target.ledger_account_id, buy),
        ],
        idempotency_key=f"fx-quote:{quote.pk}",
        description=f"Convert {sell} to {buy} at {quote.rate.normalize()}",
        metadata={
            "quote_id": quote.pk,
            "rate": str(quote.rate.normalize()),
            "reference_rate_id": quote.reference_rate_id,
        },
    )
    quote.status = FxQuote.Status.EXECUTED
    quote.entry_id = entry_id
    quote.executed_at = now
    quote.save(update_fields=["status", "entry_id", "executed_at"])
    recovery.recovery_settle(wallet=target, now=now)  # converting into a wallet in recovery repays it
    return entry_id
