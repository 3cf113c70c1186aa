"""ledger: accounts, the append-only journal, obligations, rate card, exchange rates, periods

The journal's rules are enforced by triggers as well as by the application, so they hold even
against hand-written SQL:
- append-only: UPDATE and DELETE on journal_lines always fail; on journal_entries DELETE always
  fails and UPDATE fails except the one flip of `posted` from false to true;
- balanced: an entry is inserted unposted, its lines are written, then `posted` is flipped; the
  trigger on that flip refuses it unless it has two or more lines whose debits equal credits.
  Lines cannot be added to a posted entry, and an entry cannot be inserted already posted.
  PostgreSQL additionally runs DEFERRABLE INITIALLY DEFERRED constraint triggers at commit:
  every entry written in the transaction must be posted and balanced by then;
- closed months: no entry can be inserted dated inside a closed accounting period.

Revision ID: 0003_ledger
Revises: 0002_operations
Create Date: 2026-11-25 22:15:21.708264

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_ledger'
down_revision = '0002_operations'
branch_labels = None
depends_on = None


# The accounts every ledger has (mirrors app.ledger.services.SYSTEM_ACCOUNTS; migrations never import app code).
SYSTEM_ACCOUNTS = [
    ("expenses:homestays", "Homestays", "expense"),
    ("expenses:workshops", "Weaving workshops", "expense"),
    ("expenses:community-fees", "Community fees", "expense"),
    ("expenses:porterage", "Porterage", "expense"),
    ("expenses:arrieros-mules", "Arrieros and mules", "expense"),
    ("expenses:cooks", "Cooks", "expense"),
    ("expenses:guides", "Guides", "expense"),
    ("assets:cash:box", "Cash box", "asset"),
    ("assets:bank", "Bank", "asset"),
    ("assets:wallet:yape", "Yape wallet", "asset"),
    ("assets:wallet:plin", "Plin wallet", "asset"),
    ("liabilities:community-funds", "Community funds", "liability"),
]

APPEND_ONLY = "journal entries and lines are append-only: post a reversing entry instead"
UNBALANCED = "a journal entry needs two or more lines whose debits equal its credits"
CLOSED = "the accounting period of this entry is closed"
LINE_ON_POSTED = "lines cannot be added to a posted journal entry"
INSERTED_POSTED = "a journal entry is inserted unposted and posted once its lines are written"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER journal_entries_insert_unposted BEFORE INSERT ON journal_entries
    WHEN NEW.posted <> 0
    BEGIN SELECT RAISE(ABORT, '{INSERTED_POSTED}'); END""",
    f"""CREATE TRIGGER journal_entries_closed_period BEFORE INSERT ON journal_entries
    WHEN EXISTS (SELECT 1 FROM accounting_periods
                 WHERE year = CAST(strftime('%Y', NEW.entry_date) AS INTEGER)
                   AND month = CAST(strftime('%m', NEW.entry_date) AS INTEGER)
                   AND closed_at IS NOT NULL)
    BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
    f"""CREATE TRIGGER journal_entries_append_only BEFORE UPDATE ON journal_entries
    WHEN OLD.posted <> 0 OR NEW.posted = 0 OR NEW.id <> OLD.id OR NEW.entry_date <> OLD.entry_date
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER journal_entries_post_balanced BEFORE UPDATE OF posted ON journal_entries
    WHEN OLD.posted = 0 AND NEW.posted <> 0 AND (
        (SELECT count(*) FROM journal_lines WHERE entry_id = NEW.id) < 2
        OR (SELECT coalesce(sum(debit), 0) - coalesce(sum(credit), 0)
            FROM journal_lines WHERE entry_id = NEW.id) <> 0)
    BEGIN SELECT RAISE(ABORT, '{UNBALANCED}'); END""",
    f"""CREATE TRIGGER journal_entries_no_delete BEFORE DELETE ON journal_entries
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER journal_lines_entry_unposted BEFORE INSERT ON journal_lines
    WHEN (SELECT posted FROM journal_entries WHERE id = NEW.entry_id) <> 0
    BEGIN SELECT RAISE(ABORT, '{LINE_ON_POSTED}'); END""",
    f"""CREATE TRIGGER journal_lines_no_update BEFORE UPDATE ON journal_lines
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER journal_lines_no_delete BEFORE DELETE ON journal_lines
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
]
SQLITE_TRIGGER_NAMES = [
    "journal_entries_insert_unposted", "journal_entries_closed_period", "journal_entries_append_only",
    "journal_entries_post_balanced", "journal_entries_no_delete", "journal_lines_entry_unposted",
    "journal_lines_no_update", "journal_lines_no_delete",
]

POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION ledger_entry_balances(entry integer) RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT count(*) >= 2 AND coalesce(sum(debit), 0) = coalesce(sum(credit), 0)
        FROM journal_lines WHERE entry_id = entry
    $$""",
    f"""CREATE FUNCTION ledger_guard_entries() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'integrity_constraint_violation';
        ELSIF TG_OP = 'INSERT' THEN
            IF NEW.posted THEN
                RAISE EXCEPTION '{INSERTED_POSTED}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF EXISTS (SELECT 1 FROM accounting_periods
                       WHERE year = extract(year FROM NEW.entry_date)
                         AND month = extract(month FROM NEW.entry_date)
                         AND closed_at IS NOT NULL) THEN
                RAISE EXCEPTION '{CLOSED}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END IF;
        IF OLD.posted OR NOT NEW.posted OR NEW.id <> OLD.id OR NEW.entry_date <> OLD.entry_date THEN
            RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF NOT ledger_entry_balances(NEW.id) THEN
            RAISE EXCEPTION '{UNBALANCED}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER journal_entries_guard BEFORE INSERT OR UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_guard_entries()""",
    f"""CREATE FUNCTION ledger_guard_lines() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF (SELECT posted FROM journal_entries WHERE id = NEW.entry_id) THEN
            RAISE EXCEPTION '{LINE_ON_POSTED}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER journal_lines_guard BEFORE INSERT OR UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_guard_lines()""",
    # At commit: every entry written in the transaction is posted and balanced.
    f"""CREATE FUNCTION ledger_assert_posted_and_balanced(entry integer) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT (SELECT posted FROM journal_entries WHERE id = entry) OR NOT ledger_entry_balances(entry) THEN
            RAISE EXCEPTION '{UNBALANCED} (entry %)', entry USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END $$""",
    """CREATE FUNCTION ledger_check_entry_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM ledger_assert_posted_and_balanced(NEW.id); RETURN NULL; END $$""",
    """CREATE FUNCTION ledger_check_line_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM ledger_assert_posted_and_balanced(NEW.entry_id); RETURN NULL; END $$""",
    """CREATE CONSTRAINT TRIGGER journal_entries_balanced_at_commit AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_at_commit()""",
    """CREATE CONSTRAINT TRIGGER journal_lines_balanced_at_commit AFTER INSERT ON journal_lines
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_line_at_commit()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS journal_lines_balanced_at_commit ON journal_lines",
    "DROP TRIGGER IF EXISTS journal_entries_balanced_at_commit ON journal_entries",
    "DROP TRIGGER IF EXISTS journal_lines_guard ON journal_lines",
    "DROP TRIGGER IF EXISTS journal_entries_guard ON journal_entries",
    "DROP FUNCTION IF EXISTS ledger_check_entry_at_commit()",
    "DROP FUNCTION IF EXISTS ledger_check_line_at_commit()",
    "DROP FUNCTION IF EXISTS ledger_assert_posted_and_balanced(integer)",
    "DROP FUNCTION IF EXISTS ledger_guard_lines()",
    "DROP FUNCTION IF EXISTS ledger_guard_entries()",
    "DROP FUNCTION IF EXISTS ledger_entry_balances(integer)",
]


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('asset', 'liability', 'expense', 'income', 'equity', name='account_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('payee_kind', sa.Enum('community', 'family', 'association', 'staff', name='payee_kind', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('payee_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("payee_kind IS NULL OR kind = 'liability'", name=op.f('ck_accounts_payee_accounts_are_liabilities')),
    sa.CheckConstraint('(payee_kind IS NULL) = (payee_id IS NULL)', name=op.f('ck_accounts_payee_both_or_neither')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('code', name=op.f('uq_accounts_code')),
    sa.UniqueConstraint('payee_kind', 'payee_id', name='uq_accounts_payee')
    )
    op.create_table('accounting_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('(closed_at IS NULL) = (closed_by_id IS NULL)', name=op.f('ck_accounting_periods_closed_by_whom')),
    sa.CheckConstraint('month BETWEEN 1 AND 12', name=op.f('ck_accounting_periods_month_range')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_accounting_periods_year_range')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_accounting_periods_closed_by_id_users')),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['users.id'], name=op.f('fk_accounting_periods_reopened_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounting_periods')),
    sa.UniqueConstraint('year', 'month', name='uq_accounting_periods_year_month')
    )
    op.create_table('exchange_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rate_date', sa.Date(), nullable=False),
    sa.Column('usd_to_pen', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('usd_to_pen > 0', name=op.f('ck_exchange_rates_rate_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_exchange_rates_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rates')),
    sa.UniqueConstraint('rate_date', name=op.f('uq_exchange_rates_rate_date'))
    )
    op.create_table('journal_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('memo', sa.String(length=255), nullable=False),
    sa.Column('source_type', sa.Enum('departure', 'payment', 'adjustment', name='entry_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('reverses_entry_id', sa.Integer(), nullable=True),
    sa.Column('adjusts_entry_id', sa.Integer(), nullable=True),
    sa.Column('transfer_id', sa.String(length=80), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posted', sa.Boolean(), nullable=False),
    sa.CheckConstraint('length(memo) > 0', name=op.f('ck_journal_entries_memo_present')),
    sa.CheckConstraint('reverses_entry_id IS NULL OR reverses_entry_id <> id', name=op.f('ck_journal_entries_not_self_reversal')),
    sa.ForeignKeyConstraint(['adjusts_entry_id'], ['journal_entries.id'], name=op.f('fk_journal_entries_adjusts_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_journal_entries_created_by_id_users')),
    sa.ForeignKeyConstraint(['reverses_entry_id'], ['journal_entries.id'], name=op.f('fk_journal_entries_reverses_entry_id_journal_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entries')),
    sa.UniqueConstraint('reverses_entry_id', name=op.f('uq_journal_entries_reverses_entry_id')),
    sa.UniqueConstraint('transfer_id', name=op.f('uq_journal_entries_transfer_id'))
    )
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_entries_adjusts_entry_id'), ['adjusts_entry_id'], unique=False)
        batch_op.create_index('ix_journal_entries_date', ['entry_date', 'id'], unique=False)
        batch_op.create_index('ix_journal_entries_source', ['source_type', 'source_id'], unique=False)
        batch_op.create_index('uq_journal_entries_departure_posting', ['source_id'], unique=True, sqlite_where=sa.text("source_type = 'departure'"), postgresql_where=sa.text("source_type = 'departure'"))

    op.create_table('rate_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service', sa.Enum('homestay_night', 'workshop_participant', 'visitor_fee', 'hot_springs', 'arriero_day', 'mule_day', 'cook_day', 'porter_day', 'guide_day', name='service_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('rate', sa.BigInteger(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rate > 0', name=op.f('ck_rate_cards_rate_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_rate_cards_community_id_communities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_rate_cards_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_cards')),
    sa.UniqueConstraint('service', 'community_id', 'effective_from', name='uq_rate_cards_service_community_from')
    )
    with op.batch_alter_table('rate_cards', schema=None) as batch_op:
        batch_op.create_index('uq_rate_cards_default_from', ['service', 'effective_from'], unique=True, sqlite_where=sa.text('community_id IS NULL'), postgresql_where=sa.text('community_id IS NULL'))

    op.create_table('journal_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.CheckConstraint('(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)', name=op.f('ck_journal_lines_one_side_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_journal_lines_account_id_accounts')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_journal_lines_entry_id_journal_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_lines'))
    )
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.create_index('ix_journal_lines_account', ['account_id', 'entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_lines_entry_id'), ['entry_id'], unique=False)

    op.create_table('obligations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payee_kind', sa.Enum('community', 'family', 'association', 'staff', name='payee_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('payee_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('service', sa.Enum('homestay_night', 'workshop_participant', 'visitor_fee', 'hot_springs', 'arriero_day', 'mule_day', 'cook_day', 'porter_day', 'guide_day', name='service_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_rate', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('amount_paid', sa.BigInteger(), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=False),
    sa.Column('trek_end_date', sa.Date(), nullable=False),
    sa.Column('departure_id', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('rate_card_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('open', 'settled', 'voided', name='obligation_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('void_entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'open' OR amount_paid < amount", name=op.f('ck_obligations_open_means_unpaid')),
    sa.CheckConstraint("status <> 'settled' OR amount_paid = amount", name=op.f('ck_obligations_settled_means_paid')),
    sa.CheckConstraint("status <> 'voided' OR amount_paid = 0", name=op.f('ck_obligations_voided_means_unpaid')),
    sa.CheckConstraint('amount = quantity * unit_rate', name=op.f('ck_obligations_amount_is_quantity_times_rate')),
    sa.CheckConstraint('amount_paid >= 0 AND amount_paid <= amount', name=op.f('ck_obligations_paid_within_amount')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_obligations_quantity_positive')),
    sa.CheckConstraint('unit_rate > 0', name=op.f('ck_obligations_unit_rate_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_obligations_community_id_communities')),
    sa.ForeignKeyConstraint(['departure_id'], ['departures.id'], name=op.f('fk_obligations_departure_id_departures')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_obligations_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['rate_card_id'], ['rate_cards.id'], name=op.f('fk_obligations_rate_card_id_rate_cards')),
    sa.ForeignKeyConstraint(['void_entry_id'], ['journal_entries.id'], name=op.f('fk_obligations_void_entry_id_journal_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obligations'))
    )
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_obligations_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligations_departure_id'), ['departure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligations_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('ix_obligations_payee', ['payee_kind', 'payee_id', 'status'], unique=False)

    # ### end Alembic commands ###
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    for code, name, kind in SYSTEM_ACCOUNTS:
        op.execute(sa.text(
            "INSERT INTO accounts (code, name, kind, created_at) VALUES (:code, :name, :kind, CURRENT_TIMESTAMP)"
        ).bindparams(code=code, name=name, kind=kind))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_DROP:
            op.execute(statement)
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.drop_index('ix_obligations_payee')
        batch_op.drop_index(batch_op.f('ix_obligations_entry_id'))
        batch_op.drop_index(batch_op.f('ix_obligations_departure_id'))
        batch_op.drop_index(batch_op.f('ix_obligations_community_id'))

    op.drop_table('obligations')
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_lines_entry_id'))
        batch_op.drop_index('ix_journal_lines_account')

    op.drop_table('journal_lines')
    with op.batch_alter_table('rate_cards', schema=None) as batch_op:
        batch_op.drop_index('uq_rate_cards_default_from', sqlite_where=sa.text('community_id IS NULL'), postgresql_where=sa.text('community_id IS NULL'))

    op.drop_table('rate_cards')
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_journal_entries_departure_posting', sqlite_where=sa.text("source_type = 'departure'"), postgresql_where=sa.text("source_type = 'departure'"))
        batch_op.drop_index('ix_journal_entries_source')
        batch_op.drop_index('ix_journal_entries_date')
        batch_op.drop_index(batch_op.f('ix_journal_entries_adjusts_entry_id'))

    op.drop_table('journal_entries')
    op.drop_table('exchange_rates')
    op.drop_table('accounting_periods')
    op.drop_table('accounts')
    # ### end Alembic commands ###
