"""What the planner page shows: experts by ISO week, in a fixed number of queries."""
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from tracker.capacity.arithmetic import mondays
from tracker.capacity.loading import (
    check_range, leave_rows, live_allocations, specialism_filter, week_table)
from tracker.models import Allocation, Expert


def planner(session, from_, to, *, specialism=None, school_id=None, page=1, per_page=100):
    """What the planner page shows, in five queries whatever the data size (six for a page
    past the last, which shows the last).

    Active experts by name (narrowed to a specialism, and to those based at or working
    in ``school_id`` within the range), one page of them at a time, each with their ISO
    weeks; and that page's overridden allocations in the range. ``{"weeks": [monday...],
    "rows": [{"expert", "weeks": [WeekLoad]}], "overrides": [Allocation], "specialisms":
    [...], "total": N, "page": n, "pages": n}``.
    """
    check_range(from_, to)
    specialisms = sorted({s for row in session.execute(
        select(Expert.specialisms).where(Expert.active.is_(True))).scalars() for s in row or []})
    stmt = select(Expert, func.count().over()).where(Expert.active.is_(True))
    if specialism:
        stmt = stmt.where(specialism_filter(specialism))
    if school_id is not None:
        working_there = select(Allocation.expert_id).where(
            Allocation.school_id == school_id, Allocation.status != "cancelled",
            Allocation.starts_on <= to, Allocation.ends_on >= from_)
        stmt = stmt.where(or_(Expert.home_school_id == school_id, Expert.id.in_(working_there)))
    stmt = stmt.order_by(Expert.name, Expert.id)

    def one_page(number):
        # Only the page's experts are loaded; the total rides along with each row.
        return session.execute(stmt.limit(per_page).offset((number - 1) * per_page)).all()

    page = max(1, page)
    rows = one_page(page)
    if not rows and page > 1:  # past the end: the last page (a query more, only then)
        total = session.execute(select(func.count()).select_from(
            stmt.with_only_columns(Expert.id).order_by(None).subquery())).scalar_one()
        page = max(1, -(-total // per_page))
        rows = one_page(page)
    total = rows[0][1] if rows else 0
    pages = max(1, -(-total // per_page))
    experts = [expert for expert, _ in rows]
    ids = [e.id for e in experts]
    table = week_table(experts, live_allocations(session, ids, from_, to),
                        leave_rows(session, ids, from_, to), from_, to)
    overrides = session.execute(
        select(Allocation).where(Allocation.expert_id.in_(ids or [-1]),
                                 Allocation.override_reason.is_not(None),
                                 Allocation.status != "cancelled",
                                 Allocation.starts_on <= to, Allocation.ends_on >= from_)
        .options(joinedload(Allocation.school), joinedload(Allocation.expert))
        .order_by(Allocation.starts_on, Allocation.id)).scalars().all()
    return {"weeks": mondays(from_, to), "specialisms": specialisms,
            "rows": [{"expert": e, "weeks": table[e.id]} for e in experts],
            "overrides": overrides, "total": total, "page": page, "pages": pages}
