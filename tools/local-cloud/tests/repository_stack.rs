//! The repository's own template.yaml and localstack/parameters.toml, resolved as the local cloud
//! resolves them when it starts (no servers, no generated secrets: they are given in memory).

use local_cloud::env::Env;
use local_cloud::schedule::Expression;
use local_cloud::stack::{PARAMETER_FILE, Settings, Stack};
use local_cloud::template::Template;
use std::path::{Path, PathBuf};
use std::time::Duration;

const JWT_SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const CLIENT_SECRET: &str = "fedcba9876543210fedcba9876543210";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn settings(vars: &[(&str, &str)]) -> Settings {
    let env = Env::from_map(&root(), vars.iter().copied())
        .with_file(".local/jwt-secret", JWT_SECRET)
        .with_file(".local/introspection-secret", CLIENT_SECRET);
    Settings::new(&root(), env).unwrap()
}

fn stack(vars: &[(&str, &str)]) -> Stack {
    Stack::load(&settings(vars)).unwrap_or_else(|e| panic!("{e}"))
}

fn parameter_file() -> String {
    std::fs::read_to_string(root().join(PARAMETER_FILE)).unwrap()
}

#[test]
fn every_function_gets_what_lambda_would_set() {
    let s = stack(&[]);
    let template = Template::load(&root().join("template.yaml")).unwrap();
    assert_eq!(s.functions.len(), template.of_type("AWS::Serverless::Function").count());
    assert_eq!((s.name.as_str(), s.account_id.as_str()), ("local", "000000000000"));

    let login = s.function("login").unwrap();
    assert_eq!((login.name.as_str(), login.logical_id.as_str()), ("local-login", "LoginFunction"));
    assert_eq!((login.timeout, login.memory_mb), (Duration::from_secs(15), 1024));
    let env = &login.environment;
    assert_eq!(env["PG_HOST"], "127.0.0.1");
    assert_eq!(env["PG_PORT"], "55432");
    assert_eq!(env["JWT_SECRET"], JWT_SECRET);
    assert_eq!(env["JWT_ISSUER"], "rust-lambda-local");
    assert_eq!(env["AUTH_EVENTS_QUEUE_URL"], "http://127.0.0.1:4566/queue/us-east-1/000000000000/local-auth-events");
    assert_eq!(env["TOKENS_TABLE"], "local-auth-tokens");
    assert_eq!(env["IMAGES_BUCKET"], "local-imagesbucket");
    assert_eq!(env["AWS_ENDPOINT_URL"], "http://127.0.0.1:4566");
    assert_eq!(env["RUST_LOG"], "", "the template's RustLog default");
    assert_eq!(env["PBKDF2_ITERATIONS"], "600000");
    assert!(!env.contains_key("INTROSPECTION_CLIENTS"), "only introspect declares it");

    let process = login.process_environment(&s.region, "/task");
    assert_eq!(process["AWS_LAMBDA_FUNCTION_NAME"], "local-login");
    assert_eq!(process["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "1024");
    assert_eq!(process["AWS_LAMBDA_LOG_FORMAT"], "JSON");
    assert_eq!(process["AWS_LAMBDA_LOG_LEVEL"], "INFO");
    assert_eq!(process["AWS_REGION"], "us-east-1");
    assert_eq!((process["AWS_ACCESS_KEY_ID"].as_str(), process["AWS_SECRET_ACCESS_KEY"].as_str()), ("test", "test"));

    let introspect = s.function("introspect").unwrap();
    assert_eq!(introspect.environment["INTROSPECTION_CLIENTS"], format!("tenant-service:{CLIENT_SECRET}"));
    let tenant = s.function("tenant-data-get").unwrap();
    assert_eq!(tenant.environment["AUTH_SERVICE_URL"], "http://127.0.0.1:9000");
    assert_eq!(tenant.environment["INTROSPECTION_CLIENT_SECRET"], CLIENT_SECRET);
    let presign = s.function("images-presign").unwrap();
    assert_eq!(presign.environment["IMAGES_PRESIGN_MAX_BYTES"], "52428800", "numbers become text");
    assert_eq!(presign.environment["IMAGES_S3_ENDPOINT"], "http://127.0.0.1:8333");
}

#[test]
fn routes_mappings_and_schedules_come_from_the_events() {
    let s = stack(&[("LOCAL_GATEWAY_PORT", "9100")]);
    let route =
        |method: &str, path: &str| s.routes.find(method, path).map(|m| (m.route.key.clone(), m.route.function.clone()));
    assert_eq!(route("POST", "/login"), Some(("POST /login".into(), "local-login".into())));
    assert_eq!(route("GET", "/api/sessions/verify").unwrap().1, "local-sessions-verify");
    assert_eq!(
        route("GET", "/api/sessions/42"),
        Some(("GET /api/sessions/{userId}".into(), "local-sessions-list".into()))
    );
    assert_eq!(route("OPTIONS", "/user/soap").unwrap().1, "local-user-lookup-soap");
    assert_eq!(route("GET", "/login"), None);
    assert_eq!(route("GET", "/lambda-url/login/"), None);
    assert!(s.routes.routes().iter().all(|r| r.integration_timeout == Duration::from_secs(30)));

    assert_eq!(s.mappings.len(), 2);
    let recorder = s.mappings.iter().find(|m| m.function == "local-session-recorder").unwrap();
    assert_eq!(recorder.queue.name, "local-auth-events");
    assert_eq!((recorder.batch_size, recorder.maximum_batching_window_seconds), (10, 0));
    assert!(recorder.report_batch_item_failures && recorder.enabled);
    assert_eq!(recorder.maximum_concurrency, Some(5));

    assert_eq!(s.schedules.len(), 1);
    let relay = &s.schedules[0];
    assert_eq!(relay.function, "local-outbox-relay");
    assert_eq!(relay.expression, Expression::Rate(Duration::from_secs(60)));
    assert!(relay.enabled && relay.input.is_none());
    assert_eq!(relay.rule_arn, "arn:aws:events:us-east-1:000000000000:rule/local-OutboxRelayFunctionEveryMinute");
    assert_eq!(s.gateway_url, "http://127.0.0.1:9100");
}

#[test]
fn resources_are_the_templates() {
    let s = stack(&[]);
    // Sorted: whether serde_json keeps the template's order depends on the features of the build.
    let mut names: Vec<&str> = s.queues.iter().map(|q| q.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "local-auth-events",
            "local-auth-events-dlq",
            "local-session-events",
            "local-session-events-dlq",
            "local-user-events",
            "local-user-events-dlq"
        ]
    );
    let auth = s.queues.iter().find(|q| q.logical_id == "AuthEventsQueue").unwrap();
    assert_eq!(auth.attributes["VisibilityTimeout"], "60");
    assert_eq!(auth.attributes["MessageRetentionPeriod"], "345600");
    let redrive: serde_json::Value = serde_json::from_str(&auth.attributes["RedrivePolicy"]).unwrap();
    assert_eq!(redrive["deadLetterTargetArn"], "arn:aws:sqs:us-east-1:000000000000:local-auth-events-dlq");
    assert_eq!(redrive["maxReceiveCount"], 3);
    assert!(!auth.attributes.contains_key("SqsManagedSseEnabled"));

    let mut tables: Vec<&str> = s.tables.iter().map(|t| t.name.as_str()).collect();
    tables.sort_unstable();
    assert_eq!(tables, ["local-auth-tokens", "local-tenant-cache"]);
    let tokens = s.tables.iter().find(|t| t.logical_id == "TokensTable").unwrap();
    let ttl = tokens.spec.time_to_live_specification.as_ref().unwrap();
    assert_eq!((ttl.attribute_name.as_deref(), ttl.enabled), (Some("expiresAt"), true));

    assert_eq!(s.buckets.len(), 1);
    let images = &s.buckets[0];
    assert_eq!(images.name, "local-imagesbucket");
    let statements = images.policy.as_ref().unwrap()["Statement"].as_array().unwrap().clone();
    assert_eq!(statements.len(), 1, "DenyInsecureTransport is left out on plain HTTP: {statements:?}");
    assert_eq!(statements[0]["Resource"], "arn:aws:s3:::local-imagesbucket/images/*");
    assert_eq!(images.lifecycle.as_ref().unwrap()["Rules"][0]["Prefix"], "uploads/");

    let output = |name: &str| s.outputs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    assert_eq!(
        output("UserEventsDlqUrl").unwrap(),
        "http://127.0.0.1:4566/queue/us-east-1/000000000000/local-user-events-dlq"
    );
    assert_eq!(output("DbMigrateFunctionName").unwrap(), "local-db-migrate");
}

#[test]
fn moto_is_another_account_and_url_scheme() {
    let s = stack(&[("LOCAL_AWS", "moto"), ("LOCAL_AWS_ENDPOINT_URL", "http://127.0.0.1:5000")]);
    assert_eq!(s.account_id, "123456789012");
    let login = s.function("local-login").unwrap();
    assert_eq!(login.environment["AUTH_EVENTS_QUEUE_URL"], "http://127.0.0.1:5000/123456789012/local-auth-events");
    assert_eq!(login.arn, "arn:aws:lambda:us-east-1:123456789012:function:local-login");
    assert_eq!(
        s.function_for_invoke("arn:aws:lambda:us-east-1:123456789012:function:local-login").unwrap().binary,
        "login"
    );
    assert_eq!(s.function_for_invoke("123456789012:function:local-login:$LATEST").unwrap().binary, "login");
    assert!(s.function_for_invoke("login").is_none(), "the Invoke API knows FunctionNames, not binaries");
}

#[test]
fn an_empty_endpoint_parameter_leaves_its_variable_unset() {
    let text = parameter_file()
        .replace("AwsEndpointUrl = \"${LOCAL_AWS_ENDPOINT_URL:-http://127.0.0.1:4566}\"", "AwsEndpointUrl = \"\"");
    let settings = settings(&[]);
    let s = Stack::build(&settings, &Template::load(&settings.template).unwrap(), &text).unwrap();
    let env = &s.function("login").unwrap().environment;
    assert!(!env.contains_key("AWS_ENDPOINT_URL"), "!If [HasAwsEndpointUrl, ..., !Ref AWS::NoValue]");
    assert!(env.contains_key("AWS_ENDPOINT_URL_DYNAMODB"));
}

#[test]
fn problems_name_the_parameter_or_the_template_path() {
    let settings = settings(&[]);
    let template = Template::load(&settings.template).unwrap();
    let without_host: String =
        parameter_file().lines().filter(|l| !l.starts_with("PgHost")).map(|l| format!("{l}\n")).collect();
    let e = Stack::build(&settings, &template, &without_host).unwrap_err().to_string();
    assert!(e.ends_with("localstack/parameters.toml: parameters.PgHost: required: template.yaml gives no Default, so the parameter file must set it"), "{e}");

    let short = parameter_file().replace("JwtSecret = \"${file:.local/jwt-secret}\"", "JwtSecret = \"short-secret\"");
    let e = Stack::build(&settings, &template, &short).unwrap_err().to_string();
    assert!(e.contains("parameters.JwtSecret") && e.contains("MinLength is 32") && !e.contains("short-secret"), "{e}");

    let broken = std::fs::read_to_string(&settings.template).unwrap().replace("!Ref TokensTable", "!Ref TokensTabel");
    let template = Template::parse(&settings.template, &broken).unwrap();
    let e = Stack::build(&settings, &template, &parameter_file()).unwrap_err().to_string();
    assert!(
        e.contains("template.yaml: Resources.") && e.contains("Ref TokensTabel: no parameter or resource of that name"),
        "{e}"
    );

    // A copy of the repository without the generated secrets.
    let bare = std::env::temp_dir().join(format!("local-cloud-bare-{}", std::process::id()));
    std::fs::create_dir_all(bare.join("localstack")).unwrap();
    std::fs::copy(&settings.template, bare.join("template.yaml")).unwrap();
    std::fs::copy(root().join(PARAMETER_FILE), bare.join(PARAMETER_FILE)).unwrap();
    let missing = Settings::new(&bare, Env::from_map(&bare, [("A", "1")])).unwrap();
    let e = Stack::load(&missing).unwrap_err().to_string();
    std::fs::remove_dir_all(&bare).unwrap();
    assert!(e.contains("secret does not exist (localstack/up.sh generates it)"), "{e}");
}
