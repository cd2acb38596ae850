//! What every tenant function shares: the access pipeline over its real adapters, the
//! tenant pools, request parsing for `/api/data`, and the security audit log.

use super::pools::TenantPools;
use super::records::PostgresDirectory;
use super::{CachePolicy, Granted, LayeredCache, RateLimiter, TENANT_HEADER, TenantAccess};
use crate::adapters::aws::sdk_config;
use crate::adapters::dynamodb::{DynamoCache, DynamoCounter};
use crate::adapters::introspection::HttpIntrospector;
use crate::adapters::postgres::Postgres;
use crate::config::dependency_timeout;
use crate::error::AppError;
use crate::http::{self, Body, Request, Response};
use deadpool_postgres::Object;
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// Largest JSON body accepted by `POST`/`PUT /api/data`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub type Access = TenantAccess<HttpIntrospector, PostgresDirectory, DynamoCache, DynamoCounter>;

pub struct TenantApi {
    pub access: Access,
    pub pools: TenantPools,
    /// The control-plane database (tenant directory).
    pub directory_db: Postgres,
    /// How long any one dependency may take (`DEPENDENCY_TIMEOUT_MS`).
    pub deadline: std::time::Duration,
}

impl TenantApi {
    pub async fn from_env() -> Result<Self, http::Error> {
        let timeout = dependency_timeout()?;
        let sdk = sdk_config(timeout).await;
        let cache = DynamoCache::from_env(&sdk)?;
        let counters = DynamoCounter::new(&sdk, crate::config::required("TENANT_CACHE_TABLE")?);
        let directory_db = Postgres::from_env()?;
        let capacity = crate::config::parse_or("TENANT_MEMORY_CACHE_ENTRIES", 10_000u64)?;
        Ok(Self {
            access: TenantAccess {
                introspector: HttpIntrospector::from_env(timeout)?,
                directory: PostgresDirectory { db: directory_db.clone() },
                cache: LayeredCache::new(cache, capacity),
                limiter: RateLimiter::new(counters),
                policy: CachePolicy::from_env()?,
            },
            pools: TenantPools::from_env()?,
            directory_db,
            deadline: timeout,
        })
    }

    /// Checks `Authorization` and `X-Tenant-ID` and logs the decision to the audit log.
    pub async fn authorize(&self, req: &Request, action: &'static str) -> Result<Granted, AppError> {
        let source_ip = http::source_ip(req);
        let tenant_header = http::header_str(req, TENANT_HEADER).map(str::to_string);
        let outcome = async {
            let token = bearer(req)?;
            let tenant = tenant_header
                .as_deref()
                .ok_or_else(|| AppError::bad_request("MISSING_TENANT_ID", "the X-Tenant-ID header is required"))?;
            self.access.authorize(token, tenant, chrono::Utc::now().timestamp()).await
        }
        .await;
        match &outcome {
            Ok(g) => tracing::info!(
                target: "audit",
                action,
                outcome = "allowed",
                tenant = %g.tenant.id,
                subject = %g.caller.subject,
                source_ip = source_ip.as_deref().unwrap_or("-"),
            ),
            Err(e) if e.status() < 500 => tracing::warn!(
                target: "audit",
                action,
                outcome = "denied",
                code = e.code(),
                tenant = tenant_header.as_deref().map(|t| t.chars().take(64).collect::<String>()).unwrap_or_default(),
                source_ip = source_ip.as_deref().unwrap_or("-"),
            ),
            Err(_) => {}
        }
        outcome
    }

    /// A connection to the granted tenant's schema, as its role.
    pub async fn tenant_db(&self, granted: &Granted) -> Result<Object, AppError> {
        self.pools.client(&granted.tenant).await
    }

    /// Records a change to tenant data in the audit log.
    pub fn audit_change(&self, granted: &Granted, action: &'static str, record: Uuid) {
        tracing::info!(
            target: "audit",
            action,
            outcome = "done",
            tenant = %granted.tenant.id,
            subject = %granted.caller.subject,
            record = %record,
        );
    }
}

fn bearer(req: &Request) -> Result<&str, AppError> {
    let failed = |m: &str| AppError::unauthorized("AUTHENTICATION_FAILED", m);
    let header = http::header_str(req, "authorization").ok_or_else(|| failed("an Authorization: Bearer token is required"))?;
    match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(failed("the Authorization header must be 'Bearer <token>'")),
    }
}

/// Adds the rate-limit budget left to a successful answer.
pub fn with_rate_headers(granted: &Granted, mut resp: Response<Body>) -> Response<Body> {
    resp.headers_mut().insert("x-ratelimit-limit", granted.tenant.rate_limit.into());
    resp.headers_mut().insert("x-ratelimit-remaining", granted.rate_remaining.into());
    resp
}

/// `?id=` of `GET`/`PUT`/`DELETE /api/data`.
pub fn record_id(req: &Request, required: bool) -> Result<Option<Uuid>, AppError> {
    match http::query_param(req, "id") {
        None if required => Err(AppError::bad_request("MISSING_RECORD_ID", "the 'id' query parameter is required")),
        None => Ok(None),
        Some(raw) => Uuid::parse_str(raw.trim())
            .map(Some)
            .map_err(|_| AppError::bad_request("INVALID_RECORD_ID", "id must be a UUID")),
    }
}

/// The body of `POST`/`PUT /api/data`: a JSON object under `data`; unknown fields refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataBody {
    pub data: Map<String, Value>,
    /// `PUT` only: the version the client read (optimistic concurrency).
    #[serde(default)]
    pub version: Option<i32>,
}

impl DataBody {
    pub fn parse(req: &Request) -> Result<Self, AppError> {
        let body: Self = http::parse_json(req, MAX_BODY_BYTES)?;
        if body.data.is_empty() {
            return Err(AppError::bad_request("VALIDATION_FAILED", "data must have at least one field"));
        }
        Ok(body)
    }
}

/// `?limit=` (1-100, default 20) and `?cursor=` (the last id of the previous page).
pub fn page_params(req: &Request) -> Result<(i64, Option<Uuid>), AppError> {
    let limit = http::page_limit(req, 20, super::records::MAX_PAGE_SIZE)?;
    let cursor = match http::query_param(req, "cursor") {
        None => None,
        Some(raw) => Some(
            Uuid::parse_str(raw.trim()).map_err(|_| AppError::bad_request("INVALID_CURSOR", "cursor is not one this API returned"))?,
        ),
    };
    Ok((limit, cursor))
}
