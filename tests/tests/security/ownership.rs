//! Another user's resources (IDOR). Images have no owner to protect: the image delivery service and the service
//! map describe public uploads and a public listing with no database (no user id is stored with
//! an object), so there is no other user's image to reach; the path tests below keep every write
//! inside the service's own keys instead.

use super::*;

/// Chat: a resource of another user is answered as not found (404, its own code),
/// so ids reveal nothing; admin-only operations are 403 FORBIDDEN (chat.rs: "A resource of
/// another user is answered as not found"). After every attempt the owner's rows are unchanged.
#[tokio::test]
async fn chat_resources_of_another_user_stay_out_of_reach() {
    let (alice, bob) = (account(false, None).await, account(false, None).await);
    let a = |method: &'static str, path: String, body: Option<Value>| {
        let token = alice.token.clone();
        async move { call(method, &path, Some(&token), &[], body).await }
    };
    let email = format!("{}@example.com", unique("alice"));
    let me = a("PUT", format!("/api/v1/users/{}", alice.id), Some(json!({ "email": email }))).await;
    assert_eq!(me.status, 200, "{}", me.json);
    let session = a("POST", "/api/v1/sessions".into(), Some(json!({ "title": "alice private" }))).await;
    let sid = session.json["data"]["id"].as_str().expect("session id").to_string();
    let message =
        a("POST", "/api/v1/messages".into(), Some(json!({ "sessionId": sid, "kind": "text", "text": "alice secret" })))
            .await;
    let mid = message.json["data"]["id"].as_str().expect("message id").to_string();
    let vendor = a(
        "POST",
        "/api/v1/vendors".into(),
        Some(json!({ "sessionId": sid, "name": "Alice Vendor", "email": format!("v-{email}") })),
    )
    .await;
    let vid = vendor.json["data"]["id"].as_str().expect("vendor id").to_string();
    let seller = a(
        "POST",
        "/api/v1/sellers".into(),
        Some(
            json!({ "sessionId": sid, "name": "Alice Seller", "product": "Tea", "priceCents": 100, "currency": "EUR" }),
        ),
    )
    .await;
    let xid = seller.json["data"]["id"].as_str().expect("seller id").to_string();

    let seller_body = json!({ "name": "Bob", "product": "Tea", "priceCents": 1, "currency": "EUR" });
    let attempts: Vec<(&str, String, Option<Value>, u16, &str)> = vec![
        ("GET", format!("/api/v1/sessions/{sid}"), None, 404, "SESSION_NOT_FOUND"),
        ("PUT", format!("/api/v1/sessions/{sid}"), Some(json!({ "title": "bob was here" })), 404, "SESSION_NOT_FOUND"),
        ("DELETE", format!("/api/v1/sessions/{sid}"), None, 404, "SESSION_NOT_FOUND"),
        ("GET", format!("/api/v1/sessions?userId={}", alice.id), None, 403, "FORBIDDEN"),
        ("GET", format!("/api/v1/messages?sessionId={sid}"), None, 404, "SESSION_NOT_FOUND"),
        (
            "POST",
            "/api/v1/messages".into(),
            Some(json!({ "sessionId": sid, "kind": "text", "text": "bob was here" })),
            404,
            "SESSION_NOT_FOUND",
        ),
        ("GET", format!("/api/v1/messages/{mid}"), None, 404, "MESSAGE_NOT_FOUND"),
        ("PUT", format!("/api/v1/messages/{mid}"), Some(json!({ "text": "bob was here" })), 404, "MESSAGE_NOT_FOUND"),
        ("DELETE", format!("/api/v1/messages/{mid}"), None, 404, "MESSAGE_NOT_FOUND"),
        ("GET", format!("/api/v1/vendors?sessionId={sid}"), None, 404, "SESSION_NOT_FOUND"),
        (
            "POST",
            "/api/v1/vendors".into(),
            Some(json!({ "sessionId": sid, "name": "Bob Vendor" })),
            404,
            "SESSION_NOT_FOUND",
        ),
        ("GET", format!("/api/v1/vendors/{vid}"), None, 404, "VENDOR_NOT_FOUND"),
        ("PUT", format!("/api/v1/vendors/{vid}"), Some(json!({ "name": "Bob Vendor" })), 404, "VENDOR_NOT_FOUND"),
        ("DELETE", format!("/api/v1/vendors/{vid}"), None, 404, "VENDOR_NOT_FOUND"),
        ("GET", format!("/api/v1/sellers?sessionId={sid}"), None, 404, "SESSION_NOT_FOUND"),
        (
            "POST",
            "/api/v1/sellers".into(),
            Some(json!({ "sessionId": sid, "name": "Bob", "product": "Coffee", "priceCents": 1, "currency": "EUR" })),
            404,
            "SESSION_NOT_FOUND",
        ),
        ("GET", format!("/api/v1/sellers/{xid}"), None, 404, "SELLER_NOT_FOUND"),
        ("PUT", format!("/api/v1/sellers/{xid}"), Some(seller_body), 404, "SELLER_NOT_FOUND"),
        ("DELETE", format!("/api/v1/sellers/{xid}"), None, 404, "SELLER_NOT_FOUND"),
        ("GET", format!("/api/v1/users/{}", alice.id), None, 404, "USER_NOT_FOUND"),
        (
            "PUT",
            format!("/api/v1/users/{}", alice.id),
            Some(json!({ "email": format!("bob-{email}") })),
            404,
            "USER_NOT_FOUND",
        ),
        ("DELETE", format!("/api/v1/users/{}", alice.id), None, 403, "FORBIDDEN"),
        ("GET", "/api/v1/users".into(), None, 403, "FORBIDDEN"),
        // Bob on his own account: no self-promotion.
        ("PUT", format!("/api/v1/users/{}", bob.id), Some(json!({ "role": "admin" })), 403, "FORBIDDEN"),
    ];
    for (method, path, body, status, code) in attempts {
        let r = call(method, &path, Some(&bob.token), &[], body).await;
        expect(&r, status, code, &format!("bob {method} {path}"));
    }

    // Alice's rows, read back from PostgreSQL: exactly as she left them.
    let pg = postgres().await;
    let s = pg
        .query_one("SELECT user_id, title FROM chat_sessions WHERE id = $1::text::uuid", &[&sid])
        .await
        .expect("session row");
    assert_eq!((s.get::<_, i64>(0), s.get::<_, String>(1).as_str()), (alice.id, "alice private"));
    let m = pg
        .query_one("SELECT body, edited_at IS NULL, sender_id FROM chat_messages WHERE id = $1::text::uuid", &[&mid])
        .await
        .expect("message row");
    assert_eq!(
        (m.get::<_, Option<String>>(0).as_deref(), m.get::<_, bool>(1), m.get::<_, Option<i64>>(2)),
        (Some("alice secret"), true, Some(alice.id))
    );
    let count = |sql: &'static str| {
        let (pg, sid) = (&pg, sid.clone());
        async move { pg.query_one(sql, &[&sid]).await.expect("count").get::<_, i64>(0) }
    };
    assert_eq!(
        count("SELECT count(*) FROM chat_messages WHERE session_id = $1::text::uuid").await,
        1,
        "nothing was posted into alice's session"
    );
    assert_eq!(count("SELECT count(*) FROM vendors WHERE session_id = $1::text::uuid").await, 1);
    assert_eq!(
        count("SELECT count(*) FROM sellers WHERE session_id = $1::text::uuid").await,
        1,
        "no seller was added to alice's session"
    );
    let v =
        pg.query_one("SELECT name, email FROM vendors WHERE id = $1::text::uuid", &[&vid]).await.expect("vendor row");
    assert_eq!(
        (v.get::<_, String>(0), v.get::<_, Option<String>>(1)),
        ("Alice Vendor".to_string(), Some(format!("v-{email}")))
    );
    let x = pg
        .query_one("SELECT name, product, price_cents FROM sellers WHERE id = $1::text::uuid", &[&xid])
        .await
        .expect("seller row");
    assert_eq!(
        (x.get::<_, String>(0).as_str(), x.get::<_, String>(1).as_str(), x.get::<_, i64>(2)),
        ("Alice Seller", "Tea", 100)
    );
    let u = pg.query_one("SELECT email, role FROM users WHERE id = $1", &[&alice.id]).await.expect("alice");
    assert_eq!((u.get::<_, Option<String>>(0), u.get::<_, String>(1).as_str()), (Some(email.clone()), "user"));
    let role: String = pg.query_one("SELECT role FROM users WHERE id = $1", &[&bob.id]).await.expect("bob").get(0);
    assert_eq!(role, "user", "bob did not promote himself");
    let bobs: i64 =
        pg.query_one("SELECT count(*) FROM chat_sessions WHERE user_id = $1", &[&bob.id]).await.expect("count").get(0);
    assert_eq!(bobs, 0);
}

/// Session service (the session service): another user's sessions are 403 FORBIDDEN by user id, and a
/// session id of another user under one's own user id is not found; MongoDB still holds the
/// owner's session as it was.
#[tokio::test]
async fn sessions_of_another_user_stay_out_of_reach() {
    let (alice, bob) = (account(false, None).await, account(false, None).await);
    let created = call(
        "POST",
        "/api/sessions",
        Some(&alice.token),
        &[],
        Some(json!({ "metadata": { "device": "alice-phone" } })),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let sid = created.json["sessionId"].as_str().expect("sessionId").to_string();
    let bobs = call("POST", "/api/sessions", Some(&bob.token), &[], Some(json!({}))).await;
    assert_eq!(bobs.status, 201, "{}", bobs.json);

    let (a, b) = (alice.id, bob.id);
    let attempts: Vec<(&str, String, Option<Value>, u16, &str)> = vec![
        ("GET", format!("/api/sessions/{a}"), None, 403, "FORBIDDEN"),
        (
            "PUT",
            format!("/api/sessions/{a}"),
            Some(json!({ "sessionId": sid, "metadata": { "device": "bob" } })),
            403,
            "FORBIDDEN",
        ),
        ("DELETE", format!("/api/sessions/{a}?sessionId={sid}"), None, 403, "FORBIDDEN"),
        ("DELETE", format!("/api/sessions/{a}"), None, 403, "FORBIDDEN"),
        // Alice's session id under bob's own user id.
        (
            "PUT",
            format!("/api/sessions/{b}"),
            Some(json!({ "sessionId": sid, "metadata": { "device": "bob" } })),
            404,
            "SESSION_NOT_FOUND",
        ),
        ("DELETE", format!("/api/sessions/{b}?sessionId={sid}"), None, 404, "SESSION_NOT_FOUND"),
    ];
    for (method, path, body, status, code) in attempts {
        let r = call(method, &path, Some(&bob.token), &[], body).await;
        expect(&r, status, code, &format!("bob {method} {path}"));
    }
    let doc = mongo_sessions()
        .await
        .find_one(mongodb::bson::doc! { "sessionId": &sid })
        .await
        .expect("mongo")
        .expect("alice's session");
    assert_eq!(doc.get_i64("userId").ok().or_else(|| doc.get_i32("userId").ok().map(i64::from)), Some(a));
    assert_eq!(doc.get_str("status").expect("status"), "active", "bob ended nothing of alice's");
    assert_eq!(doc.get_document("metadata").expect("metadata").get_str("device").expect("device"), "alice-phone");
    let listed = call("GET", &format!("/api/sessions/{a}"), Some(&alice.token), &[], None).await;
    assert!(listed.json["sessions"].as_array().expect("sessions").iter().all(|s| s["userId"] == a), "{}", listed.json);
}

/// Tenant data: another tenant's records are not found with one's own tenant, and
/// the other tenant itself is 403 TENANT_ACCESS_DENIED, whatever the method; the owner tenant's
/// schema still holds its record unchanged.
#[tokio::test]
async fn tenant_data_of_another_tenant_stays_out_of_reach() {
    let (ta, tb) = (new_tenant().await, new_tenant().await);
    let (alice, bob) = (account(false, Some(&ta)).await, account(false, Some(&tb)).await);
    let created = call(
        "POST",
        "/api/data",
        Some(&alice.token),
        &[("x-tenant-id", &ta)],
        Some(json!({ "data": { "owner": "alice" } })),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let rid = created.json["id"].as_str().expect("id").to_string();

    let update = json!({ "data": { "owner": "bob" } });
    let attempts: Vec<(&str, String, &str, Option<Value>, u16, &str)> = vec![
        // Bob's own tenant, alice's record id.
        ("GET", format!("/api/data?id={rid}"), &tb, None, 404, "RECORD_NOT_FOUND"),
        ("PUT", format!("/api/data?id={rid}"), &tb, Some(update.clone()), 404, "RECORD_NOT_FOUND"),
        (
            "PUT",
            format!("/api/data?id={rid}"),
            &tb,
            Some(json!({ "data": { "owner": "bob" }, "version": 1 })),
            404,
            "RECORD_NOT_FOUND",
        ),
        ("DELETE", format!("/api/data?id={rid}"), &tb, None, 404, "RECORD_NOT_FOUND"),
        // Alice's tenant named outright.
        ("GET", "/api/data".into(), &ta, None, 403, "TENANT_ACCESS_DENIED"),
        ("GET", format!("/api/data?id={rid}"), &ta, None, 403, "TENANT_ACCESS_DENIED"),
        ("POST", "/api/data".into(), &ta, Some(update.clone()), 403, "TENANT_ACCESS_DENIED"),
        ("PUT", format!("/api/data?id={rid}"), &ta, Some(update.clone()), 403, "TENANT_ACCESS_DENIED"),
        ("DELETE", format!("/api/data?id={rid}"), &ta, None, 403, "TENANT_ACCESS_DENIED"),
        ("GET", "/tenants/health/details".into(), &ta, None, 403, "TENANT_ACCESS_DENIED"),
    ];
    for (method, path, tenant, body, status, code) in attempts {
        let r = call(method, &path, Some(&bob.token), &[("x-tenant-id", tenant)], body).await;
        expect(&r, status, code, &format!("bob {method} {path} as {tenant}"));
    }
    // Both tenants at once (API Gateway joins repeated headers with a comma): not a tenant id.
    for header in [format!("{tb},{ta}"), format!("{tb}, {ta}"), format!("{ta} ")] {
        let r = call("GET", "/api/data", Some(&bob.token), &[("x-tenant-id", &header)], None).await;
        let expected = if header.contains(',') { (400, "INVALID_TENANT_ID") } else { (403, "TENANT_ACCESS_DENIED") };
        expect(&r, expected.0, expected.1, &format!("X-Tenant-ID {header:?}"));
    }
    let repeated = send(
        http()
            .get(format!("{}/api/data", gateway()))
            .bearer_auth(&bob.token)
            .header("x-tenant-id", tb.as_str())
            .header("x-tenant-id", ta.as_str()),
    )
    .await;
    assert!(
        repeated.json["records"].as_array().is_none_or(|r| r.iter().all(|rec| rec["id"] != rid.as_str())),
        "two X-Tenant-ID headers reached alice's records: {}",
        repeated.json
    );
    assert!(
        matches!((repeated.status, repeated.code()), (400, "INVALID_TENANT_ID") | (200, "")),
        "{} {}",
        repeated.status,
        repeated.json
    );

    let pg = postgres().await;
    let schema_a = TenantId::parse(&ta).expect("id").schema();
    let row = pg
        .query_one(&format!("SELECT data, version FROM {schema_a}.records WHERE id = $1::text::uuid"), &[&rid])
        .await
        .expect("alice's record");
    assert_eq!((row.get::<_, Value>(0), row.get::<_, i32>(1)), (json!({ "owner": "alice" }), 1));
    let total: i64 =
        pg.query_one(&format!("SELECT count(*) FROM {schema_a}.records"), &[]).await.expect("count").get(0);
    assert_eq!(total, 1, "nothing was written into alice's tenant");
    let schema_b = TenantId::parse(&tb).expect("id").schema();
    let in_b: i64 = pg.query_one(&format!("SELECT count(*) FROM {schema_b}.records"), &[]).await.expect("count").get(0);
    assert_eq!(in_b, 0, "nothing was written into bob's tenant either");
}
