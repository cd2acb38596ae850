//! The MongoDB client: created once, connecting on first use, its server-selection timeout
//! bounding how long a request waits when MongoDB is down; and how its errors become API errors.

use crate::config::ConfigError;
use crate::config::{ExposeSecret, MongoConfig};
use crate::domain::error::{AppError, Dependency};
use mongodb::bson::{Document, doc};
use mongodb::options::ClientOptions;
use mongodb::{Client, Collection, IndexModel};
use tokio::sync::OnceCell;

pub struct Mongo {
    client: Client,
    database: String,
    /// Whether this execution environment created the indexes of the sessions collection.
    #[cfg_attr(not(feature = "sessions"), allow(dead_code))]
    pub(super) sessions_indexed: OnceCell<()>,
    /// The same for the audit collection.
    pub(super) audit_indexed: OnceCell<()>,
}

pub(super) fn mongo_error(e: mongodb::error::Error) -> AppError {
    use mongodb::error::ErrorKind;
    match *e.kind {
        ErrorKind::ServerSelection { .. } | ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } => {
            AppError::unavailable(Dependency::Mongo, e)
        }
        _ => AppError::internal(format!("mongodb error: {e}")),
    }
}

/// Connections pooled before MongoDB restarted fail on first use (a broken pipe); the driver then
/// clears its pool. Every operation of this adapter is idempotent (upserts keyed on ids, `$set`s
/// of values, reads), so it is sent once more, on a fresh connection, instead of answering 503
/// to the first request after the server is back. The driver's own retryable writes do this only
/// on replica sets and never for `update_many`. When MongoDB is really down, the second attempt
/// fails too (server selection is bounded by the dependency timeout).
pub(super) async fn once_more_after_network_error<T, F, Fut>(mut operation: F) -> mongodb::error::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = mongodb::error::Result<T>>,
{
    use mongodb::error::ErrorKind;
    match operation().await {
        Err(e) if matches!(*e.kind, ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. }) => {
            tracing::info!(error = %e, "mongodb connection lost; trying once more on a new connection");
            operation().await
        }
        other => other,
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

/// Whether an idempotent upsert changed anything. A duplicate-key error means two deliveries of
/// one event raced and the other one wrote it: nothing changed here.
pub(super) fn changed(result: mongodb::error::Result<mongodb::results::UpdateResult>) -> Result<bool, AppError> {
    match result {
        Ok(r) => Ok(r.upserted_id.is_some() || r.modified_count > 0),
        Err(e) if is_duplicate_key(&e) => Ok(false),
        Err(e) => Err(mongo_error(e)),
    }
}

#[cfg(not(feature = "mongo-srv"))]
const SRV_NOT_BUILT: &str = "mongodb+srv:// needs DNS SRV lookups, which this function is built without \
     to keep its package small: use the standard mongodb://host1,host2,.../?replicaSet=... form, \
     or build with the `mongo-srv` feature of `shared`";

impl Mongo {
    pub async fn new(config: &MongoConfig) -> Result<Self, ConfigError> {
        #[cfg(not(feature = "mongo-srv"))]
        if config.uri.expose_secret().trim_start().to_ascii_lowercase().starts_with("mongodb+srv://") {
            // The driver's own message names its feature, not ours.
            return Err(ConfigError::Invalid { name: "MONGO_URI", reason: SRV_NOT_BUILT.into() });
        }
        let mut options = ClientOptions::parse(config.uri.expose_secret())
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
            sessions_indexed: OnceCell::new(),
            audit_indexed: OnceCell::new(),
        })
    }

    pub async fn ping(&self) -> Result<Option<serde_json::Value>, AppError> {
        // Not retried: a health check reports the state of the moment, within its own deadline.
        self.client.database(&self.database).run_command(doc! { "ping": 1 }).await.map_err(mongo_error)?;
        Ok(None)
    }

    /// A collection of this database, as documents.
    pub(super) fn collection(&self, name: &str) -> Collection<Document> {
        self.client.database(&self.database).collection::<Document>(name)
    }

    /// Creates a collection's indexes (createIndexes is idempotent server-side).
    pub(super) async fn create_indexes(
        collection: &Collection<Document>,
        indexes: &[IndexModel],
    ) -> Result<(), AppError> {
        once_more_after_network_error(|| async move { collection.create_indexes(indexes.to_vec()).await })
            .await
            .map(|_| ())
            .map_err(mongo_error)
    }
}

impl crate::domain::health::Probe for Mongo {
    fn probe(&self) -> crate::domain::health::ProbeFuture<'_> {
        Box::pin(self.ping())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(uri: &str) -> MongoConfig {
        MongoConfig { uri: uri.into(), database: "sessions".into(), timeout: std::time::Duration::from_secs(1) }
    }

    #[cfg(not(feature = "mongo-srv"))]
    #[tokio::test]
    async fn an_srv_uri_without_the_feature_is_a_config_error_that_says_what_to_do() {
        let Err(error) = Mongo::new(&config("mongodb+srv://user:pw@cluster0.example.mongodb.net/")).await else {
            panic!("an SRV URI was accepted without DNS SRV support");
        };
        let message = error.to_string();
        assert!(message.contains("MONGO_URI") && message.contains("mongo-srv"), "{message}");
        assert!(!message.contains("pw"), "the error must not echo credentials: {message}");
    }

    #[tokio::test]
    async fn a_standard_uri_with_several_hosts_is_accepted_without_connecting() {
        let uri = "mongodb://user:pw@db-0.example.net:27017,db-1.example.net:27017/?replicaSet=rs0&tls=true";
        assert!(Mongo::new(&config(uri)).await.is_ok());
    }
}
