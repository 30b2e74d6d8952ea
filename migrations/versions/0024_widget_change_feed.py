"""widget change feed: on PostgreSQL, changes to sites, articles and related lists notify the channel
clinicreads_widget with their site id, so web processes can keep widget answers until their site changes

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


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in TABLES.items():
        # one function a table: the column is spelled in the body. pg_notify folds repeats of one payload
        # within a transaction, so a refit rewriting every list of a site sends one notification.
        op.execute(
            f"""
            CREATE FUNCTION clinicreads_widget_changed_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    PERFORM pg_notify('clinicreads_widget', OLD.{column}::text);
                ELSE
                    PERFORM pg_notify('clinicreads_widget', NEW.{column}::text);
                    IF TG_OP = 'UPDATE' AND OLD.{column} IS DISTINCT FROM NEW.{column} THEN
                        PERFORM pg_notify('clinicreads_widget', OLD.{column}::text);
                    END IF;
                END IF;
                RETURN NULL;
            END $$
            """
        )
        op.execute(
            f"CREATE TRIGGER clinicreads_widget_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION clinicreads_widget_changed_{table}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS clinicreads_widget_changed ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS clinicreads_widget_changed_{table}()")
