"""Registry pages: communities, homestay families, weaving associations and staff.

Every registry has list, detail, create, edit, archive and restore; families and staff also
import CSV files. The flow is shared (`pages.RegistryPages`, `pages.ImportPages`); each view
here only declares its URL and who may open it.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.accounts.roles import Role, roles_required
from app.clock import today_lima
from app.registries.forms import (
    AssociationFilterForm,
    AssociationForm,
    CommunityFilterForm,
    CommunityForm,
    FamilyFilterForm,
    FamilyForm,
    StaffFilterForm,
    StaffForm,
    gender_label,
    role_labels,
)
from app.registries.models import (
    Community,
    HomestayFamily,
    ImportKind,
    StaffMember,
    WeavingAssociation,
)
from app.registries.pages import (  # noqa: F401  (get_or_404, paginate, commit_change: shared helpers)
    ImportPages,
    RegistryPages,
    commit_change,
    get_or_404,
    paginate,
)
from app.registries.queries import (
    INSURANCE_WARNING_DAYS,
    association_list_query,
    community_list_query,
    community_members,
    family_list_query,
    staff_list_query,
)
from app.registries.services import insurance_state

blueprint = Blueprint("registries", __name__, template_folder="templates")
blueprint.add_app_template_global(gender_label)
blueprint.add_app_template_global(role_labels)
blueprint.add_app_template_global(
    lambda expiry: insurance_state(expiry, today_lima(), INSURANCE_WARNING_DAYS), "insurance_state"
)

READERS = (Role.ADMIN, Role.MANAGER, Role.ACCOUNTANT)
EDITORS = (Role.ADMIN, Role.MANAGER)

COMMUNITIES = RegistryPages(
    Community, CommunityForm, CommunityFilterForm, community_list_query,
    key="community", id_arg="community_id", new_title=_l("New community"),
    detail_context=community_members,
)
FAMILIES = RegistryPages(
    HomestayFamily, FamilyForm, FamilyFilterForm, family_list_query,
    key="family", id_arg="family_id", new_title=_l("New homestay family"),
)
ASSOCIATIONS = RegistryPages(
    WeavingAssociation, AssociationForm, AssociationFilterForm, association_list_query,
    key="association", id_arg="association_id", new_title=_l("New weaving association"),
)
STAFF = RegistryPages(
    StaffMember, StaffForm, StaffFilterForm, lambda filters: staff_list_query(filters, today_lima()),
    key="staff", id_arg="staff_id", new_title=_l("New staff member"),
    detail_context=lambda record: {"today": today_lima()},
)
FAMILY_IMPORT = ImportPages(ImportKind.FAMILIES, key="family", title=_l("Import homestay families"))
STAFF_IMPORT = ImportPages(ImportKind.STAFF, key="staff", title=_l("Import staff"))


# --- Communities -----------------------------------------------------------------------------


@blueprint.route("/communities")
@roles_required(*READERS)
def community_list():
    """Communities, searchable by name or district."""
    return COMMUNITIES.list_page()


@blueprint.route("/communities/<int:community_id>")
@roles_required(*READERS)
def community_detail(community_id: int):
    """One community, with its families and weaving associations."""
    return COMMUNITIES.detail_page(community_id)


@blueprint.route("/communities/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def community_create():
    """Add a community."""
    return COMMUNITIES.create_page()


@blueprint.route("/communities/<int:community_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def community_edit(community_id: int):
    """Edit a community's details."""
    return COMMUNITIES.edit_page(community_id)


@blueprint.route("/communities/<int:community_id>/archive", methods=["POST"])
@roles_required(*EDITORS)
def community_archive(community_id: int):
    """Archive a community (it stays readable; nothing that refers to it changes)."""
    return COMMUNITIES.archive(community_id)


@blueprint.route("/communities/<int:community_id>/restore", methods=["POST"])
@roles_required(*EDITORS)
def community_restore(community_id: int):
    """Bring an archived community back into use."""
    return COMMUNITIES.archive(community_id, restore=True)


# --- Homestay families -----------------------------------------------------------------------


@blueprint.route("/families")
@roles_required(*READERS)
def family_list():
    """Homestay families, by community, rotation and status; searchable by head or phone."""
    return FAMILIES.list_page()


@blueprint.route("/families/<int:family_id>")
@roles_required(*READERS)
def family_detail(family_id: int):
    """One homestay family."""
    return FAMILIES.detail_page(family_id)


@blueprint.route("/families/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def family_create():
    """Add a homestay family to a community in use."""
    return FAMILIES.create_page()


@blueprint.route("/families/<int:family_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def family_edit(family_id: int):
    """Edit a homestay family."""
    return FAMILIES.edit_page(family_id)


@blueprint.route("/families/<int:family_id>/archive", methods=["POST"])
@roles_required(*EDITORS)
def family_archive(family_id: int):
    """Archive a homestay family."""
    return FAMILIES.archive(family_id)


@blueprint.route("/families/<int:family_id>/restore", methods=["POST"])
@roles_required(*EDITORS)
def family_restore(family_id: int):
    """Bring an archived homestay family back."""
    return FAMILIES.archive(family_id, restore=True)


@blueprint.route("/families/import", methods=["GET", "POST"])
@roles_required(*EDITORS)
def family_import():
    """Upload a CSV of families and preview it, row errors included."""
    return FAMILY_IMPORT.upload_page()


@blueprint.route("/families/import/confirm", methods=["POST"])
@roles_required(*EDITORS)
def family_import_confirm():
    """Import every family of the previewed file, or none."""
    return FAMILY_IMPORT.confirm()


# --- Weaving associations --------------------------------------------------------------------


@blueprint.route("/weavers")
@roles_required(*READERS)
def association_list():
    """Weaving associations, by community; searchable by name or contact."""
    return ASSOCIATIONS.list_page()


@blueprint.route("/weavers/<int:association_id>")
@roles_required(*READERS)
def association_detail(association_id: int):
    """One weaving association."""
    return ASSOCIATIONS.detail_page(association_id)


@blueprint.route("/weavers/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def association_create():
    """Add a weaving association."""
    return ASSOCIATIONS.create_page()


@blueprint.route("/weavers/<int:association_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def association_edit(association_id: int):
    """Edit a weaving association."""
    return ASSOCIATIONS.edit_page(association_id)


@blueprint.route("/weavers/<int:association_id>/archive", methods=["POST"])
@roles_required(*EDITORS)
def association_archive(association_id: int):
    """Archive a weaving association."""
    return ASSOCIATIONS.archive(association_id)


@blueprint.route("/weavers/<int:association_id>/restore", methods=["POST"])
@roles_required(*EDITORS)
def association_restore(association_id: int):
    """Bring an archived weaving association back."""
    return ASSOCIATIONS.archive(association_id, restore=True)


# --- Staff -----------------------------------------------------------------------------------


@blueprint.route("/staff")
@roles_required(*READERS)
def staff_list():
    """Porters, arrieros, cooks and guides, by role, community and insurance."""
    return STAFF.list_page()


@blueprint.route("/staff/<int:staff_id>")
@roles_required(*READERS)
def staff_detail(staff_id: int):
    """One staff member."""
    return STAFF.detail_page(staff_id)


@blueprint.route("/staff/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def staff_create():
    """Add a staff member (porters must be 18 or older)."""
    return STAFF.create_page()


@blueprint.route("/staff/<int:staff_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def staff_edit(staff_id: int):
    """Edit a staff member."""
    return STAFF.edit_page(staff_id)


@blueprint.route("/staff/<int:staff_id>/archive", methods=["POST"])
@roles_required(*EDITORS)
def staff_archive(staff_id: int):
    """Archive a staff member."""
    return STAFF.archive(staff_id)


@blueprint.route("/staff/<int:staff_id>/restore", methods=["POST"])
@roles_required(*EDITORS)
def staff_restore(staff_id: int):
    """Bring an archived staff member back."""
    return STAFF.archive(staff_id, restore=True)


@blueprint.route("/staff/import", methods=["GET", "POST"])
@roles_required(*EDITORS)
def staff_import():
    """Upload a CSV of staff and preview it, row errors included."""
    return STAFF_IMPORT.upload_page()


@blueprint.route("/staff/import/confirm", methods=["POST"])
@roles_required(*EDITORS)
def staff_import_confirm():
    """Import every staff member of the previewed file, or none."""
    return STAFF_IMPORT.confirm()
