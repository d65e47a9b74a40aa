"""Every write of evidence. Keyword-only, one transaction each, trail recorded.

Files go through :func:`evidence_upload`: the content is staged (hashed, size-checked), its type checked,
and only then is the record created and the content moved to its content-addressed place. Whatever is
refused on the way leaves no file, no record and no trail event behind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction

from openaims.accounts.choices import Permission
from openaims.accounts.models import Membership
from openaims.base.context import Actor
from openaims.base.models import BaseModel
from openaims.base.services import create_record, delete_record, update_record
from openaims.evidence import storage
from openaims.evidence.choices import EvidenceKind
from openaims.evidence.filetypes import UnsupportedFileType, display_name, identify
from openaims.evidence.models import Evidence
from openaims.evidence.selectors import hash_in_use

logger = logging.getLogger(__name__)

# Fields a caller may set; file fields are set only by an upload, from the content itself.
_EDITABLE = {
    "title",
    "description",
    "url",
    "record_type",
    "record_id",
    "collected_on",
    "valid_until",
    "owner",
    "owner_id",
    "ai_systems",
}


def _clean_fields(fields: dict) -> dict:
    unknown = sorted(set(fields) - _EDITABLE)
    if unknown:
        raise ValidationError({name: ["This field cannot be set here."] for name in unknown})
    if fields.get("collected_on", ...) is None:
        fields.pop("collected_on")  # the model's default: today
    return fields


def _check_owner(actor: Actor, fields: dict) -> None:
    owner = fields.get("owner", fields.get("owner_id"))
    if owner is None:
        return
    owner_id = getattr(owner, "pk", owner)
    if not Membership.objects.filter(organization=actor.organization, user_id=owner_id).exists():
        raise ValidationError({"owner_id" if "owner_id" in fields else "owner": [f"No member with id {owner_id}."]})


def _check_record(actor: Actor, kind: str, record_type: str, record_id: str) -> None:
    """A record item must name a record of this organization that exists."""
    if kind != EvidenceKind.RECORD or not record_type or not record_id:
        return  # the model's clean() names what is missing
    try:
        model = apps.get_model(record_type)
    except (LookupError, ValueError):
        model = None
    if model is None or not issubclass(model, BaseModel):
        raise ValidationError(
            {"record_type": [f"Unknown record type {record_type!r}: use app.model, e.g. inventory.aisystem."]}
        )
    try:
        exists = model._default_manager.filter(pk=record_id, organization=actor.organization).exists()
    except (ValidationError, ValueError):
        exists = False
    if not exists:
        raise ValidationError(
            {"record_id": [f"No {model._meta.verbose_name} with id {record_id} in this organization."]}
        )


def evidence_create(*, actor: Actor, kind: str = EvidenceKind.URL, **fields) -> Evidence:
    """Record a link or a record of OpenAIMS as evidence (files are uploaded with :func:`evidence_upload`)."""
    if kind == EvidenceKind.FILE:
        raise ValidationError({"kind": ["Upload a file to make a file item (POST /api/v1/evidence/upload)."]})
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": [f"Unknown kind {kind!r}."]})
    fields = _clean_fields(fields)
    with transaction.atomic():
        actor.require(Permission.CREATE)
        _check_owner(actor, fields)
        _check_record(actor, kind, fields.get("record_type", ""), fields.get("record_id", ""))
        return create_record(Evidence, actor=actor, kind=kind, **fields)


def evidence_upload(*, actor: Actor, content: Iterable[bytes], file_name: str, **fields) -> Evidence:
    """Store an uploaded file and record it as evidence.

    ``content`` yields the file's bytes (e.g. ``uploaded_file.chunks()``). Raises :class:`storage.FileTooLarge`
    past ``AIMS_EVIDENCE_MAX_BYTES``, :class:`UnsupportedFileType` for a type not on the allow-list or content
    that does not match its name, and ``ValidationError`` for bad fields; in each case nothing is kept.
    """
    actor.require(Permission.CREATE)  # before a byte is written
    fields = _clean_fields(fields)
    name = display_name(file_name)
    staged = storage.stage(content, max_bytes=storage.max_upload_bytes())
    promoted = created_blob = False
    try:
        if staged.size == 0:
            raise ValidationError({"file": ["The file is empty."]})
        file_type = identify(name, staged.head)
        with transaction.atomic():
            _check_owner(actor, fields)
            evidence = create_record(
                Evidence,
                actor=actor,
                kind=EvidenceKind.FILE,
                file_sha256=staged.sha256,
                file_name=name,
                file_size=staged.size,
                content_type=file_type.content_type,
                **fields,
            )
            # In place before the commit makes the record visible; removed again below if the commit fails.
            created_blob = staged.promote()
            promoted = True
    except BaseException:
        if not promoted:
            staged.discard()
        elif created_blob and not hash_in_use(staged.sha256):
            storage.remove(staged.sha256)
        raise
    return evidence


def evidence_update(*, actor: Actor, evidence: Evidence, **fields) -> Evidence:
    """Change an item's description, dates, owner, links. Its kind and file content never change."""
    if "kind" in fields and fields.pop("kind") != evidence.kind:
        raise ValidationError({"kind": ["The kind of an evidence item cannot change: add a new item instead."]})
    fields = _clean_fields(fields)
    with transaction.atomic():
        if "owner" in fields or "owner_id" in fields:
            _check_owner(actor, fields)
        _check_record(
            actor,
            evidence.kind,
            fields.get("record_type", evidence.record_type),
            fields.get("record_id", evidence.record_id),
        )
        return update_record(evidence, actor=actor, **fields)


def evidence_delete(*, actor: Actor, evidence: Evidence) -> None:
    """Delete an item. Its stored file goes too, after the commit, unless another item has the same content."""
    sha256 = evidence.file_sha256
    with transaction.atomic():
        delete_record(evidence, actor=actor)
        if sha256:
            transaction.on_commit(lambda: _remove_if_unused(sha256))


def _remove_if_unused(sha256: str) -> None:
    if not hash_in_use(sha256):
        storage.remove(sha256)
        logger.info("evidence: removed stored file %s, no longer referenced", sha256)


__all__ = [
    "UnsupportedFileType",
    "evidence_create",
    "evidence_delete",
    "evidence_update",
    "evidence_upload",
]
