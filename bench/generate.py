"""Deterministic generator of realistic synthetic knowledge bases for the scale benchmarks.

    python bench/generate.py --entries 10000 --out bench/out/kb-10000 [--seed 1] [--lesson-share 0.2]

Writes OUT/content/{_data,defects,lessons}, OUT/mkdocs.yml (the project's, with `docs_dir: content`)
and OUT/markers.tsv (which entry carries which search marker). The same arguments give
byte-identical output: one seeded `random.Random`, no iteration over sets, no clock.

Every entry is built to pass `kb validate` with the default configuration; the generator
mirrors the rules (lifecycle gates, resolutions, time order, versions, escapes, duties,
back-links, lessons for closed severe defects) instead of repairing output afterwards.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
STAMP_NAME = ".defectkb-bench.json"  # marks a folder as generated, so it may be replaced
TZ = timezone(timedelta(hours=8))
START = datetime(2023, 11, 21, 9, 0, tzinfo=TZ)
END = datetime(2026, 11, 20, 18, 0, tzinfo=TZ)  # nothing after this: `kb validate` rejects future dates
SPAN_DAYS = (END - START).days
OPEN_DUE_FIRST = date(2027, 1, 11)  # open action items are due in 2027, never overdue (KB308)
CN_DIGITS = "零壹贰叁肆伍陆柒捌玖"

# -- registries ------------------------------------------------------------------------------

# key, English name, Chinese name, repository, tracker prefix, components (key, en, zh)
PRODUCTS: list[tuple[str, str, str, str, str, list[tuple[str, str, str]]]] = [
    ("billing", "Billing", "计费中心", "billing-api", "BILL", [
        ("invoice-export", "Invoice export", "发票导出"), ("payment-gateway", "Payment gateway", "支付网关"),
        ("pricing-engine", "Pricing engine", "定价引擎"), ("reconciliation", "Reconciliation", "对账"),
        ("subscriptions", "Subscriptions", "订阅管理")]),
    ("mobile-app", "Mobile App", "移动端", "customer-app", "MOB", [
        ("login", "Login", "登录"), ("push", "Push notifications", "推送"),
        ("offline-sync", "Offline sync", "离线同步"), ("checkout", "Checkout", "下单"),
        ("profile", "Profile", "个人资料")]),
    ("data-platform", "Data Platform", "数据平台", "data-jobs", "DATA", [
        ("etl", "ETL pipelines", "ETL 管道"), ("scheduler", "Job scheduler", "调度器"),
        ("report-service", "Report service", "报表服务"), ("warehouse", "Data warehouse", "数据仓库")]),
    ("open-api", "Open API", "开放平台", "open-api", "API", [
        ("auth", "OAuth", "OAuth 鉴权"), ("rate-limit", "Rate limiting", "限流"),
        ("webhook", "Webhooks", "Webhook 推送"), ("console", "Developer console", "开发者控制台")]),
    ("search", "Search", "搜索服务", "search-svc", "SRCH", [
        ("indexer", "Indexer", "索引构建"), ("query-parser", "Query parser", "查询解析"),
        ("ranking", "Ranking", "排序"), ("suggest", "Suggestions", "搜索联想")]),
    ("logistics", "Logistics", "物流履约", "fulfilment", "LOG", [
        ("order-routing", "Order routing", "订单路由"), ("wms", "Warehouse operations", "仓储作业"),
        ("tracking", "Shipment tracking", "物流跟踪"), ("label-printing", "Label printing", "面单打印")]),
    ("crm", "CRM", "客户管理", "crm-core", "CRM", [
        ("contacts", "Contacts", "联系人"), ("campaigns", "Campaigns", "营销活动"),
        ("tickets", "Support tickets", "工单"), ("import", "Bulk import", "批量导入")]),
    ("identity", "Identity", "统一身份", "identity-svc", "IAM", [
        ("sso", "Single sign-on", "单点登录"), ("mfa", "Multi-factor auth", "多因素认证"),
        ("directory-sync", "Directory sync", "目录同步"), ("audit-log", "Audit log", "审计日志")]),
]

TAGS: list[tuple[str, str, str]] = [
    ("precision", "Numeric precision and rounding, floats used for money. 数值精度与舍入。", "精度"),
    ("concurrency", "Races, locks, ordering between threads, processes or requests. 并发、竞态与锁。", "并发"),
    ("timezone", "Time zones, daylight saving, clocks and calendar arithmetic. 时区与时间计算。", "时区"),
    ("cache", "Stale, poisoned or stampeding caches. 缓存失效、击穿与脏数据。", "缓存"),
    ("i18n", "Localisation, character sets and locale-dependent behaviour. 国际化与本地化。", "国际化"),
    ("encoding", "Text encodings, byte-order marks, escaping. 字符编码与转义。", "编码"),
    ("migration", "Schema and data migrations, backfills and upgrades. 数据迁移与升级。", "迁移"),
    ("config", "Configuration errors and drift between environments. 配置错误与环境漂移。", "配置"),
    ("memory", "Leaks, unbounded growth and out-of-memory kills. 内存泄漏与溢出。", "内存"),
    ("security", "Authentication, authorisation, injection and data exposure. 安全漏洞与数据泄露。", "安全"),
    ("performance", "Latency, throughput and resource use under load. 性能与容量。", "性能"),
    ("retry", "Retries, timeouts and backoff that make things worse or better. 重试与超时。", "重试"),
    ("idempotency", "Operations applied twice; deduplication keys. 幂等与重复处理。", "幂等"),
    ("third-party", "Behaviour of external services, SDKs and libraries. 第三方服务与依赖。", "第三方"),
    ("release", "Release process, feature flags, rollouts and rollbacks. 发布流程与灰度。", "发布"),
    ("monitoring", "Missing or misleading alerts, dashboards and logs. 监控与告警。", "监控"),
    ("data-quality", "Wrong, missing or duplicated data in stores and reports. 数据质量。", "数据质量"),
    ("compatibility", "OS, browser, device and API version compatibility. 兼容性。", "兼容性"),
    ("ux", "Confusing or misleading interface behaviour. 交互体验。", "交互体验"),
    ("sql", "Queries, indexes, transactions and isolation levels. SQL 与事务。", "SQL"),
    ("network", "Flaky mobile networks, DNS, TLS and proxies. 网络与连接。", "网络"),
    ("pagination", "Cursors, offsets and page boundaries. 分页与游标。", "分页"),
    ("queue", "Message queues, consumers, ordering and redelivery. 消息队列。", "消息队列"),
    ("batch", "Large batch jobs, bulk imports and exports. 批处理。", "批处理"),
    ("scheduling", "Cron jobs, schedulers and calendars. 定时任务与调度。", "调度"),
    ("auth", "Login, tokens, sessions and single sign-on. 认证与会话。", "认证"),
    ("permissions", "Roles, scopes and access checks. 权限与授权。", "权限"),
    ("notification", "E-mail, SMS and push delivery. 通知与推送。", "通知"),
    ("export", "File exports: CSV, Excel and PDF. 导出。", "导出"),
    ("import", "File imports and parsing of user data. 导入。", "导入"),
    ("accessibility", "Screen readers, contrast and keyboard use. 无障碍。", "无障碍"),
    ("logging", "Log volume, log format and sensitive data in logs. 日志。", "日志"),
    ("dns", "Name resolution, TTLs and split-horizon DNS. 域名解析。", "DNS"),
    ("tls", "Certificates, expiry and cipher negotiation. 证书与加密传输。", "TLS"),
    ("backup", "Backups, restores and disaster recovery drills. 备份与恢复。", "备份"),
    ("capacity", "Quotas, limits and capacity planning. 容量规划。", "容量"),
    ("feature-flag", "Feature flags and their defaults per environment. 功能开关。", "功能开关"),
    ("dependency-upgrade", "Upgrading libraries, runtimes and base images. 依赖升级。", "依赖升级"),
    ("observability", "Tracing, metrics and the ability to explain behaviour. 可观测性。", "可观测性"),
    ("search-relevance", "Ranking quality and unexpected search results. 搜索相关性。", "搜索相关性"),
    ("payments", "Payment channels, callbacks and refunds. 支付。", "支付"),
    ("mobile", "Behaviour specific to phones and tablets. 移动端。", "移动端"),
]
TAG_KEYS = [t[0] for t in TAGS]

ZH_SURNAMES = [("zhang", "张"), ("wang", "王"), ("li", "李"), ("liu", "刘"), ("chen", "陈"), ("yang", "杨"),
               ("zhao", "赵"), ("huang", "黄"), ("zhou", "周"), ("wu", "吴"), ("xu", "徐"), ("sun", "孙"),
               ("ma", "马"), ("zhu", "朱"), ("hu", "胡"), ("guo", "郭"), ("he", "何"), ("lin", "林")]
ZH_GIVEN = [("wei", "伟"), ("fang", "芳"), ("na", "娜"), ("min", "敏"), ("jing", "静"), ("lei", "磊"),
            ("qiang", "强"), ("yan", "艳"), ("jie", "杰"), ("tao", "涛"), ("ming", "明"), ("chao", "超"),
            ("xiuying", "秀英"), ("hui", "慧"), ("peng", "鹏"), ("yu", "宇"), ("hao", "昊"), ("ting", "婷")]
EN_FIRST = ["Emily", "David", "Sarah", "Tom", "Alex", "Priya", "Marco", "Olivia", "James", "Sofia", "Daniel",
            "Hannah", "Lucas", "Grace", "Ethan", "Maya", "Noah", "Chloe", "Ryan", "Laura"]
EN_LAST = ["Chen", "Miller", "Kim", "Baker", "Ng", "Nair", "Rossi", "Smith", "Garcia", "Novak", "Walsh",
           "Okafor", "Silva", "Larsen", "Brooks", "Patel", "Turner", "Moreau"]

# -- vocabulary for titles and bodies ---------------------------------------------------------

# slug, English, Chinese, defect_type
SYMPTOMS: list[tuple[str, str, str, str]] = [
    ("times-out", "times out", "请求超时", "performance"),
    ("stale-data", "returns stale data", "返回过期数据", "data"),
    ("drops-records", "silently drops records", "静默丢失记录", "data"),
    ("double-processing", "processes the same request twice", "重复处理同一请求", "functional"),
    ("crash", "crashes", "进程崩溃", "functional"),
    ("wrong-totals", "shows wrong totals", "显示错误的合计", "functional"),
    ("memory-leak", "leaks memory until the pod is killed", "内存持续增长直至被 OOM Kill", "performance"),
    ("unexpected-logout", "logs users out", "意外退出登录", "functional"),
    ("garbled-text", "renders garbled characters", "显示乱码", "ui"),
    ("rejects-valid-input", "rejects valid input", "拒绝合法输入", "functional"),
    ("tenant-leak", "exposes another tenant's records", "泄露其他租户的数据", "security"),
    ("layout-break", "breaks the page layout", "页面布局错乱", "ui"),
    ("upgrade-failure", "fails after the upgrade", "升级后无法工作", "compatibility"),
    ("wrong-config", "reads the wrong configuration", "读取了错误的配置", "config"),
]

# slug, English (after "when"), Chinese (before "时"), tag, cause_category, injected_phase, ODC trigger
TRIGGERS: list[tuple[str, str, str, str, str, str, str]] = [
    ("large-batch", "a batch exceeds 50k rows", "批量超过 5 万行", "batch", "capacity", "design",
     "workload_stress"),
    ("race", "two requests race on one record", "两个请求并发修改同一条记录", "concurrency", "code", "coding",
     "concurrency"),
    ("dst", "daylight saving time ends", "夏令时结束", "timezone", "time", "coding", "rare_situation"),
    ("cache-expiry", "the cache expires under peak load", "高峰期缓存集中过期", "cache", "capacity", "design",
     "workload_stress"),
    ("sdk-upgrade", "the upstream SDK is upgraded", "上游 SDK 升级", "third-party", "dependency", "third_party",
     "backward_compatibility"),
    ("locale", "the locale is not English", "系统语言不是英文", "i18n", "code", "coding", "language_dependency"),
    ("flaky-network", "the network drops packets", "网络丢包严重", "network", "code", "design",
     "recovery_exception"),
    ("retry", "a retry follows a timeout", "超时后自动重试", "retry", "code", "design", "recovery_exception"),
    ("bom", "the CSV file starts with a BOM", "CSV 文件带 BOM 头", "encoding", "code", "coding", "test_variation"),
    ("flag-drift", "a feature flag differs between environments", "各环境功能开关不一致", "feature-flag",
     "config", "configuration", "software_configuration"),
    ("migration", "the schema migration is half applied", "数据库迁移只执行了一半", "migration", "process",
     "configuration", "startup_restart"),
    ("precision", "amounts carry more than two decimals", "金额超过两位小数", "precision", "code", "coding",
     "simple_path"),
    ("revoked-token", "a token is revoked mid-session", "会话中途令牌被吊销", "auth", "code", "design",
     "complex_path"),
    ("missing-index", "the query misses its index", "查询未命中索引", "sql", "code", "coding", "workload_stress"),
    ("cert-rotation", "the TLS certificate is rotated", "TLS 证书轮换", "tls", "config", "configuration",
     "software_configuration"),
    ("page-boundary", "a page boundary splits a group", "分页边界把同一组数据切开", "pagination", "code",
     "coding", "test_coverage"),
]
EXTRA_TAGS = {  # tags a product's entries often carry besides the trigger's
    "billing": ["payments", "precision", "idempotency"], "mobile-app": ["mobile", "network", "ux"],
    "data-platform": ["batch", "scheduling", "data-quality"], "open-api": ["auth", "capacity", "retry"],
    "search": ["search-relevance", "performance", "cache"], "logistics": ["queue", "notification", "export"],
    "crm": ["import", "export", "permissions"], "identity": ["auth", "security", "permissions"],
}
METRICS = ["error rate", "p99 latency", "queue depth", "success rate", "heap usage", "5xx count"]
METRICS_ZH = ["错误率", "p99 延迟", "队列积压", "成功率", "堆内存", "5xx 数量"]
TABLES = ["orders", "ledger_entry", "job_run", "session", "contact", "shipment", "audit_event", "doc_index"]
DATABASES = ["PostgreSQL 14", "PostgreSQL 15", "MySQL 8.0", "Redis 7", "Kafka 3.6", "Elasticsearch 8.11"]
MOBILE_OS = ["Android 13", "Android 14", "iOS 17.4", "iOS 18.1", "HarmonyOS 4"]
BROWSERS = ["Chrome 126", "Safari 17", "Firefox 128", "Edge 126"]

# -- section headings (must match kb.config's defaults) ---------------------------------------

DEFECT_SECTIONS = {
    "description": ("Description", "缺陷描述"), "steps": ("Steps to Reproduce", "复现步骤"),
    "expected": ("Expected Result", "预期结果"), "actual": ("Actual Result", "实际结果"),
    "impact": ("Impact", "影响范围"), "analysis": ("Analysis", "原因分析"), "solution": ("Solution", "解决方案"),
    "test_method": ("Test Method", "测试方法"), "verification": ("Verification", "验证结果"),
    "prevention": ("Prevention", "预防措施"), "reopen_history": ("Reopen History", "重新打开记录"),
}
LESSON_SECTIONS = {
    "summary": ("Summary", "概述"), "background": ("Background", "背景"), "impact": ("Impact", "影响"),
    "timeline": ("Timeline", "时间线"), "root_cause": ("Root Cause & Trigger", "根因与触发因素"),
    "detection": ("Detection", "发现方式"), "resolution": ("Resolution", "处置过程"),
    "went_well": ("What Went Well", "做得好的"), "went_wrong": ("What Went Wrong", "不足之处"),
    "lucky": ("Where We Got Lucky", "侥幸之处"), "recommendations": ("Lessons & Recommendations", "经验与建议"),
    "references": ("References", "参考资料"),
}

# Status mixes: older entries have mostly finished their lifecycle, recent ones are still open.
OLD_DEFECT_STATUS = {"closed": 62, "rejected": 13, "verified": 5, "deferred": 7, "reopened": 3,
                     "testing": 3, "fixing": 3, "analyzing": 2, "new": 2}
NEW_DEFECT_STATUS = {"closed": 20, "rejected": 8, "verified": 10, "deferred": 7, "reopened": 6,
                     "testing": 10, "fixing": 13, "analyzing": 12, "new": 14}
OLD_LESSON_STATUS = {"applied": 38, "published": 34, "archived": 14, "in_review": 7, "draft": 7}
NEW_LESSON_STATUS = {"applied": 10, "published": 35, "archived": 5, "in_review": 25, "draft": 25}
SEVERITY = {"fatal": 5, "serious": 20, "normal": 55, "minor": 20}
PRIORITY = {"fatal": {"p0": 7, "p1": 3}, "serious": {"p0": 3, "p1": 5, "p2": 2},
            "normal": {"p1": 3, "p2": 5, "p3": 2}, "minor": {"p2": 4, "p3": 6}}
FOUND_PHASE = {"production": 30, "system_test": 20, "integration_test": 15, "acceptance_test": 8,
               "unit_test": 8, "code_review": 10, "design_review": 5, "requirement_review": 4}
REJECTIONS = {"duplicate": 35, "by_design": 20, "cannot_reproduce": 20, "external": 15, "wont_fix": 10}
SOURCE_TYPE = {"defect": 45, "incident": 20, "near_miss": 10, "retrospective": 15, "external": 10}
CAUSES = ["config", "hardware", "conflict", "time", "capacity", "dependency", "process", "requirement", "code",
          "other"]


@dataclass
class Person:
    id: str
    name: str
    roles: list[str]
    team: str
    department: str
    zh: bool


@dataclass
class Defect:
    n: int  # position in the whole knowledge base (1-based); the search marker uses it
    id: str
    zh: bool
    product: int
    component: int
    symptom: int
    trigger: int
    reported: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    related: list[str] = field(default_factory=list)  # lesson ids, filled when lessons are linked


@dataclass
class Lesson:
    n: int
    id: str
    zh: bool
    product: int
    base: datetime
    status: str
    source_type: str
    trigger: int
    sources: list[Defect] = field(default_factory=list)
    extra_products: list[int] = field(default_factory=list)
    supersedes: str | None = None
    superseded_by: str | None = None


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    # random.choices with cum_weights is deterministic for a given seed and fast
    keys = list(weights)
    return rng.choices(keys, weights=list(weights.values()))[0]


def cn_number(n: int) -> str:
    return "".join(CN_DIGITS[int(d)] for d in str(n))


def slugify(text: str, limit: int = 56) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug


_CJK_LATIN = re.compile(r"([\u4e00-\u9fff])([A-Za-z0-9`])|([A-Za-z0-9`])([\u4e00-\u9fff])")


def cjk_space(text: str) -> str:
    """A space between Chinese and Latin text, as Chinese technical writing usually has."""
    return _CJK_LATIN.sub(lambda m: f"{m[1]} {m[2]}" if m[1] else f"{m[3]} {m[4]}", text)


def q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:00+08:00")


def clamp(value: datetime) -> datetime:
    return min(value, END)


# -- registries ------------------------------------------------------------------------------


def make_people(rng: random.Random) -> tuple[list[Person], dict[str, dict[str, list[str]]]]:
    """~60 people: 15 PMs (two also managers), 24 engineers, 12 QA (two also engineers), 6 SRE,
    3 managers; and per product its PMs, engineers and QA."""
    ids: set[str] = set()
    people: list[Person] = []

    def new_person(roles: list[str], team: str, department: str, zh: bool) -> Person:
        while True:
            if zh:
                s, g = rng.choice(ZH_SURNAMES), rng.choice(ZH_GIVEN)
                pid, name = f"{s[0]}.{g[0]}", s[1] + g[1]
            else:
                f, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
                pid, name = f"{f.lower()}.{last.lower()}", f"{f} {last}"
            if pid not in ids:
                ids.add(pid)
                person = Person(pid, name, roles, team, department, zh)
                people.append(person)
                return person

    teams: dict[str, dict[str, list[str]]] = {p[0]: {"pm": [], "eng": [], "qa": []} for p in PRODUCTS}
    pms = []
    for i in range(15):
        zh = i % 2 == 0
        prod = PRODUCTS[i % len(PRODUCTS)]
        roles = ["pm", "manager"] if i in (3, 10) else ["pm"]
        pms.append(new_person(roles, f"{prod[2]}产品组" if zh else f"{prod[1]} Product",
                              "产品部" if zh else "Product", zh))
    for i, prod in enumerate(PRODUCTS):
        # 16 slots for 15 PMs: the last product shares its second PM with the first product
        teams[prod[0]]["pm"] = [pms[i].id, pms[i + 8].id if i + 8 < len(pms) else pms[0].id]
    for i in range(24):
        zh = i % 3 != 2
        prod = PRODUCTS[i % len(PRODUCTS)]
        p = new_person(["engineer"], f"{prod[2]}研发组" if zh else f"{prod[1]} Engineering",
                       "研发部" if zh else "Engineering", zh)
        teams[prod[0]]["eng"].append(p.id)
    for i in range(12):
        zh = i % 2 == 0
        roles = ["qa", "engineer"] if i in (4, 9) else ["qa"]
        p = new_person(roles, "质量保障组" if zh else "Quality Engineering", "质量部" if zh else "Quality", zh)
        for prod in (PRODUCTS[i % len(PRODUCTS)], PRODUCTS[(i + 3) % len(PRODUCTS)]):
            teams[prod[0]]["qa"].append(p.id)
    for i in range(6):
        zh = i % 2 == 1
        new_person(["sre"] if i != 2 else ["sre", "engineer"], "运维组" if zh else "Site Reliability",
                   "基础架构部" if zh else "Infrastructure", zh)
    for i in range(3):
        zh = i != 1
        new_person(["manager"], "研发管理" if zh else "Engineering Management", "研发部" if zh else "Engineering", zh)
    return people, teams


def write_registries(data: Path, people: list[Person], teams: dict[str, dict[str, list[str]]]) -> None:
    lines = ["# People who appear in entries (generated for the scale benchmarks).",
             "# Read by the build and never published."]
    for p in people:
        lines += [f"{p.id}:", f"  name: {q(p.name)}", f"  roles: [{', '.join(p.roles)}]",
                  f"  team: {q(p.team)}", f"  department: {q(p.department)}"]
        if len(lines) % 3 == 0:  # some records carry an e-mail address, like real registries
            lines.append(f"  email: {p.id}@example.com")
    (data / "people.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    lines = ["# Products and their components. `pms` lists who may own entries of the product."]
    for key, en, zh, repo, _, comps in PRODUCTS:
        lines += [f"{key}:", f"  name: {q(f'{zh} {en}')}",
                  f"  description: {q(f'{zh}：{repo} 及其周边服务。{en}: {repo} and the services around it.')}",
                  f"  pms: [{', '.join(teams[key]['pm'])}]", "  components:"]
        lines += [f"    {ck}: {{name: {q(f'{czh} {cen}')}}}" for ck, cen, czh in comps]
    (data / "products.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    lines = ["# The tag vocabulary. Entries may only use these tags."]
    for key, desc, zh in TAGS:
        lines += [f"{key}:", f"  description: {q(desc)}", f"  zh: {q(zh)}"]
    (data / "tags.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- entries: facts first, text afterwards -----------------------------------------------------


class Generator:
    def __init__(self, entries: int, seed: int, lesson_share: float) -> None:
        self.rng = random.Random(seed)
        self.total = entries
        self.share = Fraction(lesson_share).limit_denominator(1000)
        self.people, self.teams = make_people(self.rng)
        self.person = {p.id: p for p in self.people}
        self.sre = [p.id for p in self.people if "sre" in p.roles]
        self.defects: list[Defect] = []
        self.lessons: list[Lesson] = []
        # product -> (major, minor at START); versions advance with time
        self.version_base = {p[0]: (1 + i % 5, 2 + (i * 3) % 7) for i, p in enumerate(PRODUCTS)}

    def when(self, n: int) -> datetime:
        """Entries are numbered roughly in the order they were written, over three years."""
        frac = (n - 1) / max(1, self.total - 1)
        day = frac * (SPAN_DAYS - 1) + self.rng.uniform(-2.0, 2.0)
        moment = START + timedelta(days=max(0.0, day))
        return clamp(moment.replace(hour=self.rng.randint(9, 19), minute=self.rng.choice((0, 10, 20, 30, 40, 50))))

    def version(self, product: str, moment: datetime) -> tuple[int, int, int]:
        major, minor = self.version_base[product]
        months = (moment - START).days // 30
        return major + (minor + months) // 12, (minor + months) % 12, self.rng.randint(0, 6)

    def plan(self) -> None:
        rng = self.rng
        n_def = n_les = 0
        for n in range(1, self.total + 1):
            is_lesson = int(n * self.share) > int((n - 1) * self.share)
            zh = n % 2 == 0
            product = rng.randrange(len(PRODUCTS))
            moment = self.when(n)
            age = (moment - START).days / SPAN_DAYS  # 0 = oldest, 1 = newest
            if is_lesson:
                n_les += 1
                status = pick(rng, NEW_LESSON_STATUS if age > 0.85 else OLD_LESSON_STATUS)
                self.lessons.append(Lesson(n, f"LES-{n_les:05d}", zh, product, moment, status,
                                           pick(rng, SOURCE_TYPE), rng.randrange(len(TRIGGERS))))
            else:
                n_def += 1
                comps = PRODUCTS[product][5]
                d = Defect(n, f"DEF-{n_def:05d}", zh, product, rng.randrange(len(comps)),
                           rng.randrange(len(SYMPTOMS)), rng.randrange(len(TRIGGERS)), moment)
                self.defect_facts(d, age)
                self.defects.append(d)
        self.link_lessons()
        self.supersede()

    def defect_facts(self, d: Defect, age: float) -> None:
        rng = self.rng
        pkey = PRODUCTS[d.product][0]
        team = self.teams[pkey]
        f = d.fields
        status = pick(rng, NEW_DEFECT_STATUS if age > 0.85 else OLD_DEFECT_STATUS)
        severity = pick(rng, SEVERITY)
        phase = pick(rng, FOUND_PHASE)
        online = phase == "production"
        f.update(status=status, severity=severity, found_phase=phase, online=online)
        f["pm"] = rng.choice(team["pm"])
        f["reporter"] = rng.choice(team["qa"] + self.sre if online else team["qa"] + team["eng"])
        f["impact_scope"] = rng.choice(["single", "partial", "partial", "all"] if online
                                       else ["internal", "internal", "single", "partial"])
        f["reproducibility"] = rng.choice(["always", "always", "sometimes", "sometimes", "rare", "not_tried"])
        f["occurred_at"] = d.reported - timedelta(hours=rng.uniform(0.2, 72 if online else 6))
        f["reported_at"] = d.reported
        major, minor, patch = self.version(pkey, d.reported)
        affected = [(major, minor, max(0, patch - k)) for k in range(rng.randint(1, 3))][::-1]
        affected = sorted(set(affected))
        f["affected_versions"] = [f"{a}.{b}.{c}" for a, b, c in affected]
        top = affected[-1]
        fixed = (top[0], top[1], top[2] + 1) if rng.random() < 0.7 else (top[0], top[1] + 1, 0)
        f["env"] = self.environment(pkey, f["affected_versions"][-1], online)
        f["tags"] = self.entry_tags(pkey, TRIGGERS[d.trigger][3])

        stage = {"new": 0, "analyzing": 1, "fixing": 2, "reopened": 2, "testing": 3, "verified": 4, "closed": 5,
                 "rejected": 1, "deferred": 1}[status]
        assignee = rng.choice(team["eng"])
        if stage >= 1 or rng.random() < 0.3:
            f["assignee"] = assignee
            f["priority"] = pick(rng, PRIORITY[severity])
        if stage >= 2 or (status in ("rejected", "deferred") and rng.random() < 0.5):
            f["defect_type"] = SYMPTOMS[d.symptom][3]
            f["injected_phase"] = TRIGGERS[d.trigger][5]
        if stage >= 3 or status == "reopened":
            f["commits"] = [f"{rng.getrandbits(28):07x}" for _ in range(rng.randint(1, 3))]
            if rng.random() < 0.8:
                f["merge_requests"] = [f"https://git.example.com/{pkey}/{PRODUCTS[d.product][3]}/-/merge_requests/"
                                       f"{rng.randint(100, 4000)}"]
            f["test_cases"] = [f"tests/{PRODUCTS[d.product][5][d.component][0]}/test_"
                               f"{TRIGGERS[d.trigger][0].replace('-', '_')}.py"]
        if stage >= 3:
            f["fixed_version"] = f"{fixed[0]}.{fixed[1]}.{fixed[2]}"
            f["resolution"] = "fixed"
            resolved = clamp(d.reported + timedelta(hours=rng.uniform(3, 24 * (3 if severity == "fatal" else 30))))
            f["resolved_at"] = resolved
            if stage >= 4:
                f["verifier"] = rng.choice([p for p in team["qa"] if p != assignee])
                f["verified_at"] = clamp(resolved + timedelta(hours=rng.uniform(2, 24 * 7)))
            if stage >= 5:
                f["closed_at"] = clamp(f["verified_at"] + timedelta(hours=rng.uniform(1, 24 * 14)))
                if rng.random() < 0.06:
                    f["reopen_count"] = 1
        if status == "reopened":
            f["reopen_count"] = rng.choice([1, 1, 1, 2])
        if status == "rejected":
            resolution = pick(rng, REJECTIONS)
            if resolution == "duplicate":
                original = self.duplicate_target(d)
                if original is None:
                    resolution = "cannot_reproduce"
                else:
                    f["duplicate_of"] = original.id
                    d.trigger, d.symptom, d.component = original.trigger, original.symptom, original.component
            f["resolution"] = resolution
            f["closed_at"] = clamp(d.reported + timedelta(hours=rng.uniform(2, 24 * 20)))
        if status == "deferred":
            f["resolution"] = "deferred"
            f["deferred_to"] = rng.choice([f"{major + 1}.0.0", f"{major}.{minor + 2}.0", "2027-Q2"])
        if rng.random() < 0.2 and stage >= 2:
            f["odc"] = {"activity": rng.choice(["code_inspection", "unit_test", "function_test", "system_test"]),
                        "trigger": TRIGGERS[d.trigger][6],
                        "impact": rng.choice(["reliability", "capability", "performance", "usability"]),
                        "target": "code", "qualifier": rng.choice(["missing", "incorrect"]),
                        "age": rng.choice(["base", "new", "rewritten"]), "source": "in_house"}
        if severity == "fatal" and f.get("priority") in ("p2", "p3"):
            f["priority"] = "p1"

    def duplicate_target(self, d: Defect) -> Defect | None:
        """A recent defect of the same product that is not itself a duplicate."""
        for other in reversed(self.defects[-60:]):
            if other.product == d.product and "duplicate_of" not in other.fields:
                return other
        return None

    def environment(self, pkey: str, ver: str, online: bool) -> str:
        rng = self.rng
        where = "production" if online else rng.choice(["staging", "test", "pre-release"])
        if pkey == "mobile-app":
            return f"{where} / {rng.choice(MOBILE_OS)} / App {ver} / {rng.choice(['Wi-Fi', '4G', '5G', '弱网 3G'])}"
        if pkey in ("crm", "open-api", "identity"):
            return f"{where} / {pkey} {ver} / {rng.choice(BROWSERS)} / {rng.choice(DATABASES)}"
        return f"{where} / {pkey} {ver} / {rng.choice(DATABASES)} / k8s {rng.choice(['1.27', '1.28', '1.29'])}"

    def entry_tags(self, pkey: str, main: str) -> list[str]:
        tags = [main]
        for _ in range(self.rng.randint(0, 2)):
            extra = self.rng.choice(EXTRA_TAGS[pkey] + TAG_KEYS[:8])
            if extra not in tags:
                tags.append(extra)
        return tags

    def needs_lesson(self, d: Defect) -> bool:
        f = d.fields
        return f["status"] == "closed" and (f["severity"] in ("fatal", "serious") or f["online"])

    def link_lessons(self) -> None:
        """Every closed fatal, serious or online defect gets a lesson that lists it back
        (KB406, KB407): the next lesson drawn from defects of the same product, else the
        nearest one of any product."""
        rng = self.rng
        eligible = [le for le in self.lessons if le.source_type in ("defect", "incident")]
        by_product: dict[int, list[Lesson]] = {}
        for le in eligible:
            by_product.setdefault(le.product, []).append(le)
        positions = {p: [le.n for le in ls] for p, ls in by_product.items()}
        all_positions = [le.n for le in eligible]
        for d in self.defects:
            if not self.needs_lesson(d):
                continue
            if not eligible:  # no lesson can hold it: stop the lifecycle one step short of closed
                d.fields["status"] = "verified"
                d.fields.pop("closed_at", None)
                continue
            pool, pos = by_product.get(d.product), positions.get(d.product)
            if not pool or not pos:
                pool, pos = eligible, all_positions
            i = bisect.bisect_left(pos, d.n)
            lesson = pool[i] if i < len(pool) else pool[-1]
            lesson.sources.append(d)
        # Lessons from a defect or an incident name at least one defect (KB201).
        recent: dict[int, list[Defect]] = {}
        di = 0
        for le in self.lessons:
            while di < len(self.defects) and self.defects[di].n < le.n:
                dd = self.defects[di]
                recent.setdefault(dd.product, []).append(dd)
                di += 1
            wants = le.source_type in ("defect", "incident") or rng.random() < 0.25
            if wants and not le.sources:
                near = recent.get(le.product, [])[-12:] or self.defects[:12]
                if near:
                    le.sources.append(rng.choice(near))
            for d in le.sources:
                if d.product != le.product and d.product not in le.extra_products:
                    le.extra_products.append(d.product)
                d.related.append(le.id)

    def supersede(self) -> None:
        """Some archived lessons were replaced by a later one; both sides say so (KB406)."""
        taken: set[str] = set()
        for i, le in enumerate(self.lessons):
            if le.status != "archived" or self.rng.random() < 0.5:
                continue
            for later in self.lessons[i + 1 : i + 40]:
                if later.status != "archived" and later.product == le.product and later.id not in taken:
                    taken.add(later.id)
                    le.superseded_by, later.supersedes = later.id, le.id
                    break


# -- text ------------------------------------------------------------------------------------


def heading(level: int, names: tuple[str, str], zh: bool, both: bool) -> str:
    en, cn = names
    text = (f"{cn} / {en}" if zh else f"{en} / {cn}") if both else (cn if zh else en)
    return f"{'#' * level} {text}"


class Writer:
    """Turns planned facts into Markdown files; all randomness still comes from the one rng."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.rng = gen.rng

    def ctx(self, d: Defect) -> dict[str, Any]:
        rng = self.rng
        _, pen, pzh, repo, _, comps = PRODUCTS[d.product]
        ck, cen, czh = comps[d.component]
        f = d.fields
        m = rng.randrange(len(METRICS))
        return {
            "id": d.id, "prod": pen, "prod_zh": pzh, "repo": repo, "comp": cen, "comp_zh": czh, "ckey": ck,
            "symptom": SYMPTOMS[d.symptom][1], "symptom_zh": SYMPTOMS[d.symptom][2],
            "trigger": TRIGGERS[d.trigger][1], "trigger_zh": TRIGGERS[d.trigger][2],
            "ver": f["affected_versions"][-1], "fixed": f.get("fixed_version") or "the next release",
            "fixed_zh": f.get("fixed_version") or "下一个版本",
            "date": d.reported.date().isoformat(), "time": d.reported.strftime("%H:%M"),
            "n1": rng.randint(120, 9800), "n2": rng.randint(3, 95), "n3": rng.randint(1200, 250000),
            "pct": rng.randint(2, 47), "ms": rng.randint(180, 900), "ms2": rng.randint(1500, 30000),
            "hours": rng.randint(2, 40), "days": rng.randint(2, 12),
            "money": f"{rng.randint(1, 900)},{rng.randint(100, 999)}",
            "metric": METRICS[m], "metric_zh": METRICS_ZH[m], "table": rng.choice(TABLES),
            "db": rng.choice(DATABASES), "reporter": f["reporter"],
            "assignee": f.get("assignee") or "the on-call engineer",
            "assignee_zh": f.get("assignee") or "值班工程师", "verifier": f.get("verifier") or "QA",
            "marker": f"benchmarkword{d.n}", "marker_zh": f"压测暗号{cn_number(d.n)}",
            "sha": (f.get("commits") or ["a1b2c3d"])[0], "dup": f.get("duplicate_of", ""),
        }

    # Each template list is sampled without replacement; more entries than templates would repeat.
    def defect_body(self, d: Defect) -> str:
        rng = self.rng
        zh = d.zh
        both = rng.random() < 0.6
        c = self.ctx(d)
        t = ZH if zh else EN
        status = d.fields["status"]
        out: list[str] = []

        def section(key: str, level: int = 2) -> None:
            out.append(heading(level, DEFECT_SECTIONS[key], zh, both))
            out.append("")

        def paras(name: str, k: int) -> None:
            for tpl in rng.sample(t[name], k):
                out.append(tpl.format(**c))
                out.append("")

        def bullets(name: str, k: int, numbered: bool = False) -> None:
            for i, tpl in enumerate(rng.sample(t[name], k), 1):
                out.append(f"{i}. " if numbered else "- ")
                out[-1] += tpl.format(**c)
            out.append("")

        section("description")
        paras("description", 2)
        out.append(t["marker"].format(**c))
        out.append("")
        section("steps", 3)
        bullets("steps", rng.randint(3, 5), numbered=True)
        section("expected", 3)
        paras("expected", 1)
        section("actual", 3)
        paras("actual", 1)
        if rng.random() < 0.5:
            out += ["```text", *(line.format(**c) for line in rng.choice(LOGS)), "```", ""]
        section("impact")
        bullets("impact", rng.randint(2, 4))
        stage = {"new": 0, "analyzing": 0, "fixing": 1, "reopened": 1, "rejected": 1, "deferred": 1,
                 "testing": 2, "verified": 3, "closed": 3}[status]
        if stage >= 1 or rng.random() < 0.3:
            section("analysis")
            if status == "rejected":
                res = d.fields["resolution"]
                paras(f"rejected_{res}", 1)
            elif status == "deferred":
                paras("deferred", 1)
            paras("analysis", 2)
            bullets("analysis_points", rng.randint(2, 3))
            if rng.random() < 0.35:
                out += ["```sql", *(line.format(**c) for line in rng.choice(SQL)), "```", ""]
        if stage >= 2 or (status == "reopened" and rng.random() < 0.6):
            section("solution")
            bullets("solution", rng.randint(2, 4))
            section("test_method")
            bullets("test_method", rng.randint(2, 4))
        if stage >= 3:
            section("verification")
            paras("verification", 1)
            if rng.random() < 0.3:
                section("prevention")
                bullets("prevention", 2)
        if d.fields.get("reopen_count"):
            section("reopen_history")
            for _ in range(d.fields["reopen_count"]):
                out.append("- " + rng.choice(t["reopen"]).format(**c))
            out.append("")
        return cjk_space("\n".join(out)) if zh else "\n".join(out)

    def lesson_ctx(self, le: Lesson, f: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        _, pen, pzh, repo, _, comps = PRODUCTS[le.product]
        _, cen, czh = rng.choice(comps)
        srcs = ", ".join(d.id for d in le.sources) or ("—" if le.zh else "none")
        return {
            "id": le.id, "prod": pen, "prod_zh": pzh, "repo": repo, "comp": cen, "comp_zh": czh,
            "trigger": TRIGGERS[le.trigger][1], "trigger_zh": TRIGGERS[le.trigger][2], "sources": srcs,
            "date": f["event_date"].isoformat(), "n1": rng.randint(120, 9800), "n2": rng.randint(3, 95),
            "pct": rng.randint(2, 47), "hours": rng.randint(2, 40), "days": rng.randint(2, 12),
            "mins": rng.randint(10, 55), "money": f"{rng.randint(1, 900)},{rng.randint(100, 999)}",
            "metric": rng.choice(METRICS), "metric_zh": rng.choice(METRICS_ZH),
            "marker": f"benchmarkword{le.n}", "marker_zh": f"压测暗号{cn_number(le.n)}",
            "author": f["authors"][0],
        }

    def lesson_body(self, le: Lesson, f: dict[str, Any]) -> str:
        rng = self.rng
        zh = le.zh
        both = rng.random() < 0.6
        c = self.lesson_ctx(le, f)
        t = ZH if zh else EN
        out: list[str] = []

        def block(key: str, name: str, k: int, style: str = "p") -> None:
            out.append(heading(2, LESSON_SECTIONS[key], zh, both))
            out.append("")
            for i, tpl in enumerate(rng.sample(t[name], k), 1):
                prefix = {"p": "", "-": "- ", "1": f"{i}. "}[style]
                out.append(prefix + tpl.format(**c))
                if style == "p":
                    out.append("")
            if style != "p":
                out.append("")

        block("summary", "l_summary", 2)
        out += [t["marker"].format(**c), ""]
        block("background", "l_background", 2)
        block("impact", "l_impact", rng.randint(2, 3), "-")
        out += [heading(2, LESSON_SECTIONS["timeline"], zh, both), ""]
        out += [line.format(**c) for line in (ZH_TIMELINE if zh else EN_TIMELINE)]
        out.append("")
        block("root_cause", "l_root", rng.randint(2, 3), "-")
        block("detection", "l_detection", 1)
        block("resolution", "l_resolution", rng.randint(2, 3), "-")
        block("went_well", "l_well", 2, "-")
        block("went_wrong", "l_wrong", 2, "-")
        block("lucky", "l_lucky", 1, "-")
        block("recommendations", "l_recommend", rng.randint(3, 4), "1")
        if rng.random() < 0.3:
            out += [heading(2, LESSON_SECTIONS["references"], zh, both), ""]
            out += [f"- {d.id}" for d in le.sources] or ["- https://wiki.example.com/postmortems"]
            out.append("")
        return cjk_space("\n".join(out)) if zh else "\n".join(out)


def yaml_list(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def defect_file(d: Defect, body: str) -> str:
    f = d.fields
    pkey, *_rest = PRODUCTS[d.product]
    comp = PRODUCTS[d.product][5][d.component][0]
    title = title_zh(d) if d.zh else title_en(d)

    def opt(value: Any) -> str:
        return "null" if value is None else str(value)

    def when(name: str) -> str:
        return ts(f[name]) if f.get(name) else "null"

    lines = [
        "---", "kind: defect", f"id: {d.id}", f"title: {q(title)}", f"status: {f['status']}",
        f"product: {pkey}", f"component: {comp}", f"pm: {f['pm']}", f"reporter: {f['reporter']}",
        f"assignee: {opt(f.get('assignee'))}", f"verifier: {opt(f.get('verifier'))}",
        f"resolution: {opt(f.get('resolution'))}", f"severity: {f['severity']}",
        f"priority: {opt(f.get('priority'))}", f"reproducibility: {f['reproducibility']}",
        f"defect_type: {opt(f.get('defect_type'))}", f"found_phase: {f['found_phase']}",
        f"injected_phase: {opt(f.get('injected_phase'))}", f"impact_scope: {f['impact_scope']}",
        f"online: {'true' if f['online'] else 'false'}", f"environment: {q(f['env'])}",
        f"affected_versions: {yaml_list([q(v) for v in f['affected_versions']])}",
        f"fixed_version: {q(f['fixed_version']) if f.get('fixed_version') else 'null'}",
        f"occurred_at: {ts(f['occurred_at'])}", f"reported_at: {ts(f['reported_at'])}",
        f"resolved_at: {when('resolved_at')}", f"verified_at: {when('verified_at')}",
        f"closed_at: {when('closed_at')}",
    ]
    if f.get("duplicate_of"):
        lines.append(f"duplicate_of: {f['duplicate_of']}")
    if f.get("deferred_to"):
        lines.append(f"deferred_to: {q(f['deferred_to'])}")
    if f.get("reopen_count"):
        lines.append(f"reopen_count: {f['reopen_count']}")
    tracker_key = PRODUCTS[d.product][4]
    lines += ["links:", f"  tracker: https://tracker.example.com/{tracker_key}-{1000 + d.n}"]
    if f.get("commits"):
        lines.append(f"  commits: {yaml_list([q(c) for c in f['commits']])}")
    if f.get("merge_requests"):
        lines.append(f"  merge_requests: {yaml_list([q(u) for u in f['merge_requests']])}")
    if f.get("test_cases"):
        lines.append(f"  test_cases: {yaml_list(f['test_cases'])}")
    if d.related:
        lines.append(f"related_lessons: {yaml_list(d.related)}")
    if f.get("odc"):
        lines.append("odc: {" + ", ".join(f"{k}: {v}" for k, v in f["odc"].items()) + "}")
    lines += [f"tags: {yaml_list(f['tags'])}", "---", "", body]
    return "\n".join(lines)


def title_en(d: Defect) -> str:
    comp = PRODUCTS[d.product][5][d.component][1]
    return f"{comp} {SYMPTOMS[d.symptom][1]} when {TRIGGERS[d.trigger][1]}"


def title_zh(d: Defect) -> str:
    comp = PRODUCTS[d.product][5][d.component][2]
    return cjk_space(f"{comp}在{TRIGGERS[d.trigger][2]}时{SYMPTOMS[d.symptom][2]}")


def defect_slug(d: Defect) -> str:
    comp = PRODUCTS[d.product][5][d.component][0]
    return slugify(f"{comp} {SYMPTOMS[d.symptom][0]} {TRIGGERS[d.trigger][0]}")


def lesson_facts(gen: Generator, le: Lesson) -> dict[str, Any]:
    rng = gen.rng
    pkey = PRODUCTS[le.product][0]
    team = gen.teams[pkey]
    f: dict[str, Any] = {}
    f["pm"] = rng.choice(team["pm"])
    authors = [rng.choice(team["eng"] + gen.sre[:2])]
    if rng.random() < 0.4:
        other = rng.choice(team["eng"] + team["pm"])
        if other not in authors:
            authors.append(other)
    f["authors"] = authors
    pool = [p for p in team["qa"] + team["pm"] + team["eng"] if p not in authors]
    reviewers: list[str] = []
    for p in rng.sample(pool, min(len(pool), rng.randint(1, 3))):
        if p not in reviewers:
            reviewers.append(p)
    event = min([d.fields["occurred_at"] for d in le.sources], default=le.base - timedelta(days=rng.randint(1, 20)))
    event_day = max(event.date(), START.date())
    created = max(le.base.date(), event_day) + timedelta(days=rng.randint(1, 10))
    created = min(created, END.date())
    f["event_date"], f["created_at"] = event_day, created
    if le.status != "draft":
        f["reviewers"] = reviewers
    if le.status in ("published", "applied", "archived"):
        reviewed = min(created + timedelta(days=rng.randint(3, 20)), END.date())
        f["reviewed_at"] = reviewed
        f["published_at"] = min(reviewed + timedelta(days=rng.randint(0, 5)), END.date())
    f["cause_category"] = TRIGGERS[le.trigger][4] if rng.random() < 0.8 else rng.choice(CAUSES)
    # a lesson is as severe as the worst defect it comes from
    f["severity"] = min((d.fields["severity"] for d in le.sources), key=list(SEVERITY).index, default=None) \
        or pick(rng, SEVERITY)
    items = []
    done_only = le.status in ("applied", "archived")
    which = rng.sample(range(len(ACTIONS_EN)), rng.randint(1, 5))  # distinct actions per lesson
    for i in range(1, len(which) + 1):
        if done_only:
            status = "done" if rng.random() < 0.85 else "wont_do"
        else:
            status = rng.choice(["done", "done", "in_progress", "todo", "todo"])
        if status in ("todo", "in_progress"):
            due = OPEN_DUE_FIRST + timedelta(days=rng.randint(0, 170))
        else:
            due = min(created + timedelta(days=rng.randint(5, 60)), END.date())
        items.append((f"A{i}", which[i - 1], rng.choice(["mitigate", "prevent", "detect", "process"]),
                      rng.choice(authors + team["eng"] + gen.sre), due, status))
    f["action_items"] = items
    f["tags"] = gen.entry_tags(pkey, TRIGGERS[le.trigger][3])
    return f


def lesson_file(le: Lesson, f: dict[str, Any], body: str) -> str:
    trig = TRIGGERS[le.trigger]
    prod = PRODUCTS[le.product]
    title = (cjk_space(f"{prod[2]}：{trig[2]}的教训与改进") if le.zh
             else f"{prod[1]}: what we learned when {trig[1]}")
    products = [PRODUCTS[le.product][0]] + [PRODUCTS[p][0] for p in le.extra_products]
    lines = [
        "---", "kind: lesson", f"id: {le.id}", f"title: {q(title)}", f"status: {le.status}",
        f"source_type: {le.source_type}",
        f"source_defects: {yaml_list([d.id for d in le.sources])}",
        f"products: {yaml_list(products)}", f"pm: {f['pm']}", f"authors: {yaml_list(f['authors'])}",
        f"reviewers: {yaml_list(f.get('reviewers', []))}",
        f"event_date: {f['event_date'].isoformat()}", f"created_at: {f['created_at'].isoformat()}",
        f"reviewed_at: {f['reviewed_at'].isoformat() if f.get('reviewed_at') else 'null'}",
        f"published_at: {f['published_at'].isoformat() if f.get('published_at') else 'null'}",
        f"severity: {f['severity']}", f"cause_category: {f['cause_category']}",
    ]
    if f["action_items"]:
        lines.append("action_items:")
        actions = ACTIONS_ZH if le.zh else ACTIONS_EN
        comp = prod[5][0][2 if le.zh else 1]
        for aid, which, kind, owner, due, status in f["action_items"]:
            text = q(actions[which].format(comp=comp))
            lines.append(f"  - {{id: {aid}, description: {text}, type: {kind}, owner: {owner}, "
                         f"due: {due.isoformat()}, status: {status}}}")
    else:
        lines.append("action_items: []")
    lines.append(f"applies_to: {yaml_list(products)}")
    if le.supersedes:
        lines.append(f"supersedes: {le.supersedes}")
    if le.superseded_by:
        lines.append(f"superseded_by: {le.superseded_by}")
    if le.status == "archived" and not le.superseded_by:
        reason = "相关系统已下线，建议不再适用。" if le.zh else "The system it covers was retired."
        lines.append(f"archive_reason: {q(reason)}")
    lines += [f"tags: {yaml_list(f['tags'])}", "---", "", body]
    return "\n".join(lines)


def lesson_slug(le: Lesson) -> str:
    return slugify(f"{PRODUCTS[le.product][0]} {TRIGGERS[le.trigger][0]} {le.source_type.replace('_', '-')} lesson")


# -- driver ----------------------------------------------------------------------------------


def generator_digest() -> str:
    """Changes whenever this file changes, so cached knowledge bases are rebuilt."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def stamp_for(entries: int, seed: int, lesson_share: float) -> dict[str, Any]:
    return {"entries": entries, "seed": seed, "lesson_share": lesson_share, "generator": generator_digest()}


def is_current(out: Path, entries: int, seed: int, lesson_share: float) -> bool:
    stamp = out / STAMP_NAME
    try:
        return json.loads(stamp.read_text(encoding="utf-8")) == stamp_for(entries, seed, lesson_share)
    except (OSError, ValueError):
        return False


def prepare(out: Path) -> None:
    """Empty `out` if it is a previously generated knowledge base; refuse anything else."""
    if out.exists() and any(out.iterdir()):
        if not (out / STAMP_NAME).is_file():
            raise SystemExit(f"error: {out} exists, is not empty and was not made by this generator; "
                             "choose another --out")
        for path in sorted(out.iterdir()):  # all of it was made here or by the benchmarks
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    for sub in ("_data", "defects", "lessons"):
        (out / "content" / sub).mkdir(parents=True, exist_ok=True)


def write_mkdocs_yml(out: Path) -> None:
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    if re.search(r"(?m)^docs_dir:", text):
        text = re.sub(r"(?m)^docs_dir:.*$", "docs_dir: content", text)
    else:
        text = "docs_dir: content\n" + text
    (out / "mkdocs.yml").write_text(text, encoding="utf-8")


def generate(entries: int, out: Path, seed: int = 1, lesson_share: float = 0.2) -> dict[str, int]:
    if entries < 1:
        raise SystemExit("error: --entries must be at least 1")
    if not 0 <= lesson_share < 1:
        raise SystemExit("error: --lesson-share must be in [0, 1)")
    prepare(out)
    gen = Generator(entries, seed, lesson_share)
    gen.plan()
    content = out / "content"
    write_registries(content / "_data", gen.people, gen.teams)
    writer = Writer(gen)
    markers = ["n\tid\tpath\tenglish\tchinese"]
    sizes = []
    # Write in global order so the rng sequence (and so every byte) depends only on the seed.
    items: list[Defect | Lesson] = sorted([*gen.defects, *gen.lessons], key=lambda e: e.n)
    for item in items:
        if isinstance(item, Defect):
            rel = f"defects/{item.id}-{defect_slug(item)}.md"
            text = defect_file(item, writer.defect_body(item))
        else:
            facts = lesson_facts(gen, item)
            rel = f"lessons/{item.id}-{lesson_slug(item)}.md"
            text = lesson_file(item, facts, writer.lesson_body(item, facts))
        data = text.encode("utf-8")
        sizes.append(len(data))
        (content / rel).write_bytes(data)
        markers.append(f"{item.n}\t{item.id}\tcontent/{rel}\tbenchmarkword{item.n}\t压测暗号{cn_number(item.n)}")
    (out / "markers.tsv").write_text("\n".join(markers) + "\n", encoding="utf-8")
    write_mkdocs_yml(out)
    (out / STAMP_NAME).write_text(json.dumps(stamp_for(entries, seed, lesson_share)) + "\n", encoding="utf-8")
    sizes.sort()
    return {"defects": len(gen.defects), "lessons": len(gen.lessons), "bytes": sum(sizes),
            "median_bytes": sizes[len(sizes) // 2], "min_bytes": sizes[0], "max_bytes": sizes[-1]}


def ensure(entries: int, out: Path, seed: int = 1, lesson_share: float = 0.2) -> bool:
    """Generate unless `out` already holds this exact knowledge base. True if it generated."""
    if is_current(out, entries, seed, lesson_share):
        return False
    generate(entries, out, seed, lesson_share)
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, required=True, help="number of entries (defects + lessons)")
    ap.add_argument("--out", type=Path, required=True, help="output folder (content/ and mkdocs.yml go here)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lesson-share", type=float, default=0.2, help="share of entries that are lessons")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    stats = generate(args.entries, args.out, args.seed, args.lesson_share)
    took = time.perf_counter() - t0
    print(f"wrote {stats['defects']} defects and {stats['lessons']} lessons to {args.out}/content "
          f"in {took:.2f} s ({stats['bytes'] / 1e6:.1f} MB; entry size median {stats['median_bytes']} B, "
          f"min {stats['min_bytes']} B, max {stats['max_bytes']} B)")
    return 0


# -- text pools ------------------------------------------------------------------------------
# Placed last: long, and only read by Writer. {placeholders} are filled from Writer.ctx.

EN: dict[str, Any] = {
    "marker": "Search markers for the benchmarks: {marker} / {marker_zh}.",
    "description": [
        "Since {ver}, {comp} in {prod} {symptom} when {trigger}. {reporter} first noticed it on {date} at {time} "
        "while watching the {metric} dashboard, which jumped to {pct}% within ten minutes of the first report.",
        "The failure is limited to {comp}; the other parts of {prod} keep working. In staging it shows up in "
        "roughly {pct}% of attempts, and more often under production load, where about {n1} requests per "
        "minute reach the service.",
        "Customers see the problem directly: support received {n2} tickets in the first {hours} hours, most of "
        "them from accounts with more than {n1} records. Nothing in the release notes of {ver} mentions a "
        "change in this area, which is why the first reports were treated as user error.",
        "The behaviour is easy to miss in a demo because it needs realistic data: it only happens when "
        "{trigger}, and the seed data used by most test environments never gets there. With a copy of "
        "production data the problem appears on the first try.",
        "Logs of {repo} show the same pattern every time: the request enters {comp}, the call to {db} "
        "returns normally after about {ms} ms, and then the response is built from an object that no longer "
        "matches what was stored.",
    ],
    "steps": [
        "Deploy {repo} {ver} to a staging namespace with the default configuration.",
        "Load the fixture `fixtures/{ckey}/large_tenant.json` ({n3} rows) into {db}.",
        "Arrange for the condition: {trigger} (the helper `scripts/chaos/{ckey}.sh` does it).",
        "Open {comp} as a tenant administrator and start the operation from the toolbar.",
        "Repeat the request {n2} times with `hey -n {n2} -c 4` against the public endpoint.",
        "Compare the stored rows with `SELECT count(*) FROM {table} WHERE tenant_id = 'T-{n2}'`.",
        "Watch the {metric} panel on the service dashboard while the test runs.",
    ],
    "expected": [
        "The operation completes within {ms} ms, the stored data matches the input exactly, and nothing is "
        "sent or charged twice.",
        "{comp} handles the condition gracefully: the user sees a clear message and can retry safely.",
        "Every record submitted is stored once, and the totals shown equal the sum of the stored rows.",
    ],
    "actual": [
        "{comp} {symptom}: {pct}% of the attempts fail, and the slowest take {ms2} ms before the gateway gives up.",
        "The first attempt seems to succeed, but {n2} of {n1} records are wrong afterwards and no error is logged.",
        "The page shows an error banner and the {metric} rises to {pct}%; a second try usually works.",
    ],
    "impact": [
        "{n1} requests failed over {hours} hours; {n2} tenants opened support tickets.",
        "Roughly {pct}% of daily active users of {comp} were affected at the peak.",
        "Finance had to correct {n2} records by hand (about ¥{money} in total).",
        "On-call engineers spent {hours} hours on mitigation and data repair.",
        "No data was lost, but the backlog in {comp} took {hours} hours to drain.",
        "The incident counted against the {prod} availability target for the month.",
    ],
    "analysis": [
        "The code path in {comp} assumes that {trigger} never happens in practice. When it does, the state "
        "read at the start of the request no longer holds when the result is written, and nothing checks it "
        "again before committing.",
        "A review of the change that introduced the behaviour shows that the happy path was tested thoroughly "
        "but the failure path was only exercised by a mock that always answers within {ms} ms.",
        "The monitoring did not catch it because the {metric} alert averages over fifteen minutes; the spikes "
        "last about {days} minutes each and disappear in the average.",
        "The same pattern exists in two other components of {prod}; they are not affected today only because "
        "their traffic is lower.",
    ],
    "analysis_points": [
        "Trigger: {trigger}.",
        "Root cause: the update to `{table}` is not conditional on the state that was read.",
        "Contributing: the retry policy repeats non-idempotent calls after {ms2} ms.",
        "Contributing: test data never reaches the size where the problem appears.",
        "Why late: the alert threshold for {metric} was set before traffic doubled.",
    ],
    "solution": [
        "Make the write conditional on the version read (`UPDATE ... WHERE version = $2`) and retry on conflict.",
        "Add a unique constraint on `{table}` so that a second write fails instead of duplicating data.",
        "Bound the batch size at 5,000 rows and stream the rest; memory stays flat.",
        "Handle the condition explicitly in {comp} and return a retryable error to the caller.",
        "Fix shipped in {fixed} (commit {sha}); a data-repair script corrected the affected rows.",
    ],
    "test_method": [
        "New regression test `tests/{ckey}/test_regression.py` reproduces the trigger with {n2} parallel calls.",
        "Load test at twice the peak ({n1} rpm) for thirty minutes in staging.",
        "Manual exploratory test of {comp} on the three most common client configurations.",
        "Regression scope: all of {comp}, plus the nightly reconciliation job.",
        "Property-based test generating inputs around the boundary that failed.",
    ],
    "verification": [
        "Verified by {verifier} on {fixed} in staging: {n2} runs of the reproduction, no failure; the {metric} "
        "stayed flat during a thirty-minute load test. Production has shown no recurrence for {days} days.",
        "{verifier} repeated the original steps on {fixed}; every record is stored once and the totals match. "
        "The regression test is part of the release pipeline.",
    ],
    "prevention": [
        "Add the scenario to the design review checklist for {prod}.",
        "Tighten the {metric} alert to five-minute windows.",
        "Seed staging with production-sized data every week.",
    ],
    "reopen": [
        "Reopened after the fix in the previous release: the problem came back under a different load pattern.",
        "Reopened by support: {n2} new tickets with the same symptom after the fix was deployed.",
    ],
    "deferred": [
        "Deferred: the fix needs the storage redesign planned for the next major version; the workaround "
        "(retry after {days} minutes) is documented for support.",
    ],
    "rejected_duplicate": ["Same root cause as {dup}; tracked there."],
    "rejected_by_design": ["Works as specified: the behaviour follows the product rules agreed with the PM."],
    "rejected_cannot_reproduce": ["Not reproducible with the reported data on {ver} after {n2} attempts."],
    "rejected_external": ["Caused by the upstream provider; they confirmed and fixed it on their side."],
    "rejected_wont_fix": ["The affected feature is being retired; the cost of a fix is not justified."],
    "l_summary": [
        "When {trigger}, {comp} in {prod} failed in a way our tests never exercised. The incident lasted "
        "about {hours} hours and affected roughly {pct}% of active tenants.",
        "This lesson collects what we learned from {sources}: the failure itself was small, but it exposed "
        "assumptions that hold in several other services.",
        "The short version: treat '{trigger}' as a normal condition, not an exception, and make the storage "
        "layer enforce the invariants the code relies on.",
    ],
    "l_background": [
        "{comp} handles about {n1} requests per minute at peak. It was built when traffic was a tenth of "
        "today's, and several shortcuts from that time were still in place.",
        "The driving event happened on {date}. Related defects: {sources}. The on-call engineer paged the "
        "owning team after {mins} minutes.",
        "Earlier reviews of {prod} had flagged the risk, but it was ranked below feature work each quarter.",
    ],
    "l_impact": [
        "{n1} failed requests and {n2} support tickets.",
        "About ¥{money} of manual corrections by finance.",
        "{hours} engineer-hours spent on mitigation and repair.",
        "One missed delivery commitment to a key customer.",
    ],
    "l_root": [
        "Root cause: the code read state, decided, and wrote without checking the state again.",
        "Trigger: {trigger}.",
        "Why it was not found earlier: test data was small and clocks in staging never change.",
        "Contributing: retries without idempotency keys multiplied the damage.",
    ],
    "l_detection": [
        "Detected by a customer report {mins} minutes after it started; the {metric} alert fired twenty "
        "minutes later. We want the alert to fire first next time.",
        "The nightly reconciliation job flagged a mismatch; nobody was paged until the next morning.",
    ],
    "l_resolution": [
        "Rolled back the last deployment of {comp} to stop the bleeding.",
        "Shipped a conditional write and a unique constraint as the real fix.",
        "Repaired the affected records with a reviewed script and notified the tenants.",
        "Added a regression test that reproduces the trigger.",
    ],
    "l_well": [
        "The rollback took less than ten minutes.",
        "Support and engineering shared one incident channel from the start.",
        "The data repair script was reviewed by two people before it ran.",
    ],
    "l_wrong": [
        "Alerting depended on a fifteen-minute average.",
        "The design review did not ask what happens when {trigger}.",
        "Runbooks for {comp} were two major versions out of date.",
    ],
    "l_lucky": [
        "The problem started outside the monthly billing window.",
        "A senior engineer who knew the legacy code happened to be on call.",
    ],
    "l_recommend": [
        "Design every external interaction for at-least-once delivery.",
        "Let the database enforce invariants with unique keys and conditional updates.",
        "Test with production-sized data and with clocks that move.",
        "Alert on short windows for user-facing error rates.",
        "Keep runbooks next to the code and review them with each release.",
    ],
}

ZH: dict[str, Any] = {
    "marker": "基准测试检索标记：{marker_zh}（{marker}）。",
    "description": [
        "{ver} 版本起，{prod_zh}的{comp_zh}在{trigger_zh}时{symptom_zh}。{date} {time}，{reporter} 在查看"
        "{metric_zh}看板时首次发现异常，首次报告后十分钟内该指标升至 {pct}%。",
        "问题只出现在{comp_zh}，{prod_zh}的其他模块工作正常。测试环境约 {pct}% 的尝试会复现，线上负载下更频繁，"
        "高峰期每分钟约有 {n1} 个请求到达该服务。",
        "客户直接感知到了问题：前 {hours} 小时客服收到 {n2} 张工单，大多来自记录数超过 {n1} 条的租户。{ver} 的"
        "发布说明没有提到这一块的改动，所以最初的反馈被当成了用户误操作。",
        "这个问题在演示环境里很难看到，因为它需要真实规模的数据：只有{trigger_zh}时才会出现，而多数测试环境的"
        "种子数据达不到这个条件。用生产数据副本测试，第一次就能复现。",
        "{repo} 的日志每次都呈现相同的模式：请求进入{comp_zh}，调用 {db} 约 {ms} ms 后正常返回，随后却用一个与"
        "已存储数据不一致的对象构造了响应。",
    ],
    "steps": [
        "把 {repo} {ver} 以默认配置部署到测试命名空间。",
        "向 {db} 导入数据集 `fixtures/{ckey}/large_tenant.json`（{n3} 行）。",
        "制造触发条件：{trigger_zh}（可用脚本 `scripts/chaos/{ckey}.sh`）。",
        "以租户管理员身份打开{comp_zh}，在工具栏发起操作。",
        "用 `hey -n {n2} -c 4` 对公开接口重复请求 {n2} 次。",
        "执行 `SELECT count(*) FROM {table} WHERE tenant_id = 'T-{n2}'` 比对存储结果。",
        "测试期间观察服务看板上的{metric_zh}面板。",
    ],
    "expected": [
        "操作在 {ms} ms 内完成，存储数据与输入完全一致，不会重复发送或重复扣费。",
        "{comp_zh}能妥善处理该情况：用户看到明确提示，并且可以安全重试。",
        "每条提交的记录只存储一次，页面显示的合计等于已存储记录之和。",
    ],
    "actual": [
        "{comp_zh}{symptom_zh}：{pct}% 的尝试失败，最慢的请求耗时 {ms2} ms 后被网关中断。",
        "第一次看似成功，但之后 {n1} 条记录中有 {n2} 条数据错误，日志中没有任何报错。",
        "页面出现错误提示，{metric_zh}升至 {pct}%；再试一次通常可以成功。",
    ],
    "impact": [
        "{hours} 小时内 {n1} 个请求失败，{n2} 个租户提交了工单。",
        "高峰期约 {pct}% 的{comp_zh}日活用户受影响。",
        "财务手工修正了 {n2} 条记录，涉及金额约 ¥{money}。",
        "值班工程师在止损和数据修复上花费了 {hours} 小时。",
        "数据没有丢失，但{comp_zh}的积压用了 {hours} 小时才消化完。",
        "本次故障计入{prod_zh}当月的可用性指标。",
    ],
    "analysis": [
        "{comp_zh}的这段代码默认“{trigger_zh}”在实际中不会发生。一旦发生，请求开始时读取的状态在写入结果时已经"
        "失效，而提交前没有任何再次校验。",
        "回看引入该行为的变更：正常路径测试得很充分，但失败路径只用一个总在 {ms} ms 内返回的 mock 覆盖过。",
        "监控没有发现，是因为{metric_zh}告警按十五分钟取平均；每次尖峰只持续约 {days} 分钟，被平均值抹平了。",
        "{prod_zh}的另外两个模块也有同样的写法，目前没出问题只是因为它们的流量更低。",
    ],
    "analysis_points": [
        "触发因素：{trigger_zh}。",
        "根因：对 `{table}` 的更新没有以读取到的状态为条件。",
        "促成因素：重试策略在 {ms2} ms 后重复了非幂等调用。",
        "促成因素：测试数据量从未达到问题出现的规模。",
        "发现较晚的原因：{metric_zh}告警阈值是在流量翻倍之前设定的。",
    ],
    "solution": [
        "写入改为以读取到的版本号为条件（`UPDATE ... WHERE version = $2`），冲突时重试。",
        "在 `{table}` 上增加唯一约束，第二次写入直接失败而不是产生重复数据。",
        "批量上限设为 5,000 行，其余流式处理，内存占用保持平稳。",
        "在{comp_zh}中显式处理该情况，向调用方返回可重试的错误。",
        "修复随 {fixed_zh} 发布（提交 {sha}），并用数据修复脚本订正了受影响的记录。",
    ],
    "test_method": [
        "新增回归用例 `tests/{ckey}/test_regression.py`，以 {n2} 路并发复现触发条件。",
        "在测试环境以两倍峰值（每分钟 {n1} 个请求）压测三十分钟。",
        "在三种最常见的客户端配置上对{comp_zh}做探索性测试。",
        "回归范围：{comp_zh}全部功能，以及夜间对账任务。",
        "基于属性的测试，在失败边界附近生成输入。",
    ],
    "verification": [
        "{verifier} 在测试环境验证 {fixed_zh}：复现步骤执行 {n2} 次均未失败；三十分钟压测期间{metric_zh}保持平稳。"
        "上线后 {days} 天未再出现。",
        "{verifier} 在 {fixed_zh} 上重复了原始步骤：每条记录只存储一次，合计一致。回归用例已纳入发布流水线。",
    ],
    "prevention": [
        "把该场景加入{prod_zh}的设计评审清单。",
        "{metric_zh}告警窗口缩短为五分钟。",
        "每周用生产规模的数据刷新测试环境。",
    ],
    "reopen": [
        "上一版修复后重新打开：在另一种负载模式下问题再次出现。",
        "客服重新打开：修复上线后又收到 {n2} 张相同症状的工单。",
    ],
    "deferred": [
        "延期处理：修复依赖下一个大版本的存储改造；临时规避方案（{days} 分钟后重试）已提供给客服。",
    ],
    "rejected_duplicate": ["与 {dup} 根因相同，在该缺陷中跟踪。"],
    "rejected_by_design": ["符合需求：该行为遵循与产品经理确认过的业务规则。"],
    "rejected_cannot_reproduce": ["在 {ver} 上用报告中的数据尝试 {n2} 次均无法重现。"],
    "rejected_external": ["由上游服务商引起，对方已确认并在其侧修复。"],
    "rejected_wont_fix": ["相关功能即将下线，修复成本不值得投入。"],
    "l_summary": [
        "{trigger_zh}时，{prod_zh}的{comp_zh}以一种测试从未覆盖的方式失败。故障持续约 {hours} 小时，影响约 {pct}% "
        "的活跃租户。",
        "本文总结从 {sources} 中得到的经验：故障本身不大，却暴露了多个服务共有的隐含假设。",
        "一句话：把“{trigger_zh}”当作正常情况而不是例外来设计，并让存储层来保证代码依赖的约束。",
    ],
    "l_background": [
        "{comp_zh}高峰期每分钟处理约 {n1} 个请求。它建于流量只有现在十分之一的时期，当年的一些捷径一直沿用至今。",
        "事件发生在 {date}，相关缺陷：{sources}。值班工程师在 {mins} 分钟后呼叫了负责团队。",
        "此前对{prod_zh}的评审已经提示过该风险，但每个季度都排在功能开发之后。",
    ],
    "l_impact": [
        "{n1} 个请求失败，{n2} 张客服工单。",
        "财务手工修正约 ¥{money}。",
        "止损与修复共投入 {hours} 人时。",
        "错过了对一个重点客户的交付承诺。",
    ],
    "l_root": [
        "根因：代码先读状态、再判断、再写入，写入时没有再次校验状态。",
        "触发因素：{trigger_zh}。",
        "为什么没有更早发现：测试数据量小，测试环境的时钟从不变化。",
        "促成因素：没有幂等键的重试放大了损失。",
    ],
    "l_detection": [
        "故障开始 {mins} 分钟后由客户报告发现；{metric_zh}告警二十分钟后才触发。下次希望告警先于客户。",
        "夜间对账任务发现了差异，但直到第二天早上才有人被通知。",
    ],
    "l_resolution": [
        "回滚{comp_zh}的最近一次发布，先止损。",
        "以条件更新加唯一约束作为根本修复上线。",
        "用经过评审的脚本修复受影响的数据，并通知相关租户。",
        "增加能复现触发条件的回归用例。",
    ],
    "l_well": [
        "回滚在十分钟内完成。",
        "客服与研发从一开始就在同一个故障群里协作。",
        "数据修复脚本执行前经过两人评审。",
    ],
    "l_wrong": [
        "告警依赖十五分钟平均值。",
        "设计评审没有问“{trigger_zh}时会怎样”。",
        "{comp_zh}的运行手册落后了两个大版本。",
    ],
    "l_lucky": [
        "问题发生在月度计费窗口之外。",
        "恰好由熟悉遗留代码的资深工程师值班。",
    ],
    "l_recommend": [
        "所有外部交互都按“至少一次投递”设计。",
        "用唯一键和条件更新让数据库来保证约束。",
        "用生产规模的数据、会变化的时钟来测试。",
        "面向用户的错误率按短时间窗口告警。",
        "运行手册与代码放在一起，每次发布时一并评审。",
    ],
}

EN_TIMELINE = [
    "| time | event |", "|---|---|",
    "| {date} 09:{mins} | First customer report reaches support. |",
    "| +20 min | The {metric} alert fires; on-call acknowledges. |",
    "| +45 min | Rollback of {comp} starts. |",
    "| +{hours} h | Data repair finished; incident closed. |",
]
ZH_TIMELINE = [
    "| 时间 | 事件 |", "|---|---|",
    "| {date} 09:{mins} | 客服收到第一位客户的反馈。 |",
    "| +20 分钟 | {metric_zh}告警触发，值班确认。 |",
    "| +45 分钟 | 开始回滚{comp_zh}。 |",
    "| +{hours} 小时 | 数据修复完成，故障关闭。 |",
]
LOGS = [
    ["{date}T{time}:07.412+08:00 ERROR [{ckey}] request failed after {ms2} ms",
     "  cause: TimeoutError: upstream did not answer within {ms2} ms",
     "  tenant=T-{n2} attempt=3 retry=true"],
    ["{date}T{time}:11.093+08:00 WARN  [{ckey}] state changed between read and write",
     "  expected_version={n2} actual_version={n2}+1 table={table}"],
]
SQL = [
    ["SELECT status, version FROM {table} WHERE id = $1;   -- both requests read the same state",
     "UPDATE {table} SET status = $2 WHERE id = $1;        -- no condition: both writes succeed"],
    ["-- the fix: the write only happens if nobody changed the row in between",
     "UPDATE {table} SET status = $2, version = version + 1 WHERE id = $1 AND version = $3;"],
]
ACTIONS_EN = [
    "Add a unique constraint guarding {comp} writes",
    "Shorten the alert window for user-facing errors to five minutes",
    "Seed staging with production-sized data every week",
    "Add the trigger to the design review checklist",
    "Write a runbook section for this failure mode",
    "Add idempotency keys to all retried calls",
]
ACTIONS_ZH = [
    "为{comp}的写入增加唯一约束",
    "面向用户的错误告警窗口缩短为五分钟",
    "每周用生产规模的数据刷新测试环境",
    "把该触发条件加入设计评审清单",
    "在运行手册中补充该故障模式的处置步骤",
    "所有会重试的调用增加幂等键",
]


if __name__ == "__main__":
    sys.exit(main())
