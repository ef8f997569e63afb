"""How a nudge or digest email reads: its sections, subject line and body (text and HTML,
``templates/email/``), from the items ``tracker.nudges`` finds for one person."""
from collections import Counter

from tracker import mail
from tracker.nudges import long_date

#: Lines listed per section of an email; the rest are counted with a link.
MAX_LINES = 25

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
    "over_limit": "Schools over their limit",
    "out_overdue": "Outs not carried out",
    "over_allocated": "Experts over-allocated",
    "no_capacity": "Initiatives in Deliver with no capacity",
    "moved": "What moved",
    "late": "What is late",
    "stopped": "What was stopped",
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
}


def counted(kind, n):
    """``"2 overdue milestones"``: ``n`` items of ``kind`` in words."""
    one, many = NOUNS.get(kind, (kind, kind))
    return f"{n} {one if n == 1 else many}"


SUBJECTS = {
    "nudges": "{count} thing{s} need{verb} your attention",
    "policy": "One in, one out: {count} breach{es} in your schools",
    "capacity": "Capacity: {count} problem{s} to look at",
    "digest": "Weekly digest for the week to {day}",
}
INTROS = {
    "nudges": "Here is what needs your attention in the tracker today. Each line links to the "
              "page where you can act on it.",
    "policy": "These schools break the trust's “one in, one out” policy today.",
    "capacity": "These capacity problems need the central team's attention.",
    "digest": "What happened in your schools in the last seven days.",
}
#: The section whose "more" link lists everything of its kind.
MORE_LINKS = {"moved": "/initiatives", "late": "/initiatives", "stopped": "/stopped"}


def compose(job, user, items, today, config):
    """``(subject, text, html)`` of ``job``'s email to ``user`` listing ``items``."""
    base = config["BASE_URL"].rstrip("/")
    sections = []
    for kind, heading in SECTIONS.items():
        mine = [i for i in items if i.kind == kind]
        if mine:
            sections.append({
                "heading": heading, "more": max(0, len(mine) - MAX_LINES),
                "more_url": base + MORE_LINKS.get(kind, "/"),
                "lines": [{"title": i.title, "detail": i.detail, "initiative": i.initiative,
                           "url": base + i.path} for i in mine[:MAX_LINES]]})
    subject = _subject(job, items, today, config)
    context = {"name": user.name.split()[0] if user.name.strip() else user.name, "intro": INTROS[job], "sections": sections,
               "subject": subject, "trust": config.get("TRUST_NAME", "Tracker"),
               "settings_url": base + "/account/notifications"}
    return subject, mail.render("summary.txt", **context), mail.render("summary.html", **context)


def _subject(job, items, today, config):
    count = len(items)
    text = SUBJECTS[job].format(count=count, s="" if count == 1 else "s",
                                es="" if count == 1 else "es", verb="s" if count == 1 else "",
                                day=long_date(today))
    if job == "nudges":
        kinds = Counter(i.kind for i in items)
        parts = [counted(k, n) for k, n in kinds.most_common(3)]
        text += ": " + ", ".join(parts)
    elif job == "digest":
        kinds = Counter(i.kind for i in items)
        text += f": {kinds['moved']} moved, {kinds['late']} late, {kinds['stopped']} stopped"
    return mail.header_text(f"[{config.get('TRUST_NAME', 'Tracker')}] {text}", 200)
