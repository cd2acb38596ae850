//! Every function's `events/<name>.json` is accepted by the function's real binary: each binary is
//! started under a local Runtime API (what `cargo lambda invoke --data-file` and `sam local invoke -e`
//! talk to) with the local cloud's settings and invoked once with its sample event. The answer must
//! be a result (no handler error, no crash) and, for HTTP functions, not a 5xx: the event parses
//! into the function's input type and the function handles it.
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]

use integration_tests::*;
use serde_json::Value;
use std::time::Duration;

fn function_names() -> Vec<String> {
    let root = runtime_api::workspace_root();
    let mut names: Vec<String> = std::fs::read_dir(root.join("functions"))
        .expect("functions/")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn every_function_accepts_its_sample_event() {
    let root = runtime_api::workspace_root();
    let mut problems = Vec::new();
    let names = function_names();
    assert!(names.len() > 50, "functions/ lists {} crates", names.len());
    for name in &names {
        let event: Value = match std::fs::read_to_string(root.join(format!("events/{name}.json"))) {
            Ok(text) => serde_json::from_str(&text).expect("events/*.json are JSON (template_consistency)"),
            Err(e) => {
                problems.push(format!("{name}: events/{name}.json: {e}"));
                continue;
            }
        };
        let mut function = run_function(name, &[]).await;
        match function.invoke(&event, Duration::from_secs(30)).await {
            Err(e) => problems.push(format!("{name}: {e}")),
            Ok(answer) => {
                let answer: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
                if let Some(status) = answer.get("statusCode").and_then(Value::as_u64).filter(|s| *s >= 500) {
                    problems.push(format!("{name}: HTTP {status}: {}", answer["body"]));
                }
            }
        }
        let _ = function.kill().await;
    }
    assert!(
        problems.is_empty(),
        "{} function(s) did not handle their sample event:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
