"""robots.txt is obeyed: a source pointed at a disallowed path fetches nothing there, says why and
counts as failed."""

from __future__ import annotations

ADMIN_TOML = """
slug = "admin_probe"
item_type = "留言板"
base_url = "${HUIYING_DEMO_PORTAL_URL}"

[list]
format = "json"
url = "{base_url}/admin/state"
rows = "json:items"

[list.fields]
external_id = "json:id"
"""


def test_disallowed_pages_are_not_fetched(portal, fresh_ledger_url, crawl, tmp_path):
    (tmp_path / "admin_probe.toml").write_text(ADMIN_TOML, "utf-8")
    summary = crawl(fresh_ledger_url, ["admin_probe"], sources_dir=tmp_path)
    probe = summary["admin_probe"]
    assert probe.new == 0
    # nothing collected is a failed crawl (`huiying crawl` exits non-zero), with the reason
    assert probe.failures == ["没有采到任何条目（拒收 1）"]
    assert probe.pages == 1  # robots.txt only
    [rejection] = probe.rejections
    assert rejection["url"].endswith("/admin/state")
    assert "robots.txt" in rejection["reason"]
