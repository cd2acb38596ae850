//! The one way every function runs, whatever triggers it: logging first, then the function's
//! state, built once per execution environment by its composition root (`app`), then the
//! Lambda loop lending that state to the handler for every event.
//!
//! ```ignore
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), shared::transport::lambda::Error> {
//!     lambda::http(app::auth::login(), handlers::auth::login).await
//! }
//! ```
//!
//! The state is leaked on purpose: it lives exactly as long as the execution environment, and a
//! `&'static` borrow lets every handler be a plain `async fn(&State, Request)`.

use crate::config::ConfigError;
#[cfg(any(feature = "consumer", feature = "invoke"))]
use crate::domain::error::AppError;
use std::future::Future;

/// What a function's `main` returns: Lambda's own error type.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Builds the state, reporting a configuration error in the logs before the runtime sees it.
async fn init<S: 'static>(build: impl Future<Output = Result<S, ConfigError>>) -> Result<&'static S, Error> {
    crate::logging::init();
    match build.await {
        Ok(state) => Ok(Box::leak(Box::new(state))),
        Err(e) => {
            tracing::error!(error = %e, "configuration error: the function cannot start");
            Err(e.into())
        }
    }
}

#[cfg(feature = "http")]
pub use http_app::{HttpApp, http};

#[cfg(feature = "http")]
mod http_app {
    use super::{Error, init};
    use crate::config::ConfigError;
    use crate::transport::http::cors::CorsPolicy;
    use crate::transport::http::{self, Body, ErrorResponse, Request, Response};
    use std::future::Future;

    /// An HTTP function's state with what its routes share at the HTTP level.
    pub struct HttpApp<S> {
        pub state: S,
        cors: Option<CorsPolicy>,
        development: bool,
    }

    impl<S> HttpApp<S> {
        pub fn new(state: S) -> Self {
            Self { state, cors: None, development: false }
        }

        /// Answers preflights and decorates every answer for the policy's origins.
        pub fn with_cors(mut self, cors: Option<CorsPolicy>) -> Self {
            self.cors = cors;
            self
        }

        /// Development mode: 5xx envelopes carry their internal detail.
        pub fn with_development(mut self, development: bool) -> Self {
            self.development = development;
            self
        }
    }

    impl<S> From<S> for HttpApp<S> {
        fn from(state: S) -> Self {
            Self::new(state)
        }
    }

    /// Runs an API Gateway function. The handler's error type decides the error format (JSON,
    /// the chat envelope, SOAP faults); every answer gets the request id and security headers.
    pub async fn http<S, A, H, F, E>(
        build: impl Future<Output = Result<A, ConfigError>>,
        handler: H,
    ) -> Result<(), Error>
    where
        S: Sync + 'static,
        A: Into<HttpApp<S>>,
        H: Fn(&'static S, Request) -> F + Sync,
        F: Future<Output = Result<Response<Body>, E>> + Send,
        E: ErrorResponse + Send,
    {
        let app: &'static HttpApp<S> = init(async { build.await.map(Into::into) }).await?;
        http::set_development(app.development);
        let handler = &handler;
        lambda_http::run(lambda_http::service_fn(move |req: Request| async move {
            let request_id = http::request_id(&req);
            let resp = match &app.cors {
                Some(cors) => cors.handle(req, &request_id, |req| handler(&app.state, req)).await,
                None => handler(&app.state, req).await.unwrap_or_else(|e| e.into_response(&request_id)),
            };
            Ok::<_, Error>(http::with_common_headers(resp, &request_id))
        }))
        .await
    }
}

/// Runs a queue consumer: each message of a batch is handled on its own and only the failed
/// ones are reported back (`ReportBatchItemFailures`).
#[cfg(feature = "consumer")]
pub async fn sqs<S, H, F, T>(build: impl Future<Output = Result<S, ConfigError>>, handler: H) -> Result<(), Error>
where
    S: 'static,
    H: Fn(&'static S, crate::domain::events::EventEnvelope) -> F,
    F: Future<Output = Result<T, AppError>>,
    T: std::fmt::Debug,
{
    use aws_lambda_events::event::sqs::SqsEvent;
    use lambda_runtime::LambdaEvent;
    let state = init(build).await?;
    let handler = &handler;
    lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, Error>(crate::transport::sqs::process_batch(event.payload, |e| handler(state, e)).await)
    }))
    .await
}

/// Runs a function invoked with a JSON event (a schedule, or by hand after a deploy); its
/// result is the invocation's JSON answer, an error fails the invocation.
#[cfg(feature = "invoke")]
pub async fn invoke<S, H, F, T>(build: impl Future<Output = Result<S, ConfigError>>, handler: H) -> Result<(), Error>
where
    S: 'static,
    H: Fn(&'static S, serde_json::Value) -> F,
    F: Future<Output = Result<T, AppError>>,
    T: serde::Serialize,
{
    use lambda_runtime::LambdaEvent;
    let state = init(build).await?;
    let handler = &handler;
    lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        let out = handler(state, event.payload).await?;
        Ok::<_, Error>(serde_json::to_value(out)?)
    }))
    .await
}
