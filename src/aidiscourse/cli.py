"""The ``aidiscourse`` command line.

Every command acts on the project found from the current directory (the nearest folder
upward holding ``data/corpus.yml``). Errors are one line on standard error and a
non-zero exit status.
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from .errors import AidiscourseError

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def register(func):
        COMMANDS[name] = func
        return func

    return register


@command("prepare")
def _prepare(args) -> int:
    from .config import project_paths
    from .corpus import prepare

    result = prepare(project_paths(), n_jobs=args.jobs, backend=args.backend, progress=not args.quiet, force=args.force)
    print(f"{result['documents']} documents ({result['processed']} processed), {result['sentences']} sentences")
    return 0


@command("sentences")
def _sentences(args) -> int:
    from .corpus import sentences
    from .structure import ARGUMENT_SECTIONS

    df = sentences(sections=None if args.all_sections else ARGUMENT_SECTIONS, include_flagged=args.all_sections)
    df.to_csv(sys.stdout, sep="\t", index=False, lineterminator="\n")
    return 0


def _input_lines(args) -> list[str]:
    if getattr(args, "input", None):
        from pathlib import Path

        path = Path(args.input)
        if not path.is_file():
            raise AidiscourseError(f"{path}: no such file")
        return path.read_text(encoding="utf-8").splitlines()
    return sys.stdin.read().splitlines()


@command("tokenize")
def _tokenize(args) -> int:
    from .config import project_paths
    from .normalize import normalize_text
    from .segment import get_segmenter

    paths = project_paths()
    seg = get_segmenter(str(paths.user_dict), (), args.backend)
    out = sys.stdout
    for line in _input_lines(args):
        text = normalize_text(line)
        out.write(" ".join(seg.cut(text)) + "\n")
    return 0


@command("add")
def _add(args) -> int:
    from .config import project_paths
    from .manifest import add_document

    people = []
    for spec in args.person or []:
        name, _, role = spec.partition(":")
        people.append({"name": name.strip(), "role": (role or "author").strip()})
    doc = add_document(
        project_paths(),
        args.file,
        doc_id=args.id,
        title=args.title,
        source_type=args.source_type,
        people=people or None,
        venue=args.venue,
        date=args.date,
        licence=args.licence,
        script=args.script,
        title_en=args.title_en,
    )
    enc = doc.record.get("original_encoding")
    note = f" (converted from {enc} to UTF-8)" if enc else ""
    print(f"added {doc.id}: data/raw/{doc.file}{note}, sha256 {doc.sha256}")
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not the usage block
        raise AidiscourseError(f"{message} (see `aidiscourse {self.prog.split()[-1]} --help`)" if " " in self.prog else message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="aidiscourse", description="Prepare and analyse the corpus of the aidiscourse book.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("prepare", help="clean, structure and segment every document (cached)")
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: one per core)")
    p.add_argument("--backend", choices=["jieba", "rjieba"], default="jieba", help="segmentation backend")
    p.add_argument("--force", action="store_true", help="reprocess every document")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    p = sub.add_parser("sentences", help="print the cleaned sentence table as TSV")
    p.add_argument("--all-sections", action="store_true", help="include front matter, notes, references and flagged sentences")

    p = sub.add_parser("tokenize", help="tokenize lines from standard input, one output line per input line")
    p.add_argument("--input", help="read this file instead of standard input")
    p.add_argument("--backend", choices=["jieba", "rjieba"], default="jieba")

    p = sub.add_parser("add", help="add a document to data/raw and the manifest")
    p.add_argument("file", help="the text file (UTF-8, GB18030/GBK or Big5)")
    p.add_argument("--id", required=True, help="document id: lower-case letters, digits and hyphens")
    p.add_argument("--title", required=True)
    p.add_argument("--source-type", required=True, help="interview, article, web_page or pdf_extraction")
    p.add_argument("--title-en", default=None)
    p.add_argument("--person", action="append", help="NAME:ROLE (role: author, interviewer, interviewee, moderator, panelist); repeatable")
    p.add_argument("--venue", default="unknown")
    p.add_argument("--date", default=None, help="YYYY, YYYY-MM or YYYY-MM-DD")
    p.add_argument("--licence", default="not stated")
    p.add_argument("--script", choices=["simplified", "traditional"], default=None, help="detected when omitted")

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    _register_analysis_commands(parser)
    try:
        args = parser.parse_args(argv)
        if args.version:
            from . import __version__

            print(__version__)
            return 0
        if not args.command:
            parser.print_help()
            return 2
        return COMMANDS[args.command](args)
    except AidiscourseError as exc:
        print(f"aidiscourse: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("aidiscourse: interrupted", file=sys.stderr)
        return 130


def _register_analysis_commands(parser: argparse.ArgumentParser) -> None:
    """Let analysis modules add subcommands (for example ``aidiscourse sentiment``).

    A module listed in :data:`ANALYSIS_MODULES` may define
    ``add_cli(subparsers, command)``; it adds its parser and registers its handler with
    the ``command`` decorator.
    """
    import importlib

    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in ANALYSIS_MODULES:
        try:
            module = importlib.import_module(f"aidiscourse.{name}")
        except ModuleNotFoundError:
            continue
        if hasattr(module, "add_cli"):
            module.add_cli(subparsers, command)


#: Analysis modules that may contribute subcommands.
ANALYSIS_MODULES = ("sentiment",)


if __name__ == "__main__":
    sys.exit(main())
