"""Initiative pages: the filtered list, one initiative, starting and editing one."""
from flask import abort, flash, redirect, render_template, request, url_for

from tracker import goals, initiatives, permissions, schools
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import commit_or_show, me, or_abort, whole_number
from tracker.blueprints.pages.forms import HELIX_LABELS, PILLAR_LABELS, InitiativeForm, options
from tracker.extensions import db
from tracker.models import Initiative, School, User
from tracker.models.initiative import HELIX_COMPONENTS, PHASES, PILLARS, RAGS, STATUSES

PER_PAGE = 50
FILTERS = ("school_id", "phase", "status", "rag", "owner_id", "pillar", "helix_component",
           "attention", "q")
CHOICES = {"phase": PHASES, "status": STATUSES, "rag": RAGS + (initiatives.NO_RAG,), "pillar": PILLARS,
           "helix_component": HELIX_COMPONENTS, "attention": tuple(initiatives.ATTENTION)}


def _filters_from_query():
    """The list's filters from the query string; a value that is not a choice is ignored."""
    chosen = {}
    for name in FILTERS:
        value = request.args.get(name, "").strip()
        if not value:
            continue
        if name in ("school_id", "owner_id"):
            if whole_number(value) is not None:
                chosen[name] = whole_number(value)
        elif name == "q":
            chosen[name] = value.replace("\x00", "")[:200]
        elif value in CHOICES[name]:
            chosen[name] = value
    return chosen


@bp.route("/initiatives")
def initiative_list():
    user = me()
    chosen = _filters_from_query()
    page = request.args.get("page", "1")
    page = whole_number(page, upper=100_000) or 1
    from tracker.blueprints.api.common import paginate
    result = paginate(initiatives.filter_initiatives(user, **chosen), page, PER_PAGE,
                      fetch=initiatives.table_rows)
    return render_template(
        "pages/initiative_list.html", initiatives=result["items"], total=result["total"],
        page=page, pages=max(1, -(-result["total"] // PER_PAGE)), chosen=chosen,
        schools=db.session.execute(schools.visible_schools(user).with_only_columns(
            School.id, School.name)).all(),
        owners=db.session.execute(initiatives.owners_seen_by(user)).all(), choices=CHOICES, pillar_labels=PILLAR_LABELS,
        helix_labels=HELIX_LABELS, attention_labels=initiatives.ATTENTION,
        can_create=permissions.may_start_initiatives(user))


def _possible_owners(user, school_ids, initiative=None):
    """The people ``user`` sees who may own an initiative of ``school_ids``; an initiative's
    current owner stays listed, so saving other fields never fails on them."""
    from tracker.people import visible_users
    owners = db.session.execute(initiatives.possible_owners(school_ids).where(
        User.id.in_(visible_users(user).with_only_columns(User.id).order_by(None)))).scalars().all()
    if initiative is not None and initiative.owner not in owners:
        owners.append(initiative.owner)
    return owners


def _fill_choices(form, user, initiative=None):
    visible = db.session.execute(schools.visible_schools(user)).scalars().all()
    if user.role != "admin":
        mine = set(user.school_ids) | set(initiative.school_ids if initiative else [])
        visible = [s for s in visible if s.id in mine]
    form.school_ids.choices = options((s.id, s.name) for s in visible)
    form.owner_id.choices = options([(0, "Me")] + [(u.id, u.name) for u in _possible_owners(
        user, initiative.school_ids if initiative else [s.id for s in visible], initiative)])
    others = db.session.execute(
        initiatives.find_initiatives(user, status="active")
        .where(Initiative.id != (initiative.id if initiative else -1))).unique().scalars().all()
    # The out already named stays a choice after it ends: that is how an out gets done.
    named = initiative.out_initiative if initiative else None
    if named is not None and named not in others:
        others.append(named)
    form.out_initiative_id.choices = options([(0, "None")] + [(i.id, i.title) for i in others])
    # The drivers it may serve: the trust's goals' and its (or the person's) schools' goals'.
    form.driver_groups = goals.driver_choices(
        db.session, user, initiative.school_ids if initiative else [s.id for s in visible])
    form.driver_ids.choices = options(
        (d.id, d.title) for _, group in form.driver_groups for d, _ in group)


@bp.route("/initiatives/new", methods=["GET", "POST"])
def initiative_new():
    user = me()
    if not permissions.may_start_initiatives(user):
        abort(403, description="You cannot start initiatives: only admins, and school and "
                               "project leads in their own schools, can.")
    form = InitiativeForm()
    _fill_choices(form, user)
    if request.method == "GET" and len(form.school_ids.choices) == 1:
        form.school_ids.data = [form.school_ids.choices[0].value]
    if form.validate_on_submit():
        ok, initiative = commit_or_show(form, lambda: (
            initiatives.create_initiative(
                db.session, user, title=form.title.data, school_ids=form.school_ids.data,
                owner_id=form.owner_id.data or None, pillars=form.pillars.data or [],
                helix_components=form.helix_components.data or [], one_out=form.one_out(),
                driver_ids=form.driver_ids.data or [],
                **{f: getattr(form, f).data or "" for f in initiatives.TEXT_FIELDS if f != "title"})
        ))
        if ok:
            flash(f"Started “{initiative.title}” in Explore.", "success")
            return redirect(url_for("pages.initiative_detail", initiative_id=initiative.id))
    return render_template("pages/initiative_form.html", form=form, initiative=None)


@bp.route("/initiatives/<int:initiative_id>")
def initiative_detail(initiative_id):
    """The initiative page: phases and gates, updates, milestones, PDSA cycles, measures,
    history (tracker.blueprints.pages.lifecycle draws it and handles its forms)."""
    # Imported here so this module's own imports stay those of the list and form views.
    from tracker.blueprints.pages.lifecycle import render_initiative

    initiative = or_abort(initiatives.get_for_page, db.session, me(), initiative_id)
    return render_initiative(initiative)


@bp.route("/initiatives/<int:initiative_id>/edit", methods=["GET", "POST"])
def initiative_edit(initiative_id):
    user = me()
    initiative = or_abort(permissions.get_initiative, db.session, user, initiative_id,
                          permissions.WRITE)
    form = InitiativeForm(obj=initiative if request.method == "GET" else None)
    _fill_choices(form, user, initiative)
    if request.method == "GET":
        form.school_ids.data = initiative.school_ids
        form.pillars.data, form.helix_components.data = initiative.pillars, initiative.helix_components
        form.owner_id.data = initiative.owner_id
        form.out_initiative_id.data = initiative.out_initiative_id or 0
        form.out_practice.data, form.out_due_on.data = initiative.out_practice, initiative.out_due_on
        form.out_done_on.data = initiative.out_done_on
        form.version.data = initiative.version
        form.driver_ids.data = initiative.driver_ids
    if form.validate_on_submit():
        version = whole_number(form.version.data)
        ok, _ = commit_or_show(form, lambda: initiatives.update_initiative(
            db.session, user, initiative, version, title=form.title.data,
            school_ids=form.school_ids.data + initiatives.hidden_school_ids(user, initiative),
            owner_id=form.owner_id.data or user.id,
            pillars=form.pillars.data or [], helix_components=form.helix_components.data or [],
            one_out=form.one_out(), driver_ids=form.driver_ids.data or [],
            **{f: getattr(form, f).data or "" for f in initiatives.TEXT_FIELDS if f != "title"}),
            stale_message="Someone else changed this initiative while you were editing. "
                          "Your changes are still in the form: check the current version "
                          "in another tab, then save again.",
            record=initiative)
        if ok:
            flash("Saved.", "success")
            return redirect(url_for("pages.initiative_detail", initiative_id=initiative.id))
    return render_template("pages/initiative_form.html", form=form, initiative=initiative)
