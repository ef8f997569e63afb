"""How a nudge or digest email reads: its sections, subject line and body (text and HTML,
``templates/email/``), from the items ``tracker.nudges`` finds for one person."""
from collections import Counter

from tracker import mail
from tracker import digests
from tracker.nudges import long_date

#: Lines listed per section of an email; the rest are counted with a link.
MAX_LINES = 25
#: The board's digest fits a screen: so many lines a section, the rest counted with a link.
BOARD_LINES = 3

#: kind → the section heading it appears under, in the order sections are shown.
SECTIONS = {
    "milestone_overdue": "Overdue milestones",
    "review_overdue": "Overdue reviews",
    "escalated_milestone": "Overdue milestones in your schools",
    "escalated_review": "Overdue reviews in your schools",
    "pdsa_stuck": "PDSA cycles stuck",
    "initiative_stale": "Initiatives with no recent update",
    "milestone_due": "Milestones due soon",
    "review_due": "Reviews due soon",
    "unanswered_concern": "Concerns no initiative has taken up",
    "over_limit": "Schools over their limit",
    "out_overdue": "Outs not carried out",
    "over_allocated": "Experts over-allocated",
    "no_capacity": "Initiatives in Deliver with no capacity",
    "week_milestone": "Milestones due in the week ahead",
    "week_review": "Reviews due in the week ahead",
    "week_cycle": "PDSA cycles to move on",
    "week_update": "Progress updates due",
    "kpi_changed": "Trust KPIs whose reading changed",
    "started": "What started",
    "moved": "What moved",
    "stopped": "What was stopped",
    "late": "What is late",
}


#: kind → (one, many): how a subject line counts items of that kind.
NOUNS = {
    "milestone_overdue": ("overdue milestone", "overdue milestones"),
    "review_overdue": ("overdue review", "overdue reviews"),
    "escalated_milestone": ("overdue milestone in your schools", "overdue milestones in your schools"),
    "escalated_review": ("overdue review in your schools", "overdue reviews in your schools"),
    "pdsa_stuck": ("stuck PDSA cycle", "stuck PDSA cycles"),
    "initiative_stale": ("initiative with no recent update", "initiatives with no recent update"),
    "milestone_due": ("milestone due soon", "milestones due soon"),
    "review_due": ("review due soon", "reviews due soon"),
    "over_limit": ("school over its limit", "schools over their limit"),
    "out_overdue": ("out not carried out", "outs not carried out"),
    "over_allocated": ("expert over-allocated", "experts over-allocated"),
    "no_capacity": ("initiative with no capacity", "initiatives with no capacity"),
    "unanswered_concern": ("unanswered concern", "unanswered concerns"),
    "week_milestone": ("milestone due", "milestones due"),
    "week_review": ("review due", "reviews due"),
    "week_cycle": ("PDSA cycle to move on", "PDSA cycles to move on"),
    "week_update": ("update due", "updates due"),
    "kpi_changed": ("KPI reading changed", "KPI readings changed"),
    "started": ("started", "started"),
    "moved": ("moved", "moved"),
    "stopped": ("stopped", "stopped"),
    "late": ("late", "late"),
}


def counted(kind, n):
    """``"2 overdue milestones"``: ``n`` items of ``kind`` in words."""
    one, many = NOUNS.get(kind, (kind, kind))
    return f"{n} {one if n == 1 else many}"


SUBJECTS = {
    "nudges": "{count} thing{s} need{verb} your attention",
    "policy": "One in, one out: {count} breach{es} in your schools",
    "capacity": "Capacity: {count} problem{s} to look at",
    digests.BOARD: "The trust's week to {day}",
    digests.SCHOOL: "Your schools' week to {day}",
    digests.WEEK_AHEAD: "Your week ahead from {monday}",
    digests.CENTRAL: "Capacity and unallocated Deliver work, week to {day}",
}
INTROS = {
    "nudges": "Here is what needs your attention in the tracker today. Each line links to the "
              "page where you can act on it.",
    "policy": "These schools break the trust's “one in, one out” policy today.",
    "capacity": "These capacity problems need the central team's attention.",
    digests.BOARD: "The trust's week in brief: what changed since last week, the KPIs whose "
                  "reading changed, breaches and concerns no initiative has taken up.",
    digests.SCHOOL: "Your schools this week: what is late, stuck or quiet, breaches of one in, "
                   "one out, concerns no initiative has taken up, and what moved or stopped.",
    digests.WEEK_AHEAD: "What falls to you in the week ahead. Each line links to the page "
                       "where you can do it.",
    digests.CENTRAL: "Experts allocated beyond their days, and initiatives in Deliver with no "
                    "expert behind them.",
}
#: The section whose "more" link lists everything of its kind.
MORE_LINKS = {"moved": "/initiatives", "late": "/initiatives", "stopped": "/stopped",
              "started": "/initiatives", "kpi_changed": "/kpis", "over_limit": "/dashboard",
              "out_overdue": "/dashboard", "unanswered_concern": "/dashboard",
              "over_allocated": "/planner", "no_capacity": "/planner"}


def audience_of(job, user):
    """What ``job``'s email to ``user`` is written as: the job, or for the digest the
    reader's digest (``digests.digest_audience``)."""
    if job != "digest":
        return job
    return digests.digest_audience(user.role, bool(user.school_ids)) or digests.SCHOOL


def compose(job, user, items, today, config):
    """``(subject, text, html)`` of ``job``'s email to ``user`` listing ``items``. The
    board's digest lists ``BOARD_LINES`` a section and links to the dashboard."""
    base = config["BASE_URL"].rstrip("/")
    audience = audience_of(job, user)
    most = BOARD_LINES if audience == digests.BOARD else MAX_LINES
    sections = []
    for kind, heading in SECTIONS.items():
        mine = [i for i in items if i.kind == kind]
        if mine:
            sections.append({
                "heading": heading, "more": max(0, len(mine) - most),
                "more_url": base + MORE_LINKS.get(kind, "/"),
                "lines": [{"title": i.title, "detail": i.detail, "initiative": i.initiative,
                           "url": base + i.path} for i in mine[:most]]})
    subject = _subject(audience, items, today, config)
    context = {"name": user.name.split()[0] if user.name.strip() else user.name,
               "intro": INTROS[audience], "sections": sections,
               "subject": subject, "trust": config.get("TRUST_NAME", "Tracker"),
               # The board's digest fits a screen: a line an item, the pages a link away.
               "compact": audience == digests.BOARD,
               "dashboard_url": base + "/dashboard" if audience == digests.BOARD else None,
               "settings_url": base + "/account/notifications"}
    return subject, mail.render("summary.txt", **context), mail.render("summary.html", **context)


def _subject(audience, items, today, config):
    count = len(items)
    monday = digests.week_ahead_monday(today)
    text = SUBJECTS[audience].format(count=count, s="" if count == 1 else "s",
                                     es="" if count == 1 else "es", verb="s" if count == 1 else "",
                                     day=long_date(today), monday=long_date(monday))
    kinds = Counter(i.kind for i in items)
    if audience == "nudges":
        text += ": " + ", ".join(counted(k, n) for k, n in kinds.most_common(3))
    elif audience in INTROS and audience not in ("policy", "capacity"):
        text += ": " + ", ".join([counted(k, kinds[k]) for k in SECTIONS if kinds[k]][:4])
    return mail.header_text(f"[{config.get('TRUST_NAME', 'Tracker')}] {text}", 200)
