"""The printable receipt of one consent act, for the student's file (and its signed link).

Every field of the signature record, plus the live delivery status of the request text
that was sent, and a check that the stored request text still matches its SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n import normalize_language, translator
from bot.services.consent_docs import TEMPLATES, load_facts, sha256
from bot.settings import Settings
from db.models import ConsentRecord, ConsentRequest, InboundMessage, OutboxMessage, Person

_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


RECEIPT_LINK_TTL_S = 7 * 24 * 3600  # a receipt link shows a minor's data: it expires


def _signer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="consent-receipt")


def receipt_sig(settings: Settings, record_id: int) -> str:
    return str(_signer(settings).dumps(record_id))


def receipt_sig_ok(settings: Settings, record_id: int, sig: str) -> bool:
    try:
        return bool(_signer(settings).loads(sig or "", max_age=RECEIPT_LINK_TTL_S) == record_id)
    except BadSignature:  # includes SignatureExpired
        return False


def receipt_url(settings: Settings, record_id: int) -> str:
    """The signed link to a receipt (`/consent/<id>/receipt?sig=…`)."""
    sig = receipt_sig(settings, record_id)
    return f"{settings.public_base_url}/consent/{record_id}/receipt?sig={sig}"


@dataclass(frozen=True)
class Delivery:
    outbox_id: int
    status: str
    channel: str
    to: str
    provider_message_id: str | None
    created_at: Any
    sent_at: Any
    delivered_at: Any
    last_error: str | None


def _delivery(session: Session, outbox_id: int | None) -> Delivery | None:
    row = session.get(OutboxMessage, outbox_id) if outbox_id else None
    if row is None:
        return None
    return Delivery(
        row.id,
        row.status,
        row.channel,
        row.urn,
        row.provider_message_id,
        row.created_at,
        row.sent_at,
        row.delivered_at,
        row.last_error,
    )


def receipt_html(
    session: Session, record_id: int, settings: Settings, lang: str | None = None
) -> str:
    """Render the receipt of consent record `record_id` (in the signer's language unless
    `lang` is given); LookupError when there is none."""
    record = session.get(ConsentRecord, record_id)
    if record is None:
        raise LookupError(f"no consent record {record_id}")
    request = session.get(ConsentRequest, record.request_id)
    assert request is not None
    signer = session.get(Person, record.signer_id) if record.signer_id else None
    lang = normalize_language(lang or (signer.language if signer else "en"))
    inbound_id = record.inbound_message_id
    inbound = session.get(InboundMessage, inbound_id) if inbound_id else None
    history = session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.request_id == request.id)
        .order_by(ConsentRecord.id)
    ).all()
    text_ok = (
        record.request_text is not None
        and sha256(record.request_text) == record.request_text_sha256
    )
    return _env.get_template("receipt.html").render(
        _=translator(lang),
        lang=lang,
        program=settings.program_name,
        record=record,
        request=request,
        facts=load_facts(session, request),
        signer=signer,
        inbound=inbound,
        delivery=_delivery(session, record.outbox_id),
        history=history,
        text_ok=text_ok,
    )
