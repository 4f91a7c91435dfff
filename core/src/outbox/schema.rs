//! The versioned schema: `PRAGMA user_version`, numbered upgrade steps loaded
//! with `include_str!`, each applied in its own transaction.

use rusqlite::Connection;

use crate::CoreError;

/// The schema version this code writes.
pub(crate) const VERSION: u32 = 2;

/// The schema of a fresh database at [`VERSION`].
const CURRENT: &str = include_str!("sql/current.sql");

/// `STEPS[n]` takes a database from version `n` to `n + 1`.
const STEPS: [&str; VERSION as usize] = [
    include_str!("sql/001_init.sql"),
    include_str!("sql/002_sms_state.sql"),
];

fn user_version(conn: &Connection) -> Result<u32, CoreError> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    u32::try_from(v).map_err(|_| CoreError::Storage("negative schema version".into()))
}

/// Brings `conn` to [`VERSION`]: creates a fresh schema, or applies each
/// missing step in its own transaction. A database from a newer app is refused.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), CoreError> {
    let found = user_version(conn)?;
    if found > VERSION {
        return Err(CoreError::Storage(format!(
            "database schema {found} is newer than this app ({VERSION})"
        )));
    }
    if found == 0 {
        let tx = conn.transaction()?;
        tx.execute_batch(CURRENT)?;
        tx.pragma_update(None, "user_version", VERSION)?;
        return Ok(tx.commit()?);
    }
    for step in found..VERSION {
        upgrade_from(conn, step)?;
    }
    Ok(())
}

/// Applies the one step from `version` to `version + 1`.
fn upgrade_from(conn: &mut Connection, version: u32) -> Result<(), CoreError> {
    let sql = STEPS.get(version as usize).ok_or(CoreError::Storage(
        "no upgrade step for this schema version".into(),
    ))?;
    let tx = conn.transaction()?;
    tx.execute_batch(sql)?;
    tx.pragma_update(None, "user_version", version + 1)?;
    Ok(tx.commit()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table's columns and every index, in a stable text form.
    fn describe(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        let mut stmt = conn
            .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
            .unwrap();
        let objects: Vec<(String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (kind, name, table) in objects {
            if kind == "table" {
                let mut cols = conn
                    .prepare(&format!("PRAGMA table_xinfo({name})"))
                    .unwrap();
                let cols: Vec<String> = cols
                    .query_map([], |r| {
                        Ok(format!(
                            "{name}.{}: {} notnull={} default={:?} pk={}",
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, Option<String>>(4)?,
                            r.get::<_, i64>(5)?
                        ))
                    })
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                out.extend(cols);
            } else {
                let unique: i64 = conn
                    .query_row(
                        "SELECT \"unique\" FROM pragma_index_list(?1) WHERE name = ?2",
                        [&table, &name],
                        |r| r.get(0),
                    )
                    .unwrap();
                let mut cols = conn
                    .prepare(&format!("PRAGMA index_xinfo({name})"))
                    .unwrap();
                let cols: Vec<String> = cols
                    .query_map([], |r| Ok(format!("{:?}", r.get::<_, Option<String>>(2)?)))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                out.push(format!(
                    "{kind} {name} on {table} unique={unique} ({})",
                    cols.join(",")
                ));
            }
        }
        out
    }

    #[test]
    fn fresh_database_is_at_current_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), VERSION);
        // Migrating again is a no-op.
        migrate(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), VERSION);
    }

    #[test]
    fn upgrade_from_v1_equals_fresh() {
        let mut old = Connection::open_in_memory().unwrap();
        old.execute_batch(STEPS[0]).unwrap();
        old.pragma_update(None, "user_version", 1).unwrap();
        old.execute(
            "INSERT INTO alerts (id, created_at_ms, kind, silent, fix_json, body, last_tracked_fix_ms)
             VALUES ('a', 1, 'sos', 0, '{}', x'00', 0)",
            [],
        )
        .unwrap();
        migrate(&mut old).unwrap();

        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();

        assert_eq!(user_version(&old).unwrap(), VERSION);
        assert_eq!(describe(&old), describe(&fresh));
        assert!(describe(&fresh).iter().any(|l| l.contains("sms_state")));
        // The data survived the upgrade and got the new column's default.
        let sms: String = old
            .query_row("SELECT sms_state FROM alerts WHERE id = 'a'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(sms, "none");
    }

    #[test]
    fn newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        assert!(matches!(migrate(&mut conn), Err(CoreError::Storage(_))));
    }
}
