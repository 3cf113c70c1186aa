"""The PDF, rendered from hand-built figures (no database): text, structure, archival form."""

from __future__ import annotations

import hashlib
import io
import subprocess
from datetime import date
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from app.impact import charts
from app.impact.figures import (
    CategoryIncome,
    Headline,
    canonical_json,
    figures_sha256,
    from_json,
)
from app.impact.render import Issue, figures_csv, render_html, render_pdf
from tests.impact.samples import has_row, sample_figures
from tests.tools import require_tool


@pytest.fixture(scope="module")
def issued():
    figures = sample_figures()
    issue = Issue("IMP-2026-0007", date(2026, 10, 15), figures_sha256(figures))
    return figures, render_pdf(figures, "en", organisation="Tejiendo Futuro", issue=issue)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_text_has_the_period_each_community_with_its_total_and_the_hash(issued):
    figures, rendered = issued
    text = pdf_text(rendered.pdf)
    assert "Dry season 2026 (May–September)" in text
    assert "May 1, 2026 – September 30, 2026" in text
    for community in figures.communities:
        assert has_row(text, community.name, f"{community.income.total:,.2f}"), community.name
    assert figures_sha256(figures) in text
    assert "IMP-2026-0007" in text and "Tejiendo Futuro" in text


def test_page_numbers_and_a_contents_list_with_page_numbers(issued):
    _, rendered = issued
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert len(reader.pages) == rendered.pages >= 6
    assert f"2 / {rendered.pages}" in reader.pages[1].extract_text()
    contents = reader.pages[1].extract_text()
    assert "Contents" in contents and "Methodology" in contents
    assert any(char.isdigit() for char in contents.split("Methodology")[1])


def test_qpdf_finds_no_errors(issued, tmp_path):
    _, rendered = issued
    qpdf = require_tool("qpdf")
    path = tmp_path / "report.pdf"
    path.write_bytes(rendered.pdf)
    result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_archival_pdf_a3_with_the_figures_attached_as_csv(issued):
    figures, rendered = issued
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert reader.pdf_header == "%PDF-1.7"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    assert intent["/S"] == "/GTS_PDFA1" and "sRGB" in intent["/Info"]
    attachments = reader.attachments
    assert list(attachments) == ["figures.csv"]
    csv_text = attachments["figures.csv"][0].decode("utf-8")
    assert csv_text == figures_csv(figures)
    assert "community,Huacahuasi,total,10560.00" in csv_text
    assert f"report,,figures_sha256,{figures_sha256(figures)}" in csv_text


def test_fonts_are_embedded(issued):
    _, rendered = issued
    reader = PdfReader(io.BytesIO(rendered.pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add(str(font["/BaseFont"]))
    assert any("Sans" in name for name in fonts)


def test_spanish_report_and_draft_watermark():
    rendered = render_pdf(sample_figures(), "es")
    text = pdf_text(rendered.pdf)
    assert "Temporada seca 2026 (mayo–" in text and "30 de setiembre de 2026" in text
    assert "BORRADOR" in text
    assert "Metodología" in text


def test_issued_report_has_no_watermark_and_refuses_a_hash_of_other_figures(issued):
    figures, rendered = issued
    assert "DRAFT" not in pdf_text(rendered.pdf)
    with pytest.raises(ValueError):
        render_html(figures, "en", issue=Issue("IMP-2026-0001", date(2026, 1, 1), "0" * 64))


def test_empty_period_renders_a_clear_no_treks_report():
    figures = sample_figures(headline=Headline(), communities=(), fairness=(), trend=(), warnings=())
    text = pdf_text(render_pdf(figures, "en").pdf)
    assert "No treks in this period" in text


def test_figures_survive_the_json_round_trip_exactly():
    figures = sample_figures()
    assert from_json(canonical_json(figures)) == figures
    assert figures_sha256(from_json(canonical_json(figures))) == figures_sha256(figures)


def test_the_hash_changes_with_any_figure():
    figures = sample_figures()
    changed = sample_figures(headline=Headline(**{**vars(figures.headline),
                                                  "income": CategoryIncome(homestay=D("1.00"))}))
    assert figures_sha256(changed) != figures_sha256(figures)
    assert hashlib.sha256(canonical_json(figures).encode()).hexdigest() == figures_sha256(figures)


def test_charts_are_plain_svg_and_escape_labels():
    svg = charts.category_bars(["Homestays <b>", "Fees"], [D("10"), D("0")], "Income & fees")
    assert svg.startswith("<svg") and "<script" not in svg
    assert "Homestays &lt;b&gt;" in svg and "Income &amp; fees" in svg
    bars = charts.distribution_bars([D(3), D(1), D(0)], "t", "average", str)
    assert bars.count("<rect") == 3
