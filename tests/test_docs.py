"""The manual stays true to the code: every `python -m zoo ...` command written in README.md and docs/ composes
(as `--cfg job` would, nothing trained), and every relative link and image points at a file and heading that exist."""
import re
import shlex
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser

from tests.conftest import CONF, ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND = re.compile(r"(?:^|\s)python -m zoo (?P<arguments>.*)")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)\)")
FLAGS = {"-m", "--multirun", "--help", "-h", "--cfg", "job", "--version"}


def blocks_and_spans(text: str) -> list[tuple[int, str]]:
    """(line number, code) for each line of a fenced block, continuations joined, and for each inline code span."""
    found, fenced, pending = [], False, ""
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            pending += line.rstrip()
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            found.append((number, pending))
            pending = ""
        else:
            found.extend((number, span) for span in INLINE_CODE.findall(line))
    return found


def zoo_commands() -> list[tuple[str, list[str]]]:
    """Every `python -m zoo ARGS` of the manual, as (page:line, its overrides), comments and flags left out."""
    commands = []
    for page in PAGES:
        for number, code in blocks_and_spans(page.read_text()):
            for segment in re.split(r"&&|;|\|", code):
                match = COMMAND.search(segment)
                if match:
                    # the manual's commands run from the root of a checkout
                    words = shlex.split(match["arguments"].replace("$PWD", str(ROOT)), comments=True)
                    commands.append((f"{page.relative_to(ROOT)}:{number}", [w for w in words if w not in FLAGS]))
    return commands


def first_job(overrides: list[str]) -> list[str]:
    """The overrides of a sweep's first job (`model=a,b` -> `model=a`), as Hydra's basic sweeper splits them."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    return BasicSweeper.split_arguments(parsed, max_batch_size=None)[0][0]


COMMANDS = zoo_commands()


def test_the_manual_holds_commands():
    assert len(COMMANDS) >= 20, [where for where, _ in COMMANDS]


@pytest.mark.parametrize("where,overrides", COMMANDS, ids=[where for where, _ in COMMANDS])
def test_every_command_composes(where, overrides):
    placeholders = [word for word in overrides if re.search(r"<[^>]*>|\.\.\.", word)]
    assert not placeholders, f"{where}: a placeholder where a real value belongs: {placeholders}"
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose("train", overrides=first_job(overrides), return_hydra_config=True)
    assert cfg.model and cfg.data


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {slug(line.lstrip("#")) for line in text.splitlines() if re.match(r"#{1,6} ", line)}


LINKS = [(page, match["target"]) for page in PAGES for match in LINK.finditer(page.read_text())
         if not re.match(r"[a-z]+:", match["target"])]


def test_the_manual_links_its_pages():
    assert {target.split("#")[0] for page, target in LINKS if page.name == "README.md"} >= {"docs/results.md"}


@pytest.mark.parametrize("page,target", LINKS, ids=[f"{page.name}->{target}" for page, target in LINKS])
def test_every_relative_link_resolves(page, target):
    path, _, anchor = target.partition("#")
    linked = (page.parent / path).resolve() if path else page
    assert linked.exists(), f"{page.relative_to(ROOT)}: {path} does not exist"
    if anchor and linked.suffix == ".md":
        assert anchor in anchors(linked), f"{page.relative_to(ROOT)}: no heading #{anchor} in {path or page.name}"
