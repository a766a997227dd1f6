"""Bulk payout test data: business payers (a KYC party of kind business) and files in each format."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from apps.kyc.models import Party
from apps.payments.batch_parsing import BatchFile, BatchLineInput, parse_csv
from apps.payments.models import PaymentBatch
from apps.payments.services import batches
from tests.apps.payments.factories import OPENED_AT, Payer, payer

CSV_HEADER = "name,iban,amount,currency,reference,end_to_end_id,execution_date"


def business(*, balance: str = "10000.00", company: str = "Acme Trading GmbH", tier: int = 2) -> Payer:
    """A verified business customer: its KYC party says ``business``, with an enrolled device and funds."""
    customer = payer(balance=balance, tier=tier, full_name=company)
    Party.objects.create(
        customer=customer.user,
        kind="business",
        legal_name=company,
        company_name=company,
        created_at=OPENED_AT,
        updated_at=OPENED_AT,
    )
    return customer


@dataclass(frozen=True)
class Row:
    name: str
    iban: str
    amount: str
    currency: str = "EUR"
    reference: str = "Payout"
    end_to_end_id: str = ""
    execution_date: str = ""


def csv_bytes(rows: Iterable[Row], *, header: str = CSV_HEADER) -> bytes:
    out = [header]
    for row in rows:
        out.append(
            ",".join(
                [row.name, row.iban, row.amount, row.currency, row.reference, row.end_to_end_id, row.execution_date]
            )
        )
    return ("\n".join(out) + "\n").encode()


def pain001_bytes(
    rows: Sequence[Row], *, debtor_iban: str, debtor_name: str = "Acme Trading GmbH", when: date | None = None
) -> bytes:
    """A pain.001.001.10 document, as a customer's treasury system writes one."""
    txs = "".join(
        f"""
      <CdtTrfTxInf>
        <PmtId><EndToEndId>{row.end_to_end_id or "NOTPROVIDED"}</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="{row.currency}">{row.amount}</InstdAmt></Amt>
        <Cdtr><Nm>{row.name}</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>{row.iban}</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>{row.reference}</Ustrd></RmtInf>
      </CdtTrfTxInf>"""
        for row in rows
    )
    day = (when or date(2026, 11, 2)).isoformat()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.10">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>PAYOUT-2026-12-02</MsgId>
      <CreDtTm>2026-12-02T08:00:00</CreDtTm>
      <NbOfTxs>{len(rows)}</NbOfTxs>
      <InitgPty><Nm>{debtor_name}</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>PMT-1</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <ReqdExctnDt><Dt>{day}</Dt></ReqdExctnDt>
      <Dbtr><Nm>{debtor_name}</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>{debtor_iban}</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId></DbtrAgt>{txs}
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
""".encode()


def upload(
    owner: Payer,
    rows: Sequence[Row] | BatchFile,
    *,
    key: str = "b1",
    vop_opt_out: bool = False,
    partner_id: int | None = None,
    now: object,
) -> PaymentBatch:
    file = rows if isinstance(rows, BatchFile) else parse_csv(csv_bytes(rows))
    return batches.batch_create(
        customer_id=owner.id,
        source_account_id=owner.account.pk,
        file=file,
        source_format="csv",
        idempotency_key=key,
        vop_opt_out=vop_opt_out,
        partner_id=partner_id,
        now=now,  # type: ignore[arg-type]
    )


def lines_of(*rows: Row) -> BatchFile:
    return BatchFile(lines=[BatchLineInput(r.name, r.iban, r.amount, r.currency, r.reference) for r in rows])


def review_rule(*, amount_minor: int) -> None:
    """An active fraud rule that holds for review (score 60: past review's 50, short of block's 100)
    every payment of exactly ``amount_minor``, as an analyst's rule would."""
    from tests.apps.fraud.factories import RuleVersionFactory

    RuleVersionFactory(condition=f"amount_minor == {amount_minor}", score=60, description="unusual amount")
