"""Every administrator-edited TOML file in data/ has strict keys: a misspelt key is refused at load
with the file, the key and the nearest valid key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from ledger.config.keys import check_keys
from ledger.config.schemas import DATA_FILES
from ledger.office.catalogue import CatalogueError, read_departments
from ledger.settings import REPO_ROOT
from ledger.workflow.disclosure.catalogue import CatalogueError as DisclosureCatalogueError
from ledger.workflow.disclosure.catalogue import load_catalogue
from ledger.workflow.disclosure.notices import NoticeFileError, load_notice_book
from ledger.workflow.reminders import EscalationFileError, load_escalation
from ledger.workflow.reply_templates import TemplateFileError, load_templates

DATA = REPO_ROOT / "data"


@pytest.mark.parametrize("name", sorted(DATA_FILES))
def test_shipped_data_files_match_their_schema(name: str) -> None:
    check_keys(tomllib.loads((DATA / name).read_text("utf-8")), DATA_FILES[name], name)


@pytest.mark.parametrize(
    ("name", "loader", "error", "typo", "path"),
    [
        ("departments.toml", read_departments, CatalogueError, "duties", "department[1].dutys"),
        ("escalation.toml", load_escalation, EscalationFileError, "emails", "level[1].emials"),
        ("reply_templates.toml", load_templates, TemplateFileError, "types", "template[1].tpyes"),
        (
            "disclosure_requests.toml",
            load_catalogue,
            DisclosureCatalogueError,
            "needs",
            "reply[2].neds",
        ),
        ("disclosure_notices.toml", load_notice_book, NoticeFileError, "title", "correction.titel"),
    ],
)
def test_a_misspelt_key_is_refused_at_load(
    tmp_path: Path, name, loader, error, typo: str, path: str
) -> None:
    wrong = path.rsplit(".", 1)[1]
    text = (DATA / name).read_text("utf-8").replace(f"\n{typo} =", f"\n{wrong} =", 1)
    target = tmp_path / name
    target.write_text(text, "utf-8")
    expected = f"不认识的键 `{path}`；最接近的有效键是 `{typo}`"
    with pytest.raises(error, match=re.escape(expected)) as err:
        loader(target)
    assert str(target) in str(err.value)
