"""Initial schema: applications, revisions, evidence, decisions, uses, audit and access chains.

Revision ID: 0001
Revises: (none)

The audit tables are append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL),
and on PostgreSQL the runtime role ``finaid_runtime`` may only INSERT and SELECT there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('access_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('person_keys', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('access_person',
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', 'person_key')
    )
    with op.batch_alter_table('access_person', schema=None) as batch_op:
        batch_op.create_index('ix_access_person', ['person_key', 'seq'], unique=False)

    op.create_table('application',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('municipality', sa.String(length=4), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('state_reason', sa.String(length=200), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('protected', sa.Boolean(), nullable=False),
    sa.Column('household_key', sa.String(length=64), nullable=True),
    sa.Column('current_revision_id', sa.String(length=26), nullable=True),
    sa.Column('current_decision_id', sa.String(length=26), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_note_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_household_key'), ['household_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_last_note_at'), ['last_note_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_municipality'), ['municipality'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_updated_at'), ['updated_at'], unique=False)

    op.create_table('audit_event',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_event'), ['event'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_subject'), ['subject'], unique=False)

    op.create_table('chain_head',
    sa.Column('chain', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('chain')
    )
    op.create_table('registry_evidence',
    sa.Column('request_id', sa.String(length=128), nullable=False),
    sa.Column('revision_id', sa.String(length=26), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('request_id')
    )
    with op.batch_alter_table('registry_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_evidence_revision_id'), ['revision_id'], unique=False)

    op.create_table('application_revision',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('application_id', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=71), nullable=False),
    sa.Column('sealed', sa.Boolean(), nullable=False),
    sa.Column('bundle_json', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'content_hash', name='uq_revision_content')
    )
    with op.batch_alter_table('application_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_revision_application_id'), ['application_id'], unique=False)

    op.create_table('decision',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('application_id', sa.String(length=64), nullable=False),
    sa.Column('revision_id', sa.String(length=26), nullable=False),
    sa.Column('revision_hash', sa.String(length=71), nullable=False),
    sa.Column('pack_id', sa.String(length=64), nullable=False),
    sa.Column('pack_hash', sa.String(length=71), nullable=False),
    sa.Column('guideline_id', sa.String(length=64), nullable=False),
    sa.Column('guideline_hash', sa.String(length=71), nullable=False),
    sa.Column('code_version', sa.String(length=64), nullable=False),
    sa.Column('municipality', sa.String(length=4), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('proposed_ore', sa.BigInteger(), nullable=True),
    sa.Column('basis_hash', sa.String(length=71), nullable=False),
    sa.Column('basis_json', sa.Text(), nullable=True),
    sa.Column('trace_json', sa.Text(), nullable=True),
    sa.Column('protected', sa.Boolean(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_by', sa.String(length=26), nullable=True),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['revision_id'], ['application_revision.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('revision_hash', 'pack_hash', 'guideline_hash', name='uq_decision_inputs')
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_guideline_id'), ['guideline_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_municipality'), ['municipality'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_pack_id'), ['pack_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_revision_id'), ['revision_id'], unique=False)
        batch_op.create_index('ix_decision_time', ['decided_at', 'id'], unique=False)

    op.create_table('decision_use',
    sa.Column('decision_id', sa.String(length=26), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('ref', sa.String(length=160), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], ),
    sa.PrimaryKeyConstraint('decision_id', 'kind', 'ref')
    )
    with op.batch_alter_table('decision_use', schema=None) as batch_op:
        batch_op.create_index('ix_decision_use_lookup', ['kind', 'ref', 'decided_at', 'decision_id'], unique=False)
    _append_only()
    op.bulk_insert(
        sa.table("chain_head", sa.column("chain", sa.String), sa.column("seq", sa.BigInteger),
                 sa.column("hash", sa.String)),
        [{"chain": "audit", "seq": 0, "hash": GENESIS}, {"chain": "access", "seq": 0, "hash": GENESIS}],
    )


GENESIS = "0" * 64
APPEND_ONLY = ("audit_event", "access_log", "access_person")


def _append_only() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION finaid_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION finaid_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION finaid_append_only()"
        )
    # The runtime role: INSERT/SELECT only on the audit tables, full DML elsewhere. Creating a role
    # needs CREATEROLE; where the migrating user lacks it, an operator creates it (README).
    op.execute(
        "DO $$ BEGIN "
        "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'finaid_runtime') THEN "
        "CREATE ROLE finaid_runtime NOLOGIN; END IF; "
        "EXCEPTION WHEN insufficient_privilege THEN RAISE NOTICE 'cannot create role finaid_runtime'; END $$"
    )
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'finaid_runtime') THEN "
        "EXECUTE 'GRANT USAGE ON SCHEMA ' || quote_ident(current_schema()) || ' TO finaid_runtime'; "
        "GRANT SELECT, INSERT ON audit_event, access_log, access_person TO finaid_runtime; "
        "GRANT SELECT, INSERT, UPDATE, DELETE ON application, application_revision, registry_evidence, "
        "decision, decision_use, chain_head TO finaid_runtime; "
        "END IF; END $$"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS finaid_append_only() CASCADE")
    with op.batch_alter_table('decision_use', schema=None) as batch_op:
        batch_op.drop_index('ix_decision_use_lookup')

    op.drop_table('decision_use')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index('ix_decision_time')
        batch_op.drop_index(batch_op.f('ix_decision_revision_id'))
        batch_op.drop_index(batch_op.f('ix_decision_pack_id'))
        batch_op.drop_index(batch_op.f('ix_decision_outcome'))
        batch_op.drop_index(batch_op.f('ix_decision_municipality'))
        batch_op.drop_index(batch_op.f('ix_decision_month'))
        batch_op.drop_index(batch_op.f('ix_decision_guideline_id'))
        batch_op.drop_index(batch_op.f('ix_decision_application_id'))

    op.drop_table('decision')
    with op.batch_alter_table('application_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_revision_application_id'))

    op.drop_table('application_revision')
    with op.batch_alter_table('registry_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_evidence_revision_id'))

    op.drop_table('registry_evidence')
    op.drop_table('chain_head')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_subject'))
        batch_op.drop_index(batch_op.f('ix_audit_event_event'))

    op.drop_table('audit_event')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_updated_at'))
        batch_op.drop_index(batch_op.f('ix_application_state'))
        batch_op.drop_index(batch_op.f('ix_application_municipality'))
        batch_op.drop_index(batch_op.f('ix_application_month'))
        batch_op.drop_index(batch_op.f('ix_application_last_note_at'))
        batch_op.drop_index(batch_op.f('ix_application_household_key'))

    op.drop_table('application')
    with op.batch_alter_table('access_person', schema=None) as batch_op:
        batch_op.drop_index('ix_access_person')

    op.drop_table('access_person')
    op.drop_table('access_log')
