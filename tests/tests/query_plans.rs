//! The hot PostgreSQL statements of `shared/src` are served by indexes.
//!
//! Every statement of the shared crate that finds rows (a WHERE clause, a JOIN, or ORDER BY …
//! LIMIT) is listed below with the function and route that runs it, its SQL copied verbatim
//! from the code and realistic parameters of the types the code binds. Each one is planned in
//! its own transaction with `SET LOCAL enable_seqscan = off` and `EXPLAIN (FORMAT JSON)`: with
//! sequential scans disabled PostgreSQL still picks a "Seq Scan" only when no index can serve
//! the condition, so a Seq Scan anywhere in the plan means a missing index. EXPLAIN without
//! ANALYZE plans the UPDATE and DELETE statements without running them, so nothing changes.
//!
//! INSERTs are left out (they find no rows). The tenant record statements run against a tenant
//! schema provisioned here the way `tests/tenants.rs` does, with that schema as `search_path`
//! as the tenant pools set it. The last test plans the ON DELETE CASCADE / SET NULL actions
//! PostgreSQL runs for the code's DELETEs: they are not in the code, but they cost as much.
//!
//! Run (the local cloud up, migrations applied):
//!
//! ```sh
//! set -a && source .local/stack.env && set +a
//! cargo test -p integration-tests --test query_plans -- --nocapture   # prints the index each uses
//! ```

use chrono::{DateTime, Utc};
use integration_tests::postgres;
use serde_json::{Value, json};
use shared::domain::tenants::TenantId;
use shared::adapters::tenant_records::{NewTenant, provision};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

/// A statement as the code sends it, with parameters of the types the code binds.
struct Statement {
    /// The function (and route or consumer) that runs it.
    name: &'static str,
    sql: String,
    params: Vec<Box<dyn ToSql + Sync + Send>>,
}

fn statement(
    name: &'static str,
    sql: impl Into<String>,
    params: Vec<Box<dyn ToSql + Sync + Send>>,
) -> Statement {
    Statement {
        name,
        sql: sql.into(),
        params,
    }
}

/// A node of a plan that reads a table or an index: "Seq Scan" on `table`, "Index Scan" with
/// `index`, "Bitmap Index Scan" (an `index`, no table) under a "Bitmap Heap Scan" (a `table`)…
#[derive(Debug)]
struct ScanNode {
    node_type: String,
    table: Option<String>,
    index: Option<String>,
}

/// Every scan of the plan tree, sub-plans and init-plans included. ModifyTable names the table
/// it writes but reads nothing itself: its rows come from the scans below it.
fn scan_nodes(plan: &Value, scans: &mut Vec<ScanNode>) {
    let node_type = plan["Node Type"].as_str().unwrap_or("?");
    let table = plan["Relation Name"].as_str().map(str::to_string);
    let index = plan["Index Name"].as_str().map(str::to_string);
    if node_type != "ModifyTable" && (table.is_some() || index.is_some()) {
        scans.push(ScanNode {
            node_type: node_type.to_string(),
            table,
            index,
        });
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        scan_nodes(child, scans);
    }
}

/// Plans each statement with sequential scans disabled (and `search_path`, for tenant tables)
/// and checks its scans; prints what each one uses.
async fn assert_served_by_indexes(statements: Vec<Statement>, search_path: Option<&str>) {
    let mut client = postgres().await;
    let mut failures = Vec::new();
    for statement in &statements {
        let transaction = client.transaction().await.expect("begin");
        transaction
            .batch_execute("SET LOCAL enable_seqscan = off")
            .await
            .expect("disable sequential scans");
        if let Some(schema) = search_path {
            transaction
                .batch_execute(&format!("SET LOCAL search_path = {schema}"))
                .await
                .expect("tenant search_path");
        }
        let params: Vec<&(dyn ToSql + Sync)> = statement
            .params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let explained = transaction
            .query_one(&format!("EXPLAIN (FORMAT JSON) {}", statement.sql), &params)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "{}: EXPLAIN failed: {e:?}\n{}",
                    statement.name, statement.sql
                )
            });
        // Nothing ran, but a rollback says so plainly.
        transaction.rollback().await.expect("rollback");

        let plan: Value = explained.get(0);
        let mut scans = Vec::new();
        scan_nodes(&plan[0]["Plan"], &mut scans);
        let seq_scanned: Vec<&str> = scans
            .iter()
            .filter(|s| s.node_type == "Seq Scan")
            .filter_map(|s| s.table.as_deref())
            .collect();
        // What serves the statement: its indexes, and the tables read without one.
        let served_by: Vec<String> = scans
            .iter()
            .filter_map(|s| match (&s.index, &s.table) {
                (Some(index), _) => Some(index.clone()),
                (None, Some(table)) if s.node_type == "Seq Scan" => {
                    Some(format!("Seq Scan on {table}"))
                }
                _ => None,
            })
            .collect();
        println!("{:<62} {}", statement.name, served_by.join(", "));

        let plan_text = serde_json::to_string_pretty(&plan).unwrap_or_else(|_| plan.to_string());
        if !seq_scanned.is_empty() {
            failures.push(format!(
                "{}: Seq Scan on {} (no index serves it)\n{}\n{plan_text}",
                statement.name,
                seq_scanned.join(", "),
                statement.sql
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} statements:\n\n{}",
        failures.len(),
        statements.len(),
        failures.join("\n\n")
    );
}

// Column lists, copied from the code (they are private there) so the SQL below is the code's.
/// shared/src/chat.rs
const SESSION_COLUMNS: &str = "id, user_id, title, created_at, updated_at";
/// shared/src/chat/messages.rs
const MESSAGE_COLUMNS: &str =
    "id, session_id, sender_id, seq, kind, body, media_url, media_type, created_at, edited_at";
/// shared/src/chat/users.rs
const USER_COLUMNS: &str = "id, username, email, role, created_at, last_login_at";
/// shared/src/chat/business.rs
const VENDOR_COLUMNS: &str =
    "v.id, v.session_id, v.name, v.email, v.phone, v.created_at, v.updated_at";
/// shared/src/chat/business.rs
const SELLER_COLUMNS: &str =
    "x.id, x.session_id, x.name, x.product, x.price_cents, x.currency, x.created_at, x.updated_at";
/// shared/src/tenants/records.rs
const RECORD_COLUMNS: &str = "id, data, version, created_at, updated_at";

/// A page of 20 (the routes' default) plus the one row that tells whether there is more.
const PAGE_PLUS_ONE: i64 = 21;
const USER_ID: i64 = 42;

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("valid timestamp")
        .with_timezone(&Utc)
}

/// SHA-256 of a refresh token, as `refresh_token_hash` stores it.
fn refresh_token_hash() -> Vec<u8> {
    vec![0xa5; 32]
}

#[tokio::test]
async fn identity_outbox_and_directory_statements_use_indexes() {
    let session = Uuid::now_v7();
    let statements = vec![
        // shared/src/adapters/postgres.rs, UserStore::find_by_username
        statement(
            "login, api-login, v1-auth-login: find_by_username",
            "SELECT id, username, role, password_hash, tenant_id FROM users WHERE lower(username) = lower($1)",
            vec![Box::new("Alice")],
        ),
        // shared/src/adapters/postgres.rs, UserStore::complete_login
        statement(
            "login, api-login, v1-auth-login: complete_login (users)",
            "UPDATE users SET last_login_at = now(), \
             password_hash = COALESCE($2, password_hash), \
             updated_at = CASE WHEN $2::text IS NULL THEN updated_at ELSE now() END \
             WHERE id = $1",
            vec![Box::new(USER_ID), Box::new(None::<String>)],
        ),
        // shared/src/adapters/postgres.rs, UserStore::user_exists
        statement(
            "introspect, profile, api-logout, v1-auth-logout: user_exists",
            "SELECT 1 FROM users WHERE id = $1",
            vec![Box::new(USER_ID)],
        ),
        // shared/src/adapters/postgres.rs, RefreshStore::rotate
        statement(
            "v1-auth-refresh: rotate (find the presented token)",
            "SELECT rt.family_id, rt.used_at IS NOT NULL OR rt.revoked_at IS NOT NULL OR ls.ended_at IS NOT NULL, \
                        rt.expires_at < now(), u.id, u.username, u.role, u.password_hash, u.tenant_id \
                 FROM refresh_tokens rt JOIN users u ON u.id = rt.user_id JOIN login_sessions ls ON ls.id = rt.family_id \
                 WHERE rt.token_hash = $1 FOR UPDATE OF rt",
            vec![Box::new(refresh_token_hash())],
        ),
        // shared/src/adapters/postgres.rs, RefreshStore::rotate
        statement(
            "v1-auth-refresh: rotate (reuse revokes the family)",
            "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE family_id = $1 RETURNING access_jti",
            vec![Box::new(session)],
        ),
        // shared/src/adapters/postgres.rs, RefreshStore::rotate
        statement(
            "v1-auth-refresh: rotate (reuse ends the session)",
            "UPDATE login_sessions SET ended_at = COALESCE(ended_at, now()), end_reason = COALESCE(end_reason, 'refresh_token_reuse') WHERE id = $1",
            vec![Box::new(session)],
        ),
        // shared/src/adapters/postgres.rs, RefreshStore::rotate
        statement(
            "v1-auth-refresh: rotate (spend the token)",
            "UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1",
            vec![Box::new(refresh_token_hash())],
        ),
        // shared/src/adapters/postgres.rs, RefreshStore::rotate
        statement(
            "v1-auth-refresh: rotate (session seen)",
            "UPDATE login_sessions SET last_seen_at = now() WHERE id = $1",
            vec![Box::new(session)],
        ),
        // shared/src/adapters/postgres.rs, RefreshStore::record_logout
        statement(
            "api-logout, v1-auth-logout: record_logout (end the session)",
            "UPDATE login_sessions SET ended_at = COALESCE(ended_at, now()), end_reason = COALESCE(end_reason, 'logout') \
                 WHERE id = $1 AND user_id = $2",
            vec![Box::new(session), Box::new(USER_ID)],
        ),
        // shared/src/adapters/postgres.rs, RefreshStore::record_logout
        statement(
            "api-logout, v1-auth-logout: record_logout (revoke the family)",
            "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE family_id = $1 AND user_id = $2 RETURNING access_jti",
            vec![Box::new(session), Box::new(USER_ID)],
        ),
        // shared/src/adapters/postgres.rs, Postgres::profile
        statement(
            "profile: Postgres::profile",
            "SELECT id, username, email, role, tenant_id, created_at, last_login_at FROM users WHERE id = $1",
            vec![Box::new(USER_ID)],
        ),
        // shared/src/adapters/postgres.rs, Postgres::find_user_summary
        statement(
            "user-lookup-soap: find_user_summary",
            "SELECT id, username FROM users WHERE lower(username) = lower($1)",
            vec![Box::new("Alice")],
        ),
        // shared/src/adapters/postgres.rs, OutboxStore::claim_pending
        statement(
            "outbox-relay: claim_pending",
            "UPDATE outbox SET claimed_until = now() + interval '30 seconds', attempts = attempts + 1 \
                 WHERE event_id IN ( \
                   SELECT event_id FROM outbox \
                   WHERE claimed_until IS NULL OR claimed_until < now() \
                   ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED) \
                 RETURNING queue, payload, created_at",
            vec![Box::new(25_i64)],
        ),
        // shared/src/adapters/postgres.rs, OutboxStore::mark_delivered
        statement(
            "outbox-relay and event-writing routes: mark_delivered",
            "DELETE FROM outbox WHERE event_id = $1",
            vec![Box::new(Uuid::now_v7())],
        ),
        // shared/src/adapters/postgres.rs, OutboxStore::release
        statement(
            "outbox-relay and event-writing routes: release",
            "UPDATE outbox SET claimed_until = now() + interval '5 seconds', last_error = left($2, 1000) WHERE event_id = $1",
            vec![
                Box::new(Uuid::now_v7()),
                Box::new("SQS: service unavailable"),
            ],
        ),
        // shared/src/adapters/postgres.rs, UserDirectory::user_id_by_username
        statement(
            "last-connection, sessions-*: user_id_by_username",
            "SELECT id FROM users WHERE lower(username) = lower($1)",
            vec![Box::new("Alice")],
        ),
        // shared/src/tenants/records.rs, PostgresDirectory::find
        statement(
            "tenant-data-*: PostgresDirectory::find",
            "SELECT id, name, status, db_host, db_port, db_name, pool_max_size, rate_limit, rate_window_seconds \
                 FROM tenants WHERE id = $1",
            vec![Box::new("acme")],
        ),
    ];
    assert_served_by_indexes(statements, None).await;
}

#[tokio::test]
async fn chat_statements_use_indexes() {
    let (session, message, vendor, seller) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let cursor_at = Some(at("2025-06-01T12:00:00Z"));
    let statements = vec![
        // shared/src/chat.rs, ChatApi::list_sessions (second page: with a cursor)
        statement(
            "chat-sessions-list: list_sessions",
            format!(
                "SELECT {SESSION_COLUMNS} FROM chat_sessions WHERE user_id = $1 \
                     AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3)) \
                     ORDER BY created_at DESC, id DESC LIMIT $4"
            ),
            vec![
                Box::new(USER_ID),
                Box::new(cursor_at),
                Box::new(Some(session)),
                Box::new(PAGE_PLUS_ONE),
            ],
        ),
        // shared/src/chat.rs, ChatApi::session
        statement(
            "chat-sessions-get and every route of a session: session",
            format!("SELECT {SESSION_COLUMNS} FROM chat_sessions WHERE id = $1"),
            vec![Box::new(session)],
        ),
        // shared/src/chat.rs, ChatApi::rename_session
        statement(
            "chat-sessions-update: rename_session",
            format!(
                "UPDATE chat_sessions SET title = $2, updated_at = now() WHERE id = $1 RETURNING {SESSION_COLUMNS}"
            ),
            vec![Box::new(session), Box::new("Groceries")],
        ),
        // shared/src/chat.rs, ChatApi::delete_session
        statement(
            "chat-sessions-delete: delete_session",
            "DELETE FROM chat_sessions WHERE id = $1",
            vec![Box::new(session)],
        ),
        // shared/src/chat/messages.rs, ChatApi::messages
        statement(
            "chat-messages-list: messages",
            format!(
                "SELECT {MESSAGE_COLUMNS} FROM chat_messages WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
            ),
            vec![
                Box::new(session),
                Box::new(1_000_i64),
                Box::new(PAGE_PLUS_ONE),
            ],
        ),
        // shared/src/chat/messages.rs, ChatApi::message
        statement(
            "chat-messages-get/-update/-delete: message",
            format!(
                "SELECT m.{} , s.user_id AS owner FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = $1",
                MESSAGE_COLUMNS.replace(", ", ", m.")
            ),
            vec![Box::new(message)],
        ),
        // shared/src/chat/messages.rs, ChatApi::edit_message
        statement(
            "chat-messages-update: edit_message",
            format!(
                "UPDATE chat_messages SET body = $2, edited_at = now() WHERE id = $1 RETURNING {MESSAGE_COLUMNS}"
            ),
            vec![Box::new(message), Box::new("see you at 8")],
        ),
        // shared/src/chat/messages.rs, ChatApi::delete_message
        statement(
            "chat-messages-delete: delete_message",
            "DELETE FROM chat_messages WHERE id = $1",
            vec![Box::new(message)],
        ),
        // shared/src/chat/users.rs, ChatApi::users
        statement(
            "chat-users-list: users",
            format!("SELECT {USER_COLUMNS} FROM users WHERE id > $1 ORDER BY id LIMIT $2"),
            vec![Box::new(USER_ID), Box::new(PAGE_PLUS_ONE)],
        ),
        // shared/src/chat/users.rs, ChatApi::user
        statement(
            "chat-users-get/-update: user",
            format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
            vec![Box::new(USER_ID)],
        ),
        // shared/src/chat/users.rs, ChatApi::update_user
        statement(
            "chat-users-update: update_user",
            format!(
                "UPDATE users SET email = COALESCE($2, email), role = COALESCE($3, role), updated_at = now() \
                     WHERE id = $1 RETURNING {USER_COLUMNS}"
            ),
            vec![
                Box::new(USER_ID),
                Box::new(Some("alice@example.com".to_string())),
                Box::new(None::<&str>),
            ],
        ),
        // shared/src/chat/users.rs, ChatApi::delete_user (its cascades: the last test)
        statement(
            "chat-users-delete: delete_user",
            "DELETE FROM users WHERE id = $1",
            vec![Box::new(USER_ID)],
        ),
        // shared/src/chat/business.rs, ChatApi::session_vendor
        statement(
            "chat-vendors-find: session_vendor",
            format!("SELECT {VENDOR_COLUMNS} FROM vendors v WHERE v.session_id = $1"),
            vec![Box::new(session)],
        ),
        // shared/src/chat/business.rs, ChatApi::vendor
        statement(
            "chat-vendors-get/-update/-delete: vendor",
            format!(
                "SELECT {VENDOR_COLUMNS}, s.user_id AS owner FROM vendors v JOIN chat_sessions s ON s.id = v.session_id WHERE v.id = $1"
            ),
            vec![Box::new(vendor)],
        ),
        // shared/src/chat/business.rs, ChatApi::update_vendor
        statement(
            "chat-vendors-update: update_vendor",
            "UPDATE vendors AS v SET name = $2, email = $3, phone = $4, updated_at = now() WHERE v.id = $1 \
                 RETURNING v.id, v.session_id, v.name, v.email, v.phone, v.created_at, v.updated_at",
            vec![
                Box::new(vendor),
                Box::new("Corner Shop"),
                Box::new(Some("shop@example.com".to_string())),
                Box::new(Some("+49 30 1234567".to_string())),
            ],
        ),
        // shared/src/chat/business.rs, ChatApi::delete_vendor
        statement(
            "chat-vendors-delete: delete_vendor",
            "DELETE FROM vendors WHERE id = $1",
            vec![Box::new(vendor)],
        ),
        // shared/src/chat/business.rs, ChatApi::sellers (second page: with a cursor)
        statement(
            "chat-sellers-list: sellers",
            format!(
                "SELECT {SELLER_COLUMNS} FROM sellers x WHERE x.session_id = $1 \
                     AND ($2::timestamptz IS NULL OR (x.created_at, x.id) > ($2, $3)) \
                     ORDER BY x.created_at, x.id LIMIT $4"
            ),
            vec![
                Box::new(session),
                Box::new(cursor_at),
                Box::new(Some(seller)),
                Box::new(PAGE_PLUS_ONE),
            ],
        ),
        // shared/src/chat/business.rs, ChatApi::seller
        statement(
            "chat-sellers-get/-update/-delete: seller",
            format!(
                "SELECT {SELLER_COLUMNS}, s.user_id AS owner FROM sellers x JOIN chat_sessions s ON s.id = x.session_id WHERE x.id = $1"
            ),
            vec![Box::new(seller)],
        ),
        // shared/src/chat/business.rs, ChatApi::update_seller
        statement(
            "chat-sellers-update: update_seller",
            "UPDATE sellers AS x SET name = $2, product = $3, price_cents = $4, currency = $5, updated_at = now() WHERE x.id = $1 \
                 RETURNING x.id, x.session_id, x.name, x.product, x.price_cents, x.currency, x.created_at, x.updated_at",
            vec![
                Box::new(seller),
                Box::new("Bob"),
                Box::new("Apples"),
                Box::new(349_i64),
                Box::new("EUR"),
            ],
        ),
        // shared/src/chat/business.rs, ChatApi::delete_seller
        statement(
            "chat-sellers-delete: delete_seller",
            "DELETE FROM sellers WHERE id = $1",
            vec![Box::new(seller)],
        ),
    ];
    assert_served_by_indexes(statements, None).await;
}

#[tokio::test]
async fn tenant_record_statements_use_indexes() {
    // A fixed tenant: provisioning is idempotent, so reruns reuse its schema instead of adding one.
    let tenant = NewTenant {
        id: TenantId::parse("query-plans").expect("valid tenant id"),
        name: "Query plans (tests/query_plans.rs)".to_string(),
        active: true,
        pool_max_size: 1,
        rate_limit: 600,
        rate_window_seconds: 60,
    };
    provision(&postgres().await, &tenant)
        .await
        .expect("provision tenant");
    let record = Uuid::now_v7();
    let statements = vec![
        // shared/src/tenants/records.rs, list (second page: with a cursor)
        statement(
            "tenant-data-get (list): records::list",
            format!(
                "SELECT {RECORD_COLUMNS} FROM records WHERE ($1::uuid IS NULL OR id < $1) ORDER BY id DESC LIMIT $2"
            ),
            vec![Box::new(Some(record)), Box::new(PAGE_PLUS_ONE)],
        ),
        // shared/src/tenants/records.rs, get
        statement(
            "tenant-data-get (?id=): records::get",
            format!("SELECT {RECORD_COLUMNS} FROM records WHERE id = $1"),
            vec![Box::new(record)],
        ),
        // shared/src/tenants/records.rs, update
        statement(
            "tenant-data-update: records::update",
            format!(
                "UPDATE records SET data = $2, version = version + 1, updated_at = now() \
                 WHERE id = $1 AND ($3::int IS NULL OR version = $3) RETURNING {RECORD_COLUMNS}"
            ),
            vec![
                Box::new(record),
                Box::new(json!({ "title": "Q3 report", "pages": 12 })),
                Box::new(Some(3_i32)),
            ],
        ),
        // shared/src/tenants/records.rs, delete
        statement(
            "tenant-data-delete: records::delete",
            "DELETE FROM records WHERE id = $1",
            vec![Box::new(record)],
        ),
    ];
    assert_served_by_indexes(statements, Some(&tenant.id.schema())).await;
}

/// The referential actions of the foreign keys in shared/migrations (V2, V4) that the code's
/// DELETEs set off. PostgreSQL runs them from its RI triggers, one per deleted parent row, and
/// EXPLAIN of the DELETE does not show them; the SQL is what ri_triggers.c generates.
#[tokio::test]
async fn cascades_of_the_deletes_use_indexes() {
    let (user, session) = (USER_ID, Uuid::now_v7());
    let statements = vec![
        // delete_user (chat-users-delete): login_sessions.user_id ON DELETE CASCADE (V2)
        statement(
            "chat-users-delete cascade: login_sessions by user",
            r#"DELETE FROM ONLY "public"."login_sessions" WHERE $1 OPERATOR(pg_catalog.=) "user_id""#,
            vec![Box::new(user)],
        ),
        // delete_user (chat-users-delete): refresh_tokens.user_id ON DELETE CASCADE (V2); the
        // tokens also go through their login session (family_id), but this action runs for the
        // user's row all the same. Read the whole table until V5 added refresh_tokens_user_idx.
        statement(
            "chat-users-delete cascade: refresh_tokens by user",
            r#"DELETE FROM ONLY "public"."refresh_tokens" WHERE $1 OPERATOR(pg_catalog.=) "user_id""#,
            vec![Box::new(user)],
        ),
        // delete_user (chat-users-delete) and the logout by family: login_sessions' cascade (V2)
        statement(
            "chat-users-delete cascade: refresh_tokens by login session",
            r#"DELETE FROM ONLY "public"."refresh_tokens" WHERE $1 OPERATOR(pg_catalog.=) "family_id""#,
            vec![Box::new(session)],
        ),
        // delete_user (chat-users-delete): chat_sessions.user_id ON DELETE CASCADE (V4)
        statement(
            "chat-users-delete cascade: chat_sessions by user",
            r#"DELETE FROM ONLY "public"."chat_sessions" WHERE $1 OPERATOR(pg_catalog.=) "user_id""#,
            vec![Box::new(user)],
        ),
        // delete_user (chat-users-delete): chat_messages.sender_id ON DELETE SET NULL (V4). Read
        // every message of every session per deleted user until V5 added chat_messages_sender_idx.
        statement(
            "chat-users-delete set null: chat_messages by sender",
            r#"UPDATE ONLY "public"."chat_messages" SET "sender_id" = NULL WHERE $1 OPERATOR(pg_catalog.=) "sender_id""#,
            vec![Box::new(user)],
        ),
        // delete_session (chat-sessions-delete), and delete_user through chat_sessions (V4)
        statement(
            "chat-sessions-delete cascade: chat_messages by session",
            r#"DELETE FROM ONLY "public"."chat_messages" WHERE $1 OPERATOR(pg_catalog.=) "session_id""#,
            vec![Box::new(session)],
        ),
        statement(
            "chat-sessions-delete cascade: vendors by session",
            r#"DELETE FROM ONLY "public"."vendors" WHERE $1 OPERATOR(pg_catalog.=) "session_id""#,
            vec![Box::new(session)],
        ),
        statement(
            "chat-sessions-delete cascade: sellers by session",
            r#"DELETE FROM ONLY "public"."sellers" WHERE $1 OPERATOR(pg_catalog.=) "session_id""#,
            vec![Box::new(session)],
        ),
    ];
    assert_served_by_indexes(statements, None).await;
}
