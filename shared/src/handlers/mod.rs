//! The route handlers of every service, grouped by the service they belong to. A handler maps
//! one API Gateway request to the domain and the outcome back to HTTP; its OpenAPI operation is
//! declared on it. Handlers are generic over the domain's ports, so they never name an adapter:
//! a function's composition root (`app`) picks the adapters, a unit test picks the in-memory
//! ones.

pub mod audit;
#[cfg(feature = "identity")]
pub mod auth;
#[cfg(feature = "identity")]
pub mod bookstore_auth;
#[cfg(feature = "identity")]
pub mod chat;
#[cfg(feature = "http")]
pub mod connected;
#[cfg(feature = "apidocs")]
pub mod docs;
#[cfg(feature = "http")]
pub mod health;
#[cfg(feature = "images")]
pub mod images;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod operations;
pub mod sessions;
#[cfg(feature = "tenants")]
pub mod tenant_data;
#[cfg(all(feature = "soap", feature = "identity"))]
pub mod user_lookup;
#[cfg(all(feature = "soap", feature = "identity"))]
pub mod user_soap;
