"""Manual entry (人工录入): the form for letters, calls, walk-ins, online applications, 上级交办 and
media reports, and the download of their attachments (only for users who may see the item)."""

from __future__ import annotations

import secrets
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import login_required

from ledger.intake.manual.attachments import (
    ALLOWED_ZH,
    MAX_BYTES,
    MAX_FILES,
    Upload,
    attachment_dir,
    attachment_path,
    mime_type,
)
from ledger.intake.manual.manual_entry import ENTRY_ROLES, REQUEST_KINDS, ManualEntry, register
from ledger.intake.manual.receipt import ReceiptRules, load_receipt_rules
from ledger.intake.pipeline import IntakeContext
from ledger.intake.record_checks import IntakeError
from ledger.queries import get_item
from ledger.settings import Settings
from ledger.workflow.guards import now_utc
from ledger.workflow.proposals.registration import refuse_generic_entry
from ledger.workflow.proposals.steps import ITEM_TYPE as PROPOSAL_TYPE
from webapp.auth import current_staff
from webapp.database import get_session
from webapp.params import form_moment
from webapp.request_types import foi as foi_views
from webapp.roles import roles_required
from webapp.services import clock, data_dir

bp = Blueprint("entry", __name__, url_prefix="/entry")

# The whole form: every attachment at its limit plus the text fields.
MAX_REQUEST = MAX_FILES * MAX_BYTES + 1024 * 1024


def receipt_rules() -> ReceiptRules:
    return load_receipt_rules(data_dir() / "receipt_rules.toml")


def _instance_dir() -> Path:
    return Path(current_app.config["INSTANCE_DIR"])


def _moment(name: str, label: str) -> datetime | None:
    return form_moment(name, lambda: IntakeError(f"{label}格式不对（应为 年-月-日 时:分）"))


def _form(values: dict[str, Any]) -> str:
    rules = receipt_rules()
    return render_template(
        "entry/form.html",
        v=values,
        # 建议提案 need their batch, 主办 and 协办: they have their own form (proposal_views)
        types=[(r.key, r.name) for r in clock().rules if r.key != PROPOSAL_TYPE],
        receipt_rules=list(rules),
        request_kinds=REQUEST_KINDS,
        allowed=ALLOWED_ZH,
        max_mb=MAX_BYTES // (1024 * 1024),
        max_files=MAX_FILES,
    )


@bp.get("/")
@roles_required(*ENTRY_ROLES)
def form():
    return _form({"token": secrets.token_hex(16), "channel": "来信"})


@bp.post("/")
@roles_required(*ENTRY_ROLES)
def submit():
    request.max_content_length = MAX_REQUEST  # larger: 413 (文件太大) before anything is read
    values = {k: request.form.get(k, "") for k in request.form}
    session = get_session()
    try:
        uploads = [
            Upload(f.filename or "", f.read())
            for f in request.files.getlist("attachments")
            if f and f.filename
        ]
        entry = ManualEntry(
            token=values.get("token", ""),
            item_type=values.get("item_type", ""),
            channel=values.get("channel", ""),
            title=values.get("title", ""),
            body=values.get("body", ""),
            author=values.get("author") or None,
            request_kind=values.get("request_kind") or None,
            received_at=_moment("received_at", "收到时间"),
            submitted_at=_moment("submitted_at", "提交（寄出）时间"),
            uploads=uploads,
        )
        refuse_generic_entry(entry.item_type, clock().rules)
        applicant = foi_views.applicant_from_form(request.form)  # checked before anything is saved
        ctx = IntakeContext.load(session, _settings())
        result = register(session, current_staff(), entry, ctx, receipt_rules(), now=now_utc())
        if applicant is not None and result.outcome == "new":
            foi_views.register_applicant(result.item_id, applicant)
    except IntakeError as exc:
        session.rollback()
        flash(f"未登记：{exc}", "error")
        return _form(values)  # the form again, with what was typed
    try:
        session.commit()
    except Exception:
        session.rollback()
        if result.outcome == "new":  # the item is gone: so are its files
            shutil.rmtree(attachment_dir(_instance_dir(), result.item_id), ignore_errors=True)
        raise
    if result.outcome == "new":
        flash("已登记。办理时限已按收到日计算。", "info")
    else:
        flash("这份表单已经登记过，没有重复登记。", "info")
    return redirect(url_for("ledger.item", item_id=result.item_id))


@bp.get("/items/<int:item_id>/attachments/<int:no>")
@login_required  # who may download is who may see the item (ledger.queries)
def attachment(item_id: int, no: int):
    it = get_item(get_session(), current_staff(), item_id)  # not visible → 404 (webapp.errors)
    entry = next((e for e in it.extra.get("附件", []) if e.get("no") == no), None)
    if entry is None:
        abort(404)
    path = attachment_path(_instance_dir(), it.id, entry)
    if not path.is_file():
        abort(404)
    return send_file(
        path, mimetype=mime_type(entry), as_attachment=True, download_name=str(entry["name"])
    )


def _settings() -> Settings:
    return Settings(
        database_url=str(current_app.config["DATABASE_URL"]),
        data_dir=data_dir(),
        instance_dir=_instance_dir(),
    )
