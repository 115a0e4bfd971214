//! One query body, compiled against both pools. The body is expanded twice,
//! once per backend, so it must only use what both drivers support.

/// Runs `$body` with `$pool` bound to the backend's pool.
#[macro_export]
#[doc(hidden)]
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store.backend() {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body`, a single writing statement, with `$pool` bound to the
/// pool writes go through (SQLite's writer connection, see `Store::open`).
#[macro_export]
#[doc(hidden)]
macro_rules! with_writer {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store.backend() {
            $crate::Backend::Sqlite(reader) => {
                let $pool = $store.sqlite_writer(reader);
                $body
            }
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` inside a write transaction bound to `$tx`, committing when
/// the body finishes and rolling back at once if it fails (`?` or an
/// explicit `return Err(..)` inside the body leave the body, not the
/// caller). SQLite transactions begin IMMEDIATE so that concurrent writers
/// queue on the busy timeout instead of failing when a read lock must be
/// upgraded.
#[macro_export]
#[doc(hidden)]
macro_rules! write_tx {
    ($store:expr, |$tx:ident| $body:expr) => {
        match $store.backend() {
            $crate::Backend::Sqlite(pool) => {
                let pool = $store.sqlite_writer(pool);
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let result: ::std::result::Result<_, $crate::StoreError> =
                    async { Ok($body) }.await;
                match result {
                    Ok(out) => {
                        $tx.commit().await?;
                        out
                    }
                    Err(e) => {
                        let _ = $tx.rollback().await;
                        return Err(e);
                    }
                }
            }
            $crate::Backend::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let result: ::std::result::Result<_, $crate::StoreError> =
                    async { Ok($body) }.await;
                match result {
                    Ok(out) => {
                        $tx.commit().await?;
                        out
                    }
                    Err(e) => {
                        let _ = $tx.rollback().await;
                        return Err(e);
                    }
                }
            }
        }
    };
}

/// Appends one activity event on the given connection (inside the caller's
/// transaction).
#[macro_export]
#[doc(hidden)]
macro_rules! append_activity {
    ($conn:expr, $ev:expr) => {{
        let ev: &guildhall_domain::NewActivity = $ev;
        sqlx::query(
            "INSERT INTO activity (at, kind, actor_id, actor_unit, community_id, subject_id, parent_id, other_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(ev.at.0)
        .bind(ev.kind.as_str())
        .bind(ev.actor.0)
        .bind(ev.actor_unit.map(|u| u.0))
        .bind(ev.community.map(|c| c.0))
        .bind(ev.subject)
        .bind(ev.parent)
        .bind(ev.other.map(|p| p.0))
        .execute($conn)
        .await?;
    }};
}
