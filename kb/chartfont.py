"""The font charts are laid out with: a small subset of Noto Sans CJK SC shipped in kb/assets/fonts.

vl-convert measures every label of a chart by laying it out with a system font, and opens that
font's file for each one. A Chinese label falls back to a CJK font collection of 20 MB and more,
so a chart of the Chinese site took three to four times as long to draw as the same chart in
English (150 ms rather than 40 for the severity and status mix). Measured with this subset
(ASCII and every character of the Chinese labels, ~130 KB) it takes about as long as in English,
and charts come out the same on every machine, whichever CJK fonts it has. The family name is
first in the charts' font list; a browser does not have it and shows its own sans-serif font,
as before. Characters the subset lacks (a product's Chinese name) fall back to the system's fonts.

Made again after labels are added: `python -m defectkb.chartfont /path/to/NotoSansCJK-Regular.ttc`
(needs fontTools); tests/test_charts.py fails while a Chinese label has a character it lacks.
"""

from __future__ import annotations

import sys
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "assets" / "fonts"
FAMILY = "DefectKB Sans CJK"
FONT_FILE = FONT_DIR / "DefectKBSansCJK-Regular.otf"
CHARS_FILE = FONT_DIR / "characters.txt"  # what the font holds, written with it
FONT_LIST = f"{FAMILY}, sans-serif"  # the charts' font (Vega config `font`)
_SC = 2  # Noto Sans CJK's collections hold JP, KR, SC, TC, HK in this order


def label_characters() -> str:
    """Every character the charts of a Chinese site draw from our own labels, and ASCII."""
    from defectkb import enums, i18n

    texts = [zh for _, zh in i18n._LABELS.values()]
    texts += [m.zh for cls in vars(enums).values()
              if isinstance(cls, type) and issubclass(cls, enums.LabeledEnum) for m in cls]
    return "".join(sorted(set("".join(texts)) | {chr(c) for c in range(0x20, 0x7F)}))


def covered() -> str:
    return CHARS_FILE.read_text(encoding="utf-8") if CHARS_FILE.is_file() else ""


def rebuild(source: Path) -> None:
    """Subset `source` (a Noto Sans CJK collection or font) to `label_characters()`, renamed."""
    from fontTools import subset  # a tool of ours, not a dependency of the package
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.font_number = _SC if source.suffix.lower() == ".ttc" else -1
    options.name_IDs = ["*"]
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=label_characters())
    subsetter.subset(font)
    for record in font["name"].names:  # a modified version of the font, under its own name (OFL)
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "") + "-Regular"
    FONT_DIR.mkdir(parents=True, exist_ok=True)
    font.save(str(FONT_FILE))
    held = TTFont(str(FONT_FILE)).getBestCmap()
    CHARS_FILE.write_text("".join(sorted(chr(c) for c in held)), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m defectkb.chartfont NotoSansCJK-Regular.ttc")
    rebuild(Path(sys.argv[1]))
    print(f"{FONT_FILE}: {FONT_FILE.stat().st_size} bytes, {len(covered())} characters")
