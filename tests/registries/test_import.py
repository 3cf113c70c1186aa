"""CSV import of families and staff: preview with row errors first, then all rows or none."""

from __future__ import annotations

import codecs
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.roles import Role
from app.audit.models import AuditEvent
from app.registries.importer import preview_batch, preview_file, stage_import
from app.registries.models import (
    Gender,
    HomestayFamily,
    ImportBatch,
    ImportKind,
    PaymentMethod,
    StaffMember,
    StaffRole,
    StaffRoleLink,
)
from app.registries.services import RegistryError, create_record, create_records

DATA = Path(__file__).parent / "data"
FAMILIES_ES = (DATA / "familias_es.csv").read_bytes()
STAFF_EN = (DATA / "staff_en.csv").read_bytes()


def count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def upload(client, url: str, content: bytes, filename: str = "file.csv"):
    return client.post(url, data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def token_of(response) -> str:
    html = response.get_data(as_text=True)
    start = html.index('name="token"')
    return html[start:].split('value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def communities(build):
    return {name: build.community(name=name) for name in ("Huacahuasi", "Choquecancha")}


def test_spanish_semicolon_file_is_previewed_then_imported_whole(client, manager, communities, db_session):
    preview = upload(client, "/families/import", FAMILIES_ES, "familias.csv")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Juana Ñaupa Quispe" in html and "Import all 3 rows" in html
    assert "UTF-8" in html and "“;”" in html
    assert count(db_session, HomestayFamily) == 0  # nothing written before the confirmation

    response = client.post("/families/import/confirm", data={"token": token_of(preview)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/families")
    families = {family.household_head: family for family in db_session.scalars(select(HomestayFamily))}
    assert set(families) == {"Juana Ñaupa Quispe", "Mariano Huillca Condori", "Martina Cusihuamán Puma"}
    mariano = families["Mariano Huillca Condori"]
    assert mariano.community == communities["Huacahuasi"] and mariano.payment_method == PaymentMethod.YAPE
    martina = families["Martina Cusihuamán Puma"]
    assert martina.active is False and martina.bank_account == "00412345678901" and martina.beds == 5
    assert families["Juana Ñaupa Quispe"].notes == "Cocina con leña, baño seco"

    creates = db_session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "homestay_families", AuditEvent.action == "create")).all()
    assert len(creates) == 3 and {event.actor_id for event in creates} == {manager.id}
    assert all(event.reason.startswith("CSV import #") for event in creates)
    imported = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "import"))
    assert imported.actor_id == manager.id and imported.after["rows"] == 3


@pytest.mark.parametrize("encode", [
    lambda text: text.encode("latin-1"),
    lambda text: text.encode("cp1252"),
    lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    lambda text: text.replace("\n", "\r\n").encode("utf-8"),
], ids=["latin-1", "windows-1252", "utf-8-bom", "crlf"])
def test_excel_encodings_read_the_same_names(client, manager, communities, db_session, encode):
    content = encode(FAMILIES_ES.decode("utf-8"))
    preview = upload(client, "/families/import", content)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    client.post("/families/import/confirm", data={"token": token_of(preview)})
    heads = set(db_session.scalars(select(HomestayFamily.household_head)))
    assert "Juana Ñaupa Quispe" in heads and "Martina Cusihuamán Puma" in heads


def test_row_errors_are_listed_by_row_and_column_and_nothing_is_written(client, manager, communities, db_session):
    content = (
        b"community,household_head,gender,beds,payment_method,bank_account,wallet_phone\n"
        b"Huacahuasi,Rosa Layme,female,4,cash,,\n"            # row 2: fine
        b"Huacahuasi,Nilda Sutta,alien,4,cash,,\n"            # row 3: gender
        b"Huacahuasi,Sabina Puma,female,0,cash,,\n"           # row 4: beds
        b"Atlantis,Gregoria Ttito,female,3,cash,,\n"          # row 5: community
        b"Choquecancha,Hilario Apaza,male,3,bank,,\n"         # row 6: bank without account
        b"Choquecancha,Wilber Chalco,male,3,yape,,\n"         # row 7: yape without number
        b"huacahuasi,rosa layme,female,2,cash,,\n"            # row 8: same head as row 2
    )
    response = upload(client, "/families/import", content)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    rows = html.split('<tr class="problem">')[1:]
    problems = {(row.split("</td>")[0].split(">")[-1], row.split("</td>")[1].split(">")[-1]) for row in rows}
    assert problems == {("3", "gender"), ("4", "beds"), ("5", "community"), ("6", "bank_account"),
                        ("7", "wallet_phone"), ("8", "household_head")}
    assert "Unknown gender “alien”" in html and "No community is named “Atlantis”." in html
    assert "A bank transfer needs the account number." in html
    assert "The same household head and community are on row 2." in html
    assert "Nothing was imported: 6 problems." in html and "Import all" not in html
    assert count(db_session, HomestayFamily) == 0 and count(db_session, ImportBatch) == 0


def test_family_of_an_archived_community_is_refused_in_a_file(client, manager, communities, db_session):
    client.post(f"/communities/{communities['Choquecancha'].id}/archive")
    response = upload(client, "/families/import", FAMILIES_ES)
    assert response.status_code == 400
    assert "Choquecancha is archived: new records cannot join it." in response.get_data(as_text=True)
    assert count(db_session, HomestayFamily) == 0


def test_staff_file_in_english_with_both_date_formats(client, manager, communities, db_session):
    preview = upload(client, "/staff/import", STAFF_EN, "staff.csv")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert client.post("/staff/import/confirm", data={"token": token_of(preview)}).status_code == 302
    staff = {member.full_name: member for member in db_session.scalars(select(StaffMember))}
    assert staff["Santos Quispe Mamani"].roles == {StaffRole.PORTER, StaffRole.COOK}
    assert staff["Eusebio Condori Ttito"].birth_date.isoformat() == "1979-11-22"
    assert staff["Lucía Apaza Huamán"].roles == {StaffRole.COOK, StaffRole.GUIDE}
    assert staff["Lucía Apaza Huamán"].community is None


def test_staff_rows_meet_the_form_rules_dni_and_porter_age(client, manager, build, communities, db_session):
    build.staff(full_name="Faustino Mamani Sutta", dni="41234501")
    content = (
        "nombre completo;dni;fecha_de_nacimiento;roles\n"
        "Santos Quispe;41234501;12/03/1985;porteador\n"        # row 2: DNI taken
        "Américo Layme;4123450;12/03/1985;cocinero\n"          # row 3: 7 digits
        "Edwin Puma;41234510;2099-01-01;guía\n"                # row 4: born in the future
        "Leoncio Ttito;41234511;1990-01-01;piloto\n"           # row 5: unknown role
        "Cirilo Apaza;41234512;1990-01-01;porteador;cocinero\n"  # row 6: extra cell
        "Nicanor Huamán;41234513;1988-08-08;arriero\n"         # row 7: fine
        "Saturnino Chalco;41234513;1988-08-08;arriero\n"       # row 8: same DNI as row 7
    ).encode()
    html = upload(client, "/staff/import", content).get_data(as_text=True)
    assert "DNI 41234501 already belongs to Faustino Mamani Sutta." in html
    assert "A DNI has exactly 8 digits." in html
    assert "Enter a birth date in the past." in html
    assert "Unknown role “piloto”" in html
    assert "This row has 5 cells but the header has 4." in html
    assert "DNI 41234513 is also on row 7." in html
    assert count(db_session, StaffMember) == 1


def test_under_age_porter_in_a_file_is_refused_with_the_law(client, manager, db_session):
    from tests.registries.test_staff import years_ago

    content = f"full_name,dni,birth_date,roles\nYoung One,41234599,{years_ago(17).isoformat()},porter\n".encode()
    html = upload(client, "/staff/import", content).get_data(as_text=True)
    assert "Porters must be 18 or older (Ley 31614): this person is 17." in html
    assert count(db_session, StaffMember) == 0


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    (b"household_head;beds\nJuana;3\n", "The file needs a column “community”"),
    (b"community,household_head,gender,beds\n", "The file has a header but no rows."),
    (b"\x00\xff\xfe\x01garbage\x00\n\x00", "The file needs a column"),
    (b'community,household_head,gender,beds\n"Huacahuasi,Juana,female,4\n', "No community is named"),
    (b"community,comunidad,household_head,gender,beds\n", "Two columns give the same information"),
])
def test_unreadable_files_are_explained_not_crashed_on(client, manager, content, message, db_session):
    response = upload(client, "/families/import", content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(db_session, HomestayFamily) == 0


def test_too_many_rows_are_refused(app, client, manager, communities, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    response = upload(client, "/families/import", FAMILIES_ES)
    assert response.status_code == 400
    assert "The file has more than 2 rows" in response.get_data(as_text=True)


def test_upload_without_a_file_or_with_a_wrong_extension_re_renders_the_form(client, manager):
    assert client.post("/families/import", data={}).status_code == 400
    response = upload(client, "/families/import", b"x", "photo.exe")
    assert response.status_code == 400 and "Upload a .csv file." in response.get_data(as_text=True)


def test_confirmation_rechecks_the_database_all_or_nothing(client, manager, build, communities, db_session):
    preview = upload(client, "/staff/import", STAFF_EN)
    assert preview.status_code == 200
    # Between the preview and the click, someone registers the third person's DNI.
    build.staff(full_name="Someone Else", dni="41234503")
    response = client.post("/staff/import/confirm", data={"token": token_of(preview)})
    assert response.status_code == 400
    assert "DNI 41234503 already belongs to Someone Else." in response.get_data(as_text=True)
    assert count(db_session, StaffMember) == 1
    assert db_session.scalar(select(ImportBatch.imported_at)) is None


def test_a_batch_is_imported_once_and_only_by_its_uploader(client, auth, manager, communities, db_session):
    preview = upload(client, "/families/import", FAMILIES_ES)
    token = token_of(preview)
    auth.logout()
    auth.login_as(Role.ADMIN)
    response = client.post("/families/import/confirm", data={"token": token}, follow_redirects=True)
    assert "This import is unknown." in response.get_data(as_text=True)
    assert count(db_session, HomestayFamily) == 0
    auth.logout()
    client.post("/login", data={"email": manager.email, "password": "correct-horse-battery"})
    assert client.post("/families/import/confirm", data={"token": token}).status_code == 302
    again = client.post("/families/import/confirm", data={"token": token}, follow_redirects=True)
    assert "This file has already been imported." in again.get_data(as_text=True)
    assert count(db_session, HomestayFamily) == 3
    assert client.post("/families/import/confirm", data={"token": "x" * 500}).status_code == 302


def test_each_row_is_read_on_its_own_nothing_carries_over_from_the_row_above(client, manager, communities,
                                                                           db_session):
    content = (
        "community;household_head;gender;beds;phone;payment_method;bank_account;wallet_phone;active;notes\n"
        "Huacahuasi;Rosa Layme;female;4;984111222;yape;;912345678;no;Baño seco\n"
        "Huacahuasi;Nilda Sutta;female;2;;;;;;\n"
        "Choquecancha;Hilario Apaza;male;3;;banco;;;;\n"          # row 4: the account is missing
        "Choquecancha;Wilber Chalco;male;3;;banco;00412345678901;;;\n"
        "Choquecancha;Edwin Puma;male;3;;yape;;;;\n"              # row 6: the number is missing
    ).encode()
    refused = upload(client, "/families/import", content).get_data(as_text=True)
    assert "A bank transfer needs the account number." in refused
    assert "Yape and Plin payments need the phone number." in refused
    assert "Nothing was imported: 2 problems." in refused

    good = "\n".join(line for n, line in enumerate(content.decode().splitlines()) if n not in (3, 5))
    preview = upload(client, "/families/import", good.encode())
    assert preview.status_code == 200, preview.get_data(as_text=True)
    client.post("/families/import/confirm", data={"token": token_of(preview)})
    families = {family.household_head: family for family in db_session.scalars(select(HomestayFamily))}
    nilda = families["Nilda Sutta"]
    assert (nilda.phone, nilda.wallet_phone, nilda.notes, nilda.active, nilda.payment_method) == (
        None, None, None, True, PaymentMethod.CASH)
    assert families["Wilber Chalco"].bank_account == "00412345678901"
    assert families["Rosa Layme"].active is False and families["Rosa Layme"].notes == "Baño seco"


@pytest.mark.parametrize("kind, content", [(ImportKind.FAMILIES, FAMILIES_ES), (ImportKind.STAFF, STAFF_EN)])
def test_a_staged_file_is_confirmed_with_the_values_its_preview_showed(ctx, communities, kind, content):
    preview = preview_file(kind, content, "file.csv", max_rows=10)
    assert preview.ok, preview.errors
    batch = stage_import(preview, None)
    assert preview_batch(batch).values == preview.values


def test_a_batch_staged_before_values_were_kept_is_checked_whole(ctx, communities, db_session):
    preview = preview_file(ImportKind.STAFF, STAFF_EN, "staff.csv", max_rows=10)
    batch = stage_import(preview, None)
    batch.content = {**batch.content, "rows": [{"row": row["row"], "cells": row["cells"]}
                                               for row in batch.content["rows"]]}
    db_session.flush()
    assert preview_batch(batch).values == preview.values


@pytest.mark.parametrize("language, upload_note, import_note", [
    ("en", "takes a few seconds: click “Check the file” once and wait for the preview.",
     "Importing several thousand rows takes a few seconds: click once and wait."),
    ("es", "toma unos segundos: haga clic en «Revisar el archivo» una sola vez y espere la vista previa.",
     "Importar varios miles de filas toma unos segundos: haga clic una sola vez y espere."),
])
def test_the_pages_say_a_large_file_takes_a_few_seconds(client, auth, communities, language, upload_note,
                                                       import_note):
    auth.login_as(Role.MANAGER, language=language)
    assert upload_note in client.get("/families/import").get_data(as_text=True)
    preview = upload(client, "/families/import", FAMILIES_ES)
    assert preview.status_code == 200 and import_note in preview.get_data(as_text=True)


# --- The same importer on the command line ---------------------------------------------------


def run_cli(app, *args):
    return app.test_cli_runner().invoke(args=["import", *args])


def test_cli_imports_a_good_file(app, communities, db_session, tmp_path):
    path = tmp_path / "familias.csv"
    path.write_bytes(FAMILIES_ES)
    result = run_cli(app, "families", str(path))
    assert result.exit_code == 0, result.output
    assert "Imported 3 families" in result.output
    assert count(db_session, HomestayFamily) == 3
    imported = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "import"))
    assert imported.actor_id is None and "command line" in imported.reason


def test_cli_dry_run_writes_nothing(app, communities, db_session, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(STAFF_EN)
    result = run_cli(app, "staff", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "3 rows checked" in result.output
    assert count(db_session, StaffMember) == 0


def test_cli_prints_row_errors_and_exits_non_zero_writing_nothing(app, communities, db_session, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(STAFF_EN + b"Bad Row,123,1990-01-01,male,,,,,,porter,cash,\n")
    result = run_cli(app, "staff", str(path))
    assert result.exit_code == 1
    assert "row 5, dni: A DNI has exactly 8 digits." in result.output
    assert count(db_session, StaffMember) == 0
    spanish = run_cli(app, "staff", str(path), "--language", "es")
    assert spanish.exit_code == 1 and "El DNI tiene exactamente 8 dígitos." in spanish.output


def test_staff_file_with_only_the_required_spanish_columns(client, manager, db_session):
    content = ("Nombre completo;DNI;Fecha de nacimiento;Funciones\n"
               "Américo Ñaupa Huillca;41234520;05/06/1980;\"porteador;cocinero\"\n"
               "Gregoria Ttito;41234521;1975-12-01;cocinera\n").encode("latin-1")
    preview = upload(client, "/staff/import", content)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    client.post("/staff/import/confirm", data={"token": token_of(preview)})
    staff = {member.full_name: member for member in db_session.scalars(select(StaffMember))}
    assert staff["Américo Ñaupa Huillca"].roles == {StaffRole.PORTER, StaffRole.COOK}
    assert staff["Gregoria Ttito"].gender is None and staff["Gregoria Ttito"].community is None
    assert staff["Gregoria Ttito"].payment_method == PaymentMethod.CASH


# --- Cost: the database work does not grow with the file --------------------------------------


def families_file(rows: int, first: int) -> bytes:
    """`rows` distinct families over two communities, numbered from `first`."""
    lines = ["Comunidad;Jefe de hogar;Género;Camas;Medio de pago;Número Yape/Plin"]
    lines += [f"{('Huacahuasi', 'Choquecancha')[n % 2]};Nilda Ñaupa Cusihuamán {n};mujer;3;yape;9{n:08d}"
              for n in range(first, first + rows)]
    return "\n".join(lines).encode()


def staff_file(rows: int, first: int) -> bytes:
    """`rows` distinct staff members (DNIs from `first`), some from a community, some porters."""
    lines = ["full_name,dni,birth_date,community,roles"]
    lines += [f"Américo Ñahui {n},{45000000 + n:08d},1990-01-01,{('Huacahuasi', '')[n % 2]},"
              f"{('porter;cook', 'guide')[n % 2]}" for n in range(first, first + rows)]
    return "\n".join(lines).encode()


@pytest.mark.parametrize("kind, make_file", [("families", families_file), ("staff", staff_file)])
def test_a_file_of_200_rows_costs_as_many_queries_as_one_of_10(client, manager, build, communities,
                                                             db_session, count_queries, kind, make_file):
    build.family(community=communities["Huacahuasi"], household_head="Juana Quispe")
    build.staff(full_name="Faustino Mamani Sutta", dni="41234501")

    def statements_for(content: bytes) -> tuple[int, int]:
        with client.application.app_context(), count_queries() as preview:
            response = upload(client, f"/{kind}/import", content)
        assert response.status_code == 200, response.get_data(as_text=True)
        with client.application.app_context(), count_queries() as confirm:
            assert client.post(f"/{kind}/import/confirm", data={"token": token_of(response)}).status_code == 302
        return len(preview), len(confirm)

    model = HomestayFamily if kind == "families" else StaffMember
    few = statements_for(make_file(10, first=0))
    many = statements_for(make_file(200, first=10))
    assert count(db_session, model) == 1 + 10 + 200
    assert many == few



# --- The bulk write behind "import all" ------------------------------------------------------


def staff_values(dni: str, name: str, roles=(StaffRole.PORTER,)) -> dict:
    """What the staff form gives for a person with only the required fields."""
    return {"full_name": name, "dni": dni, "birth_date": date(1985, 3, 12), "gender": None,
            "community_id": None, "phone": None, "emergency_contact_name": None,
            "emergency_contact_phone": None, "insurance_expiry": None, "roles": set(roles),
            "notes": None, "payment_method": PaymentMethod.CASH, "bank_name": None,
            "bank_account": None, "wallet_phone": None}


def test_a_bulk_creation_is_audited_as_a_one_by_one_creation_would_be(ctx, db_session):
    one = create_record(StaffMember, staff_values("41234560", "Uno Quispe"), None, reason="by hand")
    two, three = create_records(StaffMember, [staff_values("41234561", "Dos Ñaupa", (StaffRole.COOK, StaffRole.PORTER)),
                                              staff_values("41234562", "Tres Huamán")], None, reason="by hand")
    events = {event.entity_id: event for event in db_session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "staff_members"))}
    assert set(events) == {one.id, two.id, three.id}

    def shape(event) -> tuple:
        after = {key: value for key, value in event.after.items() if key not in ("id", "dni", "full_name", "created_at")}
        return event.action, event.actor_id, event.before, event.reason, after

    assert shape(events[three.id]) == shape(events[one.id])
    assert events[two.id].after["roles"] == ["cook", "porter"] and events[two.id].summary == "Dos Ñaupa"
    assert events[two.id].after["id"] == two.id and events[two.id].after["dni"] == "41234561"
    assert two.roles == {StaffRole.COOK, StaffRole.PORTER}


def test_a_bulk_creation_checks_each_record_against_the_ones_before_it(ctx, db_session):
    with pytest.raises(RegistryError, match="DNI 41234570 already belongs to Dos Ñaupa"):
        create_records(StaffMember, [staff_values("41234570", "Dos Ñaupa"),
                                     staff_values("41234570", "Tres Huamán")], None)
    assert count(db_session, StaffMember) == 0


def test_a_bulk_write_the_database_refuses_keeps_nothing(ctx, db_session):
    batch = [staff_values("41234580", "Dos Ñaupa"), staff_values("4123", "Short Dni")]  # CHECK length(dni) = 8
    with pytest.raises(RegistryError, match="This conflicts with an existing record"):
        create_records(StaffMember, batch, None)
    assert count(db_session, StaffMember) == 0 and count(db_session, AuditEvent) == 0
    assert count(db_session, StaffRoleLink) == 0


def test_the_new_families_are_told_apart_from_an_older_one_with_the_same_head(ctx, build, communities):
    huacahuasi, choquecancha = communities["Huacahuasi"], communities["Choquecancha"]
    older = build.family(community=huacahuasi, household_head="Rosa Layme")

    def family(community, head) -> dict:
        return {"community_id": community.id, "household_head": head, "host_gender": Gender.FEMALE,
                "beds": 3, "phone": None, "active": True, "notes": None,
                "payment_method": PaymentMethod.CASH, "bank_name": None, "bank_account": None,
                "wallet_phone": None}

    rosa, nilda = create_records(HomestayFamily, [family(choquecancha, "Rosa Layme"),
                                                  family(huacahuasi, "Nilda Sutta")], None)
    assert older.id not in (rosa.id, nilda.id)
    assert (rosa.community_id, rosa.household_head) == (choquecancha.id, "Rosa Layme")
    assert (nilda.community_id, nilda.household_head) == (huacahuasi.id, "Nilda Sutta")
