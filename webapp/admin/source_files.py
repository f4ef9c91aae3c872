"""Source files (data/sources/<slug>.toml) edited in the admin page, validated by the crawler's own
loader. The web app does not import the crawler (import-linter), so the check runs as
`huiying sources check --offline` in a child process: the same code that every crawl runs first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECK_TIMEOUT = 120  # seconds: the check reads one small file, but the child starts Python


def validate_source(slug: str, text: str) -> str | None:
    """None if `text` loads as data/sources/<slug>.toml would; else the crawler's refusal (file,
    key and nearest valid key), with the temporary path shown as the real file's name."""
    with tempfile.TemporaryDirectory(prefix="huiying-source-") as tmp:
        path = Path(tmp) / f"{slug}.toml"
        path.write_text(text, encoding="utf-8")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        try:
            done = subprocess.run(
                [sys.executable, "-m", "huiying", "sources", "check", "--offline", str(path)],
                capture_output=True,
                text=True,
                timeout=CHECK_TIMEOUT,
                cwd=REPO_ROOT,
                env=env,
            )
        except subprocess.TimeoutExpired:
            return "校验超时，请稍后重试"
        if done.returncode == 0:
            return None
        lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        # the loader's refusal is the line it prints; else (a crash) the last line of the output
        refusal = next((line for line in lines if "配置有误" in line), None)
        shown = refusal or (lines[-1] if lines else f"校验失败（退出码 {done.returncode}）")
        return shown.replace(str(path), f"data/sources/{slug}.toml").replace(tmp, "data/sources")
