"""Render the scaffold templates (files in `templates/`, Jinja2) into a new repository.

Template file names map to output paths: a leading `dot-` becomes `.` (package data cannot
hold hidden files portably), `.j2` marks a file rendered with Jinja2, and `content-en/` or
`content-zh/` hold the example entries of each language. Templates use `[[ ]]` and `[% %]`
delimiters, because GitHub workflow files are full of `${{ }}`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"
CI_FILES = {
    "github": ("dot-github/workflows/kb-check.yml.j2", "dot-github/workflows/kb-publish.yml.j2",
               "dot-github/pull_request_template.md"),
    "gitlab": ("dot-gitlab-ci.yml.j2", "dot-gitlab/merge_request_templates/Default.md"),
}
LANGUAGES = ("zh", "en")

# What the example entries refer to, per language.
EXAMPLES: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "person": {"id": "alex.lee", "name": "Alex Lee", "team": "Data Import", "department": "Product"},
        "product": {"id": "import-service", "name": "Import service", "component": "csv-reader",
                    "component_name": "CSV reader",
                    "description": "Uploads of customer lists and orders as CSV and Excel files."},
        "tag": {"id": "encoding", "description": "Text encodings, byte-order marks, escaping.", "zh": "编码"},
    },
    "zh": {
        "person": {"id": "zhang.wei", "name": "张伟", "team": "数据导入组", "department": "产品部"},
        "product": {"id": "import-service", "name": "导入服务 Import service", "component": "csv-reader",
                    "component_name": "CSV 解析 CSV reader",
                    "description": "客户名单与订单的 CSV、Excel 文件上传。Uploads of CSV and Excel files."},
        "tag": {"id": "encoding", "description": "字符编码、字节序标记与转义。Text encodings and byte-order marks.",
                "zh": "编码"},
    },
}


@dataclass(slots=True)
class InitOptions:
    target: Path
    language: str = "zh"
    name: str = ""
    ci: str = "both"  # github | gitlab | both | none
    requirement: str | None = None  # the pip requirement CI installs; None: how this copy was installed
    today: date = field(default_factory=date.today)


@dataclass(slots=True)
class Planned:
    path: Path  # inside the target
    text: str


@dataclass(frozen=True, slots=True)
class Source:
    """Where this DefectKB came from, so CI and pre-commit can install the very same one."""

    requirement: str  # a pip requirement
    reachable: bool  # False: a local checkout or wheel that CI cannot install as it is
    git_url: str | None = None
    git_rev: str | None = None


def install_requirement() -> Source:
    """How this DefectKB was installed (PEP 610 direct_url.json), as a requirement for CI.

    An install from a Git URL keeps the URL and commit; an install from an index pins the version;
    a local checkout or wheel cannot be reached from CI, and the caller says so.
    """
    try:
        dist = metadata.distribution("defectkb")
    except metadata.PackageNotFoundError:
        return Source("defectkb[site]", False)
    pinned = f"defectkb[site]=={dist.version}"
    raw = dist.read_text("direct_url.json")
    if not raw:
        return Source(pinned, True)
    try:
        info = json.loads(raw)
    except ValueError:
        return Source(pinned, False)
    url = str(info.get("url", ""))
    vcs = info.get("vcs_info")
    if vcs and not url.startswith("file:"):
        rev = vcs.get("commit_id") or vcs.get("requested_revision")
        return Source(f"defectkb[site] @ {vcs.get('vcs', 'git')}+{url}" + (f"@{rev}" if rev else ""), True,
                      url, rev)
    if url.startswith(("http://", "https://")):
        return Source(f"defectkb[site] @ {url}", True)
    return Source(pinned, False)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        variable_start_string="[[", variable_end_string="]]",
        block_start_string="[%", block_end_string="%]",
        comment_start_string="[#", comment_end_string="#]",
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False,
    )


def _output_path(template: str) -> str:
    parts = template.split("/")
    if parts[0] in ("content-en", "content-zh"):
        parts[0] = "content"
    parts = ["." + p[4:] if p.startswith("dot-") else p for p in parts]
    out = "/".join(parts)
    return out[:-3] if out.endswith(".j2") else out


def _context(options: InitOptions, source: Source) -> dict[str, object]:
    default_name = "缺陷知识库 Defect knowledge base" if options.language == "zh" else "Defect knowledge base"
    return {
        **EXAMPLES[options.language],
        "name": options.name or default_name,
        "language": options.language,
        "ci": options.ci,
        "today": options.today.isoformat(),
        "requirement": options.requirement or source.requirement,
        "hook_repo": source.git_url if not options.requirement else None,
        "hook_rev": source.git_rev,
        "install": "pip install -r requirements.txt",
    }


def render_ci(ci: str, install: str) -> dict[str, str]:
    """The CI files for `ci` (github, gitlab or both), with `install` as the install command."""
    env = _environment()
    kinds = ("github", "gitlab") if ci == "both" else (ci,)
    return {_output_path(t): env.get_template(t).render(install=install) if t.endswith(".j2")
            else (TEMPLATES / t).read_text(encoding="utf-8")
            for kind in kinds for t in CI_FILES[kind]}


def plan(options: InitOptions) -> list[Planned]:
    """Every file `kb init` would write, rendered, in a stable order."""
    context = _context(options, install_requirement())
    env = _environment()
    skip_ci = {t for kind, files in CI_FILES.items() if options.ci not in (kind, "both") for t in files}
    other_language = "content-en" if options.language == "zh" else "content-zh"
    out: list[Planned] = []
    for path in sorted(TEMPLATES.rglob("*")):
        if not path.is_file() or path.name.endswith((".pyc",)) or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(TEMPLATES).as_posix()
        if rel in skip_ci or rel.startswith(other_language + "/"):
            continue
        text = env.get_template(rel).render(**context) if rel.endswith(".j2") else path.read_text(encoding="utf-8")
        out.append(Planned(Path(_output_path(rel)), text))
    return out


def write(options: InitOptions, force: bool = False) -> tuple[list[Path], list[Path]]:
    """Write the planned files. Returns (written, existing); with existing files and no `force`,
    nothing at all is written."""
    planned = plan(options)
    existing = [p.path for p in planned if (options.target / p.path).exists()]
    if existing and not force:
        return [], existing
    written = []
    for p in planned:
        dest = options.target / p.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(p.text, encoding="utf-8")
        written.append(p.path)
    return written, existing
