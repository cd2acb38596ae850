//! What every tenant function shares: the access pipeline over its real adapters, the
//! tenant pools, request parsing for `/api/data`, and the security audit log.

use crate::adapters::aws::sdk_config;
use crate::adapters::dynamodb::{DynamoCache, DynamoCounter};
use crate::adapters::introspection::HttpIntrospector;
use crate::adapters::postgres::Postgres;
use crate::adapters::tenant_pools::{PoolStats, TenantPools};
use crate::adapters::tenant_records::PostgresDirectory;
use crate::config::dependency_timeout;
use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::domain::health::{CheckResult, check};
use crate::domain::tenants::{
    CachePolicy, CacheStats, Granted, LayeredCache, MemoryUsage, RateLimiter, TENANT_HEADER, TenantAccess,
    TenantHealthStatus, TenantId, memory_usage,
};
use crate::transport::http::{self, Body, Request, Response};
use deadpool_postgres::Object;
use serde::{Deserialize, Serialize};
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
                .ok_or_else(|| AppError::new(ErrorCode::MissingTenantId, "the X-Tenant-ID header is required"))?;
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
                code = %e.code(),
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

/// Longest token sent on to introspection. The identity service issues compact JWTs of a few
/// hundred bytes and its endpoint reads at most 8 KiB of form: anything larger (or with
/// characters a JWT never has, which form encoding would triple) is no token of its, and is
/// refused here instead of becoming an introspection error.
const MAX_TOKEN_BYTES: usize = 4096;

fn bearer(req: &Request) -> Result<&str, AppError> {
    let failed = |m: &str| AppError::new(ErrorCode::AuthenticationFailed, m);
    let header =
        http::header_str(req, "authorization").ok_or_else(|| failed("an Authorization: Bearer token is required"))?;
    let token = match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => token.trim(),
        _ => return Err(failed("the Authorization header must be 'Bearer <token>'")),
    };
    let jwt_shaped = token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if token.len() > MAX_TOKEN_BYTES || !jwt_shaped {
        return Err(failed("the token is invalid, expired or revoked"));
    }
    Ok(token)
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
        None if required => Err(AppError::new(ErrorCode::MissingRecordId, "the 'id' query parameter is required")),
        None => Ok(None),
        Some(raw) => Uuid::parse_str(raw.trim())
            .map(Some)
            .map_err(|_| AppError::new(ErrorCode::InvalidRecordId, "id must be a UUID")),
    }
}

/// The body of `POST`/`PUT /api/data`: a JSON object under `data`; unknown fields refused.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TenantDataBody))]
#[serde(deny_unknown_fields)]
pub struct DataBody {
    #[cfg_attr(feature = "openapi", schema(schema_with = non_empty_object))]
    pub data: Map<String, Value>,
    /// `PUT` only: the version the client read; the update is then refused with 409
    /// VERSION_CONFLICT if the record has changed since (optimistic concurrency). Without it
    /// the update is unconditional. `POST` accepts and ignores it.
    #[serde(default, deserialize_with = "crate::domain::json::integer_opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = -2_147_483_648i32, maximum = 2_147_483_647i32, example = 1))]
    pub version: Option<i32>,
}

/// The schema of `DataBody::data`: any JSON object with at least one field.
#[cfg(feature = "openapi")]
fn non_empty_object() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Object)
        .min_properties(Some(1))
        .description(Some("The document: any JSON object with at least one field (stored as PostgreSQL JSONB)."))
        .examples([serde_json::json!({"title": "Q3 report", "pages": 12})])
        .build()
}

impl DataBody {
    pub fn parse(req: &Request) -> Result<Self, AppError> {
        let body: Self = http::parse_json(req, MAX_BODY_BYTES)?;
        if body.data.is_empty() {
            return Err(AppError::new(ErrorCode::ValidationFailed, "data must have at least one field"));
        }
        if body.data.iter().any(|(key, value)| key.contains('\0') || contains_nul(value)) {
            return Err(AppError::new(
                ErrorCode::InvalidData,
                "data must not contain NUL characters (\\u0000) in its keys or string values",
            ));
        }
        Ok(body)
    }
}

/// Whether a JSON value holds the NUL character in a string or a key, at any depth. JSON and
/// serde allow it; PostgreSQL's JSONB refuses it, so it is the client's mistake, found before
/// any query. (serde_json limits nesting to 128 levels, so the recursion is bounded.)
fn contains_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(contains_nul),
        Value::Object(map) => map.iter().any(|(key, value)| key.contains('\0') || contains_nul(value)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// `GET /tenants/health/details`: this execution environment's view of the tenant service,
/// after it has served the request's own access check.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantHealthDetails {
    /// Always `tenants`.
    #[cfg_attr(feature = "openapi", schema(example = "tenants"))]
    pub service: &'static str,
    /// `unavailable` (503) when a database is down, `degraded` when only the shared cache is.
    pub status: TenantHealthStatus,
    /// Always `execution-environment`: the figures are this Lambda environment's own.
    #[cfg_attr(feature = "openapi", schema(example = "execution-environment"))]
    pub scope: &'static str,
    /// The caller's tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "acme"))]
    pub tenant: TenantId,
    pub database: TenantDatabaseChecks,
    pub cache: TenantCacheReport,
    /// The tenant pools open in this environment, by tenant.
    pub pools: Vec<PoolStats>,
    pub memory: MemoryUsage,
}

/// The databases of the health details.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantDatabaseChecks {
    /// The tenant directory (control-plane PostgreSQL).
    pub directory: CheckResult,
    /// A round trip on the caller's tenant pool (`detail`: the role and schema it runs as).
    pub tenant: CheckResult,
}

/// The cache of the health details.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantCacheReport {
    /// The shared level (DynamoDB).
    pub shared: CheckResult,
    pub stats: CacheStats,
}

impl TenantApi {
    /// The health details for a granted caller: its tenant pool, the directory and the shared
    /// cache, each checked within the dependency deadline, with this environment's figures.
    pub async fn health_details(&self, granted: &Granted) -> TenantHealthDetails {
        let deadline = self.deadline;
        let (directory, tenant_db, shared) = tokio::join!(
            check(deadline, self.directory_db.ping()),
            check(deadline, self.pools.probe(&granted.tenant)),
            check(deadline, self.access.cache.shared().ping()),
        );
        let status = TenantHealthStatus::of(directory.is_up() && tenant_db.is_up(), shared.is_up());
        TenantHealthDetails {
            service: "tenants",
            status,
            scope: "execution-environment",
            tenant: granted.tenant.id.clone(),
            database: TenantDatabaseChecks { directory, tenant: tenant_db },
            cache: TenantCacheReport { shared, stats: self.access.cache.stats() },
            pools: self.pools.stats(),
            memory: memory_usage(),
        }
    }
}

/// `?limit=` (1-100, default 20) and `?cursor=` (the last id of the previous page).
pub fn page_params(req: &Request) -> Result<(i64, Option<Uuid>), AppError> {
    let limit = http::page_limit(req, 20, crate::adapters::tenant_records::MAX_PAGE_SIZE)?;
    let cursor = match http::query_param(req, "cursor") {
        None => None,
        Some(raw) => Some(
            Uuid::parse_str(raw.trim())
                .map_err(|_| AppError::new(ErrorCode::InvalidCursor, "cursor is not one this API returned"))?,
        ),
    };
    Ok((limit, cursor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_jwt_shaped_tokens_of_a_sane_size_go_to_introspection() {
        let req = |authorization: &str| {
            lambda_http::http::Request::builder().header("authorization", authorization).body(Body::Empty).unwrap()
        };
        assert_eq!(bearer(&req("Bearer a.b-c_d")).unwrap(), "a.b-c_d");
        for bad in [
            format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES + 1)),
            "Bearer a%2Eb".into(),
            "Bearer a+b/c=".into(),
            "Basic a".into(),
        ] {
            assert_eq!(bearer(&req(&bad)).unwrap_err().code(), "AUTHENTICATION_FAILED", "{bad:.40}");
        }
    }

    #[test]
    fn nul_characters_are_found_in_keys_and_values_at_any_depth() {
        for bad in [
            serde_json::json!("a\u{0}b"),
            serde_json::json!({ "k\u{0}": 1 }),
            serde_json::json!([1, [true, { "deep": ["\u{0}"] }]]),
        ] {
            assert!(contains_nul(&bad), "{bad}");
        }
        for ok in [serde_json::json!({ "a": [1, null, "x\\u0000", { "b": false }] }), serde_json::json!("\u{1}")] {
            assert!(!contains_nul(&ok), "{ok}");
        }
    }
}
