//! Numbered migrations, each applied in its own transaction and recorded in
//! SQLite's `user_version`.

use rusqlite::Connection;

use crate::store::StoreError;

/// Migration `i` (0-based) brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_alerts_received.sql"),
    include_str!("migrations/0003_alerts_sms.sql"),
];

/// The schema version this build writes.
pub const VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to [`VERSION`]; refuses a database from a newer build.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_to(conn, VERSION)
}

/// Brings the database up to `target`, one step per transaction: what a
/// build that knew `target` migrations did.
fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if current > VERSION {
        return Err(StoreError::Migration(format!(
            "the database has schema version {current}, this server knows up to {VERSION}"
        )));
    }
    let steps = MIGRATIONS.iter().take(target as usize);
    for (index, sql) in steps.enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Migration(format!("step {}: {e}", index + 1)))?;
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_version(conn: &Connection) -> u32 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    fn strings(
        conn: &Connection,
        sql: &str,
        line: fn(&rusqlite::Row<'_>) -> rusqlite::Result<String>,
    ) -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt.query_map([], line).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    /// Every table, index and trigger: its SQL as stored, and the columns
    /// SQLite reports for it, in a stable text form.
    fn describe(conn: &Connection) -> Vec<String> {
        let objects = strings(
            conn,
            "SELECT type || ' ' || name || ' on ' || tbl_name || ': ' || coalesce(sql, '')
               FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
            |r| r.get(0),
        );
        let mut out = objects.clone();
        for object in &objects {
            let mut words = object.split(' ');
            let (kind, name) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let pragma = match kind {
                "table" => format!("SELECT '{name}.' || name || ': ' || type || ' notnull=' || \"notnull\" || ' default=' || coalesce(dflt_value, '-') || ' pk=' || pk FROM pragma_table_xinfo('{name}')"),
                "index" => format!("SELECT '{name}.' || seqno || ': ' || coalesce(name, '-') || ' desc=' || \"desc\" || ' key=' || \"key\" FROM pragma_index_xinfo('{name}')"),
                _ => continue,
            };
            out.extend(strings(conn, &pragma, |r| r.get(0)));
        }
        out
    }

    #[test]
    fn upgrading_step_by_step_from_every_old_schema_equals_a_fresh_database() {
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        let want = describe(&fresh);
        assert!(want
            .iter()
            .any(|l| l.starts_with("index alerts_received on alerts")));
        assert!(want
            .iter()
            .any(|l| l.starts_with("alerts.received_at_ms: INTEGER")));
        assert!(want
            .iter()
            .any(|l| l.starts_with("alerts.received_via: TEXT notnull=1 default='http'")));
        for first in 1..VERSION {
            let mut old = Connection::open_in_memory().unwrap();
            migrate_to(&mut old, first).unwrap();
            assert_eq!(user_version(&old), first);
            assert_ne!(
                describe(&old),
                want,
                "schema {first} is already the current one"
            );
            old.execute(
                "INSERT INTO organizations (name, kind, created_at_ms) VALUES ('Mercado', 'market', 1)",
                [],
            )
            .unwrap();
            for step in first + 1..=VERSION {
                migrate_to(&mut old, step).unwrap();
                assert_eq!(user_version(&old), step);
            }
            assert_eq!(describe(&old), want, "upgraded from schema {first}");
            // This build opening that old database takes every step at once.
            let mut jump = Connection::open_in_memory().unwrap();
            migrate_to(&mut jump, first).unwrap();
            migrate(&mut jump).unwrap();
            assert_eq!(
                describe(&jump),
                want,
                "migrated at once from schema {first}"
            );
            // The data survived the upgrade.
            let name: String = old
                .query_row("SELECT name FROM organizations", [], |r| r.get(0))
                .unwrap();
            assert_eq!(name, "Mercado");
        }
    }

    #[test]
    fn migrating_twice_is_a_no_op_and_sets_the_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let v: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, VERSION);
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::Migration(_))));
    }

    #[test]
    fn the_audit_log_is_append_only() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO audit_log (at_ms, actor, action) VALUES (1, 'cli', 'test')",
            [],
        )
        .unwrap();
        assert!(conn
            .execute("UPDATE audit_log SET action = 'x'", [])
            .is_err());
        assert!(conn.execute("DELETE FROM audit_log", []).is_err());
    }
}
