"""Keep the interface's message catalogs in step with the code (Babel: extract, update, compile).

    python scripts/messages.py            # extract messages, merge them into locale/{fr,ar}, compile the .mo files
    python scripts/messages.py --check    # exit 1 when a message has no translation (the test suite checks it too)

New messages arrive untranslated; write their French and Arabic in the .po files (a second reader checks them),
then run the script again to compile. The same as `pybabel extract -F babel.cfg -k N_ ...`, `pybabel update`
and `pybabel compile`, with the catalog headers (plural forms) kept.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGES = ("fr", "ar")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def template() -> Catalog:
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    cat = Catalog(project="City Practice Matcher", copyright_holder="City Practice Matcher")
    for _file, _line, message, comments, context in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS,
                                                                      comment_tags=("Translators:",)):
        cat.add(message, None, auto_comments=comments, context=context)
    return cat


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only report untranslated messages")
    args = ap.parse_args()
    pot = template()
    missing_total = 0
    if not args.check:
        with open(LOCALE / "messages.pot", "wb") as f:
            write_po(f, pot, width=120, sort_output=True, no_location=True)
    for lang in LANGUAGES:
        po_path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        with open(po_path, "rb") as f:
            po = read_po(f, locale=lang)
        po.update(pot, no_fuzzy_matching=True)
        po.obsolete.clear()
        missing = [m.id for m in po if m.id and not all(m.string if isinstance(m.string, tuple) else (m.string,))]
        missing_total += len(missing)
        for mid in missing:
            print(f"{lang}: untranslated: {mid!r}")
        if args.check:
            continue
        po.revision_date = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        with open(po_path, "wb") as f:
            write_po(f, po, width=120, sort_output=True, no_location=True)
        with open(po_path.with_suffix(".mo"), "wb") as f:
            write_mo(f, po, use_fuzzy=False)
        print(f"{lang}: {len([m for m in po if m.id])} messages, {len(missing)} untranslated; compiled {po_path.with_suffix('.mo').relative_to(ROOT)}")
    return 1 if args.check and missing_total else 0


if __name__ == "__main__":
    sys.exit(main())
