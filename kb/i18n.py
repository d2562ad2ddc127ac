"""Labels of generated pages, in the site language (English or Chinese)."""

from __future__ import annotations

from defectkb.enums import LabeledEnum

_LABELS: dict[str, tuple[str, str]] = {
    "home": ("Home", "首页"),
    "public_note": ("Public edition: internal entries are left out, and every figure counts public entries only.",
                    "公开版：不含内部条目，所有数字只统计公开条目。"),
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


# Insights, digests, reading lists and feeds.
_LABELS.update({
    "insights": ("Insights", "洞察"),
    "insights_for": ("Insights", "洞察"),
    "digests": ("Digests", "回顾摘要"),
    "digest": ("Digest", "回顾摘要"),
    "weeks": ("Weeks", "周"),
    "months": ("Months", "月"),
    "quarters": ("Quarters", "季度"),
    "week": ("Week", "周"),
    "month": ("Month", "月份"),
    "quarter": ("Quarter", "季度"),
    "departments": ("Departments", "部门"),
    "whole_kb": ("Whole knowledge base", "整个知识库"),
    "fig_flow": ("Defects reported and resolved per month", "每月报告与解决的缺陷"),
    "fig_backlog": ("Open backlog at the end of each month", "每月末未关闭缺陷"),
    "fig_types": ("Defect types (Pareto)", "缺陷类型（帕累托）"),
    "fig_causes": ("Root causes of lessons (Pareto)", "经验教训根因（帕累托）"),
    "fig_phases": ("Where defects are found vs where they were introduced", "发现阶段 × 引入阶段"),
    "fig_ttr": ("Time to resolve by severity", "按严重程度的解决用时"),
    "fig_ttr_product": ("Time to resolve by product", "按产品的解决用时"),
    "fig_ttr_trend": ("Time to resolve per month", "每月解决用时"),
    "fig_escapes": ("Production escape rate per month", "每月线上逃逸率"),
    "fig_mix": ("Severity and status mix", "严重程度与状态分布"),
    "reading_list": ("Reading list for newcomers", "新人必读"),
    "most_cited": ("Most-cited lessons", "被引用最多的经验"),
    "most_severe_closed": ("Most severe closed defects", "最严重的已关闭缺陷"),
    "citations": ("citations", "次引用"),
    "lesson_coverage": ("Lesson coverage", "经验覆盖率"),
    "uncovered": ("Serious, fatal or production defects without a lesson", "缺少经验教训的严重、致命或线上缺陷"),
    "actions_done": ("Action items done", "已完成改进措施"),
    "actions_overdue_n": ("Action items overdue", "逾期改进措施"),
    "lessons_total": ("Lessons written", "经验教训数"),
    "reopened_n": ("Reopened", "重新打开"),
    "count_n": ("Count", "数量"),
    "cumulative": ("Cumulative share", "累计占比"),
    "share": ("Share", "占比"),
    "median": ("Median", "中位数"),
    "p90": ("p90", "p90"),
    "data_table": ("Data table", "数据表"),
    "new_defects": ("New defects", "新增缺陷"),
    "new_severe": ("New fatal or serious", "新增致命或严重"),
    "resolved_n": ("Resolved", "已解决"),
    "new_lessons": ("New lessons", "新增经验"),
    "open_at_end": ("Open at the end", "期末未关闭"),
    "actions_due": ("Action items due", "到期改进措施"),
    "online_n": ("Found in production", "线上发现"),
    "this_period": ("This period", "本期"),
    "previous_period": ("Previous", "上期"),
    "change": ("Change", "变化"),
    "serious_with_lessons": ("Fatal and serious defects, with their lessons", "致命与严重缺陷及其经验教训"),
    "top_causes": ("Top causes", "主要原因"),
    "contributors": ("Who contributed", "贡献者"),
    "lessons_n": ("Lessons", "经验"),
    "nothing": ("Nothing in this period.", "本期无。"),
    "previous_digest": ("Previous", "上一期"),
    "next_digest": ("Next", "下一期"),
    "feed": ("Atom feed", "Atom 订阅"),
    "feed_all": ("New and updated entries", "新增与更新的条目"),
    "search_placeholder": ("Search", "搜索"),
    "search_shortcut": ("Press / to search", "按 / 搜索"),
    "unclassified": ("not yet classified", "尚未分类"),
    "item": ("Item", "措施"),
    "all_digests": ("All digests", "全部回顾摘要"),
    "insights_of": ("Insights by product and department", "按产品与部门的洞察"),
})

_INSIGHT_DEFS: dict[str, tuple[str, str]] = {
    "flow": ("per month: defects reported (by `reported_at`) and defects resolved (by `resolved_at`), stacked "
             "by severity",
             "每月按 `reported_at` 统计的新报告缺陷与按 `resolved_at` 统计的已解决缺陷，按严重程度堆叠"),
    "backlog": ("defects still open at the end of each month: reported by then and not yet resolved, closed or "
                "rejected (reopened and deferred count as open)",
                "每月末仍未关闭的缺陷：此前已报告、尚未解决、关闭或拒绝（重新打开与延期处理计为未关闭）"),
    "types": ("defects per `defect_type`, most frequent first, with the cumulative share; defects not yet "
              "classified are left out",
              "按 `defect_type` 统计的缺陷数，从多到少，并附累计占比；尚未分类的缺陷不计入"),
    "causes": ("lessons per `cause_category` (the root cause found in the write-up), most frequent first, with "
               "the cumulative share",
               "按 `cause_category`（经验教训中的根因）统计的经验数，从多到少，并附累计占比"),
    "phases": ("defects per `found_phase` (columns, in lifecycle order) and `injected_phase` (rows): counts "
               "far to the right escaped to late phases; defects without `injected_phase` are left out",
               "按 `found_phase`（列，按生命周期顺序）与 `injected_phase`（行）统计的缺陷数：越靠右越晚被发现；"
               "无 `injected_phase` 的不计入"),
    "ttr": ("days from `reported_at` to `resolved_at` for resolved defects: median and p90 (nearest rank)",
            "已解决缺陷从 `reported_at` 到 `resolved_at` 的天数：中位数与 p90（最近秩法）"),
    "ttr_trend": ("median and p90 of the time to resolve of the defects resolved in each month",
                  "每月已解决缺陷解决用时的中位数与 p90"),
    "escapes": ("per month of `reported_at`: share of the defects reported that were found in production "
                "(`online: true`)",
                "按 `reported_at` 月份：当月报告的缺陷中在线上发现（`online: true`）的比例"),
    "reopen": ("share of defects reopened at least once (`reopen_count` > 0)",
               "被重新打开过（`reopen_count` > 0）的缺陷比例"),
    "actions": ("action items of lessons: open (todo or in progress), overdue (open and past `due`), done",
                "经验教训的改进措施：未完成（待办或进行中）、逾期（未完成且超过 `due`）、已完成"),
    "coverage": ("share of fatal, serious or production defects (rejected ones aside) linked to a lesson, "
                 "through `related_lessons` or a lesson's `source_defects`",
                 "致命、严重或线上缺陷（已拒绝的除外）中已关联经验教训（`related_lessons` 或经验的 "
                 "`source_defects`）的比例"),
    "scope": ("a product's figures count its defects and the lessons that name it; a department's count the "
              "entries in which one of its people is PM, reporter, assignee, verifier or author",
              "产品的数字统计该产品的缺陷与涉及该产品的经验；部门的数字统计其成员作为产品经理、报告人、处理人、"
              "验证人或作者参与的条目"),
    "digest": ("a period's new defects are those reported in it, resolved those with `resolved_at` in it, new "
               "lessons those created in it; action items are those due in it, with their status today",
               "本期新增缺陷按 `reported_at`，已解决按 `resolved_at`，新增经验按创建日期；改进措施为本期到期的，"
               "状态为当前状态"),
}


def insight_definition(labels: Labels, key: str) -> str:
    en, zh = _INSIGHT_DEFS[key]
    return zh if labels.zh else en
