//! The former per-function runners, kept until every function runs through `transport::lambda`.

use super::errors::{envelope_error_response, error_response};
use super::request::request_id;
use super::response::with_common_headers;
use crate::domain::error::AppError;
use lambda_http::{Body, Error, Request, Response};
use std::future::Future;

/// Runs an HTTP function: `handler` returns a response or an [`AppError`]; this maps the error,
/// adds the request id and security headers, and never lets a client mistake become a 500.
pub async fn serve<F, Fut>(handler: F) -> Result<(), Error>
where
    F: Fn(Request) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Response<Body>, AppError>> + Send,
{
    serve_with(error_response, handler).await
}

/// [`serve`] for the v1 API: errors rendered in seed 004's envelope.
pub async fn serve_enveloped<F, Fut>(handler: F) -> Result<(), Error>
where
    F: Fn(Request) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Response<Body>, AppError>> + Send,
{
    serve_with(envelope_error_response, handler).await
}

/// [`serve`] with a chosen rendering of errors (JSON, envelope, SOAP fault).
pub async fn serve_with<F, Fut>(render_error: fn(&AppError, &str) -> Response<Body>, handler: F) -> Result<(), Error>
where
    F: Fn(Request) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Response<Body>, AppError>> + Send,
{
    let handler = &handler;
    lambda_http::run(lambda_http::service_fn(move |req: Request| async move {
        let request_id = request_id(&req);
        let resp = match handler(req).await {
            Ok(resp) => resp,
            Err(err) => render_error(&err, &request_id),
        };
        Ok::<_, Error>(with_common_headers(resp, &request_id))
    }))
    .await
}
