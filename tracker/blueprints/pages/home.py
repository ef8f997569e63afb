from flask import render_template

from tracker import initiatives
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import me
from tracker.extensions import db


@bp.route("/")
def home():
    rows = db.session.execute(initiatives.my_initiatives(me()).limit(200)).unique().scalars().all()
    return render_template("pages/home.html", initiatives=rows)
