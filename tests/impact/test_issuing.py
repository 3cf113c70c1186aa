"""Issuing a report for a closed period, regenerating it, and checking it on the verify page."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from app.clock import today_lima
from app.impact.figures import canonical_json, figures_sha256
from app.impact.services import (
    PartnerArchived,
    PeriodNotClosed,
    issue_report,
    recompute,
    stored_figures,
)
from tests.impact.samples import has_row

JUNE = (date(2026, 6, 1), date(2026, 6, 30))
pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture
def partner(build, season):
    return build.partner(name="Tejiendo Futuro", language="es", communities=[season.huacahuasi])


def test_a_report_for_open_months_cannot_be_issued(season, partner):
    with pytest.raises(PeriodNotClosed) as refused:
        issue_report(partner, *JUNE, "accrual", season.accountant.id)
    assert refused.value.months == ["2026-06"]


def test_issued_report_is_numbered_and_stores_its_pdf_and_figures(season, partner):
    season.close_june()
    report = issue_report(partner, *JUNE, "accrual", season.accountant.id)
    assert report.number == f"IMP-{today_lima().year}-0001"
    figures = stored_figures(report)
    assert figures.scope == ("Huacahuasi",)  # the partner's communities of interest
    assert report.figures_sha256 == figures_sha256(figures)
    assert report.figures_json == canonical_json(figures)
    assert report.pdf_sha256 == hashlib.sha256(report.pdf).hexdigest()
    text_of_pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.pdf)).pages)
    assert report.figures_sha256 in text_of_pdf and report.number in text_of_pdf
    assert "BORRADOR" not in text_of_pdf and "Junio 2026" in text_of_pdf  # the partner's language
    assert has_row(text_of_pdf, "Huacahuasi", "1,955.00")
    second = issue_report(partner, *JUNE, "cash", season.accountant.id, community_slugs=[])
    assert second.number == f"IMP-{today_lima().year}-0002"
    assert stored_figures(second).scope == ()


def test_regenerating_an_issued_period_gives_the_same_figures(season, partner):
    season.close_june()
    report = issue_report(partner, *JUNE, "accrual", season.accountant.id)
    again = recompute(report)
    assert canonical_json(again) == report.figures_json
    assert figures_sha256(again) == report.figures_sha256


def test_archived_partners_receive_no_new_reports(season, partner):
    season.close_june()
    partner.archived = True
    with pytest.raises(PartnerArchived):
        issue_report(partner, *JUNE, "accrual", season.accountant.id)


def test_the_database_refuses_to_change_or_delete_an_issued_report(season, partner, db_session):
    season.close_june()
    report = issue_report(partner, *JUNE, "accrual", season.accountant.id)
    for statement in ("UPDATE impact_reports SET number = 'IMP-0000-0000' WHERE id = :id",
                      "DELETE FROM impact_reports WHERE id = :id"):
        savepoint = db_session.begin_nested()
        with pytest.raises(Exception, match="never changed or deleted"):
            db_session.execute(text(statement), {"id": report.id})
        savepoint.rollback()


def test_verify_page_names_report_period_and_organisation_and_nothing_else(client, season, partner):
    season.close_june()
    report = issue_report(partner, *JUNE, "accrual", season.accountant.id)
    for digest, says in ((report.figures_sha256, "hash of its figures"), (report.pdf_sha256.upper(), "hash of its PDF file")):
        page = client.get("/verify", query_string={"hash": digest}, headers={"Accept-Language": "en"})
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert report.number in html and "Tejiendo Futuro" in html and "Jun 1, 2026" in html
        assert says in html
        assert "1,955" not in html and "Huacahuasi" not in html  # no figures leak


def test_verify_page_accepts_the_pdf_file_itself(client, season, partner):
    season.close_june()
    report = issue_report(partner, *JUNE, "accrual", season.accountant.id)
    page = client.post("/verify", data={"pdf": (io.BytesIO(report.pdf), "report.pdf")},
                       content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and report.number in page.get_data(as_text=True)
    altered = client.post("/verify", data={"pdf": (io.BytesIO(report.pdf + b"\n"), "report.pdf")},
                          content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert "No issued report has this hash" in altered.get_data(as_text=True)
    assert client.post("/verify", data={}, headers={"Accept-Language": "en"}).status_code == 400


def test_verify_page_with_an_unknown_or_malformed_hash(client, db_session):
    unknown = client.get("/verify", query_string={"hash": "a" * 64}, headers={"Accept-Language": "en"})
    assert unknown.status_code == 200 and "No issued report has this hash" in unknown.get_data(as_text=True)
    malformed = client.get("/verify", query_string={"hash": "not-a-hash"}, headers={"Accept-Language": "en"})
    assert malformed.status_code == 400 and "64 characters" in malformed.get_data(as_text=True)
    assert client.get("/verify").status_code == 200
