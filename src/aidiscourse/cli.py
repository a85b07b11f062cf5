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
from aidiscourse.corpus.segment import get_segmenter, split_sentences
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


def warn(message: str) -> None:
    """Print a warning as one line on standard error."""
    print(f"aidiscourse: warning: {message}", file=sys.stderr, flush=True)


@command("prepare")
def _prepare(args) -> int:
    from aidiscourse.corpus.build import prepare
    from aidiscourse.corpus.lock import project_lock

    paths = project_paths()
    with project_lock(paths, quiet=args.quiet):
        for message in orphan_messages(paths):
            warn(message)
        result = prepare(paths, n_jobs=args.jobs, backend=args.backend, progress=not args.quiet, force=args.force,
                         scheduler=args.scheduler)
    print(f"{result['documents']} documents ({result['processed']} processed), {result['sentences']} sentences")
    return 0


def orphan_messages(paths) -> list[str]:
    """One line per file in ``data/raw`` that no manifest entry names, with the command
    that fixes it."""
    import re

    from aidiscourse.corpus.extract import STORED_SUFFIX, SUFFIXES
    from aidiscourse.corpus.manifest import orphan_raw_files

    messages = []
    for path in orphan_raw_files(paths):
        rel = path.relative_to(paths.root).as_posix()
        fmt = SUFFIXES.get(path.suffix.lower())
        if fmt and STORED_SUFFIX[fmt] == path.suffix and re.fullmatch(r"[a-z0-9][a-z0-9-]{1,63}", path.stem):
            fix = f"record it with `aidiscourse add {rel} --id {path.stem} --title TITLE`, or delete it (`rm {rel}`)"
        else:
            fix = f"delete it (`rm {rel}`), or move it out of data/raw and add it with `aidiscourse add`"
        messages.append(f"{rel} is in no manifest entry (left by an interrupted add?): {fix}")
    return messages


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
    from aidiscourse.analyses.sentiment import model

    paths = project_paths()
    if args.train:
        fitted, path = model.train(paths=paths, progress=True)
        print(f"tone model fitted on the hand labels: {path.relative_to(paths.root)}", file=sys.stderr)
        return 0
    if args.sample is not None:
        return _labelling_sample(args, paths)
    for score, label in model.score_lines(read_input_lines(args.input), paths=paths):
        sys.stdout.write(f"{format_score(score)}\t{label}\n")
    return 0


def _labelling_sample(args, paths) -> int:
    from aidiscourse.analyses.sentiment.labels import draw_labelling_sample, load_labels
    from aidiscourse.corpus.load import load_sentences

    if args.sample < 1:
        raise fail("--sample needs a positive number of sentences per document")
    sample = draw_labelling_sample(load_sentences(paths), load_labels(paths), n=args.sample, doc_ids=args.doc)
    if sample.empty:
        raise fail("nothing to sample: every document's sentences are labelled (name documents with --doc)")
    sample.to_csv(args.output or sys.stdout, index=False, lineterminator="\n")
    if args.output:
        print(f"{len(sample)} sentences to label written to {args.output}: fill in `label` (positive, neutral, "
              "negative) following data/annotations/guideline.md, then append the rows to data/annotations/labels.csv",
              file=sys.stderr)
    return 0


@command("add")
def _add(args) -> int:
    from aidiscourse.corpus.lock import project_lock
    from aidiscourse.corpus.manifest import add_document

    people = []
    for spec in args.person or []:
        name, _, role = spec.partition(":")
        people.append({"name": name.strip(), "role": (role or "author").strip()})
    paths = project_paths()
    with project_lock(paths):
        doc = add_document(
            paths,
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
            allow_duplicate=args.allow_duplicate,
            warn=warn,
        )
    enc = doc.record.get("original_encoding")
    note = f", converted from {enc} to UTF-8" if enc else ""
    print(f"added {doc.id}: data/raw/{doc.file} ({doc.record['format']}, cleaned as {doc.source_type}{note}), "
          f"sha256 {doc.sha256}")
    return 0


@command("terms")
def _terms(args) -> int:
    from aidiscourse.corpus.newwords import append_terms

    paths = project_paths()
    if args.add:
        from aidiscourse.corpus.lock import project_lock

        with project_lock(paths):
            added = append_terms(paths.user_dict, args.add, reason=args.reason)
        rel = paths.user_dict.relative_to(paths.root)
        skipped = [t for t in args.add if t not in added]
        if skipped:
            warn(f"already in {rel}: {', '.join(skipped)}")
        if added:
            print(f"added to {rel}: {', '.join(added)}. Run `aidiscourse prepare` and rebuild the book; "
                  "the findings move with the dictionary, so record the change in CHANGELOG.md")
        return 0
    from aidiscourse.corpus.newwords import corpus_suggestions

    texts = None
    if args.input is not None:  # a text instead of the prepared corpus: markup removed, sentences normalised
        from aidiscourse.corpus.markup import strip_markup

        lines = strip_markup("\n".join(read_input_lines(None if args.input == "-" else args.input))).split("\n")
        texts = [s for line in lines for s in split_sentences(normalize_text(line))]
    table = corpus_suggestions(paths, texts=texts, top=args.top, min_freq=args.min_freq)
    table.to_csv(sys.stdout, sep="\t", index=False, lineterminator="\n")
    return 0


@command("topics")
def _topics(args) -> int:
    from pathlib import Path

    from aidiscourse.analyses.topics import labels

    paths = project_paths()
    out = Path(args.output) if args.output else labels.template_path(paths, args.model, args.k)
    if out.exists() and not args.force:  # before the fit, so that a refusal costs nothing
        raise fail(f"{out} exists; pass --force to overwrite it")
    print(f"fitting {args.model} with K = {args.k} on the prepared passages ...", file=sys.stderr, flush=True)
    text = labels.label_template(paths, model=args.model, k=args.k)
    written = labels.write_label_template(out, text, force=args.force)
    print(f"wrote {written}: fill in label and rationale for each of the {args.k} topics, "
          "then copy the entries into data/topic_labels.yml")
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
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: one per core; under 0.8 million characters to process, none)")
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
    p.add_argument("--train", action="store_true",
                   help="choose the tone model's settings on data/annotations/outside_labels.csv (each register "
                        "held out) and refit it on labels.csv and outside_labels.csv")
    p.add_argument("--sample", type=int, metavar="N", help="write N random unlabelled sentences per document to label")
    p.add_argument("--doc", action="append", help="with --sample: this document (repeatable; default: unlabelled ones)")
    p.add_argument("--output", help="with --sample: write to this CSV file instead of standard output")

    p = sub.add_parser(
        "add",
        help="add a document (text, Markdown, web page, PDF or Word file) to data/raw and the manifest",
        description="Copy a file into data/raw and record it in data/corpus.yml, or change nothing and say why. "
        "Fields left out are recorded as unknown, with a warning naming them.",
    )
    p.add_argument("file", help="the file: .txt (UTF-8, GB18030/GBK or Big5), .md, .html/.htm, .pdf or .docx")
    p.add_argument("--id", required=True, help="document id: lower-case letters, digits and hyphens, e.g. li-2026")
    p.add_argument("--title", default=None, help="the title (default: the title the file states; required if it states none)")
    p.add_argument("--source-type", default=None, metavar="{interview,article,web_page,pdf_extraction}",
                   help="the cleaning pipeline (default from the format: web_page for web pages, "
                   "pdf_extraction for PDF, article otherwise)")
    p.add_argument("--title-en", default=None, help="an English title")
    p.add_argument("--person", action="append", metavar="NAME:ROLE",
                   help="an author or speaker; role: author (default), interviewer, interviewee, moderator, panelist; "
                   "repeat for each person (default: unknown)")
    p.add_argument("--venue", default=None, help="where it appeared: journal, site, publisher (default: unknown)")
    p.add_argument("--date", default=None, help="when it appeared: YYYY, YYYY-MM or YYYY-MM-DD (default: unknown)")
    p.add_argument("--licence", default=None, help="the licence the source states (default: not stated)")
    p.add_argument("--script", choices=["simplified", "traditional"], default=None, help="detected when omitted")
    p.add_argument("--allow-duplicate", action="store_true",
                   help="record the file even if its text repeats a document's (same text, or most sentences shared)")

    p = sub.add_parser("terms", help="user-dictionary terms: suggest candidates, add reviewed ones")
    terms = p.add_subparsers(dest="terms_command", parser_class=_Parser, required=True)
    p = terms.add_parser(
        "suggest",
        help="propose terms the segmenter splits (PMI cohesion, branching entropy); --add appends reviewed ones",
        description="Print candidates for data/lexicons/userdict.txt as TSV: term, frequency, PMI (bits), left and "
        "right branching entropy (bits), score, the segmenter's split, one context. With --add, append the "
        "given terms to the user dictionary after a comment saying when and why.",
    )
    p.add_argument("--input", default=None, help="read this UTF-8 file (`-` for standard input) instead of the prepared corpus")
    p.add_argument("--top", type=int, default=30, help="number of candidates (default 30)")
    p.add_argument("--min-freq", type=int, default=3, help="minimum frequency of a candidate (default 3)")
    p.add_argument("--add", nargs="+", metavar="TERM", help="append these reviewed terms to the user dictionary")
    p.add_argument("--reason", default="reviewed among the candidates of `aidiscourse terms suggest`",
                   help="why the terms are added (written in the comment line)")

    p = sub.add_parser("topics", help="topic models: write a labels file to fill in for a model and K")
    topics = p.add_subparsers(dest="topics_command", parser_class=_Parser, required=True)
    p = topics.add_parser(
        "labels",
        help="write a labels file for a model and K: top terms with glosses, two passages per topic, empty labels",
        description="Fit the model at K topics as the topics chapter does and write a YAML file with, for every "
        "topic, its top terms (with pinyin and gloss), its two most representative passages (id and text) and "
        "empty label and rationale fields, in the structure of data/topic_labels.yml.",
    )
    p.add_argument("--model", required=True, choices=["lda", "nmf"], help="the model family")
    p.add_argument("--k", required=True, type=int, help="the number of topics")
    p.add_argument("--output", default=None, help="the file to write (default: data/topic_labels_MODEL_kK.yml)")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")

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
