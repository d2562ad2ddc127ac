"""The `kb` command line: validate, schema, new, explain.

Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 usage or internal failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Annotated

from defectkb import __version__
from defectkb.authoring.new import add_arguments as add_new_arguments
from defectkb.codes import CODES, render_markdown
from defectkb.config import ConfigError, find_config, load_config
from defectkb.formatting import FORMATS, render
from defectkb.knowledgebase import load_paths
from defectkb.models import MODELS, Defect, Lesson
from pydantic import Field, TypeAdapter

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def default_target() -> Path:
    config_path = find_config(Path.cwd())
    if config_path is not None:
        return config_path.parent / load_config(config_path).content_dir
    return Path("content") if Path("content").is_dir() else Path(".")


def cmd_validate(args: argparse.Namespace) -> int:
    targets = [Path(p) for p in args.paths] or [default_target()]
    for t in targets:
        if not t.exists():
            raise UsageError(f"path not found: {t}")
    from defectkb.cache.parallel import jobs_wanted
    from defectkb.knowledgebase import LoadOptions, collector_paused, load_options
    from defectkb.progress import TerminalProgress
    from defectkb.vcs.git import GitError, open_repo
    from defectkb.vcs.review import review_change, review_paths

    # Every load below keeps per-file results in .kb_cache (docs/cache.md) and shows progress;
    # no rule of kb validate reads a body once the content policy had it: bodies are not kept.
    try:
        jobs = jobs_wanted(args.jobs)
    except ValueError as exc:
        raise UsageError(f"{exc}; or pass --jobs N") from None
    options = LoadOptions(disk_cache=not args.no_cache, progress=TerminalProgress(sys.stderr), keep_bodies=False,
                          jobs=jobs)
    try:
        # Whole inside: what the loads leave behind is dropped before the command ends, and
        # collecting while it is alive would only walk it again.
        with load_options(options), collector_paused():
            if args.changed_since:
                # The change since the merge base with the ref, checked against the whole knowledge base.
                report, note = review_change(targets, args.changed_since)
                print(note, file=sys.stderr)
            else:
                report = review_paths(targets)
    except GitError as exc:
        raise UsageError(str(exc)) from None
    repo_root = None
    if args.format == "gitlab":  # GitLab wants paths from the repository root
        try:
            repo_root = open_repo(Path.cwd()).root
        except GitError:
            repo_root = None
    print(render(report, args.format, sys.stdout, repo_root))
    return EXIT_ERRORS if report.errors else EXIT_OK


def cmd_renumber(args: argparse.Namespace) -> int:
    from defectkb.vcs.git import GitError
    from defectkb.vcs.renumber import RenumberError, renumber

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"file not found: {path}")
    try:
        done = renumber(path, args.onto, dry_run=args.dry_run)
    except (GitError, RenumberError) as exc:
        raise UsageError(str(exc)) from None

    def shown(p: Path) -> str:
        return os.path.relpath(p, Path.cwd()).replace(os.sep, "/")

    where = f"here and on {done.onto}" if done.onto else "here"
    verb = "would rename" if args.dry_run else "renamed"
    print(f"{done.old_id} -> {done.new_id} (the next id free {where})")
    print(f"{verb} {shown(done.old_path)} -> {shown(done.new_path)}")
    for p in done.updated:
        print(f"{'would update' if args.dry_run else 'updated'} references in {shown(p)} (added by this change)")
    if done.mentions:
        print(f"not changed: these files mention {done.old_id} but are not added by this change; "
              f"check whether they mean {done.new_id}:")
        for p, line in done.mentions:
            print(f"  {shown(p)}:{line}")
    if not args.dry_run:
        paths = " ".join(shlex.quote(shown(p)) for p in (done.old_path, done.new_path, *done.updated))
        print(f"next: git add -A -- {paths}")
    return EXIT_OK


def schema_for(kind: str | None) -> dict[str, object]:
    if kind:
        schema = MODELS[kind].model_json_schema()
        schema["title"] = f"DefectKB {kind} front matter"
    else:
        adapter = TypeAdapter(Annotated[Defect | Lesson, Field(discriminator="kind")])
        schema = adapter.json_schema()
        schema["title"] = "DefectKB entry front matter"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def cmd_schema(args: argparse.Namespace) -> int:
    if args.markdown:
        from defectkb.schema_docs import render_markdown as fields_markdown

        print(fields_markdown())
        return EXIT_OK
    if args.write:
        out = Path(args.write)
        out.mkdir(parents=True, exist_ok=True)
        for kind in (args.kind,) if args.kind else ("defect", "lesson"):
            path = out / f"{kind}.schema.json"
            path.write_text(json.dumps(schema_for(kind), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            print(f"wrote {path}")
        return EXIT_OK
    print(json.dumps(schema_for(args.kind), ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    """Prompts on a terminal, flags and template defaults otherwise: see defectkb.authoring.new."""
    from defectkb.authoring.new import NewEntryError, create

    target = default_target()
    config = load_config(find_config(target.resolve()))
    try:
        return create(args, target.resolve(), config, stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr)
    except NewEntryError as exc:
        raise UsageError(str(exc)) from None


def cmd_init(args: argparse.Namespace) -> int:
    from defectkb.scaffold import InitOptions, install_requirement, write

    target = Path(args.dir)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a folder")
    source = install_requirement()
    options = InitOptions(target=target, language=args.language, name=args.name or "", ci=args.ci,
                          requirement=args.requirement)
    written, existing = write(options, force=args.force)
    if existing and not written:
        print(f"kb: error: {len(existing)} file(s) already exist in {target}; nothing was written:", file=sys.stderr)
        for path in existing:
            print(f"  {(target / path).as_posix()}", file=sys.stderr)
        print("hint: run `kb init` in an empty folder, or pass --force to overwrite these files", file=sys.stderr)
        return EXIT_ERRORS
    for path in written:
        note = " (overwritten)" if path in existing else ""
        print(f"created {(target / path).as_posix()}{note}")
    if not args.requirement and not source.reachable:
        print(f"warning: this DefectKB was installed from a local copy; requirements.txt says `{source.requirement}`,"
              " which CI may not find. Put the Git URL or wheel address CI should install there "
              "(or pass --requirement).", file=sys.stderr)
    where = "" if target.resolve() == Path.cwd().resolve() else f"cd {shlex.quote(str(target))} && "
    print(f"\nNext: {where}git init && kb validate && kb serve   (CONTRIBUTING.md explains the rest)")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    if args.all:
        if args.markdown:
            print(render_markdown())
        else:
            for c in CODES.values():
                print(f"{c.code}  {c.name:<28} {c.severity.value:<8} {c.summary}")
        return EXIT_OK
    if not args.code:
        raise UsageError("name a code (e.g. `kb explain KB104`) or pass --all")
    code = CODES.get(args.code.upper())
    if code is None:
        raise UsageError(f"unknown code {args.code}; `kb explain --all` lists them")
    example = code.example.replace("\\n", "\n    ")
    print(f"{code.code} {code.name} ({code.severity.value})\n\n{code.summary}\n\nExample:\n    {example}\n\n"
          f"Fix: {code.fix}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Preview with live reload. MkDocs runs in its own process: `kb` itself never imports it."""
    import importlib.util
    import subprocess

    if importlib.util.find_spec("mkdocs") is None:
        raise UsageError("the preview needs the site extras: pip install 'defectkb[site]'")
    config = Path(args.config_file)
    if not config.is_file():
        raise UsageError(f"no {config} here; run `kb serve` where mkdocs.yml is, or pass -f")
    _check_address(args.dev_addr)  # before the first build, which takes minutes on a large knowledge base
    # MkDocs 1.6.1 with click >= 8.2.1 turns live reload off unless --livereload is given.
    command = [sys.executable, "-m", "mkdocs", "serve", "--livereload", "-f", str(config), "-a", args.dev_addr]
    if not args.full:
        command.append("--dirty")  # only what changed; the defectkb plugin keeps it correct
    if args.open:
        command.append("--open")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if args.watch:
        env["DEFECTKB_WATCH"] = args.watch  # read by the plugin's file watcher (docs/site.md)
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return EXIT_OK


def _check_address(address: str) -> None:
    """That the preview can listen on `address` (host:port). MkDocs tries only after its first
    build, and then ends with a traceback when another server holds the port."""
    import errno
    import socket

    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdecimal() or not 0 < int(port) < 65536:
        raise UsageError(f"-a {address}: expected HOST:PORT, such as 127.0.0.1:8000")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as MkDocs' server binds
        try:
            probe.bind((host, int(port)))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(f"{address} is in use, perhaps by another `kb serve`; stop it, or preview on "
                                 f"another port: kb serve -a {host}:{int(port) + 1}") from None
            raise UsageError(f"cannot listen on {address}: {exc.strerror or exc}") from None


def _load_here() -> list:
    """The knowledge base here, through the validation cache as `kb validate` reads it (docs/cache.md)."""
    from defectkb.knowledgebase import LoadOptions, load_options
    from defectkb.progress import TerminalProgress

    with load_options(LoadOptions(disk_cache=True, progress=TerminalProgress(sys.stderr))):
        bases, problems = load_paths([default_target()])
    if problems or not bases:
        raise UsageError("cannot load the knowledge base; run `kb validate`")
    return bases


def cmd_stats(args: argparse.Namespace) -> int:
    from defectkb.insights.report import Filters, StatsError, print_text, stats

    bases = _load_here()
    try:
        data = stats(bases[0], Filters(pm=args.pm, product=args.product, department=args.department,
                                       period=args.period))
    except StatsError as exc:
        raise UsageError(str(exc)) from None
    fmt = args.format or ("text" if sys.stdout.isatty() else "json")
    if fmt == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print_text(data)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from defectkb.ingest.mapping import MappingError
    from defectkb.ingest.pipeline import ImportRequest, ImportUsageError, run_import

    files = [Path(f) for f in args.files]
    for f in files:
        if not f.is_file():
            raise UsageError(f"file not found: {f}")
    if args.mapping and not Path(args.mapping).is_file():
        raise UsageError(f"mapping file not found: {args.mapping}")
    request = ImportRequest(args.format, files, default_target(), mapping=Path(args.mapping) if args.mapping else None,
                            product=args.product, pm=args.pm, dry_run=args.dry_run, update=args.update,
                            add_people=args.add_people, add_products=args.add_products, key=args.key,
                            encoding=args.encoding)
    try:
        report = run_import(request)
    except (ImportUsageError, MappingError) as exc:
        raise UsageError(str(exc)) from None
    print(report.render(args.report_format))
    return EXIT_ERRORS if report.failed else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from defectkb.ingest.export import export

    bases = _load_here()
    from defectkb.visibility import AudienceError, audience, view_for

    try:
        view = view_for(bases[0], audience(args.audience))
    except AudienceError as exc:
        raise UsageError(str(exc)) from None
    chunks = export(view.kb, args.format, args.kind)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            fh.writelines(chunks)
    else:
        sys.stdout.writelines(chunks)
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as documented
        self.print_usage(sys.stderr)
        print(f"kb: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _jobs(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more), got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kb", description="DefectKB: validate and publish a defect knowledge base.")
    parser.add_argument("--version", action="version", version=f"kb (defectkb) {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="check entries and registries; print every problem")
    p.add_argument("paths", nargs="*", help="files or folders (default: the knowledge base here)")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--changed-since", metavar="REF",
                   help="only what changed since the merge base with REF (committed, staged, unstaged, "
                        "untracked), checked against the whole knowledge base; new ids also against REF")
    p.add_argument("--no-cache", action="store_true",
                   help="neither read nor write .kb_cache (per-file results of earlier runs; docs/cache.md)")
    p.add_argument("--jobs", "-j", type=_jobs, metavar="N",
                   help="processes that read files the cache has no record of, when there are at least "
                        "1,000 (default: $KB_JOBS, else one per processor, at most 8; 1: this process only)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("renumber", help="give an entry the next free id (here and on --onto REF); rename it")
    p.add_argument("file")
    p.add_argument("--onto", metavar="REF",
                   help="also keep clear of the ids on REF (default: origin's default branch, if known)")
    p.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    p.set_defaults(func=cmd_renumber)

    p = sub.add_parser("schema", help="print the JSON Schema of entry front matter")
    p.add_argument("--kind", choices=sorted(MODELS))
    p.add_argument("--write", metavar="DIR", help="write <kind>.schema.json files into DIR")
    p.add_argument("--markdown", action="store_true", help="print the field reference (docs/fields.md)")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("new", help="create an entry (prompts on a terminal), with the next free id",
                       description="Create an entry with the next free id. On a terminal, asks for what the "
                       "flags leave out; otherwise fills the rest from the template. Lists similar entries first.")
    add_new_arguments(p)
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("init", help="start a knowledge-base repository: config, registries, examples, CI, guide")
    p.add_argument("dir", nargs="?", default=".", help="where (default: here)")
    p.add_argument("--language", choices=("zh", "en"), default="zh", help="of the site and the example entries")
    p.add_argument("--name", help="the site's name")
    p.add_argument("--ci", choices=("github", "gitlab", "both", "none"), default="both")
    p.add_argument("--requirement", metavar="SPEC", help="what CI installs (default: how this DefectKB was installed)")
    p.add_argument("--force", action="store_true", help="overwrite files that already exist")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("explain", help="describe a diagnostic code")
    p.add_argument("code", nargs="?")
    p.add_argument("--all", action="store_true")
    p.add_argument("--markdown", action="store_true")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("serve", help="preview the site with live reload (mkdocs serve)")
    p.add_argument("-a", "--dev-addr", default="127.0.0.1:8000")
    p.add_argument("-f", "--config-file", default="mkdocs.yml")
    p.add_argument("--open", action="store_true", help="open the site in a browser")
    p.add_argument("--full", action="store_true", help="rebuild every page on every change (slower)")
    p.add_argument("--watch", choices=("auto", "native", "poll"),
                   help="how changes are noticed: the system's notifications (native), polling every 0.5 s "
                        "(poll; for folders shared over a network or from a VM's host), or native on local "
                        "disks (auto, the default)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("stats", help="figures of the knowledge base (the site's insights), filtered by PM, "
                       "product, department and period")
    p.add_argument("--pm", metavar="ID", help="entries owned by this PM, plus the PM's contribution figures")
    p.add_argument("--product", metavar="KEY", help="entries of this product")
    p.add_argument("--department", metavar="NAME", help="entries a member of this department takes part in")
    p.add_argument("--period", metavar="PERIOD", help="also the digest of 2026-W48, 2026-11 or 2026-Q4")
    p.add_argument("--format", choices=("text", "json"), default=None,
                   help="text tables (default on a terminal) or JSON (default when piped)")
    p.set_defaults(func=cmd_stats)

    from defectkb.ingest.mapping import PRESETS

    p = sub.add_parser("import", help="bring tracker exports in as entries (docs/import.md)")
    p.add_argument("format", choices=PRESETS)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--mapping", metavar="MAP.yml", help="columns, values, people and defaults over the preset's")
    p.add_argument("--product", help="product of every imported record")
    p.add_argument("--pm", help="owning PM of every imported record")
    p.add_argument("--key", help="make a write-up draft of this one record, every section stubbed")
    p.add_argument("--update", action="store_true", help="rewrite records imported before (history ones)")
    p.add_argument("--add-people", action="store_true", help="append unknown people to people.yml")
    p.add_argument("--add-products", action="store_true", help="append unknown products to products.yml")
    p.add_argument("--encoding", help="the files' encoding, when detection gets it wrong")
    p.add_argument("--dry-run", action="store_true", help="write nothing; report what would happen")
    p.add_argument("--report-format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="every entry as JSON, JSON Lines or CSV (docs/api.md)")
    p.add_argument("--format", choices=("json", "jsonl", "csv"), default="json")
    p.add_argument("--kind", choices=sorted(MODELS))
    p.add_argument("--output", "-o", metavar="FILE")
    p.add_argument("--audience", choices=("internal", "public"),
                   help="public: only public entries (default: $DEFECTKB_AUDIENCE, else internal)")
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"kb: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        print(f"{exc.path}:{exc.line}:{exc.column}: KB602 {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback for users; say what failed
        print(f"kb: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("kb: please report this with the command and files that trigger it", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
