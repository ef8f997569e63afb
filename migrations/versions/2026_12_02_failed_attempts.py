"""failed attempts: wrong passwords counted per account and per address (tracker.throttle)

The default install keeps the sign-in counts in the database, so every web worker and host
sees the same counts; a Redis store (RATELIMIT_STORAGE_URI) leaves this table empty.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 08:18:54.217552

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('failed_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_attempts'))
    )
    with op.batch_alter_table('failed_attempts', schema=None) as batch_op:
        # Counting one key's recent failures, and sweeping out the old ones.
        batch_op.create_index('ix_failed_attempts_key_failed_at', ['key', 'failed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_failed_attempts_failed_at'), ['failed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('failed_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failed_attempts_failed_at'))
        batch_op.drop_index('ix_failed_attempts_key_failed_at')

    op.drop_table('failed_attempts')
