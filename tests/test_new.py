"""`kb new` for people and for scripts: prompts on a real pseudo-terminal, flags, slugs, the
similar-entry list, and files that validate."""

from __future__ import annotations

import json
import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from defectkb.authoring.catalog import read_catalog
from defectkb.config import Config
from defectkb.templates import slugify
from test_cli import run

FULL_DEFECT = ["--product", "billing", "--pm", "zhang.wei", "--severity", "serious", "--found-phase", "system_test",
               "--reporter", "sun.li", "--reproducibility", "always", "--impact-scope", "partial",
               "--environment", "staging / Chrome 126", "--affected-versions", "2.3.0,2.3.1",
               "--section", "description=What goes wrong.", "--section", "steps=1. Export.",
               "--section", "expected=Totals match.", "--section", "actual=They differ by 0.01.",
               "--section", "impact=Finance users."]


def add_entry(kb: Path, entry_id: str, title: str, body: str = "Some text.", product: str = "billing",
              tags: str = "[]") -> Path:
    """A minimal entry file: enough front matter for the catalogue (validity is not the point)."""
    path = kb / "defects" / f"{entry_id}-x.md"
    path.write_text(f"---\nkind: defect\nid: {entry_id}\ntitle: \"{title}\"\nstatus: new\nproduct: {product}\n"
                    f"tags: {tags}\n---\n\n## Description / 缺陷描述\n\n{body}\n", encoding="utf-8")
    return path


# -- the similar-entry list -----------------------------------------------------------------


def test_similar_finds_a_chinese_near_duplicate_first(kb_dir: Path):
    add_entry(kb_dir, "DEF-0002", "微信支付回调与主动查单并发，预付费充值重复入账")
    add_entry(kb_dir, "DEF-0003", "安卓小屏设备登录页弹出软键盘后遮挡登录按钮", product="mobile-app")
    add_entry(kb_dir, "DEF-0004", "支付宝退款回调超时后订单状态停留在退款中")
    index = read_catalog(kb_dir, Config()).index
    found = [m.doc.id for m in index.similar("微信支付回调并发导致充值重复入账", products=["billing"])]
    assert found[0] == "DEF-0002"
    assert "DEF-0003" not in found


def test_similar_finds_an_english_near_duplicate_first(kb_dir: Path):
    add_entry(kb_dir, "DEF-0002", "CSV ingest silently drops every row when the header starts with a UTF-8 BOM",
              product="data-platform")
    add_entry(kb_dir, "DEF-0003", "CSV export quotes numbers as text in Excel", product="data-platform")
    add_entry(kb_dir, "DEF-0004", "Android keyboard covers the login button on small screens", product="mobile-app")
    index = read_catalog(kb_dir, Config()).index
    found = [m.doc.id for m in index.similar("CSV ingest drops all rows when header has a UTF-8 BOM")]
    assert found[0] == "DEF-0002"
    assert "DEF-0004" not in found


def test_similar_uses_body_words_and_tags(kb_dir: Path):
    add_entry(kb_dir, "DEF-0002", "Nightly job fails", body="The reconciliation batch hits a deadlock on ledger rows.",
              tags="[concurrency]")
    add_entry(kb_dir, "DEF-0003", "Nightly job fails", body="The mailer runs out of disk space.")
    index = read_catalog(kb_dir, Config()).index
    found = [m.doc.id for m in index.similar("Nightly job fails", body="deadlock in reconciliation ledger",
                                             tags=["concurrency"])]
    assert found[:2] == ["DEF-0002", "DEF-0003"]


def test_catalogue_reserves_ids_of_unreadable_files(kb_dir: Path):
    (kb_dir / "defects" / "DEF-0007-broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    cat = read_catalog(kb_dir, Config())
    assert {"DEF-0001", "DEF-0007", "LES-0001"} <= cat.ids


# -- slugs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "slug"), [
    ("Invoice export loses cents", "invoice-export-loses-cents"),
    ("iOS 换机后 APNs token 变化", "ios-apns-token"),
    ("导出发票金额精度丢失，相差 0.01 元", ""),
    ("Ｅｘｐｏｒｔ 超时", "export"),
])
def test_slug_keeps_ascii_words_of_a_title(title: str, slug: str):
    assert slugify(title) == slug


# -- non-interactive ------------------------------------------------------------------------


def test_non_interactive_prints_similar_entries_and_writes(kb_dir: Path):
    r = run("new", "defect", "--title", "导出发票金额精度丢失，合计差一分钱", "--product", "billing", cwd=kb_dir)
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip())
    assert path.name == "DEF-0002.md" and path.is_file()  # no ASCII words: the id alone
    assert "Similar entries" in r.stderr
    assert "DEF-0001  导出发票金额精度丢失，合计与明细相差 0.01 元" in r.stderr
    assert "defects/DEF-0001-invoice-export-loses-cents.md" in r.stderr
    assert "Next: fill in" in r.stderr and "`severity`" in r.stderr
    assert "prefix dict" not in r.stderr  # jieba's loading messages are silenced


@pytest.mark.parametrize("title", ["Export times out on large invoices", "大批量发票导出超时"])
def test_defect_from_flags_validates(kb_dir: Path, title: str):
    r = run("new", "defect", "--title", title, *FULL_DEFECT, cwd=kb_dir)
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip())
    assert path.parent == kb_dir / "defects"
    text = path.read_text(encoding="utf-8")
    assert "online: false" in text and "They differ by 0.01." in text
    v = run("validate", cwd=kb_dir)
    assert v.returncode == 0, v.stdout
    assert v.stdout.strip() == "All checks passed (3 files, 3 entries)."


def test_lesson_from_flags_validates(kb_dir: Path):
    r = run("new", "lesson", "--title", "金额计算统一使用定点数", "--product", "billing", "--pm", "li.na",
            "--severity", "normal", "--source-type", "retrospective", "--authors", "chen.jie",
            "--cause-category", "code", "--section", "summary=浮点数不能表示金额。", cwd=kb_dir)
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip())
    assert path.name == "LES-0002.md"
    v = run("validate", "--format", "json", cwd=kb_dir)
    assert v.returncode == 0, v.stdout
    assert json.loads(v.stdout)["summary"]["errors"] == 0


@pytest.mark.parametrize(("args", "message"), [
    (["defect", "--severity", "critical"],
     "--severity: `critical` is not allowed; use one of: fatal (致命), serious (严重), normal (一般), minor (提示)"),
    (["defect", "--found-phase", "qa"], "system_test (系统测试)"),
    (["defect", "--product", "billing", "--pm", "emily.chen"],
     "--pm: `emily.chen` is not a PM of `billing`; use one of: zhang.wei (张伟), li.na (李娜)"),
    (["defect", "--product", "biling"], "--product: `biling` is not allowed; use one of: billing ("),
    (["lesson", "--found-phase", "production"], "--found-phase does not apply to a lesson"),
    (["lesson", "--source-defects", "DEF-0099"], "no defect has the id `DEF-0099`"),
    (["defect", "--section", "nonsense=x"], "write KEY=TEXT with KEY one of description, steps"),
    ([], "name the kind"),
])
def test_bad_flags_exit_2_with_the_allowed_values(kb_dir: Path, args: list[str], message: str):
    before = sorted(p.name for p in (kb_dir / "defects").iterdir())
    r = run("new", *args, cwd=kb_dir)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in (kb_dir / "defects").iterdir()) == before


def test_chinese_labels_are_accepted_as_flag_values(kb_dir: Path):
    r = run("new", "defect", "--title", "Export times out", "--severity", "严重", "--found-phase", "线上",
            "--stdout", cwd=kb_dir)
    assert r.returncode == 0, r.stderr
    assert "\nseverity: serious" in r.stdout and "\nfound_phase: production" in r.stdout
    assert "\nonline: true" in r.stdout  # follows found_phase, as KB304 requires
    assert not (kb_dir / "defects" / "DEF-0002-export-times-out.md").exists()


def test_never_overwrites(kb_dir: Path):
    # A file whose name holds the next id but whose front matter is broken still reserves the id.
    squatter = kb_dir / "defects" / "DEF-0002-export-times-out.md"
    squatter.write_text("not an entry", encoding="utf-8")
    r = run("new", "defect", "--title", "Export times out", cwd=kb_dir)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).name == "DEF-0003-export-times-out.md"
    assert squatter.read_text(encoding="utf-8") == "not an entry"


# -- on a terminal ----------------------------------------------------------------------------


class Terminal:
    """`python -m defectkb ARGS` on a real pseudo-terminal, answered like a person would."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT), "TERM": "dumb"}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: its stdin, stdout and stderr are the terminal
            os.chdir(cwd)
            os.execvpe(sys.executable, [sys.executable, "-m", "defectkb", *args], env)
        self.seen = ""
        self.pos = 0

    def _read(self, deadline: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # the child has closed the terminal
            return False
        if not chunk:
            return False
        self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        return True

    def expect(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.seen[self.pos:]:
            if time.monotonic() > deadline or not self._read(deadline):
                raise AssertionError(f"never saw {text!r}; the terminal shows:\n{self.seen[-3000:]}")
        self.pos = self.seen.index(text, self.pos) + len(text)

    def answer(self, prompt: str, reply: str) -> None:
        self.expect(prompt)
        os.write(self.fd, reply.encode() + b"\n")

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self._read(deadline):
            pass
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def test_prompts_on_a_terminal_and_writes_a_valid_defect(kb_dir: Path):
    t = Terminal(["new"], kb_dir)
    t.expect("kind")
    t.expect("1) defect (缺陷)")
    t.answer("2) lesson (经验教训)", "1")
    t.answer("title", "导出发票金额精度丢失，合计差一分钱")
    t.expect("billing (计费中心 Billing)")
    t.answer("number, value or label", "billing")
    # title and product known: the look-alike is shown before the rest is asked
    t.expect("DEF-0001  导出发票金额精度丢失，合计与明细相差 0.01 元")
    t.answer("Write a new entry anyway? [Y/n]", "")
    t.answer("component", "")
    t.expect("pm")
    t.expect("zhang.wei (张伟)")
    t.answer("number, value or label", "张伟")  # a name works as well as an id
    t.expect("severity")
    t.expect("serious (严重)")
    t.answer("number, value or label", "critical")
    t.expect("`critical` is not one of the choices above")
    t.answer("number, value or label", "2")
    t.answer("number, value or label", "sun.li")  # reporter
    t.answer("number, value or label", "必现")  # reproducibility
    t.expect("found_phase")
    t.answer("number, value or label", "系统测试")
    t.answer("number, value or label", "partial")  # impact_scope
    t.answer("environment", "staging / Chrome 126")
    t.answer("affected_versions", "2.3.0, 2.3.1")
    t.answer("occurred_at", "")  # Enter: now
    t.answer("numbers, values or labels", "precision, 数据质量")  # tags
    for heading, text in [("Description / 缺陷描述", "导出合计与明细不一致。"), ("Steps to Reproduce", "1. 批量导出"),
                          ("Expected Result", "一致"), ("Actual Result", "相差 0.01 元"), ("Impact / 影响范围", "财务用户")]:
        t.answer(heading, text)
    t.expect("DEF-0002.md")
    assert t.wait() == 0, t.seen
    text = (kb_dir / "defects" / "DEF-0002.md").read_text(encoding="utf-8")
    assert "\npm: zhang.wei" in text and "\nseverity: serious" in text and "\ntags: [precision, data-quality]" in text
    assert "\nonline: false" in text and "相差 0.01 元" in text
    v = run("validate", cwd=kb_dir)
    assert v.returncode == 0, v.stdout


def test_declining_at_the_similar_list_writes_nothing(kb_dir: Path):
    t = Terminal(["new", "defect", "--title", "导出发票金额精度丢失，合计差一分钱", "--product", "billing"], kb_dir)
    t.expect("DEF-0001")
    t.answer("Write a new entry anyway? [Y/n]", "n")
    t.expect("Nothing written")
    assert t.wait() == 1
    assert sorted(p.name for p in (kb_dir / "defects").iterdir()) == ["DEF-0001-invoice-export-loses-cents.md"]


def test_flags_given_are_not_asked_again(kb_dir: Path):
    t = Terminal(["new", "lesson", "--title", "Retry budgets for every client", "--product", "billing",
                  "--pm", "li.na", "--severity", "normal", "--authors", "chen.jie", "--event-date", "2026-11-02",
                  "--stdout"], kb_dir)
    t.answer("source_type", "5")  # external
    t.answer("number, value or label", "流程")  # cause_category, by its label
    t.answer("numbers, values or labels", "retry")  # tags
    t.answer("Summary / 概述", "Clients retry without a budget.")
    assert t.wait() == 0, t.seen
    assert "title —" not in t.seen and "severity —" not in t.seen  # given as flags
    assert "source_type: external" in t.seen and "cause_category: process" in t.seen
    assert "event_date: 2026-11-02" in t.seen
    assert not any((kb_dir / "lessons").glob("LES-0002*"))
