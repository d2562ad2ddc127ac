"""The catalogue of diagnostic codes.

Codes are stable: once published, a code keeps its meaning. `docs/diagnostics.md` is generated
from this table (`kb explain --all --markdown`), and `kb explain CODE` prints one entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from defectkb.diagnostics import Severity


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    name: str
    severity: Severity
    summary: str
    example: str
    fix: str


E, W = Severity.ERROR, Severity.WARNING

_CODES = [
    # -- files and front matter -------------------------------------------------------------
    Code("KB001", "unreadable-file", E, "The file cannot be read or is not valid UTF-8.",
         "A file saved as GBK: `标题` is stored as bytes 0xB1 0xEA ...",
         "Save the file as UTF-8 (most editors: 'Save with encoding' → UTF-8)."),
    Code("KB002", "empty-file", E, "The entry file is empty.",
         "content/defects/DEF-0100-x.md has 0 bytes.",
         "Start from `kb new defect` or delete the file."),
    Code("KB003", "missing-front-matter", E, "The entry does not start with a `---` front-matter block.",
         "# Title\\nSome text",
         "Put the YAML metadata between two `---` lines at the very top of the file."),
    Code("KB004", "unterminated-front-matter", E, "The front matter is opened with `---` but never closed.",
         "---\\nid: DEF-0001\\n# Title",
         "Add a line with just `---` after the last front-matter key."),
    Code("KB005", "yaml-syntax", E, "The front matter is not valid YAML.",
         "title: [unclosed",
         "Fix the YAML at the reported line; quote values that contain `: `, `#`, `[` or `{`."),
    Code("KB006", "front-matter-not-mapping", E, "The front matter is not a mapping of keys to values.",
         "---\\n- just\\n- a list\\n---",
         "Write one `key: value` per line."),
    Code("KB007", "duplicate-key", E, "A key appears twice in the same mapping; YAML would silently keep the last.",
         "severity: minor\\nseverity: fatal",
         "Delete one of the two lines."),
    Code("KB008", "file-too-large", E, "The file is larger than the configured limit (`max_file_bytes`).",
         "A 40 MB log pasted into an entry.",
         "Move logs and dumps to an attachment store and link them; or raise `max_file_bytes` in kb.yml."),
    Code("KB009", "yaml-too-complex", E, "The front matter nests too deeply or expands aliases too far.",
         "a: &a [*b, *b, ...] (an alias bomb)",
         "Front matter is flat metadata: write values out, without anchors and deep nesting."),
    Code("KB010", "path-outside-repository", E, "A symlink points outside the knowledge base.",
         "content/defects/DEF-0009.md -> /etc/passwd",
         "Replace the link by the file itself."),
    Code("KB011", "stray-file", W, "A file in an entry folder is not a Markdown entry.",
         "content/defects/notes.txt",
         "Move attachments to an `assets/` folder, or rename the file to `.md` if it is an entry."),
    Code("KB012", "byte-order-mark", W, "The file starts with a UTF-8 byte-order mark.",
         "\\ufeff---",
         "Save the file as UTF-8 without BOM."),
    Code("KB013", "yaml-tab", E, "A tab character is used for indentation in the front matter.",
         "links:\\n\\ttracker: https://...",
         "Indent YAML with spaces."),
    Code("KB014", "line-too-long", E, "A line outside fenced code is longer than `limits.max_line_chars` "
         "(20,000 characters by default).",
         "A 300 KB minified JSON response pasted as one line of text",
         "Put pasted logs and data in a fenced code block (```), or attach them as a file and link it."),
    Code("KB015", "too-many-elements", E, "The body has more headings, list items, table rows, fenced code "
         "blocks or horizontal rules than its limit (`limits.max_headings`: 300, `max_list_items`: 3,000, "
         "`max_table_rows`: 3,000, `max_code_blocks`: 500, `max_rules`: 500).",
         "A table of 50,000 rows exported from a database, pasted into the write-up",
         "Attach large tables as a CSV file and link it; split a huge write-up into several entries."),
    Code("KB016", "nesting-too-deep", E, "Lists and block quotes nest deeper than `limits.max_nesting` (16); "
         "four columns of indentation count as one level.",
         "> > > > > > > > > > > > > > > > > quoted 17 times",
         "Flatten the structure, or put quoted mail threads in a fenced code block."),
    Code("KB017", "marker-run-too-long", E, "The same markup character (`*`, `_`, `` ` ``, `[`, `]`, `(`, `)`, "
         "`<`, `>`, `\\`, `&`, `~`) repeated more than `limits.max_marker_run` (100) times outside fenced "
         "code.",
         "**************************************************...  (a 5,000-character separator)",
         "Use `---` for a horizontal rule; put such output in `backticks` or a fenced code block."),
    # -- schema -----------------------------------------------------------------------------
    Code("KB101", "missing-field", E, "A required front-matter field is missing.",
         "(no `severity:` line)",
         "Add the field; `kb new` writes a template with every field."),
    Code("KB102", "unknown-field", E, "The front matter has a key the schema does not know.",
         "serverity: fatal",
         "Fix the spelling (the hint names the closest field) or remove the key."),
    Code("KB103", "wrong-type", E, "A value has the wrong type.",
         "affected_versions: 2.3",
         "Write the type the field expects; quote versions and ids (`\"2.3\"`)."),
    Code("KB104", "invalid-choice", E, "A value is not one of the allowed choices.",
         "severity: critical",
         "Use one of the listed values; Chinese labels are listed beside them."),
    Code("KB105", "invalid-value", E, "A value does not have the required form (pattern, length, range).",
         "id: DEF-42",
         "Follow the form given in the message."),
    Code("KB106", "naive-datetime", E, "A timestamp has a time of day but no timezone.",
         "reported_at: 2025-06-03 10:05:00",
         "Add the UTC offset (`2025-06-03T10:05:00+08:00`) or give only the date."),
    # -- lifecycle ----------------------------------------------------------------------------
    Code("KB201", "field-required-by-status", E, "The entry's status requires a field that is empty.",
         "status: fixing\\ninjected_phase: null",
         "Fill in the field, or move the entry back to the status it is really in."),
    Code("KB202", "section-required-by-status", E, "The entry's status requires a body section that is missing.",
         "status: testing, but no `## Solution / 解决方案` section",
         "Add the section with the heading in English, Chinese or `English / 中文`."),
    Code("KB203", "empty-section", E, "A required body section has a heading but no text (blank lines, HTML "
         "comments and subheadings alone are not text; code, fenced or indented, is).",
         "## Analysis / 原因分析\\n## Solution / 解决方案",
         "Write the section, or remove the heading if the status does not need it yet."),
    Code("KB204", "status-not-enabled", E, "The status exists but is not enabled in this knowledge base's configuration.",
         "status: deferred (kb.yml lists no `deferred`)",
         "Use an enabled status or enable it in kb.yml."),
    Code("KB205", "status-resolution-mismatch", E, "The resolution does not fit the status.",
         "status: closed\\nresolution: null",
         "Closed and verified defects are `fixed`; rejected ones say why (duplicate, by_design, ...)."),
    Code("KB206", "field-must-be-empty", E, "A field must be empty in the entry's status.",
         "status: reopened\\nclosed_at: 2025-06-10",
         "Clear the field (set it to null); git keeps its history."),
    # -- consistency ------------------------------------------------------------------------
    Code("KB301", "time-order", E, "Lifecycle timestamps are out of order.",
         "reported_at: 2025-06-03\\nresolved_at: 2025-06-01",
         "Correct the earlier or the later timestamp."),
    Code("KB302", "date-in-future", E, "A date lies in the future.",
         "occurred_at: 2031-01-01",
         "Correct the date; plan dates belong in action items' `due`."),
    Code("KB303", "version-order", E, "The fixed version is among or before the affected versions.",
         "affected_versions: [\"2.3.1\"]\\nfixed_version: \"2.3.0\"",
         "The fixed version is the first release that contains the fix."),
    Code("KB304", "escape-flag", E, "`online` and `found_phase` disagree, or an online defect has internal impact.",
         "found_phase: production\\nonline: false",
         "A defect is online exactly when it was found in production."),
    Code("KB305", "severity-priority", W, "Priority does not fit severity and no rationale is given.",
         "severity: fatal\\npriority: p3",
         "Raise the priority or explain it in `priority_rationale`."),
    Code("KB306", "separation-of-duties", E, "The same person fixed and verified, or wrote and reviewed.",
         "assignee: wang.wu\\nverifier: wang.wu",
         "Have someone else verify or review. For normal and minor defects this is a warning."),
    Code("KB307", "action-item", E, "An action item is incomplete or inconsistent.",
         "due: 2025-01-01 (before the lesson was created)",
         "Give each action item an owner, a type and a due date after `created_at`."),
    Code("KB308", "overdue-action-item", W, "An action item is past its due date and not done.",
         "due: 2025-07-01\\nstatus: todo",
         "Finish it, move the date with a note, or mark it `wont_do`."),
    Code("KB309", "duplicate-link", E, "`duplicate_of` and `resolution: duplicate` must come together and point at a real original.",
         "resolution: duplicate\\nduplicate_of: null",
         "Name the original defect in `duplicate_of`."),
    Code("KB310", "likely-duplicate", W, "An entry this change adds (or, when that is not known, an entry in its first status) has a title that nearly equals another entry's title (rapidfuzz token ratio of 90 or more after normalising case, width and punctuation; Chinese segmented into words).",
         "DEF-0033 title: 导出发票时金额精度丢失，合计与明细相差 0.01 元\nDEF-0001 title: 导出发票金额精度丢失，合计与明细相差 0.01 元",
         "If it is the same problem, add what is new to the existing entry (the hint names it) and drop this one, or keep it as `resolution: duplicate` with `duplicate_of`; otherwise reword the title to say what differs."),
    # -- references -------------------------------------------------------------------------
    Code("KB401", "unknown-person", E, "A person is not in the people registry.",
         "pm: zhang.shan",
         "Use the id from people.yml (the hint names the closest), or add the person there."),
    Code("KB402", "not-a-pm", E, "The `pm` is not a product manager of the entry's product.",
         "product: billing\\npm: li.si",
         "Name the product's PM, or add the person to the product's `pms` in products.yml."),
    Code("KB403", "unknown-product", E, "A product or component is not in the products registry.",
         "product: biling",
         "Use a key from products.yml, or add the product there."),
    Code("KB404", "unknown-tag", E, "A tag is not in the tag vocabulary.",
         "tags: [concurency]",
         "Use a tag from tags.yml (with its description), or add it there by pull request."),
    Code("KB405", "unknown-entry", E, "A reference names an entry that does not exist.",
         "related_lessons: [LES-0999]",
         "Fix the id."),
    Code("KB406", "missing-backlink", E, "A defect and a lesson do not point at each other.",
         "DEF-0042 lists LES-0007, but LES-0007's source_defects does not list DEF-0042",
         "Add the id to the other entry as well."),
    Code("KB407", "lesson-required", E, "A closed severe or online defect has no lesson.",
         "status: closed\\nseverity: fatal\\nrelated_lessons: []",
         "Write the lesson (`kb new lesson`) and link both ways."),
    # -- identity ---------------------------------------------------------------------------
    Code("KB501", "duplicate-id", E, "Two entries have the same id.",
         "DEF-0042 in two files",
         "Give the newer entry the next free id (`kb new` picks one)."),
    Code("KB502", "id-prefix", E, "The id prefix does not match the entry's kind.",
         "kind: lesson\\nid: DEF-0007",
         "Defects use `DEF-`, lessons `LES-` (configurable in kb.yml)."),
    Code("KB503", "file-name", E, "The file name does not start with the entry's id, or the entry sits in the wrong folder.",
         "content/defects/invoice-bug.md with id DEF-0042",
         "Rename the file to `DEF-0042-<slug>.md` in the folder of its kind."),
    Code("KB504", "id-taken-on-target", E, "An entry this change adds (or renumbers) takes an id that the target branch already gives to another entry: two pull requests picked the same next id. Checked by `kb validate --changed-since REF` against REF's tip.",
         "this branch adds content/defects/DEF-0042-retry-storm.md; origin/main already has content/defects/DEF-0042-export-rounding.md",
         "Renumber the entry of this change: `kb renumber content/defects/DEF-0042-retry-storm.md --onto origin/main` (renames the file, rewrites its id and the references in entries this change adds, lists any other mention), then commit. See docs/ids.md."),
    # -- registries and configuration -------------------------------------------------------
    Code("KB601", "registry", E, "A registry (people, products, tags) is invalid.",
         "people.yml: roles: [boss]",
         "Fix the registry entry at the reported line."),
    Code("KB602", "config", E, "kb.yml is invalid.",
         "statuses: [new, dun]",
         "Fix the configuration at the reported line."),
    # -- content policy: HTML, links, secrets and personal data ----------------------------------
    Code("KB801", "html-not-allowed", E, "Raw HTML the site would drop: a tag outside `html.allowed_tags`, or an "
         "attribute such as an event handler.",
         "<iframe src=\"https://example.com\"></iframe>  or  <span onclick=\"steal()\">",
         "Write it in Markdown, or put it in `backticks` to show it as code; an organisation that needs the "
         "tag adds it to `html.allowed_tags` in kb.yml."),
    Code("KB802", "unsafe-url", E, "A link, image or reference definition whose URL scheme the site drops "
         "(`javascript:`, `vbscript:`, `data:` ...), judged as a browser reads it (tabs and newlines removed, "
         "entities decoded).",
         "[details](java&#9;script:alert(1))",
         "Link to an http(s) or mailto URL (kb.yml `html.url_schemes`); to quote such text, use `backticks`."),
    Code("KB803", "unparseable-link", W, "A link target MkDocs cannot parse (for example a `[` in a host); the "
         "site shows it as text.",
         "expected:<http://[host/path]> but was:<...>",
         "Put pasted output and test messages in `backticks` or a fenced code block."),
    Code("KB820", "inline-markup-too-dense", E, "Paragraphs with both many markup characters (`*`, `_`, "
         "`` ` ``, `[`, `<`, `&`, `\\`) and many characters: Markdown's work grows with the product, summed "
         "over the entry, and exceeds `limits.max_inline_work`.",
         "A 200 KB log pasted without a code fence, full of `*` and `<...>`",
         "Put pasted output in a fenced code block (```), or split the paragraph with blank lines."),
    Code("KB821", "unbalanced-brackets", E, "Unclosed or deeply nested `[` or `](` make Markdown re-read the "
         "rest of their paragraph once per bracket; the total exceeds `limits.max_bracket_scan`.",
         "[[[[[[[[[[[[ ... thousands of `[` without a `]`",
         "Close the brackets, escape them as `\\[`, or put the text in `backticks` or a fenced code block."),
    Code("KB810", "secret", E, "A credential in an entry: private key, cloud or API token, password in a URL, "
         "JSON Web Token.",
         "environment: \"https://admin:hunter2@db.internal/x\"",
         "Remove it and rotate the credential (it is in the git history). For example values that are not "
         "real, end the line with `<!-- kb: allow -->` or add a pattern to `secrets.allow` in kb.yml."),
    Code("KB811", "personal-data", E, "Personal data that would be published: an e-mail address not in the "
         "people registry, a phone number, a mainland China mobile or ID-card number.",
         "客户 13812345678 反馈无法登录",
         "Remove or mask it (138****5678) and name people by their registry id. Deliberate cases: "
         "`<!-- kb: allow -->` on the line, or `secrets.allow` in kb.yml."),
    # -- internal ---------------------------------------------------------------------------
    Code("KB900", "internal-error", E, "A check failed unexpectedly. This is a bug in DefectKB.",
         "-", "Report it with the file that triggers it."),
]

CODES: dict[str, Code] = {c.code: c for c in _CODES}


def render_markdown() -> str:
    """The diagnostics reference page, generated from the table above."""
    out = [
        "# Diagnostic codes",
        "",
        "Generated by `kb explain --all --markdown`; do not edit by hand.",
        "Every diagnostic names a file, a line, a column and one of these codes.",
        "",
    ]
    for c in _CODES:
        example = c.example.replace("\\n", "\n")
        out += [
            f"## {c.code} `{c.name}` ({c.severity.value})",
            "",
            c.summary,
            "",
            "Example:",
            "",
            "```yaml",
            example,
            "```",
            "",
            f"Fix: {c.fix}",
            "",
        ]
    return "\n".join(out)
