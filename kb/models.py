"""The entry schema: pydantic models for the front matter of defects and lessons.

These models are the single source of truth. The JSON Schema (`kb schema`), the `kb new`
templates and the field reference in docs/schema.md are all derived from them. Rules that
depend on an entry's status live in configuration (kb.config), not here.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from defectkb.enums import (
    ActionStatus,
    ActionType,
    CauseCategory,
    DefectStatus,
    DefectType,
    FoundPhase,
    ImpactScope,
    InjectedPhase,
    LessonStatus,
    OdcActivity,
    OdcAge,
    OdcDefectType,
    OdcImpact,
    OdcQualifier,
    OdcSource,
    OdcTarget,
    OdcTrigger,
    Priority,
    Reproducibility,
    Resolution,
    Severity,
    SourceType,
    Visibility,
)
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.functional_validators import AfterValidator, PlainValidator
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[A-Z][A-Z0-9]*-\d{3,}$"
KEY_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"

EntryId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN, max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Version = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]


def _timestamp(value: Any) -> date | datetime:
    """A calendar day, or a moment with its UTC offset; never a wall-clock time without zone."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text) if ("T" in text or " " in text) else date.fromisoformat(text)
        except ValueError:
            raise PydanticCustomError(
                "timestamp_parsing",
                "expected a date such as 2025-06-03 or a date-time such as "
                "2025-06-03T09:12:00+08:00, got {value!r}",
                {"value": value},
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise PydanticCustomError(
                "naive_datetime",
                "time of day without a timezone: {value}",
                {"value": value.isoformat(sep=" ")},
            )
        return value
    if isinstance(value, date):
        return value
    raise PydanticCustomError(
        "timestamp_type",
        "expected a date or a date-time, got {kind}",
        {"kind": type(value).__name__},
    )


Timestamp = Annotated[
    date | datetime,
    PlainValidator(_timestamp),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
            ],
            "description": "A date (2025-06-03) or a date-time with offset (2025-06-03T09:12:00+08:00).",
        }
    ),
]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _reference(value: str) -> str:
    """Links may be plain references (a commit SHA, a tracker key) or http(s) URLs, nothing else."""
    if _SCHEME.match(value) and not value.lower().startswith(("http://", "https://")):
        raise PydanticCustomError(
            "unsafe_url",
            "only http:// and https:// links are allowed, got {value!r}",
            {"value": value[:80]},
        )
    return value


Reference = Annotated[
    str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True), AfterValidator(_reference)
]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never silently drop a field."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False, frozen=True)


class Links(Strict):
    tracker: Reference | None = Field(None, description="Tracker issue: URL or key such as BILL-1234. 缺陷单链接")
    commits: list[Reference] = Field(default_factory=list, description="Commits of the fix (SHA or URL). 修复提交")
    merge_requests: list[Reference] = Field(default_factory=list, description="Merge/pull requests. 合并请求")
    test_cases: list[Reference] = Field(
        default_factory=list, description="Regression tests guarding the fix (path or URL). 回归用例"
    )


class Odc(Strict):
    """IBM Orthogonal Defect Classification v5.2: opener and closer attributes."""

    activity: OdcActivity | None = None
    trigger: OdcTrigger | None = None
    impact: OdcImpact | None = None
    target: OdcTarget | None = None
    defect_type: OdcDefectType | None = None
    qualifier: OdcQualifier | None = None
    age: OdcAge | None = None
    source: OdcSource | None = None


class Imported(Strict):
    """Where an entry came from when `kb import` brought it in from a tracker export."""

    system: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description="Tracker it came from: jira, github, bugzilla, zentao, or a mapping's name. 来源系统"
    )
    key: Annotated[str, StringConstraints(min_length=1, max_length=120)] = Field(
        description="The record's key there (BILL-1042, #381, 1234); re-imports match on system and key. 来源编号"
    )
    url: Reference | None = Field(None, description="The record's page in the tracker. 来源链接")
    imported_at: Timestamp = Field(description="When it was imported. 导入时间")
    mode: Literal["history", "writeup"] = Field(
        "history",
        description="`history`: a bulk-imported record, write-up sections not required (configurable); "
        "`writeup`: a draft started from the record, every rule applies. 导入方式",
    )
    assumed: list[Key] = Field(
        default_factory=list, description="Fields the source did not have, filled from the mapping's defaults. 推定字段"
    )
    labels: list[Annotated[str, StringConstraints(min_length=1, max_length=120)]] = Field(
        default_factory=list, description="Source labels, components and keywords not mapped to tags. 来源标签"
    )


class EntryBase(Strict):
    id: EntryId = Field(description="Unique id, never reused; the file name starts with it. 编号")
    title: Annotated[str, StringConstraints(min_length=4, max_length=120, pattern=r"^[^\n\r]*$")] = Field(
        description="One-line summary. 标题"
    )
    pm: Key = Field(description="Owning product manager (people registry id, role pm). 负责产品经理")
    severity: Severity = Field(description="Impact of the defect or of the event. 严重程度")
    tags: list[Key] = Field(default_factory=list, description="Facets from the tag vocabulary. 标签")
    visibility: Visibility | None = Field(
        None, description="Who may read it: a public build leaves internal entries out; empty means "
                          "kb.yml `visibility_default`. 可见范围")


class Defect(EntryBase):
    kind: Literal["defect"] = Field(description="Entry kind. 类型")
    status: DefectStatus = Field(description="Lifecycle state. 缺陷状态")
    product: Key = Field(description="Product key (products registry). 产品")
    component: Key | None = Field(None, description="Component of the product. 模块")
    reporter: Key = Field(description="Who logged the defect. 报告人")
    assignee: Key | None = Field(None, description="Who fixes it; required from `analyzing`. 处理人")
    verifier: Key | None = Field(None, description="Who confirmed the fix; required from `verified`. 验证人")
    resolution: Resolution | None = Field(None, description="How it ended. 解决方式")
    priority: Priority | None = Field(None, description="Urgency; required from `analyzing`. 优先级")
    priority_rationale: Text | None = Field(
        None, description="Why the priority departs from the usual one for this severity. 优先级说明"
    )
    reproducibility: Reproducibility = Field(description="How reliably it reproduces. 重现概率")
    defect_type: DefectType | None = Field(None, description="Nature of the fault; required from `fixing`. 缺陷类型")
    found_phase: FoundPhase = Field(description="Activity that found it. 发现阶段")
    injected_phase: InjectedPhase | None = Field(
        None, description="Activity that introduced it; required from `fixing`. 引入阶段"
    )
    impact_scope: ImpactScope = Field(description="Who is affected. 影响范围")
    online: bool = Field(description="Found in production (an escape). 是否线上")
    environment: Text = Field(description="Platform, configuration, browser... 环境")
    affected_versions: Annotated[list[Version], Field(min_length=1)] = Field(
        description="Versions where it appears. 影响版本"
    )
    fixed_version: Version | None = Field(None, description="First version with the fix. 修复版本")
    occurred_at: Timestamp = Field(description="When the failure happened. 发生时间")
    reported_at: Timestamp = Field(description="When it was logged. 报告时间")
    resolved_at: Timestamp | None = Field(None, description="When the fix was done. 解决时间")
    verified_at: Timestamp | None = Field(None, description="When the fix was confirmed. 验证时间")
    closed_at: Timestamp | None = Field(None, description="When it was closed or rejected. 关闭时间")
    duplicate_of: EntryId | None = Field(None, description="The original, when resolution is duplicate. 重复于")
    deferred_to: Version | None = Field(None, description="Version or date it is deferred to. 延期至")
    reopen_count: Annotated[int, Field(ge=0)] = Field(0, description="Times it was reopened. 重新打开次数")
    links: Links = Field(default_factory=Links, description="Traceability links. 关联链接")
    related_lessons: list[EntryId] = Field(default_factory=list, description="Lessons drawn from it. 相关经验")
    odc: Odc | None = Field(None, description="Optional ODC classification. 正交缺陷分类")
    imported: Imported | None = Field(None, description="Set by `kb import`: the tracker record it came from. 导入来源")


class ActionItem(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,16}$")] = Field(description="A1, A2, ...")
    description: Text = Field(description="What will be done. 措施")
    type: ActionType = Field(description="mitigate, prevent, detect or process. 类型")
    owner: Key = Field(description="Person responsible. 负责人")
    due: Timestamp = Field(description="Due date. 截止日期")
    status: ActionStatus = Field(ActionStatus.todo, description="Progress. 状态")
    link: Reference | None = Field(None, description="Tracker item for the action. 跟踪链接")


class Lesson(EntryBase):
    kind: Literal["lesson"] = Field(description="Entry kind. 类型")
    status: LessonStatus = Field(description="Review state. 状态")
    source_type: SourceType = Field(description="What the lesson was drawn from. 来源")
    source_defects: list[EntryId] = Field(default_factory=list, description="Defects it comes from. 来源缺陷")
    products: Annotated[list[Key], Field(min_length=1)] = Field(description="Products concerned. 相关产品")
    authors: Annotated[list[Key], Field(min_length=1)] = Field(description="Who wrote it. 作者")
    reviewers: list[Key] = Field(default_factory=list, description="Who reviewed it. 评审人")
    event_date: Timestamp = Field(description="When the driving event happened. 事件日期")
    created_at: Timestamp = Field(description="When the write-up was started. 创建日期")
    reviewed_at: Timestamp | None = Field(None, description="When the review finished. 评审日期")
    published_at: Timestamp | None = Field(None, description="When it was published. 发布日期")
    cause_category: CauseCategory = Field(description="Category of the root cause. 根因类别")
    action_items: list[ActionItem] = Field(default_factory=list, description="Follow-up actions. 改进措施")
    applies_to: list[Key] = Field(default_factory=list, description="Products the advice applies to. 适用范围")
    supersedes: EntryId | None = Field(None, description="Older lesson this replaces. 取代")
    superseded_by: EntryId | None = Field(None, description="Newer lesson replacing this. 被取代")
    archive_reason: Text | None = Field(None, description="Why it was archived. 归档原因")


MODELS: dict[str, type[EntryBase]] = {"defect": Defect, "lesson": Lesson}

Entry = Defect | Lesson


def field_names(kind: str) -> list[str]:
    return list(MODELS[kind].model_fields)
