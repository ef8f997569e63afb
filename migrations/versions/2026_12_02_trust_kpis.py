"""trust KPIs: a measure with no initiative is the trust's, recorded by every school

Existing measures all belong to an initiative and keep it; only the column's NOT NULL goes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 11:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.alter_column('initiative_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # A trust KPI has no initiative to fall back on: going down removes the KPIs and their
    # points rather than inventing an owner for them.
    op.execute("DELETE FROM measure_points WHERE measure_id IN "
               "(SELECT id FROM measures WHERE initiative_id IS NULL)")
    op.execute("DELETE FROM measure_rebases WHERE measure_id IN "
               "(SELECT id FROM measures WHERE initiative_id IS NULL)")
    op.execute("DELETE FROM measures WHERE initiative_id IS NULL")
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.alter_column('initiative_id', existing_type=sa.Integer(), nullable=False)
