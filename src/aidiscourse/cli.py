"""The ``aidiscourse`` command line.

Every command acts on the project found from the current directory (the nearest folder
upward holding ``data/corpus.yml``). Errors are one line on standard error and a
non-zero exit status.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from aidiscourse import __version__
from aidiscourse.config import SEGMENTER_BACKEND, project_paths
from aidiscourse.corpus.normalize import normalize_text
from aidiscourse.corpus.segment import get_segmenter
from aidiscourse.errors import AidiscourseError, fail

# Modules that load pandas, yaml or the lexicons are imported inside the commands that
# use them, so that `aidiscourse --help` stays instant.

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    """Register the decorated function as the handler of subcommand ``name``."""

    def register(func):
        COMMANDS[name] = func
        return func

    return register


@command("prepare")
def _prepare(args) -> int:
    from aidiscourse.corpus.build import prepare

    result = prepare(project_paths(), n_jobs=args.jobs, backend=args.backend, progress=not args.quiet, force=args.force,
                     scheduler=args.scheduler)
    print(f"{result['documents']} documents ({result['processed']} processed), {result['sentences']} sentences")
    return 0


@command("sentences")
def _sentences(args) -> int:
    from aidiscourse.corpus.load import load_sentences
    from aidiscourse.corpus.structure import ARGUMENT_SECTIONS

    df = load_sentences(sections=None if args.all_sections else ARGUMENT_SECTIONS, include_flagged=args.all_sections)
    df.to_csv(sys.stdout, sep="\t", index=False, lineterminator="\n")
    return 0


def read_input_lines(path: str | None) -> list[str]:
    """The lines of a UTF-8 file, or of standard input when ``path`` is empty.

    Parameters
    ----------
    path : str or None
        The ``--input`` option.

    Returns
    -------
    list of str
        One entry per line, line endings removed.

    Raises
    ------
    AidiscourseError
        If the file does not exist, or the input is not UTF-8 text.
    """
    if path:
        source = Path(path)
        if not source.is_file():
            raise fail(f"{source}: no such file")
        data, name = source.read_bytes(), str(source)
    elif hasattr(sys.stdin, "buffer"):
        # decode ourselves: the locale's decoder of sys.stdin may be strict or lenient
        data, name = sys.stdin.buffer.read(), "standard input"
    else:  # a text stream without bytes underneath (for example in an embedding program)
        return sys.stdin.read().splitlines()
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise fail(f"{name}: not UTF-8 text") from None


def format_score(score: float) -> str:
    """A score as ``aidiscourse sentiment`` prints it: at most 4 decimals, never ``-0.0``.

    >>> format_score(0.0), format_score(-0.44721), format_score(-1e-9)
    ('0.0', '-0.4472', '0.0')
    """
    value = round(float(score), 4)
    return str(value + 0.0 if value != 0 else 0.0)


@command("tokenize")
def _tokenize(args) -> int:
    paths = project_paths()
    seg = get_segmenter(str(paths.user_dict), (), args.backend)
    out = sys.stdout
    for line in read_input_lines(args.input):
        text = normalize_text(line)
        out.write(" ".join(seg.cut(text)) + "\n")
    return 0


@command("sentiment")
def _sentiment(args) -> int:
    from aidiscourse.analyses.sentiment.scorer import score_line

    lines = read_input_lines(args.input)
    paths = project_paths()
    out = sys.stdout
    for line in lines:
        score, label = score_line(line, paths)
        out.write(f"{format_score(score)}\t{label}\n")
    return 0


@command("add")
def _add(args) -> int:
    from aidiscourse.corpus.manifest import add_document

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
        raise fail(f"{message} (see `aidiscourse {self.prog.split()[-1]} --help`)" if " " in self.prog else message)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    parser = _Parser(prog="aidiscourse", description="Prepare and analyse the corpus of the aidiscourse book.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("prepare", help="clean, structure and segment every document (cached)")
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: one per core)")
    p.add_argument("--backend", choices=["rjieba", "jieba"], default=SEGMENTER_BACKEND,
                   help=f"segmentation backend (default {SEGMENTER_BACKEND}; both give the same tokens)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the documents on this Dask scheduler, e.g. tcp://host:8786 (default: $AIDISCOURSE_SCHEDULER, else local processes)")
    p.add_argument("--force", action="store_true", help="reprocess every document")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    p = sub.add_parser("sentences", help="print the cleaned sentence table as TSV")
    p.add_argument("--all-sections", action="store_true", help="include front matter, notes, references and flagged sentences")

    p = sub.add_parser("tokenize", help="tokenize lines from standard input, one output line per input line")
    p.add_argument("--input", help="read this file (UTF-8) instead of standard input")
    p.add_argument("--backend", choices=["jieba", "rjieba"], default="jieba")

    p = sub.add_parser("sentiment", help="score the tone of sentences, one per line: prints score<TAB>label")
    p.add_argument("--input", help="read this file (UTF-8) instead of standard input")

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
    """Run one command; return the exit status (0, 1 for a user error, 2 without a command)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.version:
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


if __name__ == "__main__":
    sys.exit(main())
