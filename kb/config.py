"""Configuration: the rules that differ between organisations, with the defaults we recommend.

A knowledge base may carry a `kb.yml` next to (or above) its content folder; every key is
optional. See docs/configuration.md.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from defectkb.enums import DefectStatus, LessonStatus, Resolution, Severity, Visibility
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

if TYPE_CHECKING:
    from defectkb.policy.html import HtmlPolicy
    from defectkb.policy.limits import BodyLimits

CONFIG_NAME = "kb.yml"


class SectionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: str
    zh: str
    level: int = Field(2, ge=2, le=4)
    parent: str | None = None  # for ### subsections: the key of the enclosing section
    aliases: list[str] = Field(default_factory=list)
    description: str = ""

    @property
    def heading(self) -> str:
        return f"{self.en} / {self.zh}"


class KindConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    folder: str
    id_prefix: str
    statuses: list[str]
    sections: dict[str, SectionSpec]
    # status -> section keys required in that status (complete list, not cumulative)
    required_sections: dict[str, list[str]]
    # status -> fields required in that status; `a|b` means at least one of them
    required_fields: dict[str, list[str]] = Field(default_factory=dict)
    # status -> fields that must be empty in that status
    empty_fields: dict[str, list[str]] = Field(default_factory=dict)


def _cumulative(steps: list[tuple[str, list[str]]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    acc: list[str] = []
    for status, added in steps:
        acc = acc + added
        out[status] = acc
    return out


def _defect_defaults() -> KindConfig:
    sections = {
        "description": SectionSpec(en="Description", zh="缺陷描述", description="What goes wrong, where, for whom."),
        "steps": SectionSpec(en="Steps to Reproduce", zh="复现步骤", level=3, parent="description",
                             aliases=["Steps", "Reproduction Steps", "重现步骤"]),
        "expected": SectionSpec(en="Expected Result", zh="预期结果", level=3, parent="description",
                                aliases=["Expected"]),
        "actual": SectionSpec(en="Actual Result", zh="实际结果", level=3, parent="description",
                              aliases=["Actual"]),
        "impact": SectionSpec(en="Impact", zh="影响范围", description="Who and what is affected, with numbers."),
        "analysis": SectionSpec(en="Analysis", zh="原因分析", aliases=["Root Cause", "根因分析"],
                                description="Root cause and trigger; for rejected or deferred defects, why."),
        "solution": SectionSpec(en="Solution", zh="解决方案", aliases=["Fix"], description="What changed."),
        "test_method": SectionSpec(en="Test Method", zh="测试方法", aliases=["Testing"],
                                   description="Test cases, data and regression scope."),
        "verification": SectionSpec(en="Verification", zh="验证结果",
                                    description="Build verified, environment, result."),
        "prevention": SectionSpec(en="Prevention", zh="预防措施"),
        "attachments": SectionSpec(en="Attachments", zh="附件与日志"),
        "reopen_history": SectionSpec(en="Reopen History", zh="重新打开记录",
                                      description="Each reopening: date, why, by whom."),
    }
    base = ["description", "steps", "expected", "actual", "impact"]
    progression = _cumulative(
        [
            ("new", base),
            ("analyzing", []),
            ("fixing", ["analysis"]),
            ("testing", ["solution", "test_method"]),
            ("verified", ["verification"]),
            ("closed", []),
        ]
    )
    fields = _cumulative(
        [
            ("new", []),
            ("analyzing", ["assignee", "priority"]),
            ("fixing", ["defect_type", "injected_phase"]),
            ("testing", ["resolved_at", "fixed_version", "links.commits|links.merge_requests"]),
            ("verified", ["verifier", "verified_at"]),
            ("closed", ["closed_at"]),
        ]
    )
    lifecycle = ["resolved_at", "verified_at", "closed_at"]
    return KindConfig(
        folder="defects",
        id_prefix="DEF",
        statuses=DefectStatus.values(),
        sections=sections,
        required_sections={
            **progression,
            "rejected": [*base, "analysis"],
            "deferred": [*base, "analysis"],
            "reopened": [*progression["fixing"], "reopen_history"],
        },
        required_fields={
            **fields,
            "rejected": ["closed_at"],
            "deferred": ["assignee", "priority", "deferred_to"],
            "reopened": [*fields["fixing"]],
        },
        empty_fields={
            "new": lifecycle, "analyzing": lifecycle, "fixing": lifecycle,
            "reopened": lifecycle,
            "testing": ["verified_at", "closed_at"],
            "verified": ["closed_at"],
            "deferred": ["verified_at", "closed_at"],
        },
    )


def _lesson_defaults() -> KindConfig:
    sections = {
        "summary": SectionSpec(en="Summary", zh="概述"),
        "background": SectionSpec(en="Background", zh="背景", description="The driving event and what led up to it."),
        "impact": SectionSpec(en="Impact", zh="影响"),
        "timeline": SectionSpec(en="Timeline", zh="时间线", description="Required when source_type is incident."),
        "root_cause": SectionSpec(en="Root Cause & Trigger", zh="根因与触发因素",
                                  aliases=["Root Cause and Trigger", "Root Cause", "根因"]),
        "detection": SectionSpec(en="Detection", zh="发现方式"),
        "resolution": SectionSpec(en="Resolution", zh="处置过程"),
        "went_well": SectionSpec(en="What Went Well", zh="做得好的"),
        "went_wrong": SectionSpec(en="What Went Wrong", zh="不足之处"),
        "lucky": SectionSpec(en="Where We Got Lucky", zh="侥幸之处"),
        "recommendations": SectionSpec(en="Lessons & Recommendations", zh="经验与建议",
                                       aliases=["Lessons and Recommendations", "Recommendations"]),
        "references": SectionSpec(en="References", zh="参考资料"),
    }
    full = ["summary", "background", "impact", "root_cause", "detection", "resolution",
            "went_well", "went_wrong", "lucky", "recommendations"]
    return KindConfig(
        folder="lessons",
        id_prefix="LES",
        statuses=LessonStatus.values(),
        sections=sections,
        required_sections={
            "draft": ["summary"],
            "in_review": full,
            "published": full,
            "applied": full,
            "archived": ["summary"],
        },
        required_fields={
            "in_review": ["reviewers"],
            "published": ["reviewers", "reviewed_at", "published_at"],
            "applied": ["reviewers", "reviewed_at", "published_at"],
            "archived": ["superseded_by|archive_reason"],
        },
    )


def _resolution_defaults() -> dict[str, list[str] | None]:
    rejections = [r.value for r in Resolution if r not in (Resolution.fixed, Resolution.deferred)]
    return {
        "new": [], "analyzing": [], "fixing": [], "reopened": [],
        "testing": ["fixed"], "verified": ["fixed"], "closed": ["fixed"],
        "deferred": ["deferred"],
        "rejected": rejections,
    }


class ImportedConfig(BaseModel):
    """What the lifecycle asks of entries bulk-imported as history (`imported.mode: history`).

    They are records of what happened, not write-ups: by default neither the write-up sections
    nor the status-gated fields (commits, defect type, ...) nor a lesson are required of them.
    """

    model_config = ConfigDict(extra="forbid")
    require_sections: bool = False
    require_fields: bool = False
    require_lesson: bool = False


NEVER_TAGS = frozenset({"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
                        "input", "button", "textarea", "select", "base", "meta", "link", "svg", "math", "template",
                        "noscript", "portal"})


class HtmlConfig(BaseModel):
    """Raw HTML and URL schemes allowed in entry bodies (anything else is KB801/KB802)."""

    model_config = ConfigDict(extra="forbid")
    allowed_tags: list[str] = Field(default_factory=lambda: ["details", "summary", "kbd", "sub", "sup", "br",
                                                             "mark"])
    allowed_attributes: dict[str, list[str]] = Field(default_factory=lambda: {"*": ["title", "lang", "dir"],
                                                                              "details": ["open"]})
    url_schemes: list[str] = Field(default_factory=lambda: ["http", "https", "mailto"])

    @model_validator(mode="after")
    def _never(self) -> HtmlConfig:
        # No setting may let script reach the site: these stay out whatever kb.yml says.
        bad_tags = {t.lower() for t in self.allowed_tags} & NEVER_TAGS
        if bad_tags:
            raise ValueError(f"html.allowed_tags: {', '.join(sorted(bad_tags))} can never be allowed")
        for tag, attrs in self.allowed_attributes.items():
            if bad := sorted(a for a in attrs if a.lower().startswith("on") or a.lower() in {"style", "srcdoc"}):
                raise ValueError(f"html.allowed_attributes.{tag}: {', '.join(bad)} can never be allowed")
        if bad_schemes := {s.lower() for s in self.url_schemes} & {"javascript", "vbscript", "data", "file"}:
            raise ValueError(f"html.url_schemes: {', '.join(sorted(bad_schemes))} can never be allowed")
        return self

    def policy(self) -> HtmlPolicy:
        from defectkb.policy.html import HtmlPolicy

        return HtmlPolicy(frozenset(t.lower() for t in self.allowed_tags),
                          tuple((tag, frozenset(a)) for tag, a in sorted(self.allowed_attributes.items())),
                          frozenset(s.lower() for s in self.url_schemes))


class SecretsConfig(BaseModel):
    """Secrets and personal data in entries (KB810/KB811)."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    allow: list[str] = Field(default_factory=list)  # regular expressions of found text to accept


class LimitsConfig(BaseModel):
    """Resource bounds of an entry body (KB014-KB017, KB820-KB821): what keeps the build fast
    whatever a pull request contains. No real write-up comes near them."""

    model_config = ConfigDict(extra="forbid")
    max_line_chars: int = Field(20_000, gt=0)  # outside fenced code
    max_nesting: int = Field(16, gt=0, le=64)  # lists and block quotes
    max_emphasis_nesting: int = Field(32, gt=0, le=100)  # `*` and `_` within each other
    max_marker_run: int = Field(100, gt=0, le=10_000)  # the same `*`, `_`, `[`, `<`, ... in a row
    max_headings: int = Field(300, gt=0)
    max_list_items: int = Field(3_000, gt=0)
    max_table_rows: int = Field(3_000, gt=0)
    max_code_blocks: int = Field(500, gt=0)
    max_rules: int = Field(500, gt=0)  # horizontal rules
    max_inline_work: int = Field(200_000_000, gt=0)  # markup characters x paragraph length, summed
    max_bracket_scan: int = Field(1_000_000, gt=0)  # characters re-read to match `[` and `](`

    def body(self) -> BodyLimits:
        from defectkb.policy.limits import BodyLimits

        return BodyLimits(**self.model_dump())


class Config(BaseModel):
    """Everything in kb.yml. Paths are relative to the file that sets them."""

    model_config = ConfigDict(extra="forbid")

    content_dir: str = "content"
    data_dir: str = "_data"  # inside content_dir; never published
    max_file_bytes: int = Field(1_000_000, gt=0)
    max_yaml_nodes: int = Field(20_000, gt=0)
    max_yaml_depth: int = Field(32, gt=0, le=500)
    today: date | None = None  # pin "today" for reproducible checks (future dates, overdue items)
    git_facts: bool = False  # entry pages show first added / last updated from one `git log` pass
    # status -> allowed resolutions ([] means: must be empty)
    resolutions: dict[str, list[str]] = Field(default_factory=_resolution_defaults)
    # closing a defect of these severities, or any online defect, requires a lesson
    lesson_required_severities: list[Severity] = Field(
        default_factory=lambda: [Severity.fatal, Severity.serious]
    )
    lesson_required_online: bool = True
    timeline_required_for: list[str] = Field(default_factory=lambda: ["incident"])
    imported: ImportedConfig = Field(default_factory=ImportedConfig)
    html: HtmlConfig = Field(default_factory=HtmlConfig)
    # entries without `visibility` are this; a public build (DEFECTKB_AUDIENCE=public) leaves internal ones out
    visibility_default: Visibility = Visibility.internal
    secrets: SecretsConfig = Field(default_factory=SecretsConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    defect: KindConfig = Field(default_factory=_defect_defaults)
    lesson: KindConfig = Field(default_factory=_lesson_defaults)

    @model_validator(mode="after")
    def _check_references(self) -> Config:
        from defectkb.models import Defect, Lesson  # local: models import enums only

        for kind, cfg, model in (("defect", self.defect, Defect), ("lesson", self.lesson, Lesson)):
            known_status = set(DefectStatus.values() if kind == "defect" else LessonStatus.values())
            for status in cfg.statuses:
                if status not in known_status:
                    raise ValueError(f"{kind}.statuses: unknown status {status!r}")
            for status, keys in cfg.required_sections.items():
                for key in keys:
                    if key not in cfg.sections:
                        raise ValueError(f"{kind}.required_sections.{status}: unknown section {key!r}")
            for table in (cfg.required_fields, cfg.empty_fields):
                for status, names in table.items():
                    for name in names:
                        for alt in name.split("|"):
                            top = alt.split(".")[0]
                            if top not in model.model_fields:
                                raise ValueError(f"{kind}: unknown field {alt!r} for status {status!r}")
        return self

    def kind(self, kind: str) -> KindConfig:
        return self.defect if kind == "defect" else self.lesson


def find_config(start: Path) -> Path | None:
    """The nearest kb.yml in `start` or one of its parents."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


class ConfigError(Exception):
    def __init__(self, path: Path, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.path, self.line, self.column, self.message = path, line, column, message


def load_config(path: Path | None) -> Config:
    """Read kb.yml (or return the defaults). Raises ConfigError with a position."""
    if path is None:
        return Config()
    from defectkb.yamlsource import YamlError, parse

    try:
        located = parse(path.read_text(encoding="utf-8"))
    except YamlError as exc:
        p = exc.problem
        raise ConfigError(path, p.position.line, p.position.column, p.message) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, 1, 1, f"cannot read: {exc}") from None
    data = located.data or {}
    if not isinstance(data, dict):
        raise ConfigError(path, 1, 1, "kb.yml must be a mapping of settings")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        pos = located.at(loc)
        where = ".".join(str(p) for p in loc)
        raise ConfigError(path, pos.line, pos.column, f"{where}: {err['msg']}" if where else err["msg"]) from None
