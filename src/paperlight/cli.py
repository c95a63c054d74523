"""`paperlight ingest | ask | eval | sessions | app`: the command-line face.

Every PaperlightError is printed as one line on stderr with a non-zero exit code, never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from paperlight import services
from paperlight.config import load_settings
from paperlight.errors import PaperlightError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.run(args) or 0
    except PaperlightError as error:
        print(f"paperlight: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("paperlight: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the last guard: one line, never a traceback
        print(f"paperlight: unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperlight",
        description="Ask papers questions; answers beside the sentences that back them.",
    )
    sub = parser.add_subparsers(dest="command")

    ingest = sub.add_parser("ingest", help="parse and index PDFs into the library")
    ingest.add_argument("pdfs", nargs="+", type=Path)
    ingest.add_argument("--json", action="store_true", help="print one JSON object per paper")
    ingest.set_defaults(run=_ingest)

    ask = sub.add_parser("ask", help="ask a question of a paper (a PDF path or a paper id)")
    ask.add_argument("paper", help="PDF path (ingested first if new) or paper id / id prefix")
    ask.add_argument("question")
    ask.add_argument("--k", type=int, default=None, help="passages to retrieve")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--session", default=None, help="add the turn to this session id")
    ask.set_defaults(run=_ask)

    papers = sub.add_parser("papers", help="list the papers in the library")
    papers.add_argument("--json", action="store_true")
    papers.set_defaults(run=_papers)

    delete = sub.add_parser("delete", help="delete a paper and its passages")
    delete.add_argument("paper")
    delete.set_defaults(run=_delete)

    evaluate = sub.add_parser("eval", help="measure parsing, retrieval and abstention")
    evaluate.add_argument("questions", type=Path, help="questions.jsonl (eval README format)")
    evaluate.add_argument("--k", type=int, default=5)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(run=_eval)

    sessions = sub.add_parser("sessions", help="list, show, export or delete sessions")
    sessions.add_argument("action", choices=["list", "show", "export", "delete", "search"])
    sessions.add_argument("target", nargs="?", help="session id (or the query, for search)")
    sessions.add_argument("--format", choices=["markdown", "json"], default="markdown")
    sessions.add_argument("--output", type=Path, default=None)
    sessions.set_defaults(run=_sessions)

    app = sub.add_parser("app", help="start the Streamlit app")
    app.add_argument("--port", type=int, default=8501)
    app.set_defaults(run=_app)
    return parser


def _ingest(args: argparse.Namespace) -> int:
    ctx = services.open_context(load_settings())
    try:
        for path in args.pdfs:
            result = services.ingest_file(ctx, path, _progress_printer(args.json))
            record = result.record
            if args.json:
                print(json.dumps({**record, "already_in_library": result.already_there}))
            else:
                state = "already in the library" if result.already_there else "indexed"
                print(
                    f"{path.name}: {state} — {record['title'] or '(no title)'}; "
                    f"{record['pages']} pages, {record['passages']} passages; "
                    f"id {record['id'][:12]}"
                )
    finally:
        ctx.close()
    return 0


def _progress_printer(quiet: bool):
    def show(stage: str, done: int, total: int) -> None:
        if not quiet and sys.stderr.isatty():
            print(f"\r{stage} {done}/{total}   ", end="", file=sys.stderr, flush=True)
            if done == total:
                print("\r" + " " * 40 + "\r", end="", file=sys.stderr)

    return show


def _ask(args: argparse.Namespace) -> int:
    settings = load_settings()
    ctx = services.open_context(settings)
    try:
        record = services.resolve_paper(ctx, args.paper)
        stream = not args.json and sys.stdout.isatty()
        on_token = (lambda t: print(t, end="", flush=True)) if stream else None
        answer = services.ask(ctx, [record["id"]], args.question, k=args.k, on_token=on_token)
        if args.session is not None:
            services.save_turn(ctx, args.session, [record["id"]], answer)
        if args.json:
            print(json.dumps(services.answer_json(answer), indent=2))
        else:
            _print_answer(answer, streamed=stream)
    finally:
        ctx.close()
    return 0


def _print_answer(answer: Any, streamed: bool) -> None:
    label = "extractive: the paper's own sentences" if answer.mode == "extractive" else answer.model
    if streamed:
        print()
    else:
        print(answer.text)
    print(
        f"\n[{label}; answerability {answer.answerability:.2f}"
        f"{'; abstained' if answer.abstained else ''}]"
    )
    for citation in answer.citations:
        pages = sorted({s.page for s in citation.spans}) or ["?"]
        print(f"  [{citation.marker}] p. {', '.join(map(str, pages))} · {citation.section or '—'}")
        print(f'      "{citation.quote}"')


def _papers(args: argparse.Namespace) -> int:
    ctx = services.open_context(load_settings())
    try:
        records = ctx.library.papers()
    finally:
        ctx.close()
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "centroid"} for r in records]))
    for r in [] if args.json else records:
        print(f"{r['id'][:12]}  {r['pages']:>3} p  {r['added'][:10]}  {r['title']}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    ctx = services.open_context(load_settings())
    try:
        record = services.resolve_paper(ctx, args.paper, ingest_paths=False)
        ctx.library.delete(record["id"])
        print(f"deleted {record['title']} ({record['id'][:12]})")
    finally:
        ctx.close()
    return 0


def _eval(args: argparse.Namespace) -> int:
    from paperlight import evaluation

    if not args.questions.exists():
        print(f"paperlight: no such file: {args.questions}", file=sys.stderr)
        return 2
    log = None if args.json else (lambda line: print(line, file=sys.stderr))
    report = evaluation.run(args.questions, k=args.k, log=log)
    print(json.dumps(report, indent=None if args.json else 2))
    return 0


def _sessions(args: argparse.Namespace) -> int:
    from paperlight import sessions

    ctx = services.open_context(load_settings())
    try:
        return sessions.cli(ctx, args)
    finally:
        ctx.close()


def _app(args: argparse.Namespace) -> int:
    import subprocess

    app = Path(__file__).resolve().parents[2] / "app.py"
    if not app.exists():
        print(
            "paperlight: app.py not found next to the package (run from a clone)", file=sys.stderr
        )
        return 2
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port),
               "--browser.gatherUsageStats", "false"]  # fmt: skip
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
