//! The OpenAPI 3.1 document of every HTTP route. Each operation is declared on its handler
//! (`#[utoipa::path]` in `handlers/`), each handler module lists its operations in a `Doc`, and
//! [`document`] merges them under the tags and security schemes declared here. Only tests and
//! the generator enable the `openapi` feature: the `api-docs` function serves the generated
//! `docs/openapi.json`, so no function links utoipa's document model.
//!
//! `tests/tests/api_docs.rs` fails when the document and the HttpApi routes of `template.yaml`
//! disagree, or when `docs/openapi.json` is not what this module generates.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use crate::domain::health::{CheckResult, HealthReport};
pub use crate::transport::http::{Envelope, EnvelopeError, ErrorBody};

/// Security scheme of routes that take the JWT access token (`Authorization: Bearer …`).
pub const BEARER: &str = "bearer";
/// Security scheme of `POST /auth/introspect`: the calling service's client id and secret.
pub const INTROSPECTION_CLIENT: &str = "introspectionClient";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "rust-lambda",
        description = "Auth, user SOAP, user lookup, sessions, connected, images, bookstore auth, tenant data and chat \
                       services, one AWS Lambda function per route behind an API Gateway HTTP API. Errors outside \
                       `/api/v1` are `ErrorBody`; `/api/v1` answers in the chat envelope (`Envelope` / `EnvelopeError`). \
                       Every response carries `x-request-id`; error 503s and 429s carry `Retry-After` (health reports do not).",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "The API Gateway HTTP API (or the local gateway, http://127.0.0.1:9000)")),
    components(schemas(ErrorBody, EnvelopeError, HealthReport, CheckResult)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "The auth service: login, profile, test routes, token introspection"),
        (name = "user SOAP", description = "The user SOAP service: registration over SOAP 1.1"),
        (name = "user lookup", description = "The user lookup SOAP service: usernames over SOAP 1.1"),
        (name = "sessions", description = "The session service: session documents behind the auth tokens"),
        (name = "connected", description = "The connected service: a user's last connection"),
        (name = "images", description = "The image delivery service: uploads, listing, presigned uploads"),
        (name = "bookstore auth", description = "The bookstore's auth service: registration, login, logout"),
        (name = "tenant data", description = "The tenant data access service: tenant-isolated records behind introspection"),
        (name = "chat", description = "The chat backend: login sessions, chat sessions, messages, vendors, sellers, users"),
        (name = "docs", description = "This document and its Swagger UI"),
    )
)]
struct Root;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from a login (HS256 JWT)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            INTROSPECTION_CLIENT,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("A service's client id and secret (INTROSPECTION_CLIENTS)"))
                    .build(),
            ),
        );
    }
}

/// A string without NUL (U+0000), which neither PostgreSQL text and JSONB nor a BSON key can hold.
pub(crate) const WITHOUT_NUL: &str = r"^[^\u0000]*$";

/// The schema `name`: any JSON value, whose object keys at any depth have no NUL and, with
/// `strings_without_nul`, whose strings neither. utoipa derives `serde_json::Value` as "any"; the
/// routes that store free-form JSON refuse NUL where their store cannot hold it (400).
pub(crate) fn json_value(
    name: &str,
    description: &str,
    strings_without_nul: bool,
) -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Ref, Type};
    let string = ObjectBuilder::new().schema_type(Type::String).pattern(strings_without_nul.then_some(WITHOUT_NUL));
    AnyOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .item(string)
        .item(ArrayBuilder::new().items(Ref::from_schema_name(name)))
        .item(json_object(name, ObjectBuilder::new().pattern(Some(WITHOUT_NUL))))
        .description(Some(description))
        .into()
}

/// An object whose keys are `keys` (a string schema) and whose values are the schema `values`.
pub(crate) fn json_object(
    values: &str,
    keys: utoipa::openapi::schema::ObjectBuilder,
) -> utoipa::openapi::schema::ObjectBuilder {
    use utoipa::openapi::schema::{ObjectBuilder, Ref, Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(keys.schema_type(Type::String)))
        .additional_properties(Some(Ref::from_schema_name(values)))
}

/// The whole document: every service's operations under the root's tags and schemes.
pub fn document() -> utoipa::openapi::OpenApi {
    use crate::handlers;
    let mut doc = Root::openapi();
    let parts = [
        #[cfg(feature = "identity")]
        handlers::auth::Doc::openapi(),
        #[cfg(feature = "identity")]
        handlers::bookstore_auth::Doc::openapi(),
        #[cfg(feature = "identity")]
        handlers::chat::auth::Doc::openapi(),
        #[cfg(all(feature = "identity", feature = "sessions"))]
        handlers::sessions::Doc::openapi(),
        #[cfg(feature = "sessions")]
        handlers::connected::Doc::openapi(),
    ];
    for part in parts {
        doc.merge(part);
    }
    doc
}

/// The document as `docs/openapi.json` holds it.
pub fn to_pretty_json() -> String {
    let mut text = document().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use std::collections::BTreeSet;

    const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    fn doc() -> Value {
        serde_json::from_str(&super::to_pretty_json()).expect("the document is JSON")
    }

    fn operations(doc: &Value) -> Vec<(String, String, Value)> {
        let mut ops = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for m in METHODS {
                if let Some(op) = item.get(m) {
                    ops.push((m.to_uppercase(), path.clone(), op.clone()));
                }
            }
        }
        ops
    }

    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "$ref" {
                        if let Some(r) = v.as_str() {
                            out.push(r.to_string());
                        }
                    } else {
                        refs(v, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    /// `cargo test -p shared --features openapi --lib openapi::tests::print -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn print() {
        println!("{}", super::to_pretty_json());
    }

    #[test]
    fn is_openapi_3_1_with_operations() {
        let doc = doc();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(!operations(&doc).is_empty());
    }

    /// Lints every operation: what a client generator and schemathesis rely on.
    #[test]
    fn every_operation_is_complete() {
        let doc = doc();
        let tags: BTreeSet<&str> =
            doc["tags"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
        let mut ids = BTreeSet::new();
        let mut problems = Vec::new();
        for (method, path, op) in operations(&doc) {
            let at = format!("{method} {path}");
            match op["operationId"].as_str() {
                Some(id) if ids.insert(id.to_string()) => {}
                Some(id) => problems.push(format!("{at}: operationId {id} is used twice")),
                None => problems.push(format!("{at}: no operationId")),
            }
            match op["tags"].as_array().map(|t| t.iter().filter_map(Value::as_str).collect::<Vec<_>>()) {
                Some(t) if t.len() == 1 && tags.contains(t[0]) => {}
                other => problems.push(format!("{at}: needs exactly one of the document's tags, has {other:?}")),
            }
            if op["summary"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{at}: no summary (the doc comment of the declaration)"));
            }
            let statuses: Vec<&String> = op["responses"].as_object().map(|r| r.keys().collect()).unwrap_or_default();
            if !statuses.iter().any(|s| s.starts_with('2')) {
                problems.push(format!("{at}: no 2xx response"));
            }
            let bearer = op["security"].as_array().into_iter().flatten().any(|s| s.get(super::BEARER).is_some());
            if bearer && !statuses.iter().any(|s| *s == "401") {
                problems.push(format!("{at}: takes a bearer token but documents no 401"));
            }
            // Health routes answer their 503 with the health report itself.
            let health = path.ends_with("/health") || path.ends_with("/health/details");
            for (status, resp) in op["responses"].as_object().into_iter().flatten() {
                if !health && status.starts_with(['4', '5']) && resp["content"].get("application/json").is_some() {
                    let mut r = Vec::new();
                    refs(&resp["content"], &mut r);
                    if !r.iter().any(|r| r.ends_with("/ErrorBody") || r.ends_with("/EnvelopeError")) {
                        problems.push(format!("{at}: JSON error {status} is neither ErrorBody nor EnvelopeError"));
                    }
                }
            }
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let in_path: BTreeSet<&str> =
                path.split('/').filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}')).collect();
            if declared != in_path {
                problems.push(format!("{at}: path parameters {in_path:?}, declared {declared:?}"));
            }
        }
        assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
    }

    #[test]
    fn every_reference_resolves() {
        let doc = doc();
        let mut all = Vec::new();
        refs(&doc, &mut all);
        let missing: BTreeSet<&String> = all
            .iter()
            .filter(|r| {
                let name = r.trim_start_matches("#/components/schemas/");
                doc["components"]["schemas"].get(name).is_none()
            })
            .collect();
        assert!(missing.is_empty(), "unresolved references: {missing:?}");
    }
}
