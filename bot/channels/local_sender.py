"""The local channel (`sim:` URNs): the simulator reads the outbox, so sending is marking."""

from __future__ import annotations

from bot.channels.sender import OutboundEnvelope, SendResult


class LocalSender:
    """Deliver at once with a local id; the simulator page shows delivered rows."""

    def send(self, msg: OutboundEnvelope) -> SendResult:
        return SendResult(provider_id=f"local-{msg.id}", status="delivered")

    def close(self) -> None:
        """Nothing to release."""
