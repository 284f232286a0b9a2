"""The layers of DESIGN.md hold, and the check that guards them fails on a wrong-way import."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "setup.cfg"), "--no-cache"],
        cwd=root, env={"PYTHONPATH": str(root)}, capture_output=True, text=True,
    )  # fmt: skip


@pytest.fixture
def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "search_app", tmp_path / "search_app")
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    return tmp_path


def test_the_package_keeps_its_layers(copy_of_the_package: Path) -> None:
    done = lint_imports(copy_of_the_package)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("engine/analysis.py", "import flask", "search_app.engine is not allowed to import flask"),
        ("corpus/passages.py", "import click", "search_app.corpus is not allowed to import click"),
        ("names/variants.py", "import search_app.engine.schema", "search_app.names"),
        ("engine/schema.py", "import search_app.web.links", "search_app.engine"),
    ],
)
def test_a_wrong_way_import_breaks_the_check(
    copy_of_the_package: Path, module: str, line: str, broken: str
) -> None:
    path = copy_of_the_package / "search_app" / module
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    done = lint_imports(copy_of_the_package)
    assert done.returncode == 1
    assert broken in done.stdout
