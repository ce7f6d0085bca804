"""The rules and the sources ship with the project: docs/rules.md and docs/sources.md.

Pipeline position: the documentation beside every stage (scenario -> population -> domain ->
simulation -> event log -> metrics -> charts/report). A user's clone holds nothing outside the
repository, so no file may point at a folder beside the checkout or at an absolute path; every
rule of the service has its section in docs/rules.md, every rule ID cited anywhere exists there,
and every default marked ``# assumption`` is listed as one in docs/sources.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "docs" / "rules.md"
SOURCES = ROOT / "docs" / "sources.md"
THIS_FILE = Path(__file__).resolve()

# Folders of a working checkout that are not part of the repository (see .gitignore).
NOT_IN_REPOSITORY = {
    ".git",
    ".venv",
    ".venv-compiled",
    "__pycache__",
    "build",
    "dist",
    "out",
    "dask-worker-space",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".ipynb_checkpoints",
}
TEXT_SUFFIXES = {".md", ".py", ".ipynb", ".toml", ".txt", ".cfg", ".ini", ".json", ".yml", ".yaml"}
TEXT_SUFFIXES |= {".sh", ".html", ".csv", ""}  # "" for Makefile and .ci/run

# An absolute /work/ path (not a URL's /work/ segment) or a folder beside the checkout.
OUTSIDE_POINTER = re.compile(r"(?<![\w.~%-])/work/|\.\./shared/|(?<![\w.-])shared/[\w-]+\.md")
# The design notes the project started from live outside the repository; naming them sends a
# reader to a file their clone does not have (unless the repository gains a file of that name).
OUTSIDE_DOCUMENTS = ("domain-rules.md", "calibration.md", "design.md")

RULE_IDS = (
    [f"R{number}" for number in range(1, 21)]
    + [f"F{number}" for number in range(1, 9)]
    + [f"P{number}" for number in range(1, 5)]
    + [f"D{number}" for number in range(1, 8)]
)
CITED_ID = re.compile(r"\b([RFPD][1-9][0-9]?)\b")
TEST_NAMED_AFTER_ID = re.compile(r"\bdef test_([rfpd][1-9][0-9]?)_")
ANCHOR = re.compile(r'<a id="([\w-]+)"></a>\s*\n(#{2,4}) +(\S+)')
RULES_LINK = re.compile(r"rules\.md#([\w-]+)")


def repository_text_files() -> Iterator[Path]:
    """Every text file of the repository, this test excepted (it names what it forbids)."""
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if any(part in NOT_IN_REPOSITORY or part.endswith(".egg-info") for part in relative.parts):
            continue
        if not path.is_file() or path.resolve() == THIS_FILE:
            continue
        if path.suffix in TEXT_SUFFIXES or path.name in {".gitignore"}:
            yield path


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def files_under(*names: str) -> list[Path]:
    roots = [ROOT / name for name in names]
    return [
        path
        for path in repository_text_files()
        if any(path == root or root in path.parents for root in roots)
    ]


@cache
def rules_text() -> str:
    return RULES.read_text(encoding="utf-8")


def heading_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    kept = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return kept.replace(" ", "-")


@cache
def rules_anchors() -> frozenset[str]:
    text = rules_text()
    explicit = {match.group(1) for match in ANCHOR.finditer(text)}
    headings = {
        heading_slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")
    }
    return frozenset(explicit | headings)


def test_no_file_points_outside_the_repository() -> None:
    existing_names = {path.name for path in repository_text_files()}
    outside_documents = [name for name in OUTSIDE_DOCUMENTS if name not in existing_names]
    findings = []
    for path in repository_text_files():
        for number, line in enumerate(read_text(path).splitlines(), start=1):
            where = f"{path.relative_to(ROOT)}:{number}"
            if OUTSIDE_POINTER.search(line):
                findings.append(f"{where}: points outside the repository: {line.strip()[:120]}")
            for name in outside_documents:
                if re.search(rf"(?<![\w-]){re.escape(name)}", line):
                    findings.append(
                        f"{where}: names {name}, which is not in the repository; cite "
                        f"docs/rules.md, docs/sources.md or the source's URL instead"
                    )
    assert not findings, "\n".join(findings)


def test_the_scan_sees_the_files_it_guards() -> None:
    # The guard above must not pass by scanning nothing: every part the brief names is seen.
    scanned = {path.relative_to(ROOT).parts[0] for path in repository_text_files()}
    expected = {"README.md", "docs", "notebooks", "etj_sim", "scenarios", "benchmarks", "tests"}
    assert expected <= scanned


def test_the_outside_pointer_pattern_catches_what_it_should() -> None:
    caught = ["see ../shared/domain-rules.md", "(`/work/shared/calibration.md`)", "at /work/main"]
    passed = ["https://example.org/work/page", "docs/rules.md#r12", "homework/notes"]
    assert all(OUTSIDE_POINTER.search(text) for text in caught)
    assert not any(OUTSIDE_POINTER.search(text) for text in passed)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_rule_has_its_section_in_rules_md(rule_id: str) -> None:
    sections = {match.group(1): match.group(3) for match in ANCHOR.finditer(rules_text())}
    assert rule_id.lower() in sections, f"docs/rules.md has no <a id={rule_id.lower()!r}> section"
    assert sections[rule_id.lower()] == rule_id, (
        f"docs/rules.md: the section anchored {rule_id.lower()!r} is headed "
        f"{sections[rule_id.lower()]!r}, not {rule_id!r}"
    )


def test_rules_md_anchors_are_unique() -> None:
    anchors = [match.group(1) for match in ANCHOR.finditer(rules_text())]
    repeated = sorted({anchor for anchor in anchors if anchors.count(anchor) > 1})
    assert not repeated, f"docs/rules.md repeats the anchors {repeated}"


def test_every_cited_rule_id_exists_in_rules_md() -> None:
    known = {match.group(1) for match in ANCHOR.finditer(rules_text())}
    findings = []
    cited_files = files_under("etj_sim", "tests", "notebooks", "scenarios", "docs", "README.md")
    for path in cited_files:
        for number, line in enumerate(read_text(path).splitlines(), start=1):
            cited = [match.group(1) for match in CITED_ID.finditer(line)]
            cited += [match.group(1).upper() for match in TEST_NAMED_AFTER_ID.finditer(line)]
            findings += [
                f"{path.relative_to(ROOT)}:{number}: cites {rule_id}, which docs/rules.md lacks"
                for rule_id in cited
                if rule_id.lower() not in known
            ]
    assert not findings, "\n".join(findings)


def test_links_into_rules_md_reach_an_anchor() -> None:
    findings = []
    for path in repository_text_files():
        for number, line in enumerate(read_text(path).splitlines(), start=1):
            findings += [
                f"{path.relative_to(ROOT)}:{number}: rules.md#{anchor} is not an anchor there"
                for anchor in RULES_LINK.findall(line)
                if anchor not in rules_anchors()
            ]
    assert not findings, "\n".join(findings)


def assumption_fields() -> set[str]:
    """Scenario fields whose default (or one of whose table entries) is marked ``# assumption``."""
    fields = set()
    field_line = re.compile(r"^    (\w+): ")
    for path in sorted((ROOT / "etj_sim" / "scenario").glob("*.py")):
        current = None
        for line in read_text(path).splitlines():
            match = field_line.match(line)
            if match:
                current = match.group(1)
            if current and re.search(r"#\s*assumption\b", line):
                fields.add(current)
    return fields


def test_sources_md_lists_every_assumed_default() -> None:
    text = SOURCES.read_text(encoding="utf-8")
    heading = "## Defaults that are assumptions"
    assert heading in text, f"docs/sources.md has no section {heading!r}"
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    fields = assumption_fields()
    assert fields, "no `# assumption` found in etj_sim/scenario: the scan is broken"
    missing = sorted(field for field in fields if f"`{field}`" not in section)
    assert not missing, f"docs/sources.md, {heading!r}, does not list {missing}"


MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


@cache
def markdown_anchors(path: Path) -> frozenset[str]:
    """The anchors of ``path``'s headings as GitHub makes them (a repeated one gains -1, -2...)."""
    text = read_text(path)
    seen: dict[str, int] = {}
    anchors = {match.group(1) for match in ANCHOR.finditer(text)}
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if fenced or not re.match(r"#{1,6} ", line):
            continue
        slug = heading_slug(line.lstrip("#"))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return frozenset(anchors)


def test_markdown_links_reach_their_file_and_heading() -> None:
    """A link in the README or docs/ names a file of the repository and, after #, one of its
    headings: moving a section must not leave a reader at a dead link."""
    findings = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for number, line in enumerate(read_text(path).splitlines(), start=1):
            for target in MARKDOWN_LINK.findall(line):
                if re.match(r"[a-z]+:", target):
                    continue  # a URL
                file_part, _, anchor = target.partition("#")
                linked = (path.parent / file_part).resolve() if file_part else path
                where = f"{path.relative_to(ROOT)}:{number}: {target}"
                if not linked.exists():
                    findings.append(f"{where}: no such file")
                elif anchor and linked.suffix == ".md" and anchor not in markdown_anchors(linked):
                    findings.append(f"{where}: no heading with that anchor")
    assert not findings, "\n".join(findings)
