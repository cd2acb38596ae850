//! The identity service's RFC 7662 introspection endpoint over HTTP(S), as the tenant service
//! calls it (HTTP Basic client auth; settings in `config::IntrospectionConfig`).
//!
//! Built on the hyper client and rustls (over ring) that the AWS SDK already links, so this
//! adds no second TLS stack; the TLS roots are loaded on first use, not at init.

use crate::config::ConfigError;
use crate::config::{ExposeSecret, IntrospectionConfig, SecretString};
use crate::domain::error::{AppError, Dependency};
use crate::domain::tenants::{Introspector, TokenInfo};
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Introspection answers are small; anything bigger is not one.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

pub struct HttpIntrospector {
    client: OnceCell<HttpsClient>,
    uri: hyper::Uri,
    /// `Basic …` of this service's client id and secret.
    authorization: SecretString,
    timeout: Duration,
}

impl HttpIntrospector {
    /// Connects lazily: the client and its TLS roots are built on the first call. A URL that is
    /// not one is a configuration error naming `AUTH_SERVICE_URL`.
    pub fn new(config: &IntrospectionConfig) -> Result<Self, ConfigError> {
        let uri = config.url.parse().map_err(|e: hyper::http::uri::InvalidUri| ConfigError::Invalid {
            name: "AUTH_SERVICE_URL",
            reason: e.to_string(),
        })?;
        let credentials = format!("{}:{}", config.client_id, config.client_secret.expose_secret());
        let authorization = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(credentials));
        Ok(Self {
            client: OnceCell::new(),
            uri,
            authorization: SecretString::from(authorization),
            timeout: config.timeout,
        })
    }

    fn build_client(&self) -> Result<HttpsClient, AppError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map_err(|e| AppError::internal(format!("TLS roots: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(60)).build(https))
    }

    async fn call(&self, token: &str) -> Result<TokenInfo, AppError> {
        let unavailable = |e: &dyn std::fmt::Display| AppError::unavailable(Dependency::AuthService, e);
        let client = self.client.get_or_try_init(|| async { self.build_client() }).await?;
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token)
            .append_pair("token_type_hint", "access_token")
            .finish();
        let request = hyper::Request::post(self.uri.clone())
            .header(hyper::header::AUTHORIZATION, self.authorization.expose_secret())
            .header(hyper::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(hyper::header::ACCEPT, "application/json")
            .body(Full::new(Bytes::from(form)))
            .map_err(AppError::internal)?;
        let response = client.request(request).await.map_err(|e| unavailable(&e))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(unavailable(&format!("introspection answered {status}")));
        }
        if !status.is_success() {
            // 401 here means this service's own client credentials are wrong: our fault, not the caller's.
            return Err(AppError::internal(format!("introspection refused this service: {status}")));
        }
        let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| unavailable(&e))?
            .to_bytes();
        serde_json::from_slice(&body).map_err(|e| AppError::internal(format!("introspection answer unreadable: {e}")))
    }
}

impl Introspector for HttpIntrospector {
    async fn introspect(&self, token: &str) -> Result<TokenInfo, AppError> {
        tokio::time::timeout(self.timeout, self.call(token))
            .await
            .map_err(|_| AppError::unavailable(Dependency::AuthService, "introspection timed out"))?
    }
}
