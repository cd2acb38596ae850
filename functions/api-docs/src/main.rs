//! GET /api/auth/api-docs — Swagger UI over the OpenAPI document of every route;
//! GET /api/auth/api-docs/openapi.json — the document; GET /api/auth/api-docs/{file} — the UI's files.

use shared::transport::apidocs::ApiDocs;
use shared::transport::http;

/// Generated from the code by `shared::transport::openapi`; tests/tests/openapi.rs keeps it current.
const DOCUMENT: &str = include_str!("../../../docs/openapi.json");

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let docs = ApiDocs::new(DOCUMENT);
    http::serve(|req| docs.handle(req)).await
}
