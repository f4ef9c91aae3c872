"""The README's screenshots from a `make run` database: the same steps `huiying run` takes (init-db
--demo, train, the demo portal's year crawled by `huiying crawl`, `huiying demo-history`), plus
one `huiying remind` run (what the background job does 15 minutes after start), each through the
product's own CLI in a fresh instance folder; then the web app is served on loopback and
Chromium photographs each role's page into docs/screenshots/.

    .venv/bin/python benchmarks/readme_screenshots.py [--keep DIR]

Takes a few minutes (the crawl and the history are the bulk). It owns README_SHOTS; the browser
tests photograph what only they set up (a sent-back item, a broken source, a typo in a source
file, the workbench's template and contact tools, the analysis page).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from demoportal.server import start_in_thread  # noqa: E402
from webapp import create_app  # noqa: E402

SHOTS = REPO / "docs" / "screenshots"
# taken here from the make-run database (tests/webapp/test_browser_desk.py leaves them alone)
README_SHOTS = (
    "triage-queue.png",
    "triage-not-ours.png",
    "supervision-board.png",
    "notices.png",
    "ledger-list.png",
    "workbench.png",
)
PASSWORDS = {"admin": "huiying-admin"}


def huiying(env: dict[str, str], *args: str) -> None:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "huiying", *args], env=env, cwd=REPO)
    print(f"huiying {' '.join(args)}: exit {done.returncode}, {time.monotonic() - started:.0f} s")


def build(instance: Path) -> dict[str, str]:
    """A `make run` database in `instance` (what `huiying run` does before serving)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "HUIYING_INSTANCE_DIR": str(instance),
        "HUIYING_DATABASE_URL": f"sqlite:///{instance / 'huiying.db'}",
    }
    huiying(env, "init-db", "--demo")
    huiying(env, "train", "--if-missing")
    portal = start_in_thread("127.0.0.1", 0)  # the demo portal as `huiying run` starts it
    try:
        env["HUIYING_DEMO_PORTAL_URL"] = portal.url
        huiying(env, "crawl")
        huiying(env, "demo-history")
        huiying(env, "remind", "--no-email")
    finally:
        portal.stop()
    return env


def login(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS.get(username, "huiying-demo"))
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def logout(page) -> None:  # type: ignore[no-untyped-def]
    page.click("header button:has-text('退出')")
    page.wait_for_load_state()


def photograph(base: str) -> list[str]:
    from playwright.sync_api import sync_playwright

    taken: list[str] = []

    def shot(page, name: str, full: bool = False) -> None:  # type: ignore[no-untyped-def]
        page.screenshot(path=str(SHOTS / name), full_page=full)
        taken.append(name)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 900})
        login(page, base, "fenban")
        page.goto(f"{base}/triage/?tab=all")
        shot(page, "triage-queue.png")
        page.goto(f"{base}/triage/?tab=not_ours")
        if page.locator("table.triage tbody tr[data-href]").count():
            page.check(".batchbar .select-all")
            shot(page, "triage-not-ours.png")
        logout(page)

        login(page, base, "duban")
        shot(page, "supervision-board.png", full=True)
        page.goto(f"{base}/notices/")
        if page.locator("details.digest summary").count():
            page.locator("details.digest summary").first.click()
        shot(page, "notices.png")
        page.goto(f"{base}/ledger/")
        shot(page, "ledger-list.png")
        logout(page)

        login(page, base, "zxqy")
        shot(page, "workbench.png")
        logout(page)
        browser.close()
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="build the instance here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="huiying-shots-") as tmp:
        instance = args.keep or Path(tmp)
        instance.mkdir(parents=True, exist_ok=True)
        env = build(instance)
        app = create_app(
            {
                "SECRET_KEY": "screenshots",
                "DATABASE_URL": env["HUIYING_DATABASE_URL"],
                "INSTANCE_DIR": str(instance),
            }
        )
        from werkzeug.serving import make_server

        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            taken = photograph(f"http://127.0.0.1:{server.server_port}")
        finally:
            server.shutdown()
        print("docs/screenshots/:", "、".join(taken))


if __name__ == "__main__":
    main()
