//! The gateway, the Invoke API, the execution environments and the scheduler, over a small
//! template whose functions are a Python script speaking the Runtime API (tests/support):
//! no emulator, no Rust function build.

use local_cloud::env::Env;
use local_cloud::gateway::Gateway;
use local_cloud::invoke_api::InvokeApi;
use local_cloud::runtime::{Functions, PoolOptions};
use local_cloud::stack::{Settings, Stack};
use local_cloud::{http, scheduler};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::net::TcpListener;
use tokio::sync::watch;

const TEMPLATE: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: {Type: String, Default: hello}
  Optional: {Type: String, Default: ""}
Conditions:
  HasOptional: !Not [!Equals [!Ref Optional, ""]]
Globals:
  Function:
    Timeout: 5
    MemorySize: 256
    LoggingConfig: {LogFormat: JSON, ApplicationLogLevel: DEBUG}
    Environment:
      Variables:
        GREETING: !Sub "${Greeting}, ${AWS::Region}"
        OPTIONAL: !If [HasOptional, !Ref Optional, !Ref AWS::NoValue]
        EVENTS_FILE: "DIR/events.jsonl"
Resources:
  HttpApi:
    Type: AWS::Serverless::HttpApi
  EchoFunction:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: echo}}
    Properties:
      FunctionName: !Sub "${AWS::StackName}-echo"
      Events:
        Item: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: GET, Path: "/items/{id}"}}
        Anything: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: ANY, Path: "/echo/{proxy+}"}}
        Error: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: GET, Path: /error}}
        Crash: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: GET, Path: /crash}}
        Bad: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: GET, Path: /bad}}
        Hourly: {Type: Schedule, Properties: {Schedule: rate(1 hour)}}
  SlowFunction:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: slow}}
    Properties:
      FunctionName: !Sub "${AWS::StackName}-slow"
      Timeout: 1
      Events:
        Slow: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: POST, Path: /slow}}
  LongFunction:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: long}}
    Properties:
      FunctionName: !Sub "${AWS::StackName}-long"
      Timeout: 10
      Events:
        Long: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: GET, Path: /long, TimeoutInMillis: 1000}}
"#;

const PARAMETERS: &str = r#"
[stack]
name = "test"
region = "eu-west-1"
[parameters]
Greeting = "${GREETING_WORD:-hi}"
[emulators]
kind = "localstack"
sqs = "http://127.0.0.1:1"
dynamodb = "http://127.0.0.1:1"
s3 = []
"#;

struct Harness {
    dir: PathBuf,
    stack: Arc<Stack>,
    functions: Arc<Functions>,
    gateway: String,
    invoke: String,
    stop: watch::Sender<bool>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn start(name: &str, max_environments: usize) -> Harness {
    let dir = std::env::temp_dir().join(format!("local-cloud-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("localstack")).unwrap();
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(dir.join("template.yaml"), TEMPLATE.replace("DIR", &dir.display().to_string())).unwrap();
    std::fs::write(dir.join("localstack/parameters.toml"), PARAMETERS).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/function.py");
    for binary in ["echo", "slow", "long"] {
        std::fs::copy(script, dir.join("bin").join(binary)).unwrap();
    }
    let gateway_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let invoke_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (gateway_port, invoke_port) =
        (gateway_listener.local_addr().unwrap().port(), invoke_listener.local_addr().unwrap().port());
    let env = Env::from_map(
        &dir,
        [("LOCAL_GATEWAY_PORT", gateway_port.to_string()), ("LOCAL_INVOKE_PORT", invoke_port.to_string())],
    );
    let stack = Arc::new(Stack::load(&Settings::new(&dir, env).unwrap()).unwrap_or_else(|e| panic!("{e}")));
    let options = PoolOptions {
        binaries: dir.join("bin"),
        logs: dir.join("logs"),
        max_environments,
        idle_timeout: Duration::from_secs(60),
        init_timeout: Duration::from_secs(10),
    };
    let functions = Arc::new(Functions::new(&stack, &options).unwrap());
    let (stop, stopped) = watch::channel(false);
    let gateway = Arc::new(Gateway {
        routes: stack.routes.clone(),
        functions: functions.clone(),
        account_id: stack.account_id.clone(),
        api_id: "local".into(),
        port: gateway_port,
    });
    tokio::spawn(http::serve(gateway_listener, stopped.clone(), move |req, peer| gateway.clone().handle(req, peer)));
    let invoke = Arc::new(InvokeApi { stack: stack.clone(), functions: functions.clone() });
    tokio::spawn(http::serve(invoke_listener, stopped, move |req, _| invoke.clone().handle(req)));
    Harness {
        dir,
        stack,
        functions,
        gateway: format!("http://127.0.0.1:{gateway_port}"),
        invoke: format!("http://127.0.0.1:{invoke_port}"),
        stop,
    }
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn call(req: reqwest::RequestBuilder) -> Answer {
    let resp = req.send().await.expect("the server answers");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn only_routes_reach_functions_and_every_answer_has_a_request_id() {
    let h = start("routes", 2).await;
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/nope"),
        ("POST", "/items/1"),
        ("GET", "/lambda-url/test-echo/"),
        ("POST", "/2015-03-31/functions/test-echo/invocations"),
        ("GET", "/echo"),
    ] {
        let a = call(client().request(method.parse().unwrap(), format!("{}{path}", h.gateway))).await;
        assert_eq!((a.status, &a.body), (404, &json!({"message": "Not Found"})), "{method} {path}");
        assert!(a.headers.contains_key("apigw-requestid"), "{method} {path}");
    }
    let big = vec![b'x'; 10 * 1024 * 1024 + 1];
    let a = call(client().post(format!("{}/echo/upload", h.gateway)).body(big)).await;
    assert_eq!((a.status, &a.body), (413, &json!({"message": "Request Entity Too Large"})));
    assert!(a.headers.contains_key("apigw-requestid"));
}

#[tokio::test]
async fn a_request_becomes_a_payload_2_0_event_and_the_function_sees_only_its_environment() {
    let h = start("event", 2).await;
    let a = call(
        client()
            .get(format!("{}/items/a%20b?x=1&x=2&y=%C3%A9", h.gateway))
            .header("X-Multi", "1")
            .header("X-Multi", "2")
            .header("Cookie", "c=1; d=2")
            .header("User-Agent", "tests/1.0"),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let set_cookies: Vec<_> = a.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    assert_eq!(set_cookies, ["a=1", "b=2"]);
    let id = a.headers["apigw-requestid"].to_str().unwrap().to_owned();
    let e = &a.body["event"];
    assert_eq!(e["version"], "2.0");
    assert_eq!(e["routeKey"], "GET /items/{id}");
    assert_eq!(e["rawPath"], "/items/a%20b");
    assert_eq!(e["rawQueryString"], "x=1&x=2&y=%C3%A9");
    assert_eq!(e["queryStringParameters"], json!({"x": "1,2", "y": "é"}));
    assert_eq!(e["pathParameters"], json!({"id": "a b"}));
    assert_eq!(e["headers"]["x-multi"], "1,2");
    assert_eq!(e["headers"]["user-agent"], "tests/1.0");
    assert!(e["headers"].get("cookie").is_none());
    assert_eq!(e["cookies"], json!(["c=1", "d=2"]));
    assert_eq!(e["requestContext"]["requestId"], id.as_str());
    assert_eq!(e["requestContext"]["stage"], "$default");
    assert_eq!(e["requestContext"]["http"]["sourceIp"], "127.0.0.1");
    assert_eq!(e["requestContext"]["http"]["method"], "GET");
    assert_eq!(e["requestContext"]["accountId"], "000000000000");
    assert!(e["requestContext"]["timeEpoch"].as_i64().unwrap() > 0);
    assert_eq!(e["isBase64Encoded"], false);
    assert!(e.get("body").is_none());

    let env = a.body["env"].as_object().unwrap();
    assert_eq!(env["GREETING"], "hi, eu-west-1");
    assert!(!env.contains_key("OPTIONAL"), "AWS::NoValue leaves the variable out");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "test-echo");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
    assert_eq!(env["AWS_LAMBDA_LOG_LEVEL"], "DEBUG");
    assert_eq!(env["AWS_REGION"], "eu-west-1");
    assert!(!env.contains_key("HOME") && !env.contains_key("CARGO"), "nothing of the local cloud's own environment");
}

#[tokio::test]
async fn bodies_are_text_when_utf8_and_base64_otherwise() {
    let h = start("bodies", 2).await;
    let a = call(client().post(format!("{}/echo/a/b", h.gateway)).body(vec![0xff, 0x00, 0x80])).await;
    assert_eq!(a.body["event"]["routeKey"], "ANY /echo/{proxy+}");
    assert_eq!(a.body["event"]["pathParameters"]["proxy"], "a/b");
    assert_eq!(a.body["event"]["isBase64Encoded"], true);
    assert_eq!(a.body["event"]["body"], "/wCA");
    let a = call(client().put(format!("{}/echo/x", h.gateway)).body("héllo")).await;
    assert_eq!(
        (a.body["event"]["isBase64Encoded"].clone(), a.body["event"]["body"].clone()),
        (json!(false), json!("héllo"))
    );
}

#[tokio::test]
async fn failures_are_api_gateways_500_and_503() {
    let h = start("failures", 2).await;
    let internal = json!({"message": "Internal Server Error"});
    for path in ["/error", "/crash", "/bad"] {
        let a = call(client().get(format!("{}{path}", h.gateway))).await;
        assert_eq!((a.status, &a.body), (500, &internal), "{path}");
        assert!(a.headers.contains_key("apigw-requestid"));
    }
    // The crashed environment is replaced by the next request.
    assert_eq!(call(client().get(format!("{}/items/1", h.gateway))).await.status, 200);
    // The function's Timeout (1 s): its environment is stopped.
    let started = Instant::now();
    let a = call(client().post(format!("{}/slow?s=5", h.gateway))).await;
    assert_eq!((a.status, &a.body), (500, &internal));
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    assert_eq!(call(client().post(format!("{}/slow?s=0", h.gateway))).await.status, 200);
    // The route's integration timeout (1 s) before the function's (10 s).
    let started = Instant::now();
    let a = call(client().get(format!("{}/long?s=3", h.gateway))).await;
    assert_eq!((a.status, &a.body), (503, &json!({"message": "Service Unavailable"})));
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[tokio::test]
async fn environments_are_reused_while_warm_and_replaced_after_a_rebuild() {
    let h = start("warm", 2).await;
    let pid = |a: &Answer| a.body["pid"].as_i64().unwrap();
    let first = call(client().get(format!("{}/items/1", h.gateway))).await;
    let second = call(client().get(format!("{}/items/2", h.gateway))).await;
    assert_eq!(pid(&first), pid(&second), "a warm environment serves again");
    {
        // Closed at once: a binary open for writing cannot be executed (ETXTBSY).
        let binary = std::fs::File::options().write(true).open(h.dir.join("bin/echo")).unwrap();
        binary.set_modified(SystemTime::now() + Duration::from_secs(5)).unwrap();
    }
    let rebuilt = call(client().get(format!("{}/items/3", h.gateway))).await;
    assert_ne!(pid(&first), pid(&rebuilt), "a rebuilt binary gets a new environment");

    // Concurrent invocations use several environments, at most max_environments (2).
    let requests = (0..4).map(|_| call(client().post(format!("{}/slow?s=0.5", h.gateway))));
    let answers = futures_join(requests.collect()).await;
    let pids: std::collections::BTreeSet<i64> = answers.iter().map(pid).collect();
    assert!(answers.iter().all(|a| a.status == 200));
    assert_eq!(pids.len(), 2, "{pids:?}");
    assert!(h.functions.get("test-slow").is_some());
}

async fn futures_join(calls: Vec<impl std::future::Future<Output = Answer> + Send + 'static>) -> Vec<Answer> {
    let handles: Vec<_> = calls.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn the_invoke_api_answers_as_lambda_does() {
    let h = start("invoke", 2).await;
    let url = |name: &str| format!("{}/2015-03-31/functions/{name}/invocations", h.invoke);
    let a = call(client().post(url("test-echo")).json(&json!({"hello": "world"}))).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["echo"], json!({"hello": "world"}));
    assert!(!a.headers.contains_key("x-amz-function-error"));
    assert_eq!(a.headers["x-amz-executed-version"], "$LATEST");

    let arn = "arn%3Aaws%3Alambda%3Aeu-west-1%3A000000000000%3Afunction%3Atest-echo";
    assert_eq!(call(client().post(url(arn)).json(&json!({}))).await.status, 200, "by ARN");

    let a = call(client().post(url("test-echo")).json(&json!({"rawPath": "/error"}))).await;
    assert_eq!((a.status, a.headers["x-amz-function-error"].to_str().unwrap()), (200, "Unhandled"));
    assert_eq!(a.body, json!({"errorType": "Boom", "errorMessage": "it broke"}));

    let a =
        call(client().post(url("test-slow")).json(&json!({"rawPath": "/slow", "queryStringParameters": {"s": "3"}})))
            .await;
    assert_eq!(a.headers["x-amz-function-error"], "Unhandled");
    assert_eq!(a.body["errorType"], "Sandbox.Timedout");
    assert!(a.body["errorMessage"].as_str().unwrap().ends_with("Task timed out after 1.00 seconds"), "{}", a.body);

    let a = call(client().post(url("echo")).json(&json!({}))).await;
    assert_eq!((a.status, a.headers["x-amzn-errortype"].to_str().unwrap()), (404, "ResourceNotFoundException"));
    let a = call(client().post(url("test-echo")).body("{not json")).await;
    assert_eq!((a.status, a.headers["x-amzn-errortype"].to_str().unwrap()), (400, "InvalidRequestContentException"));
    let a = call(client().post(url("test-echo")).header("x-amz-invocation-type", "Event").json(&json!({"n": 1}))).await;
    assert_eq!(a.status, 202);
    assert_eq!(call(client().get(url("test-echo"))).await.status, 404);
}

#[tokio::test]
async fn a_schedule_invokes_its_function_with_a_scheduled_event() {
    let h = start("schedule", 1).await;
    let (_stop, stopped) = watch::channel(false);
    let _schedules = scheduler::start(&h.stack, &h.functions, Some(Duration::from_secs(1)), &stopped);
    let events = h.dir.join("events.jsonl");
    let deadline = Instant::now() + Duration::from_secs(10);
    let event: Value = loop {
        if let Some(line) = std::fs::read_to_string(&events).ok().and_then(|t| t.lines().next().map(str::to_owned)) {
            break serde_json::from_str(&line).unwrap();
        }
        assert!(Instant::now() < deadline, "the schedule did not fire");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(event["detail-type"], "Scheduled Event");
    assert_eq!(event["source"], "aws.events");
    assert_eq!(event["region"], "eu-west-1");
    assert_eq!(event["resources"][0], "arn:aws:events:eu-west-1:000000000000:rule/test-EchoFunctionHourly");
}
