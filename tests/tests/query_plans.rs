//! The hot PostgreSQL statements of the adapters are served by indexes.
//!
//! Every statement the PostgreSQL adapters send is a named constant of its module
//! (`shared::adapters::postgres::…`). Each one that finds rows (a WHERE clause, a JOIN, or
//! ORDER BY … LIMIT) is planned here with realistic parameters of the types the code binds, in its
//! own transaction with `SET LOCAL enable_seqscan = off` and `EXPLAIN (FORMAT JSON)`: with
//! sequential scans disabled PostgreSQL still picks a "Seq Scan" only when no index can serve the
//! condition, so a Seq Scan anywhere in the plan means a missing index. EXPLAIN without ANALYZE
//! plans the UPDATE and DELETE statements without running them, so nothing changes.
//!
//! `every_statement_of_the_adapters_is_planned` reads the adapters' source and fails when a
//! statement constant is neither planned below nor listed as finding no rows (an INSERT).
//! The tenant record statements run against a tenant schema provisioned here the way
//! `tests/tenants.rs` does, with that schema as `search_path` as the tenant pools set it. The last
//! test plans the ON DELETE CASCADE / SET NULL actions PostgreSQL runs for the code's DELETEs:
//! they are not in the code, but they cost as much.
//!
//! Run (the local cloud up, migrations applied):
//!
//! ```sh
//! set -a && source .local/stack.env && set +a
//! cargo test -p integration-tests --test query_plans -- --nocapture   # prints the index each uses
//! ```

// Without the local cloud only the completeness check runs; the planning code is compiled out.
#![cfg_attr(not(local_cloud), allow(dead_code, unused_imports))]

use chrono::{DateTime, Utc};
use integration_tests::postgres;
use serde_json::{Value, json};
use shared::adapters::postgres::tenants::provision;
use shared::adapters::postgres::{chat, directory, outbox, refresh, tenants, users};
use shared::domain::tenants::{NewTenant, TenantId};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

/// A statement as the code sends it, with parameters of the types the code binds.
struct Statement {
    /// The function (and route or consumer) that runs it.
    name: &'static str,
    sql: String,
    params: Vec<Box<dyn ToSql + Sync + Send>>,
}

fn statement(name: &'static str, sql: impl Into<String>, params: Vec<Box<dyn ToSql + Sync + Send>>) -> Statement {
    Statement { name, sql: sql.into(), params }
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
        scans.push(ScanNode { node_type: node_type.to_string(), table, index });
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
        transaction.batch_execute("SET LOCAL enable_seqscan = off").await.expect("disable sequential scans");
        if let Some(schema) = search_path {
            transaction.batch_execute(&format!("SET LOCAL search_path = {schema}")).await.expect("tenant search_path");
        }
        let params: Vec<&(dyn ToSql + Sync)> =
            statement.params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect();
        let explained = transaction
            .query_one(&format!("EXPLAIN (FORMAT JSON) {}", statement.sql), &params)
            .await
            .unwrap_or_else(|e| panic!("{}: EXPLAIN failed: {e:?}\n{}", statement.name, statement.sql));
        // Nothing ran, but a rollback says so plainly.
        transaction.rollback().await.expect("rollback");

        let plan: Value = explained.get(0);
        let mut scans = Vec::new();
        scan_nodes(&plan[0]["Plan"], &mut scans);
        let seq_scanned: Vec<&str> =
            scans.iter().filter(|s| s.node_type == "Seq Scan").filter_map(|s| s.table.as_deref()).collect();
        // What serves the statement: its indexes, and the tables read without one.
        let served_by: Vec<String> = scans
            .iter()
            .filter_map(|s| match (&s.index, &s.table) {
                (Some(index), _) => Some(index.clone()),
                (None, Some(table)) if s.node_type == "Seq Scan" => Some(format!("Seq Scan on {table}")),
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
    assert!(failures.is_empty(), "{} of {} statements:\n\n{}", failures.len(), statements.len(), failures.join("\n\n"));
}

/// A page of 20 (the routes' default) plus the one row that tells whether there is more.
const PAGE_PLUS_ONE: i64 = 21;
const USER_ID: i64 = 42;

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("valid timestamp").with_timezone(&Utc)
}

fn refresh_token_hash() -> Vec<u8> {
    vec![0xa5; 32]
}

/// Statements that find no rows (they only insert): nothing to plan.
const INSERTS_ONLY: &[&str] = &[
    "users::CREATE_USER",
    "users::INSERT_LOGIN_SESSION",
    "users::INSERT_REGISTERED_USER",
    "refresh::INSERT_REFRESH",
    "outbox::INSERT_CLAIMED",
    "chat::sessions::INSERT",
    "chat::messages::INSERT",
    "chat::vendors::INSERT",
    "chat::sellers::INSERT",
    "tenants::records::INSERT",
    // An upsert by primary key (ON CONFLICT (id)): `admin create-tenant`, not a request path.
    "tenants::directory::UPSERT",
];

/// Every `pub const NAME: &str` of `shared/src/adapters/postgres/**`, as `module::NAME`.
fn statement_constants() -> Vec<String> {
    fn walk(dir: &std::path::Path, module: &[String], out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("adapter sources") {
            let path = entry.expect("entry").path();
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
            if path.is_dir() {
                walk(&path, &[module, &[stem]].concat(), out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let here = if stem == "mod" { module.to_vec() } else { [module, &[stem]].concat() };
                for line in std::fs::read_to_string(&path).expect("source").lines() {
                    if let Some(rest) = line.strip_prefix("pub const ")
                        && let Some((name, ty)) = rest.split_once(':')
                        && ty.trim_start().starts_with("&str")
                    {
                        out.push([here.as_slice(), &[name.trim().to_string()]].concat().join("::"));
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&runtime_api::workspace_root().join("shared/src/adapters/postgres"), &[], &mut out);
    out
}

#[test]
fn every_statement_of_the_adapters_is_planned() {
    let this = std::fs::read_to_string(runtime_api::workspace_root().join("tests/tests/query_plans.rs"))
        .expect("this test's source");
    let planned = |name: &str| this.contains(&format!("{name},")) || this.contains(&format!("{name})"));
    let constants = statement_constants();
    assert!(constants.len() > 40, "the adapters' statements were not found: {constants:?}");
    let missing: Vec<&String> =
        constants.iter().filter(|c| !INSERTS_ONLY.contains(&c.as_str()) && !planned(c)).collect();
    assert!(missing.is_empty(), "statements without a plan below (or add them to INSERTS_ONLY): {missing:?}");
}

#[cfg(local_cloud)]
#[tokio::test]
async fn auth_outbox_and_directory_statements_use_indexes() {
    let session = Uuid::now_v7();
    let statements = vec![
        statement("login, api-login, v1-auth-login", users::FIND_BY_USERNAME, vec![Box::new("Alice")]),
        statement(
            "login, api-login, v1-auth-login: the login itself",
            users::RECORD_LOGIN,
            vec![Box::new(USER_ID), Box::new(None::<String>)],
        ),
        statement("introspect, profile, logout: the token's user exists", users::USER_EXISTS, vec![Box::new(USER_ID)]),
        statement("profile", users::PROFILE, vec![Box::new(USER_ID)]),
        statement(
            "v1-auth-refresh: find the presented token",
            refresh::FIND_FOR_ROTATION,
            vec![Box::new(refresh_token_hash())],
        ),
        statement("v1-auth-refresh: reuse revokes the family", refresh::REVOKE_FAMILY, vec![Box::new(session)]),
        statement("v1-auth-refresh: reuse ends the session", refresh::END_REUSED_SESSION, vec![Box::new(session)]),
        statement("v1-auth-refresh: spend the token", refresh::SPEND_REFRESH, vec![Box::new(refresh_token_hash())]),
        statement("v1-auth-refresh: session seen", refresh::TOUCH_SESSION, vec![Box::new(session)]),
        // Second page: with a cursor.
        statement(
            "v1-auth-sessions",
            refresh::LIST_LOGIN_SESSIONS,
            vec![
                Box::new(USER_ID),
                Box::new(Some(at("2025-06-01T12:00:00Z"))),
                Box::new(Some(session)),
                Box::new(PAGE_PLUS_ONE),
            ],
        ),
        statement("logout: end the session", refresh::END_SESSION, vec![Box::new(session), Box::new(USER_ID)]),
        statement(
            "logout: revoke the family",
            refresh::REVOKE_SESSION_TOKENS,
            vec![Box::new(session), Box::new(USER_ID)],
        ),
        statement("outbox-relay: claim", outbox::CLAIM_PENDING, vec![Box::new(25_i64)]),
        statement("outbox: mark delivered", outbox::MARK_DELIVERED, vec![Box::new(Uuid::now_v7())]),
        statement(
            "outbox: release",
            outbox::RELEASE,
            vec![Box::new(Uuid::now_v7()), Box::new("SQS: service unavailable")],
        ),
        statement("last-connection: user by name", directory::USER_ID_BY_USERNAME, vec![Box::new("Alice")]),
        statement("tenant-data-*: the tenant directory", tenants::directory::FIND, vec![Box::new("acme")]),
    ];
    assert_served_by_indexes(statements, None).await;
}

#[cfg(local_cloud)]
#[tokio::test]
async fn chat_statements_use_indexes() {
    let (session, message, vendor, seller) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let cursor_at = Some(at("2025-06-01T12:00:00Z"));
    let statements = vec![
        // Second page: with a cursor.
        statement(
            "chat-sessions-list",
            chat::sessions::LIST,
            vec![Box::new(USER_ID), Box::new(cursor_at), Box::new(Some(session)), Box::new(PAGE_PLUS_ONE)],
        ),
        statement("chat-sessions-get and every route of a session", chat::sessions::FIND, vec![Box::new(session)]),
        statement("chat-sessions-update", chat::sessions::RENAME, vec![Box::new(session), Box::new("Groceries")]),
        statement("chat-sessions-delete", chat::sessions::DELETE, vec![Box::new(session)]),
        statement(
            "chat-messages-list",
            chat::messages::LIST,
            vec![Box::new(session), Box::new(1_000_i64), Box::new(PAGE_PLUS_ONE)],
        ),
        statement("chat-messages-get/-update/-delete", chat::messages::FIND, vec![Box::new(message)]),
        statement("chat-messages-update", chat::messages::EDIT, vec![Box::new(message), Box::new("see you at 8")]),
        statement("chat-messages-delete", chat::messages::DELETE, vec![Box::new(message)]),
        statement("chat-users-list", chat::users::LIST, vec![Box::new(USER_ID), Box::new(PAGE_PLUS_ONE)]),
        statement("chat-users-get/-update", chat::users::FIND, vec![Box::new(USER_ID)]),
        statement(
            "chat-users-update",
            chat::users::UPDATE,
            vec![Box::new(USER_ID), Box::new(Some("alice@example.com".to_string())), Box::new(None::<&str>)],
        ),
        // Its cascades: the last test.
        statement("chat-users-delete", chat::users::DELETE, vec![Box::new(USER_ID)]),
        statement("chat-vendors-find", chat::vendors::OF_SESSION, vec![Box::new(session)]),
        statement("chat-vendors-get/-update/-delete", chat::vendors::FIND, vec![Box::new(vendor)]),
        statement(
            "chat-vendors-update",
            chat::vendors::UPDATE,
            vec![
                Box::new(vendor),
                Box::new("Corner Shop"),
                Box::new(Some("shop@example.com".to_string())),
                Box::new(Some("+49 30 1234567".to_string())),
            ],
        ),
        statement("chat-vendors-delete", chat::vendors::DELETE, vec![Box::new(vendor)]),
        // Second page: with a cursor.
        statement(
            "chat-sellers-list",
            chat::sellers::LIST,
            vec![Box::new(session), Box::new(cursor_at), Box::new(Some(seller)), Box::new(PAGE_PLUS_ONE)],
        ),
        statement("chat-sellers-get/-update/-delete", chat::sellers::FIND, vec![Box::new(seller)]),
        statement(
            "chat-sellers-update",
            chat::sellers::UPDATE,
            vec![Box::new(seller), Box::new("Bob"), Box::new("Apples"), Box::new(349_i64), Box::new("EUR")],
        ),
        statement("chat-sellers-delete", chat::sellers::DELETE, vec![Box::new(seller)]),
    ];
    assert_served_by_indexes(statements, None).await;
}

#[cfg(local_cloud)]
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
    provision(&postgres().await, &tenant).await.expect("provision tenant");
    let record = Uuid::now_v7();
    let statements = vec![
        // Second page: with a cursor.
        statement(
            "tenant-data-get (list)",
            tenants::records::LIST,
            vec![Box::new(Some(record)), Box::new(PAGE_PLUS_ONE)],
        ),
        statement("tenant-data-get (?id=)", tenants::records::FIND, vec![Box::new(record)]),
        statement(
            "tenant-data-update",
            tenants::records::REPLACE,
            vec![Box::new(record), Box::new(json!({ "title": "Q3 report", "pages": 12 })), Box::new(Some(3_i32))],
        ),
        statement("tenant-data-delete", tenants::records::DELETE, vec![Box::new(record)]),
    ];
    assert_served_by_indexes(statements, Some(&tenant.id.schema())).await;
}

/// The referential actions of the foreign keys in shared/migrations (V2, V4) that the code's
/// DELETEs set off. PostgreSQL runs them from its RI triggers, one per deleted parent row, and
/// EXPLAIN of the DELETE does not show them; the SQL is what ri_triggers.c generates.
#[cfg(local_cloud)]
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
