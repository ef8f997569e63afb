"""goals and driver diagrams: the trust's (or a school's) aims, their primary and secondary
drivers, and the initiatives that serve each driver

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:56:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('aim', sa.Text(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('measure_id', sa.Integer(), nullable=True),
    sa.Column('target_on', sa.Date(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_goals_author_id_users')),
    sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], name=op.f('fk_goals_measure_id_measures'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_goals_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goals'))
    )
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goals_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_goals_measure_id'), ['measure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_goals_school_id'), ['school_id'], unique=False)

    op.create_table('drivers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_drivers_goal_id_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['drivers.id'], name=op.f('fk_drivers_parent_id_drivers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drivers'))
    )
    with op.batch_alter_table('drivers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drivers_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drivers_parent_id'), ['parent_id'], unique=False)

    op.create_table('initiative_drivers',
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['driver_id'], ['drivers.id'], name=op.f('fk_initiative_drivers_driver_id_drivers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_initiative_drivers_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('initiative_id', 'driver_id', name=op.f('pk_initiative_drivers'))
    )
    with op.batch_alter_table('initiative_drivers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_drivers_driver_id'), ['driver_id'], unique=False)


def downgrade():
    with op.batch_alter_table('initiative_drivers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_drivers_driver_id'))
    op.drop_table('initiative_drivers')
    with op.batch_alter_table('drivers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drivers_parent_id'))
        batch_op.drop_index(batch_op.f('ix_drivers_goal_id'))
    op.drop_table('drivers')
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goals_school_id'))
        batch_op.drop_index(batch_op.f('ix_goals_measure_id'))
        batch_op.drop_index(batch_op.f('ix_goals_author_id'))
    op.drop_table('goals')
