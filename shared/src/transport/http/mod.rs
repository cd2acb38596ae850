//! HTTP for API Gateway functions (payload format 2.0): reading requests, writing answers, and
//! the single place where an [`AppError`](crate::AppError) becomes a response.

pub mod cors;
mod errors;
mod request;
mod response;
#[cfg(feature = "images")]
pub mod upload;
#[cfg(feature = "validation")]
pub mod validation;

pub use errors::{
    EnvelopeError, Enveloped, ErrorBody, ErrorResponse, envelope_error_body, envelope_error_response, error_response,
    finish_error_response, set_development,
};
pub use lambda_http::{Body, Error, Request, RequestExt, RequestPayloadExt, Response};
pub use request::{
    DEFAULT_MAX_JSON_BYTES, body_bytes, header_str, json_body, page_limit, parse_json, path_param, query_param,
    request_id, require_object, source_ip,
};
pub(crate) use response::with_common_headers;
pub use response::{Envelope, envelope, json, no_content};
