//! Numbered migrations, each applied in its own transaction and recorded in
//! SQLite's `user_version`.

use rusqlite::{Connection, OptionalExtension};

use crate::store::StoreError;

/// Migration `i` (0-based) brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_alerts_received.sql"),
    include_str!("migrations/0003_alerts_sms.sql"),
    include_str!("migrations/0004_alerts_no_fix.sql"),
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
    if current >= target {
        return Ok(());
    }
    // A step that rebuilds a table (create, copy, drop, rename) must not
    // have the drop cascade into or be refused by its children's foreign
    // keys: SQLite's own procedure turns them off around the transaction
    // (the pragma is a no-op inside one) and checks them before committing.
    let foreign_keys: bool = conn.pragma_query_value(None, "foreign_keys", |row| row.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let result = run_steps(conn, current, target);
    conn.pragma_update(None, "foreign_keys", foreign_keys)?;
    result
}

fn run_steps(conn: &mut Connection, current: u32, target: u32) -> Result<(), StoreError> {
    let steps = MIGRATIONS.iter().take(target as usize);
    for (index, sql) in steps.enumerate().skip(current as usize) {
        let step = index + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Migration(format!("step {step}: {e}")))?;
        let broken: Option<String> = tx
            .query_row(
                "SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(table) = broken {
            return Err(StoreError::Migration(format!(
                "step {step}: a foreign key of table {table} is broken"
            )));
        }
        tx.pragma_update(None, "user_version", step as u32)?;
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
        assert!(want
            .iter()
            .any(|l| l == "alerts.lat: REAL notnull=0 default=- pk=0"));
        assert!(want
            .iter()
            .any(|l| l.starts_with("positions.refines: INTEGER notnull=1 default=0")));
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

    /// Migration 4 rebuilds `alerts`: its rows, their positions and the
    /// foreign keys survive, and the newest position becomes the one of the
    /// highest sequence number (before: the one stamped latest).
    #[test]
    fn migration_4_keeps_the_alerts_and_orders_their_newest_position_by_seq() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        migrate_to(&mut conn, 3).unwrap();
        conn.execute_batch(
            r#"INSERT INTO devices (id, public_key, profile_json, enrolled_with, enrolled_at_ms)
                   VALUES ('d', x'00', '{}', 'code', 1);
               INSERT INTO alerts (id, device_id, raw, kind, silent, created_at_ms, received_at_ms,
                   updated_at_ms, status, lat, lon, accuracy_m, fix_source, fixed_at_ms, fix_json,
                   last_lat, last_lon, last_accuracy_m, last_fixed_at_ms, reporter_json)
                 VALUES ('a1', 'd', x'01', 'sos', 0, 5, 5, 5, 'new', -8.0, -79.0, 9.0,
                   'registered_place', 9000, '{}', -8.1, -79.1, 9.0, 9000, '{}'),
                   ('a2', 'd', x'02', 'sos', 0, 5, 5, 5, 'new', -8.2, -79.2, 9.0, 'gps', 4, '{}',
                   -8.2, -79.2, 9.0, 4, '{}');
               INSERT INTO positions (alert_id, seq, lat, lon, accuracy_m, fixed_at_ms, fix_json,
                   received_at_ms)
                 VALUES ('a1', 1, -8.1, -79.1, 9.0, 9000, '{"source":"gps"}', 6),
                   ('a1', 2, -8.3, -79.3, 5.0, 7, '{"source":"network"}', 7);"#,
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let last = |id: &str| -> (f64, String, Option<u32>) {
            conn.query_row(
                "SELECT last_lat, last_fix_source, last_seq FROM alerts WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        };
        assert_eq!(last("a1"), (-8.3, "network".to_string(), Some(2)));
        assert_eq!(last("a2"), (-8.2, "gps".to_string(), None));
        let refines: i64 = conn
            .query_row(
                "SELECT count(*) FROM positions WHERE refines = 0",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(refines, 2);
        let fk: bool = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert!(fk, "foreign keys are on again");
        // An alert with no position fits now; a position of no alert does not.
        conn.execute(
            "INSERT INTO alerts (id, device_id, raw, kind, silent, created_at_ms, received_at_ms,
                 updated_at_ms, status, reporter_json) VALUES ('a3', 'd', x'03', 'sos', 0, 5, 5, 5, 'new', '{}')",
            [],
        )
        .unwrap();
        assert!(conn
            .execute(
                "INSERT INTO positions (alert_id, seq, lat, lon, accuracy_m, fixed_at_ms, fix_json,
                     received_at_ms) VALUES ('nope', 1, 1.0, 1.0, 1.0, 1, '{}', 1)",
                [],
            )
            .is_err());
        // Half a fix is refused.
        assert!(conn
            .execute("UPDATE alerts SET lat = 1.0 WHERE id = 'a3'", [])
            .is_err());
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
