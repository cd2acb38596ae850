//! The routes of the `api-docs` function: this document and the Swagger UI over it (seed 002
//! serves Swagger UI at `/api/auth/api-docs`).

use super::ErrorBody;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(swagger_ui, openapi_json, swagger_ui_file))]
pub(super) struct Doc;

/// Swagger UI over this document.
#[utoipa::path(get, path = "/api/auth/api-docs", tag = "docs", operation_id = "swaggerUi",
    responses(
        (status = 200, description = "The Swagger UI page", content_type = "text/html", body = String),
    ))]
#[allow(dead_code)]
fn swagger_ui() {}

/// This OpenAPI document, as JSON.
#[utoipa::path(get, path = "/api/auth/api-docs/openapi.json", tag = "docs", operation_id = "openApiDocument",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of every route", content_type = "application/json", body = Object),
    ))]
#[allow(dead_code)]
fn openapi_json() {}

/// A file of the Swagger UI (scripts, styles, icons).
#[utoipa::path(get, path = "/api/auth/api-docs/{file}", tag = "docs", operation_id = "swaggerUiFile",
    params(("file" = String, Path, description = "File name, e.g. swagger-ui-bundle.js")),
    responses(
        (status = 200, description = "The file, with its content type", content_type = "application/octet-stream", body = String),
        (status = 404, description = "No such file (NOT_FOUND)", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn swagger_ui_file() {}
