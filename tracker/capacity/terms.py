"""School terms by fixed dates: what the capacity pages show first."""
from dataclasses import dataclass
from datetime import date

from tracker.capacity.arithmetic import ONE_DAY


@dataclass(frozen=True)
class Term:
    name: str
    starts_on: date
    ends_on: date


def term_of(day):
    """The school term ``day`` falls in, by fixed dates: autumn September to December,
    spring January to March, summer April to August (Easter moves; the planner lets a
    person pick any range, and these bounds only choose what to show first)."""
    if day.month >= 9:
        return Term(f"Autumn {day.year}", date(day.year, 9, 1), date(day.year, 12, 31))
    if day.month <= 3:
        return Term(f"Spring {day.year}", date(day.year, 1, 1), date(day.year, 3, 31))
    return Term(f"Summer {day.year}", date(day.year, 4, 1), date(day.year, 8, 31))


def next_term(term):
    return term_of(term.ends_on + ONE_DAY)


def previous_term(term):
    return term_of(term.starts_on - ONE_DAY)
