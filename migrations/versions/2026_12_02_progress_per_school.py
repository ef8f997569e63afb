"""progress per school: an update or a milestone of a shared initiative may be for one of its
schools, and each school keeps its own RAG of the initiative

Existing updates and milestones are for all of the initiative's schools (school_id null), and
each school's RAG starts as the initiative's, which is what every school showed until now.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:57:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('initiative_schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rag', sa.String(length=5), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_initiative_schools_rag'), "rag IS NULL OR rag IN ('green', 'amber', 'red')")
    op.execute("UPDATE initiative_schools SET rag = "
               "(SELECT rag FROM initiatives WHERE initiatives.id = initiative_schools.initiative_id)")

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_milestones_school_id'), ['school_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_milestones_school_id_schools'), 'schools', ['school_id'], ['id'])

    with op.batch_alter_table('updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_updates_school_id'), ['school_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_updates_school_id_schools'), 'schools', ['school_id'], ['id'])


def downgrade():
    with op.batch_alter_table('updates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_updates_school_id_schools'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_updates_school_id'))
        batch_op.drop_column('school_id')

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_milestones_school_id_schools'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_milestones_school_id'))
        batch_op.drop_column('school_id')

    with op.batch_alter_table('initiative_schools', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_initiative_schools_rag'), type_='check')
        batch_op.drop_column('rag')
