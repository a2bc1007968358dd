"""``searchsvc entities``: show the entities of a text or file, or score a CoNLL file.

The lead registers it on the CLI group with ``main.add_command(entities_command)``; it
also runs on its own: ``python -m searchsvc.entities.command --eval valid.txt``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from searchsvc.models import Entity


def _paragraphs(text: str) -> list[str]:
    """Split a text into paragraphs: at blank lines, or at line ends if there are none."""
    text = text.replace("\r\n", "\n")
    parts = re.split(r"\n[ \t]*\n", text)
    if len(parts) == 1:
        parts = text.split("\n")
    return [p.strip() for p in parts if p.strip()]


def _is_file(source: str) -> bool:
    """Return whether ``source`` names an existing file (False for any text that cannot)."""
    if "\n" in source or len(source) > 1024:
        return False
    try:
        return Path(source).is_file()
    except (OSError, ValueError):
        return False


def _entity_row(par: int, ent: Entity) -> dict[str, object]:
    place = ent.place
    return {
        "paragraph": par,
        "text": ent.text,
        "label": ent.label,
        "name": ent.name,
        "start": ent.start,
        "end": ent.end,
        "place": place.to_dict() if place else None,
    }


@click.command("entities")
@click.argument("source", required=False)
@click.option(
    "--eval",
    "eval_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Score a labelled file instead: CoNLL-2003, or [mention](LABEL) marked-up sentences "
    "(entity level, exact span).",
)
@click.option("--errors", is_flag=True, help="With --eval: also list every miss and false hit.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def entities_command(
    source: str | None, eval_path: str | None, errors: bool, as_json: bool
) -> None:
    """Print the actors and locations in SOURCE (a file path, '-' for stdin, or text).

    With --eval FILE, print precision/recall/F1 for actors and locations and the speed.
    """
    from searchsvc.entities import annotate_article
    from searchsvc.entities.evaluation import EvalError, evaluate_conll

    if eval_path:
        found: list[EvalError] | None = [] if errors else None
        scores = evaluate_conll(eval_path, found)
        if found:
            for err in found:
                click.echo(f"{err.kind:7} {err.label:9} {err.text!r:34} | {err.line}")
        if as_json:
            click.echo(json.dumps(scores, indent=2))
            return
        click.echo(f"{'':10}{'precision':>10}{'recall':>10}{'F1':>10}")
        for lab in ("actor", "location"):
            click.echo(
                f"{lab:10}{scores[lab + '_precision']:>10.4f}"
                f"{scores[lab + '_recall']:>10.4f}{scores[lab + '_f1']:>10.4f}"
            )
        click.echo(
            f"{int(scores['documents'])} documents, {int(scores['paragraphs'])} sentences in "
            f"{scores['seconds']:.1f} s: {scores['paragraphs_per_sec']:.0f} sentences/s"
        )
        return
    if source is None:
        raise click.UsageError("give a TEXT, a FILE, '-' (stdin) or --eval FILE")
    if source == "-":
        text = sys.stdin.read()
    elif _is_file(source):
        text = Path(source).read_text(encoding="utf-8", errors="replace")
    else:
        text = source
    paragraphs = _paragraphs(text)
    results = annotate_article(paragraphs) if paragraphs else []
    rows = [_entity_row(i + 1, e) for i, ents in enumerate(results) for e in ents]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no entities found")
        return
    click.echo(f"{'par':>4}  {'label':8}  {'text':28}  {'name':28}  place")
    for r in rows:
        place = r["place"]
        where = ""
        if isinstance(place, dict):
            where = f"{place['kind']}"
            if place.get("country_code"):
                where += f" {place['country_code']}"
            if place.get("lat") is not None:
                where += f" ({place['lat']:.2f}, {place['lon']:.2f})"
        click.echo(
            f"{r['paragraph']:>4}  {r['label']:8}  {str(r['text'])[:28]:28}  "
            f"{str(r['name'])[:28]:28}  {where}"
        )


if __name__ == "__main__":
    entities_command()
