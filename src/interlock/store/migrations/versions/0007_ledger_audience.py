"""Schema 7: each ledger entry's audience, part of its hash from now on (who may read
its event: a party's view shows the others a stub that still verifies), and the openings
of the notice fields it commits (ledger.commitments), kept outside every hash. Entries
chained before keep NULL in both: their hashes had no audience.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from interlock.store.migrations.helpers import set_schema_version

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("ledger")}
    for name in ("audience", "openings"):
        if name not in columns:
            op.add_column("ledger", sa.Column(name, sa.Text))
    set_schema_version(7)
