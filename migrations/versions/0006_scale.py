"""scale: indexes for ten seasons of data

- journal_lines (account_id, entry_id, debit, credit): an account's balance, and a statement's
  opening balance, read from the index alone instead of every line's row.

Revision ID: 0006_scale
Revises: 0005_impact
Create Date: 2026-11-25 23:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006_scale'
down_revision = '0005_impact'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_lines_account')
        batch_op.create_index('ix_journal_lines_account', ['account_id', 'entry_id', 'debit', 'credit'], unique=False)


def downgrade():
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_lines_account')
        batch_op.create_index('ix_journal_lines_account', ['account_id', 'entry_id'], unique=False)
