"""Closed value lists of the schema, each value with its Chinese label.

Values are the stable English keys stored in front matter; labels are for people (pages,
hints, `kb new` templates, the JSON Schema's enum descriptions).
"""

from __future__ import annotations

from enum import Enum
from typing import Any, get_args


class LabeledEnum(str, Enum):
    """A string enum whose members carry a Chinese label and an optional description."""

    zh: str
    doc: str

    def __new__(cls, value: str, zh: str = "", doc: str = "") -> LabeledEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.zh = zh
        obj.doc = doc
        return obj

    def __str__(self) -> str:
        return self.value

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def by_label(cls, label: str) -> LabeledEnum | None:
        return next((m for m in cls if m.zh == label), None)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema = handler.resolve_ref_schema(schema)
        # The YAML language server shows these beside completions.
        schema["markdownEnumDescriptions"] = [
            f"**{m.zh}**" + (f" — {m.doc}" if m.doc else "") for m in cls
        ]
        schema["x-labels-zh"] = {m.value: m.zh for m in cls}
        return schema


def enum_in(annotation: Any) -> type[Enum] | None:
    """The Enum inside a field annotation such as `Severity | None` or `list[Role]`."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    for arg in get_args(annotation):
        if found := enum_in(arg):
            return found
    return None


class Kind(LabeledEnum):
    defect = "defect", "缺陷"
    lesson = "lesson", "经验教训"


class DefectStatus(LabeledEnum):
    new = "new", "新建"
    analyzing = "analyzing", "分析中"
    fixing = "fixing", "修复中"
    testing = "testing", "待验证"
    verified = "verified", "已验证"
    closed = "closed", "已关闭"
    reopened = "reopened", "重新打开"
    rejected = "rejected", "已拒绝"
    deferred = "deferred", "延期处理"


OPEN_DEFECT_STATUSES = frozenset(
    {DefectStatus.new, DefectStatus.analyzing, DefectStatus.fixing, DefectStatus.testing,
     DefectStatus.reopened, DefectStatus.deferred}
)


class Resolution(LabeledEnum):
    fixed = "fixed", "已修复"
    duplicate = "duplicate", "重复缺陷"
    by_design = "by_design", "设计如此"
    cannot_reproduce = "cannot_reproduce", "无法重现"
    external = "external", "外部原因"
    wont_fix = "wont_fix", "不予解决"
    deferred = "deferred", "延期处理"


REJECTION_RESOLUTIONS = frozenset(
    {Resolution.duplicate, Resolution.by_design, Resolution.cannot_reproduce,
     Resolution.external, Resolution.wont_fix}
)


class Severity(LabeledEnum):
    fatal = "fatal", "致命", "crash, data loss, security breach, core flow blocked with no workaround"
    serious = "serious", "严重", "a major function is broken or gives wrong results"
    normal = "normal", "一般", "a minor function is wrong; a workaround exists"
    minor = "minor", "提示", "cosmetic or wording problem"


class Priority(LabeledEnum):
    p0 = "p0", "紧急", "hotfix now"
    p1 = "p1", "高", "fix in this release"
    p2 = "p2", "中", "next release"
    p3 = "p3", "低", "backlog"


class Reproducibility(LabeledEnum):
    always = "always", "必现"
    sometimes = "sometimes", "偶现"
    rare = "rare", "极少复现"
    unable = "unable", "无法重现"
    not_tried = "not_tried", "未尝试"


class DefectType(LabeledEnum):
    functional = "functional", "功能缺陷"
    ui = "ui", "界面交互"
    data = "data", "数据"
    performance = "performance", "性能问题"
    security = "security", "安全相关"
    compatibility = "compatibility", "兼容性"
    config = "config", "配置相关"
    install = "install", "安装部署"
    requirement = "requirement", "需求缺陷"
    design = "design", "设计缺陷"
    documentation = "documentation", "文档"
    other = "other", "其他"


class FoundPhase(LabeledEnum):
    requirement_review = "requirement_review", "需求评审"
    design_review = "design_review", "设计评审"
    code_review = "code_review", "代码评审"
    unit_test = "unit_test", "单元测试"
    integration_test = "integration_test", "集成测试"
    system_test = "system_test", "系统测试"
    acceptance_test = "acceptance_test", "验收测试"
    production = "production", "线上"


class InjectedPhase(LabeledEnum):
    requirements = "requirements", "需求"
    design = "design", "设计"
    coding = "coding", "编码"
    configuration = "configuration", "配置"
    documentation = "documentation", "文档"
    third_party = "third_party", "第三方"


class ImpactScope(LabeledEnum):
    internal = "internal", "仅内部"
    single = "single", "个别用户"
    partial = "partial", "部分用户"
    all = "all", "全部用户"


class LessonStatus(LabeledEnum):
    draft = "draft", "草稿"
    in_review = "in_review", "评审中"
    published = "published", "已发布"
    applied = "applied", "已落实"
    archived = "archived", "已归档"


class SourceType(LabeledEnum):
    defect = "defect", "缺陷"
    incident = "incident", "线上事故"
    near_miss = "near_miss", "未遂险情"
    retrospective = "retrospective", "迭代回顾"
    external = "external", "外部案例"


class CauseCategory(LabeledEnum):
    config = "config", "配置"
    hardware = "hardware", "硬件"
    conflict = "conflict", "冲突"
    time = "time", "时间"
    capacity = "capacity", "容量"
    dependency = "dependency", "依赖"
    process = "process", "流程"
    requirement = "requirement", "需求"
    code = "code", "代码"
    other = "other", "其他"


class ActionType(LabeledEnum):
    mitigate = "mitigate", "缓解"
    prevent = "prevent", "预防"
    detect = "detect", "发现"
    process = "process", "流程"


class ActionStatus(LabeledEnum):
    todo = "todo", "待办"
    in_progress = "in_progress", "进行中"
    done = "done", "已完成"
    wont_do = "wont_do", "不做"


class Role(LabeledEnum):
    pm = "pm", "产品经理"
    engineer = "engineer", "工程师"
    qa = "qa", "测试"
    manager = "manager", "管理者"
    sre = "sre", "运维"


# ODC v5.2 value lists (optional analytics block).
class OdcActivity(LabeledEnum):
    design_review = "design_review", "设计评审"
    code_inspection = "code_inspection", "代码检查"
    unit_test = "unit_test", "单元测试"
    function_test = "function_test", "功能测试"
    system_test = "system_test", "系统测试"


class OdcTrigger(LabeledEnum):
    design_conformance = "design_conformance", "设计一致性"
    logic_flow = "logic_flow", "逻辑流"
    backward_compatibility = "backward_compatibility", "向后兼容"
    lateral_compatibility = "lateral_compatibility", "横向兼容"
    concurrency = "concurrency", "并发"
    internal_document = "internal_document", "内部文档"
    language_dependency = "language_dependency", "语言依赖"
    side_effect = "side_effect", "副作用"
    rare_situation = "rare_situation", "罕见情形"
    simple_path = "simple_path", "简单路径"
    complex_path = "complex_path", "复杂路径"
    test_coverage = "test_coverage", "测试覆盖"
    test_variation = "test_variation", "测试变体"
    test_sequencing = "test_sequencing", "测试顺序"
    test_interaction = "test_interaction", "测试交互"
    workload_stress = "workload_stress", "负载压力"
    recovery_exception = "recovery_exception", "恢复与异常"
    startup_restart = "startup_restart", "启动与重启"
    hardware_configuration = "hardware_configuration", "硬件配置"
    software_configuration = "software_configuration", "软件配置"
    blocked_test = "blocked_test", "受阻测试"


class OdcImpact(LabeledEnum):
    installability = "installability", "可安装性"
    serviceability = "serviceability", "可服务性"
    standards = "standards", "标准"
    integrity_security = "integrity_security", "完整性与安全"
    migration = "migration", "迁移"
    reliability = "reliability", "可靠性"
    performance = "performance", "性能"
    documentation = "documentation", "文档"
    requirements = "requirements", "需求"
    maintenance = "maintenance", "可维护性"
    usability = "usability", "易用性"
    accessibility = "accessibility", "无障碍"
    capability = "capability", "功能能力"


class OdcTarget(LabeledEnum):
    requirements = "requirements", "需求"
    design = "design", "设计"
    code = "code", "代码"
    build_package = "build_package", "构建打包"
    information_development = "information_development", "信息开发"
    national_language_support = "national_language_support", "本地化"


class OdcDefectType(LabeledEnum):
    assignment_initialization = "assignment_initialization", "赋值与初始化"
    checking = "checking", "检查"
    algorithm_method = "algorithm_method", "算法与方法"
    function_class_object = "function_class_object", "函数/类/对象"
    timing_serialization = "timing_serialization", "时序与串行化"
    interface_oo_messages = "interface_oo_messages", "接口与消息"
    relationship = "relationship", "关系"


class OdcQualifier(LabeledEnum):
    missing = "missing", "缺失"
    incorrect = "incorrect", "错误"
    extraneous = "extraneous", "多余"


class OdcAge(LabeledEnum):
    base = "base", "基础代码"
    new = "new", "新代码"
    rewritten = "rewritten", "重写代码"
    refixed = "refixed", "重复修复"


class OdcSource(LabeledEnum):
    in_house = "in_house", "自研"
    reused_library = "reused_library", "复用库"
    outsourced = "outsourced", "外包"
    ported = "ported", "移植"


class Visibility(LabeledEnum):
    public = "public", "公开", "May appear in a public build of the site."
    internal = "internal", "内部", "Left out of public builds: pages, lists, figures, feeds, search and data."
