"""Operations pages: routes, departures, staff, homestays, workshops, season views, parameters.

Views are thin: parse the form, call one service, commit, flash, redirect. A refused change
shows the service's message (on the field at fault when there is one) and writes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.accounts.roles import Role, roles_required
from app.audit.services import record_change, snapshot
from app.clock import today_lima
from app.extensions import db
from app.money import MoneyError, to_money
from app.operations import forms as f
from app.operations import services
from app.operations.errors import DepartureNotReady, OperationsError
from app.operations.manifest import manifest_data, render_manifest_pdf
from app.operations.models import (
    MAX_ROUTE_DAYS,
    Activity,
    Departure,
    DepartureStatus,
    LoadLimit,
    NightKind,
    Route,
    RouteDay,
    RouteDayActivity,
    StaffAssignment,
    Traveller,
    UitValue,
    WorkshopBooking,
    format_kg,
)
from app.operations.parameters import ParameterBook, save_load_limit, save_uit
from app.operations.queries import (
    dashboard_page,
    departures_query,
    full_departure_options,
    month_bounds,
    month_calendar,
)
from app.operations.readiness import (
    departure_gaps,
    guests_placed,
    homestay_nights,
    porters_needed,
    welfare_items,
)
from app.operations.rotation import (
    accept_suggestions,
    allocate_night,
    community_fairness,
    family_standings,
    suggest_night,
)
from app.registries.models import (
    Community,
    HomestayFamily,
    StaffMember,
    StaffRole,
    WeavingAssociation,
)
from app.registries.routes import commit_change, get_or_404, paginate
from app.registries.services import RegistryError, archive_record, restore_record

blueprint = Blueprint("operations", __name__, template_folder="templates")

READERS = (Role.ADMIN, Role.MANAGER, Role.ACCOUNTANT)
EDITORS = (Role.ADMIN, Role.MANAGER)
ADMINS = (Role.ADMIN,)


@blueprint.app_context_processor
def labels() -> dict:
    """Status, role, night and activity names in the user's language (the home page shows the dashboard too)."""
    return {"status_labels": f.STATUS_LABELS, "staff_role_names": f.ROLE_LABELS,
            "night_labels": f.NIGHT_KIND_LABELS, "activity_labels": f.ACTIVITY_LABELS, "kg": format_kg}


def refused(exc: OperationsError, form=None) -> None:
    """Show a refusal on the form field at fault, or as a flashed message."""
    field = getattr(form, exc.field, None) if form is not None and exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        flash(str(exc), "error")
    db.session.rollback()


def form_page(form, title: str, cancel_url: str, status_ok: int = 200, **extra):
    """The generic form page; 400 when the form carries errors."""
    failed = bool(form.errors) or any(field.errors for field in form)
    return render_template("operations/form.html", form=form, title=title, cancel_url=cancel_url,
                           **extra), (400 if failed or request.method == "POST" else status_ok)


def departure_of(departure_id: int) -> Departure:
    """The departure with everything its pages read, or 404."""
    departure = db.session.scalar(
        select(Departure).options(*full_departure_options()).where(Departure.id == departure_id)
    )
    if departure is None:
        abort(404)
    return departure


def child_of(model, record_id: int, departure: Departure):
    """A record that must belong to `departure`, or 404."""
    record = get_or_404(model, record_id)
    if record.departure_id != departure.id:
        abort(404)
    return record


def to_detail(departure: Departure, anchor: str = ""):
    """Back to the departure page (at a section)."""
    return redirect(url_for(".departure_detail", departure_id=departure.id) + (f"#{anchor}" if anchor else ""))


# --- Dashboard and season views ------------------------------------------------------------------


@blueprint.route("/operations")
@roles_required(*READERS)
def dashboard():
    """The next 14 days: departures, what each still lacks, and nightly headcounts."""
    return render_template("operations/dashboard.html", **dashboard_page(today_lima()))


@blueprint.route("/departures/calendar")
@roles_required(*READERS)
def departure_calendar():
    """A month of departures on the trail, navigable month by month."""
    filters = f.DepartureFilterForm(request.args)
    month = filters.month.data if filters.month.data and filters.validate() else None
    first, last = month_bounds(month, today_lima())
    previous_month = (first - timedelta(days=1)).strftime("%Y-%m")
    next_month = (last + timedelta(days=1)).strftime("%Y-%m")
    return render_template("operations/calendar.html", weeks=month_calendar(first, last), first=first,
                           previous_month=previous_month, next_month=next_month)


@blueprint.route("/departures")
@roles_required(*READERS)
def departure_list():
    """Departures, filtered by status, route and month."""
    filters = f.DepartureFilterForm(request.args)
    filters.route.choices = [SelectChoice("", _("Any")), *route_choices(include_archived=True)]
    valid = filters.validate()
    month = month_bounds(filters.month.data, today_lima()) if valid and filters.month.data else None
    status = filters.status.data if filters.status.data in {s.value for s in DepartureStatus} else None
    query = departures_query(status, filters.route.data if valid else None, month)
    return render_template("operations/departure_list.html", page=paginate(query), filters=filters)


# --- Routes (itineraries) ------------------------------------------------------------------------


def route_choices(include_archived: bool = False) -> list[SelectChoice]:
    """Routes for a select."""
    query = select(Route).order_by(Route.name)
    if not include_archived:
        query = query.where(Route.archived_at.is_(None))
    return [SelectChoice(str(route.id), route.name) for route in db.session.scalars(query)]


def community_choices() -> list[SelectChoice]:
    """Communities in use, for a select with a blank first."""
    communities = db.session.scalars(select(Community).where(Community.archived_at.is_(None)).order_by(Community.name))
    return [SelectChoice("", "—"), *(SelectChoice(str(c.id), c.name) for c in communities)]


@blueprint.route("/routes")
@roles_required(*READERS)
def route_list():
    """The itineraries the operator sells."""
    routes = db.session.scalars(select(Route).order_by(Route.archived_at.is_not(None), Route.name)).all()
    return render_template("operations/route_list.html", routes=routes)


@blueprint.route("/routes/<int:route_id>")
@roles_required(*READERS)
def route_detail(route_id: int):
    """A route's days: walks, activities and where each night is spent."""
    route = get_or_404(Route, route_id)
    in_use = route_in_use(route)
    return render_template("operations/route_detail.html", route=route, in_use=in_use)


def route_in_use(route: Route) -> bool:
    """True when a live departure follows the route (its days can no longer change)."""
    return db.session.scalar(select(Departure.id).where(
        Departure.route_id == route.id, Departure.status != DepartureStatus.CANCELLED).limit(1)) is not None


@blueprint.route("/routes/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def route_create():
    """Add a route; its days are added next."""
    form = f.RouteForm()
    if form.validate_on_submit():
        if db.session.scalar(select(Route.id).where((Route.code == form.code.data) | (Route.name == form.name.data))):
            form.code.errors.append(_("A route with this code or name already exists."))
        else:
            route = Route(code=form.code.data, name=form.name.data, description=form.description.data)
            db.session.add(route)
            record_change(current_user.id, "create", route, summary=route.name)
            commit_change(_("Route %(name)s added. Now add its days.", name=route.name))
            return redirect(url_for(".route_detail", route_id=route.id))
    return form_page(form, _("New route"), url_for(".route_list"))


@blueprint.route("/routes/<int:route_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def route_edit(route_id: int):
    """Rename or describe a route."""
    route = get_or_404(Route, route_id)
    form = f.RouteForm(obj=route)
    if form.validate_on_submit():
        clash = db.session.scalar(select(Route.id).where(
            (Route.code == form.code.data) | (Route.name == form.name.data), Route.id != route.id))
        if clash:
            form.code.errors.append(_("A route with this code or name already exists."))
        elif form.code.data != route.code and route_in_use(route):
            form.code.errors.append(_("Departures already carry this code; it cannot change."))
        else:
            before = snapshot(route)
            form.populate_obj(route)
            record_change(current_user.id, "update", route, before=before, summary=route.name)
            commit_change(_("Route %(name)s saved.", name=route.name))
            return redirect(url_for(".route_detail", route_id=route.id))
    return form_page(form, _("Edit %(name)s", name=route.name), url_for(".route_detail", route_id=route.id))


@blueprint.route("/routes/<int:route_id>/archive", methods=["POST"])
@roles_required(*EDITORS)
def route_archive(route_id: int):
    """Archive a route: no new departures on it; past ones stay readable."""
    route = get_or_404(Route, route_id)
    try:
        (restore_record if route.is_archived else archive_record)(route, current_user.id)
    except RegistryError as exc:
        flash(str(exc), "error")
    else:
        commit_change(_("Route %(name)s saved.", name=route.name))
    return redirect(url_for(".route_detail", route_id=route.id))


def _day_form_choices(form: f.RouteDayForm) -> None:
    form.night_community_id.choices = community_choices()
    form.activity_community_id.choices = community_choices()


def _refuse_if_in_use(route: Route, form: f.RouteDayForm) -> bool:
    """True (and the reason on the form) when departures already follow the route."""
    if route_in_use(route):
        form.form_errors.append(_("Departures follow this route; its days can no longer change. Create a new route instead."))
        return True
    return False


def _refuse_if_full(route: Route, form: f.RouteDayForm) -> bool:
    """True (and the reason on the form) when the route has as many days as a route may."""
    if route.length_days >= MAX_ROUTE_DAYS:
        form.form_errors.append(_("A route has at most %(count)d days.", count=MAX_ROUTE_DAYS))
        return True
    return False


def _apply_day(day: RouteDay, form: f.RouteDayForm) -> None:
    day.title = form.title.data
    day.description = form.description.data
    day.walking_hours = form.walking_hours.data
    day.night_kind = NightKind(form.night_kind.data)
    day.night_community_id = form.night_community_id.data
    located = {Activity.HOT_SPRINGS, Activity.WEAVING_WORKSHOP}
    day.activities = [
        RouteDayActivity(activity=Activity(value),
                         community_id=form.activity_community_id.data if Activity(value) in located else None)
        for value in form.activities.data
    ]


@blueprint.route("/routes/<int:route_id>/days/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def route_day_add(route_id: int):
    """Add the next day to a route."""
    route = get_or_404(Route, route_id)
    form = f.RouteDayForm()
    _day_form_choices(form)
    if form.validate_on_submit() and not _refuse_if_in_use(route, form) and not _refuse_if_full(route, form):
        day = RouteDay(day_number=route.length_days + 1 if route.days else 1)
        _apply_day(day, form)
        route.days.append(day)
        record_change(current_user.id, "create", day, summary=f"{route.name}: {day.day_number}")
        commit_change(_("Day %(number)d added.", number=day.day_number))
        return redirect(url_for(".route_detail", route_id=route.id))
    return form_page(form, _("New day of %(name)s", name=route.name), url_for(".route_detail", route_id=route.id),
                     hint=_("Departures follow this route; its days can no longer change. Create a new route instead.") if route_in_use(route) else None)


@blueprint.route("/routes/<int:route_id>/days/<int:route_day_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def route_day_edit(route_id: int, route_day_id: int):
    """Change a day of a route not yet used by a departure."""
    route = get_or_404(Route, route_id)
    day = get_or_404(RouteDay, route_day_id)
    if day.route_id != route.id:
        abort(404)
    form = f.RouteDayForm(obj=day)
    _day_form_choices(form)
    if request.method == "GET":
        form.night_kind.data = day.night_kind.value
        form.activities.data = [a.activity.value for a in day.activities]
        form.activity_community_id.data = next((a.community_id for a in day.activities if a.community_id), None)
    if form.validate_on_submit() and not _refuse_if_in_use(route, form):
        before = snapshot(day)
        _apply_day(day, form)
        record_change(current_user.id, "update", day, before=before, summary=f"{route.name}: {day.day_number}")
        commit_change(_("Day %(number)d saved.", number=day.day_number))
        return redirect(url_for(".route_detail", route_id=route.id))
    return form_page(form, _("Day %(number)d of %(name)s", number=day.day_number, name=route.name),
                     url_for(".route_detail", route_id=route.id))


@blueprint.route("/routes/<int:route_id>/days/<int:route_day_id>/remove", methods=["POST"])
@roles_required(*EDITORS)
def route_day_remove(route_id: int, route_day_id: int):
    """Remove the last day of a route not yet used by a departure."""
    route = get_or_404(Route, route_id)
    day = get_or_404(RouteDay, route_day_id)
    if day.route_id != route.id:
        abort(404)
    if route_in_use(route):
        flash(_("Departures follow this route; its days can no longer change. Create a new route instead."), "error")
    elif day.day_number != route.length_days:
        flash(_("Only the last day can be removed."), "error")
    else:
        record_change(current_user.id, "delete", day, before=snapshot(day), after=None,
                      summary=f"{route.name}: {day.day_number}")
        route.days.remove(day)
        commit_change(_("Day %(number)d removed.", number=day.day_number))
    return redirect(url_for(".route_detail", route_id=route.id))


# --- Departures ----------------------------------------------------------------------------------


def guide_choices() -> list[SelectChoice]:
    """Guides in use, blank first."""
    guides = [s for s in db.session.scalars(select(StaffMember).where(StaffMember.archived_at.is_(None))
                                             .order_by(StaffMember.full_name))
              if StaffRole.GUIDE in s.roles]
    return [SelectChoice("", "—"), *(SelectChoice(str(s.id), s.full_name) for s in guides)]


def _departure_form(departure: Departure | None = None) -> f.DepartureForm:
    form = f.DepartureForm(obj=departure)
    form.route_id.choices = route_choices(include_archived=departure is not None)
    form.guide_id.choices = guide_choices()
    return form


def _plan(form: f.DepartureForm) -> services.DeparturePlan:
    return services.DeparturePlan(
        route=db.session.get(Route, form.route_id.data), start_date=form.start_date.data,
        price_per_traveller_usd=form.price_per_traveller_usd.data, group_min=form.group_min.data,
        group_max=form.group_max.data,
        guide=db.session.get(StaffMember, form.guide_id.data) if form.guide_id.data else None,
        notes=form.notes.data,
    )


@blueprint.route("/departures/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def departure_create():
    """Plan a new departure (a draft)."""
    form = _departure_form()
    if form.validate_on_submit():
        try:
            departure = services.create_departure(_plan(form), current_user.id, today_lima())
        except OperationsError as exc:
            refused(exc, form)
        else:
            commit_change(_("Departure %(code)s planned.", code=departure.code))
            return to_detail(departure)
    return form_page(form, _("New departure"), url_for(".departure_list"))


@blueprint.route("/departures/<int:departure_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def departure_edit(departure_id: int):
    """Change a departure's plan (audited)."""
    departure = departure_of(departure_id)
    form = _departure_form(departure)
    if form.validate_on_submit():
        try:
            services.update_departure(departure, _plan(form), current_user.id, today_lima())
        except OperationsError as exc:
            refused(exc, form)
        else:
            commit_change(_("Departure %(code)s saved.", code=departure.code))
            return to_detail(departure)
    return form_page(form, _("Edit %(name)s", name=departure.code), url_for(".departure_detail", departure_id=departure.id))


@blueprint.route("/departures/<int:departure_id>")
@roles_required(*READERS)
def departure_detail(departure_id: int):
    """Everything about one departure, and what it still lacks."""
    departure = departure_of(departure_id)
    book = ParameterBook.load()
    limit = book.load_limit_on(departure.start_date)
    gaps = departure_gaps(departure, book) if departure.status == DepartureStatus.DRAFT else []
    return render_template(
        "operations/departure_detail.html", departure=departure, gaps=gaps,
        transitions=services.TRANSITIONS[departure.status], status_form=f.StatusForm(),
        load_limit=limit, porters_needed=porters_needed(departure.company_load_kg, limit),
        wage_floor=book.wage_floor(departure.start_date.year), nights=homestay_nights(departure),
        guests_placed=guests_placed, welfare=welfare_items(departure),
    )


@blueprint.route("/departures/<int:departure_id>/status", methods=["POST"])
@roles_required(*EDITORS)
def departure_status(departure_id: int):
    """Move a departure along draft → confirmed → in progress → completed, or cancel it."""
    departure = departure_of(departure_id)
    form = f.StatusForm()
    if not form.validate_on_submit() or form.target.data not in {s.value for s in DepartureStatus}:
        flash(_("Choose a status."), "error")
        return to_detail(departure)
    target = DepartureStatus(form.target.data)
    try:
        services.change_status(departure, target, current_user.id, today_lima(), form.reason.data)
    except DepartureNotReady as exc:
        db.session.rollback()
        flash(str(exc), "error")
        for gap in exc.gaps:
            flash(gap.message, "error")
    except OperationsError as exc:
        refused(exc)
    else:
        commit_change(_("Departure %(code)s is now %(status)s.", code=departure.code,
                        status=services.status_label(target)))
        if target == DepartureStatus.COMPLETED:
            return redirect(url_for(".actuals", departure_id=departure.id))
    return to_detail(departure)


# --- Travellers ----------------------------------------------------------------------------------


@blueprint.route("/departures/<int:departure_id>/travellers/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def traveller_add(departure_id: int):
    """Add a traveller to a departure."""
    departure = departure_of(departure_id)
    form = f.TravellerForm()
    if form.validate_on_submit():
        try:
            traveller = services.add_traveller(departure, form.data, current_user.id)
        except OperationsError as exc:
            refused(exc, form)
        else:
            commit_change(_("%(name)s added.", name=traveller.full_name))
            if request.form.get("another"):
                return redirect(url_for(".traveller_add", departure_id=departure.id))
            return to_detail(departure, "travellers")
    return form_page(form, _("New traveller on %(code)s", code=departure.code),
                     url_for(".departure_detail", departure_id=departure.id), another=True)


@blueprint.route("/departures/<int:departure_id>/travellers/<int:traveller_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def traveller_edit(departure_id: int, traveller_id: int):
    """Correct a traveller's details."""
    departure = departure_of(departure_id)
    traveller = child_of(Traveller, traveller_id, departure)
    form = f.TravellerForm(obj=traveller)
    if form.validate_on_submit():
        try:
            services.update_traveller(traveller, form.data, current_user.id)
        except OperationsError as exc:
            refused(exc, form)
        else:
            commit_change(_("%(name)s saved.", name=traveller.full_name))
            return to_detail(departure, "travellers")
    return form_page(form, _("Edit %(name)s", name=traveller.full_name),
                     url_for(".departure_detail", departure_id=departure.id))


@blueprint.route("/departures/<int:departure_id>/travellers/<int:traveller_id>/remove", methods=["POST"])
@roles_required(*EDITORS)
def traveller_remove(departure_id: int, traveller_id: int):
    """Take a traveller off the group."""
    departure = departure_of(departure_id)
    traveller = child_of(Traveller, traveller_id, departure)
    name = traveller.full_name
    try:
        services.remove_traveller(traveller, current_user.id)
    except OperationsError as exc:
        refused(exc)
    else:
        commit_change(_("%(name)s removed.", name=name))
    return to_detail(departure, "travellers")


# --- Staff ---------------------------------------------------------------------------------------


def staff_choices() -> list[SelectChoice]:
    """Staff in use, with their jobs, for the assignment form."""
    staff = db.session.scalars(select(StaffMember).where(StaffMember.archived_at.is_(None))
                               .order_by(StaffMember.full_name))
    return [SelectChoice(str(s.id), f"{s.full_name} ({', '.join(str(f.ROLE_LABELS[r]) for r in sorted(s.roles, key=lambda r: r.value))})")
            for s in staff]


@blueprint.route("/departures/<int:departure_id>/staff/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def staff_assign(departure_id: int):
    """Assign a porter, arriero, cook or guide."""
    departure = departure_of(departure_id)
    form = f.AssignmentForm()
    form.staff_member_id.choices = staff_choices()
    if request.method == "GET" and request.args.get("role") in {r.value for r in StaffRole}:
        form.role.data = request.args["role"]
    if form.validate_on_submit():
        staff = db.session.get(StaffMember, form.staff_member_id.data)
        try:
            services.assign_staff(departure, staff, StaffRole(form.role.data), current_user.id,
                                  daily_wage=form.daily_wage.data, mules=form.mules.data or 0,
                                  planned_days=form.planned_days.data)
        except OperationsError as exc:
            refused(exc, form)
        else:
            commit_change(_("%(name)s assigned.", name=staff.full_name))
            if request.form.get("another"):
                return redirect(url_for(".staff_assign", departure_id=departure.id, role=form.role.data))
            return to_detail(departure, "staff")
    floor = ParameterBook.load().wage_floor(departure.start_date.year)
    return form_page(form, _("Assign staff to %(code)s", code=departure.code),
                     url_for(".departure_detail", departure_id=departure.id), another=True,
                     hint=_("Porters' wage floor in %(year)s: %(floor)s a day.", year=departure.start_date.year,
                            floor=floor) if floor else _("Enter the UIT for %(year)s first: the porters' wage floor is 3%% of it.",
                                                         year=departure.start_date.year))


@blueprint.route("/departures/<int:departure_id>/staff/<int:assignment_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def staff_edit(departure_id: int, assignment_id: int):
    """Change an assignment's wage, mules or planned days."""
    departure = departure_of(departure_id)
    assignment = child_of(StaffAssignment, assignment_id, departure)
    form = f.AssignmentEditForm(obj=assignment)
    if form.validate_on_submit():
        try:
            services.update_assignment(assignment, form.daily_wage.data, form.mules.data or 0,
                                       form.planned_days.data, current_user.id)
        except OperationsError as exc:
            refused(exc, form)
        else:
            commit_change(_("%(name)s saved.", name=assignment.staff_member.full_name))
            return to_detail(departure, "staff")
    return form_page(form, _("Edit %(name)s", name=assignment.staff_member.full_name),
                     url_for(".departure_detail", departure_id=departure.id))


@blueprint.route("/departures/<int:departure_id>/staff/<int:assignment_id>/remove", methods=["POST"])
@roles_required(*EDITORS)
def staff_remove(departure_id: int, assignment_id: int):
    """Take a person off a departure."""
    departure = departure_of(departure_id)
    assignment = child_of(StaffAssignment, assignment_id, departure)
    name = assignment.staff_member.full_name
    try:
        services.remove_assignment(assignment, current_user.id)
    except OperationsError as exc:
        refused(exc)
    else:
        commit_change(_("%(name)s removed.", name=name))
    return to_detail(departure, "staff")


@blueprint.route("/departures/<int:departure_id>/loads", methods=["GET", "POST"])
@roles_required(*EDITORS)
def loads(departure_id: int):
    """The load plan and each porter's weighed load at the trailhead."""
    departure = departure_of(departure_id)
    porters = [a for a in departure.staff_assignments if a.role == StaffRole.PORTER]
    form_class = f.with_fields(f.LoadPlanForm, {
        f"load_{a.id}": f.weighed_field(_("%(name)s: weighed load (kg)", name=a.staff_member.full_name))
        for a in porters})
    form = form_class(data={"company_load_kg": departure.company_load_kg,
                            **{f"load_{a.id}": a.load_kg for a in porters}})
    if form.validate_on_submit():
        weighed = {a.id: form[f"load_{a.id}"].data for a in porters}
        try:
            services.set_load_plan(departure, form.company_load_kg.data, weighed, current_user.id)
        except OperationsError as exc:
            refused(exc, form)
        else:
            commit_change(_("Load plan saved."))
            return to_detail(departure, "staff")
    limit = ParameterBook.load().load_limit_on(departure.start_date)
    return form_page(form, _("Loads of %(code)s", code=departure.code),
                     url_for(".departure_detail", departure_id=departure.id),
                     hint=_("Load limit on %(date)s: %(limit)s kg of company load per porter.",
                            date=departure.start_date.isoformat(), limit=format_kg(limit)) if limit else None)


@blueprint.route("/departures/<int:departure_id>/welfare", methods=["GET", "POST"])
@roles_required(*EDITORS)
def welfare(departure_id: int):
    """The porter welfare checklist."""
    departure = departure_of(departure_id)
    form = f.WelfareForm(obj=departure)
    if form.validate_on_submit():
        try:
            services.set_welfare(departure, {key: form[key].data for key in services.WELFARE_FIELDS},
                                 current_user.id)
        except OperationsError as exc:
            refused(exc, form)
        else:
            commit_change(_("Welfare checklist saved."))
            return to_detail(departure, "welfare")
    return form_page(form, _("Welfare checklist of %(code)s", code=departure.code),
                     url_for(".departure_detail", departure_id=departure.id))


# --- Homestays -----------------------------------------------------------------------------------


@blueprint.route("/departures/<int:departure_id>/homestays", methods=["GET", "POST"])
@roles_required(*EDITORS)
def homestays(departure_id: int):
    """Place a night's travellers with families: the rotation suggests, the manager decides."""
    departure = departure_of(departure_id)
    nights = homestay_nights(departure)
    if not nights:
        flash(_("This route has no homestay nights."), "error")
        return to_detail(departure)
    chosen = request.values.get("night") or nights[0][0].isoformat()
    match = [(night, day) for night, day in nights if night.isoformat() == chosen]
    if not match:
        abort(404)
    night, day = match[0]
    community = day.night_community
    standings = family_standings(community.id, night, departure.id)
    suggestion = suggest_night(departure, night, community)
    current = {a.family_id: a.guests_planned for a in departure.homestay_allocations if a.night_date == night}
    proposed = current or {family.id: guests for family, guests in suggestion.placements}
    form_class = f.with_fields(f.AllocationForm, {
        f"guests_{s.family.id}": f.guests_field(s.family.household_head) for s in standings})
    form = form_class(data={"night": night.isoformat(),
                            **{f"guests_{s.family.id}": proposed.get(s.family.id) for s in standings}})
    if form.validate_on_submit():
        families = {s.family.id: s.family for s in standings}
        placements = [(families[fid], form[f"guests_{fid}"].data) for fid in families
                      if form[f"guests_{fid}"].data]
        try:
            allocate_night(departure, night, placements, form.reason.data, current_user.id)
        except OperationsError as exc:
            refused(exc, form)
        else:
            commit_change(_("Night of %(date)s allocated.", date=night.isoformat()))
            return to_detail(departure, "homestays")
    return render_template("operations/homestays.html", departure=departure, nights=nights, night=night,
                           community=community, standings=standings, suggestion=suggestion, form=form,
                           guests_placed=guests_placed), (400 if form.errors or any(x.errors for x in form) else 200)


@blueprint.route("/departures/<int:departure_id>/homestays/accept", methods=["POST"])
@roles_required(*EDITORS)
def homestays_accept(departure_id: int):
    """Accept the rotation's suggestion for every night not yet allocated."""
    departure = departure_of(departure_id)
    try:
        count = accept_suggestions(departure, current_user.id)
    except OperationsError as exc:
        refused(exc)
    else:
        commit_change(_("%(count)d nights allocated as the rotation suggests.", count=count))
    return to_detail(departure, "homestays")


# --- Workshops -----------------------------------------------------------------------------------


@blueprint.route("/departures/<int:departure_id>/workshops/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def workshop_book(departure_id: int):
    """Book a weaving session with an association on a day of the departure."""
    departure = departure_of(departure_id)
    form = f.WorkshopForm()
    associations = db.session.scalars(select(WeavingAssociation).where(WeavingAssociation.archived_at.is_(None))
                                      .order_by(WeavingAssociation.name))
    form.association_id.choices = [SelectChoice(str(a.id), f"{a.name} ({a.community.name})") for a in associations]
    form.day_date.choices = [SelectChoice(departure.date_of_day(n).isoformat(),
                                          _("Day %(number)d: %(date)s", number=n, date=departure.date_of_day(n).isoformat()))
                             for n in range(1, departure.length_days + 1)]
    if request.method == "GET":
        form.expected_participants.data = len(departure.travellers) or None
    if form.validate_on_submit():
        try:
            services.book_workshop(departure, db.session.get(WeavingAssociation, form.association_id.data),
                                   date.fromisoformat(form.day_date.data), form.expected_participants.data,
                                   current_user.id)
        except OperationsError as exc:
            refused(exc, form)
        else:
            commit_change(_("Workshop booked."))
            return to_detail(departure, "workshops")
    return form_page(form, _("Book a weaving workshop for %(code)s", code=departure.code),
                     url_for(".departure_detail", departure_id=departure.id))


@blueprint.route("/departures/<int:departure_id>/workshops/<int:booking_id>/remove", methods=["POST"])
@roles_required(*EDITORS)
def workshop_remove(departure_id: int, booking_id: int):
    """Remove a workshop booking."""
    departure = departure_of(departure_id)
    booking = child_of(WorkshopBooking, booking_id, departure)
    try:
        services.cancel_workshop(booking, current_user.id)
    except OperationsError as exc:
        refused(exc)
    else:
        commit_change(_("Workshop removed."))
    return to_detail(departure, "workshops")


# --- Actuals -------------------------------------------------------------------------------------


@blueprint.route("/departures/<int:departure_id>/actuals", methods=["GET", "POST"])
@roles_required(*EDITORS)
def actuals(departure_id: int):
    """Record what actually happened on a completed departure, before the ledger posts it."""
    departure = departure_of(departure_id)
    if departure.status != DepartureStatus.COMPLETED:
        flash(_("What happened is recorded once the departure is completed."), "error")
        return to_detail(departure)
    fields: dict[str, object] = {}
    data: dict[str, object] = {}
    for t in departure.travellers:
        fields[f"walked_{t.id}"] = f.walked_field(_("%(name)s walked", name=t.full_name))
        data[f"walked_{t.id}"] = t.walked
    for a in departure.homestay_allocations:
        fields[f"guests_{a.id}"] = f.count_field(_("%(date)s, %(family)s: guests who slept there",
                                                   date=a.night_date.isoformat(), family=a.family.household_head), 30)
        data[f"guests_{a.id}"] = a.guests_actual
    for b in departure.workshop_bookings:
        fields[f"participants_{b.id}"] = f.count_field(_("%(date)s, %(name)s: participants",
                                                         date=b.day_date.isoformat(), name=b.association.name), 30)
        data[f"participants_{b.id}"] = b.actual_participants
    for s in departure.staff_assignments:
        fields[f"days_{s.id}"] = f.count_field(_("%(name)s (%(role)s): days worked", name=s.staff_member.full_name,
                                                 role=f.ROLE_LABELS[s.role]), 30)
        data[f"days_{s.id}"] = s.actual_days
    form = f.with_fields(f.ActualsForm, fields)(data=data)
    if form.validate_on_submit():
        record = services.Actuals(
            walked={t.id: form[f"walked_{t.id}"].data for t in departure.travellers},
            guests={a.id: form[f"guests_{a.id}"].data or 0 for a in departure.homestay_allocations},
            participants={b.id: form[f"participants_{b.id}"].data or 0 for b in departure.workshop_bookings},
            days_worked={s.id: form[f"days_{s.id}"].data or 0 for s in departure.staff_assignments},
        )
        try:
            services.record_actuals(departure, record, current_user.id)
        except OperationsError as exc:
            refused(exc, form)
        else:
            commit_change(_("What happened on %(code)s is recorded.", code=departure.code))
            return to_detail(departure)
    return form_page(form, _("What happened on %(code)s", code=departure.code),
                     url_for(".departure_detail", departure_id=departure.id),
                     hint=_("Once the ledger posts this departure, these figures can no longer change."))


# --- Manifest ------------------------------------------------------------------------------------


@blueprint.route("/departures/<int:departure_id>/manifest.pdf")
@roles_required(*READERS)
def manifest(departure_id: int):
    """The departure manifest for the guide, as PDF, in Spanish or English."""
    departure = departure_of(departure_id)
    lang = request.args.get("lang", "es")
    if lang not in ("es", "en"):
        abort(404)
    pdf = render_manifest_pdf(manifest_data(departure), lang)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="manifest-{departure.code}-{lang}.pdf"'})


# --- Fairness ------------------------------------------------------------------------------------


def _season() -> int:
    value = request.args.get("season", "")
    return int(value) if _is_year(value) and 2000 <= int(value) <= 2100 else today_lima().year


def _is_year(value: str) -> bool:
    """Four ASCII digits (`str.isdigit` alone also takes `²`, which `int` refuses)."""
    return len(value) == 4 and value.isascii() and value.isdigit()


DEFAULT_PROXY_RATE = Decimal("60.00")


def proxy_rate(text: str) -> Decimal:
    """The rate per guest-night typed on the fairness page; the demo rate when unusable."""
    try:
        rate = to_money(text) if text else DEFAULT_PROXY_RATE
    except (MoneyError, ArithmeticError):
        return DEFAULT_PROXY_RATE
    return rate if 0 <= rate <= 10000 else DEFAULT_PROXY_RATE


@blueprint.route("/fairness")
@roles_required(*READERS)
def fairness_index():
    """Fairness of the homestay rotation, per community, in a season."""
    season = _season()
    communities = db.session.scalars(
        select(Community).where(Community.archived_at.is_(None),
                                Community.id.in_(select(HomestayFamily.community_id)))
        .order_by(Community.name)).all()
    figures = [community_fairness(c, season) for c in communities]
    return render_template("operations/fairness_index.html", figures=figures, season=season)


@blueprint.route("/fairness/<int:community_id>")
@roles_required(*READERS)
def fairness(community_id: int):
    """One community's guest-nights per family this season: most, least and the Gini coefficient."""
    community = get_or_404(Community, community_id)
    season = _season()
    rate = proxy_rate(request.args.get("rate", ""))
    return render_template("operations/fairness.html", fairness=community_fairness(community, season),
                           season=season, rate=rate)


# --- Parameters ----------------------------------------------------------------------------------


@blueprint.route("/parameters")
@roles_required(*READERS)
def parameters():
    """The dated parameters: porter load limit and the UIT by year (wage floor = 3%)."""
    limits = db.session.scalars(select(LoadLimit).order_by(LoadLimit.effective_from.desc())).all()
    uits = db.session.scalars(select(UitValue).order_by(UitValue.year.desc())).all()
    book = ParameterBook(list(limits), {u.year: u.amount for u in uits})
    return render_template("operations/parameters.html", limits=limits, uits=uits, book=book,
                           missing_year=today_lima().year + 1 if book.uit(today_lima().year + 1) is None else None)


def _parameter_form(form, record, save, title: str):
    if form.validate_on_submit():
        values = {k: v for k, v in form.data.items() if k != "csrf_token"}
        try:
            save(record, actor_id=current_user.id, **values)
        except OperationsError as exc:
            refused(exc, form)
        else:
            commit_change(_("Parameter saved."))
            return redirect(url_for(".parameters"))
    return form_page(form, title, url_for(".parameters"))


@blueprint.route("/parameters/load-limits/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def load_limit_new():
    """Enter a porter load limit in force from a date."""
    return _parameter_form(f.LoadLimitForm(), None, save_load_limit, _("New load limit"))


@blueprint.route("/parameters/load-limits/<int:load_limit_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMINS)
def load_limit_edit(load_limit_id: int):
    """Correct a load limit."""
    record = get_or_404(LoadLimit, load_limit_id)
    return _parameter_form(f.LoadLimitForm(obj=record), record, save_load_limit, _("Edit load limit"))


@blueprint.route("/parameters/uit/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def uit_new():
    """Enter the UIT of a year."""
    form = f.UitForm()
    if request.method == "GET" and _is_year(request.args.get("year", "")):
        form.year.data = int(request.args["year"])
    return _parameter_form(form, None, save_uit, _("New UIT"))


@blueprint.route("/parameters/uit/<int:uit_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMINS)
def uit_edit(uit_id: int):
    """Correct the UIT of a year."""
    record = get_or_404(UitValue, uit_id)
    return _parameter_form(f.UitForm(obj=record), record, save_uit, _("Edit UIT"))
