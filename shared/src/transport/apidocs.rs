//! Serves the OpenAPI document and a Swagger UI over it at `/api/auth/api-docs` (the routes are
//! `handlers::docs`).
//!
//! The document is generated from the code at development time (`transport::openapi`, checked
//! against `docs/openapi.json` by the tests) and compiled into the function, so serving it costs
//! nothing at start-up. The Swagger UI files come from the `utoipa-swagger-ui` crate (vendored:
//! nothing is downloaded at build time) and are embedded in the binary.

use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::transport::http::{Body, Response};
use lambda_http::http::{HeaderValue, StatusCode, header};
use std::sync::Arc;
use utoipa_swagger_ui::Config;

/// Where the UI lives; the document and the UI's files are one segment below it.
pub const UI_PATH: &str = "/api/auth/api-docs";
pub const DOCUMENT_FILE: &str = "openapi.json";

pub struct ApiDocs {
    document: &'static str,
    config: Arc<Config<'static>>,
}

impl ApiDocs {
    pub fn new(document: &'static str) -> Self {
        // Relative to the page's <base> (see `index`), so it works under any API prefix.
        let config = Config::new([DOCUMENT_FILE]).try_it_out_enabled(true).persist_authorization(false);
        Self { document, config: Arc::new(config) }
    }

    /// `openapi.json`: the document itself.
    pub fn document(&self) -> Response<Body> {
        respond("application/json", Body::Text(self.document.to_string()), "no-cache")
    }

    /// Swagger UI's index.html, served at `/api/auth/api-docs` without a trailing slash: a
    /// `<base href="api-docs/">` makes its relative links point one level down, where the
    /// `{file}` route serves them.
    pub fn index(&self) -> Result<Response<Body>, AppError> {
        let html = self.ui_file("index.html")?.ok_or_else(|| AppError::internal("Swagger UI has no index.html"))?;
        let html = String::from_utf8_lossy(&html.bytes).replacen("<head>", "<head>\n    <base href=\"api-docs/\">", 1);
        Ok(respond("text/html; charset=utf-8", Body::Text(html), "no-cache"))
    }

    /// Any other file of the UI (scripts, styles, icons); 404 NOT_FOUND when there is none.
    pub fn file(&self, name: &str) -> Result<Response<Body>, AppError> {
        if name == "index.html" || name.contains("..") {
            return Err(not_found(name));
        }
        let file = self.ui_file(name)?.ok_or_else(|| not_found(name))?;
        let body = if file.content_type.starts_with("text/") || file.content_type.contains("javascript") {
            Body::Text(String::from_utf8_lossy(&file.bytes).into_owned())
        } else {
            Body::Binary(file.bytes.into_owned())
        };
        // The initializer carries the config; the rest is versioned with the function.
        let cache = if name == "swagger-initializer.js" { "no-cache" } else { "public, max-age=86400" };
        Ok(respond(&file.content_type, body, cache))
    }

    fn ui_file(&self, name: &str) -> Result<Option<utoipa_swagger_ui::SwaggerFile<'static>>, AppError> {
        utoipa_swagger_ui::serve(name, self.config.clone()).map_err(|e| AppError::internal(format!("swagger ui: {e}")))
    }
}

fn not_found(name: &str) -> AppError {
    AppError::new(ErrorCode::NotFound, format!("no file {name:?} in the API docs"))
}

fn respond(content_type: &str, body: Body, cache_control: &'static str) -> Response<Body> {
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::OK;
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(resp: &Response<Body>) -> String {
        match resp.body() {
            Body::Text(t) => t.clone(),
            Body::Binary(b) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        }
    }

    #[test]
    fn serves_the_ui_its_files_and_the_document() {
        let docs = ApiDocs::new(r#"{"openapi":"3.1.0"}"#);
        let index = docs.index().unwrap();
        assert!(text(&index).contains("<base href=\"api-docs/\">"));
        assert!(text(&index).contains("swagger-ui-bundle.js"));

        let init = docs.file("swagger-initializer.js").unwrap();
        assert!(text(&init).contains("openapi.json"), "{}", text(&init));
        assert_eq!(init.headers()["cache-control"], "no-cache");

        let bundle = docs.file("swagger-ui-bundle.js").unwrap();
        assert!(text(&bundle).len() > 100_000);
        assert_eq!(bundle.headers()["cache-control"], "public, max-age=86400");

        let doc = docs.document();
        assert_eq!(text(&doc), r#"{"openapi":"3.1.0"}"#);
        assert_eq!(doc.headers()["content-type"], "application/json");
    }

    #[test]
    fn unknown_files_are_404() {
        let docs = ApiDocs::new("{}");
        for name in ["nope.js", "../Cargo.toml", "index.html"] {
            assert_eq!(docs.file(name).unwrap_err().status(), 404, "{name}");
        }
    }
}
