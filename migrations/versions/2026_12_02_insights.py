"""insights: intelligence about a school from several sources, the pillars it bears on and the
initiatives that act on it

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('insights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=25), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('judgement', sa.String(length=15), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("judgement IN ('strength', 'development', 'concern')", name=op.f('ck_insights_judgement')),
    sa.CheckConstraint("source IN ('qa_visit', 'peer_review', 'survey', 'pupil_voice', 'data_review', 'external_inspection', 'other')", name=op.f('ck_insights_source')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_insights_author_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_insights_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insights'))
    )
    with op.batch_alter_table('insights', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insights_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_insights_judgement'), ['judgement'], unique=False)
        # A school's insights newest first; the unanswered concerns of many schools.
        batch_op.create_index('ix_insights_school_id_on', ['school_id', 'on'], unique=False)

    op.create_table('insight_initiatives',
    sa.Column('insight_id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_insight_initiatives_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['insight_id'], ['insights.id'], name=op.f('fk_insight_initiatives_insight_id_insights'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('insight_id', 'initiative_id', name=op.f('pk_insight_initiatives'))
    )
    with op.batch_alter_table('insight_initiatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_initiatives_initiative_id'), ['initiative_id'], unique=False)

    op.create_table('insight_pillars',
    sa.Column('insight_id', sa.Integer(), nullable=False),
    sa.Column('pillar', sa.String(length=30), nullable=False),
    sa.CheckConstraint("pillar IN ('vision', 'capacity', 'collective_commitment', 'data', 'process', 'improvement_activity', 'quality_assurance')", name=op.f('ck_insight_pillars_pillar')),
    sa.ForeignKeyConstraint(['insight_id'], ['insights.id'], name=op.f('fk_insight_pillars_insight_id_insights'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('insight_id', 'pillar', name=op.f('pk_insight_pillars'))
    )


def downgrade():
    op.drop_table('insight_pillars')
    with op.batch_alter_table('insight_initiatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insight_initiatives_initiative_id'))
    op.drop_table('insight_initiatives')
    with op.batch_alter_table('insights', schema=None) as batch_op:
        batch_op.drop_index('ix_insights_school_id_on')
        batch_op.drop_index(batch_op.f('ix_insights_judgement'))
        batch_op.drop_index(batch_op.f('ix_insights_author_id'))
    op.drop_table('insights')
