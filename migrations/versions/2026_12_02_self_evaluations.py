"""self-evaluations: dated rounds rating the trust (or one school) on the seven pillars

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 11:52:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

PILLARS = ("vision", "capacity", "collective_commitment", "data", "process",
           "improvement_activity", "quality_assurance")


def upgrade():
    op.create_table('self_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_self_evaluations_author_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_self_evaluations_school_id_schools'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_evaluations'))
    )
    with op.batch_alter_table('self_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_evaluations_author_id'), ['author_id'], unique=False)
        # One school's (or the trust's) rounds, newest first.
        batch_op.create_index('ix_self_evaluations_school_id_on', ['school_id', 'on'], unique=False)

    pillars = ", ".join(f"'{p}'" for p in PILLARS)
    op.create_table('self_evaluation_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('self_evaluation_id', sa.Integer(), nullable=False),
    sa.Column('pillar', sa.String(length=30), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.CheckConstraint(f'pillar IN ({pillars})', name=op.f('ck_self_evaluation_ratings_pillar')),
    sa.CheckConstraint('rating BETWEEN 1 AND 4', name=op.f('ck_self_evaluation_ratings_rating')),
    sa.ForeignKeyConstraint(['self_evaluation_id'], ['self_evaluations.id'],
                            name=op.f('fk_self_evaluation_ratings_self_evaluation_id_self_evaluations'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_evaluation_ratings')),
    sa.UniqueConstraint('self_evaluation_id', 'pillar',
                        name=op.f('uq_self_evaluation_ratings_self_evaluation_id'))
    )


def downgrade():
    op.drop_table('self_evaluation_ratings')
    with op.batch_alter_table('self_evaluations', schema=None) as batch_op:
        batch_op.drop_index('ix_self_evaluations_school_id_on')
        batch_op.drop_index(batch_op.f('ix_self_evaluations_author_id'))
    op.drop_table('self_evaluations')
