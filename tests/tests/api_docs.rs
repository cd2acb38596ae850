//! The api-docs function through the local gateway (Swagger UI, the OpenAPI document, the UI's
//! files), and the JSON logs every function writes (request id, X-Ray trace id, level from
//! AWS_LAMBDA_LOG_LEVEL), read from a binary run under its own Runtime API.
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]

use integration_tests::*;
use runtime_api::apigw::HttpRequest;
use serde_json::Value;
use std::time::Duration;

async fn get_raw(path: &str) -> (u16, String, String, String) {
    let resp = http().get(format!("{}{path}", gateway())).send().await.expect("gateway reachable");
    let status = resp.status().as_u16();
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (content_type, cache) = (header("content-type"), header("cache-control"));
    (status, content_type, cache, resp.text().await.unwrap_or_default())
}

#[tokio::test]
async fn swagger_ui_serves_the_document_of_every_route() {
    let (status, content_type, _, html) = get_raw("/api/auth/api-docs").await;
    assert_eq!(status, 200, "{html}");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(html.contains(r#"<base href="api-docs/">"#), "{html}");

    // The page's relative links resolve below /api/auth/api-docs/.
    for file in ["swagger-ui-bundle.js", "swagger-ui.css", "swagger-initializer.js"] {
        let (status, _, _, body) = get_raw(&format!("/api/auth/api-docs/{file}")).await;
        assert_eq!(status, 200, "{file}");
        assert!(html.contains(file) || file == "swagger-initializer.js", "index.html links {file}");
        assert!(!body.is_empty(), "{file}");
    }
    let (_, _, _, init) = get_raw("/api/auth/api-docs/swagger-initializer.js").await;
    assert!(init.contains("openapi.json"), "the UI loads the document: {init}");

    let (status, content_type, _, doc) = get_raw("/api/auth/api-docs/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json");
    let served: Value = serde_json::from_str(&doc).expect("document is JSON");
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(runtime_api::workspace_root().join("docs/openapi.json")).expect("docs/openapi.json"),
    )
    .expect("docs/openapi.json is JSON");
    assert_eq!(served, committed, "the function serves docs/openapi.json as it was built");
    assert_eq!(served["openapi"], "3.1.0");
    assert!(served["paths"]["/api/v1/messages"]["post"].is_object());

    let (status, _, _, body) = get_raw("/api/auth/api-docs/no-such-file.js").await;
    assert_eq!(status, 404, "{body}");
    let error: Value = serde_json::from_str(&body).expect("JSON error");
    assert_eq!(error["code"], "NOT_FOUND");
}

/// Runs api-docs (no dependencies) with RUST_LOG empty, as the template deploys it, and a
/// request that logs at info level ("request rejected", a 404).
async fn log_lines_at(level: &str) -> Vec<Value> {
    log_lines_with("", level).await
}

async fn log_lines_with(rust_log: &str, lambda_level: &str) -> Vec<Value> {
    let api = runtime_api::RuntimeApi::start().await.expect("runtime api");
    let log = runtime_api::workspace_root().join(format!(".local/logs/{}.log", unique("log-level")));
    let mut function = runtime_api::FunctionProcess::builder(&function_binary("api-docs"), "api-docs", &api)
        .env("RUST_LOG", rust_log)
        .env("AWS_LAMBDA_LOG_LEVEL", lambda_level)
        .log_file(&log)
        .spawn()
        .expect("spawn api-docs");
    function.wait_ready(Duration::from_secs(30)).await.expect("init");
    let answer = function
        .http(
            &HttpRequest::get("/api/auth/api-docs/missing.js").route("/api/auth/api-docs/{file}"),
            Duration::from_secs(10),
        )
        .await
        .expect("invoke");
    assert_eq!(answer.status, 404);
    function.kill().await.expect("stop");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

#[tokio::test]
async fn logs_are_json_with_request_and_trace_ids_at_the_lambda_log_level() {
    let lines = log_lines_at("DEBUG").await;
    let rejected: Vec<&Value> = lines.iter().filter(|l| l["fields"]["message"] == "request rejected").collect();
    assert_eq!(rejected.len(), 1, "one info line for the 404: {lines:#?}");
    let line = rejected[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["fields"]["code"], "NOT_FOUND");
    assert!(line["span"]["requestId"].as_str().is_some_and(|id| !id.is_empty()), "{line}");
    assert!(line["span"]["xrayTraceId"].as_str().is_some_and(|t| t.starts_with("Root=1-")), "{line}");
    assert!(line["timestamp"].is_string(), "{line}");

    let lines = log_lines_at("WARN").await;
    assert!(
        lines.iter().all(|l| l["level"] == "WARN" || l["level"] == "ERROR"),
        "AWS_LAMBDA_LOG_LEVEL=WARN drops info lines: {lines:#?}"
    );
}

#[tokio::test]
async fn a_rust_log_filter_is_applied_and_one_that_is_not_understood_is_reported() {
    // Per-module levels: the 404's info line comes from `shared`, so `shared=warn` drops it.
    let lines = log_lines_with("info,shared=warn", "DEBUG").await;
    assert!(!lines.iter().any(|l| l["fields"]["message"] == "request rejected"), "shared=warn drops it: {lines:#?}");

    // Not a filter: said once, at warn, and logging goes on at info instead of stopping.
    let lines = log_lines_with("shared=loud", "").await;
    let warned: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"].as_str().is_some_and(|m| m.starts_with("log filter not understood")))
        .collect();
    assert_eq!(warned.len(), 1, "{lines:#?}");
    assert_eq!(warned[0]["level"], "WARN");
    assert_eq!(warned[0]["fields"]["filter"], "shared=loud");
    assert!(lines.iter().any(|l| l["fields"]["message"] == "request rejected" && l["level"] == "INFO"), "{lines:#?}");
}
