//! POST /register — SOAP 1.1 `RegisterUser` -> `RegisterUserResponse` or a SOAP Fault; publishes
//! `UserRegistered` to `user-events` through the transactional outbox (seed 001 §2).
//! GET /register?wsdl — the service's WSDL.

use shared::AppError;
use shared::adapters::{aws::sdk_config, postgres::Postgres, sqs::Sqs};
use shared::config::{QueueConfig, dependency_timeout};
use shared::domain::auth::{PasswordHasher, register};
use shared::domain::outbox::deliver_committed;
use shared::transport::http::{self, Body, Request, Response};
use shared::transport::soap::{self, Service};

struct State {
    db: Postgres,
    queue: Sqs,
    hasher: PasswordHasher,
}

async fn handle(state: &State, req: Request) -> Result<Response<Body>, AppError> {
    match req.method().as_str() {
        "POST" => {}
        "GET" if soap::wants_wsdl(&req) => return Ok(soap::wsdl_response(Service::Registration, &req)),
        _ => return Err(soap::wrong_method(&req, "POST a RegisterUser envelope")),
    }
    let registration = soap::register_user(&req)?.into();
    let (user, entry) = register(&state.db, &state.hasher, &registration, "users.soap").await?;
    deliver_committed(&state.db, &state.queue, entry).await;
    soap::register_user_response(user.id, &user.username)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let sdk = sdk_config(dependency_timeout()?).await;
    let state = State {
        db: Postgres::from_env()?,
        queue: Sqs::new(&sdk, QueueConfig::from_env()),
        hasher: PasswordHasher::from_env()?,
    };
    soap::serve(|req| handle(&state, req)).await
}
