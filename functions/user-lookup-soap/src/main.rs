//! GET /user/soap?username= — the user's id and username as a SOAP 1.1 `GetUserResponse`, or a
//! SOAP Fault (404 USER_NOT_FOUND); `POST /user/soap` takes the same operation as a `GetUser`
//! envelope; `?wsdl` answers the WSDL (seed 001 §5). Strict CORS: only the origin in
//! `SOAP_LOOKUP_ALLOWED_ORIGIN` gets CORS headers; `OPTIONS` preflights are answered here.

use shared::AppError;
use shared::adapters::postgres::Postgres;
use shared::domain::error::ErrorCode;
use shared::transport::http::cors::CorsPolicy;
use shared::transport::http::{self, Body, Request, Response};
use shared::transport::soap::{self, Service};

struct State {
    db: Postgres,
    cors: CorsPolicy,
}

async fn lookup(state: &State, req: Request) -> Result<Response<Body>, AppError> {
    let username = match req.method().as_str() {
        "GET" if soap::wants_wsdl(&req) => return Ok(soap::wsdl_response(Service::Lookup, &req)),
        "GET" => soap::lookup_username(http::query_param(&req, "username").as_deref())?,
        "POST" => soap::lookup_username(Some(&soap::get_user(&req)?.username))?,
        _ => return Err(soap::wrong_method(&req, "GET ?username= or POST a GetUser envelope")),
    };
    let (id, username) = state
        .db
        .find_user_summary(&username)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::UserNotFound, "no user has that username"))?;
    soap::get_user_response(id, &username)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let state = State {
        db: Postgres::from_env()?,
        cors: CorsPolicy::from_env("SOAP_LOOKUP_ALLOWED_ORIGIN", &["GET", "POST"], "content-type, soapaction")?,
    };
    soap::serve(|req| async {
        let request_id = shared::transport::http::request_id(&req);
        Ok(state.cors.handle(req, &request_id, |req| async { lookup(&state, req).await.map_err(soap::Fault) }).await)
    })
    .await
}
