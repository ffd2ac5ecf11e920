"""Scheduled purge (first part): expired sessions and abandoned uploads.

Retention of media, erasure requests and the evidence record come with the retention work.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import UpdateError

from pellicule import clock, data
from pellicule.models import Media, Session

ABANDONED_UPLOAD_SECONDS = 24 * 3600  # the ingest bucket's lifecycle removes the bytes


@dataclass(frozen=True)
class PurgeReport:
    sessions_deleted: int
    uploads_abandoned: int


def run() -> PurgeReport:
    data.ready()
    now = int(clock.now())
    sessions_deleted = 0
    # DynamoDB TTL can lag by days; reads already refuse expired sessions, this removes them.
    for session in Session.scan(
        Session.pk.startswith("SESSION#")
        & ((Session.expires_at <= now) | (Session.absolute_expires_at <= now))
    ):
        session.delete()
        sessions_deleted += 1
    uploads_abandoned = 0
    # Uploads never finished, and processing that never ended (its message is in the DLQ):
    # the ingest bucket's lifecycle has removed the bytes by now.
    reasons = {
        "uploading": "Envoi jamais terminé. / The upload was never completed.",
        "processing": "Traitement interrompu ; renvoyez le fichier. / "
        "Processing did not finish; upload the file again.",
    }
    for media in Media.scan(
        Media.sk.startswith("MEDIA#")
        & Media.state.is_in(*reasons)
        & (Media.updated_at <= now - ABANDONED_UPLOAD_SECONDS)
    ):
        try:
            media.update(
                actions=[
                    Media.state.set("failed"),
                    Media.failure_reason.set(reasons[media.state]),
                    Media.updated_at.set(now),
                ],
                condition=Media.state == media.state,
            )
        except UpdateError:
            continue  # it moved on meanwhile
        uploads_abandoned += 1
    return PurgeReport(sessions_deleted=sessions_deleted, uploads_abandoned=uploads_abandoned)
