//! The `api-docs` function's routes: this OpenAPI document and the Swagger UI over it, at
//! `/api/auth/api-docs` (where the bookstore's auth service served its Swagger UI).

use crate::domain::error::AppError;
use crate::transport::apidocs::{ApiDocs, DOCUMENT_FILE};
#[cfg(feature = "openapi")]
use crate::transport::http::ErrorBody;
use crate::transport::http::{Body, Request, RequestExt, Response};

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(swagger_ui, openapi_json, swagger_ui_file))]
pub struct Doc;

/// `/api/auth/api-docs`, `/api/auth/api-docs/openapi.json` and `/api/auth/api-docs/{file}`.
pub async fn api_docs(docs: &ApiDocs, req: Request) -> Result<Response<Body>, AppError> {
    // `{file}` on the catch-all route; the document's own route has no parameter, so the last
    // segment of the path names what is asked for.
    let path = req.uri().path().trim_end_matches('/');
    let file =
        req.path_parameters_ref().and_then(|p| p.first("file")).map(str::to_string).or_else(|| {
            (!path.ends_with("/api-docs")).then(|| path.rsplit('/').next().unwrap_or_default().to_string())
        });
    match file.as_deref() {
        None => swagger_ui(docs).await,
        Some(DOCUMENT_FILE) => openapi_json(docs).await,
        Some(name) => swagger_ui_file(docs, name).await,
    }
}

/// Swagger UI over this document.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/auth/api-docs", tag = "docs", operation_id = "swaggerUi",
    responses(
        (status = 200, description = "The Swagger UI page", content_type = "text/html", body = String),
    )))]
async fn swagger_ui(docs: &ApiDocs) -> Result<Response<Body>, AppError> {
    docs.index()
}

/// This OpenAPI document, as JSON.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/auth/api-docs/openapi.json", tag = "docs", operation_id = "openApiDocument",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of every route", content_type = "application/json", body = Object),
    )))]
async fn openapi_json(docs: &ApiDocs) -> Result<Response<Body>, AppError> {
    Ok(docs.document())
}

/// A file of the Swagger UI (scripts, styles, icons).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/auth/api-docs/{file}", tag = "docs", operation_id = "swaggerUiFile",
    params(("file" = String, Path, description = "File name, e.g. swagger-ui-bundle.js")),
    responses(
        (status = 200, description = "The file, with its content type", content_type = "application/octet-stream", body = String),
        (status = 404, description = "No such file (NOT_FOUND)", body = ErrorBody),
    )))]
async fn swagger_ui_file(docs: &ApiDocs, file: &str) -> Result<Response<Body>, AppError> {
    docs.file(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::apidocs::UI_PATH;
    use lambda_http::http;
    use std::collections::HashMap;

    fn get(file: Option<&str>) -> Request {
        let path = file.map_or(UI_PATH.to_string(), |f| format!("{UI_PATH}/{f}"));
        let req = http::Request::builder().uri(path).body(Body::Empty).unwrap();
        match file {
            Some(f) => req.with_path_parameters(HashMap::from([("file".to_string(), f.to_string())])),
            None => req,
        }
    }

    fn text(resp: &Response<Body>) -> String {
        match resp.body() {
            Body::Text(t) => t.clone(),
            Body::Binary(b) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        }
    }

    #[tokio::test]
    async fn each_route_serves_its_part() {
        let docs = ApiDocs::new(r#"{"openapi":"3.1.0"}"#);
        let index = api_docs(&docs, get(None)).await.unwrap();
        assert!(text(&index).contains("<base href=\"api-docs/\">"));
        let slash = http::Request::builder().uri(format!("{UI_PATH}/")).body(Body::Empty).unwrap();
        assert!(text(&api_docs(&docs, slash).await.unwrap()).contains("<base href=\"api-docs/\">"));

        let doc = api_docs(&docs, get(Some("openapi.json"))).await.unwrap();
        assert_eq!(text(&doc), r#"{"openapi":"3.1.0"}"#);
        // The document's own route (no `{file}` parameter).
        let direct = http::Request::builder().uri(format!("{UI_PATH}/openapi.json")).body(Body::Empty).unwrap();
        assert_eq!(text(&api_docs(&docs, direct).await.unwrap()), r#"{"openapi":"3.1.0"}"#);

        let bundle = api_docs(&docs, get(Some("swagger-ui-bundle.js"))).await.unwrap();
        assert!(text(&bundle).len() > 100_000);
        for name in ["nope.js", "../Cargo.toml", "index.html"] {
            assert_eq!(api_docs(&docs, get(Some(name))).await.unwrap_err().status(), 404, "{name}");
        }
    }
}
