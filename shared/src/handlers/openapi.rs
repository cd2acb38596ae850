//! The OpenAPI 3.1 document of every HTTP route: the operations each handler module declares
//! (its `Doc`), merged into the frame of `transport::openapi`. `docs/openapi.json` is this
//! document; `tests/tests/api_docs.rs` fails when it is stale or disagrees with `template.yaml`.

use utoipa::OpenApi;

/// The whole document: every service's operations under the root's tags and schemes.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = crate::transport::openapi::root();
    let parts = [
        #[cfg(feature = "identity")]
        super::auth::Doc::openapi(),
        #[cfg(feature = "identity")]
        super::bookstore_auth::Doc::openapi(),
        #[cfg(feature = "identity")]
        super::chat::auth::Doc::openapi(),
        #[cfg(feature = "chat")]
        super::chat::sessions::Doc::openapi(),
        #[cfg(feature = "chat")]
        super::chat::messages::Doc::openapi(),
        #[cfg(feature = "chat")]
        super::chat::vendors::Doc::openapi(),
        #[cfg(feature = "chat")]
        super::chat::sellers::Doc::openapi(),
        #[cfg(feature = "chat")]
        super::chat::users::Doc::openapi(),
        #[cfg(feature = "tenants")]
        super::tenant_data::Doc::openapi(),
        #[cfg(feature = "images")]
        super::images::Doc::openapi(),
        #[cfg(all(feature = "soap", feature = "identity"))]
        super::user_soap::Doc::openapi(),
        #[cfg(all(feature = "soap", feature = "identity"))]
        super::user_lookup::Doc::openapi(),
        #[cfg(feature = "apidocs")]
        super::docs::Doc::openapi(),
        #[cfg(all(feature = "identity", feature = "sessions"))]
        super::sessions::Doc::openapi(),
        #[cfg(feature = "sessions")]
        super::connected::Doc::openapi(),
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

    /// `cargo test -p shared --all-features --lib handlers::openapi::tests::print -- --ignored --nocapture`
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
            let bearer = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s.get(crate::transport::openapi::BEARER).is_some());
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
