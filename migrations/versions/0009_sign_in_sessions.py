"""sign-in sessions: one row per sign-in, so the server can end a session

Until now the session cookie carried the user's id and a tag of their password hash: signing
out only cleared the browser's cookie, and a copy of it kept working; deactivating a user and
reactivating them revived every old cookie. Each sign-in now opens a row here (the cookie holds
a random token, the row its SHA-256); signing out ends that row, deactivation and a new
password end all the user's rows. Cookies of the old form match no row: everyone signs in
once more after this upgrade.

`login_attempts.succeeded` may now be NULL: the attempt is recorded (and counts against the
throttle) before its password is checked, and the check's outcome is written after it.

Revision ID: 0009_sign_in_sessions
Revises: 0008_account_totals
Create Date: 2026-11-27 10:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_sign_in_sessions'
down_revision = '0008_account_totals'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.Enum('signed_out', 'deactivated', 'password_changed', name='session_end', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.CheckConstraint('(ended_at IS NULL) = (end_reason IS NULL)', name=op.f('ck_sign_in_sessions_ended_with_reason')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sign_in_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_sessions')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_sign_in_sessions_token_digest'))
    )
    with op.batch_alter_table('sign_in_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_sessions_user_open', ['user_id', 'ended_at'], unique=False)


    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.alter_column('succeeded', existing_type=sa.Boolean(), nullable=True)


def downgrade():
    op.execute("UPDATE login_attempts SET succeeded = false WHERE succeeded IS NULL")
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.alter_column('succeeded', existing_type=sa.Boolean(), nullable=False)
    op.drop_table('sign_in_sessions')
