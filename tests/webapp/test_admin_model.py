"""The 分办模型 admin page: the current and the previous model's cards, and 回滚到上一版本 —
admin only, confirmed, audited like `huiying model rollback` (same ledger function, same log), and
the next item registered through the same running app is routed by the restored model."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from classifier.routing.model import TrainConfig, train_from_examples
from ledger.intake.model.model_store import archive_and_save, previous_models, read_log
from ledger.intake.model.routing import load_model, load_prior
from ledger.models import Event, Item
from ledger.settings import REPO_ROOT, Settings
from webapp.database import get_session

SMALL_MODEL_AT = "2026-11-30T08:00:00+00:00"  # shown as 2026-11-30 16:00:00 (Beijing)
LETTER = (
    "关于软件企业申请首版次软件认定的咨询",
    "我公司开发了工业控制软件，想申请首版次软件认定，请问需要哪些材料？",
)


def csrf(client: FlaskClient, url: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True))
    assert found
    return found.group(1)


def switch_to_small_model(settings: Settings) -> None:
    """What a background switch does (archive the current model, save the new one), with a model
    trained in a moment: it knows two 处室 only, so it routes differently from the cold start."""
    texts = {
        "energy_saving": ["工业节能", "能耗双控", "节能监察", "绿色工厂", "余热利用", "节水改造"],
        "not_ours": ["小区物业", "学校招生", "道路拥堵", "社保缴费", "房屋漏水", "邻里纠纷"],
    }
    bodies = [f"{t}问题请求协调解决" for texts_ in texts.values() for t in texts_]
    labels = [label for label, texts_ in texts.items() for _ in texts_]
    small = train_from_examples(None, bodies, labels, TrainConfig(calibration_folds=2))
    small.card.created_at = SMALL_MODEL_AT
    archive_and_save(small, settings)


def register_letter(client: FlaskClient, app: Flask, external: str) -> list[str]:
    """Register the letter through the entry form; returns the 处室 codes it was suggested."""
    html = client.get("/entry/").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|token)" value="([^"]+)"', html))
    response = client.post(
        "/entry/",
        data={
            **fields,
            "item_type": "message_board",
            "channel": "来信",
            "received_at": "2026-11-30T09:30",
            "title": f"{LETTER[0]}（{external}）",
            "body": LETTER[1],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    item_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    with app.app_context():
        item = get_session().get(Item, item_id)
        assert item is not None
        return [s["code"] for s in item.suggestions or []]


def test_admin_rolls_back_and_the_app_routes_with_the_previous_model(
    app: Flask, database_url: str, app_instance: Path, client_for: Callable[..., FlaskClient]
) -> None:
    settings = Settings(database_url, REPO_ROOT / "data", app_instance)
    cold = load_model(settings)
    switch_to_small_model(settings)
    small = load_model(settings)
    prior = load_prior(settings)

    def top3(model) -> list[str]:  # type: ignore[no-untyped-def]
        title, body = LETTER
        return [code for code, _ in model.predict_one(f"{title}（x）", body, prior).top3]

    assert top3(small) != top3(cold)  # else the test could not tell them apart

    admin = client_for(app, "admin", "huiying-admin")
    page = admin.get("/admin/model").get_data(as_text=True)
    assert "分办模型" in page and "回滚到上一版本" in page and "我确认回滚" in page
    assert "在用模型" in page and "2026-11-30 16:00:00" in page  # the current (small) model's card
    assert f"{small.card.n_examples} 条" in page and f"{cold.card.n_examples} 条" in page
    assert "验证集宏平均 F1" in page

    fenban = client_for(app, "fenban")
    assert register_letter(fenban, app, "1") == top3(small)

    # not confirmed: nothing happens
    url = "/admin/model/rollback"
    refused = admin.post(url, data={"csrf_token": csrf(admin, "/admin/model")})
    assert refused.status_code == 302
    assert "请先勾选" in admin.get("/admin/model").get_data(as_text=True)
    assert load_model(settings).card.created_at == SMALL_MODEL_AT

    done = admin.post(
        url, data={"csrf_token": csrf(admin, "/admin/model"), "confirm": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已回滚到上一版本的分办模型" in done and f"{cold.card.n_examples} 条样本" in done
    assert "2026-11-30 16:00:00" not in done.split("更新记录")[0]  # the card shown changed
    assert "没有可以回滚到的上一版本分办模型" in done  # the retired model is never restored
    assert load_model(settings).card.created_at == cold.card.created_at
    assert previous_models(settings) == []

    # audited as the CLI's rollback is (the update log), with the administrator's name …
    entry = read_log(settings)[-1]
    assert entry["action"] == "rollback" and entry["by"] == "admin"
    assert entry["restored_created_at"] == cold.card.created_at
    assert entry["retired_created_at"] == SMALL_MODEL_AT
    assert "回滚到上一版本" in done and "操作人：admin" in done  # the log on the page
    # … and in the ledger's audit trail like every admin change
    with app.app_context():
        [event] = get_session().scalars(select(Event).where(Event.action == "回滚分办模型"))
        assert event.actor == "admin" and event.item_id is None
        assert event.before == {"模型训练于": SMALL_MODEL_AT, "样本数": small.card.n_examples}
        assert event.after == {"模型训练于": cold.card.created_at, "样本数": cold.card.n_examples}

    # the same running app routes the next letter with the restored model, no restart
    assert register_letter(fenban, app, "2") == top3(cold)


def test_nothing_to_roll_back(
    app: Flask, database_url: str, app_instance: Path, client_for: Callable[..., FlaskClient]
) -> None:
    admin = client_for(app, "admin", "huiying-admin")
    page = admin.get("/admin/model").get_data(as_text=True)
    assert "在用模型" in page and "没有可以回滚到的上一版本分办模型" in page
    assert "回滚到上一版本</button>" not in page
    # a stale page (or a second admin) posts anyway: the same clear message, nothing changes
    before = (app_instance / "models" / "router.joblib").read_bytes()
    done = admin.post(
        "/admin/model/rollback",
        data={"csrf_token": csrf(admin, "/admin/model"), "confirm": "1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "没有可以回滚到的上一版本分办模型" in done and "已回滚" not in done
    assert (app_instance / "models" / "router.joblib").read_bytes() == before
    with app.app_context():
        assert not get_session().scalars(select(Event).where(Event.action == "回滚分办模型")).all()


@pytest.mark.parametrize("username", ["fenban", "zxqy", "fenxi"])
def test_only_the_admin(
    app: Flask,
    database_url: str,
    app_instance: Path,
    username: str,
    client_for: Callable[..., FlaskClient],
) -> None:
    settings = Settings(database_url, REPO_ROOT / "data", app_instance)
    switch_to_small_model(settings)
    user = client_for(app, username)
    assert user.get("/admin/model").status_code == 403
    token = csrf(user, "/notices/")
    response = user.post("/admin/model/rollback", data={"csrf_token": token, "confirm": "1"})
    assert response.status_code == 403
    assert load_model(settings).card.created_at == SMALL_MODEL_AT
    assert len(previous_models(settings)) == 1
    anonymous = app.test_client().get("/admin/model")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
