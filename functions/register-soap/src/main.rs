//! POST /register — SOAP 1.1 `RegisterUser` -> `RegisterUserResponse` or a SOAP Fault; publishes
//! `UserRegistered` to `user-events` through the transactional outbox. GET /register?wsdl — the WSDL.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::registration(), handlers::user_soap::register).await
}
