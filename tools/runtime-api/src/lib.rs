//! A minimal local [Lambda Runtime API] so that tests and benchmarks can run the *real* function
//! binaries (`target/<profile>/<name>`) as child processes, exactly as the Lambda service does:
//! the binary long-polls `GET …/invocation/next`, handles the event and posts its answer back.
//!
//! One [`RuntimeApi`] stands for one Lambda execution environment: spawn one [`FunctionProcess`]
//! on it at a time. Invocations are delivered one at a time, as Lambda does.
//!
//! [Lambda Runtime API]: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html

pub mod apigw;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response, StatusCode, body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot, watch};

const PREFIX: &str = "/2018-06-01/runtime";
const ERROR_TYPE: &str = "lambda-runtime-function-error-type";

/// Why an invocation produced no answer; each case is a different kind of test failure.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// The handler returned an error (`POST …/{id}/error`); the body is the function's error JSON.
    #[error("function error {error_type}: {}", String::from_utf8_lossy(body))]
    FunctionError { error_type: String, body: Bytes },
    /// The runtime failed before serving (`POST …/init/error`), e.g. missing configuration.
    #[error("init error: {}", String::from_utf8_lossy(.0))]
    InitError(Bytes),
    /// No answer within the time the caller allowed.
    #[error("timed out")]
    Timeout,
    /// The function process ended (crash, panic, `main` returning an error) before answering.
    #[error("function process exited: {0}")]
    ProcessExited(String),
    /// The event could not be encoded, or the answer is not what the caller expected.
    #[error("bad payload: {0}")]
    BadPayload(String),
}

type Outcome = Result<Bytes, InvokeError>;

struct Queued {
    id: String,
    event: Bytes,
    done: oneshot::Sender<Outcome>,
}

struct Shared {
    queue_tx: mpsc::UnboundedSender<Queued>,
    queue_rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Queued>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    first_next: watch::Sender<Option<Instant>>,
    init_error: watch::Sender<Option<Bytes>>,
    invoke_lock: tokio::sync::Mutex<()>,
    function_name: Mutex<String>,
    /// Overrides the ARN made up from the function's name (another account, a real name).
    function_arn: Mutex<Option<String>>,
    function_timeout: Mutex<Duration>,
}

struct Inner {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The emulator: an HTTP server on `127.0.0.1:<random port>` speaking the Runtime API.
/// Cheap to clone; the server stops when the last clone is dropped.
#[derive(Clone)]
pub struct RuntimeApi {
    inner: Arc<Inner>,
}

/// A poisoned lock only means another test thread panicked; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RuntimeApi {
    /// Binds a free port on 127.0.0.1 and serves in a background task, so tests can run in parallel.
    pub async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (queue_tx, queue_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queue_tx,
            queue_rx: tokio::sync::Mutex::new(queue_rx),
            in_flight: Mutex::new(HashMap::new()),
            first_next: watch::Sender::new(None),
            init_error: watch::Sender::new(None),
            invoke_lock: tokio::sync::Mutex::new(()),
            function_name: Mutex::new("function".to_owned()),
            function_arn: Mutex::new(None),
            function_timeout: Mutex::new(Duration::from_secs(30)),
        });
        let server = tokio::spawn(serve(listener, shared.clone()));
        Ok(Self { inner: Arc::new(Inner { shared, addr, server }) })
    }

    /// The address to put in `AWS_LAMBDA_RUNTIME_API`.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// Names the function in the invoked-function ARN; [`FunctionProcess::spawn`] sets it.
    pub fn set_function_name(&self, name: &str) {
        *lock(&self.inner.shared.function_name) = name.to_owned();
    }

    /// The ARN the runtime is told it runs as (`lambda-runtime-invoked-function-arn`); by default
    /// one of account 000000000000 for the function's name.
    pub fn set_function_arn(&self, arn: &str) {
        *lock(&self.inner.shared.function_arn) = Some(arn.to_owned());
    }

    /// The function's configured timeout, which sets `Lambda-Runtime-Deadline-Ms` (default 30 s).
    pub fn set_function_timeout(&self, timeout: Duration) {
        *lock(&self.inner.shared.function_timeout) = timeout;
    }

    /// When the runtime first asked for work: the end of its init phase.
    pub fn first_next_at(&self) -> Option<Instant> {
        *self.inner.shared.first_next.borrow()
    }

    /// Waits for the runtime to finish init; fails early if it reports an init error.
    pub async fn wait_first_next(&self, timeout: Duration) -> Result<Instant, InvokeError> {
        let mut ready = self.inner.shared.first_next.subscribe();
        let mut init = self.inner.shared.init_error.subscribe();
        tokio::select! {
            at = ready.wait_for(Option::is_some) => match at {
                Ok(at) => at.ok_or(InvokeError::Timeout),
                Err(_) => Err(InvokeError::Timeout),
            },
            body = init_failure(&mut init) => Err(InvokeError::InitError(body)),
            _ = tokio::time::sleep(timeout) => Err(InvokeError::Timeout),
        }
    }

    /// A new process is a new execution environment: its init clock and init error start afresh.
    fn reset_for_new_process(&self, function_name: &str) {
        self.set_function_name(function_name);
        self.inner.shared.first_next.send_replace(None);
        self.inner.shared.init_error.send_replace(None);
    }

    /// Sends `event` to the function and waits (at most `timeout`, queueing included) for its answer.
    pub async fn invoke(&self, event: &serde_json::Value, timeout: Duration) -> Outcome {
        let event = serde_json::to_vec(event).map_err(|e| InvokeError::BadPayload(e.to_string()))?;
        self.invoke_bytes(Bytes::from(event), timeout).await
    }

    /// [`invoke`](Self::invoke) with a raw payload, for events that are not JSON values.
    pub async fn invoke_bytes(&self, event: Bytes, timeout: Duration) -> Outcome {
        self.invoke_as(uuid::Uuid::new_v4().to_string(), event, timeout).await
    }

    /// [`invoke_bytes`](Self::invoke_bytes) under the caller's request id (the runtime's
    /// `lambda-runtime-aws-request-id`), so the caller can name the invocation in its own logs.
    pub async fn invoke_as(&self, id: String, event: Bytes, timeout: Duration) -> Outcome {
        let shared = &self.inner.shared;
        let deadline = tokio::time::Instant::now() + timeout;
        // One invocation at a time, like a Lambda execution environment.
        let _turn =
            tokio::time::timeout_at(deadline, shared.invoke_lock.lock()).await.map_err(|_| InvokeError::Timeout)?;
        let mut init = shared.init_error.subscribe();
        let (done, answer) = oneshot::channel();
        shared
            .queue_tx
            .send(Queued { id: id.clone(), event, done })
            .map_err(|_| InvokeError::ProcessExited("runtime API stopped".into()))?;
        let outcome = tokio::select! {
            answer = answer => answer.unwrap_or_else(|_| Err(InvokeError::ProcessExited("invocation dropped".into()))),
            body = init_failure(&mut init) => Err(InvokeError::InitError(body)),
            _ = tokio::time::sleep_until(deadline) => Err(InvokeError::Timeout),
        };
        lock(&shared.in_flight).remove(&id);
        outcome
    }
}

/// Resolves once an init error is recorded (at once if one already is).
async fn init_failure(rx: &mut watch::Receiver<Option<Bytes>>) -> Bytes {
    // Take the value out before any other await: the watch guard is not `Send`.
    let body = rx.wait_for(Option::is_some).await.ok().and_then(|body| body.clone());
    match body {
        Some(body) => body,
        None => std::future::pending().await,
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // Events and answers go out at once instead of waiting on the peer's delayed ACK.
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| route(shared.clone(), req));
            // A broken connection only concerns that connection (the process probably died).
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

fn reply(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *resp.status_mut() = status;
    resp
}

async fn route(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let Some(rest) = req.uri().path().strip_prefix(PREFIX).map(str::to_owned) else {
        return Ok(reply(StatusCode::NOT_FOUND, ""));
    };
    if req.method() == Method::GET && rest == "/invocation/next" {
        return Ok(next(&shared).await);
    }
    if req.method() != Method::POST {
        return Ok(reply(StatusCode::NOT_FOUND, ""));
    }
    let error_type = req.headers().get(ERROR_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("Unhandled").to_owned();
    let Ok(body) = req.into_body().collect().await.map(|b| b.to_bytes()) else {
        return Ok(reply(StatusCode::BAD_REQUEST, ""));
    };
    const ACCEPTED: &str = r#"{"status":"OK"}"#;
    if rest == "/init/error" {
        shared.init_error.send_replace(Some(body));
        return Ok(reply(StatusCode::ACCEPTED, ACCEPTED));
    }
    let Some((id, kind)) = rest.strip_prefix("/invocation/").and_then(|r| r.split_once('/')) else {
        return Ok(reply(StatusCode::NOT_FOUND, ""));
    };
    let outcome = match kind {
        "response" => Ok(body),
        "error" => Err(InvokeError::FunctionError { error_type, body }),
        _ => return Ok(reply(StatusCode::NOT_FOUND, "")),
    };
    match lock(&shared.in_flight).remove(id) {
        Some(done) => {
            let _ = done.send(outcome); // the invoker may have timed out meanwhile
            Ok(reply(StatusCode::ACCEPTED, ACCEPTED))
        }
        None => Ok(reply(StatusCode::BAD_REQUEST, r#"{"errorType":"InvalidRequestID"}"#)),
    }
}

async fn next(shared: &Shared) -> Response<Full<Bytes>> {
    shared.first_next.send_if_modified(|at| match at {
        Some(_) => false,
        None => at.replace(Instant::now()).is_none(),
    });
    let mut queue = shared.queue_rx.lock().await;
    let invocation = loop {
        match queue.recv().await {
            Some(q) if !q.done.is_closed() => break q, // skip invocations whose caller gave up
            Some(_) => continue,
            None => return reply(StatusCode::INTERNAL_SERVER_ERROR, ""),
        }
    };
    drop(queue);
    lock(&shared.in_flight).insert(invocation.id.clone(), invocation.done);
    let timeout = *lock(&shared.function_timeout);
    let deadline = (SystemTime::now() + timeout).duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
    let arn = lock(&shared.function_arn)
        .clone()
        .unwrap_or_else(|| format!("arn:aws:lambda:us-east-1:000000000000:function:{}", lock(&shared.function_name)));
    Response::builder()
        .header("content-type", "application/json")
        .header("lambda-runtime-aws-request-id", &invocation.id)
        .header("lambda-runtime-deadline-ms", deadline.to_string())
        .header("lambda-runtime-invoked-function-arn", arn)
        .header("lambda-runtime-trace-id", trace_id())
        .body(Full::new(invocation.event))
        .unwrap_or_else(|_| reply(StatusCode::INTERNAL_SERVER_ERROR, "invalid function name"))
}

/// A well-formed X-Ray header, so tracing layers that parse it stay quiet.
fn trace_id() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let (root, parent) = (uuid::Uuid::new_v4().simple().to_string(), uuid::Uuid::new_v4().simple().to_string());
    format!("Root=1-{secs:08x}-{};Parent={};Sampled=0", &root[..24], &parent[..16])
}

/// Where to build and find function binaries: the workspace root (`tools/runtime-api/../..`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds a function package with cargo (`$CARGO`, else `cargo`) and returns the binary's path,
/// honouring `CARGO_TARGET_DIR`. Blocking: call it once, before starting the clock.
pub fn build_function(package: &str, release: bool) -> io::Result<PathBuf> {
    let root = workspace_root();
    let mut cmd = std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    if release {
        // What ships: the package alone, with only its own features (as `sam build` builds it).
        cmd.current_dir(&root).args(["build", "--quiet", "--release", "-p", package]);
    } else {
        // The same build as localstack/up.sh (features unified across the workspace).
        cmd.current_dir(&root).args(["build", "--quiet", "--workspace", "--bin", package]);
    }
    let status = cmd.status()?;
    if !status.success() {
        return Err(io::Error::other(format!("cargo build -p {package} failed: {status}")));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir));
    let profile = if release { "release" } else { "debug" };
    Ok(target.join(profile).join(format!("{package}{}", std::env::consts::EXE_SUFFIX)))
}

/// Options for [`FunctionProcess`]: extra environment and where its logs go.
pub struct Spawn<'a> {
    binary: PathBuf,
    name: String,
    api: &'a RuntimeApi,
    envs: Vec<(String, String)>,
    log_file: Option<PathBuf>,
    clear_env: bool,
}

impl Spawn<'_> {
    /// Starts from an empty environment instead of this process's: the function sees only what
    /// Lambda would set and the variables given here, as in a real execution environment.
    pub fn clear_env(mut self) -> Self {
        self.clear_env = true;
        self
    }

    /// Overrides one variable; an empty value *removes* it (how tests simulate missing config).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// [`env`](Self::env) for many variables, applied in order.
    pub fn envs(mut self, envs: impl IntoIterator<Item = (String, String)>) -> Self {
        self.envs.extend(envs);
        self
    }

    /// Appends the function's stdout and stderr to `path` instead of inheriting the test's.
    pub fn log_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.log_file = Some(path.into());
        self
    }

    /// Starts the process with the environment Lambda provides, then the overrides.
    pub fn spawn(self) -> io::Result<FunctionProcess> {
        let name = &self.name;
        let task_root = self.binary.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut cmd = Command::new(&self.binary);
        if self.clear_env {
            cmd.env_clear();
        }
        cmd.kill_on_drop(true)
            .stdin(Stdio::null())
            .env("AWS_LAMBDA_RUNTIME_API", self.api.addr().to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", format!("local/[$LATEST]{}", uuid::Uuid::new_v4().simple()))
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("_HANDLER", "bootstrap")
            .env("LAMBDA_TASK_ROOT", task_root);
        for (key, value) in &self.envs {
            if value.is_empty() {
                cmd.env_remove(key);
            } else {
                cmd.env(key, value);
            }
        }
        if let Some(path) = &self.log_file {
            let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
            cmd.stdout(file.try_clone()?).stderr(file);
        }
        self.api.reset_for_new_process(name);
        let spawned_at = Instant::now();
        let child = cmd.spawn()?;
        Ok(FunctionProcess { child, api: self.api.clone(), spawned_at })
    }
}

/// A running function binary attached to a [`RuntimeApi`]; killed when dropped.
pub struct FunctionProcess {
    child: Child,
    api: RuntimeApi,
    spawned_at: Instant,
}

impl FunctionProcess {
    /// Starts configuring a process (log file, overrides) before [`Spawn::spawn`].
    pub fn builder<'a>(binary: &Path, function_name: &str, api: &'a RuntimeApi) -> Spawn<'a> {
        Spawn {
            binary: binary.to_path_buf(),
            name: function_name.to_owned(),
            api,
            envs: Vec::new(),
            log_file: None,
            clear_env: false,
        }
    }

    /// Spawns `binary` as Lambda would, with `envs` overrides (empty value = variable removed).
    pub fn spawn(
        binary: &Path,
        function_name: &str,
        api: &RuntimeApi,
        envs: impl IntoIterator<Item = (String, String)>,
    ) -> io::Result<Self> {
        Self::builder(binary, function_name, api).envs(envs).spawn()
    }

    /// The OS process id, for external probes; `None` once the process has been reaped.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The emulator this process talks to.
    pub fn api(&self) -> &RuntimeApi {
        &self.api
    }

    /// When the process was started: the start of the init clock.
    pub fn spawned_at(&self) -> Instant {
        self.spawned_at
    }

    /// Init time as Lambda bills it: process start to the first `next` request.
    pub fn init_duration(&self) -> Option<Duration> {
        self.api.first_next_at().map(|at| at.saturating_duration_since(self.spawned_at))
    }

    /// Waits for init to finish and returns its duration; fails if the process dies first.
    pub async fn wait_ready(&mut self, timeout: Duration) -> Result<Duration, InvokeError> {
        let api = self.api.clone();
        let at = self.until_exit(api.wait_first_next(timeout)).await?;
        Ok(at.saturating_duration_since(self.spawned_at))
    }

    /// Invokes the function with `event`; a crash before answering is [`InvokeError::ProcessExited`].
    pub async fn invoke(&mut self, event: &serde_json::Value, timeout: Duration) -> Outcome {
        let api = self.api.clone();
        self.until_exit(api.invoke(event, timeout)).await
    }

    /// [`invoke`](Self::invoke) with a raw payload under the caller's request id.
    pub async fn invoke_as(&mut self, id: String, event: Bytes, timeout: Duration) -> Outcome {
        let api = self.api.clone();
        self.until_exit(api.invoke_as(id, event, timeout)).await
    }

    /// Whether the process has ended (crashed, or exited after an init error) while idle.
    pub fn has_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends an API Gateway HTTP API request and parses the function's HTTP answer.
    pub async fn http(
        &mut self,
        req: &apigw::HttpRequest,
        timeout: Duration,
    ) -> Result<apigw::HttpResponse, InvokeError> {
        let raw = self.invoke(&req.to_event(), timeout).await?;
        apigw::HttpResponse::from_lambda(&raw).map_err(|e| InvokeError::BadPayload(e.to_string()))
    }

    /// Peak resident memory (`VmHWM`, KiB) so far; Linux only, and only while the process runs.
    pub fn peak_rss_kib(&self) -> io::Result<u64> {
        let pid = self.pid().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "process has exited"))?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no VmHWM in /proc status"))
    }

    /// Stops the process and waits for it, e.g. to restart with other settings.
    pub async fn kill(&mut self) -> io::Result<()> {
        self.child.kill().await
    }

    /// Races `fut` against the process's exit, so a crash fails fast instead of timing out.
    async fn until_exit<T>(&mut self, fut: impl Future<Output = Result<T, InvokeError>>) -> Result<T, InvokeError> {
        tokio::select! {
            biased;
            r = fut => r,
            status = self.child.wait() => {
                // A runtime that posted an init error exits right after; report the cause.
                if let Some(body) = self.api.inner.shared.init_error.borrow().clone() {
                    return Err(InvokeError::InitError(body));
                }
                Err(InvokeError::ProcessExited(status.map_or_else(|e| e.to_string(), |s| s.to_string())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NEXT: &str = "/2018-06-01/runtime/invocation/next";

    fn url(api: &RuntimeApi, path: &str) -> String {
        format!("http://{}{path}", api.addr())
    }

    /// Plays the runtime's side: asks for the next event, returns (request id, response).
    async fn next(api: &RuntimeApi) -> (String, reqwest::Response) {
        let resp = reqwest::get(url(api, NEXT)).await.unwrap();
        assert_eq!(resp.status(), 200);
        let id = resp.headers()["lambda-runtime-aws-request-id"].to_str().unwrap().to_owned();
        (id, resp)
    }

    async fn post(api: &RuntimeApi, path: &str, headers: &[(&str, &str)], body: &str) -> reqwest::StatusCode {
        let mut req = reqwest::Client::new().post(url(api, path)).body(body.to_owned());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.unwrap().status()
    }

    #[tokio::test]
    async fn next_then_response_round_trip() {
        let api = RuntimeApi::start().await.unwrap();
        api.set_function_name("login");
        let caller = api.clone();
        let invocation =
            tokio::spawn(async move { caller.invoke(&json!({"hello": "world"}), Duration::from_secs(5)).await });

        let (id, resp) = next(&api).await;
        assert!(api.first_next_at().is_some());
        let h = resp.headers().clone();
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["lambda-runtime-invoked-function-arn"], "arn:aws:lambda:us-east-1:000000000000:function:login");
        let deadline: u128 = h["lambda-runtime-deadline-ms"].to_str().unwrap().parse().unwrap();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis();
        assert!(deadline > now + 29_000 && deadline <= now + 30_000, "deadline {deadline} vs now {now}");
        let trace = h["lambda-runtime-trace-id"].to_str().unwrap();
        let parts: Vec<&str> = trace.split(';').collect();
        assert_eq!(parts.len(), 3, "{trace}");
        let root: Vec<&str> = parts[0].strip_prefix("Root=1-").unwrap().split('-').collect();
        assert_eq!((root[0].len(), root[1].len()), (8, 24), "{trace}");
        assert_eq!(parts[1].strip_prefix("Parent=").unwrap().len(), 16, "{trace}");
        assert_eq!(parts[2], "Sampled=0");
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
        assert_eq!(resp.json::<serde_json::Value>().await.unwrap(), json!({"hello": "world"}));

        let path = format!("/2018-06-01/runtime/invocation/{id}/response");
        assert_eq!(post(&api, &path, &[], r#"{"ok":true}"#).await, 202);
        assert_eq!(&invocation.await.unwrap().unwrap()[..], br#"{"ok":true}"#);
        // The request id is spent: a second answer is refused, as Lambda does.
        assert_eq!(post(&api, &path, &[], "{}").await, 400);
    }

    #[tokio::test]
    async fn function_error_reaches_the_caller() {
        let api = RuntimeApi::start().await.unwrap();
        let caller = api.clone();
        let invocation = tokio::spawn(async move { caller.invoke(&json!({}), Duration::from_secs(5)).await });
        let (id, _) = next(&api).await;
        let path = format!("/2018-06-01/runtime/invocation/{id}/error");
        let body = r#"{"errorType":"boom","errorMessage":"it broke"}"#;
        assert_eq!(post(&api, &path, &[(ERROR_TYPE, "Runtime.Boom")], body).await, 202);
        match invocation.await.unwrap() {
            Err(InvokeError::FunctionError { error_type, body: b }) => {
                assert_eq!(error_type, "Runtime.Boom");
                assert_eq!(&b[..], body.as_bytes());
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn init_error_fails_waiters() {
        let api = RuntimeApi::start().await.unwrap();
        let caller = api.clone();
        let invocation = tokio::spawn(async move { caller.invoke(&json!({}), Duration::from_secs(5)).await });
        let body = r#"{"errorType":"Config","errorMessage":"PG_HOST missing"}"#;
        assert_eq!(post(&api, "/2018-06-01/runtime/init/error", &[], body).await, 202);
        assert!(matches!(invocation.await.unwrap(), Err(InvokeError::InitError(b)) if &b[..] == body.as_bytes()));
        assert!(matches!(api.wait_first_next(Duration::from_secs(5)).await, Err(InvokeError::InitError(_))));
    }

    #[tokio::test]
    async fn first_next_is_recorded_once() {
        let api = RuntimeApi::start().await.unwrap();
        assert!(matches!(api.wait_first_next(Duration::from_millis(50)).await, Err(InvokeError::Timeout)));
        let poller = api.clone();
        let poll = tokio::spawn(async move { next(&poller).await.0 });
        let first = api.wait_first_next(Duration::from_secs(5)).await.unwrap();
        assert_eq!(api.first_next_at(), Some(first));
        let caller = api.clone();
        let invocation = tokio::spawn(async move { caller.invoke(&json!(1), Duration::from_secs(5)).await });
        let id = poll.await.unwrap();
        post(&api, &format!("/2018-06-01/runtime/invocation/{id}/response"), &[], "2").await;
        assert_eq!(&invocation.await.unwrap().unwrap()[..], b"2");
        // A later `next` does not move the init clock.
        let poller = api.clone();
        let _poll = tokio::spawn(async move { next(&poller).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(api.first_next_at(), Some(first));
    }

    #[tokio::test]
    async fn timed_out_invocation_is_not_delivered_later() {
        let api = RuntimeApi::start().await.unwrap();
        assert!(matches!(api.invoke(&json!("stale"), Duration::from_millis(50)).await, Err(InvokeError::Timeout)));
        let caller = api.clone();
        let invocation = tokio::spawn(async move { caller.invoke(&json!("fresh"), Duration::from_secs(5)).await });
        let (id, resp) = next(&api).await;
        assert_eq!(resp.text().await.unwrap(), r#""fresh""#);
        post(&api, &format!("/2018-06-01/runtime/invocation/{id}/response"), &[], "null").await;
        assert!(invocation.await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn unknown_routes_are_404() {
        let api = RuntimeApi::start().await.unwrap();
        assert_eq!(reqwest::get(url(&api, "/")).await.unwrap().status(), 404);
        assert_eq!(reqwest::get(url(&api, "/2018-06-01/runtime/init/error")).await.unwrap().status(), 404);
        assert_eq!(post(&api, "/2018-06-01/runtime/invocation/x/other", &[], "").await, 404);
        assert_eq!(post(&api, "/2018-06-01/runtime/invocation/nope/response", &[], "").await, 400);
    }

    /// Tests and benchmarks drive processes from spawned tasks: the futures must be `Send`.
    #[allow(dead_code)]
    fn futures_are_send(p: &mut FunctionProcess, api: &RuntimeApi, req: &apigw::HttpRequest) {
        fn send<T: Send>(_: T) {}
        send(api.wait_first_next(Duration::ZERO));
        send(p.wait_ready(Duration::ZERO));
        send(p.http(req, Duration::ZERO));
    }

    #[test]
    fn build_paths_follow_the_workspace() {
        assert!(workspace_root().join("Cargo.toml").is_file());
        assert!(workspace_root().join("tools/runtime-api/Cargo.toml").is_file());
    }

    /// End to end with a real binary and no services: proves the protocol and measures init.
    /// `cargo test -p runtime-api -- --ignored --nocapture`
    #[tokio::test]
    #[ignore = "builds and runs functions/auth-health"]
    async fn real_function_binary_answers() {
        let binary = tokio::task::spawn_blocking(|| build_function("auth-health", false)).await.unwrap().unwrap();
        let api = RuntimeApi::start().await.unwrap();
        // Nothing listens on port 1: the health check must report its dependencies down, quickly.
        let envs = [
            ("PG_PORT", "1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("DEPENDENCY_TIMEOUT_MS", "300"),
        ];
        let mut process =
            FunctionProcess::spawn(&binary, "auth-health", &api, envs.map(|(k, v)| (k.to_owned(), v.to_owned())))
                .unwrap();
        let init = process.wait_ready(Duration::from_secs(20)).await.unwrap();
        assert_eq!(process.init_duration(), Some(init));
        let started = Instant::now();
        let resp = process.http(&apigw::HttpRequest::get("/auth/health"), Duration::from_secs(20)).await.unwrap();
        let took = started.elapsed();
        let rss = process.peak_rss_kib().unwrap();
        println!("init {init:?}, request {took:?}, peak RSS {rss} KiB, status {}: {}", resp.status, resp.text());
        assert!(resp.json().is_ok(), "{}", resp.text());
        assert!(resp.status == 200 || resp.status == 503);
        process.kill().await.unwrap();

        // Bad configuration: the process dies in init, and waiters learn it at once.
        let log = std::env::temp_dir().join(format!("runtime-api-{}.log", std::process::id()));
        let mut broken = FunctionProcess::builder(&binary, "auth-health", &api)
            .env("DEPENDENCY_TIMEOUT_MS", "soon")
            .log_file(&log)
            .spawn()
            .unwrap();
        let failed = broken.wait_ready(Duration::from_secs(20)).await;
        println!("bad config: {failed:?}");
        assert!(matches!(failed, Err(InvokeError::ProcessExited(_) | InvokeError::InitError(_))), "{failed:?}");
        assert!(std::fs::read_to_string(&log).unwrap().contains("DEPENDENCY_TIMEOUT_MS"));
        let _ = std::fs::remove_file(log);
    }
}
