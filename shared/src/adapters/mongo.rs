//! MongoDB: session documents. The client is created once and connects on first use; its
//! server-selection timeout bounds how long a request waits when MongoDB is down.

use crate::config::MongoConfig;
use crate::error::{AppError, ConfigError, Dependency};
use mongodb::bson::{self, Document, doc};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, IndexModel};
use tokio::sync::OnceCell;

pub const SESSIONS: &str = "sessions";
pub const AUDIT: &str = "audit";

pub struct Mongo {
    client: Client,
    database: String,
    indexes_ready: OnceCell<()>,
    audit_indexes_ready: OnceCell<()>,
}

fn mongo_error(e: mongodb::error::Error) -> AppError {
    use mongodb::error::ErrorKind;
    match *e.kind {
        ErrorKind::ServerSelection { .. } | ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } => {
            AppError::unavailable(Dependency::Mongo, e)
        }
        _ => AppError::internal(format!("mongodb error: {e}")),
    }
}

fn is_duplicate_key(e: &mongodb::error::Error) -> bool {
    use mongodb::error::{ErrorKind, WriteFailure};
    match &*e.kind {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == 11000,
        ErrorKind::Command(c) => c.code == 11000,
        _ => false,
    }
}

impl Mongo {
    pub async fn new(config: &MongoConfig) -> Result<Self, ConfigError> {
        let mut options = ClientOptions::parse(&config.uri)
            .await
            .map_err(|e| ConfigError::Invalid { name: "MONGO_URI", reason: e.to_string() })?;
        options.app_name = Some("rust-lambda".into());
        options.server_selection_timeout = Some(config.timeout);
        options.connect_timeout = Some(config.timeout);
        // One request at a time per execution environment.
        options.max_pool_size = Some(options.max_pool_size.unwrap_or(4).min(4));
        let client = Client::with_options(options)
            .map_err(|e| ConfigError::Invalid { name: "MONGO_URI", reason: e.to_string() })?;
        Ok(Self {
            client,
            database: config.database.clone(),
            indexes_ready: OnceCell::new(),
            audit_indexes_ready: OnceCell::new(),
        })
    }

    pub async fn from_env() -> Result<Self, ConfigError> {
        Self::new(&MongoConfig::from_env()?).await
    }

    pub async fn ping(&self) -> Result<Option<serde_json::Value>, AppError> {
        self.client.database(&self.database).run_command(doc! { "ping": 1 }).await.map_err(mongo_error)?;
        Ok(None)
    }

    /// Creates the indexes the session queries need, once per execution environment
    /// (createIndexes is idempotent server-side). Retried on the next call if it failed.
    async fn sessions(&self) -> Result<Collection<Document>, AppError> {
        let collection = self.client.database(&self.database).collection::<Document>(SESSIONS);
        self.indexes_ready
            .get_or_try_init(|| async {
                let indexes = [
                    IndexModel::builder()
                        .keys(doc! { "loginEventId": 1 })
                        .options(IndexOptions::builder().name("loginEventId_unique".to_string()).unique(true).build())
                        .build(),
                    IndexModel::builder()
                        .keys(doc! { "userId": 1, "startedAt": -1 })
                        .options(IndexOptions::builder().name("userId_startedAt".to_string()).build())
                        .build(),
                ];
                collection.create_indexes(indexes).await.map(|_| ()).map_err(mongo_error)
            })
            .await?;
        Ok(collection)
    }
}

#[cfg(feature = "sessions")]
impl crate::sessions::SessionStore for Mongo {
    async fn record_login(&self, s: &crate::sessions::SessionRecord) -> Result<bool, AppError> {
        let sessions = self.sessions().await?;
        let document = doc! {
            "userId": s.user_id,
            "username": &s.username,
            "loginEventId": s.login_event_id.to_string(),
            "startedAt": bson::DateTime::from_millis(s.started_at.timestamp_millis()),
            "userAgent": s.user_agent.as_deref(),
            "sourceIp": s.source_ip.as_deref(),
            "tokenId": s.token_id.as_deref(),
            "status": "active",
            "recordedAt": bson::DateTime::now(),
        };
        let result = sessions
            .update_one(
                doc! { "loginEventId": s.login_event_id.to_string() },
                doc! { "$setOnInsert": document },
            )
            .upsert(true)
            .await;
        match result {
            Ok(r) => Ok(r.upserted_id.is_some()),
            // Two deliveries of one event raced; the other one inserted it.
            Err(e) if is_duplicate_key(&e) => Ok(false),
            Err(e) => Err(mongo_error(e)),
        }
    }

    async fn last_connection(&self, user_id: i64) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
        let sessions = self.sessions().await?;
        let latest = sessions
            .find_one(doc! { "userId": user_id })
            .sort(doc! { "startedAt": -1 })
            .projection(doc! { "startedAt": 1, "_id": 0 })
            .await
            .map_err(mongo_error)?;
        Ok(latest
            .and_then(|d| d.get_datetime("startedAt").ok().copied())
            .and_then(|t| chrono::DateTime::from_timestamp_millis(t.timestamp_millis())))
    }
}

impl Mongo {
    async fn audit(&self) -> Result<Collection<Document>, AppError> {
        let collection = self.client.database(&self.database).collection::<Document>(AUDIT);
        self.audit_indexes_ready
            .get_or_try_init(|| async {
                let indexes = [
                    IndexModel::builder()
                        .keys(doc! { "eventId": 1 })
                        .options(IndexOptions::builder().name("eventId_unique".to_string()).unique(true).build())
                        .build(),
                    IndexModel::builder()
                        .keys(doc! { "userId": 1, "occurredAt": -1 })
                        .options(IndexOptions::builder().name("userId_occurredAt".to_string()).build())
                        .build(),
                ];
                collection.create_indexes(indexes).await.map(|_| ()).map_err(mongo_error)
            })
            .await?;
        Ok(collection)
    }
}

impl crate::audit::AuditTrail for Mongo {
    async fn record(&self, r: &crate::audit::AuditRecord) -> Result<bool, AppError> {
        let audit = self.audit().await?;
        let data = bson::to_bson(&r.data).map_err(AppError::internal)?;
        let document = doc! {
            "eventId": r.event_id.to_string(),
            "type": &r.event_type,
            "occurredAt": bson::DateTime::from_millis(r.occurred_at.timestamp_millis()),
            "source": &r.source,
            "userId": r.user_id,
            "username": r.username.as_deref(),
            "data": data,
            "recordedAt": bson::DateTime::now(),
        };
        match audit
            .update_one(doc! { "eventId": r.event_id.to_string() }, doc! { "$setOnInsert": document })
            .upsert(true)
            .await
        {
            Ok(result) => Ok(result.upserted_id.is_some()),
            Err(e) if is_duplicate_key(&e) => Ok(false),
            Err(e) => Err(mongo_error(e)),
        }
    }
}
