"""Attaching a document to an application (a file field in the application form itself, so that nothing
typed is lost): checked by content, scanned, stored with its sha256 and named by a cost as its ``document``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from adapters.driven import attachments
from adapters.driven.db.etjanst import DraftRow
from adapters.driving.etjanst.common import N_, Ctx, NotFound, TooMany, ctx_of, own_draft
from decision.services.etjanst import ScanFound

FIELD = "upload"
REFUSED = {
    "too_large": N_("The file is too large. The largest file we accept is {limit}."),
    "empty": N_("The file is empty. Choose another file."),
    "type": N_("We accept only PDF, JPEG and PNG files. This file is something else, whatever its name says."),
    "unreadable": N_("The file could not be opened. It may be damaged. Try to save or scan it again."),
    "too_many_pixels": N_("The picture is too large (too many pixels). Take a picture with a lower resolution."),
    "active_pdf": N_("The PDF contains scripts or embedded files, which we do not accept. Print it to a new PDF "
                     "or take a picture of it instead."),
    "virus": N_("The file was stopped by our virus check. Choose another file."),
}


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} kB"


async def take_upload(ctx: Ctx, draft: DraftRow, form: FormData, data: dict[str, Any]) -> dict[str, str]:
    """Store the posted file, if any, and name it in the cost row chosen; the errors by form field."""
    upload = form.get(FIELD)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return {}
    wait = ctx.services.submit_limit.hit(ctx.login.person_key)
    if wait is not None:
        raise TooMany(wait)
    config = ctx.services.config
    content = await upload.read(config.max_upload_bytes + 1)
    try:
        checked = attachments.check(content, config.max_upload_bytes, config.max_image_pixels)
        ctx.services.scanner.scan(checked.content)
    except attachments.Refused as e:
        return {FIELD: REFUSED[e.code]}
    except ScanFound:
        return {FIELD: REFUSED["virus"]}
    label = str(form.get("upload_label") or "").strip()[:200] or None
    row = ctx.services.store.add_attachment(draft.id, checked.media_type, checked.content, label)
    ctx.services.store.audit(ctx.actor, "attachment_added", f"draft:{draft.id}",
                             {"attachment": row.id, "sha256": row.sha256, "media_type": row.media_type,
                              "size": row.size})
    target = str(form.get("upload_cost") or "")
    costs = data.get("costs", [])
    if target.isdigit() and int(target) < len(costs):
        costs[int(target)]["document"] = row.id
    return {}


def install(app: FastAPI) -> None:
    @app.get("/ansokan/{draft_id}/bilaga/{attachment_id}", include_in_schema=False)
    def show(request: Request, draft_id: str, attachment_id: str) -> Response:
        ctx = ctx_of(request)
        draft = own_draft(ctx, draft_id)
        found = ctx.services.store.attachment_content(draft.id, attachment_id)
        if found is None:
            raise NotFound()
        ctx.record("etjanst_attachment", f"attachment:{attachment_id}", [ctx.login.personnummer])
        media_type, content = found
        return Response(content, media_type=media_type,
                        headers={"Content-Disposition": f'inline; filename="bilaga-{attachment_id}"'})
