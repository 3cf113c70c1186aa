"""The impact pages: preview, draft PDF, issuing, the partner's reports, and who may see what."""

from __future__ import annotations

import io
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader

from app.accounts.roles import Role
from app.clock import today_lima
from app.impact.services import issue_report

JUNE = {"start": "2026-06-01", "end": "2026-06-30", "basis": "accrual", "lang": "en"}


@pytest.fixture
def two_partners(app, build, season):
    season.close_june()
    ours = build.partner(name="Tejiendo Futuro")
    theirs = build.partner(name="Travelife audit")
    with app.app_context():
        ours_report = issue_report(ours, date(2026, 6, 1), date(2026, 6, 30), "accrual", season.accountant.id)
        theirs_report = issue_report(theirs, date(2026, 6, 1), date(2026, 6, 30), "cash", season.accountant.id)
    return ours, ours_report, theirs_report


def test_manager_previews_a_period_with_its_warnings(client, auth, season):
    auth.login_as(Role.MANAGER)
    page = client.get("/impact/preview", query_string=JUNE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Huacahuasi" in html and "S/ 1,955.00" in html and "22.4%" in html
    assert "LAR-2026-06-23-A" in html  # the unposted departure, as a warning
    assert "2026-06" in html and "Issue numbered report" not in html  # June is still open
    assert "<svg" in html and "<script" not in html


def test_preview_of_a_closed_period_offers_issuing_to_the_accountant(client, auth, season, build):
    season.close_june()
    build.partner(name="Tejiendo Futuro")
    auth.login_as(Role.ACCOUNTANT)
    html = client.get("/impact/preview", query_string=JUNE).get_data(as_text=True)
    assert "Issue numbered report" in html and "Tejiendo Futuro" in html


def test_reversed_dates_are_refused_with_a_message(client, auth, db_session):
    auth.login_as(Role.MANAGER)
    page = client.get("/impact/preview", query_string={**JUNE, "start": "2026-06-30", "end": "2026-06-01"})
    assert page.status_code == 400
    assert "The period ends before it starts" in page.get_data(as_text=True)
    assert client.get("/impact/draft.pdf", query_string={**JUNE, "end": "not a date"}).status_code == 400


def test_an_empty_period_previews_as_no_treks(client, auth, db_session):
    auth.login_as(Role.MANAGER)
    page = client.get("/impact/preview", query_string={**JUNE, "start": "2019-01-01", "end": "2019-01-31"})
    assert page.status_code == 200 and "No treks in this period" in page.get_data(as_text=True)


def test_draft_pdf_download_is_watermarked(client, auth, season):
    auth.login_as(Role.ACCOUNTANT)
    response = client.get("/impact/draft.pdf", query_string={**JUNE, "lang": "es"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "BORRADOR" in text and "Huacahuasi" in text


def test_accountant_issues_through_the_form(client, auth, season, build):
    season.close_june()
    partner = build.partner(name="Tejiendo Futuro")
    auth.login_as(Role.ACCOUNTANT)
    response = client.post("/impact/issue", data={**JUNE, "communities": ["huacahuasi"], "partner_id": partner.id})
    assert response.status_code == 302 and "/impact/reports/" in response.headers["Location"]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "IMP-" in detail and "Tejiendo Futuro" in detail and "Huacahuasi" in detail


def test_issuing_an_open_period_through_the_form_is_refused(client, auth, season, build):
    partner = build.partner(name="Tejiendo Futuro")
    auth.login_as(Role.ACCOUNTANT)
    response = client.post("/impact/issue", data={**JUNE, "partner_id": partner.id}, follow_redirects=True)
    assert "Only closed months can be issued. Still open: 2026-06." in response.get_data(as_text=True)


def test_managers_read_but_do_not_issue(client, auth, season, build):
    partner = build.partner()
    auth.login_as(Role.MANAGER)
    assert client.post("/impact/issue", data={**JUNE, "partner_id": partner.id}).status_code == 403


def test_partner_lands_on_its_reports_and_sees_only_its_own(client, auth, two_partners):
    ours, ours_report, theirs_report = two_partners
    auth.login_as(Role.PARTNER, partner=ours)
    for landing in ("/", "/impact/reports"):  # its start page is its organisation's reports
        html = client.get(landing).get_data(as_text=True)
        assert ours_report.number in html and theirs_report.number not in html
    pdf = client.get(f"/impact/reports/{ours_report.id}/pdf")
    assert pdf.status_code == 200 and pdf.data == ours_report.pdf


def test_partner_asking_for_another_organisations_report_gets_403(client, auth, two_partners):
    ours, _, theirs_report = two_partners
    auth.login_as(Role.PARTNER, partner=ours)
    assert client.get(f"/impact/reports/{theirs_report.id}").status_code == 403
    assert client.get(f"/impact/reports/{theirs_report.id}/pdf").status_code == 403
    assert client.get("/impact/preview", query_string=JUNE).status_code == 403
    assert client.get("/partners").status_code == 403


def test_staff_see_every_issued_report(client, auth, two_partners):
    _, ours_report, theirs_report = two_partners
    auth.login_as(Role.MANAGER)
    html = client.get("/impact/reports").get_data(as_text=True)
    assert ours_report.number in html and theirs_report.number in html


def test_issued_list_runs_the_same_queries_for_3_or_30_reports(app, client, auth, build, count_queries, db_session):
    from app.impact.models import Basis, ImpactReport

    user = auth.login_as(Role.ADMIN)

    def add_reports(count: int, start: int) -> None:
        for n in range(start, start + count):
            partner = build.partner()
            db_session.add(ImpactReport(
                number=f"IMP-2026-{n:04d}", year=2026, sequence=n, partner_id=partner.id,
                period_from=date(2026, 6, 1), period_to=date(2026, 6, 30), basis=Basis.ACCRUAL,
                language="en", figures_json="{}", figures_sha256=f"{n:064x}", pdf=b"%PDF",
                pdf_sha256=f"{n + 10_000:064x}", issued_by_id=user.id))
        db_session.flush()

    add_reports(3, 1)
    with app.app_context(), count_queries() as few:
        assert client.get("/impact/reports").status_code == 200
    add_reports(27, 4)
    with app.app_context(), count_queries() as many:
        assert client.get("/impact/reports").status_code == 200
    assert len(few) == len(many)


def test_cli_writes_a_draft_pdf_and_refuses_reversed_dates(app, season, tmp_path):
    runner = app.test_cli_runner()
    target = tmp_path / "june.pdf"
    result = runner.invoke(args=["report", "impact", "--from", "2026-06-01", "--to", "2026-06-30",
                                 "--community", "huacahuasi", "--lang", "en", "--basis", "cash",
                                 "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "pages" in result.output and "unposted_departures" in result.output
    text = "".join(p.extract_text() for p in PdfReader(target).pages)
    assert "June 2026" in text and "DRAFT" in text and "Cash: what we paid" in text
    reversed_dates = runner.invoke(args=["report", "impact", "--from", "2026-06-30", "--to", "2026-06-01",
                                         "-o", str(tmp_path / "x.pdf")])
    assert reversed_dates.exit_code != 0 and "before it starts" in reversed_dates.output


def test_quick_periods_open_the_preview_keeping_the_chosen_report(client, auth, season):
    auth.login_as(Role.MANAGER)
    page = client.get("/impact", query_string={"communities": "huacahuasi", "basis": "cash", "lang": "en"})
    html = page.get_data(as_text=True)
    links = [link.replace("&amp;", "&") for link in re.findall(r'href="(/impact/preview\?[^"]+)"', html)]
    assert len(links) == 4 and "<script" not in html  # plain links: nothing for a strict CSP to block
    today = today_lima()
    last_year = f"start={today.year - 1}-01-01&end={today.year - 1}-12-31"
    assert any(last_year in link for link in links)
    for link in links:
        args = parse_qs(urlsplit(link).query)
        assert (args["communities"], args["basis"], args["lang"]) == (["huacahuasi"], ["cash"], ["en"])
        preview = client.get(link)
        assert preview.status_code == 200 and "Cash basis" in preview.get_data(as_text=True)


def test_quick_periods_leave_out_what_the_form_does_not_offer(client, auth, db_session):
    auth.login_as(Role.MANAGER)
    html = client.get("/impact", query_string={"communities": "atlantis", "basis": "barter"}).get_data(as_text=True)
    links = re.findall(r'href="(/impact/preview\?[^"]+)"', html)
    assert links and not any("atlantis" in link or "barter" in link for link in links)


def test_preview_runs_the_same_queries_for_an_empty_period_as_for_a_full_one(app, client, auth, season,
                                                                              count_queries):
    auth.login_as(Role.MANAGER)
    with app.app_context(), count_queries() as full:
        assert client.get("/impact/preview", query_string=JUNE).status_code == 200
    with app.app_context(), count_queries() as empty:
        page = client.get("/impact/preview", query_string={**JUNE, "start": "2019-01-01", "end": "2019-01-31"})
        assert "No treks in this period" in page.get_data(as_text=True)
    assert len(empty) == len(full)
