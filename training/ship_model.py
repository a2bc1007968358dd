"""Copy a trained spaCy pipeline into the package, keeping only what spacy.load needs.

Usage: ``python training/ship_model.py SRC_MODEL_DIR DEST_DIR``. The destination is
replaced. Training-only metadata (per-step performance tables) is dropped from meta.json.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from confection import Config

KEEP = ("config.cfg", "meta.json", "tokenizer", "vocab", "tok2vec", "ner")


def ship(src: Path, dest: Path) -> None:
    """Copy the loadable parts of the pipeline at ``src`` to ``dest`` (swapped in at once)."""
    tmp = dest.with_name(dest.name + ".new")
    old = dest.with_name(dest.name + ".old")
    for path in (tmp, old):
        if path.exists():
            shutil.rmtree(path)
    tmp.mkdir(parents=True)
    for name in KEEP:
        item = src / name
        if item.is_dir():
            shutil.copytree(item, tmp / name)
        elif item.exists():
            shutil.copy2(item, tmp / name)
    meta = json.loads((tmp / "meta.json").read_text())
    meta.pop("performance", None)
    meta["name"] = "searchsvc_ner"
    meta["description"] = (
        "searchsvc NER: spaCy efficiency NER trained on CoNLL-2003 train (PER, ORG, LOC, MISC)"
    )
    meta["license"] = "research use only (CoNLL-2003 / Reuters corpus terms)"
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
    # the training machine's corpus/vector paths mean nothing once shipped
    cfg = Config().from_disk(tmp / "config.cfg", interpolate=False)
    for key in ("train", "dev", "vectors"):
        if key in cfg.get("paths", {}):
            cfg["paths"][key] = None
    cfg.to_disk(tmp / "config.cfg", interpolate=False)
    if dest.exists():
        dest.rename(old)
    tmp.rename(dest)
    if old.exists():
        shutil.rmtree(old)
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    print(f"shipped {src} -> {dest} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    ship(Path(sys.argv[1]), Path(sys.argv[2]))
