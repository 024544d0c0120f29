"""Fill a language's catalog from the translation parts (lti_tool/translations/parts/
<area>.<lang>.po): each area's strings can be translated on their own, and this brings them
into the one catalog the tool reads. The parts are the source: a string a part translates
takes the part's translation (a corrected part reaches the catalog); a string no part has keeps
the catalog's.

    python scripts/_fill_translations.py es fr
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "lti_tool" / "translations"


def fill(lang: str) -> int:
    path = ROOT / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    known: dict[object, object] = {}
    for part in sorted((ROOT / "parts").glob(f"*.{lang}.po")):
        with part.open("rb") as handle:
            for message in read_po(handle, locale=lang):
                if message.id and message.string and not message.fuzzy:
                    known[message.id] = message.string
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if message.id in known and (message.string != known[message.id] or message.fuzzy):
            message.string = known[message.id]
            message.flags.discard("fuzzy")
            filled += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_by_file=True)
    return filled


if __name__ == "__main__":
    for lang in sys.argv[1:] or ["es", "fr"]:
        print(f"{lang}: {fill(lang)} strings filled from the parts")
