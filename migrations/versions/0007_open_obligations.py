"""open obligations: an index that leads with the status

- obligations (status, payee_kind, payee_id): payables, the batch run and the outstanding total
  read the open obligations only; without it they scanned every obligation ever posted (about
  41,000 at ten seasons, of which ~200 are open).

Revision ID: 0007_open_obligations
Revises: 0006_scale
Create Date: 2026-11-26 01:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007_open_obligations'
down_revision = '0006_scale'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.create_index('ix_obligations_status', ['status', 'payee_kind', 'payee_id'], unique=False)


def downgrade():
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.drop_index('ix_obligations_status')
