"""widget change feed: on PostgreSQL, changes to sites, articles and related lists notify the channel
clinicreads_widget with their site ids, so web processes can keep widget answers until their site changes

Revision ID: 0024_widget_change_feed
Revises: 0023_housekeeping
"""

from alembic import op

revision = "0024_widget_change_feed"
down_revision = "0023_housekeeping"
branch_labels = None
depends_on = None

#: table -> the column holding the site id
TABLES = {"sites": "id", "articles": "site_id", "related_lists": "site_id"}
#: event -> the transition tables its trigger sees
EVENTS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in TABLES.items():
        # Statement-level: one notification per site a statement touched, however many rows (a refit rewrites
        # every list of a site in a few statements; a trigger per row cost about 6 us a row).
        op.execute(
            f"""
            CREATE FUNCTION clinicreads_widget_changed_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    PERFORM pg_notify('clinicreads_widget', site::text)
                    FROM (SELECT DISTINCT {column} AS site FROM new_rows) AS changed;
                ELSIF TG_OP = 'UPDATE' THEN
                    PERFORM pg_notify('clinicreads_widget', site::text)
                    FROM (SELECT {column} AS site FROM new_rows UNION SELECT {column} FROM old_rows) AS changed;
                ELSE
                    PERFORM pg_notify('clinicreads_widget', site::text)
                    FROM (SELECT DISTINCT {column} AS site FROM old_rows) AS changed;
                END IF;
                RETURN NULL;
            END $$
            """
        )
        for event, tables in EVENTS.items():
            op.execute(
                f"CREATE TRIGGER clinicreads_widget_{event} AFTER {event.upper()} ON {table} {tables} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION clinicreads_widget_changed_{table}()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS clinicreads_widget_{event} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS clinicreads_widget_changed_{table}()")
