"""The ``searchsvc`` command: a thin shell over the indexer, the search backend and the
web app. User errors become one-line messages (``click.ClickException``), never
tracebacks.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import sys
import time
from typing import Any

import click

from . import __version__
from .errors import EngineUnavailable, SearchsvcError
from .limits import EXPORT_FORMATS, INTERVALS, RELATED_FIELDS, RELATED_SORTS, SORTS
from .models import SearchRequest

DEFAULT_INDEX = "index"


class _Group(click.Group):
    """A click group that turns SearchsvcError into a clean message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SearchsvcError as exc:
            raise click.ClickException(str(exc)) from None


def index_option(func):
    """Add the ``--index DIR`` option (env ``SEARCHSVC_INDEX``, default ``index/``)."""
    return click.option(
        "--index",
        "index_dir",
        envvar="SEARCHSVC_INDEX",
        default=DEFAULT_INDEX,
        show_default=True,
        type=click.Path(file_okay=False, path_type=str),
        help="Index folder, or an OpenSearch URL such as opensearch://HOST:9200/ALIAS "
        "(env SEARCHSVC_INDEX).",
    )(func)


def saved_db_option(func):
    """Add ``--saved-db FILE`` (env ``SEARCHSVC_SAVED_DB``; default beside the index)."""
    return click.option(
        "--saved-db",
        envvar="SEARCHSVC_SAVED_DB",
        default=None,
        type=click.Path(dir_okay=False, path_type=str),
        help="Saved-search database [default: beside the index].",
    )(func)


def _store(index_dir: str, saved_db: str | None) -> Any:
    from .saved import SavedStore, default_path

    return SavedStore(saved_db or default_path(index_dir))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="searchsvc")
def main() -> None:
    """searchsvc: full-text search for news archives.

    Index a folder of articles with `searchsvc reindex FOLDER`, then search it with
    `searchsvc search QUERY` or `searchsvc serve` and a browser.
    """


# --- reindex -----------------------------------------------------------------------


def _size(n: int) -> str:
    """Return a byte count for people: 512 B, 3.2 MB, 5.1 GB."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n} B"


def _print_report(report, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    mode = "full rebuild" if report.mode == "full" else "incremental update"
    entities = "" if report.entities else ", no entity extraction"
    click.echo(
        f"{mode}{entities}: {report.files_processed:,} files processed, "
        f"{report.files_unchanged:,} unchanged, {report.files_removed:,} removed, "
        f"{len(report.skipped):,} skipped"
    )
    click.echo(
        f"indexed {report.articles:,} articles as {report.paragraphs:,} paragraphs "
        f"in {report.elapsed:.1f} s; the index at {report.index_dir} now holds "
        f"{report.documents:,} paragraphs"
    )
    if report.files_renamed:
        click.echo(
            f"{report.files_renamed:,} files written again: the canonical names of their "
            "actors changed with the archive"
        )
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if report.skipped:
        click.echo(f"skipped ({len(report.skipped)}):", err=True)
        for item in report.skipped:
            click.echo(f"  {item.path}: {item.reason}", err=True)
    left_out = [
        f"{count:,} {what if count == 1 else plural}"
        for count, what, plural in (
            (report.dates_unreadable, "date could not be read", "dates could not be read"),
            (report.urls_dropped, "URL was not http(s)", "URLs were not http(s)"),
        )
        if count
    ]
    if left_out:
        click.echo("; ".join(left_out) + " (indexed without; listed below)", err=True)
    if report.warnings:
        shown = report.warnings[:20]
        click.echo(f"records and values left out ({len(report.warnings)}):", err=True)
        for item in shown:
            click.echo(f"  {item.path}: {item.reason}", err=True)
        if len(report.warnings) > len(shown):
            click.echo(f"  ... and {len(report.warnings) - len(shown)} more", err=True)


def _progress_text(progress, elapsed: float) -> str:
    """Return what the reindex bar shows beside itself: articles, paragraphs, rate
    (once the files are read, a full run with entities writes what it kept: how much)."""
    if progress.phase == "writing":
        return f"writing {progress.written:,} of {progress.paragraphs:,} paragraphs"
    rate = progress.paragraphs / elapsed if elapsed > 0 else 0.0
    return (
        f"{progress.articles:,} articles, {progress.paragraphs:,} paragraphs, "
        f"{rate:,.0f} paragraphs/s"
    )


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--full", is_flag=True, help="Rebuild from scratch (swapped in atomically).")
@click.option(
    "--entities/--no-entities", default=True, show_default=True, help="Extract actors/places."
)
@click.option("--workers", type=click.IntRange(1, 32), default=None, help="Worker processes.")
@click.option(
    "--wait",
    type=click.FloatRange(0),
    default=0.0,
    help="Seconds to wait for another running reindex before giving up.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option(
    "--shard",
    "shard_text",
    metavar="K/N",
    help="Only the K-th of N parts of the files (one machine of N; OpenSearch).",
)
@click.option(
    "--build",
    metavar="NAME",
    help="Fill the prepared build NAME (`searchsvc build new`) without publishing it.",
)
@index_option
@saved_db_option
def reindex(
    paths: tuple[str, ...],
    full: bool,
    entities: bool,
    workers: int | None,
    wait: float,
    as_json: bool,
    quiet: bool,
    shard_text: str | None,
    build: str | None,
    index_dir: str,
    saved_db: str | None,
) -> None:
    """Index the articles in PATHS (files and folders: .html, .txt, .json, .jsonl).

    Incremental by default: unchanged files are skipped, changed files replaced and
    deleted files removed. With no PATHS, the paths indexed before are checked again.
    """
    from .indexer import reindex as run_reindex

    bar: Any = None
    started = time.monotonic()

    def on_plan(plan) -> None:
        nonlocal bar, started
        if quiet or plan.files == 0:
            return
        # The bar runs over the bytes to read: its share and time left follow them,
        # whatever the files look like (one huge JSON Lines file or many pages).
        bar = click.progressbar(
            length=max(plan.bytes, 1),
            label=(
                f"indexing {plan.files:,} files, {_size(plan.bytes)} ({plan.unchanged:,} unchanged)"
            ),
            file=sys.stderr,
            show_pos=False,
            show_percent=True,
            show_eta=True,
            item_show_func=lambda text: text,
        )
        bar.__enter__()
        started = time.monotonic()

    def on_progress(progress) -> None:
        if bar is None:
            return
        text = _progress_text(progress, time.monotonic() - started)
        bar.update(max(0, progress.bytes_done - bar.pos), text)

    try:
        report = run_reindex(
            paths,
            index_dir,
            full=full,
            entities=entities,
            workers=workers,
            wait=wait,
            progress=on_progress,
            on_plan=on_plan,
            on_commit=_alerts_after_commit(index_dir, saved_db),
            shard=_shard(shard_text),
            build=build,
        )
    except KeyboardInterrupt:
        if bar is not None:
            bar.__exit__(None, None, None)
        kept = (
            "the previous index is unchanged"
            if full
            else "files committed so far are kept; the rest are redone by the next reindex"
        )
        click.echo(f"\ninterrupted: {kept}", err=True)
        sys.exit(130)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    _print_report(report, as_json)
    if report.failed:
        raise click.ClickException("nothing could be indexed (see the reasons above)")


def _shard(text: str | None) -> tuple[int, int] | None:
    from .engine import parse_shard

    if text is None:
        return None
    try:
        return parse_shard(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--shard") from None


@main.group()
def build() -> None:
    """A full rebuild split over machines (OpenSearch): `build new` prints a build
    name; each machine runs `reindex --build NAME --shard K/N PATHS`; `build publish
    NAME` makes it live in one alias switch."""


@build.command("new")
@index_option
def build_new(index_dir: str) -> None:
    """Create an empty, unpublished build and print its name."""
    from .engine import open_engine

    click.echo(open_engine(index_dir).prepare_build())


@build.command("publish")
@click.argument("name")
@index_option
def build_publish(name: str, index_dir: str) -> None:
    """Make the build NAME live (the alias switch) once every shard has finished."""
    from .engine import IndexMeta, open_engine

    engine = open_engine(index_dir)
    now = _utc_now()
    with engine.lock():
        totals = engine.publish_build(name, IndexMeta(last_reindex=now))
    click.echo(
        f"published {name}: {totals.documents:,} paragraphs of {totals.articles:,} articles"
    )


@build.command("drop")
@click.argument("name")
@index_option
def build_drop(name: str, index_dir: str) -> None:
    """Delete the unpublished build NAME (a split rebuild given up)."""
    from .engine import open_engine

    open_engine(index_dir).drop_build(name)
    click.echo(f"dropped {name}")


def _utc_now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(microsecond=0).isoformat()


# --- search ------------------------------------------------------------------------

_MARK = re.compile(r"</?mark>")


def _terminal_snippet(highlight: str, color: bool) -> str:
    if color:
        text = highlight.replace("<mark>", "\x1b[1;33m").replace("</mark>", "\x1b[0m")
    else:
        text = highlight.replace("<mark>", "[").replace("</mark>", "]")
    return html.unescape(_MARK.sub("", text))


def filter_options(func):
    """Add the filters every search-like command takes (as in the web page)."""
    options = [
        click.option("--actor", multiple=True, help="Only paragraphs naming this actor."),
        click.option("--location", multiple=True, help="Only paragraphs naming this place."),
        click.option("--source", multiple=True, help="Only paragraphs from this source."),
        click.option(
            "--from", "date_from", help="Earliest date (YYYY, YYYY-MM or YYYY-MM-DD)."
        ),
        click.option("--to", "date_to", help="Latest date (YYYY, YYYY-MM or YYYY-MM-DD)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def dedupe_option(func):
    """Add ``--dedupe``: copies counted once (one hit per cluster of copies)."""
    return click.option(
        "--dedupe",
        is_flag=True,
        help="Copies counted once: one hit per cluster of syndicated or near-duplicate "
        "paragraphs; counts are of stories.",
    )(func)


def _request(query: str, filters: dict[str, Any], **more: Any) -> SearchRequest:
    """Return the SearchRequest of a command's query and filter options."""
    return SearchRequest(
        q=query,
        actors=list(filters.get("actor", ())),
        locations=list(filters.get("location", ())),
        sources=list(filters.get("source", ())),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        dedupe=bool(filters.get("dedupe")),
        **more,
    )


def _counted(page_or_view: Any, noun: str = "paragraphs") -> str:
    """Return what the numbers of an answer count: ``noun``, or stories."""
    return "stories" if page_or_view.counted == "stories" else noun


@main.command()
@click.argument("query", nargs=-1)
@filter_options
@click.option("--sort", type=click.Choice(SORTS), default="relevance")
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1, 1000), default=1)
@click.option("--collapse", is_flag=True, help="At most one paragraph per article.")
@dedupe_option
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@index_option
def search(
    query: tuple[str, ...],
    actor: tuple[str, ...],
    location: tuple[str, ...],
    source: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    sort: str,
    limit: int,
    page: int,
    collapse: bool,
    dedupe: bool,
    as_json: bool,
    index_dir: str,
) -> None:
    """Print the best-matching paragraphs for QUERY (same syntax as the web box)."""
    from .engine import open_engine

    request = _request(
        " ".join(query),
        {"actor": actor, "location": location, "source": source}
        | {"date_from": date_from, "date_to": date_to, "dedupe": dedupe},
        sort=sort,
        page=page,
        per_page=limit,
        collapse=collapse,
    )
    result = open_engine(index_dir).reader().search(request)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
        return
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    first = (result.page - 1) * result.per_page
    counted = _counted(result, "articles" if collapse else "paragraphs")
    click.echo(f"{result.total:,} {counted} match {result.query!r} ({result.took_ms:.0f} ms)")
    if result.suggestion:
        click.echo(f"did you mean: {result.suggestion}")
    for rank, hit in enumerate(result.hits, start=first + 1):
        meta = " · ".join(
            x
            for x in (
                hit.source,
                hit.date,
                f"paragraph {hit.position} of {hit.paragraph_count}",
            )
            if x
        )
        click.echo(f"\n{rank}. {hit.title}")
        click.echo(f"   {meta}   [{hit.id}]")
        if hit.copies:
            sources = f" in {hit.copy_sources} other sources" if hit.copy_sources else ""
            click.echo(f"   and {hit.copies} copies{sources} (searchsvc copies {hit.id})")
        click.echo(f"   {_terminal_snippet(hit.highlight, color)}")
        names = hit.actors + [p.name for p in hit.locations]
        if names:
            click.echo(f"   ({'; '.join(names)})")


@main.command()
@click.argument("paragraph_id")
@click.option("--article", "of_article", is_flag=True, help="ID is an article: its copies.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@index_option
def copies(paragraph_id: str, of_article: bool, as_json: bool, index_dir: str) -> None:
    """Print the copies of a paragraph (or, with --article, of an article): source,
    date, headline and how alike, earliest first."""
    from .engine import open_engine

    reader = open_engine(index_dir).reader()
    found = reader.article_copies(paragraph_id) if of_article else reader.copies(paragraph_id)
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{len(found.copies)} copies of {found.of} (earliest: {found.canonical})")
    for c in found.copies:
        meta = " · ".join(x for x in (c.source, c.date, f"{c.similarity:.0%} alike") if x)
        click.echo(f"  [{c.id}] {c.title}  ({meta})")


@main.command()
@click.argument("paragraph_id")
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@index_option
def similar(paragraph_id: str, limit: int, as_json: bool, index_dir: str) -> None:
    """Print paragraphs about the same thing as PARAGRAPH_ID in other articles."""
    from .engine import open_engine

    found = open_engine(index_dir).reader().similar(paragraph_id, per_page=limit)
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False, default=str))
        return
    click.echo(f"{found.total} paragraphs like {paragraph_id} (key words: {found.query})")
    for rank, hit in enumerate(found.hits, start=1):
        click.echo(f"\n{rank}. {hit.title}   [{hit.id}]")
        click.echo(f"   {_terminal_snippet(hit.highlight, False)}")


# --- analyst views -----------------------------------------------------------------


@main.command()
@click.argument("queries", nargs=-1, required=True)
@filter_options
@click.option("--interval", type=click.Choice(INTERVALS), default=None, help="Bucket size.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (one column per query).")
@dedupe_option
@index_option
def timeline(
    queries: tuple[str, ...],
    interval: str | None,
    as_json: bool,
    as_csv: bool,
    index_dir: str,
    **filters: Any,
) -> None:
    """Print matching paragraphs per period for QUERY (several QUERIES: compared)."""
    from . import timeline as timelines
    from .engine import open_engine

    engine = open_engine(index_dir).reader()
    requests = [_request(q, filters) for q in queries]
    if len(requests) == 1:
        found = timelines.timeline(engine, requests[0], interval)
        chosen, series = found.interval, [found]
    else:
        chosen, series = timelines.compare(engine, requests, interval)
    if as_json:
        data: dict[str, Any] = (
            series[0].to_dict()
            if len(series) == 1
            else {"interval": chosen, "series": [t.to_dict() for t in series]}
        )
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if as_csv:
        click.echo(timelines.csv_text(chosen, series), nl=False)
        return
    for t in series:
        click.echo(f"{t.query!r} by {chosen} ({t.undated:,} matching {_counted(t)} undated)")
        peak = max((b.count for b in t.buckets), default=0) or 1
        for b in t.buckets:
            bar = "#" * max(0, round(40 * b.count / peak))
            click.echo(f"  {b.start}  {b.count:>7,}  {b.share:>8.2%}  {bar}")


@main.command()
@click.argument("query", nargs=-1)
@filter_options
@click.option("--field", type=click.Choice(RELATED_FIELDS), default="actors", show_default=True)
@click.option("--sort", type=click.Choice(RELATED_SORTS), default="lift", show_default=True)
@click.option("--min-count", type=click.IntRange(1), default=2, show_default=True)
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@dedupe_option
@index_option
def related(
    query: tuple[str, ...],
    field: str,
    sort: str,
    min_count: int,
    limit: int,
    as_json: bool,
    index_dir: str,
    **filters: Any,
) -> None:
    """Print the actors or locations most named with QUERY's hits, with their lift."""
    from .engine import open_engine
    from .related import related as find_related

    engine = open_engine(index_dir).reader()
    found = find_related(
        engine, _request(" ".join(query), filters), field,
        sort=sort, min_count=min_count, limit=limit,
    )
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{field} named in the {found.matched:,} matching {_counted(found)} (by {sort}):")
    for v in found.values:
        click.echo(f"  {v.value:<40} {v.count:>6,}  {v.share:>7.2%}  lift {v.lift:.2f}")


@main.command()
@click.argument("query", nargs=-1)
@filter_options
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--collapse", is_flag=True, help="One row per article.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="csv")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), required=True,
    help="File to write ('-' for standard output).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@dedupe_option
@index_option
def export(
    query: tuple[str, ...],
    sort: str,
    collapse: bool,
    fmt: str,
    output: str,
    quiet: bool,
    index_dir: str,
    **filters: Any,
) -> None:
    """Write every hit of QUERY to a file (CSV or NDJSON), with a FILE.meta.json saying
    what it is of."""
    from . import export as exports
    from .engine import open_engine

    engine = open_engine(index_dir).reader()
    request = _request(" ".join(query), filters, sort=sort, collapse=collapse)
    to_stdout = output == "-"
    with engine.export(request) as found:
        meta = exports.describe(request, found.info, fmt)
        total = found.info.total
        header = 1 if fmt == "csv" else 0
        show = not (quiet or to_stdout)
        progress: Any = (
            click.progressbar(
                length=total, label=f"exporting {total:,} rows", file=sys.stderr, show_pos=True
            )
            if show
            else contextlib.nullcontext()
        )
        target: Any = (
            contextlib.nullcontext(sys.stdout)
            if to_stdout
            else open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115
        )
        with target as handle, progress:
            for n, line in enumerate(exports.lines(found.hits(), fmt, request.dedupe)):
                handle.write(line)
                if show and n >= header:
                    progress.update(1)
    if not to_stdout:
        with open(output + ".meta.json", "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=2, ensure_ascii=False)
        click.echo(f"wrote {total:,} rows to {output} (and {output}.meta.json)", err=True)


def _alerts_after_commit(index_dir: str, saved_db: str | None) -> Any:
    """Return the reindex callback that matches each commit's new paragraphs against
    the saved searches (None when there are none)."""
    store = _store(index_dir, saved_db)
    try:
        if not store.list():
            return None
    except SearchsvcError as exc:
        click.echo(f"warning: saved searches not matched: {exc}", err=True)
        return None
    from .alerts import match_new
    from .engine import open_engine

    reader = open_engine(index_dir).reader()

    def on_commit(ids: list[str]) -> None:
        try:
            run = match_new(reader, store, ids)
        except SearchsvcError as exc:  # alerts must never lose the indexing itself
            click.echo(f"warning: saved searches not matched: {exc}", err=True)
            return
        for name, count in run.new.items():
            if count:
                click.echo(f"saved search {name!r}: {count:,} new matches", err=True)
        for name, problem in run.problems.items():
            click.echo(f"saved search {name!r} not matched: {problem}", err=True)

    return on_commit


# --- saved searches and alerts -------------------------------------------------------


@main.group()
def saved() -> None:
    """Save searches by name; each reindex records their new matches."""


@saved.command("add")
@click.argument("name")
@click.argument("query", nargs=-1)
@filter_options
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--collapse", is_flag=True, help="At most one paragraph per article.")
@index_option
@saved_db_option
def saved_add(
    name: str,
    query: tuple[str, ...],
    sort: str,
    collapse: bool,
    index_dir: str,
    saved_db: str | None,
    **filters: Any,
) -> None:
    """Save QUERY (and the filters) as NAME, replacing a search of that name."""
    from .engine import open_engine
    from .saved import save

    request = _request(" ".join(query), filters, sort=sort, collapse=collapse)
    found = save(_store(index_dir, saved_db), open_engine(index_dir).reader(), name, request)
    click.echo(f"saved {found.name!r}: {found.params['q']!r}")


@saved.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@index_option
@saved_db_option
def saved_list(as_json: bool, index_dir: str, saved_db: str | None) -> None:
    """List the saved searches with their counts of new and all matches."""
    found = _store(index_dir, saved_db).list()
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("no saved searches (add one with `searchsvc saved add NAME QUERY`)")
    for s in found:
        problem = f"  (not matched: {s.problem})" if s.problem else ""
        click.echo(f"{s.name:<24} {s.new:>6,} new {s.total:>8,} in all  {s.params['q']!r}{problem}")


@saved.command("rm")
@click.argument("name")
@index_option
@saved_db_option
def saved_rm(name: str, index_dir: str, saved_db: str | None) -> None:
    """Delete the saved search NAME and its recorded matches."""
    _store(index_dir, saved_db).delete(name)
    click.echo(f"deleted {name!r}")


@main.command()
@click.option("--since", help="Matches recorded after this time (default: the unseen ones).")
@click.option("--mark-seen", is_flag=True, help="Mark what is printed as seen.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@index_option
@saved_db_option
def alerts(
    since: str | None, mark_seen: bool, as_json: bool, index_dir: str, saved_db: str | None
) -> None:
    """Print the new matches of every saved search (for cron and mail)."""
    from .dates import date_bounds

    store = _store(index_dir, saved_db)
    after = None
    if since:
        bound = date_bounds(since, end=False)
        after = bound.isoformat() if bound else None
    out = []
    for s in store.list():
        found = store.matches(s.name, since=after or s.seen_at or "")
        out.append({"name": s.name, "query": s.params["q"], "problem": s.problem,
                    "matches": [m.hit | {"matched_at": m.matched_at} for m in found]})
        if mark_seen:
            store.mark_seen(s.name)
    if as_json:
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    for entry in out:
        if not entry["matches"] and not entry["problem"]:
            continue
        click.echo(f"{entry['name']} ({entry['query']!r}): {len(entry['matches']):,} new")
        if entry["problem"]:
            click.echo(f"  not matched at the last reindex: {entry['problem']}")
        for hit in entry["matches"]:
            click.echo(f"  - {hit['title']} ({hit.get('date') or 'undated'}) [{hit['id']}]")
            click.echo(f"    {_terminal_snippet(hit.get('highlight') or '', False)[:300]}")


# --- parse -------------------------------------------------------------------------


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def parse(file: str, as_json: bool) -> None:
    """Show what the indexer reads from FILE: metadata and paragraphs."""
    from .chunk import normalize_space
    from .parse import parse_file

    result = parse_file(file)
    records = []
    for article in result.articles:
        records.append(
            {
                "id": article.id,
                "format": article.format,
                "title": article.title,
                "date": article.date,
                "date_original": article.date_original,
                "source": article.source,
                "url": article.url,
                "author": article.author,
                "paragraphs": [t for t in (normalize_space(p) for p in article.paragraphs) if t],
                "warnings": [w.message() for w in article.warnings],
            }
        )
    if as_json:
        payload: Any = records[0] if len(records) == 1 else records
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for record in records:
        click.echo(f"title:  {record['title']}")
        for key in ("date", "source", "url", "author", "format", "id"):
            click.echo(f"{key + ':':7} {record[key] or '-'}")
            if key == "date" and record["date_original"] not in (None, record["date"]):
                click.echo(f"        (as written: {record['date_original']})")
        click.echo(f"paragraphs ({len(record['paragraphs'])}):")
        for n, text in enumerate(record["paragraphs"], start=1):
            click.echo(f"  [{n}] {text}")
        click.echo("")
    for problem in result.problems:
        click.echo(f"left out: {problem}", err=True)
    for article in result.articles:
        for warning in article.warnings:
            click.echo(f"left out: {warning.message()}", err=True)


# --- serve -------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--threads", type=click.IntRange(1, 64), default=8, show_default=True, help="Per process."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes sharing the port [default: one per core].",
)
@click.option(
    "--token",
    envvar="SEARCHSVC_TOKEN",
    default=None,
    show_envvar=True,
    help="Require this access token for the whole service (bearer header, basic auth or "
    "the login form). Prefer the environment variable: an option shows in ps.",
)
@click.option(
    "--allow-anonymous",
    is_flag=True,
    help="Serve an address beyond loopback without an access token.",
)
@index_option
@saved_db_option
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    threads: int,
    workers: int | None,
    token: str | None,
    allow_anonymous: bool,
    index_dir: str,
    saved_db: str | None,
) -> None:
    """Serve the search page and the JSON API with waitress (a production WSGI server),
    in one process per core. SIGHUP replaces the processes one by one; Ctrl-C or
    SIGTERM stops them. Beyond loopback it needs an access token (SEARCHSVC_TOKEN)
    or --allow-anonymous."""
    from .limits import MIN_TOKEN_CHARS
    from .server import ServeOptions, default_workers, is_loopback
    from .server import serve as run_server
    from .workers import run_in_child

    token = token or None
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise click.UsageError(
            f"the access token is {len(token)} characters long: use at least "
            f"{MIN_TOKEN_CHARS}, for example the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if token is not None and ctx.get_parameter_source("token").name == "COMMANDLINE":
        click.echo("warning: --token shows in ps; set SEARCHSVC_TOKEN instead", err=True)
    if token is None and not is_loopback(host):
        if not allow_anonymous:
            raise click.UsageError(
                f"refusing to serve {host} without an access token: anyone who can reach "
                "it could read the archive and change its saved searches. Set "
                "SEARCHSVC_TOKEN (or --token), or pass --allow-anonymous to serve it open."
            )
        click.echo(f"warning: serving {host} with no access token (--allow-anonymous)", err=True)

    try:
        # Checked in a child: the supervisor stays small, every worker forked from it
        # would hold again what the engine's imports cost.
        present = run_in_child(_index_exists, index_dir)
    except EngineUnavailable as exc:  # a cluster that is down now may be back soon
        click.echo(f"warning: {exc}: searches answer 503 until it is reachable", err=True)
        present = True
    if not present:
        click.echo(
            f"warning: no index at {index_dir} yet: searches answer 503 until "
            "`searchsvc reindex PATHS` builds one",
            err=True,
        )
    options = ServeOptions(
        index_dir, host, port, threads, workers or default_workers(), saved_db, token
    )
    processes = f"{options.workers} processes" if options.workers > 1 else "one process"
    access = "access token required" if token else "open: no access token"
    status = run_server(
        options,
        lambda url: click.echo(f"searchsvc serving {index_dir} at {url} ({processes}); {access}"),
    )
    click.echo("stopped")
    sys.exit(status)


def _index_exists(location: str) -> bool:
    """Return True when the engine at ``location`` holds an index."""
    from .engine import open_engine

    return open_engine(location).exists()


# --- status ------------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@index_option
def status(as_json: bool, index_dir: str) -> None:
    """Show what the index holds and when it was last updated."""
    from dataclasses import asdict

    from .engine import open_engine

    stats = open_engine(index_dir).reader().stats()
    if as_json:
        click.echo(json.dumps(asdict(stats), indent=2))
        return
    if not stats.exists:
        raise click.ClickException(f"no index at {index_dir}: run `searchsvc reindex PATHS`")
    click.echo(f"index:        {stats.path} ({stats.generation})")
    click.echo(f"paragraphs:   {stats.documents:,}")
    click.echo(f"articles:     {stats.articles:,}")
    click.echo(f"last reindex: {stats.last_reindex or '-'}")


def _register_entities_command() -> None:
    from .entities.command import entities_command

    main.add_command(entities_command)


_register_entities_command()


if __name__ == "__main__":
    main()
