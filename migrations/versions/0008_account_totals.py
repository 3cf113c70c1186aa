"""account totals: each account's debits and credits, kept by a trigger on journal lines

A statement's opening balance and an account's balance summed every line the account ever had:
ten seasons of history made each statement slower. Lines are append-only, so their sums only
grow: a trigger adds each inserted line to its account's row in `account_totals`, in the same
transaction (a rolled-back line rolls back its total). The app only reads the table; `flask
ledger verify` recomputes it from the lines. Existing lines are summed in once here.

Revision ID: 0008_account_totals
Revises: 0007_open_obligations
Create Date: 2026-11-26 01:15:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008_account_totals'
down_revision = '0007_open_obligations'
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """CREATE TRIGGER journal_lines_account_totals AFTER INSERT ON journal_lines
BEGIN
    INSERT INTO account_totals (account_id, debit, credit, line_count)
    VALUES (NEW.account_id, NEW.debit, NEW.credit, 1)
    ON CONFLICT (account_id) DO UPDATE SET debit = debit + excluded.debit,
        credit = credit + excluded.credit, line_count = line_count + 1;
END"""

POSTGRESQL_TRIGGER = [
    """CREATE FUNCTION ledger_add_line_to_totals() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO account_totals AS total (account_id, debit, credit, line_count)
        VALUES (NEW.account_id, NEW.debit, NEW.credit, 1)
        ON CONFLICT (account_id) DO UPDATE SET debit = total.debit + excluded.debit,
            credit = total.credit + excluded.credit, line_count = total.line_count + 1;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER journal_lines_account_totals AFTER INSERT ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_add_line_to_totals()""",
]


def upgrade():
    op.create_table('account_totals',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_totals_account_id_accounts')),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_account_totals'))
    )
    op.execute("INSERT INTO account_totals (account_id, debit, credit, line_count) "
               "SELECT account_id, sum(debit), sum(credit), count(*) FROM journal_lines GROUP BY account_id")
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_TRIGGER:
            op.execute(statement)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS journal_lines_account_totals ON journal_lines")
        op.execute("DROP FUNCTION IF EXISTS ledger_add_line_to_totals()")
    else:
        op.execute("DROP TRIGGER IF EXISTS journal_lines_account_totals")
    op.drop_table('account_totals')
