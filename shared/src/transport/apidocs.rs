//! Serves the OpenAPI document and a Swagger UI over it at `/api/auth/api-docs` (seed 002).
//!
//! The document is generated from the code at development time (`shared::openapi`, checked
//! against `docs/openapi.json` by the tests) and compiled into the function, so serving it costs
//! nothing at start-up. The Swagger UI files come from the `utoipa-swagger-ui` crate (vendored:
//! nothing is downloaded at build time) and are embedded in the binary.

use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::transport::http::{Body, Request, RequestExt, Response};
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

    pub async fn handle(&self, req: Request) -> Result<Response<Body>, AppError> {
        // `{file}` on the catch-all route; the document's own route has no parameter, so the
        // last segment of the path names what is asked for.
        let path = req.uri().path().trim_end_matches('/').to_string();
        let file = req.path_parameters_ref().and_then(|p| p.first("file")).map(str::to_string).or_else(|| {
            (!path.ends_with("/api-docs")).then(|| path.rsplit('/').next().unwrap_or_default().to_string())
        });
        match file.as_deref() {
            None => self.index(),
            Some(DOCUMENT_FILE) => Ok(respond("application/json", Body::Text(self.document.to_string()), "no-cache")),
            Some(name) => self.file(name),
        }
    }

    /// Swagger UI's index.html, served at `/api/auth/api-docs` without a trailing slash: a
    /// `<base href="api-docs/">` makes its relative links point one level down, where the
    /// `{file}` route serves them.
    fn index(&self) -> Result<Response<Body>, AppError> {
        let html = self.ui_file("index.html")?.ok_or_else(|| AppError::internal("Swagger UI has no index.html"))?;
        let html = String::from_utf8_lossy(&html.bytes).replacen("<head>", "<head>\n    <base href=\"api-docs/\">", 1);
        Ok(respond("text/html; charset=utf-8", Body::Text(html), "no-cache"))
    }

    fn file(&self, name: &str) -> Result<Response<Body>, AppError> {
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
    async fn serves_the_ui_its_files_and_the_document() {
        let docs = ApiDocs::new(r#"{"openapi":"3.1.0"}"#);
        let index = docs.handle(get(None)).await.unwrap();
        assert!(text(&index).contains("<base href=\"api-docs/\">"));
        assert!(text(&index).contains("swagger-ui-bundle.js"));

        let init = docs.handle(get(Some("swagger-initializer.js"))).await.unwrap();
        assert!(text(&init).contains("openapi.json"), "{}", text(&init));

        let bundle = docs.handle(get(Some("swagger-ui-bundle.js"))).await.unwrap();
        assert!(text(&bundle).len() > 100_000);
        assert_eq!(bundle.headers()["cache-control"], "public, max-age=86400");

        let doc = docs.handle(get(Some("openapi.json"))).await.unwrap();
        assert_eq!(text(&doc), r#"{"openapi":"3.1.0"}"#);
        // The document's own route (no `{file}` parameter).
        let direct = http::Request::builder().uri(format!("{UI_PATH}/openapi.json")).body(Body::Empty).unwrap();
        assert_eq!(text(&docs.handle(direct).await.unwrap()), r#"{"openapi":"3.1.0"}"#);
        assert_eq!(doc.headers()["content-type"], "application/json");
    }

    #[tokio::test]
    async fn unknown_files_are_404() {
        let docs = ApiDocs::new("{}");
        for name in ["nope.js", "../Cargo.toml", "index.html"] {
            let err = docs.handle(get(Some(name))).await.unwrap_err();
            assert_eq!(err.status(), 404, "{name}");
        }
    }
}
