"""Figures → HTML → PDF. Knows nothing of the database: it is given an `ImpactFigures`.

The templates and stylesheet live in `reports/impact/`; their strings are in the `reports/`
catalogue. The PDF is archival (PDF/A-3b) with the figures attached as CSV, fonts embedded
(Noto Sans or DejaVu Sans: both carry Spanish and Quechua letters such as ñ, á, ü).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import weasyprint
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration

from app.impact import charts
from app.impact.figures import ImpactFigures, figures_sha256
from app.impact.periods import month_end
from app.money import format_money

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"
LANGUAGES = ("es", "en")
NUMBER_LOCALES = {"es": "es_PE", "en": "en"}

# (weight, style) -> candidate files, first found wins: Noto Sans, else DejaVu Sans.
FONT_DIRS = [Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/noto"),
             Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
SANS_FACES = {
    ("400", "normal"): ("NotoSans-Regular.ttf", "DejaVuSans.ttf"),
    ("700", "normal"): ("NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf"),
    ("400", "italic"): ("NotoSans-Italic.ttf", "DejaVuSans-Oblique.ttf"),
    ("700", "italic"): ("NotoSans-BoldItalic.ttf", "DejaVuSans-BoldOblique.ttf"),
}
MONO_FACES = {("400", "normal"): ("DejaVuSansMono.ttf", "NotoSansMono-Regular.ttf")}


# PDF/A needs an output intent. WeasyPrint's own "srgb" intent leaves its ICC file open (a
# ResourceWarning in every rendering), so the same sRGB profile is handed over already read.
OUTPUT_INTENT = "report-srgb"


def _output_profiles() -> dict[str, ColorProfile]:
    icc = (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()
    return {OUTPUT_INTENT: ColorProfile(io.BytesIO(icc), "sRGB2014.icc", "relative-colorimetric",
                                        (["r"], ["g"], ["b"]))}


@dataclass(frozen=True)
class Issue:
    """What an issued report prints beside its figures."""

    number: str
    issued_on: date
    figures_sha256: str


@dataclass(frozen=True)
class Rendered:
    """A rendered PDF and how many pages it has."""

    pdf: bytes
    pages: int


def _find_font(names: tuple[str, ...]) -> Path | None:
    for name in names:
        for folder in FONT_DIRS:
            if (folder / name).is_file():
                return folder / name
    return None


@lru_cache(maxsize=1)
def font_face_css() -> str:
    """`@font-face` rules naming the font files found on this machine (file:// URLs)."""
    rules = []
    for family, faces in (("Report Sans", SANS_FACES), ("Report Mono", MONO_FACES)):
        for (weight, style), names in faces.items():
            path = _find_font(names)
            if path is not None:
                rules.append(
                    f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
                    f"font-weight: {weight}; font-style: {style}; }}"
                )
    return "\n".join(rules)


# --- Formatting -----------------------------------------------------------------------------


def formatters(language: str) -> dict:
    """number, percent, money, soles, day and month formatters in a report language."""
    locale = NUMBER_LOCALES[language]

    def number(value: int | Decimal | None, places: int = 0) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return format_decimal(value, format=pattern, locale=locale)

    def percent(value: Decimal | None) -> str:
        if value is None:
            return "—"
        return format_percent(value, format="#,##0.0%", locale=locale)

    def money(value: Decimal | None, currency: str = "PEN") -> str:
        return "—" if value is None else format_money(value, currency)

    def soles(value: Decimal | None) -> str:
        return number(value, 2)

    def day(value: date, style: str = "long") -> str:
        return format_date(value, style, locale=locale)

    def month(value: date, style: str = "MMM") -> str:
        return format_date(value, style, locale=locale).rstrip(".").capitalize()

    return {"number": number, "percent": percent, "money": money, "soles": soles, "day": day,
            "month": month}


def period_label(start: date, end: date, language: str) -> str:
    """`June 2026`, `2026`, `Dry season 2026 (May–September)`, `Quarter 2, 2026`, or the dates."""
    kind = "dates"
    if start.day == 1 and end == month_end(end.year, end.month) and start.year == end.year:
        kind = {(1, 12): "year", (5, 9): "season"}.get((start.month, end.month), kind)
        if start.month == end.month:
            kind = "month"
        elif start.month % 3 == 1 and end.month == start.month + 2:
            kind = "quarter"
    template = _environment(language).get_template("impact/_period.html")
    return template.render(kind=kind, start=start, end=end)


# --- Templates ------------------------------------------------------------------------------


@lru_cache(maxsize=len(LANGUAGES))
def _translations(language: str) -> Translations:
    return Translations.load(str(REPORTS_DIR / "translations"), [language])


@lru_cache(maxsize=len(LANGUAGES))
def _environment(language: str) -> Environment:
    if language not in LANGUAGES:
        raise ValueError(f"reports are written in Spanish or English, not {language!r}")
    env = Environment(
        loader=FileSystemLoader(str(REPORTS_DIR)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(_translations(language), newstyle=True)
    helpers = formatters(language)
    env.globals.update(helpers, charts=charts, language=language)
    env.filters.update(helpers)
    return env


def render_html(figures: ImpactFigures, language: str = "es", organisation: str | None = None,
                issue: Issue | None = None, operator: str = "Lares Ledger",
                verify_url: str = "/verify") -> str:
    """The report as one HTML document (a draft unless `issue` is given)."""
    if issue is not None and issue.figures_sha256 != figures_sha256(figures):
        raise ValueError("the issue's hash does not match these figures")
    template = _environment(language).get_template("impact/report.html")
    return template.render(
        figures=figures, organisation=organisation, issue=issue, operator=operator,
        verify_url=verify_url, period=period_label(figures.period_from, figures.period_to, language),
    )


def figures_csv(figures: ImpactFigures) -> str:
    """The figures as CSV (section, community, indicator, value): the PDF's attachment."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "community", "indicator", "value"])
    writer.writerow(["report", "", "period_from", figures.period_from.isoformat()])
    writer.writerow(["report", "", "period_to", figures.period_to.isoformat()])
    writer.writerow(["report", "", "basis", figures.basis])
    writer.writerow(["report", "", "figures_sha256", figures_sha256(figures)])

    def rows(section: str, community: str, record, skip=()) -> None:
        for name, value in vars(record).items():
            if name in skip:
                continue
            if hasattr(value, "__dataclass_fields__"):
                rows(section, community, value)
                if hasattr(value, "total"):
                    writer.writerow([section, community, "total", value.total])
            elif not isinstance(value, tuple):
                writer.writerow([section, community, name, "" if value is None else value])

    rows("headline", "", figures.headline)
    for community in figures.communities:
        rows("community", community.name, community, skip=("slug", "name"))
    for fairness in figures.fairness:
        rows("fairness", fairness.name, fairness, skip=("slug", "name"))
        for rank, share in enumerate(fairness.distribution, start=1):
            writer.writerow(["fairness_distribution", fairness.name, f"family_{rank}_guest_nights", share.guest_nights])
            writer.writerow(["fairness_distribution", fairness.name, f"family_{rank}_income", share.income])
    rows("women", "", figures.women)
    rows("porters", "", figures.porters)
    for floor in figures.porters.floors:
        writer.writerow(["porters", "", f"wage_floor_{floor.year}", floor.floor or ""])
    for month in figures.trend:
        rows(f"trend_{month.month:%Y-%m}", "", month, skip=("month",))
    rows("year_earlier", "", figures.previous)
    for warning in figures.warnings:
        writer.writerow(["warning", "", warning.code, " ".join(warning.items)])
    return out.getvalue()


def render_pdf(figures: ImpactFigures, language: str = "es", organisation: str | None = None,
               issue: Issue | None = None, operator: str = "Lares Ledger",
               verify_url: str = "/verify") -> Rendered:
    """The archival PDF (PDF/A-3b), the figures attached as `figures.csv`."""
    html = render_html(figures, language, organisation, issue, operator, verify_url)
    font_config = FontConfiguration()
    fonts = weasyprint.CSS(string=font_face_css(), font_config=font_config)
    document = weasyprint.HTML(string=html, base_url=str(REPORTS_DIR)).render(
        stylesheets=[fonts], font_config=font_config, color_profiles=_output_profiles(),
        output_intent=OUTPUT_INTENT,
    )
    attachment = weasyprint.Attachment(
        string=figures_csv(figures).encode("utf-8"), name="figures.csv",
        description="Report figures (CSV, UTF-8)", relationship="Data",
    )
    pdf = document.write_pdf(pdf_variant="pdf/a-3b", attachments=[attachment],
                             output_intent=OUTPUT_INTENT)
    return Rendered(pdf=pdf, pages=len(document.pages))
