"""One export row to the fields and body sections of a defect, through a mapping.

Nothing is guessed silently: people, products and values that the mapping and the registries
do not know are recorded (with the rows that use them); fields the source lacks are filled
from defaults and listed in `imported.assumed`.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from defectkb.config import Config
from defectkb.enums import (
    DefectStatus,
    DefectType,
    FoundPhase,
    ImpactScope,
    InjectedPhase,
    LabeledEnum,
    Priority,
    Reproducibility,
    Resolution,
    Severity,
)
from defectkb.ingest.mapping import Mapping
from defectkb.ingest.report import Report
from defectkb.ingest.table import Row
from defectkb.ingest.text import html_to_text, one_line, tidy
from defectkb.registry import Registry

ENUMS: dict[str, type[LabeledEnum]] = {
    "status": DefectStatus, "resolution": Resolution, "severity": Severity, "priority": Priority,
    "reproducibility": Reproducibility, "defect_type": DefectType, "found_phase": FoundPhase,
    "injected_phase": InjectedPhase, "impact_scope": ImpactScope,
}
# What a field gets when the source has no value for it; each use is listed in imported.assumed.
BUILTIN_DEFAULTS: dict[str, Any] = {
    "severity": "normal", "reproducibility": "not_tried", "found_phase": "system_test",
    "impact_scope": "partial", "environment": "not recorded in the source",
    "affected_versions": ["unknown"],
}
JOINED = {"environment"}  # fields built from several columns (op_sys / platform)
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_TRUE = {"true", "yes", "y", "1", "是", "线上", "online"}
_FALSE = {"false", "no", "n", "0", "否", "线下", "offline"}
REJECTIONS = {"duplicate", "by_design", "cannot_reproduce", "external", "wont_fix"}


@dataclass(slots=True)
class Options:
    system: str
    product: str | None = None
    pm: str | None = None
    add_people: bool = False
    add_products: bool = False
    now: datetime = field(default_factory=lambda: datetime.now().astimezone().replace(microsecond=0))


@dataclass(slots=True)
class Candidate:
    """A row turned into a defect, not yet given an id."""

    file: str
    row: Row
    key: str
    fields: dict[str, Any]
    sections: dict[str, str]  # description, steps, expected, actual -> text
    comments: list[tuple[str, str, str]]
    duplicate_key: str | None = None
    people: set[str] = field(default_factory=set)  # registry ids it uses, new ones included


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def person_id_from(value: str) -> str | None:
    """An id for a new person: the e-mail's local part or the name, lower case, dots for spaces."""
    base = value.split("@", 1)[0] if "@" in value else value
    candidate = re.sub(r"[^a-z0-9._-]+", "", re.sub(r"\s+", ".", base.strip().lower())).strip("._-")
    return candidate[:64] if candidate and _KEY.match(candidate) else None


class Converter:
    def __init__(self, mapping: Mapping, registry: Registry, config: Config, options: Options,
                 report: Report) -> None:
        self.m, self.reg, self.config, self.opt, self.report = mapping, registry, config, options, report
        self.values = {f: {_norm(k): v for k, v in table.items()} for f, table in mapping.values.items()}
        self.people_map = {_norm(k): v for k, v in mapping.people.items()}
        self.product_map = {_norm(k): v for k, v in mapping.products.items()}
        self.component_map = {_norm(k): v for k, v in mapping.components.items()}
        self.tag_map = {_norm(k): v for k, v in mapping.tags.items()}
        self.by_name = {_norm(p.name): pid for pid, p in registry.people.items()}
        self.by_email = {p.email.casefold(): pid for pid, p in registry.people.items() if p.email}
        self.product_by_name = {_norm(p.name): key for key, p in registry.products.items()}
        self.new_people: dict[str, str] = {}  # id -> name, proposed by --add-people
        self.new_products: dict[str, str] = {}
        self.strip = [re.compile(p) for p in mapping.strip]
        self.empty = {_norm(v) for v in mapping.empty_values}
        self.tz = self._zone(mapping.timezone)
        self.columns: dict[str, list[str]] = {}

    # -- columns -------------------------------------------------------------------------------
    def use_header(self, header: list[str]) -> None:
        """Which of the mapping's column names this file has (case and spacing ignored)."""
        present: dict[str, str] = {}
        for name in header:
            present.setdefault(_norm(name), name)
        self.columns = {}
        for name in self.m.columns:
            found = [present[_norm(c)] for c in self.m.column_names(name) if _norm(c) in present]
            if found:
                self.columns[name] = found

    def get(self, row: Row, name: str) -> list[str]:
        out: list[str] = []
        for column in self.columns.get(name, []):
            values = [self._clean(v) for v in row.cells.get(column, [])]
            values = [v for v in values if v]
            if values and name not in JOINED:
                return values
            out += values
        return out

    def one(self, row: Row, name: str) -> str | None:
        values = self.get(row, name)
        if not values:
            return None
        return " / ".join(values) if name in JOINED else values[0]

    def _clean(self, value: str) -> str:
        for pattern in self.strip:
            value = pattern.sub("", value)
        value = value.strip()
        return "" if _norm(value) in self.empty else value

    # -- filters -------------------------------------------------------------------------------
    def excluded(self, row: Row) -> str | None:
        """Why the mapping leaves this row out (`only:` / `skip:`), or None."""
        for name, wanted in self.m.only.items():
            have = self.get(row, name)
            if name in self.columns and have and not ({_norm(v) for v in have} & {_norm(w) for w in wanted}):
                return f"{name} `{have[0]}`"
        for name, unwanted in self.m.skip.items():
            if {_norm(v) for v in self.get(row, name)} & {_norm(w) for w in unwanted}:
                return f"{name} `{self.get(row, name)[0]}`"
        return None

    # -- values --------------------------------------------------------------------------------
    def enum(self, name: str, raw: str, where: tuple[str, Row], errors: list[str]) -> str | None:
        table = self.values.get(name, {})
        key = _norm(raw)
        if key in table:
            mapped = table[key]
            return str(mapped) if mapped not in ("", None) else None
        enum = ENUMS[name]
        for member in enum:
            if key in (member.value.casefold(), member.zh.casefold()):
                return member.value
        self.report.unknown_value(name, raw, where[0], where[1].number)
        errors.append(f"unknown {name} `{raw}`; map it under `values: {{{name}: {{\"{raw}\": ...}}}}` "
                      f"(one of {', '.join(enum.values())})")
        return None

    def person(self, raw: str, role: str, where: tuple[str, Row], errors: list[str]) -> str | None:
        key = _norm(raw)
        pid = self.people_map.get(key)
        if pid is None and raw in self.reg.people:
            pid = raw
        if pid is None:
            pid = self.by_name.get(key) or self.by_email.get(raw.casefold())
        if pid is not None and pid in self.reg.people:
            return pid
        if pid is not None:  # mapped to an id that is not in people.yml
            proposed: str | None = pid
        else:
            proposed = person_id_from(raw) if self.opt.add_people else None
        if self.opt.add_people and proposed and (proposed not in self.reg.people):
            self.new_people.setdefault(proposed, raw)
            self.report.unknown_person(raw, where[0], where[1].number, added=proposed)
            return proposed
        self.report.unknown_person(raw, where[0], where[1].number, added=None)
        hint = ("map it under `people:` in the mapping file" if self.opt.add_people
                else "map it under `people:` in the mapping file, or pass --add-people")
        errors.append(f"unknown person `{raw}` ({role}); {hint}")
        return None

    def product(self, raw: str | None, where: tuple[str, Row], errors: list[str]) -> str | None:
        if self.opt.product:
            return self.opt.product
        raw = raw or self.m.defaults.get("product")
        if not raw:
            errors.append("no product: map a column to `product`, or pass --product")
            return None
        key = self.product_map.get(_norm(raw)) or (raw if raw in self.reg.products else None) \
            or self.product_by_name.get(_norm(raw))
        if key and key in self.reg.products:
            return key
        proposed = key or person_id_from(raw)
        if self.opt.add_products and proposed:
            self.new_products.setdefault(proposed, raw)
            self.report.unknown_product(raw, where[0], where[1].number, added=proposed)
            return proposed
        self.report.unknown_product(raw, where[0], where[1].number, added=None)
        errors.append(f"unknown product `{raw}`; map it under `products:`, pass --product, or --add-products")
        return None

    def when(self, raw: str | None, name: str, errors: list[str]) -> date | None:
        if not raw:
            return None
        text = raw.strip()
        value: date | None = None
        try:
            iso = text[:-1] + "+00:00" if text.endswith("Z") else text
            value = datetime.fromisoformat(iso) if ("T" in iso or " " in iso or ":" in iso) else \
                date.fromisoformat(iso)
        except ValueError:
            pass
        if value is None:
            with contextlib.suppress(TypeError, ValueError, IndexError):
                value = parsedate_to_datetime(text)
        for fmt in self.m.date_formats if value is None else []:
            try:
                value = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if value is None:
            errors.append(f"{name}: cannot read the date `{text}`; add its format to `date_formats` "
                          "(strptime, e.g. \"%d/%b/%y %I:%M %p\")")
            return None
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        return value

    @staticmethod
    def _zone(name: str | None) -> tzinfo:
        if not name:
            local = datetime.now().astimezone().tzinfo
            return local if local is not None else UTC
        m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", name.strip())
        if m:
            delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
            return timezone(-delta if m.group(1) == "-" else delta)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return UTC

    # -- the row -------------------------------------------------------------------------------
    def convert(self, file: str, row: Row) -> Candidate | None:
        """The candidate defect, or None when the row fails (the reasons go to the report)."""
        where = (file, row)
        errors: list[str] = []
        assumed: list[str] = []
        key = self.one(row, "key")
        if not key:
            self.report.fail(file, row.number, row.line, None, ["no key: the record has no id column value"])
            return None
        fields: dict[str, Any] = {}
        defaults = {**BUILTIN_DEFAULTS, **self.m.defaults}

        def default(name: str) -> Any:
            assumed.append(name)
            return defaults.get(name)

        title = one_line(self.one(row, "title") or "")
        if not title:
            errors.append("no title")
        elif len(title) < 4:
            title = f"{key} {title}"
        if len(title) > 120:
            title = title[:119] + "…"
        fields["title"] = title

        for name in ("status", "resolution", "severity", "priority", "reproducibility", "defect_type",
                     "found_phase", "injected_phase", "impact_scope"):
            raw = self.one(row, name)
            fields[name] = self.enum(name, raw, where, errors) if raw else None
        raw_status = self.one(row, "status")
        if not raw_status:
            if "status" in self.m.defaults:
                fields["status"] = self.m.defaults["status"]
            else:
                errors.append("no status")
        for name in ("severity", "reproducibility", "found_phase", "impact_scope"):
            if fields[name] is None and not self.one(row, name):
                fields[name] = default(name)
        online_raw = self.one(row, "online")
        online = None
        if online_raw:
            mapped = self.values.get("online", {}).get(_norm(online_raw), online_raw)
            text = str(mapped).casefold()
            online = True if mapped is True or text in _TRUE else False if mapped is False or text in _FALSE else None
            if online is None:
                errors.append(f"online: `{online_raw}` is neither yes nor no; map it under `values: {{online: ...}}`")
        if online is None:
            if "found_phase" in assumed and not online_raw and self.m.defaults.get("online") is True:
                fields["found_phase"] = "production"
            online = fields["found_phase"] == "production"
            if "found_phase" in assumed:
                assumed.append("online")
        elif "found_phase" in assumed:
            fields["found_phase"] = "production" if online else (
                defaults["found_phase"] if defaults["found_phase"] != "production" else "system_test")
        fields["online"] = online
        if fields["online"] and fields["impact_scope"] == "internal" and "impact_scope" in assumed:
            fields["impact_scope"] = "partial"

        # people and product
        fields["product"] = self.product(self.one(row, "product"), where, errors)
        pm = self.opt.pm or self.one(row, "pm") or self.m.defaults.get("pm")
        people: set[str] = set()
        if not pm:
            errors.append("no PM: pass --pm, map a column to `pm`, or set `defaults: {pm: ...}`")
        else:
            fields["pm"] = self.person(pm, "pm", where, errors)
        reporter = self.one(row, "reporter") or self.m.defaults.get("reporter")
        if not reporter:
            errors.append("no reporter")
        else:
            fields["reporter"] = self.person(reporter, "reporter", where, errors)
        for name in ("assignee", "verifier"):
            raw = self.one(row, name)
            fields[name] = self.person(raw, name, where, errors) if raw else None
        people = {p for p in (fields.get("pm"), fields.get("reporter"), fields["assignee"], fields["verifier"]) if p}

        # component and tags; what does not map is kept in imported.labels
        labels: list[str] = []
        product = self.reg.products.get(fields["product"] or "")
        fields["component"] = None
        for raw in self.get(row, "component"):
            comp = self.component_map.get(_norm(raw))
            if comp is None and product is not None:
                comp = raw if raw in product.components else next(
                    (k for k, c in product.components.items() if _norm(c.name) == _norm(raw)), None)
            if comp and product is not None and comp in product.components and fields["component"] is None:
                fields["component"] = comp
            else:
                labels.append(raw)
        tags: list[str] = []
        for raw in self.get(row, "labels"):
            tag = self.tag_map.get(_norm(raw)) or (raw if raw in self.reg.tags else None)
            if tag and tag in self.reg.tags:
                tags.append(tag)
            else:
                labels.append(raw)
        fields["tags"] = list(dict.fromkeys(tags))

        # versions and environment
        affected = list(dict.fromkeys(v[:64] for v in self.get(row, "affected_versions")))
        fields["affected_versions"] = affected or default("affected_versions")
        fixed = self.get(row, "fixed_version")
        fields["fixed_version"] = fixed[0][:64] if fixed else None
        if fields["fixed_version"] and fields["fixed_version"] in fields["affected_versions"]:
            self.report.note(file, row.number, f"fixed version `{fields['fixed_version']}` is also an affected "
                             "version (a branch, not a release?); fixed_version left empty")
            fields["fixed_version"] = None
        env = self.one(row, "environment")
        fields["environment"] = one_line(html_to_text(env))[:2000] if env else default("environment")
        count = self.one(row, "reopen_count")
        fields["reopen_count"] = int(count) if count and count.isdigit() else 0

        # dates
        created = self.when(self.one(row, "created"), "created", errors)
        if created is None and not errors:
            errors.append("no creation date")
        occurred = self.when(self.one(row, "occurred"), "occurred", errors)
        if occurred is None:
            occurred = created
            assumed.append("occurred_at")
        fields["occurred_at"], fields["reported_at"] = occurred, created
        resolved = self.when(self.one(row, "resolved"), "resolved", errors)
        verified = self.when(self.one(row, "verified"), "verified", errors)
        closed = self.when(self.one(row, "closed"), "closed", errors)
        updated = self.when(self.one(row, "updated"), "updated", errors)
        self._lifecycle(fields, assumed, resolved, verified, closed, updated)

        duplicate_key = self.one(row, "duplicate_of") if fields.get("resolution") == "duplicate" else None
        if fields.get("resolution") == "duplicate" and not duplicate_key:
            errors.append("resolution duplicate, but the export does not say of which record; map the column "
                          "(Jira: `Outward issue link (Duplicate)`), or map the resolution to another value")
        if errors:
            self.report.fail(file, row.number, row.line, key, errors)
            return None

        url = self.one(row, "url") or (self.m.url.replace("{key}", key) if self.m.url else None)
        fields["links"] = {"tracker": url or key}
        fields["imported"] = {
            "system": self.m.name or self.opt.system, "key": key, "url": url,
            "imported_at": self.opt.now, "mode": "history",
            "assumed": list(dict.fromkeys(assumed)), "labels": list(dict.fromkeys(labels)),
        }
        sections = self._sections(row)
        comments = list(row.comments) or self._comments(row)
        return Candidate(file, row, key, fields, sections, comments, duplicate_key, people)

    def _lifecycle(self, fields: dict[str, Any], assumed: list[str], resolved: date | None,
                   verified: date | None, closed: date | None, updated: date | None) -> None:
        """Status and resolution made consistent the way trackers mean them, and the dates the
        status allows: a closed record resolved as Won't Fix is `rejected`, and so on."""
        status, resolution = fields.get("status"), fields.get("resolution")
        if status in ("testing", "verified", "closed", "rejected") and resolution in REJECTIONS:
            status = "rejected"
        elif status in ("testing", "verified", "closed", "rejected") and resolution == "deferred":
            status = "deferred"
        elif status == "deferred":
            resolution = "deferred"
        elif status in ("testing", "verified", "closed") and resolution is None:
            resolution = "fixed"
            assumed.append("resolution")
        elif status == "rejected" and resolution is None:
            resolution = "wont_fix"
            assumed.append("resolution")
        elif status in ("new", "analyzing", "fixing", "reopened"):
            resolution = None
        if status == "reopened" and fields["reopen_count"] < 1:
            fields["reopen_count"] = 1
            assumed.append("reopen_count")
        fields["status"], fields["resolution"] = status, resolution
        end = closed or resolved or updated
        if status in ("closed", "rejected") and closed is None and end is not None:
            assumed.append("closed_at")
        if status in ("testing", "verified", "closed") and resolved is None and (closed or updated):
            resolved = closed or updated
            assumed.append("resolved_at")
        fields["resolved_at"] = resolved
        fields["verified_at"] = verified
        fields["closed_at"] = end if status in ("closed", "rejected") else closed
        cfg = self.config.defect
        for name in cfg.empty_fields.get(str(status), []):  # a reopened record's old dates
            if name in fields:
                fields[name] = None

    def _sections(self, row: Row) -> dict[str, str]:
        out: dict[str, str] = {}
        description = self.get(row, "description")
        text = tidy(html_to_text("\n\n".join(description))) if description else ""
        if self.m.markers and text:
            pattern = "|".join(re.escape(k) for k in self.m.markers)
            parts = re.split(f"({pattern})", text)
            out["description"] = parts[0].strip()
            for marker, body in zip(parts[1::2], parts[2::2], strict=False):
                target = self.m.markers[marker]
                out[target] = (out.get(target, "") + "\n\n" + body.strip()).strip()
        elif text:
            out["description"] = text
        for name in ("steps", "expected", "actual"):
            values = self.get(row, name)
            if values:
                out[name] = tidy(html_to_text("\n\n".join(values)))
        return {k: v for k, v in out.items() if v}

    def _comments(self, row: Row) -> list[tuple[str, str, str]]:
        out = []
        for raw in self.get(row, "comments"):
            if self.m.comment_style == "jira":
                parts = raw.split(";", 2)
                if len(parts) == 3 and re.match(r"^\d", parts[0]):
                    when = self.when(parts[0], "comment", [])
                    shown = when.isoformat(sep=" ", timespec="minutes") if isinstance(when, datetime) else parts[0]
                    out.append((shown, parts[1], parts[2]))
                    continue
            out.append(("", "", raw))
        return out
