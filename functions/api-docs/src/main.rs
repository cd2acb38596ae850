//! GET /api/auth/api-docs — Swagger UI over the OpenAPI document of every route;
//! GET /api/auth/api-docs/openapi.json — the document; GET /api/auth/api-docs/{file} — the UI's files.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::docs::api_docs(), handlers::docs::api_docs).await
}
