//! The user lookup service: a user's id and username by username over SOAP 1.1
//! (`GET /user/soap?username=`, `POST /user/soap` with a `GetUser` envelope, the WSDL at
//! `?wsdl`), behind a strict single-origin CORS policy (the runner's), and its health. Errors of
//! `/user/soap` are SOAP Faults.

use crate::domain::auth::UserStore;
use crate::domain::error::AppError;
use crate::domain::health::HealthCheck;
use crate::domain::user_lookup::UserLookup;
use crate::transport::http::{self, Body, Request, Response};
use crate::transport::soap::{self, Fault, Service};
#[cfg(feature = "openapi")]
use crate::{
    domain::health::HealthReport,
    transport::soap::examples::{CLIENT_FAULT, GET_USER_REQUEST, GET_USER_RESPONSE, SERVER_FAULT, SOAP},
};

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_user_by_query, get_user, health))]
pub struct Doc;

/// `/user/soap`: `GET ?username=` (or `?wsdl`), or `POST` a `GetUser` envelope. Preflights never
/// reach it: the runner's CORS policy answers them.
pub async fn lookup<U: UserStore>(users: &UserLookup<U>, req: Request) -> Result<Response<Body>, Fault> {
    match req.method().as_str() {
        "GET" => get_user_by_query(users, req).await,
        "POST" => get_user(users, req).await,
        _ => Err(soap::wrong_method(&req, "GET ?username= or POST a GetUser envelope").into()),
    }
}

/// Look a user up (HTTP GET binding)
///
/// `?username=` answers the same SOAP 1.1 envelope as `POST /user/soap`: a `GetUserResponse`
/// with `id` and `username`, or a Fault (404 USER_NOT_FOUND for an unknown user). With `?wsdl`
/// it answers the service's WSDL 1.1 instead. Strict CORS: only the origin configured in
/// `SOAP_LOOKUP_ALLOWED_ORIGIN` gets `Access-Control-Allow-Origin`; every answer says
/// `Vary: Origin`.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/user/soap", tag = "user lookup", operation_id = "soapGetUserByQuery",
    params(
        ("username" = Option<String>, Query, max_length = 64, example = "alice", pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000-\u001f\u007f-\u009f]*$",
            description = "The username (case-insensitive, trimmed, no control characters); required unless `wsdl` is given"),
        ("wsdl" = Option<String>, Query, allow_reserved,
            description = "Present (any value, even empty; any case) to get the WSDL instead"),
    ),
    responses(
        (status = 200, description = "A `GetUserResponse` envelope, or the WSDL with `?wsdl`", content_type = SOAP, body = String,
            example = json!(GET_USER_RESPONSE)),
        (status = 400, description = "Client fault: `username` missing, blank or malformed (MISSING_USERNAME, INVALID_USERNAME)", content_type = SOAP, body = String),
        (status = 404, description = "Client fault: no user has that username (USER_NOT_FOUND)", content_type = SOAP, body = String,
            example = json!(CLIENT_FAULT)),
        (status = 500, description = "Server fault: internal error (INTERNAL_ERROR)", content_type = SOAP, body = String),
        (status = 503, description = "Server fault: database down (DATABASE_UNAVAILABLE)", content_type = SOAP, body = String,
            example = json!(SERVER_FAULT)),
    )))]
async fn get_user_by_query<U: UserStore>(users: &UserLookup<U>, req: Request) -> Result<Response<Body>, Fault> {
    if soap::wants_wsdl(&req) {
        return Ok(soap::wsdl_response(Service::Lookup, &req));
    }
    let username = soap::lookup_username(http::query_param(&req, "username").as_deref())?;
    answer(users, &username).await
}

/// Look a user up over SOAP
///
/// SOAP 1.1, document/literal: a `GetUser` envelope in namespace `urn:rust-lambda:users`
/// holding `username` answers a `GetUserResponse` with `id` and `username`, or a Fault (404
/// USER_NOT_FOUND for an unknown user). The envelope is read as strictly as by
/// `POST /register` (UTF-8, 64 KiB, no DOCTYPE, …). Strict CORS as for `GET /user/soap`.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/user/soap", tag = "user lookup", operation_id = "soapGetUser",
    params(
        ("SOAPAction" = Option<String>, Header, nullable = false, example = "\"urn:rust-lambda:users#GetUser\"",
            description = "`\"urn:rust-lambda:users#GetUser\"`, `\"\"` or absent; any other action is a Client fault (INVALID_SOAP_ACTION)"),
    ),
    request_body(content = String, content_type = SOAP,
        description = "A SOAP 1.1 `GetUser` envelope (`application/xml` is accepted too; only UTF-8)",
        example = json!(GET_USER_REQUEST)),
    responses(
        (status = 200, description = "A `GetUserResponse` envelope", content_type = SOAP, body = String,
            example = json!(GET_USER_RESPONSE)),
        (status = 400, description = "Client fault: empty body, malformed XML, DOCTYPE, not the expected envelope or operation, wrong SOAPAction, SOAP 1.2 envelope, mustUnderstand header, `username` blank or malformed (EMPTY_BODY, MALFORMED_XML, XML_DOCTYPE_FORBIDDEN, INVALID_SOAP_REQUEST, INVALID_SOAP_ACTION, SOAP_VERSION_MISMATCH, SOAP_MUST_UNDERSTAND, MISSING_USERNAME, INVALID_USERNAME)",
            content_type = SOAP, body = String),
        (status = 404, description = "Client fault: no user has that username (USER_NOT_FOUND)", content_type = SOAP, body = String,
            example = json!(CLIENT_FAULT)),
        (status = 413, description = "Client fault: body over 64 KiB (PAYLOAD_TOO_LARGE)", content_type = SOAP, body = String),
        (status = 415, description = "Client fault: not text/xml or application/xml, or not UTF-8 (UNSUPPORTED_MEDIA_TYPE)", content_type = SOAP, body = String),
        (status = 500, description = "Server fault: internal error (INTERNAL_ERROR)", content_type = SOAP, body = String),
        (status = 503, description = "Server fault: database down (DATABASE_UNAVAILABLE)", content_type = SOAP, body = String,
            example = json!(SERVER_FAULT)),
    )))]
async fn get_user<U: UserStore>(users: &UserLookup<U>, req: Request) -> Result<Response<Body>, Fault> {
    let username = soap::lookup_username(Some(&soap::get_user(&req)?.username))?;
    answer(users, &username).await
}

/// `GetUserResponse` of the user (any letter case), or a 404 USER_NOT_FOUND fault.
async fn answer<U: UserStore>(users: &UserLookup<U>, username: &str) -> Result<Response<Body>, Fault> {
    let user = users.find(username).await?;
    Ok(soap::get_user_response(user.id, &user.username)?)
}

/// User Lookup SOAP service health
///
/// PostgreSQL, checked with a deadline.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/user-search/health", tag = "user lookup", operation_id = "userSearchHealth",
    responses(
        (status = 200, description = "PostgreSQL is up (`status` ok)", body = HealthReport),
        (status = 503, description = "PostgreSQL is down or timed out (`status` unavailable, `code` DEPENDENCY_UNAVAILABLE)", body = HealthReport),
    )))]
pub async fn health(check: &HealthCheck, _req: Request) -> Result<Response<Body>, AppError> {
    Ok(super::health::report(check).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryUsers;
    use crate::domain::auth::UserRecord;
    use crate::domain::error::ErrorCode;
    use crate::transport::http::cors::CorsPolicy;
    use crate::transport::http::{ErrorResponse, RequestExt};
    use lambda_http::http::Request as HttpRequest;
    use std::collections::HashMap;

    fn users() -> UserLookup<MemoryUsers> {
        let alice = UserRecord {
            id: 7,
            username: "Alice".into(),
            role: "user".into(),
            password_hash: String::new(),
            tenant_id: None,
        };
        UserLookup { users: MemoryUsers::with([alice]) }
    }

    fn get(query: &[(&str, &str)]) -> Request {
        let req = HttpRequest::builder().method("GET").uri("/user/soap").body(Body::Empty).unwrap();
        req.with_query_string_parameters(
            query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<HashMap<_, _>>(),
        )
    }

    fn text(resp: &Response<Body>) -> &str {
        let Body::Text(text) = resp.body() else { panic!("a text body") };
        text
    }

    #[tokio::test]
    async fn usernames_are_looked_up_case_insensitively_by_query_or_envelope() {
        let users = users();
        let resp = lookup(&users, get(&[("username", " alice ")])).await.unwrap();
        assert!(text(&resp).contains("<tns:id>7</tns:id><tns:username>Alice</tns:username>"), "{}", text(&resp));
        let post = HttpRequest::builder()
            .method("POST")
            .uri("/user/soap")
            .body(Body::Text(crate::transport::soap::examples::GET_USER_REQUEST.into()))
            .unwrap();
        assert!(text(&lookup(&users, post).await.unwrap()).contains("<tns:username>Alice</tns:username>"));

        let missing = lookup(&users, get(&[("username", "bob")])).await.unwrap_err().into_response("rid");
        assert_eq!(missing.status(), 404);
        assert!(text(&missing).contains("<tns:code>USER_NOT_FOUND</tns:code>"));
        assert_eq!(lookup(&users, get(&[])).await.unwrap_err().0.code(), ErrorCode::MissingUsername);
        let put = HttpRequest::builder().method("PUT").body(Body::Empty).unwrap();
        assert_eq!(lookup(&users, put).await.unwrap_err().0.code(), ErrorCode::InvalidSoapRequest);
    }

    #[tokio::test]
    async fn the_wsdl_takes_precedence_over_a_username() {
        let req = HttpRequest::builder().uri("http://127.0.0.1:9000/user/soap?wsdl&username=x").body(Body::Empty);
        let resp = lookup(&users(), req.unwrap()).await.unwrap();
        assert!(text(&resp).contains("<http:address location=\"http://127.0.0.1:9000/user/soap\"/>"));
    }

    #[tokio::test]
    async fn refused_preflights_and_other_origins_answer_as_soap() {
        let cors =
            CorsPolicy::single_origin("http://127.0.0.1:8080", &["GET", "POST"], "content-type, soapaction").unwrap();
        let users = users();
        let preflight = HttpRequest::builder()
            .method("OPTIONS")
            .header("origin", "http://evil.example")
            .header("access-control-request-method", "GET")
            .body(Body::Empty)
            .unwrap();
        let resp = cors.handle(preflight, "rid", |req| lookup(&users, req)).await;
        assert_eq!(resp.status(), 403);
        assert!(text(&resp).contains("<tns:code>CORS_ORIGIN_FORBIDDEN</tns:code>"));
        let allowed = get(&[("username", "alice")]);
        let (mut parts, body) = allowed.into_parts();
        parts.headers.insert("origin", "http://127.0.0.1:8080".parse().unwrap());
        let resp = cors.handle(Request::from_parts(parts, body), "rid", |req| lookup(&users, req)).await;
        assert_eq!(resp.headers()["access-control-allow-origin"], "http://127.0.0.1:8080");
    }
}
