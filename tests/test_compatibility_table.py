"""The README's "Tested with the real Dapr" table names exactly the releases the real-Dapr tests build."""

import re
from pathlib import Path

from tests.builds.dapr import CLI_VERSION, DAPRD_VERSIONS
from tests.test_real_daprd import test_daprd_refreshes_from_the_server_without_a_restart as modes_test

README = Path(__file__).resolve().parent.parent / "README.md"


def _table() -> list[list[str]]:
    text = README.read_text()
    section = text[text.index("### Tested with the real Dapr"):]
    section = section[:section.index("\n### ", 1)]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in section.splitlines()
            if line.startswith("|") and not line.startswith("|---")]


def test_the_table_lists_the_daprd_releases_built_and_the_cli_version():
    header, *rows = _table()
    assert [row[0] for row in rows] == list(DAPRD_VERSIONS)
    assert f"CLI {CLI_VERSION}" in " ".join(header)
    (server_modes,) = [m.args[1] for m in modes_test.pytestmark if m.name == "parametrize"]
    for mode in [*server_modes, "env"]:
        assert f"`{mode}`" in header
    for row in rows:
        assert row[1:5] == ["tested"] * 4, row
    assert re.search(r"SIGHUP", header[-1])
