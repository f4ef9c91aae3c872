"""Charts for the report (matplotlib, PNG) and the page (SVG sparklines), Chinese text included.

matplotlib has no CJK glyphs of its own: the Noto Sans CJK SC font shipped by the `mplfonts` package
(a project dependency, so `make run` has it too) is registered explicitly; without it Chinese labels
would render as boxes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

FONT_FILE = "NotoSansCJKsc-Regular.otf"


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register the packaged Noto Sans CJK SC with matplotlib; return its family name."""
    import matplotlib

    matplotlib.use("Agg")
    import mplfonts
    from matplotlib import font_manager

    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"找不到中文字体 {path}：请重新安装 mplfonts")
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.family"] = [family]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    xlabel: str = "",
    percent: bool = False,
    horizontal: bool = True,
) -> bytes:
    """A bar chart as PNG bytes."""
    cjk_font()
    import matplotlib.pyplot as plt

    height = max(2.4, 0.42 * len(labels) + 1.0) if horizontal else 3.2
    fig, ax = plt.subplots(figsize=(6.4, height))
    if horizontal:
        pos = list(range(len(labels)))[::-1]
        bars = ax.barh(pos, values, color="#3b6ea5")
        ax.set_yticks(pos, labels)
        ax.set_xlabel(xlabel)
        if percent:
            ax.set_xlim(0, 1.05)
    else:
        bars = ax.bar(range(len(labels)), values, color="#3b6ea5")
        ax.set_xticks(range(len(labels)), labels)
        ax.set_ylabel(xlabel)
    fmt = "{:.0%}" if percent else "{:g}"
    ax.bar_label(bars, labels=[fmt.format(v) for v in values], padding=2, fontsize=8)
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def sparkline_svg(counts: Sequence[int], *, width: int = 120, height: int = 28) -> str:
    """An inline SVG polyline of weekly counts (drawn on the server: no script, no CDN)."""
    if not counts:
        return ""
    top = max(max(counts), 1)
    step = width / max(len(counts) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - (c / top) * (height - 4):.1f}" for i, c in enumerate(counts)
    )
    label = "、".join(str(c) for c in counts)
    return (
        f'<svg class="sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="每周条数：{label}"><polyline fill="none" stroke="#3b6ea5" '
        f'stroke-width="1.5" points="{points}"/></svg>'
    )
