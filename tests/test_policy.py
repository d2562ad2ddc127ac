"""Content policy: raw HTML and URLs judged by the sanitiser, unreadable links, secrets, personal data.

Each hostile body is checked twice: `kb validate` reports it at the right line and column, and a
real `mkdocs build` of the same text (after the author's fix, or with a warning only) never fails
with a traceback and never lets the dropped part through.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import DEFECT, codes, edit, find, load_dir, mkdocs_build

BODY_END = "2.3.2 版本在 staging 验证通过"


def append(kb_dir: Path, text: str) -> int:
    """Put `text` at the end of the defect's body; return the file line where it starts."""
    path = kb_dir / DEFECT
    content = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    line = content.count("\n") + 1
    path.write_text(content + text + "\n", encoding="utf-8")
    return line


@pytest.mark.parametrize(("text", "code", "column", "needle"), [
    ('<iframe src="https://evil.example"></iframe>', "KB801", 1, "`<iframe>` is not allowed"),
    ("<script>alert(1)</script>", "KB801", 1, "`<script>` is not allowed"),
    ('Press <kbd onclick="steal()">Esc</kbd>', "KB801", 7, "event handler `onclick` on `<kbd>`"),
    ('A <details open onmouseover="x"><summary>s</summary>t</details>', "KB801", 3, "`onmouseover`"),
    ("[click](javascript:alert(1))", "KB802", 9, "`javascript:alert(1)` has an unsafe scheme"),
    ("[click](java&#9;script:alert(1))", "KB802", None, "`java\\x09script:alert(1)`"),
    ("[click](JaVaScRiPt:alert(1))", "KB802", 9, "unsafe scheme"),
    ("[click](&#x20;javascript:alert(1))", "KB802", None, "unsafe scheme"),
    ("![pic](data:image/svg+xml;base64,PHN2Zz4=)", "KB802", 8, "image target"),
    ("[a][r]\n\n[r]: vbscript:msgbox(1)", "KB802", None, "vbscript"),
    ('<a href="https://example.com">x</a>', "KB801", 1, "`<a>` is not allowed"),
])
def test_unsafe_html_and_urls_are_errors_at_their_place(kb_dir: Path, text: str, code: str, column: int | None,
                                                        needle: str) -> None:
    line = append(kb_dir, text)
    d = find(load_dir(kb_dir), code)
    assert needle in d.message, d.message
    assert d.path == DEFECT and d.line >= line and (column is None or d.line > line or d.column == column), \
        (d.line, d.column, line)
    assert d.hint


@pytest.mark.parametrize("text", [
    "Allowed: <kbd>Ctrl</kbd>+<kbd>C</kbd>, H<sub>2</sub>O, <mark>note</mark>, line<br>break",
    "<details><summary>Log</summary>\n\nlong output\n\n</details>",
    "Code is fine: `<script>alert(1)</script>` and\n\n```html\n<iframe src=x onload=y></iframe>\n```",
    "[docs](https://example.com/a?b=c#d), [mail](mailto:qa@example.com), [entry](../lessons/LES-0001-money-as-decimal-end-to-end.md)",
    "Test said expected:<200> but was:<500>",
])
def test_harmless_text_passes(kb_dir: Path, text: str) -> None:
    append(kb_dir, text)
    assert not [c for c in codes(load_dir(kb_dir)) if c.startswith("KB8")]


def test_unreadable_link_is_a_warning_and_builds_as_text(kb_dir: Path, tmp_path: Path) -> None:
    append(kb_dir, "JUnit: expected:<http://[host/path]> but was:`<none>`; see [log](http://[::1)")
    kb = load_dir(kb_dir)
    warnings = [d for d in kb.diagnostics if d.code == "KB803"]
    assert len(warnings) == 2 and all(d.severity.value == "warning" for d in warnings)
    assert "cannot be parsed" in warnings[0].message
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"site_name: t\ndocs_dir: {kb_dir}\nsite_dir: {tmp_path / 'site'}\ntheme: {{name: material}}\n"
                      "plugins: [{defectkb: {search: none}}]\n", encoding="utf-8")
    result = mkdocs_build(config, tmp_path / "site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    page = next((tmp_path / "site/defects").glob("DEF-0001-*/index.html")).read_text(encoding="utf-8")
    assert "expected:<span>http://[host/path]</span>" in page
    assert 'href="http://[' not in page


def test_what_validate_accepts_the_build_keeps(kb_dir: Path, tmp_path: Path) -> None:
    append(kb_dir, "Keys: <kbd>Esc</kbd> <details open><summary>More</summary>hidden</details> "
                   "[ext](https://example.com/x) <mark>m</mark>")
    assert not [c for c in codes(load_dir(kb_dir)) if c.startswith("KB8")]
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"site_name: t\ndocs_dir: {kb_dir}\nsite_dir: {tmp_path / 'site'}\ntheme: {{name: material}}\n"
                      "plugins: [{defectkb: {search: none}}]\n", encoding="utf-8")
    assert mkdocs_build(config, tmp_path / "site", cwd=tmp_path).returncode == 0
    page = next((tmp_path / "site/defects").glob("DEF-0001-*/index.html")).read_text(encoding="utf-8")
    for kept in ("<kbd>Esc</kbd>", "<details open", "<summary>More</summary>", 'href="https://example.com/x"',
                 "<mark>m</mark>"):
        assert kept in page, kept


def test_raw_link_scheme_judged_when_a_is_allowed(kb_dir: Path) -> None:
    from defectkb.config import HtmlConfig

    append(kb_dir, '<a href="&#x6A;avascript:alert(1)">x</a> <a href="https://example.com">ok</a>')
    html = HtmlConfig(allowed_tags=["a"], allowed_attributes={"a": ["href"]})
    found = [d for d in load_dir(kb_dir, html=html).diagnostics if d.code.startswith("KB8")]
    assert [(d.code, d.column) for d in found] == [("KB802", 1)]
    assert "`href` of `<a>` has an unsafe URL `javascript:alert(1)`" in found[0].message


def test_allowed_tags_come_from_kb_yml(kb_dir: Path) -> None:
    append(kb_dir, "<abbr>ODC</abbr>")
    assert "KB801" in codes(load_dir(kb_dir))
    from defectkb.config import HtmlConfig

    assert "KB801" not in codes(load_dir(kb_dir, html=HtmlConfig(allowed_tags=["abbr", "kbd"])))


@pytest.mark.parametrize(("text", "code", "kind"), [
    ("AWS key AKIAIOSFODNN7EXAMPLE leaked", "KB810", "AWS Access Key"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----", "KB810", "Private Key"),
    ("DB at postgres://admin:hunter2@db.internal:5432/app", "KB810", "Basic Auth Credentials"),
    ("token ghp_0123456789abcdefghijABCDEFGHIJ012345", "KB810", "GitHub Token"),
    ("Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     "KB810", "JSON Web Token"),
    ("客户 13812345678 反馈无法登录", "KB811", "mobile phone number"),
    ("call +86 138-1234-5678", "KB811", "mobile phone number"),
    ("身份证 11010519491231002X 校验失败", "KB811", "ID-card number"),
    ("mail the customer at li.ming@customer-corp.cn", "KB811", "e-mail address"),
])
def test_secrets_and_personal_data(kb_dir: Path, text: str, code: str, kind: str) -> None:
    line = append(kb_dir, text)
    d = find(load_dir(kb_dir), code)
    assert d.line == line and kind in d.message
    assert "kb: allow" in (d.hint or "")
    secret = text.split()[-1] if code == "KB810" else ""
    assert not secret or secret not in d.message, "the diagnostic must not repeat the secret"


@pytest.mark.parametrize("text", [
    "order 20250531007712, version 2.3.1, at 2025-06-03T09:12:00+08:00, id 110105194912310021",
    "test account qa+oauth@example.com and uat@staging.test",
    "AKIAIOSFODNN7EXAMPLE <!-- kb: allow -->",
])
def test_no_false_alarms(kb_dir: Path, text: str) -> None:
    append(kb_dir, text)
    assert not [c for c in codes(load_dir(kb_dir)) if c in ("KB810", "KB811")]


def test_registry_emails_and_allowlist(kb_dir: Path) -> None:
    append(kb_dir, "asked zhang.wei@example.com and ops@corp-internal.cn")
    found = [d for d in load_dir(kb_dir).diagnostics if d.code == "KB811"]
    assert len(found) == 1 and "ops@" in found[0].message
    from defectkb.config import SecretsConfig

    assert "KB811" not in codes(load_dir(kb_dir, secrets=SecretsConfig(allow=[r"@corp-internal\.cn$"])))


def test_secret_in_front_matter_points_at_the_field(kb_dir: Path) -> None:
    edit(kb_dir / DEFECT, ('environment: "staging', 'environment: "https://root:s3cret@staging.example.com staging'))
    d = find(load_dir(kb_dir), "KB810")
    assert d.line == 21 and "Basic Auth" in d.message


def test_detector_patterns_are_kept_and_detect_secrets_imported_only_to_confirm(tmp_path: Path) -> None:
    """detect-secrets' patterns are read from its plugins once and kept in the user's cache folder;
    a later run imports it only when a pattern matches. A damaged copy is made again."""
    import json
    import subprocess
    import sys

    from defectkb.policy import secrets

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    clean = "The export rounded 10.005 to 10.00; see the ledger job's log for the request ids. " * 3
    leaked = clean + "\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"

    def run(text: str) -> tuple[int, list[str], bool]:
        code = ("import json, sys\nfrom defectkb.policy import secrets\n"
                f"hits = secrets.find({text!r})\n"
                "print(json.dumps([len(secrets._gates()), [h.kind for h in hits], 'detect_secrets' in sys.modules]))")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        gates, kinds, imported = json.loads(out.stdout)
        return gates, kinds, imported

    first = run(clean)
    assert first[1] == [] and first[2], "the first run reads the patterns from detect-secrets"
    kept = next((tmp_path / "defectkb").glob("secret-patterns-*.json"))
    assert run(clean) == (first[0], [], False), "a later run does not import detect-secrets"
    gates, kinds, imported = run(leaked)
    assert kinds == ["AWS Access Key"] and imported, "a match is still confirmed by its plugin"
    # The kept patterns are detect-secrets' own.
    own = [(str(type(secrets._plugin(i)).secret_type), [(p.pattern, p.flags) for p in secrets._plugin(i).denylist])
           for i in range(len(secrets._PLUGINS))]
    read = secrets._read_patterns(kept)
    assert read is not None and [(k, [(p.pattern, p.flags) for p in ps]) for k, _, ps in read] == own
    kept.write_text('[["AWS Access Key", 0, [["(", 32]]]]', encoding="utf-8")  # damaged: a bad pattern, one detector
    assert secrets._read_patterns(kept) is None
    assert run(leaked)[:2] == (gates, kinds)
    assert len(json.loads(kept.read_text(encoding="utf-8"))) == len(secrets._PLUGINS), "made again"
