"""Routing at intake uses the trained model; confirmed routes retrain it (with before/after figures)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.intake.model.routing import ModelRouter
from ledger.intake.model.training import ledger_examples, retrain
from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.models import Department, Item, ItemStatus, RoutingDecision
from ledger.settings import Settings


def _record(n: int, title: str, body: str) -> IntakeRecord:
    return IntakeRecord(
        source="demo_board",
        external_id=f"T-{n}",
        item_type="留言板",
        title=title,
        body=body,
        received_at=datetime(2026, 11, 2, tzinfo=UTC) + timedelta(hours=n),
    )


def test_intake_routes_with_the_model(session: Session, data_dir: Path, instance_dir: Path) -> None:
    ctx = IntakeContext.load(session, Settings("unused", data_dir, instance_dir))
    assert isinstance(ctx.router, ModelRouter)
    item = session.get(
        Item,
        intake(
            session,
            _record(
                1, "化工园区认定", "我市化工园区申请省级认定，请问复核要求和化工项目入园条件？"
            ),
            ctx,
        ).item_id,
    )
    assert item is not None
    assert [s["code"] for s in item.suggestions][0] == "chemical"
    assert len(item.suggestions) == 3
    assert item.topics == ["化工园区"] or "化工园区" in item.topics


def test_low_confidence_items_wait_for_a_person(
    session: Session, data_dir: Path, instance_dir: Path
) -> None:
    ctx = IntakeContext.load(session, Settings("unused", data_dir, instance_dir))
    # Nothing in the message says whose business it is: the model is unsure.
    vague = _record(2, "求助", "我们遇到一些困难，想请厅里帮忙协调一下。")
    prediction = ctx.router.model.predict_one(vague.title, vague.body)  # type: ignore[attr-defined]
    assert prediction.confidence < ctx.router.model.threshold  # type: ignore[attr-defined]
    item = session.get(Item, intake(session, vague, ctx).item_id)
    assert item is not None
    assert item.status == ItemStatus.NEW and item.department_id is None
    decision = session.scalars(
        select(RoutingDecision).where(RoutingDecision.item_id == item.id)
    ).one()
    assert decision.department_id is None and decision.method == "model"


@pytest.mark.slow
def test_retrain_learns_from_confirmed_routes(
    session: Session, data_dir: Path, tmp_path: Path, instance_dir: Path
) -> None:
    # A private instance folder: retraining must not replace the model other tests use.
    (tmp_path / "models").mkdir()
    for f in (instance_dir / "models").iterdir():
        (tmp_path / "models" / f.name).write_bytes(f.read_bytes())
    settings = Settings("unused", data_dir, tmp_path)
    ctx = IntakeContext.load(session, settings)
    radio = session.scalar(select(Department).where(Department.code == "radio"))
    assert radio is not None
    # Staff keep correcting one local kind of complaint to 无线电管理处.
    for n in range(30):
        item_id = intake(
            session,
            _record(
                100 + n,
                f"对讲机串台第{n}次",
                f"出租车对讲机频道第{n}天被不明信号串台，车队无法调度，请查处。",
            ),
            ctx,
        ).item_id
        session.add(
            RoutingDecision(
                item_id=item_id,
                department_id=radio.id,
                method="corrected",
                is_training_example=True,
            )
        )
    session.flush()
    assert len(ledger_examples(session)) == 30
    messages: list[str] = []
    report = retrain(session, settings, progress=messages.append)
    assert report.ledger_examples == 30 and report.held_out == 6
    assert report.before_macro_f1 is not None and report.after_macro_f1 is not None
    assert report.after_macro_f1 >= report.before_macro_f1
    assert report.path == settings.model_path and report.path.exists()
    assert any("仅用种子语料" in m for m in messages)


def test_a_route_later_sent_back_teaches_nothing(
    session: Session, data_dir: Path, instance_dir: Path
) -> None:
    ctx = IntakeContext.load(session, Settings("unused", data_dir, instance_dir))
    radio = session.scalar(select(Department).where(Department.code == "radio"))
    assert radio is not None
    kept = intake(session, _record(201, "对讲机干扰", "对讲机频道被干扰。"), ctx).item_id
    undone = intake(session, _record(202, "电台干扰", "广播电台信号被干扰。"), ctx).item_id
    for item_id in (kept, undone):
        session.add(
            RoutingDecision(
                item_id=item_id,
                department_id=radio.id,
                method="confirmed",
                is_training_example=True,
            )
        )
    session.flush()
    # The 处室 sends one back as mis-routed: its confirmation no longer counts.
    session.add(RoutingDecision(item_id=undone, department_id=None, method="returned"))
    session.flush()
    examples = ledger_examples(session)
    assert [e.title for e in examples] == ["对讲机干扰"]
