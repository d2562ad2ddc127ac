"""Labels of generated pages, in the site language (English or Chinese)."""

from __future__ import annotations

from defectkb.enums import LabeledEnum

_LABELS: dict[str, tuple[str, str]] = {
    "home": ("Home", "首页"),
    "defects": ("Defects", "缺陷"),
    "lessons": ("Lessons", "经验教训"),
    "all_defects": ("All defects", "全部缺陷"),
    "all_lessons": ("All lessons", "全部经验教训"),
    "products": ("Products", "产品"),
    "product": ("Product", "产品"),
    "component": ("Component", "模块"),
    "components": ("Components", "模块"),
    "tags": ("Tags", "标签"),
    "tag": ("Tag", "标签"),
    "people": ("People", "人员"),
    "pms": ("Product managers", "产品经理"),
    "everyone": ("Everyone else", "其他人员"),
    "kind": ("Kind", "类型"),
    "id": ("ID", "编号"),
    "title": ("Title", "标题"),
    "status": ("Status", "状态"),
    "severity": ("Severity", "严重程度"),
    "priority": ("Priority", "优先级"),
    "pm": ("PM", "产品经理"),
    "reporter": ("Reporter", "报告人"),
    "assignee": ("Assignee", "处理人"),
    "verifier": ("Verifier", "验证人"),
    "authors": ("Authors", "作者"),
    "reviewers": ("Reviewers", "评审人"),
    "date": ("Date", "日期"),
    "reported": ("Reported", "报告时间"),
    "occurred": ("Occurred", "发生时间"),
    "resolved": ("Resolved", "解决时间"),
    "verified": ("Verified", "验证时间"),
    "closed": ("Closed", "关闭时间"),
    "event_date": ("Event", "事件日期"),
    "created": ("Created", "创建日期"),
    "reviewed": ("Reviewed", "评审日期"),
    "published": ("Published", "发布日期"),
    "time_to_resolve": ("Time to resolve", "解决用时"),
    "days": ("days", "天"),
    "impact": ("Impact", "影响范围"),
    "online": ("Found in production", "线上问题"),
    "environment": ("Environment", "环境"),
    "affected_versions": ("Affected versions", "影响版本"),
    "fixed_version": ("Fixed in", "修复版本"),
    "deferred_to": ("Deferred to", "延期至"),
    "reproducibility": ("Reproducibility", "重现概率"),
    "defect_type": ("Type", "缺陷类型"),
    "found_phase": ("Found in", "发现阶段"),
    "injected_phase": ("Introduced in", "引入阶段"),
    "resolution": ("Resolution", "解决方式"),
    "reopen_count": ("Reopened", "重新打开次数"),
    "links": ("Links", "链接"),
    "tracker": ("Tracker", "缺陷单"),
    "commits": ("Commits", "提交"),
    "merge_requests": ("Merge requests", "合并请求"),
    "test_cases": ("Regression tests", "回归用例"),
    "related_lessons": ("Lessons drawn", "相关经验"),
    "source_defects": ("From defects", "来源缺陷"),
    "duplicate_of": ("Duplicate of", "重复于"),
    "duplicates": ("Duplicates", "重复缺陷"),
    "supersedes": ("Supersedes", "取代"),
    "superseded_by": ("Superseded by", "被取代"),
    "source_type": ("Source", "来源"),
    "cause_category": ("Cause", "根因类别"),
    "action_items": ("Action items", "改进措施"),
    "owner": ("Owner", "负责人"),
    "due": ("Due", "截止"),
    "type": ("Type", "类型"),
    "description": ("Description", "描述"),
    "applies_to": ("Applies to", "适用范围"),
    "count": ("Entries", "条目数"),
    "filter": ("Filter", "筛选"),
    "search_text": ("Text", "文本"),
    "from": ("From", "起始"),
    "to": ("To", "截止"),
    "any": ("Any", "全部"),
    "reset": ("Reset", "重置"),
    "shown": ("shown", "条显示"),
    "of": ("of", "共"),
    "summary": ("Summary", "概览"),
    "open_defects": ("Open defects", "未关闭缺陷"),
    "open_severe": ("Open fatal and serious defects", "未关闭的致命与严重缺陷"),
    "latest": ("Latest entries", "最新条目"),
    "median_resolve": ("Median time to resolve", "解决用时中位数"),
    "p90_resolve": ("p90 time to resolve", "解决用时 p90"),
    "escape_rate": ("Production escape rate", "线上逃逸率"),
    "reopen_rate": ("Reopen rate", "重新打开率"),
    "kb_median": ("knowledge base median", "知识库中位数"),
    "none": ("None", "无"),
    "by_severity": ("By severity", "按严重程度"),
    "by_status": ("By status", "按状态"),
    "owned": ("Owned as PM", "作为产品经理负责"),
    "reported_by": ("Reported", "报告的"),
    "assigned_to": ("Fixed / assigned", "处理的"),
    "verified_by": ("Verified", "验证的"),
    "written": ("Lessons written", "撰写的经验"),
    "reviewed_by": ("Lessons reviewed", "评审的经验"),
    "open_now": ("Open now", "当前未关闭"),
    "actions_open": ("Action items open", "未完成改进措施"),
    "actions_overdue": ("overdue", "已逾期"),
    "activity": ("Monthly activity", "月度活动"),
    "recent": ("Recent entries", "近期条目"),
    "how_computed": ("How these figures are computed", "这些数字如何计算"),
    "team": ("Team", "团队"),
    "department": ("Department", "部门"),
    "role": ("Roles", "角色"),
    "no_entries": ("No entries yet.", "暂无条目。"),
    "entries_for_tag": ("Entries tagged", "带此标签的条目"),
    "write_entry": ("Add an entry", "新增条目"),
    "trends": ("Trends", "趋势"),
    "lessons_written": ("Lessons", "经验"),
    "fixed_count": ("Resolved", "已解决"),
    "reported_count": ("Reported", "新报告"),
    "backlinks": ("Referenced by", "被引用"),
    "first_added": ("First added", "首次添加"),
    "last_updated": ("Last updated", "最后更新"),
    "not_applicable": ("n/a", "不适用"),
    "search": ("Search", "搜索"),
    "search_needs_js": ("Search needs JavaScript.", "搜索需要启用 JavaScript。"),
}

_DEF_EN = {
    "owned": "entries whose `pm` is this person",
    "open": "owned defects whose status is new, analyzing, fixing, testing, reopened or deferred",
    "resolve": "days from `reported_at` to `resolved_at` over resolved owned defects; median = the middle "
               "value, p90 = the value that 90% do not exceed (nearest rank); compared with the median "
               "of the whole knowledge base",
    "escape": "share of owned defects found in production (`online: true`)",
    "reopen": "share of owned defects reopened at least once (`reopen_count` > 0)",
    "lessons": "lessons this person is an author of",
    "actions": "action items owned by this person and not done or wont_do; overdue once past `due`",
    "activity": "per month: owned defects reported, owned defects resolved, lessons written",
}
_DEF_ZH = {
    "owned": "`pm` 为此人的条目",
    "open": "负责的缺陷中状态为新建、分析中、修复中、待验证、重新打开或延期处理的",
    "resolve": "已解决缺陷从 `reported_at` 到 `resolved_at` 的天数；中位数取中间值，p90 为 90% 不超过的值"
               "（最近秩法）；并与整个知识库的中位数对比",
    "escape": "负责的缺陷中在线上发现（`online: true`）的比例",
    "reopen": "负责的缺陷中被重新打开过（`reopen_count` > 0）的比例",
    "lessons": "此人作为作者的经验教训",
    "actions": "此人负责、尚未完成或放弃的改进措施；超过 `due` 即为逾期",
    "activity": "每月：负责的缺陷新报告数、解决数，撰写的经验数",
}


class Labels:
    def __init__(self, language: str) -> None:
        self.zh = language.startswith("zh")

    def __call__(self, key: str) -> str:
        en, zh = _LABELS[key]
        return zh if self.zh else en

    def enum(self, value: LabeledEnum | None) -> str:
        if value is None:
            return "—"
        return value.zh if self.zh else value.value.replace("_", " ")

    def definitions(self) -> dict[str, str]:
        return _DEF_ZH if self.zh else _DEF_EN
